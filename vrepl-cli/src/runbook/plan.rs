//! A runbook is first a plan: stages of typed steps with their targets and calls, printable
//! before anything runs. Stages run in order; the steps of a concurrent stage act on
//! independent relationships and run side by side.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};
use vrepl_storage::model::{JunctionPath, VolumePath};
use vrepl_storage::sim::DatastoreKind;

use super::error::{RunbookError, RunbookResult};
use super::group::{EsxMode, ProtectionGroup, ReplicaPair, Side};
use super::journal::{Replay, StepStatus};
use super::step::{count_by_target, Call, Step};

/// Which runbook.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunbookKind {
    /// DR test: clone, present and mount at the recovery site.
    TestStart,
    /// Remove what a DR test made.
    TestCleanup,
    /// Failover with the protected site up: stop workloads, final update, break, present.
    FailoverPlanned,
    /// Failover with the protected site gone: break what can be reached, present.
    FailoverUnplanned,
    /// Return to the protected site, carrying the recovery site's writes.
    Failback,
    /// After a failover, protect the recovery site by replicating it back.
    Reprotect,
}

impl RunbookKind {
    /// `failover-planned`, for file names and messages.
    pub fn slug(&self) -> &'static str {
        match self {
            Self::TestStart => "test-start",
            Self::TestCleanup => "test-cleanup",
            Self::FailoverPlanned => "failover-planned",
            Self::FailoverUnplanned => "failover-unplanned",
            Self::Failback => "failback",
            Self::Reprotect => "reprotect",
        }
    }
}

/// A step with its place in the plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedStep {
    /// `stage.index`, from 1: `3.2`.
    pub id: String,
    /// The protection group it serves.
    pub group: String,
    /// The step.
    pub step: Step,
}

/// Steps that run after the previous stage and before the next.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// What the stage does.
    pub title: String,
    /// Whether its steps may run side by side (independent relationships).
    pub concurrent: bool,
    /// Its steps.
    pub steps: Vec<PlannedStep>,
}

/// A runbook's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    /// Which runbook.
    pub runbook: RunbookKind,
    /// The groups it acts on, as defined when it was planned.
    pub groups: Vec<ProtectionGroup>,
    /// For a cleanup: the DR test run it undoes.
    #[serde(default)]
    pub cleans_up: Option<String>,
    /// Failback: take the protected site's copy away from its hosts first.
    #[serde(default)]
    pub force: bool,
    /// The stages, in order.
    pub stages: Vec<Stage>,
}

/// Collects stages, numbering steps as they are added.
struct Builder {
    stages: Vec<Stage>,
}

impl Builder {
    fn stage(&mut self, title: impl Into<String>, concurrent: bool, steps: Vec<(String, Step)>) {
        if steps.is_empty() {
            return;
        }
        let n = self.stages.len() + 1;
        let steps = steps
            .into_iter()
            .enumerate()
            .map(|(i, (group, step))| PlannedStep {
                id: format!("{n}.{}", i + 1),
                group,
                step,
            })
            .collect();
        self.stages.push(Stage {
            title: title.into(),
            concurrent,
            steps,
        });
    }
}

/// Drops repeated steps (a host shared by two groups is rescanned once), keeping the first.
fn unique(steps: &mut Vec<(String, Step)>) {
    let mut seen = Vec::new();
    steps.retain(|(_, s)| {
        let new = !seen.contains(s);
        if new {
            seen.push(s.clone());
        }
        new
    });
}

/// Rescans of every host of one site of the groups.
fn rescan_site(groups: &[ProtectionGroup], side: Side) -> Vec<(String, Step)> {
    let mut v: Vec<(String, Step)> = groups
        .iter()
        .flat_map(|g| {
            g.end(side)
                .hosts
                .iter()
                .map(|h| (g.name.clone(), Step::RescanHost { host: h.clone() }))
        })
        .collect();
    unique(&mut v);
    v
}

fn nfs_share(volume: &VolumePath) -> RunbookResult<JunctionPath> {
    Ok(JunctionPath::new(format!("/{}", volume.volume))?)
}

fn nfs_server(g: &ProtectionGroup, side: Side, pair: &ReplicaPair) -> RunbookResult<String> {
    let svm = pair.side(side).1.svm.as_str();
    g.end(side).nfs_servers.get(svm).cloned().ok_or_else(|| {
        RunbookError::Config(format!(
            "group {}: no NFS server is configured for SVM {svm} at {}",
            g.name,
            g.end(side).site
        ))
    })
}

/// For every relationship of every group: `f(group, pair)`.
fn per_pair(
    groups: &[ProtectionGroup],
    mut f: impl FnMut(&ProtectionGroup, &ReplicaPair) -> RunbookResult<Vec<Step>>,
) -> RunbookResult<Vec<(String, Step)>> {
    let mut v = Vec::new();
    for g in groups {
        for p in &g.relationships {
            v.extend(f(g, p)?.into_iter().map(|s| (g.name.clone(), s)));
        }
    }
    Ok(v)
}

/// Steps that take a site's copies away from its hosts: unmount, unmap the LUNs, rescan.
///
/// On ESXi 5+ (per-volume groups) a VMFS is unmounted before its LUN goes, and mounted again
/// by name when the site's copy comes back (failback): ESXi keeps a hand-unmounted VMFS
/// unmounted across rescans. ESX 3.x/4.x cannot mount an original again from the command
/// line, so there a VMFS is only taken away by unmapping its LUN and rescanning, and the
/// rescan after it is mapped again brings it back. NFS datastores are unmounted everywhere.
fn unpresent(b: &mut Builder, groups: &[ProtectionGroup], side: Side) -> RunbookResult<()> {
    let mut unmounts = Vec::new();
    let mut unmaps = Vec::new();
    for g in groups {
        let end = g.end(side);
        for d in &g.datastores {
            let pair = g.pair_of(d).expect("validated");
            let (cluster, vol) = pair.side(side);
            let unmount_by_hand =
                d.kind() == DatastoreKind::Nfs || g.esx_mode == EsxMode::PerVolume;
            for host in end.hosts.iter().filter(|_| unmount_by_hand) {
                unmounts.push((
                    g.name.clone(),
                    Step::UnmountDatastore {
                        host: host.clone(),
                        datastore: d.name.clone(),
                        nfs: d.kind() == DatastoreKind::Nfs,
                    },
                ));
            }
            if let Some(lun) = d.lun_in(&vol.volume) {
                unmaps.push((
                    g.name.clone(),
                    Step::UnmapLun {
                        cluster: cluster.clone(),
                        svm: vol.svm.clone(),
                        lun,
                        igroup: end.igroup.clone(),
                    },
                ));
            }
        }
    }
    let site = &groups[0].end(side).site;
    b.stage(format!("unmount the datastores at {site}"), false, unmounts);
    b.stage(format!("unmap the LUNs at {site}"), true, unmaps);
    b.stage(
        format!("rescan the hosts at {site}"),
        true,
        rescan_site(groups, side),
    );
    Ok(())
}

/// Steps that give a site's copies to its hosts: LUNs online and mapped, NFS volumes mounted,
/// hosts rescanned, datastores mounted keeping their signature.
fn present(b: &mut Builder, groups: &[ProtectionGroup], side: Side) -> RunbookResult<()> {
    let (mut online, mut maps, mut junctions, mut rescans, mut mounts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in groups {
        let end = g.end(side);
        for d in &g.datastores {
            let pair = g.pair_of(d).expect("validated");
            let (cluster, vol) = pair.side(side);
            let gn = g.name.clone();
            match d.lun_in(&vol.volume) {
                Some(lun) => {
                    online.push((
                        gn.clone(),
                        Step::LunOnline {
                            cluster: cluster.clone(),
                            svm: vol.svm.clone(),
                            lun: lun.clone(),
                        },
                    ));
                    maps.push((
                        gn.clone(),
                        Step::MapLun {
                            cluster: cluster.clone(),
                            svm: vol.svm.clone(),
                            lun,
                            igroup: end.igroup.clone(),
                        },
                    ));
                }
                None => {
                    let junction = match (side, &d.junction) {
                        (Side::Protected, Some(j)) => j.clone(),
                        _ => nfs_share(vol)?,
                    };
                    junctions.push((
                        gn.clone(),
                        Step::MountJunction {
                            cluster: cluster.clone(),
                            volume: vol.clone(),
                            junction,
                        },
                    ));
                }
            }
        }
        for host in &end.hosts {
            rescans.push((g.name.clone(), Step::RescanHost { host: host.clone() }));
            for d in &g.datastores {
                let pair = g.pair_of(d).expect("validated");
                let (_, vol) = pair.side(side);
                mounts.push((
                    g.name.clone(),
                    match d.kind() {
                        DatastoreKind::Vmfs => Step::MountVmfs {
                            host: host.clone(),
                            label: d.name.clone(),
                            resignature: false,
                            mode: g.esx_mode,
                        },
                        DatastoreKind::Nfs => Step::MountNfs {
                            host: host.clone(),
                            server: nfs_server(g, side, pair)?,
                            share: match (side, &d.junction) {
                                (Side::Protected, Some(j)) => j.to_string(),
                                _ => nfs_share(vol)?.to_string(),
                            },
                            datastore: d.name.clone(),
                        },
                    },
                ));
            }
        }
    }
    unique(&mut rescans);
    let site = &groups[0].end(side).site;
    b.stage(format!("bring the LUNs online at {site}"), true, online);
    b.stage(format!("map the LUNs to the hosts at {site}"), true, maps);
    b.stage(format!("mount the NFS volumes at {site}"), true, junctions);
    b.stage(format!("rescan the hosts at {site}"), true, rescans);
    b.stage(format!("mount the datastores at {site}"), false, mounts);
    Ok(())
}

fn start(groups: &[ProtectionGroup]) -> RunbookResult<Builder> {
    if groups.is_empty() {
        return Err(RunbookError::Config(
            "a runbook needs at least one protection group".into(),
        ));
    }
    for g in groups {
        g.validate()?;
    }
    Ok(Builder { stages: Vec::new() })
}

fn finish(b: Builder, runbook: RunbookKind, groups: &[ProtectionGroup]) -> Plan {
    Plan {
        runbook,
        groups: groups.to_vec(),
        cleans_up: None,
        force: false,
        stages: b.stages,
    }
}

/// DR test: FlexClone each destination from its newest SnapMirror snapshot, present the
/// clones to the recovery hosts and mount them (resignatured, next to the replicas).
/// Replication keeps running.
pub fn test_start(groups: &[ProtectionGroup]) -> RunbookResult<Plan> {
    let mut b = start(groups)?;
    let clones = per_pair(groups, |g, p| {
        let clone = g.clone_name(p)?;
        let nfs = g.datastores_of(p).any(|d| d.kind() == DatastoreKind::Nfs);
        Ok(vec![Step::CreateClone {
            cluster: p.destination_cluster.clone(),
            parent: p.destination.clone(),
            junction: if nfs {
                Some(JunctionPath::new(format!("/{clone}"))?)
            } else {
                None
            },
            clone,
        }])
    })?;
    b.stage(
        "FlexClone the destinations from their newest SnapMirror snapshot",
        true,
        clones,
    );
    let (mut online, mut maps, mut rescans, mut mounts) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for g in groups {
        for d in &g.datastores {
            let pair = g.pair_of(d).expect("validated");
            let clone = g.clone_name(pair)?;
            if let Some(lun) = d.lun_in(&clone) {
                let (cluster, svm) = (&pair.destination_cluster, &pair.destination.svm);
                online.push((
                    g.name.clone(),
                    Step::LunOnline {
                        cluster: cluster.clone(),
                        svm: svm.clone(),
                        lun: lun.clone(),
                    },
                ));
                maps.push((
                    g.name.clone(),
                    Step::MapLun {
                        cluster: cluster.clone(),
                        svm: svm.clone(),
                        lun,
                        igroup: g.recovery.igroup.clone(),
                    },
                ));
            }
        }
        for host in &g.recovery.hosts {
            rescans.push((g.name.clone(), Step::RescanHost { host: host.clone() }));
            for d in &g.datastores {
                let pair = g.pair_of(d).expect("validated");
                mounts.push((
                    g.name.clone(),
                    match d.kind() {
                        DatastoreKind::Vmfs => Step::MountVmfs {
                            host: host.clone(),
                            label: d.name.clone(),
                            resignature: true,
                            mode: g.esx_mode,
                        },
                        DatastoreKind::Nfs => Step::MountNfs {
                            host: host.clone(),
                            server: nfs_server(g, Side::Recovery, pair)?,
                            share: format!("/{}", g.clone_name(pair)?),
                            datastore: format!("{}{}", d.name, g.clone_suffix),
                        },
                    },
                ));
            }
        }
    }
    unique(&mut rescans);
    b.stage("bring the clone LUNs online", true, online);
    b.stage("map the clone LUNs to the recovery hosts", true, maps);
    b.stage("rescan the recovery hosts", true, rescans);
    b.stage("mount the clone datastores", false, mounts);
    Ok(finish(b, RunbookKind::TestStart, groups))
}

/// Undo a DR test: unmount, unmap and destroy exactly what its run made, as its journal says.
pub fn test_cleanup(test: &Replay) -> RunbookResult<Plan> {
    if test.plan.runbook != RunbookKind::TestStart {
        return Err(RunbookError::Refused(format!(
            "run {} is a {}, not a DR test start",
            test.run,
            test.plan.runbook.slug()
        )));
    }
    let groups = &test.plan.groups;
    let mut b = start(groups)?;
    let (mut unmounts, mut unmaps, mut destroys, mut rescans) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for stage in &test.plan.stages {
        for ps in &stage.steps {
            if !test.started_steps.contains(&ps.id) {
                continue;
            }
            let ended = test.ended.get(&ps.id).map(|(o, _)| o);
            let g = ps.group.clone();
            match &ps.step {
                Step::MountVmfs { host, .. } | Step::MountNfs { host, .. } => {
                    let nfs = matches!(ps.step, Step::MountNfs { .. });
                    let name = match (&ps.step, ended) {
                        (_, Some(o)) if o.status != StepStatus::Failed => o.facts.datastore.clone(),
                        (Step::MountNfs { datastore, .. }, _) => Some(datastore.clone()),
                        _ => None,
                    };
                    if let Some(datastore) = name {
                        unmounts.push((
                            g.clone(),
                            Step::UnmountDatastore {
                                host: host.clone(),
                                datastore,
                                nfs,
                            },
                        ));
                        rescans.push((g, Step::RescanHost { host: host.clone() }));
                    }
                }
                Step::MapLun {
                    cluster,
                    svm,
                    lun,
                    igroup,
                } => unmaps.push((
                    g,
                    Step::UnmapLun {
                        cluster: cluster.clone(),
                        svm: svm.clone(),
                        lun: lun.clone(),
                        igroup: igroup.clone(),
                    },
                )),
                Step::CreateClone {
                    cluster,
                    parent,
                    clone,
                    ..
                } => destroys.push((
                    g,
                    Step::DestroyClone {
                        cluster: cluster.clone(),
                        volume: VolumePath::new(parent.svm.clone(), clone.clone()),
                    },
                )),
                _ => {}
            }
        }
    }
    unique(&mut rescans);
    b.stage("unmount the clone datastores", false, unmounts);
    b.stage("unmap the clone LUNs", true, unmaps);
    b.stage("destroy the FlexClones", true, destroys);
    b.stage("rescan the recovery hosts", true, rescans);
    let mut plan = finish(b, RunbookKind::TestCleanup, groups);
    plan.cleans_up = Some(test.run.clone());
    Ok(plan)
}

/// Planned failover: the workloads at the protected site stop first (so the final update
/// carries a consistent copy), their datastores are unmounted and unmapped, then a final
/// update, quiesce and break, and the copies are presented and mounted at the recovery site.
pub fn failover_planned(groups: &[ProtectionGroup]) -> RunbookResult<Plan> {
    let mut b = start(groups)?;
    b.stage(
        "shut the workloads down at the protected site",
        false,
        groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    Step::OperatorGate {
                        site: g.protected.site.clone(),
                        datastores: g.datastores.iter().map(|d| d.name.clone()).collect(),
                    },
                )
            })
            .collect(),
    );
    unpresent(&mut b, groups, Side::Protected)?;
    mirror_stage(&mut b, groups, "final update", |p| Step::UpdateMirror {
        cluster: p.destination_cluster.clone(),
        destination: p.destination.clone(),
    })?;
    break_stages(&mut b, groups)?;
    present(&mut b, groups, Side::Recovery)?;
    Ok(finish(b, RunbookKind::FailoverPlanned, groups))
}

/// Unplanned failover: the protected site is gone; quiesce and break at the recovery site
/// (which needs only its own cluster), present and mount.
pub fn failover_unplanned(groups: &[ProtectionGroup]) -> RunbookResult<Plan> {
    let mut b = start(groups)?;
    break_stages(&mut b, groups)?;
    present(&mut b, groups, Side::Recovery)?;
    Ok(finish(b, RunbookKind::FailoverUnplanned, groups))
}

fn mirror_stage(
    b: &mut Builder,
    groups: &[ProtectionGroup],
    title: &str,
    f: impl Fn(&ReplicaPair) -> Step,
) -> RunbookResult<()> {
    let steps = per_pair(groups, |_, p| Ok(vec![f(p)]))?;
    b.stage(title, true, steps);
    Ok(())
}

fn break_stages(b: &mut Builder, groups: &[ProtectionGroup]) -> RunbookResult<()> {
    mirror_stage(b, groups, "quiesce the relationships", |p| {
        Step::QuiesceMirror {
            cluster: p.destination_cluster.clone(),
            destination: p.destination.clone(),
        }
    })?;
    mirror_stage(b, groups, "break the relationships", |p| {
        Step::BreakMirror {
            cluster: p.destination_cluster.clone(),
            destination: p.destination.clone(),
        }
    })
}

fn reverse_to_protected(p: &ReplicaPair) -> Step {
    Step::ReverseResync {
        cluster: p.destination_cluster.clone(),
        destination: p.destination.clone(),
        new_cluster: p.source_cluster.clone(),
        new_destination: p.source.clone(),
    }
}

/// Failback from the recovery site (the seed's sequence): reverse resync Site 2 -> Site 1,
/// wait for the workloads to stop, record the datastores, final update, break at Site 1,
/// unmount at Site 2, present and mount at Site 1, resync Site 1 -> Site 2, and verify that
/// Site 1 holds what Site 2 held. With `force`, Site 1's copies are first taken away from its
/// hosts (otherwise a pre-flight check refuses while they are mapped or mounted).
pub fn failback(groups: &[ProtectionGroup], force: bool) -> RunbookResult<Plan> {
    let mut b = start(groups)?;
    if force {
        unpresent(&mut b, groups, Side::Protected)?;
    }
    mirror_stage(
        &mut b,
        groups,
        "reverse resync: recovery site -> protected site",
        reverse_to_protected,
    )?;
    b.stage(
        "shut the workloads down at the recovery site",
        false,
        groups
            .iter()
            .map(|g| {
                (
                    g.name.clone(),
                    Step::OperatorGate {
                        site: g.recovery.site.clone(),
                        datastores: g.datastores.iter().map(|d| d.name.clone()).collect(),
                    },
                )
            })
            .collect(),
    );
    let mut records = Vec::new();
    for g in groups {
        if let Some(host) = g.recovery.hosts.first() {
            for d in &g.datastores {
                records.push((
                    g.name.clone(),
                    Step::RecordContent {
                        host: host.clone(),
                        datastore: d.name.clone(),
                    },
                ));
            }
        }
    }
    let record_stage = b.stages.len() + 1;
    b.stage(
        "record the datastores' files at the recovery site",
        true,
        records.clone(),
    );
    mirror_stage(&mut b, groups, "final update to the protected site", |p| {
        Step::UpdateMirror {
            cluster: p.source_cluster.clone(),
            destination: p.source.clone(),
        }
    })?;
    mirror_stage(&mut b, groups, "break at the protected site", |p| {
        Step::BreakMirror {
            cluster: p.source_cluster.clone(),
            destination: p.source.clone(),
        }
    })?;
    let mut unmounts = Vec::new();
    for g in groups {
        for host in &g.recovery.hosts {
            for d in &g.datastores {
                unmounts.push((
                    g.name.clone(),
                    Step::UnmountDatastore {
                        host: host.clone(),
                        datastore: d.name.clone(),
                        nfs: d.kind() == DatastoreKind::Nfs,
                    },
                ));
            }
        }
    }
    b.stage(
        "unmount the datastores at the recovery site",
        false,
        unmounts,
    );
    present(&mut b, groups, Side::Protected)?;
    mirror_stage(
        &mut b,
        groups,
        "resync the original direction: protected site -> recovery site",
        |p| Step::ReverseResync {
            cluster: p.source_cluster.clone(),
            destination: p.source.clone(),
            new_cluster: p.destination_cluster.clone(),
            new_destination: p.destination.clone(),
        },
    )?;
    let mut verifies = Vec::new();
    for (i, (g, rec)) in records.iter().enumerate() {
        let Step::RecordContent { datastore, .. } = rec else {
            continue;
        };
        let group = groups.iter().find(|x| &x.name == g).expect("from groups");
        if let Some(host) = group.protected.hosts.first() {
            verifies.push((
                g.clone(),
                Step::VerifyContent {
                    host: host.clone(),
                    datastore: datastore.clone(),
                    recorded_by: format!("{record_stage}.{}", i + 1),
                },
            ));
        }
    }
    b.stage(
        "rescan the recovery hosts (the replicas are read-only again)",
        true,
        rescan_site(groups, Side::Recovery),
    );
    b.stage(
        "verify the protected site holds the recovery site's data",
        true,
        verifies,
    );
    let mut plan = finish(b, RunbookKind::Failback, groups);
    plan.force = force;
    Ok(plan)
}

/// Reprotect after a failover: reverse the relationships so the recovery site (now live) is
/// replicated to the protected site. The groups' definitions are kept as they are: the
/// runbooks read the direction from the arrays, so a later failback starts from here.
pub fn reprotect(groups: &[ProtectionGroup]) -> RunbookResult<Plan> {
    let mut b = start(groups)?;
    mirror_stage(
        &mut b,
        groups,
        "reverse resync: recovery site -> protected site",
        reverse_to_protected,
    )?;
    Ok(finish(b, RunbookKind::Reprotect, groups))
}

impl Plan {
    /// Every step, in order.
    pub fn steps(&self) -> impl Iterator<Item = &PlannedStep> {
        self.stages.iter().flat_map(|s| &s.steps)
    }

    /// Every call the plan makes, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.steps().flat_map(|s| s.step.calls()).collect()
    }

    /// The plan as JSON, with each step's calls and the call counts.
    pub fn to_json(&self) -> serde_json::Value {
        let stages: Vec<_> = self
            .stages
            .iter()
            .map(|st| {
                serde_json::json!({
                    "title": st.title,
                    "concurrent": st.concurrent,
                    "steps": st.steps.iter().map(|ps| serde_json::json!({
                        "id": ps.id,
                        "group": ps.group,
                        "title": ps.step.title(),
                        "target": ps.step.target(),
                        "destructive": ps.step.is_destructive(),
                        "step": ps.step,
                        "calls": ps.step.calls(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let calls = self.calls();
        serde_json::json!({
            "runbook": self.runbook,
            "groups": self.groups.iter().map(|g| &g.name).collect::<Vec<_>>(),
            "cleans_up": self.cleans_up,
            "force": self.force,
            "stages": stages,
            "call_count": calls.len(),
            "calls_by_target": count_by_target(&calls),
        })
    }

    /// The plan as text, for `--dry-run`.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let names: Vec<&str> = self.groups.iter().map(|g| g.name.as_str()).collect();
        let _ = writeln!(s, "Plan: {} of {}", self.runbook.slug(), names.join(", "));
        if let Some(run) = &self.cleans_up {
            let _ = writeln!(s, "  undoes DR test run {run}");
        }
        for (i, st) in self.stages.iter().enumerate() {
            let how = if st.concurrent && st.steps.len() > 1 {
                " (side by side)"
            } else {
                ""
            };
            let _ = writeln!(s, "Stage {}: {}{how}", i + 1, st.title);
            for ps in &st.steps {
                let mark = if ps.step.is_destructive() {
                    " [destructive]"
                } else {
                    ""
                };
                let _ = writeln!(
                    s,
                    "  {} {} on {}{mark}",
                    ps.id,
                    ps.step.title(),
                    ps.step.target()
                );
                for c in ps.step.calls() {
                    let _ = writeln!(s, "        {}: {}", c.target, c.call);
                }
            }
        }
        let calls = self.calls();
        let counts: Vec<String> = count_by_target(&calls)
            .iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        let _ = writeln!(
            s,
            "{} steps, {} calls: {}",
            self.steps().count(),
            calls.len(),
            counts.join(", ")
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::group::lab_groups;
    use vrepl_storage::sim::Fabric;

    /// The VMFS datastores a planned failover unmounts by hand at the protected site.
    fn vmfs_unmounted_by_hand(mode: EsxMode) -> Vec<String> {
        let mut groups = lab_groups(&Fabric::lab().topology()).unwrap();
        for g in &mut groups {
            g.esx_mode = mode;
        }
        let plan = failover_planned(&groups).unwrap();
        let mut names: Vec<String> = plan
            .steps()
            .filter_map(|s| match &s.step {
                Step::UnmountDatastore {
                    datastore,
                    nfs: false,
                    ..
                } => Some(datastore.clone()),
                _ => None,
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }

    #[test]
    fn planned_failover_unmounts_vmfs_by_hand_only_where_it_can_be_mounted_again() {
        assert_eq!(
            vmfs_unmounted_by_hand(EsxMode::PerVolume),
            ["RP1", "RP2", "RP3", "RP4"]
        );
        assert!(vmfs_unmounted_by_hand(EsxMode::LegacyLvm).is_empty());
    }
}

//! Pre-flight checks: what must hold before a runbook changes anything, each with how to fix
//! it. A failed check stops the run unless the operator names it to skip.
//!
//! Checks, by id: `cluster_reachable`, `host_reachable`, `esx_mode_matches`, `snapmirrored`,
//! `no_test_clone`, `relationship_exists`, `failed_over`, `no_unreplicated_writes`,
//! `protected_copy_not_presented`; and before a DR test or a planned failover, the checks of
//! `snapctl check` ([`crate::checks::evaluate`]): `healthy`, `lag_within_rpo`,
//! `last_transfer_succeeded`, `common_snapshot`, `destination_is_dp`, `no_transfer_in_flight`,
//! `clone_parent_is_newest`.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use vrepl_storage::mirror::MirrorState;
use vrepl_storage::model::VolumePath;
use vrepl_storage::sim::DatastoreKind;

use super::env::Environment;
use super::group::{EsxMode, ProtectionGroup, ReplicaPair};
use super::plan::{Plan, RunbookKind};

/// A check's verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckStatus {
    /// It holds.
    Pass,
    /// It does not; see `fix`.
    Fail,
    /// The operator asked to skip it.
    Skipped,
}

/// One check of one target.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckOutcome {
    /// The check's id (`snapmirrored`).
    pub check: String,
    /// What it looked at (a relationship, a cluster, a host).
    pub target: String,
    /// The verdict.
    pub status: CheckStatus,
    /// What was found.
    pub detail: String,
    /// How to fix it, when it failed.
    pub fix: Option<String>,
}

struct Checks<'a> {
    skip: &'a [String],
    out: Vec<CheckOutcome>,
}

impl Checks<'_> {
    fn add(
        &mut self,
        check: &str,
        target: impl ToString,
        ok: bool,
        detail: impl Into<String>,
        fix: impl Into<String>,
    ) {
        let skipped = self.skip.iter().any(|s| s == check);
        self.out.push(CheckOutcome {
            check: check.to_string(),
            target: target.to_string(),
            status: match (ok, skipped) {
                (true, _) => CheckStatus::Pass,
                (false, true) => CheckStatus::Skipped,
                (false, false) => CheckStatus::Fail,
            },
            detail: detail.into(),
            fix: if ok { None } else { Some(fix.into()) },
        });
    }
}

/// Runs the checks a plan needs, skipping (but still reporting) the ones named in `skip`.
pub async fn run(
    plan: &Plan,
    env: &Environment,
    skip: &[String],
    accept_loss: &[String],
) -> Vec<CheckOutcome> {
    let mut c = Checks {
        skip,
        out: Vec::new(),
    };
    let kind = plan.runbook;
    let needs_protected = matches!(
        kind,
        RunbookKind::FailoverPlanned | RunbookKind::Failback | RunbookKind::Reprotect
    );
    let mut clusters = BTreeSet::new();
    for g in &plan.groups {
        for p in &g.relationships {
            clusters.insert(p.destination_cluster.to_string());
            if needs_protected {
                clusters.insert(p.source_cluster.to_string());
            }
        }
    }
    let mut down = BTreeSet::new();
    for cluster in &clusters {
        let res = match env.array(cluster) {
            Ok(a) => a.list_svms().await.map(|_| ()).map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        if res.is_err() {
            down.insert(cluster.clone());
        }
        c.add(
            "cluster_reachable",
            cluster,
            res.is_ok(),
            res.err().unwrap_or_else(|| "answers".into()),
            "check the network and credentials, or run the unplanned failover if the site is lost",
        );
    }
    check_hosts(&mut c, plan, env).await;
    for g in &plan.groups {
        for p in &g.relationships {
            if down.contains(p.destination_cluster.as_str()) {
                continue;
            }
            match kind {
                RunbookKind::TestStart | RunbookKind::FailoverPlanned => {
                    check_replicating(&mut c, g, p, env).await
                }
                RunbookKind::FailoverUnplanned => {
                    let res = env
                        .array(p.destination_cluster.as_str())
                        .ok()
                        .map(|a| a.relationship(&p.destination));
                    let found = match res {
                        Some(f) => f.await.map_err(|e| e.to_string()),
                        None => Err("no array".into()),
                    };
                    c.add(
                        "relationship_exists",
                        p.describe(),
                        found.is_ok(),
                        found.map(|r| format!("{}", r.state)).unwrap_or_else(|e| e),
                        "the recovery cluster does not know the relationship; check the group",
                    );
                }
                RunbookKind::Failback | RunbookKind::Reprotect => {
                    check_failed_over(&mut c, p, env, accept_loss).await;
                }
                RunbookKind::TestCleanup => {}
            }
            if kind == RunbookKind::TestStart {
                if let (Ok(a), Ok(clone)) =
                    (env.array(p.destination_cluster.as_str()), g.clone_name(p))
                {
                    let path = VolumePath::new(p.destination.svm.clone(), clone);
                    let exists = a.volume(&path).await.is_ok();
                    c.add(
                        "no_test_clone",
                        &path,
                        !exists,
                        if exists {
                            format!("{path} exists already")
                        } else {
                            "free".into()
                        },
                        "clean up the previous DR test (snapctl test cleanup) or remove the volume",
                    );
                }
            }
        }
        if kind == RunbookKind::Failback && !plan.force {
            check_protected_unpresented(&mut c, g, env).await;
        }
    }
    c.out
}

async fn check_hosts(c: &mut Checks<'_>, plan: &Plan, env: &Environment) {
    let mut hosts: Vec<(String, EsxMode)> = Vec::new();
    for ps in plan.steps() {
        use super::step::Step::*;
        let host = match &ps.step {
            UnmountDatastore { host, .. }
            | RescanHost { host }
            | MountVmfs { host, .. }
            | MountNfs { host, .. }
            | RecordContent { host, .. }
            | VerifyContent { host, .. } => host,
            _ => continue,
        };
        if !hosts.iter().any(|(h, _)| h == host) {
            let mode = plan
                .groups
                .iter()
                .find(|g| g.name == ps.group)
                .map(|g| g.esx_mode)
                .unwrap_or_default();
            hosts.push((host.clone(), mode));
        }
    }
    for (name, mode) in hosts {
        let version = match env.host(&name) {
            Ok(h) => h.version().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match version {
            Ok(v) => {
                c.add("host_reachable", &name, true, v.to_string(), "");
                let legacy = mode == EsxMode::LegacyLvm;
                c.add("esx_mode_matches", &name, v.is_legacy() == legacy,
                    format!("{v}; the group says {mode:?}"),
                    "set esx_mode to legacy_lvm for ESX 3.x/4.x hosts and per_volume for ESXi 5 and later");
            }
            Err(e) => c.add(
                "host_reachable",
                &name,
                false,
                e,
                "check the host's address, SSH credentials and host key",
            ),
        }
    }
}

async fn check_replicating(
    c: &mut Checks<'_>,
    g: &ProtectionGroup,
    p: &ReplicaPair,
    env: &Environment,
) {
    let Ok(a) = env.array(p.destination_cluster.as_str()) else {
        return;
    };
    let rel = match a.relationship(&p.destination).await {
        Ok(r) => r,
        Err(e) => {
            c.add(
                "snapmirrored",
                p.describe(),
                false,
                e.to_string(),
                "create and initialize the relationship",
            );
            return;
        }
    };
    c.add(
        "snapmirrored",
        p.describe(),
        rel.state == MirrorState::Snapmirrored,
        rel.state.to_string(),
        format!("resync or resume {} first", p.destination),
    );
    // The checks of `snapctl check`, on the facts gathered through the run's arrays.
    let mut facts = crate::checks::Facts {
        destination: a.volume(&p.destination).await.ok(),
        destination_snapshots: a.list_snapshots(&p.destination).await.unwrap_or_default(),
        ..Default::default()
    };
    facts.clones = a
        .list_volumes(Some(&p.destination.svm))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|v| {
            v.clone_parent
                .as_ref()
                .is_some_and(|cp| cp.volume == p.destination)
        })
        .collect();
    facts.source_snapshots = Some(match env.array(p.source_cluster.as_str()) {
        Ok(src) => src
            .list_snapshots(&p.source)
            .await
            .map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    });
    let rpo = g.rpo_secs.map(std::time::Duration::from_secs);
    for o in crate::checks::evaluate(&rel, rpo, &facts) {
        let (ok, detail) = match o.status {
            crate::checks::Status::Pass => (true, o.detail),
            crate::checks::Status::Fail => (false, o.detail),
            crate::checks::Status::Unknown => (true, format!("undecided: {}", o.detail)),
        };
        c.add(o.check, p.describe(), ok, detail, o.fix.unwrap_or_default());
    }
}

async fn check_failed_over(
    c: &mut Checks<'_>,
    p: &ReplicaPair,
    env: &Environment,
    accept_loss: &[String],
) {
    let (Ok(dst), Ok(src)) = (
        env.array(p.destination_cluster.as_str()),
        env.array(p.source_cluster.as_str()),
    ) else {
        return;
    };
    match dst.relationship(&p.destination).await {
        Ok(rel) if rel.state == MirrorState::BrokenOff => {
            c.add("failed_over", p.describe(), true, "broken-off", "");
            match dst.reverse_resync_preview(&p.destination).await {
                Ok(pre) => {
                    let named = accept_loss.iter().any(|n| n == &p.destination.to_string() || n == &p.source.to_string()
                        || n == p.destination.volume.as_str() || n == p.source.volume.as_str());
                    c.add("no_unreplicated_writes", p.describe(), pre.discard.is_empty() || named,
                        if pre.discard.is_empty() { "nothing to discard".to_string() } else {
                            format!("reversing rolls {} back, discarding {}{}",
                                pre.rolled_back, pre.discard,
                                if named { " (accepted)" } else { "" })
                        },
                        format!("copy what was written at {} elsewhere, or accept the loss by naming {}", pre.rolled_back, p.destination));
                }
                Err(e) => c.add("no_unreplicated_writes", p.describe(), false, e.to_string(), "make both clusters reachable"),
            }
        }
        Ok(rel) => c.add("failed_over", p.describe(), false, rel.state.to_string(),
            "the relationship is still replicating Site 1 -> Site 2: there is nothing to fail back; fail over first"),
        Err(e) if e.is_not_found() => {
            let reversed = src.relationship(&p.source).await.ok().filter(|r| r.source == p.destination);
            c.add("failed_over", p.describe(), reversed.is_some(),
                reversed.map(|r| format!("reversed: {} ({})", r.describe(), r.state)).unwrap_or_else(|| "no relationship found either way".into()),
                "the relationship is gone; re-create it (snapctl initialize) before failing back");
        }
        Err(e) => c.add("failed_over", p.describe(), false, e.to_string(), "make the recovery cluster reachable"),
    }
}

async fn check_protected_unpresented(c: &mut Checks<'_>, g: &ProtectionGroup, env: &Environment) {
    for d in &g.datastores {
        let Some(p) = g.pair_of(d) else { continue };
        let Ok(a) = env.array(p.source_cluster.as_str()) else {
            continue;
        };
        let mut found = Vec::new();
        if d.lun.is_some() {
            if let Ok(maps) = a.list_lun_maps(Some(&p.source.svm)).await {
                found.extend(
                    maps.iter()
                        .filter(|m| m.lun.volume == p.source.volume)
                        .map(|m| format!("{} is mapped to {}", m.lun, m.igroup)),
                );
            }
        }
        for host in &g.protected.hosts {
            let Ok(h) = env.host(host) else { continue };
            let mounted = match d.kind() {
                DatastoreKind::Vmfs => h
                    .filesystems()
                    .await
                    .map(|fs| fs.iter().any(|f| f.mounted && f.volume_name == d.name)),
                DatastoreKind::Nfs => h
                    .nfs_datastores()
                    .await
                    .map(|ns| ns.iter().any(|n| n.name == d.name)),
            };
            if mounted.unwrap_or(false) {
                found.push(format!("{} is mounted on {host}", d.name));
            }
        }
        c.add("protected_copy_not_presented", format!("{} ({})", d.name, p.source), found.is_empty(),
            if found.is_empty() { "not mapped or mounted".to_string() } else { found.join("; ") },
            "the resync will overwrite it: unmount and unmap it at the protected site, or pass --force to let the failback do it");
    }
}

/// The outcomes that stop a run.
pub fn failures(outcomes: &[CheckOutcome]) -> Vec<CheckOutcome> {
    outcomes
        .iter()
        .filter(|o| o.status == CheckStatus::Fail)
        .cloned()
        .collect()
}

//! Pre-flight checks as code: what must hold before a failover, a DR test or a failback, each
//! with how to fix it when it does not. `snapctl check` prints them; runbooks call
//! [`check_group`] / [`check_relationship`] before they change anything.
//!
//! Checks, by stable id:
//! - `healthy`: ONTAP considers the relationship healthy.
//! - `lag_within_rpo`: the lag is within the protection group's RPO.
//! - `last_transfer_succeeded`: the last transfer did not fail or get aborted.
//! - `common_snapshot`: source and destination share a snapshot, so a resync can work.
//! - `destination_is_dp`: the destination volume is a read-only SnapMirror copy.
//! - `no_transfer_in_flight`: nothing is transferring right now.
//! - `clone_parent_is_newest`: FlexClones of the destination use its newest SnapMirror snapshot.
//!
//! The evaluation is pure ([`evaluate`]); gathering the facts is the only I/O.

use std::time::Duration;

use serde::Serialize;
use vrepl_storage::error::human_bytes;
use vrepl_storage::mirror::{MirrorRelationship, TransferResult};
use vrepl_storage::model::{Snapshot, Volume, VolumeType};

use crate::backend::{Backend, OnCluster, ProtectionGroup};
use crate::exit::{CliError, CliResult};
use crate::output::hms;
use crate::resolve;

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// It holds.
    Pass,
    /// It does not; see `fix`.
    Fail,
    /// It could not be decided (a cluster did not answer).
    Unknown,
}

/// One check of one relationship.
#[derive(Debug, Clone, Serialize)]
pub struct CheckOutcome {
    /// The check's stable id (`lag_within_rpo`).
    pub check: &'static str,
    /// The relationship's destination (`svm:volume`).
    pub relationship: String,
    /// The verdict.
    pub status: Status,
    /// What was found.
    pub detail: String,
    /// How to fix it, when it failed.
    pub fix: Option<String>,
}

/// The checks of a group or relationship.
#[derive(Debug, Clone, Serialize)]
pub struct CheckReport {
    /// The group's name, or the relationship's destination.
    pub target: String,
    /// The RPO the lag was held against.
    pub rpo_seconds: Option<u64>,
    /// True when no check failed.
    pub passed: bool,
    /// Every outcome.
    pub results: Vec<CheckOutcome>,
}

/// What the checks look at, gathered from the arrays.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// The destination volume.
    pub destination: Option<Volume>,
    /// The destination's snapshots, oldest first.
    pub destination_snapshots: Vec<Snapshot>,
    /// The source's snapshots, or why they could not be read.
    pub source_snapshots: Option<Result<Vec<Snapshot>, String>>,
    /// FlexClones whose parent is the destination.
    pub clones: Vec<Volume>,
}

/// Decides every check for `rel` from `facts`.
pub fn evaluate(
    rel: &MirrorRelationship,
    rpo: Option<Duration>,
    facts: &Facts,
) -> Vec<CheckOutcome> {
    let dest = rel.destination.to_string();
    let out = |check, status, detail: String, fix: Option<String>| CheckOutcome {
        check,
        relationship: dest.clone(),
        status,
        detail,
        fix,
    };
    let mut v = Vec::new();

    v.push(if rel.healthy {
        out("healthy", Status::Pass, "healthy".into(), None)
    } else {
        out(
            "healthy",
            Status::Fail,
            format!(
                "unhealthy: {}",
                rel.unhealthy_reason.as_deref().unwrap_or("no reason given")
            ),
            Some(format!(
                "look at the reason; if the last update failed, fix its cause and run snapctl update {dest} --wait"
            )),
        )
    });

    v.push(match (rpo, rel.lag) {
        (None, Some(lag)) => out("lag_within_rpo", Status::Pass, format!("lag {} (no RPO configured)", hms(lag)), None),
        (None, None) => out("lag_within_rpo", Status::Pass, "no RPO configured".into(), None),
        (Some(rpo), Some(lag)) if lag <= rpo => out(
            "lag_within_rpo",
            Status::Pass,
            format!("lag {} within RPO {}", hms(lag), hms(rpo)),
            None,
        ),
        (Some(rpo), Some(lag)) => out(
            "lag_within_rpo",
            Status::Fail,
            format!("lag {} exceeds RPO {}", hms(lag), hms(rpo)),
            Some(format!(
                "run snapctl update {dest} --wait; if updates keep failing, check the source cluster and the intercluster link"
            )),
        ),
        (Some(rpo), None) => out(
            "lag_within_rpo",
            Status::Fail,
            format!("no lag: the destination holds no replicated snapshot (RPO {})", hms(rpo)),
            Some(format!("initialize it: snapctl initialize {dest} --wait")),
        ),
    });

    v.push(match rel.last_transfer.as_ref().map(|t| (&t.result, t)) {
        None => out(
            "last_transfer_succeeded",
            Status::Pass,
            "no transfer yet".into(),
            None,
        ),
        Some((TransferResult::Success, t)) => out(
            "last_transfer_succeeded",
            Status::Pass,
            format!(
                "last {} succeeded ({})",
                t.kind,
                human_bytes(t.bytes_transferred)
            ),
            None,
        ),
        Some((TransferResult::Failed(msg), t)) => out(
            "last_transfer_succeeded",
            Status::Fail,
            format!("last {} failed: {msg}", t.kind),
            Some(format!("fix the cause, then snapctl update {dest} --wait")),
        ),
        Some((TransferResult::Aborted, t)) => out(
            "last_transfer_succeeded",
            Status::Fail,
            format!("last {} was aborted", t.kind),
            Some(format!("run snapctl update {dest} --wait")),
        ),
    });

    v.push(match &facts.source_snapshots {
        None | Some(Err(_)) => out(
            "common_snapshot",
            Status::Unknown,
            match &facts.source_snapshots {
                Some(Err(why)) => format!("cannot read the source's snapshots: {why}"),
                _ => "the source's snapshots were not read".into(),
            },
            None,
        ),
        Some(Ok(source)) => {
            let common = facts
                .destination_snapshots
                .iter()
                .rev()
                .find(|d| source.iter().any(|s| s.name == d.name));
            match common {
                Some(s) => out("common_snapshot", Status::Pass, format!("common snapshot {}", s.name), None),
                None => out(
                    "common_snapshot",
                    Status::Fail,
                    format!("{} and {dest} share no snapshot: a resync is impossible", rel.source),
                    Some(format!(
                        "only a new baseline works: snapctl delete {dest}, then create and initialize it again"
                    )),
                ),
            }
        }
    });

    v.push(match &facts.destination {
        Some(vol) if vol.kind == VolumeType::Dp => out("destination_is_dp", Status::Pass, "destination is dp (read-only)".into(), None),
        Some(_) => out(
            "destination_is_dp",
            Status::Fail,
            format!("{dest} is rw: it is {} and takes writes", rel.state),
            Some(format!(
                "snapctl resync {dest} makes it a read-only copy again (it lists what it would discard first)"
            )),
        ),
        None => out("destination_is_dp", Status::Unknown, "the destination volume was not read".into(), None),
    });

    v.push(if rel.transfer.is_busy() {
        let progress = rel
            .progress
            .as_ref()
            .and_then(|p| p.percent().map(|pct| format!(" ({} {pct}%)", p.kind)))
            .unwrap_or_default();
        out(
            "no_transfer_in_flight",
            Status::Fail,
            format!("{}{progress}", rel.transfer),
            Some(format!(
                "wait for it (snapctl show {dest}), or stop it: snapctl quiesce {dest}"
            )),
        )
    } else {
        out("no_transfer_in_flight", Status::Pass, "idle".into(), None)
    });

    let newest = facts
        .destination_snapshots
        .iter()
        .filter(|s| s.is_snapmirror())
        .max_by_key(|s| s.create_time);
    v.push(match newest {
        None => out(
            "clone_parent_is_newest",
            Status::Fail,
            "the destination holds no SnapMirror snapshot to clone".into(),
            Some(format!("snapctl update {dest} --wait")),
        ),
        Some(n) => {
            let stale: Vec<String> = facts
                .clones
                .iter()
                .filter_map(|c| {
                    let p = c.clone_parent.as_ref()?;
                    (p.snapshot != n.name).then(|| format!("{} (from {})", c.path, p.snapshot))
                })
                .collect();
            if stale.is_empty() {
                out(
                    "clone_parent_is_newest",
                    Status::Pass,
                    if facts.clones.is_empty() {
                        format!("no FlexClones; a clone would use {}", n.name)
                    } else {
                        format!("FlexClones use the newest SnapMirror snapshot {}", n.name)
                    },
                    None,
                )
            } else {
                out(
                    "clone_parent_is_newest",
                    Status::Fail,
                    format!("older than the newest SnapMirror snapshot {}: {}", n.name, stale.join(", ")),
                    Some(format!(
                        "delete and re-create the clone: snapctl clone delete CLONE, then snapctl clone create {dest} CLONE"
                    )),
                )
            }
        }
    });
    v
}

/// Gathers the facts for `rel` (held by `found.cluster`) and evaluates every check.
pub async fn check_relationship(
    backend: &Backend,
    found: &OnCluster<MirrorRelationship>,
    rpo: Option<Duration>,
) -> Vec<CheckOutcome> {
    let rel = &found.item;
    let array = &found.cluster.array;
    let mut facts = Facts {
        destination: array.volume(&rel.destination).await.ok(),
        destination_snapshots: array
            .list_snapshots(&rel.destination)
            .await
            .unwrap_or_default(),
        ..Facts::default()
    };
    facts.clones = array
        .list_volumes(Some(&rel.destination.svm))
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|v| {
            v.clone_parent
                .as_ref()
                .is_some_and(|p| p.volume == rel.destination)
        })
        .collect();
    let source_cluster = match &rel.source_cluster {
        Some(c) => backend.cluster(c).ok().cloned(),
        None => resolve::svm(backend, None, &rel.source.svm).await.ok(),
    };
    facts.source_snapshots = Some(match source_cluster {
        Some(c) => c
            .array
            .list_snapshots(&rel.source)
            .await
            .map_err(|e| e.to_string()),
        None => Err("the source's cluster is not configured or did not answer".into()),
    });
    evaluate(rel, rpo, &facts)
}

/// Checks every relationship of a protection group against its RPO.
pub async fn check_group(backend: &Backend, group: &ProtectionGroup) -> CheckReport {
    let mut results = Vec::new();
    for name in &group.relationships {
        match resolve::relationship(backend, name).await {
            Ok(found) => results.extend(check_relationship(backend, &found, group.rpo).await),
            Err(e) => results.push(CheckOutcome {
                check: "exists",
                relationship: name.clone(),
                status: Status::Fail,
                detail: e.message.clone(),
                fix: Some(e.hint.clone().unwrap_or_else(|| {
                    format!(
                        "fix group {}'s relationships in the configuration",
                        group.name
                    )
                })),
            }),
        }
    }
    report(group.name.clone(), group.rpo, results)
}

/// Runs the checks `snapctl check [TARGET]` means: a group by name, a relationship by its
/// destination, or (no target) every group, or every relationship when there are no groups.
pub async fn run(backend: &Backend, target: Option<&str>) -> CliResult<Vec<CheckReport>> {
    match target {
        Some(t) => {
            if let Some(g) = backend.group(t) {
                return Ok(vec![check_group(backend, g).await]);
            }
            let found = resolve::relationship(backend, t).await.map_err(|e| {
                if e.kind == crate::exit::ErrorKind::NotFound {
                    let groups: Vec<&str> =
                        backend.groups.iter().map(|g| g.name.as_str()).collect();
                    CliError::not_found(format!(
                        "{t} is neither a protection group nor a relationship"
                    ))
                    .with_hint(format!(
                        "groups: {}; snapctl show lists the relationships",
                        if groups.is_empty() {
                            "none configured".to_string()
                        } else {
                            groups.join(", ")
                        }
                    ))
                } else {
                    e
                }
            })?;
            let rpo = backend
                .groups
                .iter()
                .find(|g| g.relationships.iter().any(|r| names(r, &found)))
                .and_then(|g| g.rpo);
            let results = check_relationship(backend, &found, rpo).await;
            Ok(vec![report(
                found.item.destination.to_string(),
                rpo,
                results,
            )])
        }
        None if !backend.groups.is_empty() => {
            let mut out = Vec::new();
            for g in &backend.groups {
                out.push(check_group(backend, g).await);
            }
            Ok(out)
        }
        None => {
            let mut out = Vec::new();
            for found in backend.relationships().await.require_all()? {
                let results = check_relationship(backend, &found, None).await;
                out.push(report(found.item.destination.to_string(), None, results));
            }
            Ok(out)
        }
    }
}

fn names(configured: &str, found: &OnCluster<MirrorRelationship>) -> bool {
    resolve::Target::parse(configured)
        .map(|t| t.matches(&found.cluster.name, &found.item.destination))
        .unwrap_or(false)
}

fn report(target: String, rpo: Option<Duration>, results: Vec<CheckOutcome>) -> CheckReport {
    CheckReport {
        target,
        rpo_seconds: rpo.map(|d| d.as_secs()),
        passed: results.iter().all(|r| r.status != Status::Fail),
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use vrepl_storage::mirror::{LastTransfer, MirrorState, TransferKind, TransferStatus};
    use vrepl_storage::model::{CloneParent, SnapshotName, VolumePath, VolumeState};

    fn rel() -> MirrorRelationship {
        MirrorRelationship {
            uuid: "u".into(),
            source: VolumePath::parse("fas2020upper:RG1FV1").unwrap(),
            destination: VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
            source_cluster: None,
            destination_cluster: None,
            policy: "MirrorAllSnapshots".into(),
            state: MirrorState::Snapmirrored,
            transfer: TransferStatus::Idle,
            progress: None,
            last_transfer: Some(LastTransfer {
                kind: TransferKind::Update,
                result: TransferResult::Success,
                bytes_transferred: 10,
                end_time: None,
            }),
            healthy: true,
            unhealthy_reason: None,
            lag: Some(Duration::from_secs(600)),
            exported_snapshot: None,
        }
    }

    fn snap(name: &str, minute: u8) -> Snapshot {
        Snapshot {
            uuid: name.into(),
            name: SnapshotName::new(name).unwrap(),
            create_time: datetime!(2026-11-22 00:00 UTC) + time::Duration::minutes(minute.into()),
            changed_bytes: 0,
            owners: vec![],
        }
    }

    fn volume(path: &str, kind: VolumeType, parent: Option<&str>) -> Volume {
        Volume {
            uuid: path.into(),
            path: VolumePath::parse(path).unwrap(),
            kind,
            state: VolumeState::Online,
            size_bytes: 1,
            junction_path: None,
            export_policy: None,
            clone_parent: parent.map(|s| CloneParent {
                volume: VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
                snapshot: SnapshotName::new(s).unwrap(),
            }),
        }
    }

    fn good_facts() -> Facts {
        let snaps = vec![snap("snapmirror.a", 1), snap("snapmirror.b", 2)];
        Facts {
            destination: Some(volume("fas2050upper:RG1FV1_SM", VolumeType::Dp, None)),
            destination_snapshots: snaps.clone(),
            source_snapshots: Some(Ok(snaps)),
            clones: vec![volume(
                "fas2050upper:test",
                VolumeType::Rw,
                Some("snapmirror.b"),
            )],
        }
    }

    fn status_of(v: &[CheckOutcome], check: &str) -> Status {
        v.iter().find(|o| o.check == check).unwrap().status
    }

    #[test]
    fn a_healthy_relationship_passes_everything() {
        let v = evaluate(&rel(), Some(Duration::from_secs(3600)), &good_facts());
        assert_eq!(v.len(), 7);
        assert!(v.iter().all(|o| o.status == Status::Pass), "{v:#?}");
    }

    #[test]
    fn each_failure_says_how_to_fix_it() {
        let mut r = rel();
        r.lag = Some(Duration::from_secs(7200));
        r.transfer = TransferStatus::Transferring;
        r.healthy = false;
        r.last_transfer.as_mut().unwrap().result =
            TransferResult::Failed("source unreachable".into());
        let mut f = good_facts();
        f.destination.as_mut().unwrap().kind = VolumeType::Rw;
        f.source_snapshots = Some(Ok(vec![snap("hourly.0", 5)]));
        f.clones[0].clone_parent.as_mut().unwrap().snapshot =
            SnapshotName::new("snapmirror.a").unwrap();
        let v = evaluate(&r, Some(Duration::from_secs(3600)), &f);
        for o in &v {
            assert_eq!(o.status, Status::Fail, "{o:?}");
            assert!(
                o.fix.as_deref().is_some_and(|f| f.contains("snapctl")),
                "{o:?}"
            );
        }
        assert!(v
            .iter()
            .any(|o| o.detail.contains("2:00:00 exceeds RPO 1:00:00")));
    }

    #[test]
    fn an_unreachable_source_leaves_the_common_snapshot_unknown_not_failed() {
        let mut f = good_facts();
        f.source_snapshots = Some(Err("cannot reach fas2020".into()));
        let v = evaluate(&rel(), None, &f);
        assert_eq!(status_of(&v, "common_snapshot"), Status::Unknown);
        assert_eq!(status_of(&v, "healthy"), Status::Pass);
    }
}

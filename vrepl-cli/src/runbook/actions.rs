//! What each step does. Every action reads the real state first and returns "already" when
//! the state is where the step leads, so a resumed run never repeats a destructive call.

use std::collections::BTreeMap;

use vrepl_esx::host::{DatastoreName, NfsMount, NfsServer, NfsShare};
use vrepl_storage::mirror::{
    DiscardPolicy, MirrorRelationship, MirrorState, OnTransfer, TransferResult,
};
use vrepl_storage::model::{CloneSpec, VolumePath, VolumeState};
use vrepl_storage::wait::wait_for;
use vrepl_storage::{Error as StorageError, MirrorControl};

use super::env::Environment;
use super::error::{RunbookError, RunbookResult};
use super::esx;
use super::executor::RunOptions;
use super::journal::{Facts, StepOutcome};
use super::progress::{Operator, Progress};
use super::step::Step;

/// What a step may use.
pub(crate) struct StepContext<'a> {
    pub env: &'a Environment,
    pub options: &'a RunOptions,
    pub progress: &'a dyn Progress,
    pub operator: &'a dyn Operator,
    /// Outcomes of the steps that completed before this one.
    pub earlier: &'a BTreeMap<String, StepOutcome>,
}

fn lag_secs(rel: &MirrorRelationship) -> Option<u64> {
    rel.lag.map(|l| l.as_secs())
}

/// Waits until no transfer runs on the relationship, reporting progress, and fails if the
/// transfer that ended failed.
async fn settle(
    ctx: &StepContext<'_>,
    mirror: &dyn MirrorControl,
    destination: &VolumePath,
) -> RunbookResult<MirrorRelationship> {
    let rel = wait_for(
        mirror,
        destination,
        ctx.options.poll,
        "finish its transfer",
        |r| !r.transfer.is_busy(),
        |r| {
            if let Some(p) = &r.progress {
                ctx.progress.transfer(destination, p);
            }
        },
    )
    .await?;
    if let Some(last) = &rel.last_transfer {
        if let TransferResult::Failed(why) = &last.result {
            return Err(RunbookError::Refused(format!(
                "the transfer to {destination} failed: {why}; fix the cause and resume the run"
            )));
        }
    }
    Ok(rel)
}

pub(crate) async fn execute(step: &Step, ctx: &StepContext<'_>) -> RunbookResult<StepOutcome> {
    match step {
        Step::OperatorGate { site, datastores } => {
            ctx.operator.workloads_stopped(site, datastores).await?;
            Ok(StepOutcome::done(format!(
                "the workloads at {site} are down"
            )))
        }
        Step::UnmountDatastore {
            host,
            datastore,
            nfs,
        } => {
            let h = ctx.env.host(host)?;
            Ok(match esx::unmount(h.as_ref(), datastore, *nfs).await? {
                esx::Unmounted::Now => StepOutcome::done(format!("unmounted {datastore}")),
                esx::Unmounted::NotMounted => {
                    StepOutcome::already(format!("{datastore} is not mounted on {host}"))
                }
                esx::Unmounted::AtNextRescan => StepOutcome::done(format!(
                    "{host} cannot unmount a VMFS (ESX 3.x): {datastore} goes at the rescan after its LUN is unmapped or read-only"
                )),
            })
        }
        Step::UnmapLun {
            cluster,
            svm,
            lun,
            igroup,
        } => {
            let a = ctx.env.array(cluster)?;
            let mapped = a
                .list_lun_maps(Some(svm))
                .await?
                .iter()
                .any(|m| &m.lun == lun && &m.igroup == igroup);
            if !mapped {
                return Ok(StepOutcome::already(format!(
                    "{svm}:{lun} is not mapped to {igroup}"
                )));
            }
            a.unmap_lun(svm, lun, igroup).await?;
            Ok(StepOutcome::done(format!(
                "unmapped {svm}:{lun} from {igroup}"
            )))
        }
        Step::UpdateMirror {
            cluster,
            destination,
        } => {
            let a = ctx.env.array(cluster)?;
            let rel = a.relationship(destination).await?;
            if rel.state == MirrorState::BrokenOff {
                return Err(RunbookError::Refused(format!(
                    "{} is broken-off: there is no replication to update; resync it first",
                    rel.describe()
                )));
            }
            settle(ctx, a.as_ref(), destination).await?;
            a.update(destination).await?;
            let rel = settle(ctx, a.as_ref(), destination).await?;
            let bytes = rel
                .last_transfer
                .as_ref()
                .map(|t| t.bytes_transferred)
                .unwrap_or(0);
            Ok(StepOutcome::done(format!(
                "{} updated ({} sent)",
                rel.describe(),
                vrepl_storage::error::human_bytes(bytes)
            ))
            .with(Facts {
                lag_secs: lag_secs(&rel),
                ..Facts::default()
            }))
        }
        Step::QuiesceMirror {
            cluster,
            destination,
        } => {
            let a = ctx.env.array(cluster)?;
            let rel = a.relationship(destination).await?;
            if matches!(rel.state, MirrorState::BrokenOff | MirrorState::Paused) {
                return Ok(StepOutcome::already(format!(
                    "{} is already {}",
                    rel.describe(),
                    rel.state
                )));
            }
            a.quiesce(destination).await?;
            let rel = settle(ctx, a.as_ref(), destination).await?;
            Ok(StepOutcome::done(format!("{} quiesced", rel.describe())))
        }
        Step::BreakMirror {
            cluster,
            destination,
        } => {
            let a = ctx.env.array(cluster)?;
            let rel = a.relationship(destination).await?;
            let facts = Facts {
                lag_secs: lag_secs(&rel),
                ..Facts::default()
            };
            if rel.state == MirrorState::BrokenOff {
                return Ok(StepOutcome::already(format!(
                    "{} is already broken-off",
                    rel.describe()
                ))
                .with(facts));
            }
            let lag = facts
                .lag_secs
                .map(|s| format!(", lag {s}s"))
                .unwrap_or_default();
            a.break_off(destination, OnTransfer::Wait).await?;
            Ok(StepOutcome::done(format!(
                "{} broken off{lag}; {destination} is writable",
                rel.describe()
            ))
            .with(facts))
        }
        Step::ReverseResync {
            cluster,
            destination,
            new_cluster,
            new_destination,
        } => {
            reverse(
                ctx,
                cluster.as_str(),
                destination,
                new_cluster.as_str(),
                new_destination,
            )
            .await
        }
        Step::CreateClone {
            cluster,
            parent,
            clone,
            junction,
        } => {
            let a = ctx.env.array(cluster)?;
            let path = VolumePath::new(parent.svm.clone(), clone.clone());
            if let Some(v) = a
                .list_volumes(Some(&parent.svm))
                .await?
                .into_iter()
                .find(|v| v.path == path)
            {
                return match &v.clone_parent {
                    Some(cp) if &cp.volume == parent => Ok(StepOutcome::already(format!("{path} exists, cloned from {parent}"))
                        .with(Facts { snapshot: Some(cp.snapshot.to_string()), ..Facts::default() })),
                    _ => Err(RunbookError::Refused(format!(
                        "{path} exists and is not a FlexClone of {parent}; rename or remove it, or configure another clone suffix"
                    ))),
                };
            }
            let snapshot = a
                .list_snapshots(parent)
                .await?
                .into_iter()
                .rev()
                .find(|s| s.is_snapmirror())
                .ok_or_else(|| {
                    RunbookError::Refused(format!(
                        "{parent} has no SnapMirror snapshot to clone yet; wait for the baseline"
                    ))
                })?
                .name;
            a.create_clone(&CloneSpec {
                parent: parent.clone(),
                name: clone.clone(),
                parent_snapshot: Some(snapshot.clone()),
                junction_path: junction.clone(),
            })
            .await?;
            Ok(
                StepOutcome::done(format!("cloned {parent} at {snapshot} as {path}")).with(Facts {
                    snapshot: Some(snapshot.to_string()),
                    ..Facts::default()
                }),
            )
        }
        Step::LunOnline { cluster, svm, lun } => {
            let a = ctx.env.array(cluster)?;
            let vol = VolumePath::new(svm.clone(), lun.volume.clone());
            let found = a
                .list_luns(Some(&vol))
                .await?
                .into_iter()
                .find(|l| &l.path == lun)
                .ok_or_else(|| {
                    StorageError::not_found(vrepl_storage::ObjectKind::Lun, format!("{svm}:{lun}"))
                })?;
            if found.online {
                return Ok(StepOutcome::already(format!("{svm}:{lun} is online")));
            }
            a.set_lun_online(svm, lun, true).await?;
            Ok(StepOutcome::done(format!("{svm}:{lun} is online")))
        }
        Step::MapLun {
            cluster,
            svm,
            lun,
            igroup,
        } => {
            let a = ctx.env.array(cluster)?;
            if let Some(m) = a
                .list_lun_maps(Some(svm))
                .await?
                .into_iter()
                .find(|m| &m.lun == lun && &m.igroup == igroup)
            {
                return Ok(StepOutcome::already(format!(
                    "{svm}:{lun} is mapped to {igroup} as LUN {}",
                    m.lun_id
                )));
            }
            let m = a.map_lun(svm, lun, igroup, None).await?;
            Ok(StepOutcome::done(format!(
                "mapped {svm}:{lun} to {igroup} as LUN {}",
                m.lun_id
            )))
        }
        Step::MountJunction {
            cluster,
            volume,
            junction,
        } => {
            let a = ctx.env.array(cluster)?;
            match a.volume(volume).await?.junction_path {
                Some(j) if &j == junction => Ok(StepOutcome::already(format!("{volume} is mounted at {j}"))),
                Some(j) => Err(RunbookError::Refused(format!(
                    "{volume} is mounted at {j}, not at {junction} where the hosts will look for it; unmount it or fix the group"
                ))),
                None => {
                    a.mount_volume(volume, junction).await?;
                    Ok(StepOutcome::done(format!("mounted {volume} at {junction}")))
                }
            }
        }
        Step::RescanHost { host } => {
            let h = ctx.env.host(host)?;
            h.rescan_all_hbas().await?;
            h.rescan_vmfs().await?;
            Ok(StepOutcome::done(format!("rescanned {host}")))
        }
        Step::MountVmfs {
            host,
            label,
            resignature,
            ..
        } => {
            let h = ctx.env.host(host)?;
            let m = esx::mount_vmfs_copy(h.as_ref(), label, *resignature).await?;
            let facts = Facts {
                datastore: Some(m.name.clone()),
                ..Facts::default()
            };
            Ok(if m.already {
                StepOutcome::already(format!("{} is mounted on {host}", m.name))
            } else {
                StepOutcome::done(format!("mounted {} on {host}", m.name))
            }
            .with(facts))
        }
        Step::MountNfs {
            host,
            server,
            share,
            datastore,
        } => {
            let h = ctx.env.host(host)?;
            let facts = Facts {
                datastore: Some(datastore.clone()),
                ..Facts::default()
            };
            if let Some(d) = h
                .nfs_datastores()
                .await?
                .into_iter()
                .find(|d| &d.name == datastore)
            {
                if &d.host != server || d.share.trim_end_matches('/') != share.trim_end_matches('/')
                {
                    return Err(RunbookError::Refused(format!(
                        "{host} already has a datastore {datastore} from {}:{}; unmount it first",
                        d.host, d.share
                    )));
                }
                return Ok(
                    StepOutcome::already(format!("{datastore} is mounted on {host}")).with(facts),
                );
            }
            h.mount_nfs(&NfsMount {
                server: NfsServer::new(server)?,
                share: NfsShare::new(share)?,
                name: DatastoreName::new(datastore)?,
                read_only: false,
            })
            .await?;
            Ok(
                StepOutcome::done(format!("mounted {server}:{share} as {datastore} on {host}"))
                    .with(facts),
            )
        }
        Step::RecordContent { host, datastore } => {
            let h = ctx.env.host(host)?;
            let files = esx::fingerprint(h.as_ref(), datastore).await?;
            Ok(
                StepOutcome::done(format!("{} files on {datastore}", files.len())).with(Facts {
                    files: Some(files),
                    ..Facts::default()
                }),
            )
        }
        Step::VerifyContent {
            host,
            datastore,
            recorded_by,
        } => {
            let recorded = ctx
                .earlier
                .get(recorded_by)
                .and_then(|o| o.facts.files.clone())
                .ok_or_else(|| {
                    RunbookError::Verification(format!(
                        "step {recorded_by} recorded no files of {datastore}"
                    ))
                })?;
            let h = ctx.env.host(host)?;
            let now = esx::fingerprint(h.as_ref(), datastore).await?;
            let diff = esx::differences(&recorded, &now);
            if !diff.is_empty() {
                return Err(RunbookError::Verification(format!(
                    "{datastore} on {host}: {}",
                    diff.join("; ")
                )));
            }
            Ok(StepOutcome::done(format!(
                "all {} files of {datastore} are on {host}, unchanged",
                recorded.len()
            )))
        }
        Step::DestroyClone { cluster, volume } => {
            let a = ctx.env.array(cluster)?;
            let Some(v) = a
                .list_volumes(Some(&volume.svm))
                .await?
                .into_iter()
                .find(|v| &v.path == volume)
            else {
                return Ok(StepOutcome::already(format!("{volume} does not exist")));
            };
            if !v.is_flexclone() {
                return Err(RunbookError::Refused(format!(
                    "{volume} is not a FlexClone; refusing to destroy it"
                )));
            }
            if v.junction_path.is_some() {
                a.unmount_volume(volume).await?;
            }
            if v.state != VolumeState::Offline {
                a.set_volume_state(volume, VolumeState::Offline).await?;
            }
            a.delete_volume(volume).await?;
            Ok(StepOutcome::done(format!("destroyed {volume}")))
        }
    }
}

fn acknowledged(ctx: &StepContext<'_>, rel: &MirrorRelationship) -> bool {
    ctx.options.accept_loss.iter().any(|n| {
        n == &rel.destination.to_string()
            || n == &rel.source.to_string()
            || n == rel.destination.volume.as_str()
            || n == rel.source.volume.as_str()
    })
}

async fn reverse(
    ctx: &StepContext<'_>,
    cluster: &str,
    destination: &VolumePath,
    new_cluster: &str,
    new_destination: &VolumePath,
) -> RunbookResult<StepOutcome> {
    let a = ctx.env.array(cluster)?;
    let b = ctx.env.array(new_cluster)?;
    let mut outcome = match a.relationship(destination).await {
        Ok(rel) if rel.state != MirrorState::BrokenOff => {
            return Err(RunbookError::Refused(format!(
                "{} is {}, not broken-off: reversing it would make its source read-only under its hosts; fail over (break) first",
                rel.describe(),
                rel.state
            )))
        }
        Ok(rel) => {
            let preview = a.reverse_resync_preview(destination).await?;
            let policy = if preview.discard.is_empty() {
                DiscardPolicy::Refuse
            } else if acknowledged(ctx, &rel) {
                DiscardPolicy::Accept
            } else {
                return Err(RunbookError::UnacknowledgedLoss {
                    op: "reverse-resync".into(),
                    relationship: rel.destination.to_string(),
                    rolled_back: preview.rolled_back.to_string(),
                    what: describe_discard(&preview.discard),
                });
            };
            let report = a.reverse_resync(destination, policy).await?;
            let discarded = report.discarded.map(|d| d.total_bytes()).unwrap_or(0);
            let mut facts = Facts { discarded_bytes: Some(discarded), ..Facts::default() };
            if discarded > 0 {
                facts.warnings.push(format!(
                    "{} at {} discarded as acknowledged",
                    vrepl_storage::error::human_bytes(discarded),
                    preview.rolled_back
                ));
            }
            StepOutcome::done(format!("reversed: {destination} -> {new_destination}")).with(facts)
        }
        Err(e) if e.is_not_found() => match b.relationship(new_destination).await {
            Ok(rel) if &rel.source == destination => {
                StepOutcome::already(format!("{} is already reversed", rel.describe()))
            }
            Ok(rel) => {
                return Err(RunbookError::Refused(format!(
                    "{new_destination} replicates from {}, not from {destination}",
                    rel.source
                )))
            }
            Err(_) => return Err(e.into()),
        },
        Err(e) => return Err(e.into()),
    };
    let rel = settle(ctx, b.as_ref(), new_destination).await?;
    outcome
        .detail
        .push_str(&format!(", {} is {}", rel.describe(), rel.state));
    Ok(outcome)
}

fn describe_discard(d: &vrepl_storage::mirror::Discard) -> String {
    let mut parts = Vec::new();
    if !d.snapshots.is_empty() {
        let names: Vec<&str> = d.snapshots.iter().map(|s| s.as_str()).collect();
        parts.push(format!("snapshots {}", names.join(", ")));
    }
    parts.push(format!(
        "{} of writes",
        vrepl_storage::error::human_bytes(d.total_bytes())
    ));
    parts.join(" and ")
}

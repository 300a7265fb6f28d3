//! `resync` and `reverse-resync`: replicate again after a break. Both roll one side back to the
//! common snapshot; what that discards is listed first, and lost only with `--discard-changes`.

use vrepl_storage::error::human_bytes;
use vrepl_storage::mirror::{
    check, DiscardPolicy, Effect, MirrorOp, MirrorRelationship, ResyncPreview,
};
use vrepl_storage::model::{SnapshotName, VolumePath};
use vrepl_storage::DynArray;
use vrepl_storage::Error as StorageError;

use super::mirror::{hint_for, report_op};
use super::transfer::wait_transfer;
use super::{predict, print_dry_run, Ctx};
use crate::backend::{Cluster, OnCluster};
use crate::cli::ResyncArgs;
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::resolve;

/// `resync`.
pub async fn resync(ctx: &Ctx, args: &ResyncArgs) -> CliResult<()> {
    run(ctx, args, MirrorOp::Resync).await
}

/// `reverse-resync`.
pub async fn reverse_resync(ctx: &Ctx, args: &ResyncArgs) -> CliResult<()> {
    run(ctx, args, MirrorOp::ReverseResync).await
}

async fn run(ctx: &Ctx, args: &ResyncArgs, op: MirrorOp) -> CliResult<()> {
    let found = resolve::relationship(&ctx.backend, &args.target.destination).await?;
    let rel = &found.item;
    let dest = rel.destination.clone();
    let array = std::sync::Arc::clone(&found.cluster.array);
    let policy = if args.discard_changes {
        DiscardPolicy::Accept
    } else {
        DiscardPolicy::Refuse
    };
    let method = match op {
        MirrorOp::ReverseResync => "reverse_resync",
        _ => "resync",
    };
    let call = format!(
        "{}: {method}({dest}, discard={policy:?})",
        found.cluster.name
    );

    // Only a move needs the preview; "already" and refusals come from the table as they are.
    let moves = matches!(check(op, rel.state, rel.transfer), Ok(Effect::Moves { .. }));
    let mut preview = match moves {
        true => Some(fetch_preview(&array, op, &dest).await?),
        false => None,
    };
    if let Some(p) = &preview {
        if p.common_snapshot.is_none() {
            return Err(CliError::from(StorageError::NoCommonSnapshot {
                target: dest.to_string(),
            }));
        }
    }
    if args.target.dry_run {
        let mut calls = vec![format!("{}: {method}_preview({dest})", found.cluster.name)];
        let mut prediction = predict(op, rel);
        if let Some(p) = preview.as_ref().filter(|p| p.discard.unmeasured) {
            calls.push(format!(
                "{}: create_snapshot({}, {CHECK_PREFIX}<time>) to measure what was written \
                 since the newest snapshot (deleted again when empty)",
                rolled_back_cluster(ctx, &found, op).await?.name,
                p.rolled_back
            ));
        }
        if let Some(p) = &preview {
            prediction.push_str(&format!("; {}", discard_sentence(p)));
        }
        calls.push(call);
        return print_dry_run(ctx, calls, Some(prediction));
    }
    // Set when snapctl measured the writes itself and found none, on a cluster that cannot
    // measure them (the driver then refuses on its own unless told the loss is accepted).
    let mut measured_nothing = false;
    if let Some(p) = preview.as_mut() {
        if p.discard.unmeasured {
            // ONTAP before 9.12 reports no snapshot delta: measure what was written since the
            // newest snapshot the way an admin would, by taking a snapshot and reading its size.
            let holder = rolled_back_cluster(ctx, &found, op).await?;
            match measure_writes(&holder.array, &p.rolled_back).await {
                // The writes now sit in the measuring snapshot, which the preview lists.
                Ok(Measured::Bytes(bytes)) => {
                    if bytes > 0 {
                        *p = fetch_preview(&array, op, &dest).await?;
                    }
                    p.discard.unmeasured = false;
                    measured_nothing = p.discard.is_empty();
                }
                Ok(Measured::Unknown) if policy == DiscardPolicy::Refuse => {
                    return Err(unmeasurable(op, p));
                }
                Ok(Measured::Unknown) => ctx.printer.warn(format!(
                    "{} rolls back to {}; whatever was written since is lost (the cluster reports no sizes)",
                    p.rolled_back,
                    p.common_snapshot.as_ref().map(|s| s.as_str()).unwrap_or("-")
                )),
                Err(e) if policy == DiscardPolicy::Refuse => {
                    return Err(CliError::new(
                        ErrorKind::WouldLoseData,
                        format!(
                            "cannot tell whether {} was written since its newest snapshot: {}",
                            p.rolled_back, e.message
                        ),
                    )
                    .with_hint(
                        "pass --discard-changes to resync anyway, accepting any such writes are lost",
                    ));
                }
                Err(e) => ctx.printer.warn(format!(
                    "could not measure the writes on {}: {}",
                    p.rolled_back, e.message
                )),
            }
        }
        if !p.discard.is_empty() {
            if policy == DiscardPolicy::Refuse {
                return Err(would_lose(op, p));
            }
            ctx.printer.warn(discard_sentence(p));
        }
    }
    let policy = if measured_nothing {
        DiscardPolicy::Accept
    } else {
        policy
    };
    let result = match op {
        MirrorOp::ReverseResync => array.reverse_resync(&dest, policy).await,
        _ => array.resync(&dest, policy).await,
    };
    let report = result.map_err(|e| hint_for(op, CliError::from(e)))?;
    report_op(ctx, &found, &report);
    if args.wait && !report.was_already() {
        // After a reverse resync the relationship lives on the other cluster, under the old source.
        let (holder, new_dest) = match (&report.relationship, op) {
            (Some(r), MirrorOp::ReverseResync) => {
                let cluster = match &r.destination_cluster {
                    Some(c) => ctx.backend.cluster(c)?.clone(),
                    None => resolve::svm(&ctx.backend, None, &r.destination.svm).await?,
                };
                (cluster.array, r.destination.clone())
            }
            _ => (array, dest),
        };
        wait_transfer(ctx, &holder, &new_dest, args.timeout).await?;
    }
    Ok(())
}

async fn fetch_preview(
    array: &vrepl_storage::DynArray,
    op: MirrorOp,
    dest: &vrepl_storage::model::VolumePath,
) -> CliResult<ResyncPreview> {
    let p = match op {
        MirrorOp::ReverseResync => array.reverse_resync_preview(dest).await,
        _ => array.resync_preview(dest).await,
    };
    p.map_err(CliError::from)
}

/// Names the snapshots snapctl takes to measure writes; they never outlive the command.
const CHECK_PREFIX: &str = "snapctl.resync_check.";

/// The cluster holding the volume a resync rolls back: the destination's for a resync, the
/// source's for a reverse resync.
async fn rolled_back_cluster(
    ctx: &Ctx,
    found: &OnCluster<MirrorRelationship>,
    op: MirrorOp,
) -> CliResult<Cluster> {
    if op != MirrorOp::ReverseResync {
        return Ok(found.cluster.clone());
    }
    match &found.item.source_cluster {
        Some(c) => ctx.backend.cluster(c).cloned(),
        None => resolve::svm(&ctx.backend, None, &found.item.source.svm).await,
    }
}

/// What was written since the newest snapshot.
enum Measured {
    /// This many bytes.
    Bytes(u64),
    /// The cluster reports no snapshot sizes (ONTAP 9.8's REST API), so nobody can tell.
    Unknown,
}

/// Bytes written to `volume` since its newest snapshot. ONTAP's REST API does not report them,
/// so they are measured the way an admin would: take a snapshot and read its size. An empty
/// snapshot is deleted again; one holding writes is kept, so the data stays recoverable (a
/// FlexClone of it) until a resync with `--discard-changes` rolls it away.
async fn measure_writes(array: &DynArray, volume: &VolumePath) -> CliResult<Measured> {
    let stamp = time::OffsetDateTime::now_utc().unix_timestamp();
    let name = SnapshotName::new(format!("{CHECK_PREFIX}{stamp}"))?;
    let snap = array.create_snapshot(volume, &name).await?;
    if snap.changed_bytes > 0 {
        return Ok(Measured::Bytes(snap.changed_bytes));
    }
    // Zero means nothing was written, unless the cluster reports no sizes at all: then every
    // snapshot of the volume, the baseline included, reads zero.
    let sizes_known = array
        .list_snapshots(volume)
        .await?
        .iter()
        .any(|s| s.changed_bytes > 0);
    if let Err(e) = array.delete_snapshot(volume, &name).await {
        tracing::warn!(%volume, snapshot = %name, error = %e, "could not delete the measuring snapshot");
    }
    Ok(if sizes_known {
        Measured::Bytes(0)
    } else {
        Measured::Unknown
    })
}

/// The refusal when the writes cannot be measured: the roll-back may lose them.
fn unmeasurable(op: MirrorOp, p: &ResyncPreview) -> CliError {
    let common = p
        .common_snapshot
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    let mut e = CliError::new(
        ErrorKind::WouldLoseData,
        format!(
            "refusing to {op} {}: whatever was written on {} since the break would be lost, and \
             this cluster cannot say how much (its REST API reports no snapshot sizes)",
            p.relationship.destination, p.rolled_back
        ),
    )
    .with_detail(format!("{} rolls back to snapshot {common}", p.rolled_back));
    for s in &p.discard.snapshots {
        e = e.with_detail(format!("snapshot {s} would be deleted"));
    }
    e.with_hint(format!(
        "copy off anything you need from {} first; then run again with --discard-changes",
        p.rolled_back
    ))
}

fn discard_sentence(p: &ResyncPreview) -> String {
    let common = p
        .common_snapshot
        .as_ref()
        .map(|s| s.to_string())
        .unwrap_or_else(|| "-".into());
    if p.discard.is_empty() {
        return format!(
            "{} rolls back to {common}, discarding nothing",
            p.rolled_back
        );
    }
    format!(
        "{} rolls back to {common}, discarding {}",
        p.rolled_back,
        human_bytes(p.discard.total_bytes())
    )
}

fn would_lose(op: MirrorOp, p: &ResyncPreview) -> CliError {
    let d = &p.discard;
    let mut e = CliError::new(
        ErrorKind::WouldLoseData,
        format!(
            "refusing to {op} {}: it would discard {} written on {} since the break",
            p.relationship.destination,
            human_bytes(d.total_bytes()),
            p.rolled_back
        ),
    );
    if let Some(common) = &p.common_snapshot {
        e = e.with_detail(format!("{} rolls back to snapshot {common}", p.rolled_back));
    }
    for s in &d.snapshots {
        e = e.with_detail(format!("snapshot {s} would be deleted"));
    }
    if d.bytes > 0 && !d.snapshots.is_empty() {
        e = e.with_detail(format!("{} held by those snapshots", human_bytes(d.bytes)));
    }
    if d.unsnapshotted_bytes > 0 {
        e = e.with_detail(format!(
            "{} written since the newest snapshot",
            human_bytes(d.unsnapshotted_bytes)
        ));
    }
    let keep = match d.snapshots.last() {
        Some(s) => format!(
            "to keep that data, clone it first (snapctl clone create {} NAME --snapshot {s})",
            p.rolled_back
        ),
        None => format!("to keep that data, copy it off {} first", p.rolled_back),
    };
    e.with_hint(format!(
        "{keep}; to throw it away, run again with --discard-changes"
    ))
}

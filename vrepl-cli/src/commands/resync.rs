//! `resync` and `reverse-resync`: replicate again after a break. Both roll one side back to the
//! common snapshot; what that discards is listed first, and lost only with `--discard-changes`.

use vrepl_storage::error::human_bytes;
use vrepl_storage::mirror::{check, DiscardPolicy, Effect, MirrorOp, ResyncPreview};
use vrepl_storage::Error as StorageError;

use super::mirror::{hint_for, report_op};
use super::transfer::wait_transfer;
use super::{predict, print_dry_run, Ctx};
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
    let preview = match check(op, rel.state, rel.transfer) {
        Ok(Effect::Moves { .. }) => Some(preview(&array, op, &dest).await?),
        _ => None,
    };
    if let Some(p) = &preview {
        if p.common_snapshot.is_none() {
            return Err(CliError::from(StorageError::NoCommonSnapshot {
                target: dest.to_string(),
            }));
        }
    }
    if args.target.dry_run {
        let mut prediction = predict(op, rel);
        if let Some(p) = &preview {
            prediction.push_str(&format!("; {}", discard_sentence(p)));
        }
        return print_dry_run(
            ctx,
            vec![
                format!("{}: {method}_preview({dest})", found.cluster.name),
                call,
            ],
            Some(prediction),
        );
    }
    if let Some(p) = preview.as_ref().filter(|p| !p.discard.is_empty()) {
        if policy == DiscardPolicy::Refuse {
            return Err(would_lose(op, p));
        }
        ctx.printer.warn(discard_sentence(p));
    }
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

async fn preview(
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
    e.with_hint(format!(
        "to keep that data, copy it off {} first; to throw it away, run again with --discard-changes",
        p.rolled_back
    ))
}

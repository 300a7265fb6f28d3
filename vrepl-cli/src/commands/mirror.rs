//! The simple mirror verbs (`quiesce`, `resume`, `release`, `delete`) and what every mirror verb
//! shares: resolving the destination, `--dry-run`, and reporting the outcome.

use std::future::Future;

use vrepl_storage::mirror::{DeleteScope, MirrorOp, MirrorRelationship, OpReport};
use vrepl_storage::model::VolumePath;
use vrepl_storage::DynArray;

use super::{predict, print_dry_run, Ctx};
use crate::backend::OnCluster;
use crate::cli::{DeleteArgs, ReleaseArgs, TargetArgs};
use crate::exit::{CliError, CliResult};
use crate::resolve;
use crate::views::OpView;

/// Resolves the relationship, then either prints the dry run or makes the call and reports it.
/// `describe` spells the call for `--dry-run`; `call` makes it.
pub async fn apply<F, Fut>(
    ctx: &Ctx,
    target: &TargetArgs,
    op: MirrorOp,
    describe: impl FnOnce(&VolumePath) -> String,
    call: F,
) -> CliResult<Option<(OnCluster<MirrorRelationship>, OpReport)>>
where
    F: FnOnce(DynArray, VolumePath) -> Fut,
    Fut: Future<Output = vrepl_storage::Result<OpReport>>,
{
    let found = resolve::relationship(&ctx.backend, &target.destination).await?;
    let dest = found.item.destination.clone();
    if target.dry_run {
        print_dry_run(
            ctx,
            vec![format!("{}: {}", found.cluster.name, describe(&dest))],
            Some(predict(op, &found.item)),
        )?;
        return Ok(None);
    }
    let report = call(std::sync::Arc::clone(&found.cluster.array), dest)
        .await
        .map_err(|e| hint_for(op, CliError::from(e)))?;
    report_op(ctx, &found, &report);
    Ok(Some((found, report)))
}

/// Prints an operation's outcome: "already …" or what it is now.
pub fn report_op(ctx: &Ctx, found: &OnCluster<MirrorRelationship>, report: &OpReport) {
    let dest = found.item.destination.to_string();
    let view = OpView::new(found.cluster.name.as_str(), &dest, report);
    ctx.printer.emit(&view, |_| {
        if let Some(note) = &report.already {
            // Backends phrase the note with or without the relationship's name in front.
            return if note.starts_with(&dest) {
                format!("{note}; nothing to do")
            } else {
                format!("{dest} {note}; nothing to do")
            };
        }
        let mut s = match (&report.relationship, report.op) {
            (_, MirrorOp::Release) => format!(
                "released: the source {} no longer tracks {dest}; the destination's record stays \
                 (snapctl delete {dest} removes it)",
                found.item.source
            ),
            (None, _) => format!("{op} {dest}: done", op = report.op),
            (Some(r), MirrorOp::ReverseResync) => format!(
                "reverse-resync {dest}: now {} -> {} is {}{}",
                r.source,
                r.destination,
                r.state,
                if r.transfer.is_busy() {
                    format!(" ({})", r.transfer)
                } else {
                    String::new()
                }
            ),
            (Some(r), op) if r.transfer.is_busy() => format!(
                "{op} {dest}: started; it is {} ({}). snapctl show {dest} follows it",
                r.state, r.transfer
            ),
            (Some(r), op) => format!("{op} {dest}: done; it is now {}", r.state),
        };
        if let Some(d) = report.discarded.as_ref().filter(|d| !d.is_empty()) {
            s.push_str(&format!(
                "\ndiscarded {} ({})",
                if d.snapshots.is_empty() {
                    "writes since the last snapshot".to_string()
                } else {
                    format!(
                        "snapshots {}",
                        d.snapshots
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                },
                vrepl_storage::error::human_bytes(d.total_bytes())
            ));
        }
        s
    });
}

/// Adds the CLI's own advice to an array's refusal.
pub fn hint_for(op: MirrorOp, e: CliError) -> CliError {
    if e.hint.is_some() {
        return e;
    }
    match (op, e.kind) {
        (MirrorOp::Break, crate::exit::ErrorKind::IllegalState) if e.message.contains("transfer") => e
            .with_hint(
                "pass --on-transfer wait to let it finish (the destination gets the newest data), \
                 or --on-transfer abort to stop it (the destination keeps its last complete snapshot)",
            ),
        (MirrorOp::Resync | MirrorOp::ReverseResync, crate::exit::ErrorKind::WouldLoseData) => e
            .with_hint("run again with --discard-changes to accept the loss, after copying off anything you need"),
        _ => e,
    }
}

/// `quiesce`.
pub async fn quiesce(ctx: &Ctx, t: &TargetArgs) -> CliResult<()> {
    apply(
        ctx,
        t,
        MirrorOp::Quiesce,
        |d| format!("quiesce({d})"),
        |a, d| async move { a.quiesce(&d).await },
    )
    .await
    .map(drop)
}

/// `resume`.
pub async fn resume(ctx: &Ctx, t: &TargetArgs) -> CliResult<()> {
    apply(
        ctx,
        t,
        MirrorOp::Resume,
        |d| format!("resume({d})"),
        |a, d| async move { a.resume(&d).await },
    )
    .await
    .map(drop)
}

/// `delete`.
pub async fn delete(ctx: &Ctx, args: &DeleteArgs) -> CliResult<()> {
    let scope = if args.destination_only {
        DeleteScope::DestinationOnly
    } else {
        DeleteScope::Full
    };
    apply(
        ctx,
        &args.target,
        MirrorOp::Delete,
        |d| format!("delete({d}, scope={scope:?})"),
        |a, d| async move { a.delete(&d, scope).await },
    )
    .await
    .map(drop)
}

/// `release`: runs on the source's cluster.
pub async fn release(ctx: &Ctx, args: &ReleaseArgs) -> CliResult<()> {
    let found = resolve::relationship(&ctx.backend, &args.target.destination).await?;
    let rel = &found.item;
    let source_cluster = match &rel.source_cluster {
        Some(c) => ctx.backend.cluster(c)?.clone(),
        None => resolve::svm(&ctx.backend, None, &rel.source.svm).await?,
    };
    let keep = args.keep_snapshots;
    if args.target.dry_run {
        return print_dry_run(
            ctx,
            vec![format!(
                "{}: release(source={}, destination={}, keep_snapshots={keep})",
                source_cluster.name, rel.source, rel.destination
            )],
            Some(predict(MirrorOp::Release, rel)),
        );
    }
    let report = source_cluster
        .array
        .release(&rel.source, &rel.destination, keep)
        .await
        .map_err(CliError::from)?;
    report_op(ctx, &found, &report);
    if !keep && !report.was_already() {
        ctx.printer.note(format!(
            "the SnapMirror snapshots of {} -> {} were deleted from the source; a later resync may need a new baseline",
            rel.source, rel.destination
        ));
    }
    Ok(())
}

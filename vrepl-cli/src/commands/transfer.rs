//! `initialize` and `update`, and waiting for a transfer with a progress bar.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use vrepl_storage::mirror::{MirrorOp, MirrorRelationship, TransferResult, TransferStatus};
use vrepl_storage::model::VolumePath;
use vrepl_storage::wait::{wait_for, Poll};
use vrepl_storage::DynArray;

use super::mirror::apply;
use super::Ctx;
use crate::cli::TransferArgs;
use crate::exit::{CliError, CliResult, ErrorKind};

/// `initialize`.
pub async fn initialize(ctx: &Ctx, args: &TransferArgs) -> CliResult<()> {
    start(ctx, args, MirrorOp::Initialize).await
}

/// `update`.
pub async fn update(ctx: &Ctx, args: &TransferArgs) -> CliResult<()> {
    start(ctx, args, MirrorOp::Update).await
}

/// Starts a baseline or an update and, with `--wait`, follows it to its end.
async fn start(ctx: &Ctx, args: &TransferArgs, op: MirrorOp) -> CliResult<()> {
    let done = apply(
        ctx,
        &args.target,
        op,
        |d| format!("{op}({d})"),
        |a, d| async move {
            if op == MirrorOp::Initialize {
                a.initialize(&d).await
            } else {
                a.update(&d).await
            }
        },
    )
    .await?;
    if let Some((found, _)) = done.filter(|_| args.wait) {
        wait_transfer(
            ctx,
            &found.cluster.array,
            &found.item.destination,
            args.timeout,
        )
        .await?;
    }
    Ok(())
}

/// Waits until no transfer runs, drawing the bytes sent on stderr when it is a terminal, and
/// fails if the transfer did.
pub async fn wait_transfer(
    ctx: &Ctx,
    array: &DynArray,
    dest: &VolumePath,
    timeout_secs: u64,
) -> CliResult<MirrorRelationship> {
    let bar = ctx.printer.shows_progress().then(|| {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.set_prefix(dest.to_string());
        bar
    });
    let poll = Poll {
        interval: Duration::from_millis(100),
        max_interval: Duration::from_millis(500),
        deadline: Duration::from_secs(timeout_secs),
    };
    let result = wait_for(
        array.as_ref(),
        dest,
        poll,
        "finish its transfer",
        |r| r.transfer == TransferStatus::Idle,
        |r| {
            if let (Some(bar), Some(p)) = (&bar, &r.progress) {
                if let Some(total) = p.total_bytes {
                    bar.set_length(total);
                }
                bar.set_position(p.bytes_transferred);
            }
        },
    )
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let rel = result.map_err(|e| {
        let e = CliError::from(e);
        if e.kind == ErrorKind::Timeout {
            e.with_hint(format!(
                "the transfer goes on; follow it with snapctl show {dest}, or wait longer with --timeout"
            ))
        } else {
            e
        }
    })?;
    match rel.last_transfer.as_ref().map(|t| &t.result) {
        Some(TransferResult::Failed(msg)) => Err(CliError::new(
            ErrorKind::Failure,
            format!("the transfer to {dest} failed: {msg}"),
        )
        .with_hint(format!(
            "check the source cluster and the intercluster network, then snapctl update {dest}"
        ))),
        Some(TransferResult::Aborted) => Err(CliError::new(
            ErrorKind::Failure,
            format!("the transfer to {dest} was aborted"),
        )
        .with_hint(format!("start it again with snapctl update {dest}"))),
        // Not every backend reports the last transfer; an unhealthy relationship says it failed.
        _ if !rel.healthy => Err(CliError::new(
            ErrorKind::Failure,
            format!(
                "the transfer to {dest} ended and the relationship is unhealthy: {}",
                rel.unhealthy_reason.as_deref().unwrap_or("no reason given")
            ),
        )
        .with_hint(format!("fix the cause, then snapctl update {dest} --wait"))),
        _ => {
            let sent = rel
                .last_transfer
                .as_ref()
                .map(|t| {
                    format!(
                        ": {} sent",
                        vrepl_storage::error::human_bytes(t.bytes_transferred)
                    )
                })
                .unwrap_or_default();
            ctx.printer.note(format!(
                "transfer to {dest} finished{sent}; it is {}",
                rel.state
            ));
            Ok(rel)
        }
    }
}

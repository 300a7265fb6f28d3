//! `break`: make the destination writable. Needs only the destination's cluster, so it works in
//! an outage of the source site.

use vrepl_storage::mirror::{MirrorOp, OnTransfer};

use super::mirror::apply;
use super::Ctx;
use crate::cli::{BreakArgs, OnTransferArg};
use crate::exit::CliResult;

/// Runs `break`.
pub async fn run(ctx: &Ctx, args: &BreakArgs) -> CliResult<()> {
    let on_transfer = match args.on_transfer {
        OnTransferArg::Fail => OnTransfer::Fail,
        OnTransferArg::Wait => OnTransfer::Wait,
        OnTransferArg::Abort => OnTransfer::Abort,
    };
    apply(
        ctx,
        &args.target,
        MirrorOp::Break,
        |d| format!("break_off({d}, on_transfer={on_transfer:?})"),
        |a, d| async move { a.break_off(&d, on_transfer).await },
    )
    .await
    .map(drop)
}

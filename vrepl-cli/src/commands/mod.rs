//! One module per verb. Each takes the parsed arguments and a [`Ctx`], prints its result through
//! the [`Printer`], and returns a [`CliError`] for anything that went wrong.

pub mod break_off;
pub mod check;
pub mod clone;
pub mod config;
pub mod igroup;
pub mod lab;
pub mod lun;
pub mod mirror;
pub mod resync;
pub mod runbook;
pub mod show;
pub mod transfer;

use vrepl_storage::mirror::{check as table_check, Effect, MirrorOp, MirrorRelationship};

use crate::backend::Backend;
use crate::exit::CliResult;
use crate::output::Printer;
use crate::views::DryRunView;

/// What a command works with.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// The clusters and groups.
    pub backend: Backend,
    /// Where output goes.
    pub printer: Printer,
}

/// Prints what a `--dry-run` would call, and what the transition table predicts.
pub fn print_dry_run(ctx: &Ctx, calls: Vec<String>, prediction: Option<String>) -> CliResult<()> {
    let view = DryRunView {
        dry_run: true,
        calls,
        prediction,
    };
    ctx.printer.emit(&view, |_| {
        let mut s = String::from("dry run: nothing was changed. Would call:\n");
        for c in &view.calls {
            s.push_str(&format!("  {c}\n"));
        }
        if let Some(p) = &view.prediction {
            s.push_str(&format!("Expected: {p}\n"));
        }
        s
    });
    Ok(())
}

/// What the transition table says `op` would do to `rel`, in a sentence.
pub fn predict(op: MirrorOp, rel: &MirrorRelationship) -> String {
    let dest = &rel.destination;
    match table_check(op, rel.state, rel.transfer) {
        Ok(Effect::Already { note }) => format!("{dest} {note}; nothing would change"),
        Ok(Effect::Moves {
            to,
            starts,
            destination_becomes,
            reverses,
            ..
        }) => {
            let mut s = format!("{dest} goes from {} to {to}", rel.state);
            if let Some(kind) = starts {
                s.push_str(&format!(" and starts a {kind} transfer"));
            }
            if reverses {
                s.push_str(&format!(
                    "; {} becomes the destination and {dest} the source",
                    rel.source
                ));
            }
            if let Some(kind) = destination_becomes {
                let what = if reverses {
                    rel.source.to_string()
                } else {
                    dest.to_string()
                };
                let access = match kind {
                    vrepl_storage::model::VolumeType::Rw => "writable (rw)",
                    vrepl_storage::model::VolumeType::Dp => "read-only (dp)",
                };
                s.push_str(&format!("; volume {what} becomes {access}"));
            }
            s
        }
        Ok(Effect::Released) => format!("the source {} forgets the destination {dest}", rel.source),
        Ok(Effect::Removed) => format!("the relationship {} is removed", rel.describe()),
        Err(refusal) => format!(
            "refused: {dest} is {}{}; {}",
            rel.state,
            if rel.transfer.is_busy() {
                format!(" and {}", rel.transfer)
            } else {
                String::new()
            },
            refusal.hint(op)
        ),
    }
}

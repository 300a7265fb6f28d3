//! What can stop a runbook.

use vrepl_esx::EsxError;
use vrepl_storage::Error as StorageError;

use super::preflight::CheckOutcome;

/// A `Result` with [`RunbookError`].
pub type RunbookResult<T> = std::result::Result<T, RunbookError>;

/// Why a runbook did not run, or stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunbookError {
    /// An array refused or failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// An ESX host refused or failed.
    #[error(transparent)]
    Esx(#[from] EsxError),
    /// The protection group or the environment is wrong.
    #[error("configuration: {0}")]
    Config(String),
    /// Pre-flight checks failed; nothing was changed.
    #[error("pre-flight checks failed, nothing was changed:\n{}", failed_list(.0))]
    Preflight(Vec<CheckOutcome>),
    /// Reversing a relationship would discard writes that exist nowhere else.
    #[error("refusing to {op} {relationship}: it would discard {what} at {rolled_back}, which was never replicated; name the relationship to accept the loss (--accept-loss {relationship})")]
    UnacknowledgedLoss {
        /// `reverse-resync` or `resync`.
        op: String,
        /// The relationship, by its current destination.
        relationship: String,
        /// The volume that would be rolled back.
        rolled_back: String,
        /// What would be lost.
        what: String,
    },
    /// The run refuses to go on, with why and what to do.
    #[error("{0}")]
    Refused(String),
    /// The data check at the end of a failback found a difference.
    #[error("verification failed: {0}")]
    Verification(String),
    /// The run was stopped on request (Ctrl-C, a test's hook); `resume` continues it.
    #[error("run {run} interrupted before step {step}; resume it to continue")]
    Interrupted {
        /// The run id.
        run: String,
        /// The step that did not finish.
        step: String,
    },
    /// The journal could not be written or read.
    #[error("journal {path}: {message}")]
    Journal {
        /// The file.
        path: String,
        /// What went wrong.
        message: String,
    },
    /// The operator's hook failed or refused.
    #[error("operator hook: {0}")]
    Operator(String),
}

fn failed_list(outcomes: &[CheckOutcome]) -> String {
    outcomes
        .iter()
        .map(|o| {
            let fix = o
                .fix
                .as_deref()
                .map(|f| format!(" (fix: {f})"))
                .unwrap_or_default();
            format!("  {} {}: {}{fix}", o.check, o.target, o.detail)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

//! Exit codes, and the one error type every command returns.
//!
//! | code | meaning |
//! |------|---------|
//! | 0 | success (including "already broken-off" and other no-op outcomes) |
//! | 1 | failure: a pre-flight check failed, a transfer failed, or the array refused for another reason |
//! | 2 | usage: bad arguments, an ambiguous name, an invalid configuration |
//! | 3 | not found: no such relationship, volume, LUN or igroup |
//! | 4 | illegal state: the relationship or object is not in a state that allows the operation |
//! | 5 | would lose data: pass `--discard-changes` to accept the loss |
//! | 6 | connection or authentication failed |
//! | 7 | timed out |
//!
//! [`CliError::from`] maps every [`vrepl_storage::Error`] to one of these, in one place.

use std::fmt;

use serde::Serialize;
use vrepl_storage::Error as StorageError;

/// Success.
pub const OK: u8 = 0;
/// A check or transfer failed, or the array refused for a reason not listed below.
pub const FAILURE: u8 = 1;
/// Bad arguments, an ambiguous name, or an invalid configuration.
pub const USAGE: u8 = 2;
/// The named object does not exist.
pub const NOT_FOUND: u8 = 3;
/// The object is not in a state that allows the operation.
pub const ILLEGAL_STATE: u8 = 4;
/// The operation would destroy data and the loss was not accepted.
pub const WOULD_LOSE_DATA: u8 = 5;
/// A cluster could not be reached, or rejected the credentials.
pub const CONNECTION: u8 = 6;
/// Waiting took longer than allowed.
pub const TIMEOUT: u8 = 7;

/// What went wrong, as far as the exit code is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// Exit 1.
    Failure,
    /// Exit 2.
    Usage,
    /// Exit 3.
    NotFound,
    /// Exit 4.
    IllegalState,
    /// Exit 5.
    WouldLoseData,
    /// Exit 6.
    Connection,
    /// Exit 7.
    Timeout,
}

impl ErrorKind {
    /// The process exit code.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Failure => FAILURE,
            Self::Usage => USAGE,
            Self::NotFound => NOT_FOUND,
            Self::IllegalState => ILLEGAL_STATE,
            Self::WouldLoseData => WOULD_LOSE_DATA,
            Self::Connection => CONNECTION,
            Self::Timeout => TIMEOUT,
        }
    }
}

/// An error as the user sees it: what failed, and what to do next.
#[derive(Debug)]
pub struct CliError {
    /// Decides the exit code.
    pub kind: ErrorKind,
    /// One line: what went wrong.
    pub message: String,
    /// What to do next, when there is something useful to say.
    pub hint: Option<String>,
    /// Extra lines (candidates of an ambiguous name, snapshots that would be lost, …).
    pub details: Vec<String>,
    /// The command already printed its JSON result (which says what failed), so `--output json`
    /// must not print a second document.
    pub json_reported: bool,
}

/// A `Result` with [`CliError`].
pub type CliResult<T> = std::result::Result<T, CliError>;

impl CliError {
    /// An error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            hint: None,
            details: Vec::new(),
            json_reported: false,
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Usage, message)
    }

    /// A not-found error (exit 3).
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }

    /// Adds what to do next.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Adds a detail line.
    pub fn with_detail(mut self, line: impl Into<String>) -> Self {
        self.details.push(line.into());
        self
    }

    /// Adds detail lines.
    pub fn with_details(mut self, lines: Vec<String>) -> Self {
        self.details.extend(lines);
        self
    }

    /// Prefixes the message with what was being done (`"fas2050: listing relationships"`).
    pub fn context(mut self, what: impl fmt::Display) -> Self {
        self.message = format!("{what}: {}", self.message);
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        self.kind.exit_code()
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CliError {}

/// The exit-code kind of a storage error.
pub fn kind_of(e: &StorageError) -> ErrorKind {
    match e {
        StorageError::NotFound { .. } => ErrorKind::NotFound,
        StorageError::AlreadyExists { .. }
        | StorageError::IllegalState { .. }
        | StorageError::TransferInProgress { .. }
        | StorageError::NoCommonSnapshot { .. }
        | StorageError::Busy { .. } => ErrorKind::IllegalState,
        StorageError::WouldLoseData { .. } => ErrorKind::WouldLoseData,
        StorageError::InvalidName { .. } | StorageError::InvalidArgument(_) => ErrorKind::Usage,
        StorageError::Auth { .. } | StorageError::Transport { .. } => ErrorKind::Connection,
        StorageError::Timeout { .. } => ErrorKind::Timeout,
        StorageError::Halfway { source, .. } => kind_of(source),
        StorageError::Api { .. } | StorageError::Protocol { .. } | StorageError::Unsupported(_) => {
            ErrorKind::Failure
        }
        // vrepl_storage::Error is non_exhaustive: a variant added later is a plain failure
        // until it gets its own row here.
        _ => ErrorKind::Failure,
    }
}

impl From<StorageError> for CliError {
    fn from(e: StorageError) -> Self {
        let kind = kind_of(&e);
        let hint = match &e {
            StorageError::Auth { .. } => Some(
                "check the cluster's credentials in the configuration (snapctl config check tests them)"
                    .to_string(),
            ),
            StorageError::Transport { .. } => Some(
                "check that the cluster is up and its URL is right (snapctl config check tests every connection)"
                    .to_string(),
            ),
            _ => None,
        };
        Self {
            kind,
            message: e.to_string(),
            hint,
            details: Vec::new(),
            json_reported: false,
        }
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::new(ErrorKind::Failure, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use vrepl_storage::mirror::{Discard, MirrorOp, MirrorState, Refusal, TransferStatus};
    use vrepl_storage::ObjectKind;

    #[test]
    fn storage_errors_map_to_documented_exit_codes() {
        let cases: Vec<(StorageError, u8)> = vec![
            (StorageError::not_found(ObjectKind::Volume, "v"), 3),
            (
                StorageError::illegal(
                    MirrorOp::Update,
                    "a:b",
                    MirrorState::BrokenOff,
                    TransferStatus::Idle,
                    Refusal::BrokenOff,
                ),
                4,
            ),
            (
                StorageError::WouldLoseData {
                    op: MirrorOp::Resync,
                    target: "a:b".into(),
                    discard: Discard::default(),
                },
                5,
            ),
            (
                StorageError::Transport {
                    endpoint: "x".into(),
                    message: "refused".into(),
                    retryable: true,
                },
                6,
            ),
            (
                StorageError::Auth {
                    endpoint: "x".into(),
                    user: "admin".into(),
                },
                6,
            ),
            (
                StorageError::Timeout {
                    what: "x".into(),
                    after: Duration::from_secs(1),
                },
                7,
            ),
            (StorageError::InvalidArgument("x".into()), 2),
        ];
        for (e, code) in cases {
            let shown = e.to_string();
            assert_eq!(CliError::from(e).exit_code(), code, "{shown}");
        }
    }

    #[test]
    fn connection_errors_say_what_to_check() {
        let e = CliError::from(StorageError::Transport {
            endpoint: "fas2020".into(),
            message: "connection refused".into(),
            retryable: true,
        });
        assert!(e.hint.unwrap().contains("config check"));
    }
}

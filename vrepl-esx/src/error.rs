//! The errors an ESX host operation can end with, typed so that callers (runbooks, `snapctl`)
//! can tell "fix your credentials" from "this datastore does not exist" from "try again".

use std::path::PathBuf;
use std::time::Duration;

use vrepl_storage::{Error as StorageError, ObjectKind};

/// A `Result` with [`EsxError`].
pub type Result<T, E = EsxError> = std::result::Result<T, E>;

/// Everything that can go wrong talking to an ESX host.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EsxError {
    /// The host name does not resolve.
    #[error("unknown host {host}: {message}")]
    UnknownHost {
        /// The name given.
        host: String,
        /// What the resolver said.
        message: String,
    },

    /// The host rejected the credentials.
    #[error("{host} rejected the credentials for user {user:?}; check the user name and password or key")]
    Auth {
        /// The host.
        host: String,
        /// The user name tried (never the secret).
        user: String,
    },

    /// The host presented a key other than the one recorded for it.
    #[error("host key mismatch for {host}: it differs from the key recorded in {}; someone may be intercepting the connection, or the host was reinstalled (then remove its old line)", known_hosts.display())]
    HostKeyMismatch {
        /// The host.
        host: String,
        /// The known_hosts file consulted.
        known_hosts: PathBuf,
    },

    /// The host's key is not recorded, and accepting unknown keys was not asked for.
    #[error("host key of {host} is not in {}; add it (ssh-keyscan) or opt in to accepting unknown keys", known_hosts.display())]
    HostKeyUnknown {
        /// The host.
        host: String,
        /// The known_hosts file consulted.
        known_hosts: PathBuf,
    },

    /// A datastore, volume, option or file the host does not have.
    #[error("{host}: {kind} {name} not found{}", detail_note(detail))]
    NotFound {
        /// The host.
        host: String,
        /// What was looked for (`datastore`, `unresolved VMFS volume`, `advanced option`, …).
        kind: &'static str,
        /// Its name.
        name: String,
        /// The host's own words, if it said more.
        detail: Option<String>,
    },

    /// The host refused to mount (or resignature) a volume, with ESXi's reason.
    #[error("{host} refused to mount {volume}: {reason}")]
    MountRefused {
        /// The host.
        host: String,
        /// The volume (label, UUID or `host:share`).
        volume: String,
        /// ESXi's reason, verbatim.
        reason: String,
    },

    /// This ESX version cannot do what was asked; `hint` says what to do instead.
    #[error("{host} runs {version}, which cannot {what}: {hint}")]
    Unsupported {
        /// The host.
        host: String,
        /// Its version string.
        version: String,
        /// What was asked.
        what: String,
        /// What to do instead.
        hint: String,
    },

    /// An argument was refused before anything reached the host.
    #[error("invalid {what} {value:?}: {rule}")]
    InvalidArgument {
        /// What kind of argument.
        what: &'static str,
        /// The value given.
        value: String,
        /// The rule it breaks.
        rule: &'static str,
    },

    /// A command did not finish in time.
    #[error("{host}: `{command}` did not finish within {}s", after.as_secs())]
    Timeout {
        /// The host.
        host: String,
        /// The command.
        command: String,
        /// How long we waited.
        after: Duration,
    },

    /// The connection could not be made, or broke.
    #[error("cannot reach {host}: {message}{}", if *retryable { " (this may pass; try again)" } else { "" })]
    Transport {
        /// The host.
        host: String,
        /// What failed.
        message: String,
        /// Whether trying again may succeed.
        retryable: bool,
    },

    /// A command exited non-zero for a reason this crate does not classify further.
    #[error("{host}: `{command}` failed (exit {status}): {output}")]
    CommandFailed {
        /// The host.
        host: String,
        /// The command.
        command: String,
        /// Its exit status.
        status: i32,
        /// What it printed (stdout and stderr).
        output: String,
    },

    /// A command printed something this crate cannot understand.
    #[error("{host}: cannot understand the output of `{command}`: {message}")]
    Unparseable {
        /// The host.
        host: String,
        /// The command.
        command: String,
        /// What was wrong with it.
        message: String,
    },
}

fn detail_note(detail: &Option<String>) -> String {
    match detail {
        Some(d) => format!(" ({d})"),
        None => String::new(),
    }
}

impl EsxError {
    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Transport {
                retryable: true,
                ..
            } | Self::Timeout { .. }
        )
    }
}

impl From<EsxError> for StorageError {
    fn from(e: EsxError) -> Self {
        match e {
            EsxError::Auth { host, user } => StorageError::Auth {
                endpoint: host,
                user,
            },
            EsxError::Transport {
                host,
                message,
                retryable,
            } => StorageError::Transport {
                endpoint: host,
                message,
                retryable,
            },
            EsxError::UnknownHost { host, message } => StorageError::Transport {
                endpoint: host,
                message,
                retryable: false,
            },
            EsxError::Timeout { command, after, .. } => StorageError::Timeout {
                what: command,
                after,
            },
            EsxError::NotFound { kind, name, .. } => StorageError::NotFound {
                kind: if kind == "LUN" {
                    ObjectKind::Lun
                } else {
                    ObjectKind::Volume
                },
                name,
            },
            EsxError::Unsupported { .. } => StorageError::Unsupported(e.to_string()),
            EsxError::InvalidArgument { .. } => StorageError::InvalidArgument(e.to_string()),
            other => StorageError::Api {
                endpoint: other.host().to_string(),
                code: other.code().to_string(),
                message: other.to_string(),
            },
        }
    }
}

impl EsxError {
    /// The host the error is about (empty for argument errors).
    pub fn host(&self) -> &str {
        match self {
            Self::UnknownHost { host, .. }
            | Self::Auth { host, .. }
            | Self::HostKeyMismatch { host, .. }
            | Self::HostKeyUnknown { host, .. }
            | Self::NotFound { host, .. }
            | Self::MountRefused { host, .. }
            | Self::Unsupported { host, .. }
            | Self::Timeout { host, .. }
            | Self::Transport { host, .. }
            | Self::CommandFailed { host, .. }
            | Self::Unparseable { host, .. } => host,
            Self::InvalidArgument { .. } => "",
        }
    }

    /// A short stable name for the error kind, for logs and the storage error's `code`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownHost { .. } => "unknown-host",
            Self::Auth { .. } => "auth",
            Self::HostKeyMismatch { .. } => "host-key-mismatch",
            Self::HostKeyUnknown { .. } => "host-key-unknown",
            Self::NotFound { .. } => "not-found",
            Self::MountRefused { .. } => "mount-refused",
            Self::Unsupported { .. } => "unsupported",
            Self::InvalidArgument { .. } => "invalid-argument",
            Self::Timeout { .. } => "timeout",
            Self::Transport { .. } => "transport",
            Self::CommandFailed { .. } => "command-failed",
            Self::Unparseable { .. } => "unparseable",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_to_do_next() {
        let e = EsxError::HostKeyMismatch {
            host: "esx3.site2:22".into(),
            known_hosts: "/root/.ssh/known_hosts".into(),
        };
        assert!(e.to_string().contains("remove its old line"), "{e}");
        let e = EsxError::MountRefused {
            host: "esx3".into(),
            volume: "RP1".into(),
            reason: "the original volume is still online".into(),
        };
        assert_eq!(
            e.to_string(),
            "esx3 refused to mount RP1: the original volume is still online"
        );
    }

    #[test]
    fn converts_to_the_shared_error_keeping_the_kind() {
        let auth: StorageError = EsxError::Auth {
            host: "esx3".into(),
            user: "root".into(),
        }
        .into();
        assert!(matches!(auth, StorageError::Auth { .. }));
        let t: StorageError = EsxError::Transport {
            host: "esx3".into(),
            message: "connection reset".into(),
            retryable: true,
        }
        .into();
        assert!(t.is_retryable());
        let refused: StorageError = EsxError::MountRefused {
            host: "esx3".into(),
            volume: "RP1".into(),
            reason: "x".into(),
        }
        .into();
        assert!(matches!(refused, StorageError::Api { ref code, .. } if code == "mount-refused"));
    }
}

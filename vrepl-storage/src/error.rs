//! The one error type every backend returns, so callers can match on what went wrong rather
//! than on which backend said it.

use std::fmt;
use std::time::Duration;

use crate::mirror::{Discard, MirrorOp, MirrorState, Refusal, TransferProgress, TransferStatus};

/// A `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The kind of object an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObjectKind {
    /// A cluster (array).
    Cluster,
    /// A storage VM.
    Svm,
    /// A volume.
    Volume,
    /// A snapshot.
    Snapshot,
    /// A LUN.
    Lun,
    /// An igroup.
    Igroup,
    /// An initiator in an igroup.
    Initiator,
    /// A LUN map.
    LunMap,
    /// An export policy.
    ExportPolicy,
    /// A SnapMirror relationship.
    Relationship,
    /// A transfer.
    Transfer,
    /// An asynchronous job.
    Job,
}

impl fmt::Display for ObjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cluster => "cluster",
            Self::Svm => "SVM",
            Self::Volume => "volume",
            Self::Snapshot => "snapshot",
            Self::Lun => "LUN",
            Self::Igroup => "igroup",
            Self::Initiator => "initiator",
            Self::LunMap => "LUN map",
            Self::ExportPolicy => "export policy",
            Self::Relationship => "SnapMirror relationship",
            Self::Transfer => "transfer",
            Self::Job => "job",
        })
    }
}

/// Everything that can go wrong talking to an array.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The object does not exist.
    #[error("{kind} {name} not found")]
    NotFound {
        /// What kind of object.
        kind: ObjectKind,
        /// Its name or path.
        name: String,
    },

    /// An object with this name exists already.
    #[error("{kind} {name} already exists")]
    AlreadyExists {
        /// What kind of object.
        kind: ObjectKind,
        /// Its name or path.
        name: String,
    },

    /// The operation is not legal in the relationship's state (the transition table said no).
    #[error("cannot {op} {target}: it is {state}{}; {}", transfer_note(*transfer), refusal.hint(*op))]
    IllegalState {
        /// The operation refused.
        op: MirrorOp,
        /// The relationship (its destination path).
        target: String,
        /// Its mirror state.
        state: MirrorState,
        /// Its transfer status.
        transfer: TransferStatus,
        /// Why.
        refusal: Refusal,
    },

    /// A transfer is running and the operation cannot proceed while it does.
    #[error("cannot {op} {target}: a transfer is in progress{}; {}", progress_note(progress.as_ref()), Refusal::TransferInProgress.hint(*op))]
    TransferInProgress {
        /// The operation refused.
        op: MirrorOp,
        /// The relationship (its destination path).
        target: String,
        /// How far the transfer is.
        progress: Option<TransferProgress>,
    },

    /// The operation would destroy data that exists nowhere else; the caller must accept the loss.
    #[error(
        "refusing to {op} {target}: it would discard {}",
        discard_note(discard)
    )]
    WouldLoseData {
        /// The operation refused.
        op: MirrorOp,
        /// The relationship (its destination path).
        target: String,
        /// What would be lost.
        discard: Discard,
    },

    /// A resync is impossible because the two sides share no snapshot.
    #[error("cannot resync {target}: source and destination have no snapshot in common; re-initialize it (a full baseline) instead")]
    NoCommonSnapshot {
        /// The relationship (its destination path).
        target: String,
    },

    /// The object is in use and cannot be changed or removed.
    #[error("{kind} {name} is busy: {reason}")]
    Busy {
        /// What kind of object.
        kind: ObjectKind,
        /// Its name or path.
        name: String,
        /// What holds it, and what to do.
        reason: String,
    },

    /// A name or path breaks the array's naming rules.
    #[error("invalid {kind} name {name:?}: {rule}")]
    InvalidName {
        /// What kind of name.
        kind: &'static str,
        /// The value given.
        name: String,
        /// The rule it breaks.
        rule: &'static str,
    },

    /// An argument is wrong in a way the array rejects before doing anything.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// The array refused the request with an error code this crate does not map.
    #[error("{endpoint} answered error {code}: {message}")]
    Api {
        /// The cluster or host that answered.
        endpoint: String,
        /// The array's error code (ONTAP's are numbers, as strings).
        code: String,
        /// The array's message.
        message: String,
    },

    /// The array rejected the credentials.
    #[error(
        "{endpoint} rejected the credentials for user {user:?}; check the user name and password"
    )]
    Auth {
        /// The cluster or host.
        endpoint: String,
        /// The user name tried (never the password).
        user: String,
    },

    /// The array could not be reached, or the connection broke.
    #[error("cannot reach {endpoint}: {message}{}", if *retryable { " (this may pass; try again)" } else { "" })]
    Transport {
        /// The cluster or host.
        endpoint: String,
        /// What failed.
        message: String,
        /// Whether trying again may succeed.
        retryable: bool,
    },

    /// The array answered something this crate cannot understand.
    #[error("{endpoint} sent a response that could not be understood: {message}")]
    Protocol {
        /// The cluster or host.
        endpoint: String,
        /// What was wrong with it.
        message: String,
    },

    /// Something did not finish in time.
    #[error("timed out after {}s waiting for {what}", after.as_secs())]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long we waited.
        after: Duration,
    },

    /// A multi-step operation stopped partway: some steps took effect and others did not.
    /// `state` says where each side stands and what to run next; `source` is what failed.
    #[error("{op} of {target} stopped halfway: {source}; {state}")]
    Halfway {
        /// The operation.
        op: MirrorOp,
        /// The relationship (its destination path).
        target: String,
        /// Where things stand now, and the next step.
        state: String,
        /// The failure that stopped it.
        #[source]
        source: Box<Error>,
    },

    /// The backend cannot do this (an old ONTAP release, an option ESXi dropped, …).
    #[error("not supported: {0}")]
    Unsupported(String),
}

fn transfer_note(t: TransferStatus) -> String {
    match t {
        TransferStatus::Idle => String::new(),
        other => format!(" and {other}"),
    }
}

fn progress_note(p: Option<&TransferProgress>) -> String {
    match p {
        Some(p) => match (p.percent(), p.total_bytes) {
            (Some(pct), Some(total)) => format!(" ({} {pct}% of {})", p.kind, human_bytes(total)),
            _ => format!(" ({} {} sent)", p.kind, human_bytes(p.bytes_transferred)),
        },
        None => String::new(),
    }
}

fn discard_note(d: &Discard) -> String {
    format!("{d}; accept the loss explicitly to go on")
}

/// Bytes in binary units, as ONTAP prints them (`12.0GB` is GiB there); here `12.0 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

impl Error {
    /// Whether trying the same call again may succeed.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Transport { retryable, .. } => *retryable,
            Self::Timeout { .. } => true,
            Self::Halfway { source, .. } => source.is_retryable(),
            _ => false,
        }
    }

    /// Whether the error says the object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Self::NotFound { .. })
    }

    /// A not-found error.
    pub fn not_found(kind: ObjectKind, name: impl fmt::Display) -> Self {
        Self::NotFound {
            kind,
            name: name.to_string(),
        }
    }

    /// The refusal the transition table gives for `op`, as an error.
    pub fn illegal(
        op: MirrorOp,
        target: impl fmt::Display,
        state: MirrorState,
        transfer: TransferStatus,
        refusal: Refusal,
    ) -> Self {
        Self::IllegalState {
            op,
            target: target.to_string(),
            state,
            transfer,
            refusal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mirror::TransferKind;
    use crate::model::SnapshotName;

    #[test]
    fn messages_say_what_to_do_next() {
        let e = Error::illegal(
            MirrorOp::Update,
            "fas2050upper:RG1FV1_SM",
            MirrorState::BrokenOff,
            TransferStatus::Idle,
            Refusal::BrokenOff,
        );
        assert_eq!(
            e.to_string(),
            "cannot update fas2050upper:RG1FV1_SM: it is broken-off; resync it first"
        );

        let e = Error::TransferInProgress {
            op: MirrorOp::Break,
            target: "fas2050upper:RG1FV1_SM".into(),
            progress: Some(TransferProgress {
                kind: TransferKind::Update,
                bytes_transferred: (12u64 << 30) * 41 / 100 + 1024,
                total_bytes: Some(12 << 30),
            }),
        };
        let s = e.to_string();
        assert!(s.contains("update 41% of 12.0 GiB"), "{s}");
        assert!(s.contains("abort it"), "{s}");

        let e = Error::WouldLoseData {
            op: MirrorOp::Resync,
            target: "fas2050upper:RG1FV1_SM".into(),
            discard: Discard {
                snapshots: vec![SnapshotName::new("hourly.0").unwrap()],
                bytes: 2048,
                unsnapshotted_bytes: 10,
                unmeasured: false,
            },
        };
        let s = e.to_string();
        assert!(
            s.contains("hourly.0 (2.0 KiB)") && s.contains("10 B written since the last snapshot"),
            "{s}"
        );
    }

    #[test]
    fn an_unmeasurable_loss_is_named_as_such() {
        let e = Error::WouldLoseData {
            op: MirrorOp::Resync,
            target: "fas2050upper:RG1FV1_SM".into(),
            discard: Discard {
                unmeasured: true,
                ..Discard::default()
            },
        };
        assert!(e.to_string().contains("cannot measure it"), "{e}");
        assert!(!Discard {
            unmeasured: true,
            ..Discard::default()
        }
        .is_empty());
    }

    #[test]
    fn only_transient_errors_are_retryable() {
        assert!(Error::Transport {
            endpoint: "x".into(),
            message: "reset".into(),
            retryable: true
        }
        .is_retryable());
        assert!(!Error::Auth {
            endpoint: "x".into(),
            user: "admin".into()
        }
        .is_retryable());
        assert!(!Error::not_found(ObjectKind::Volume, "v").is_retryable());
    }
}

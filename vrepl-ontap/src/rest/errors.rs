//! ONTAP error codes to [`vrepl_storage::Error`]: the one table.
//!
//! An error body (`{"error":{"message","code","target"}}`) or a failed job carries a code; the
//! [`TABLE`] says what kind of failure each known code is, and [`to_error`] builds the typed error
//! from that kind and what the caller was doing ([`Context`]). Unknown codes keep their code and
//! message as [`Error::Api`].

use vrepl_storage::mirror::{
    check, MirrorOp, MirrorState, Refusal, TransferProgress, TransferStatus,
};
use vrepl_storage::{Error, ObjectKind};

use crate::codes::{self, OntapCode};

use super::wire::ApiError;

/// What kind of failure a code stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// The object does not exist; `Some` when the code itself says which kind of object.
    NotFound(Option<ObjectKind>),
    /// It exists already.
    AlreadyExists(Option<ObjectKind>),
    /// A transfer runs.
    TransferInProgress,
    /// The relationship's state does not allow the operation.
    IllegalState,
    /// The object is held by something (a clone, SnapMirror, a map).
    Busy,
    /// The request was wrong.
    InvalidArgument,
    /// The request asked for a field this release does not have.
    UnknownField,
    /// The cluster cannot do this.
    Unsupported,
}

/// Every known code and its class.
pub const TABLE: &[(OntapCode, Class)] = &[
    (codes::ENTRY_DOESNT_EXIST, Class::NotFound(None)),
    (codes::SVM_NOT_FOUND, Class::NotFound(Some(ObjectKind::Svm))),
    (
        codes::VOLUME_NOT_FOUND,
        Class::NotFound(Some(ObjectKind::Volume)),
    ),
    (codes::LUN_NOT_FOUND, Class::NotFound(Some(ObjectKind::Lun))),
    (
        codes::LUN_MAP_LUN_MISSING,
        Class::NotFound(Some(ObjectKind::Lun)),
    ),
    (
        codes::IGROUP_NOT_FOUND,
        Class::NotFound(Some(ObjectKind::Igroup)),
    ),
    (
        codes::INITIATOR_NOT_MEMBER,
        Class::NotFound(Some(ObjectKind::Initiator)),
    ),
    (
        codes::EXPORT_POLICY_NOT_FOUND,
        Class::NotFound(Some(ObjectKind::ExportPolicy)),
    ),
    (codes::DUPLICATE_ENTRY, Class::AlreadyExists(None)),
    (
        codes::SM_RELATIONSHIP_EXISTS,
        Class::AlreadyExists(Some(ObjectKind::Relationship)),
    ),
    (
        codes::IGROUP_EXISTS,
        Class::AlreadyExists(Some(ObjectKind::Igroup)),
    ),
    (
        codes::LUN_EXISTS,
        Class::AlreadyExists(Some(ObjectKind::Lun)),
    ),
    (
        codes::LUN_ALREADY_MAPPED,
        Class::AlreadyExists(Some(ObjectKind::LunMap)),
    ),
    (
        codes::EXPORT_POLICY_EXISTS,
        Class::AlreadyExists(Some(ObjectKind::ExportPolicy)),
    ),
    (
        codes::EXPORT_POLICY_RULE_EXISTS,
        Class::AlreadyExists(Some(ObjectKind::ExportPolicy)),
    ),
    (codes::SM_TRANSFER_IN_PROGRESS, Class::TransferInProgress),
    (codes::SM_TRANSITION_BROKEN_OFF_FAILED, Class::IllegalState),
    (codes::SM_TRANSITION_PAUSED_FAILED, Class::IllegalState),
    (
        codes::SM_TRANSITION_SNAPMIRRORED_FAILED,
        Class::IllegalState,
    ),
    (codes::SM_TRANSITION_FROM_PAUSED_FAILED, Class::IllegalState),
    (codes::SM_INVALID_TRANSITION, Class::IllegalState),
    (codes::SM_INVALID_STATE, Class::IllegalState),
    (codes::SM_TRANSIENT_STATE, Class::IllegalState),
    (codes::SM_ALREADY_INITIALIZED, Class::IllegalState),
    (codes::SM_STATE_CHANGE_NOT_POSSIBLE, Class::IllegalState),
    (codes::SM_UPDATE_FAILED, Class::IllegalState),
    (codes::SM_TRANSFER_STATE_INVALID, Class::IllegalState),
    (codes::SNAPSHOT_LOCKED, Class::Busy),
    (codes::VOLUME_HAS_CLONES, Class::Busy),
    (codes::VOLUME_BUSY, Class::Busy),
    (codes::LUN_MAPPED, Class::Busy),
    (codes::IGROUP_MAPPED, Class::Busy),
    (codes::RESOURCE_IN_USE, Class::Busy),
    (codes::SM_MODIFICATION_IN_PROGRESS_RETRY, Class::Busy),
    (codes::INVALID_FIELD, Class::InvalidArgument),
    (codes::MISSING_VALUE, Class::InvalidArgument),
    (codes::UNEXPECTED_ARGUMENT, Class::InvalidArgument),
    (codes::INVALID_FIELD_VALUE, Class::UnknownField),
    (codes::INVALID_ENTRY, Class::InvalidArgument),
    (codes::SM_DESTINATION_NOT_DP, Class::InvalidArgument),
    (codes::SM_SOURCE_IS_DESTINATION, Class::InvalidArgument),
    (codes::SM_PATH_WITHOUT_COLON, Class::InvalidArgument),
    (codes::DP_VOLUME_NOT_INITIALIZED, Class::InvalidArgument),
    (codes::NAS_PATH_INVALID, Class::InvalidArgument),
    (codes::VOLUME_STATE_INVALID, Class::InvalidArgument),
    (codes::CLONE_SPLIT_INVALID, Class::InvalidArgument),
    (codes::CLONE_INVALID_TYPE, Class::InvalidArgument),
    (codes::CLONE_PARENT_REQUIRED, Class::InvalidArgument),
    (codes::CLONE_SNAPSHOT_MISMATCH, Class::InvalidArgument),
    (codes::INVALID_WWPN, Class::InvalidArgument),
    (codes::INVALID_ISCSI_NAME, Class::InvalidArgument),
    (codes::LUN_VOLUME_OFFLINE, Class::InvalidArgument),
    // A chosen LUN id taken by another LUN is a bad argument, not a duplicate map.
    (codes::LUN_ID_IN_USE, Class::InvalidArgument),
    (codes::NOT_SUPPORTED, Class::Unsupported),
];

/// The class of a code, if the table knows it.
pub fn classify(code: &str) -> Option<Class> {
    TABLE
        .iter()
        .find(|(c, _)| c.is(code))
        .map(|(_, class)| *class)
}

/// What the client was doing on which relationship, so a refusal can name op and state.
#[derive(Clone, Debug)]
pub struct MirrorContext {
    /// The operation.
    pub op: MirrorOp,
    /// The relationship's state as last read.
    pub state: MirrorState,
    /// Its transfer status as last read.
    pub transfer: TransferStatus,
    /// The running transfer's progress.
    pub progress: Option<TransferProgress>,
}

/// What the failed request was about.
#[derive(Clone, Debug)]
pub struct Context {
    /// The cluster that answered (`host:port`).
    pub endpoint: String,
    /// The kind of object the request addressed.
    pub kind: ObjectKind,
    /// Its name or path.
    pub name: String,
    /// Set for SnapMirror operations.
    pub mirror: Option<MirrorContext>,
}

impl Context {
    /// A context for an object.
    pub fn object(endpoint: &str, kind: ObjectKind, name: impl ToString) -> Self {
        Self {
            endpoint: endpoint.to_string(),
            kind,
            name: name.to_string(),
            mirror: None,
        }
    }

    /// The same context, for a SnapMirror operation on a relationship in this state.
    pub fn with_mirror(mut self, mirror: MirrorContext) -> Self {
        self.mirror = Some(mirror);
        self
    }
}

/// Said in the [`Error::Protocol`] for error 262197 on `fields`, so callers can fall back to
/// fewer fields on an older release.
const UNKNOWN_FIELD: &str = "the cluster does not know a field this client asked for";

/// Whether `e` says the cluster does not know a field the request asked for.
pub fn is_unknown_field(e: &Error) -> bool {
    matches!(e, Error::Protocol { message, .. } if message.starts_with(UNKNOWN_FIELD))
}

/// Turns an ONTAP error into the typed error, through [`TABLE`].
pub fn to_error(api: &ApiError, ctx: &Context) -> Error {
    let raw = || Error::Api {
        endpoint: ctx.endpoint.clone(),
        code: api.code.clone(),
        message: api.message.clone(),
    };
    let Some(class) = classify(&api.code) else {
        return raw();
    };
    let detail = |what: &str| {
        if api.message.is_empty() {
            what.to_string()
        } else {
            format!("{what}: {} (ONTAP error {})", api.message, api.code)
        }
    };
    match class {
        Class::NotFound(kind) => Error::NotFound {
            kind: kind.unwrap_or(ctx.kind),
            name: ctx.name.clone(),
        },
        Class::AlreadyExists(kind) => Error::AlreadyExists {
            kind: kind.unwrap_or(ctx.kind),
            name: ctx.name.clone(),
        },
        Class::TransferInProgress => match &ctx.mirror {
            Some(m) => Error::TransferInProgress {
                op: m.op,
                target: ctx.name.clone(),
                progress: m.progress.clone(),
            },
            None => raw(),
        },
        Class::IllegalState => match &ctx.mirror {
            // ONTAP words a break refused by a running transfer as 13303808 with a reason.
            Some(m) if api.message.contains("transfer is in progress") => Error::TransferInProgress {
                op: m.op,
                target: ctx.name.clone(),
                progress: m.progress.clone(),
            },
            Some(m) => {
                let refusal = check(m.op, m.state, m.transfer).err().unwrap_or(match m.state {
                    MirrorState::Uninitialized => Refusal::NotInitialized,
                    MirrorState::BrokenOff => Refusal::BrokenOff,
                    MirrorState::Paused => Refusal::Quiesced,
                    MirrorState::Snapmirrored => Refusal::NotBrokenOff,
                });
                Error::illegal(m.op, &ctx.name, m.state, m.transfer, refusal)
            }
            None => raw(),
        },
        Class::Busy => Error::Busy {
            kind: ctx.kind,
            name: ctx.name.clone(),
            reason: detail("ONTAP refused"),
        },
        Class::InvalidArgument => Error::InvalidArgument(format!(
            "{} {}: {}",
            ctx.kind,
            ctx.name,
            detail("ONTAP rejected the request")
        )),
        Class::UnknownField => Error::Protocol {
            endpoint: ctx.endpoint.clone(),
            message: format!(
                "{UNKNOWN_FIELD} ({}; ONTAP error {}): it may run an older ONTAP release than this driver supports",
                api.message, api.code
            ),
        },
        Class::Unsupported => Error::Unsupported(format!(
            "{} {} on {}: {}",
            ctx.kind,
            ctx.name,
            ctx.endpoint,
            detail("not supported")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrepl_storage::mirror::TransferKind;

    fn api(code: &str, message: &str) -> ApiError {
        ApiError {
            code: code.into(),
            message: message.into(),
            target: None,
        }
    }

    fn ctx() -> Context {
        Context::object(
            "fas2050:443",
            ObjectKind::Relationship,
            "fas2050upper:RG1FV1_SM",
        )
    }

    fn mirror(op: MirrorOp, state: MirrorState, transfer: TransferStatus) -> MirrorContext {
        MirrorContext {
            op,
            state,
            transfer,
            progress: None,
        }
    }

    #[test]
    fn every_code_appears_once() {
        for (i, (a, _)) in TABLE.iter().enumerate() {
            for (b, _) in &TABLE[i + 1..] {
                assert_ne!(a.code, b.code, "{a} twice");
            }
        }
    }

    #[test]
    fn missing_entries_are_not_found_with_the_callers_kind() {
        let e = to_error(&api("4", "entry doesn't exist"), &ctx());
        assert!(
            matches!(
                e,
                Error::NotFound {
                    kind: ObjectKind::Relationship,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = to_error(
            &api("2621462", "The specified SVM does not exist."),
            &Context::object("x", ObjectKind::Volume, "nosuch:vol"),
        );
        assert!(
            matches!(
                e,
                Error::NotFound {
                    kind: ObjectKind::Svm,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn transfers_in_progress_name_the_op_and_progress() {
        let progress = TransferProgress {
            kind: TransferKind::Update,
            bytes_transferred: 10,
            total_bytes: None,
        };
        let mut m = mirror(
            MirrorOp::Break,
            MirrorState::Snapmirrored,
            TransferStatus::Transferring,
        );
        m.progress = Some(progress.clone());
        let c = ctx().with_mirror(m);
        for (code, msg) in [
            ("13303812", "Initialize operation failed"),
            (
                "13303808",
                "Transition to broken_off state failed. Reason:Another transfer is in progress",
            ),
        ] {
            match to_error(&api(code, msg), &c) {
                Error::TransferInProgress {
                    op, progress: p, ..
                } => {
                    assert_eq!(op, MirrorOp::Break);
                    assert_eq!(p, Some(progress.clone()));
                }
                other => panic!("{code}: {other:?}"),
            }
        }
    }

    #[test]
    fn illegal_transitions_read_like_the_table() {
        let c = ctx().with_mirror(mirror(
            MirrorOp::Update,
            MirrorState::BrokenOff,
            TransferStatus::Idle,
        ));
        let e = to_error(&api("13303818", "Invalid state transition requested"), &c);
        assert_eq!(
            e.to_string(),
            "cannot update fas2050upper:RG1FV1_SM: it is broken-off; resync it first"
        );
        let e = to_error(
            &api("13303833", "Requested state change is not possible"),
            &ctx(),
        );
        assert!(
            matches!(e, Error::Api { .. }),
            "without a state it stays raw: {e:?}"
        );
    }

    #[test]
    fn duplicates_busy_and_bad_input() {
        let taken = to_error(&api("5374922", "The LUN ID is already in use"), &ctx());
        assert!(matches!(taken, Error::InvalidArgument(_)), "{taken:?}");
        for code in ["6619637", "1", "5374023", "1254207"] {
            assert!(
                matches!(
                    to_error(&api(code, "x"), &ctx()),
                    Error::AlreadyExists { .. }
                ),
                "{code}"
            );
        }
        for code in ["1638555", "524615"] {
            let e = to_error(&api(code, "is locked"), &ctx());
            assert!(matches!(e, Error::Busy { .. }), "{code}");
            assert!(e.to_string().contains("is locked"), "{e}");
        }
        let e = to_error(
            &api(
                "262197",
                r#"The value "fru" is invalid for field "fields" (<field,...>)"#,
            ),
            &ctx(),
        );
        assert!(is_unknown_field(&e), "{e:?}");
        assert!(e.to_string().contains("fru"), "{e}");
    }

    #[test]
    fn unknown_codes_keep_code_and_message() {
        match to_error(&api("99999999", "Something odd"), &ctx()) {
            Error::Api {
                code,
                message,
                endpoint,
            } => {
                assert_eq!(
                    (code.as_str(), message.as_str(), endpoint.as_str()),
                    ("99999999", "Something odd", "fas2050:443")
                );
            }
            other => panic!("{other:?}"),
        }
    }
}

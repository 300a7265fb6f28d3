//! ONTAP's error body, and the one place where [`vrepl_storage::Error`]s from the simulated
//! array become ONTAP codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;
use vrepl_storage::mirror::{MirrorOp, Refusal};
use vrepl_storage::{Error, ObjectKind};

use crate::codes::{self, OntapCode};

/// A refusal as ONTAP sends it: `{"error":{"message","code","target"}}` with an HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    pub target: Option<String>,
}

impl ApiError {
    /// The code with its own message and status.
    pub fn code(code: OntapCode) -> Self {
        Self {
            status: StatusCode::from_u16(code.http_status).unwrap_or(StatusCode::BAD_REQUEST),
            code: code.code,
            message: code.message.to_string(),
            target: None,
        }
    }

    /// The code with a more specific message.
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// Names the field or parameter the error is about.
    pub fn target(mut self, target: impl Into<String>) -> Self {
        self.target = Some(target.into());
        self
    }

    /// `404 {"code":"4","message":"entry doesn't exist","target":"uuid"}`.
    pub fn not_found_uuid() -> Self {
        Self::code(codes::ENTRY_DOESNT_EXIST).target("uuid")
    }

    /// A value ONTAP rejects (262197), naming value and field.
    pub fn invalid_value(value: &str, field: &str) -> Self {
        Self::code(codes::INVALID_FIELD_VALUE)
            .with_message(codes::invalid_field_value(value, field))
            .target(field)
    }

    /// A parameter or body field ONTAP does not know (262179).
    pub fn unexpected_argument(name: &str) -> Self {
        Self::code(codes::UNEXPECTED_ARGUMENT)
            .with_message(codes::unexpected_argument(name))
            .target(name)
    }

    /// A required field is missing (262177 "Missing value").
    pub fn missing(field: &str) -> Self {
        Self::code(codes::MISSING_VALUE)
            .with_message(format!("Missing value for field \"{field}\"."))
            .target(field)
    }

    /// A method and path the simulator does not serve: 500, loudly, never 404.
    pub fn unserved(method: &str, path: &str) -> Self {
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: codes::NOT_SUPPORTED.code,
            message: format!(
                "The vrepl ONTAP simulator does not implement {method} {path}; \
                 this is a gap in the simulator, not an answer from ONTAP"
            ),
            target: None,
        }
    }

    /// The cluster behind this server is down: the request gets no answer at all.
    pub fn cluster_down() -> Self {
        Self {
            status: StatusCode::SERVICE_UNAVAILABLE,
            code: CLUSTER_DOWN,
            message: "the simulated cluster is down".into(),
            target: None,
        }
    }

    /// The error body.
    pub fn body(&self) -> serde_json::Value {
        let mut error = json!({ "message": self.message, "code": self.code.to_string() });
        if let Some(t) = &self.target {
            error["target"] = json!(t);
        }
        json!({ "error": error })
    }
}

/// Not an ONTAP code: marks [`ApiError::cluster_down`].
const CLUSTER_DOWN: u32 = u32::MAX;

/// Set on a response whose connection must be dropped instead of answered.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DropConnection;

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, axum::Json(self.body())).into_response();
        if self.code == CLUSTER_DOWN {
            r.extensions_mut().insert(DropConnection);
        }
        r
    }
}

/// What the request was doing when the array refused, so the refusal gets ONTAP's code for
/// that operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Doing {
    /// Reads and anything without a more specific code.
    General,
    /// A relationship state PATCH or transfer POST performing this mirror operation.
    Mirror(MirrorOp),
    /// Creating a relationship.
    CreateRelationship,
    /// Creating a FlexClone or a LUN.
    CreateInVolume,
}

/// Maps an array error to ONTAP's code for it. `snapshot_ctx` names (snapshot, volume, svm)
/// for the 1638555 message.
pub(crate) fn from_storage(
    err: &Error,
    doing: Doing,
    snapshot_ctx: Option<(&str, &str, &str)>,
) -> ApiError {
    match err {
        Error::NotFound { kind, name } => not_found(*kind, name),
        Error::AlreadyExists { kind, name } => already_exists(*kind, name),
        Error::IllegalState { op, refusal, .. } => illegal(*op, *refusal, &err.to_string()),
        Error::TransferInProgress { op, .. } => transfer_in_progress(*op),
        Error::WouldLoseData { .. } => ApiError::code(codes::SM_TRANSITION_SNAPMIRRORED_FAILED)
            .with_message(format!(
                "{}. Reason:{err}",
                codes::SM_TRANSITION_SNAPMIRRORED_FAILED.message
            )),
        Error::NoCommonSnapshot { .. } => ApiError::code(codes::SM_TRANSITION_SNAPMIRRORED_FAILED)
            .with_message(format!(
            "{}. Reason:No common Snapshot copy found between the source and destination volumes",
            codes::SM_TRANSITION_SNAPMIRRORED_FAILED.message
        )),
        Error::Busy { kind, name, reason } => busy(*kind, name, reason, snapshot_ctx),
        Error::InvalidName { kind, name, rule } => {
            ApiError::invalid_value(name, &kind.to_lowercase()).with_message(format!(
                "{} ({rule})",
                codes::invalid_field_value(name, "name")
            ))
        }
        Error::InvalidArgument(m) if doing == Doing::CreateRelationship && m.contains("dp") => {
            ApiError::code(codes::SM_DESTINATION_NOT_DP)
                .with_message(format!("{}: {m}", codes::SM_DESTINATION_NOT_DP.message))
        }
        Error::InvalidArgument(m) => ApiError::code(codes::INVALID_FIELD).with_message(m.clone()),
        Error::Api { code, message, .. } => {
            let known = codes::lookup(code);
            ApiError {
                status: known
                    .and_then(|c| StatusCode::from_u16(c.http_status).ok())
                    .unwrap_or(StatusCode::BAD_REQUEST),
                code: code.trim().parse().unwrap_or(codes::INVALID_FIELD.code),
                message: message.clone(),
                target: None,
            }
        }
        Error::Timeout { .. } => ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 65541,
            message: "RPC timed out.".into(),
            target: None,
        },
        Error::Transport { message, .. } => match doing {
            Doing::Mirror(MirrorOp::Initialize) => ApiError::code(codes::SM_TRANSFER_IN_PROGRESS)
                .with_message(format!(
                    "{}. Reason:{message}",
                    codes::SM_TRANSFER_IN_PROGRESS.message
                )),
            Doing::Mirror(MirrorOp::Update) => ApiError::code(codes::SM_UPDATE_FAILED)
                .with_message(format!(
                    "{}. Reason:{message}",
                    codes::SM_UPDATE_FAILED.message
                )),
            _ => ApiError {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                code: 65552,
                message: format!("Generic RPC failure: {message}"),
                target: None,
            },
        },
        Error::Unsupported(m) => ApiError::code(codes::NOT_SUPPORTED).with_message(m.clone()),
        other => ApiError {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            code: 65562,
            message: format!("Internal RPC error: {other}"),
            target: None,
        },
    }
}

fn not_found(kind: ObjectKind, name: &str) -> ApiError {
    match kind {
        ObjectKind::Svm => ApiError::code(codes::SVM_NOT_FOUND).target("svm.name"),
        ObjectKind::Igroup => ApiError::code(codes::IGROUP_NOT_FOUND).target("igroup.name"),
        ObjectKind::Lun => ApiError::code(codes::LUN_NOT_FOUND).target("lun.name"),
        ObjectKind::ExportPolicy => ApiError::code(codes::EXPORT_POLICY_NOT_FOUND)
            .with_message(format!(
                "{}: {name}",
                codes::EXPORT_POLICY_NOT_FOUND.message
            ))
            .target("nas.export_policy.name"),
        ObjectKind::Volume => ApiError::code(codes::VOLUME_NOT_FOUND)
            .with_message(format!("{} ({name})", codes::VOLUME_NOT_FOUND.message)),
        ObjectKind::Initiator => ApiError::code(codes::INITIATOR_NOT_MEMBER),
        _ => ApiError::code(codes::ENTRY_DOESNT_EXIST).target("uuid"),
    }
}

fn already_exists(kind: ObjectKind, name: &str) -> ApiError {
    match kind {
        ObjectKind::Relationship => {
            ApiError::code(codes::SM_RELATIONSHIP_EXISTS).target("destination.path")
        }
        ObjectKind::Igroup => ApiError::code(codes::IGROUP_EXISTS).target("name"),
        ObjectKind::Lun => ApiError::code(codes::LUN_EXISTS).target("name"),
        ObjectKind::LunMap => ApiError::code(codes::LUN_ALREADY_MAPPED),
        ObjectKind::ExportPolicy => ApiError::code(codes::DUPLICATE_ENTRY)
            .with_message(format!(
                "{} (export policy {name})",
                codes::DUPLICATE_ENTRY.message
            ))
            .target("name"),
        _ => ApiError::code(codes::DUPLICATE_ENTRY)
            .with_message(format!(
                "{} ({kind} {name})",
                codes::DUPLICATE_ENTRY.message
            ))
            .target("name"),
    }
}

fn illegal(op: MirrorOp, refusal: Refusal, detail: &str) -> ApiError {
    let code = match (op, refusal) {
        (MirrorOp::Break, Refusal::NotInitialized) => codes::SM_STATE_CHANGE_NOT_POSSIBLE,
        (MirrorOp::Break, Refusal::TransferInProgress) => {
            return transfer_in_progress(op);
        }
        (MirrorOp::Update, Refusal::TransferInProgress)
        | (MirrorOp::Initialize, Refusal::TransferInProgress) => {
            return transfer_in_progress(op);
        }
        (MirrorOp::Update, _) => codes::SM_UPDATE_FAILED,
        (MirrorOp::Quiesce, _) => codes::SM_TRANSITION_PAUSED_FAILED,
        (MirrorOp::Resume, _) => codes::SM_TRANSITION_FROM_PAUSED_FAILED,
        (MirrorOp::Release, _) => codes::SM_RELEASE_FAILED,
        _ => codes::SM_INVALID_TRANSITION,
    };
    ApiError::code(code).with_message(format!("{}. Reason:{detail}", code.message))
}

fn transfer_in_progress(op: MirrorOp) -> ApiError {
    const REASON: &str = "Another transfer is in progress";
    match op {
        MirrorOp::Break => ApiError::code(codes::SM_TRANSITION_BROKEN_OFF_FAILED)
            .with_message(codes::broken_off_failed(REASON)),
        MirrorOp::Delete | MirrorOp::Release => {
            ApiError::code(codes::SM_MODIFICATION_IN_PROGRESS_RETRY)
        }
        MirrorOp::Quiesce => {
            ApiError::code(codes::SM_TRANSITION_PAUSED_FAILED).with_message(format!(
                "{}. Reason:{REASON}",
                codes::SM_TRANSITION_PAUSED_FAILED.message
            ))
        }
        MirrorOp::Resync | MirrorOp::ReverseResync => {
            ApiError::code(codes::SM_TRANSITION_SNAPMIRRORED_FAILED).with_message(format!(
                "{}. Reason:{REASON}",
                codes::SM_TRANSITION_SNAPMIRRORED_FAILED.message
            ))
        }
        _ => ApiError::code(codes::SM_TRANSFER_IN_PROGRESS).with_message(format!(
            "{}. Reason:{REASON}",
            codes::SM_TRANSFER_IN_PROGRESS.message
        )),
    }
}

fn busy(
    kind: ObjectKind,
    name: &str,
    reason: &str,
    snapshot_ctx: Option<(&str, &str, &str)>,
) -> ApiError {
    match kind {
        ObjectKind::Snapshot => {
            let (snap, vol, svm) = snapshot_ctx.unwrap_or((name, "", ""));
            ApiError::code(codes::SNAPSHOT_LOCKED)
                .with_message(codes::snapshot_locked(snap, vol, svm))
        }
        ObjectKind::Lun => ApiError::code(codes::LUN_MAPPED),
        ObjectKind::Igroup => ApiError::code(codes::IGROUP_MAPPED),
        ObjectKind::Relationship => ApiError::code(codes::SM_MODIFICATION_IN_PROGRESS_RETRY),
        ObjectKind::Volume if reason.contains("clone") => ApiError::code(codes::VOLUME_HAS_CLONES),
        _ => ApiError::code(codes::VOLUME_BUSY)
            .with_message(format!("{kind} \"{name}\" is busy: {reason}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrepl_storage::mirror::{MirrorState, TransferStatus};

    #[test]
    fn body_carries_code_as_string() {
        let e = ApiError::not_found_uuid();
        assert_eq!(e.status, StatusCode::NOT_FOUND);
        assert_eq!(
            e.body(),
            json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}})
        );
    }

    #[test]
    fn break_during_transfer_is_13303808_with_reason() {
        let err = Error::TransferInProgress {
            op: MirrorOp::Break,
            target: "svm:v".into(),
            progress: None,
        };
        let e = from_storage(&err, Doing::Mirror(MirrorOp::Break), None);
        assert_eq!(e.code, 13303808);
        assert_eq!(
            e.message,
            "Transition to broken_off state failed. Reason:Another transfer is in progress"
        );
    }

    #[test]
    fn break_of_uninitialized_is_not_possible() {
        let err = Error::illegal(
            MirrorOp::Break,
            "svm:v",
            MirrorState::Uninitialized,
            TransferStatus::Idle,
            Refusal::NotInitialized,
        );
        assert_eq!(from_storage(&err, Doing::General, None).code, 13303833);
    }

    #[test]
    fn held_snapshot_names_snapshot_volume_and_svm() {
        let err = Error::Busy {
            kind: ObjectKind::Snapshot,
            name: "s1".into(),
            reason: "held by volume_clone".into(),
        };
        let e = from_storage(
            &err,
            Doing::General,
            Some(("s1", "RG1FV1_SM", "fas2050upper")),
        );
        assert_eq!(e.code, 1638555);
        assert!(e.message.starts_with(
            "Snapshot copy \"s1\" of volume \"RG1FV1_SM\" on Vserver \"fas2050upper\" has not expired or is locked."
        ));
    }

    #[test]
    fn unknown_routes_are_loud_500s() {
        let e = ApiError::unserved("PATCH", "/api/nowhere");
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(e.message.contains("PATCH /api/nowhere"));
    }
}

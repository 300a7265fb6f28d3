//! ONTAP's REST error codes: the number, the message ONTAP sends with it and the HTTP status
//! a synchronous refusal carries.
//!
//! The REST client maps these to [`vrepl_storage::Error`]; the simulator answers with them.
//! ONTAP sends the code as a *string* in an error body
//! (`{"error":{"message":"entry doesn't exist","code":"4","target":"uuid"}}`) and as an
//! *integer* in a job (`"code": 1638555`); [`OntapCode::code_str`] and [`OntapCode::code`]
//! give both forms.
//!
//! Messages are ONTAP's own text (from the 9.8 OpenAPI spec's error tables, trident's and
//! Ansible's captured responses). Some real messages name the object (snapshot busy, unknown
//! field); those have builder functions next to the constant.
//!
//! ```
//! use vrepl_ontap::codes::{self, ENTRY_DOESNT_EXIST};
//!
//! assert_eq!(ENTRY_DOESNT_EXIST.code_str(), "4");
//! assert_eq!(ENTRY_DOESNT_EXIST.message, "entry doesn't exist");
//! assert_eq!(ENTRY_DOESNT_EXIST.http_status, 404);
//! assert_eq!(codes::lookup("13303812").unwrap().message, "Initialize operation failed");
//! assert_eq!(
//!     codes::invalid_field_value("fru", "fields"),
//!     r#"The value "fru" is invalid for field "fields" (<field,...>)"#
//! );
//! ```

use std::fmt;

/// One ONTAP error code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OntapCode {
    /// The number ONTAP sends.
    pub code: u32,
    /// ONTAP's message for it (a template's fixed text where the real one names the object).
    pub message: &'static str,
    /// The HTTP status of a synchronous response carrying it.
    pub http_status: u16,
}

impl OntapCode {
    /// The code as ONTAP writes it in an error body: a decimal string.
    pub fn code_str(&self) -> String {
        self.code.to_string()
    }

    /// Whether `code` (as found in an error body or job, string or number) is this one.
    pub fn is(&self, code: &str) -> bool {
        code.trim().parse::<u32>().ok() == Some(self.code)
    }
}

impl fmt::Display for OntapCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

const fn c(code: u32, message: &'static str, http_status: u16) -> OntapCode {
    OntapCode {
        code,
        message,
        http_status,
    }
}

// ---- generic codes (9.8 spec "ONTAP Error Response Codes"; observed message text) ----

/// An object with the same identifiers exists already (the spec's text is "An entry with the
/// same identifiers already exists."; the short wire form here is not verified).
pub const DUPLICATE_ENTRY: OntapCode = c(1, "duplicate entry", 409);
/// A field has an invalid value, is missing, or an extra field was provided.
pub const INVALID_FIELD: OntapCode = c(
    2,
    "A field has an invalid value, is missing, or an extra field was provided.",
    400,
);
/// The operation is not supported.
pub const NOT_SUPPORTED: OntapCode = c(3, "The operation is not supported.", 405);
/// The object does not exist (observed body: message "entry doesn't exist", target "uuid", HTTP 404).
pub const ENTRY_DOESNT_EXIST: OntapCode = c(4, "entry doesn't exist", 404);
/// Permission denied (RBAC).
pub const PERMISSION_DENIED: OntapCode = c(6, "Permission denied.", 403);
/// Resource in use.
pub const RESOURCE_IN_USE: OntapCode = c(8, "Resource in use.", 409);
/// Missing value.
pub const MISSING_VALUE: OntapCode = c(262177, "Missing value.", 400);
/// Unexpected argument (an unknown query parameter or body field); see [`unexpected_argument`].
pub const UNEXPECTED_ARGUMENT: OntapCode = c(262179, "Unexpected argument.", 400);
/// Invalid value for a field, value and field in the message; see [`invalid_field_value`].
/// Sent for unknown entries in `fields=`.
pub const INVALID_FIELD_VALUE: OntapCode = c(
    262197,
    "Invalid value provided for field. Value and field shown in error message body.",
    400,
);
/// A request body on GET, HEAD or DELETE.
pub const BODY_NOT_ALLOWED: OntapCode = c(
    262198,
    "A request body is not allowed on GET, HEAD, and DELETE.",
    400,
);
/// A body that is not valid JSON; see [`invalid_json`].
pub const INVALID_JSON: OntapCode = c(
    262199,
    "Invalid JSON with error location provided in body of the error.",
    400,
);
/// Invalid JSON for an unknown reason.
pub const INVALID_JSON_UNKNOWN: OntapCode =
    c(262201, "Invalid JSON due to unknown formatting issue.", 400);
/// Invalid value, with a reason.
pub const INVALID_VALUE_REASON: OntapCode = c(
    262245,
    "Invalid value with reason provided in body of the error.",
    400,
);
/// trident's INVALID_ENTRY (message text not in the sources).
pub const INVALID_ENTRY: OntapCode = c(655446, "invalid entry", 400);
/// The SVM named does not exist.
pub const SVM_NOT_FOUND: OntapCode = c(2621462, "The specified SVM does not exist.", 404);
/// `svm.name` and `svm.uuid` name different SVMs.
pub const SVM_MISMATCH: OntapCode = c(
    2621706,
    "The specified \"svm.uuid\" and \"svm.name\" do not refer to the same SVM.",
    400,
);
/// No SVM given.
pub const SVM_MISSING: OntapCode = c(
    2621707,
    "No SVM was specified. Either \"svm.name\" or \"svm.uuid\" must be supplied.",
    400,
);

// ---- SnapMirror relationships (POST / PATCH / DELETE) ----

/// A relationship with this destination exists already (POST).
pub const SM_RELATIONSHIP_EXISTS: OntapCode = c(
    6619637,
    "Relationship with specified destination volume already exists",
    409,
);
/// Source and destination are the same volume (POST; message text not in the sources).
pub const SM_SOURCE_IS_DESTINATION: OntapCode = c(
    6619441,
    "The source and destination of a SnapMirror relationship cannot be the same",
    400,
);
/// The destination of the relationship is not a DP volume.
pub const SM_DESTINATION_NOT_DP: OntapCode = c(6619546, "Destination must be a dp volume", 400);
/// Another modification of the relationship is running.
pub const SM_MODIFICATION_IN_PROGRESS_RETRY: OntapCode = c(
    6619715,
    "Modification of relationship is in progress. Retry the command after the current modification completes",
    409,
);
/// Break (`broken_off`) failed; ONTAP appends `Reason:…`, e.g. "Another transfer is in progress".
pub const SM_TRANSITION_BROKEN_OFF_FAILED: OntapCode =
    c(13303808, "Transition to broken_off state failed", 400);
/// Quiesce (`paused`) failed.
pub const SM_TRANSITION_PAUSED_FAILED: OntapCode =
    c(13303809, "Transition to paused state failed", 400);
/// Transition to `snapmirrored` failed.
pub const SM_TRANSITION_SNAPMIRRORED_FAILED: OntapCode =
    c(13303810, "Transition to snapmirrored state failed", 400);
/// Resume (from `paused`) failed.
pub const SM_TRANSITION_FROM_PAUSED_FAILED: OntapCode =
    c(13303811, "Transition from paused state failed", 400);
/// Initialize failed; also what a transfer POST answers while another transfer runs
/// (trident's SNAPMIRROR_TRANSFER_IN_PROGRESS).
pub const SM_TRANSFER_IN_PROGRESS: OntapCode = c(13303812, "Initialize operation failed", 409);
/// Release succeeded, delete failed.
pub const SM_RELEASE_OK_DELETE_FAILED: OntapCode = c(
    13303813,
    "SnapMirror release was successful but delete has failed",
    400,
);
/// Could not read the relationship's state; wait and retry.
pub const SM_STATUS_UNAVAILABLE: OntapCode = c(
    13303816,
    "Could not retrieve the state or status values of the SnapMirror relationship. Wait a few minutes, and then try the command again",
    500,
);
/// The state PATCH asks for is not reachable from the current state.
pub const SM_INVALID_TRANSITION: OntapCode = c(13303818, "Invalid state transition requested", 400);
/// Release failed (trident's SNAPMIRROR_MODIFICATION_IN_PROGRESS).
pub const SM_RELEASE_FAILED: OntapCode = c(13303822, "SnapMirror release has failed", 400);
/// Quiesce timed out.
pub const SM_QUIESCE_TIMED_OUT: OntapCode = c(13303823, "Quiesce operation timed out", 400);
/// Quiesce failed.
pub const SM_QUIESCE_FAILED: OntapCode = c(
    13303824,
    "Quiescing the SnapMirror relationship has failed",
    400,
);
/// The requested `state` value is not valid.
pub const SM_INVALID_STATE: OntapCode = c(13303829, "Invalid state", 400);
/// The relationship is in a transient state.
pub const SM_TRANSIENT_STATE: OntapCode = c(13303830, "Transient state", 400);
/// Initialize of an initialized relationship.
pub const SM_ALREADY_INITIALIZED: OntapCode = c(
    13303832,
    "SnapMirror relationship is already initialized",
    400,
);
/// The state change is not possible (e.g. break of an uninitialized relationship).
pub const SM_STATE_CHANGE_NOT_POSSIBLE: OntapCode =
    c(13303833, "Requested state change is not possible", 400);
/// A break-only flag (`restore_to_snapshot`) sent with another state.
pub const SM_FLAG_ONLY_WITH_BROKEN_OFF: OntapCode = c(
    13303835,
    "Given flag is valid only when PATCH state is broken_off",
    400,
);
/// A resync-only flag (`preserve`, `quick_resync`) sent with another state.
pub const SM_FLAG_ONLY_WITH_SNAPMIRRORED: OntapCode = c(
    13303836,
    "Given flag is valid only when PATCH state is snapmirrored or in_sync",
    400,
);
/// Update (transfer POST) failed.
pub const SM_UPDATE_FAILED: OntapCode = c(13303844, "Update operation failed", 400);
/// Abort of a sync relationship's transfer.
pub const SM_ABORT_SYNC_NOT_ALLOWED: OntapCode =
    c(13303848, "Abort of sync SnapMirror is not allowed", 400);
/// Transfer PATCH with a state the transfer cannot take.
pub const SM_TRANSFER_STATE_INVALID: OntapCode =
    c(13303849, "SnapMirror transfer state is invalid", 400);
/// `destination.path` without a `:`.
pub const SM_PATH_WITHOUT_COLON: OntapCode = c(
    13303852,
    "destination.path provided does not contain \":\".",
    400,
);
/// `state` in a relationship POST without `create_destination`.
pub const SM_STATE_ON_CREATE: OntapCode = c(
    13303873,
    "Specifying a state when creating a relationship is only supported when creating a destination endpoint",
    400,
);
/// Reverse PATCH whose paths do not match the relationship (message text not in the sources).
pub const SM_REVERSE_PATHS_MISMATCH: OntapCode = c(
    13304120,
    "The specified source and destination paths do not match the paths of the relationship",
    400,
);

// ---- volumes, snapshots, clones ----

/// Volume delete while it has FlexClones.
pub const VOLUME_HAS_CLONES: OntapCode = c(
    524615,
    "Failed to delete volume because it has one or more clones.",
    409,
);
/// Volume busy (trident's VOLUME_BUSY_ERROR_REST; message text not in the sources).
pub const VOLUME_BUSY: OntapCode = c(524486, "Volume is busy", 409);
/// Mounting (`nas.path`) a DP volume that was never initialized
/// (trident's DP_VOLUME_NOT_INITIALIZED; message text not captured in the sources).
pub const DP_VOLUME_NOT_INITIALIZED: OntapCode = c(
    917536,
    "Cannot mount a data protection volume that has not been initialized",
    400,
);
/// The volume named does not exist.
pub const VOLUME_NOT_FOUND: OntapCode = c(917927, "The specified volume was not found.", 404);
/// Snapshot name and uuid disagree in a clone POST.
pub const CLONE_SNAPSHOT_MISMATCH: OntapCode = c(
    918243,
    "The specified Snapshot copy UUID is not correct for the specified Snapshot copy name.",
    400,
);
/// Bad `type` for a clone.
pub const CLONE_INVALID_TYPE: OntapCode =
    c(918244, "Invalid \"volume.type\" for clone volume.", 400);
/// A clone POST without a parent volume.
pub const CLONE_PARENT_REQUIRED: OntapCode = c(
    918246,
    "\"volume.clone.parent_volume.name\" or \"volume.clone.parent_volume.uuid\" must be provided.",
    400,
);
/// A split request that is not `split_initiated: true`, or a split ONTAP refuses.
pub const CLONE_SPLIT_INVALID: OntapCode = c(
    918248,
    "Specifying a value is not valid for initiating volume FlexClone split operation.",
    400,
);
/// An invalid or taken junction path.
pub const NAS_PATH_INVALID: OntapCode = c(918252, "\"nas.path\" is invalid.", 400);
/// An invalid volume `state` in PATCH (message text not in the sources).
pub const VOLUME_STATE_INVALID: OntapCode = c(918652, "Invalid volume state", 400);
/// A snapshot with an owner (SnapMirror, a clone) cannot be deleted; see [`snapshot_locked`].
pub const SNAPSHOT_LOCKED: OntapCode = c(1638555, "has not expired or is locked", 409);

// ---- SAN ----

/// A second map of the same LUN to the same igroup.
pub const LUN_ALREADY_MAPPED: OntapCode = c(
    1254207,
    "The LUN is already mapped to the same initiator group.",
    409,
);
/// Delete of a mapped LUN.
pub const LUN_MAPPED: OntapCode = c(
    1254197,
    "The LUN is mapped and cannot be deleted without specifying the `allow_delete_while_mapped` query parameter.",
    409,
);
/// A map of a LUN that does not exist.
pub const LUN_MAP_LUN_MISSING: OntapCode = c(1254201, "The LUN does not exist.", 404);
/// Delete of a mapped igroup.
pub const IGROUP_MAPPED: OntapCode = c(
    1254213,
    "The initiator group is mapped to one or more LUNs and `allow_delete_while_mapped` has not been specified.",
    409,
);
/// A duplicate igroup name.
pub const IGROUP_EXISTS: OntapCode = c(
    5374023,
    "An initiator group with the same name already exists.",
    409,
);
/// The initiator is not in the igroup.
pub const INITIATOR_NOT_MEMBER: OntapCode =
    c(5374034, "The initiator is not a member of the group.", 404);
/// A malformed WWPN.
pub const INVALID_WWPN: OntapCode = c(5374038, "An invalid Fibre Channel WWPN was supplied.", 400);
/// A malformed iSCSI name.
pub const INVALID_ISCSI_NAME: OntapCode = c(
    5374039,
    "An invalid iSCSI initiator name was supplied.",
    400,
);
/// A LUN exists at that path.
pub const LUN_EXISTS: OntapCode = c(
    5374242,
    "A LUN or NVMe namespace already exists at the specified path.",
    409,
);
/// An invalid LUN name.
pub const LUN_INVALID_NAME: OntapCode =
    c(5374352, "An invalid name was provided for the LUN.", 400);
/// The igroup does not exist.
pub const IGROUP_NOT_FOUND: OntapCode = c(5374852, "The initiator group does not exist.", 404);
/// The LUN's volume is offline.
pub const LUN_VOLUME_OFFLINE: OntapCode = c(
    5374866,
    "The LUN's volume is offline. The volume must be online to modify or remove the LUN.",
    400,
);
/// The LUN does not exist.
pub const LUN_NOT_FOUND: OntapCode = c(5374875, "The specified LUN was not found.", 404);
/// A LUN map POST without a LUN.
pub const LUN_MAP_LUN_REQUIRED: OntapCode = c(
    5374901,
    "Either `lun.uuid` or `lun.name` must be provided to create a LUN map.",
    400,
);
/// A LUN map POST without an igroup.
pub const LUN_MAP_IGROUP_REQUIRED: OntapCode = c(
    5374902,
    "Either `igroup.uuid` or `igroup.name` must be provided to create a LUN map.",
    400,
);
/// trident's LUN_MAP_EXIST_ERROR: a LUN map exists already (message text not captured in
/// the sources; the simulator does not send it).
pub const LUN_ID_IN_USE: OntapCode = c(5374922, "LUN map already exists", 409);

// ---- NFS exports ----

/// The export policy does not exist.
pub const EXPORT_POLICY_NOT_FOUND: OntapCode = c(1703954, "Export policy does not exist", 404);
/// Misnamed, kept for the driver's table: ONTAP's 1703952 is an *invalid* export policy name
/// ("No spaces allowed"). ONTAP has no code of its own for a duplicate policy; the simulator
/// answers one with [`DUPLICATE_ENTRY`]. Use [`EXPORT_POLICY_INVALID_NAME`] for new code.
pub const EXPORT_POLICY_EXISTS: OntapCode = EXPORT_POLICY_INVALID_NAME;
/// An export policy name with a space in it (9.8 spec, export policy POST/PATCH).
pub const EXPORT_POLICY_INVALID_NAME: OntapCode = c(
    1703952,
    "Invalid ruleset name provided. No spaces allowed in a ruleset name",
    400,
);
/// An identical rule exists in the policy.
pub const EXPORT_POLICY_RULE_EXISTS: OntapCode = c(
    1704070,
    "Export policy rule already exists in the policy",
    409,
);

/// Every code above, for [`lookup`].
pub const ALL: &[OntapCode] = &[
    DUPLICATE_ENTRY,
    INVALID_FIELD,
    NOT_SUPPORTED,
    ENTRY_DOESNT_EXIST,
    PERMISSION_DENIED,
    RESOURCE_IN_USE,
    MISSING_VALUE,
    UNEXPECTED_ARGUMENT,
    INVALID_FIELD_VALUE,
    BODY_NOT_ALLOWED,
    INVALID_JSON,
    INVALID_JSON_UNKNOWN,
    INVALID_VALUE_REASON,
    INVALID_ENTRY,
    SVM_NOT_FOUND,
    SVM_MISMATCH,
    SVM_MISSING,
    SM_RELATIONSHIP_EXISTS,
    SM_SOURCE_IS_DESTINATION,
    SM_DESTINATION_NOT_DP,
    SM_MODIFICATION_IN_PROGRESS_RETRY,
    SM_TRANSITION_BROKEN_OFF_FAILED,
    SM_TRANSITION_PAUSED_FAILED,
    SM_TRANSITION_SNAPMIRRORED_FAILED,
    SM_TRANSITION_FROM_PAUSED_FAILED,
    SM_TRANSFER_IN_PROGRESS,
    SM_RELEASE_OK_DELETE_FAILED,
    SM_STATUS_UNAVAILABLE,
    SM_INVALID_TRANSITION,
    SM_RELEASE_FAILED,
    SM_QUIESCE_TIMED_OUT,
    SM_QUIESCE_FAILED,
    SM_INVALID_STATE,
    SM_TRANSIENT_STATE,
    SM_ALREADY_INITIALIZED,
    SM_STATE_CHANGE_NOT_POSSIBLE,
    SM_FLAG_ONLY_WITH_BROKEN_OFF,
    SM_FLAG_ONLY_WITH_SNAPMIRRORED,
    SM_UPDATE_FAILED,
    SM_ABORT_SYNC_NOT_ALLOWED,
    SM_TRANSFER_STATE_INVALID,
    SM_PATH_WITHOUT_COLON,
    SM_STATE_ON_CREATE,
    SM_REVERSE_PATHS_MISMATCH,
    VOLUME_HAS_CLONES,
    VOLUME_BUSY,
    DP_VOLUME_NOT_INITIALIZED,
    VOLUME_NOT_FOUND,
    CLONE_SNAPSHOT_MISMATCH,
    CLONE_INVALID_TYPE,
    CLONE_PARENT_REQUIRED,
    CLONE_SPLIT_INVALID,
    NAS_PATH_INVALID,
    VOLUME_STATE_INVALID,
    SNAPSHOT_LOCKED,
    LUN_ALREADY_MAPPED,
    LUN_MAPPED,
    LUN_MAP_LUN_MISSING,
    IGROUP_MAPPED,
    IGROUP_EXISTS,
    INITIATOR_NOT_MEMBER,
    INVALID_WWPN,
    INVALID_ISCSI_NAME,
    LUN_EXISTS,
    LUN_INVALID_NAME,
    IGROUP_NOT_FOUND,
    LUN_VOLUME_OFFLINE,
    LUN_NOT_FOUND,
    LUN_MAP_LUN_REQUIRED,
    LUN_MAP_IGROUP_REQUIRED,
    LUN_ID_IN_USE,
    EXPORT_POLICY_NOT_FOUND,
    EXPORT_POLICY_INVALID_NAME,
    EXPORT_POLICY_RULE_EXISTS,
];

/// The known code for `code` as ONTAP sends it (`"4"` or `4`), if this table has it.
pub fn lookup(code: &str) -> Option<&'static OntapCode> {
    let n: u32 = code.trim().parse().ok()?;
    ALL.iter().find(|c| c.code == n)
}

/// The 262197 message for an invalid value, as ONTAP words it for `fields=`:
/// `The value "fru" is invalid for field "fields" (<field,...>)`.
pub fn invalid_field_value(value: &str, field: &str) -> String {
    if field == "fields" {
        format!("The value \"{value}\" is invalid for field \"{field}\" (<field,...>)")
    } else {
        format!("The value \"{value}\" is invalid for field \"{field}\"")
    }
}

/// The 262179 message for a query parameter or body field ONTAP does not know.
pub fn unexpected_argument(name: &str) -> String {
    format!("Unexpected argument \"{name}\".")
}

/// The 262199 message for a body that is not JSON.
pub fn invalid_json(detail: &str) -> String {
    format!("Invalid JSON input. {detail}")
}

/// The 1638555 message: `Snapshot copy "s" of volume "v" on Vserver "svm" has not expired or
/// is locked. Use the "snapshot show -fields owners, expiry-time" command …`.
pub fn snapshot_locked(snapshot: &str, volume: &str, svm: &str) -> String {
    format!(
        "Snapshot copy \"{snapshot}\" of volume \"{volume}\" on Vserver \"{svm}\" has not expired or is locked. \
         Use the \"snapshot show -fields owners, expiry-time\" command to view the expiry and lock status of the Snapshot copy."
    )
}

/// The 13303808 message with ONTAP's reason suffix, e.g. for a running transfer:
/// `Transition to broken_off state failed. Reason:Another transfer is in progress`.
pub fn broken_off_failed(reason: &str) -> String {
    format!(
        "{}. Reason:{reason}",
        SM_TRANSITION_BROKEN_OFF_FAILED.message
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique() {
        let mut seen = HashSet::new();
        for c in ALL {
            assert!(seen.insert(c.code), "code {} listed twice", c.code);
        }
    }

    #[test]
    fn lookup_accepts_string_and_integer_forms() {
        assert_eq!(lookup("4"), Some(&ENTRY_DOESNT_EXIST));
        assert_eq!(lookup(" 1638555 ").map(|c| c.code), Some(1638555));
        assert_eq!(lookup("99999999"), None);
        assert_eq!(lookup("four"), None);
        assert!(SM_TRANSFER_IN_PROGRESS.is("13303812"));
        assert!(!SM_TRANSFER_IN_PROGRESS.is("13303808"));
    }

    #[test]
    fn templated_messages_match_ontap_wording() {
        assert_eq!(
            broken_off_failed("Another transfer is in progress"),
            "Transition to broken_off state failed. Reason:Another transfer is in progress"
        );
        let m = snapshot_locked("snap1", "vol1", "svm1");
        assert!(m.starts_with("Snapshot copy \"snap1\" of volume \"vol1\" on Vserver \"svm1\" has not expired or is locked."));
        assert!(m.contains(SNAPSHOT_LOCKED.message));
    }
}

//! ONTAP's JSON shapes (9.8 OpenAPI definitions) and their conversion to the storage model.
//!
//! Parsing only: nothing here sends a request. A record that lacks a field the model needs, or
//! holds a value ONTAP does not document, is an [`Error::Protocol`] naming the field.

use std::time::Duration;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use vrepl_storage::mirror::{
    LastTransfer, MirrorRelationship, MirrorState, TransferKind, TransferProgress, TransferResult,
    TransferStatus,
};
use vrepl_storage::model::{
    CloneParent, ClusterName, ExportRule, Igroup, IgroupName, IgroupProtocol, Initiator, Lun,
    LunMap, LunPath, OsType, PolicyName, Snapshot, SnapshotName, SvmName, Volume, VolumePath,
    VolumeState, VolumeType,
};
use vrepl_storage::{Error, Result};

/// A collection answer: `{"records":[…],"num_records":N,"_links":{"next":{"href":…}}}`.
#[derive(Debug, Deserialize)]
pub struct Collection<T> {
    /// The page's records.
    #[serde(default = "Vec::new")]
    pub records: Vec<T>,
    /// How many records this page holds.
    pub num_records: Option<u64>,
    /// `next` when more pages follow.
    #[serde(rename = "_links", default)]
    pub links: Option<Links>,
}

impl<T> Collection<T> {
    /// The next page's `/api/...` reference, if there is one.
    pub fn next_href(&self) -> Option<&str> {
        self.links
            .as_ref()
            .and_then(|l| l.next.as_ref())
            .map(|h| h.href.as_str())
    }
}

/// `_links`.
#[derive(Debug, Default, Deserialize)]
pub struct Links {
    /// The next page.
    pub next: Option<Href>,
}

/// `{"href": "/api/..."}`.
#[derive(Debug, Deserialize)]
pub struct Href {
    /// The reference.
    pub href: String,
}

/// `{"name": …}` (plus ignored uuid and links).
#[derive(Debug, Default, Deserialize)]
pub struct Named {
    /// The name.
    pub name: Option<String>,
    /// The uuid.
    pub uuid: Option<String>,
}

/// ONTAP's error body: `{"error":{"message","code","target"}}`.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    /// The error.
    pub error: ApiError,
}

/// One ONTAP error: the code (a string in bodies, a number in jobs), message and target field.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
pub struct ApiError {
    /// The message.
    #[serde(default)]
    pub message: String,
    /// The code, as a decimal string.
    #[serde(deserialize_with = "code_string", default)]
    pub code: String,
    /// The field the error is about.
    pub target: Option<String>,
}

fn code_string<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<String, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => s,
        Value::Number(n) => n.to_string(),
        Value::Null => String::new(),
        other => other.to_string(),
    })
}

/// What a 202 (or a 200 within `return_timeout`) carries: `{"job":{"uuid",…}}`.
#[derive(Debug, Deserialize)]
pub struct JobLinkBody {
    /// The job.
    pub job: JobLink,
}

/// The job reference, possibly with its outcome when ONTAP answered after the job ended.
#[derive(Clone, Debug, Deserialize)]
pub struct JobLink {
    /// The job's uuid.
    pub uuid: String,
    /// Present when the job already ended.
    pub state: Option<JobState>,
    /// The job's message.
    pub message: Option<String>,
    /// The job's code.
    #[serde(deserialize_with = "opt_code_string", default)]
    pub code: Option<String>,
}

fn opt_code_string<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    })
}

/// A job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting to run.
    Queued,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Ended well.
    Success,
    /// Ended badly: `code` and `message` say why.
    Failure,
}

impl JobState {
    /// Whether the job has ended.
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }
}

/// `GET /api/cluster/jobs/{uuid}`.
#[derive(Clone, Debug, Deserialize)]
pub struct Job {
    /// The job's uuid.
    pub uuid: String,
    /// Its state.
    pub state: JobState,
    /// Its message ("success", or the error text).
    #[serde(default)]
    pub message: Option<String>,
    /// Its code (0 on success).
    #[serde(deserialize_with = "opt_code_string", default)]
    pub code: Option<String>,
    /// "PATCH /api/snapmirror/relationships/…".
    #[serde(default)]
    pub description: Option<String>,
    /// 9.9+: the error of a failed job.
    #[serde(default)]
    pub error: Option<ApiError>,
}

impl Job {
    /// The failure as an ONTAP error (the 9.9+ `error` object, else `code` and `message`).
    pub fn failure(&self) -> ApiError {
        if let Some(e) = &self.error {
            if !e.code.is_empty() {
                return e.clone();
            }
        }
        ApiError {
            message: self.message.clone().unwrap_or_default(),
            code: self.code.clone().unwrap_or_default(),
            target: None,
        }
    }
}

/// `GET /api/cluster`.
#[derive(Debug, Deserialize)]
pub struct ClusterRecord {
    /// The cluster's name.
    pub name: String,
    /// Its uuid.
    pub uuid: Option<String>,
    /// Its ONTAP release.
    pub version: ClusterVersion,
}

/// `version` of `/api/cluster`.
#[derive(Debug, Deserialize)]
pub struct ClusterVersion {
    /// 9.
    pub generation: u8,
    /// 16 in 9.16.1.
    pub major: u8,
    /// 1 in 9.16.1.
    pub minor: u8,
    /// "NetApp Release 9.16.1: …".
    pub full: Option<String>,
}

/// An SVM record.
#[derive(Debug, Deserialize)]
pub struct SvmRecord {
    /// Its name.
    pub name: String,
}

/// A SnapMirror endpoint: `path`, `svm`, `cluster`.
#[derive(Debug, Default, Deserialize)]
pub struct EndpointRecord {
    /// `svm:volume`.
    pub path: Option<String>,
    /// Set when the endpoint is on another cluster.
    pub cluster: Option<Named>,
}

/// The relationship's current or last transfer.
#[derive(Debug, Default, Deserialize)]
pub struct TransferRecord {
    /// Present only while a transfer is active.
    pub uuid: Option<String>,
    /// `queued`, `transferring`, `success`, `failed`, `aborted`, `hard_aborted`.
    pub state: Option<String>,
    /// Bytes sent.
    pub bytes_transferred: Option<u64>,
}

/// One `unhealthy_reason` entry.
#[derive(Debug, Deserialize)]
pub struct Reason {
    /// Its message.
    #[serde(default)]
    pub message: String,
}

/// A SnapMirror relationship record.
#[derive(Debug, Deserialize)]
pub struct RelationshipRecord {
    /// Its uuid.
    pub uuid: String,
    /// Source endpoint.
    #[serde(default)]
    pub source: EndpointRecord,
    /// Destination endpoint.
    #[serde(default)]
    pub destination: EndpointRecord,
    /// Policy.
    pub policy: Option<Named>,
    /// Mirror state.
    pub state: Option<String>,
    /// Healthy.
    pub healthy: Option<bool>,
    /// Why not healthy.
    pub unhealthy_reason: Option<Vec<Reason>>,
    /// ISO-8601 duration.
    pub lag_time: Option<String>,
    /// The exported snapshot.
    pub exported_snapshot: Option<String>,
    /// The transfer.
    pub transfer: Option<TransferRecord>,
}

/// A relationship in the model, with the running transfer's uuid (needed to abort it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Relationship {
    /// The model.
    pub model: MirrorRelationship,
    /// The active transfer, when one runs.
    pub transfer_uuid: Option<String>,
}

fn protocol(endpoint: &str, message: String) -> Error {
    Error::Protocol {
        endpoint: endpoint.to_string(),
        message,
    }
}

fn required<T>(endpoint: &str, what: &str, field: &str, value: Option<T>) -> Result<T> {
    value.ok_or_else(|| protocol(endpoint, format!("{what} record has no `{field}`")))
}

fn parse_field<T, F>(endpoint: &str, what: &str, field: &str, value: &str, parse: F) -> Result<T>
where
    F: FnOnce(String) -> Result<T>,
{
    parse(value.to_string()).map_err(|e| {
        protocol(
            endpoint,
            format!("{what} record has an invalid `{field}` {value:?}: {e}"),
        )
    })
}

impl RelationshipRecord {
    /// Converts to the model. `endpoint` names the cluster for errors.
    pub fn into_model(self, endpoint: &str) -> Result<Relationship> {
        const WHAT: &str = "snapmirror relationship";
        let source = required(endpoint, WHAT, "source.path", self.source.path)?;
        let source = parse_field(endpoint, WHAT, "source.path", &source, |s| {
            VolumePath::parse(&s)
        })?;
        let destination = required(endpoint, WHAT, "destination.path", self.destination.path)?;
        let destination = parse_field(endpoint, WHAT, "destination.path", &destination, |s| {
            VolumePath::parse(&s)
        })?;
        let state = required(endpoint, WHAT, "state", self.state)?;
        let state = parse_field(endpoint, WHAT, "state", &state, |s| {
            s.parse::<MirrorState>().map_err(Error::InvalidArgument)
        })?;
        let transfer = self.transfer.unwrap_or_default();
        let busy = matches!(transfer.state.as_deref(), Some("transferring" | "queued"));
        let status = if busy {
            TransferStatus::Transferring
        } else {
            TransferStatus::Idle
        };
        // 9.8 reports no transfer type; a transfer of an uninitialized relationship is its
        // baseline, any other an update (a resync shows as an update).
        let kind = if state == MirrorState::Uninitialized {
            TransferKind::Initialize
        } else {
            TransferKind::Update
        };
        let bytes = transfer.bytes_transferred.unwrap_or(0);
        let progress = busy.then_some(TransferProgress {
            kind,
            bytes_transferred: bytes,
            total_bytes: None,
        });
        let last_transfer = match transfer.state.as_deref() {
            None | Some("transferring" | "queued") => None,
            Some("success") => Some(TransferResult::Success),
            Some("aborted" | "hard_aborted") => Some(TransferResult::Aborted),
            Some("failed") => Some(TransferResult::Failed(
                self.unhealthy_reason
                    .as_ref()
                    .and_then(|r| r.first())
                    .map(|r| r.message.clone())
                    .unwrap_or_else(|| "transfer failed".to_string()),
            )),
            Some(other) => {
                return Err(protocol(
                    endpoint,
                    format!("{WHAT} record has an unknown `transfer.state` {other:?}"),
                ))
            }
        }
        .map(|result| LastTransfer {
            kind,
            result,
            bytes_transferred: bytes,
            end_time: None,
        });
        let lag = match self.lag_time {
            Some(l) => Some(parse_field(endpoint, WHAT, "lag_time", &l, |s| {
                parse_iso_duration(&s).map_err(Error::InvalidArgument)
            })?),
            None => None,
        };
        let exported_snapshot = match self.exported_snapshot.filter(|s| !s.is_empty()) {
            Some(s) => Some(parse_field(
                endpoint,
                WHAT,
                "exported_snapshot",
                &s,
                SnapshotName::new,
            )?),
            None => None,
        };
        let reasons: Vec<String> = self
            .unhealthy_reason
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.message)
            .filter(|m| !m.is_empty())
            .collect();
        let cluster = |n: Option<Named>| {
            n.and_then(|n| n.name)
                .and_then(|n| ClusterName::new(n).ok())
        };
        Ok(Relationship {
            model: MirrorRelationship {
                uuid: self.uuid,
                source,
                destination,
                source_cluster: cluster(self.source.cluster),
                destination_cluster: cluster(self.destination.cluster),
                policy: self
                    .policy
                    .and_then(|p| p.name)
                    .unwrap_or_else(|| "Asynchronous".to_string()),
                state,
                transfer: status,
                progress,
                last_transfer,
                healthy: self.healthy.unwrap_or(true),
                unhealthy_reason: (!reasons.is_empty()).then(|| reasons.join("; ")),
                lag,
                exported_snapshot,
            },
            transfer_uuid: transfer.uuid.filter(|_| busy),
        })
    }
}

/// Parses an ISO-8601 duration as ONTAP writes `lag_time`: `PT8H35M42S`, `P1DT2H`, `PT0S`.
pub fn parse_iso_duration(s: &str) -> std::result::Result<Duration, String> {
    let bad = || format!("{s:?} is not an ISO-8601 duration such as PT8H35M42S");
    let rest = s.strip_prefix('P').ok_or_else(bad)?;
    if rest.is_empty() {
        return Err(bad());
    }
    let mut secs = 0f64;
    let mut in_time = false;
    let mut number = String::new();
    let mut saw_unit = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            unit => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                secs += n * match (in_time, unit) {
                    (false, 'Y') => 365.0 * 86400.0,
                    (false, 'M') => 30.0 * 86400.0,
                    (false, 'W') => 7.0 * 86400.0,
                    (false, 'D') => 86400.0,
                    (true, 'H') => 3600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    _ => return Err(bad()),
                };
                saw_unit = true;
            }
        }
    }
    if !number.is_empty() || !saw_unit {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// A volume record.
#[derive(Debug, Deserialize)]
pub struct VolumeRecord {
    /// Its uuid.
    pub uuid: String,
    /// Its name.
    pub name: Option<String>,
    /// Its SVM.
    pub svm: Option<Named>,
    /// rw, dp, ls.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// online, offline, restricted, …
    pub state: Option<String>,
    /// Size in bytes.
    pub size: Option<u64>,
    /// NAS settings.
    pub nas: Option<NasRecord>,
    /// FlexClone settings.
    pub clone: Option<CloneRecord>,
}

/// A volume's `nas`.
#[derive(Debug, Default, Deserialize)]
pub struct NasRecord {
    /// Junction path; absent (or empty) when unmounted.
    pub path: Option<String>,
    /// Export policy.
    pub export_policy: Option<Named>,
}

/// A volume's `clone`.
#[derive(Debug, Default, Deserialize)]
pub struct CloneRecord {
    /// Whether it is a FlexClone.
    pub is_flexclone: Option<bool>,
    /// Its parent volume.
    pub parent_volume: Option<Named>,
    /// Its parent snapshot.
    pub parent_snapshot: Option<Named>,
    /// Its parent's SVM.
    pub parent_svm: Option<Named>,
}

impl VolumeRecord {
    /// Converts to the model.
    pub fn into_model(self, endpoint: &str) -> Result<Volume> {
        const WHAT: &str = "volume";
        let name = required(endpoint, WHAT, "name", self.name)?;
        let svm = required(endpoint, WHAT, "svm.name", self.svm.and_then(|s| s.name))?;
        let path = parse_field(endpoint, WHAT, "name", &format!("{svm}:{name}"), |s| {
            VolumePath::parse(&s)
        })?;
        let kind = match required(endpoint, WHAT, "type", self.kind)?.as_str() {
            "rw" => VolumeType::Rw,
            "dp" | "ls" => VolumeType::Dp,
            other => {
                return Err(protocol(
                    endpoint,
                    format!("volume record has an unknown `type` {other:?}"),
                ))
            }
        };
        let state = match required(endpoint, WHAT, "state", self.state)?.as_str() {
            "online" => VolumeState::Online,
            "restricted" => VolumeState::Restricted,
            "offline" | "error" | "mixed" => VolumeState::Offline,
            other => {
                return Err(protocol(
                    endpoint,
                    format!("volume record has an unknown `state` {other:?}"),
                ))
            }
        };
        let nas = self.nas.unwrap_or_default();
        let junction_path = match nas.path.filter(|p| !p.is_empty()) {
            Some(p) => Some(parse_field(
                endpoint,
                WHAT,
                "nas.path",
                &p,
                vrepl_storage::model::JunctionPath::new,
            )?),
            None => None,
        };
        let export_policy = match nas.export_policy.and_then(|p| p.name) {
            Some(p) => Some(parse_field(
                endpoint,
                WHAT,
                "nas.export_policy.name",
                &p,
                PolicyName::new,
            )?),
            None => None,
        };
        let clone = self.clone.unwrap_or_default();
        let clone_parent = if clone.is_flexclone.unwrap_or(false) {
            let parent = required(
                endpoint,
                WHAT,
                "clone.parent_volume.name",
                clone.parent_volume.and_then(|p| p.name),
            )?;
            let parent_svm = clone
                .parent_svm
                .and_then(|s| s.name)
                .unwrap_or_else(|| path.svm.to_string());
            let snapshot = required(
                endpoint,
                WHAT,
                "clone.parent_snapshot.name",
                clone.parent_snapshot.and_then(|p| p.name),
            )?;
            Some(CloneParent {
                volume: parse_field(
                    endpoint,
                    WHAT,
                    "clone.parent_volume.name",
                    &format!("{parent_svm}:{parent}"),
                    |s| VolumePath::parse(&s),
                )?,
                snapshot: parse_field(
                    endpoint,
                    WHAT,
                    "clone.parent_snapshot.name",
                    &snapshot,
                    SnapshotName::new,
                )?,
            })
        } else {
            None
        };
        Ok(Volume {
            uuid: self.uuid,
            path,
            kind,
            state,
            size_bytes: self.size.unwrap_or(0),
            junction_path,
            export_policy,
            clone_parent,
        })
    }
}

/// A snapshot record.
#[derive(Debug, Deserialize)]
pub struct SnapshotRecord {
    /// Its uuid.
    pub uuid: String,
    /// Its name.
    pub name: Option<String>,
    /// RFC 3339.
    pub create_time: Option<String>,
    /// What holds it.
    #[serde(default)]
    pub owners: Vec<String>,
    /// 9.9+: how much it holds, in bytes.
    pub size: Option<u64>,
}

impl SnapshotRecord {
    /// Converts to the model. `changed_bytes` is ONTAP's `size` (9.9+); 9.8 reports no size,
    /// and it is 0.
    pub fn into_model(self, endpoint: &str) -> Result<Snapshot> {
        const WHAT: &str = "snapshot";
        let name = required(endpoint, WHAT, "name", self.name)?;
        let created = required(endpoint, WHAT, "create_time", self.create_time)?;
        Ok(Snapshot {
            uuid: self.uuid,
            name: parse_field(endpoint, WHAT, "name", &name, SnapshotName::new)?,
            create_time: parse_field(endpoint, WHAT, "create_time", &created, |s| {
                OffsetDateTime::parse(&s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| Error::InvalidArgument(e.to_string()))
            })?,
            changed_bytes: self.size.unwrap_or(0),
            owners: self.owners,
        })
    }
}

/// A snapshot's `delta` (9.12+): what changed between it and the active file system.
#[derive(Debug, Deserialize)]
pub struct SnapshotDeltaRecord {
    /// The snapshot.
    pub name: Option<String>,
    /// The delta.
    pub delta: Option<Delta>,
}

/// `delta`.
#[derive(Debug, Deserialize)]
pub struct Delta {
    /// Bytes that differ.
    pub size_consumed: Option<u64>,
    /// ISO-8601 duration between the two.
    pub time_elapsed: Option<String>,
}

/// A LUN record.
#[derive(Debug, Deserialize)]
pub struct LunRecord {
    /// Its uuid.
    pub uuid: String,
    /// `/vol/VOL/NAME`.
    pub name: Option<String>,
    /// Its SVM.
    pub svm: Option<Named>,
    /// 12 characters.
    pub serial_number: Option<String>,
    /// Administratively online.
    pub enabled: Option<bool>,
    /// Status.
    pub status: Option<LunStatus>,
    /// OS type.
    pub os_type: Option<String>,
    /// Space.
    pub space: Option<LunSpace>,
}

/// A LUN's `status`.
#[derive(Debug, Default, Deserialize)]
pub struct LunStatus {
    /// Read-only (the volume is a SnapMirror destination).
    pub read_only: Option<bool>,
    /// online, offline, …
    pub state: Option<String>,
}

/// A LUN's `space`.
#[derive(Debug, Default, Deserialize)]
pub struct LunSpace {
    /// Size in bytes.
    pub size: Option<u64>,
}

pub(crate) fn os_type(endpoint: &str, what: &str, s: &str) -> Result<OsType> {
    match s {
        "vmware" => Ok(OsType::Vmware),
        "linux" => Ok(OsType::Linux),
        "windows" | "windows_2008" | "windows_gpt" | "hyper_v" => Ok(OsType::Windows),
        other => Err(protocol(
            endpoint,
            format!("{what} record has an `os_type` {other:?} this driver does not model"),
        )),
    }
}

impl LunRecord {
    /// Converts to the model.
    pub fn into_model(self, endpoint: &str) -> Result<Lun> {
        const WHAT: &str = "LUN";
        let name = required(endpoint, WHAT, "name", self.name)?;
        let svm = required(endpoint, WHAT, "svm.name", self.svm.and_then(|s| s.name))?;
        let status = self.status.unwrap_or_default();
        Ok(Lun {
            uuid: self.uuid,
            svm: parse_field(endpoint, WHAT, "svm.name", &svm, SvmName::new)?,
            path: parse_field(endpoint, WHAT, "name", &name, |s| LunPath::parse(&s))?,
            serial: required(endpoint, WHAT, "serial_number", self.serial_number)?,
            online: required(endpoint, WHAT, "enabled", self.enabled)?,
            read_only: status.read_only.unwrap_or(false),
            os_type: os_type(
                endpoint,
                WHAT,
                &required(endpoint, WHAT, "os_type", self.os_type)?,
            )?,
            size_bytes: self.space.unwrap_or_default().size.unwrap_or(0),
        })
    }
}

/// An igroup record.
#[derive(Debug, Deserialize)]
pub struct IgroupRecord {
    /// Its uuid.
    pub uuid: String,
    /// Its name.
    pub name: Option<String>,
    /// Its SVM.
    pub svm: Option<Named>,
    /// fcp, iscsi, mixed.
    pub protocol: Option<String>,
    /// OS type.
    pub os_type: Option<String>,
    /// Members.
    #[serde(default)]
    pub initiators: Vec<Named>,
}

impl IgroupRecord {
    /// Converts to the model.
    pub fn into_model(self, endpoint: &str) -> Result<Igroup> {
        const WHAT: &str = "igroup";
        let name = required(endpoint, WHAT, "name", self.name)?;
        let svm = required(endpoint, WHAT, "svm.name", self.svm.and_then(|s| s.name))?;
        let protocol_name = self.protocol.unwrap_or_else(|| "mixed".to_string());
        let protocol = match protocol_name.as_str() {
            "fcp" => IgroupProtocol::Fcp,
            "iscsi" => IgroupProtocol::Iscsi,
            "mixed" => IgroupProtocol::Mixed,
            other => {
                return Err(protocol(
                    endpoint,
                    format!("igroup record has an unknown `protocol` {other:?}"),
                ))
            }
        };
        let initiators = self
            .initiators
            .into_iter()
            .filter_map(|i| i.name)
            .map(|n| {
                parse_field(endpoint, WHAT, "initiators.name", &n, |s| {
                    Initiator::parse(&s)
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Igroup {
            uuid: self.uuid,
            svm: parse_field(endpoint, WHAT, "svm.name", &svm, SvmName::new)?,
            name: parse_field(endpoint, WHAT, "name", &name, IgroupName::new)?,
            protocol,
            os_type: os_type(
                endpoint,
                WHAT,
                &required(endpoint, WHAT, "os_type", self.os_type)?,
            )?,
            initiators,
        })
    }
}

/// A LUN map record.
#[derive(Debug, Deserialize)]
pub struct LunMapRecord {
    /// Its SVM.
    pub svm: Option<Named>,
    /// The LUN.
    pub lun: Option<Named>,
    /// The igroup.
    pub igroup: Option<Named>,
    /// The LUN id.
    pub logical_unit_number: Option<u32>,
}

impl LunMapRecord {
    /// Converts to the model.
    pub fn into_model(self, endpoint: &str) -> Result<LunMap> {
        const WHAT: &str = "LUN map";
        let svm = required(endpoint, WHAT, "svm.name", self.svm.and_then(|s| s.name))?;
        let lun = required(endpoint, WHAT, "lun.name", self.lun.and_then(|s| s.name))?;
        let igroup = required(
            endpoint,
            WHAT,
            "igroup.name",
            self.igroup.and_then(|s| s.name),
        )?;
        Ok(LunMap {
            svm: parse_field(endpoint, WHAT, "svm.name", &svm, SvmName::new)?,
            lun: parse_field(endpoint, WHAT, "lun.name", &lun, |s| LunPath::parse(&s))?,
            igroup: parse_field(endpoint, WHAT, "igroup.name", &igroup, IgroupName::new)?,
            lun_id: required(
                endpoint,
                WHAT,
                "logical_unit_number",
                self.logical_unit_number,
            )?,
        })
    }
}

/// A LUN map's identifying uuids, for `DELETE /protocols/san/lun-maps/{lun.uuid}/{igroup.uuid}`.
#[derive(Debug, Deserialize)]
pub struct LunMapKeys {
    /// The LUN.
    pub lun: Named,
    /// The igroup.
    pub igroup: Named,
}

/// An export policy record.
#[derive(Debug, Deserialize)]
pub struct ExportPolicyRecord {
    /// Its id (an integer).
    pub id: u64,
    /// Its name.
    pub name: Option<String>,
}

/// One client match of an export rule.
#[derive(Debug, Deserialize)]
pub struct ClientMatch {
    /// `0.0.0.0/0`, an address or a subnet.
    #[serde(rename = "match")]
    pub matches: String,
}

/// An export rule record.
#[derive(Debug, Deserialize)]
pub struct ExportRuleRecord {
    /// Its index in the policy.
    pub index: Option<u32>,
    /// Client matches.
    #[serde(default)]
    pub clients: Vec<ClientMatch>,
    /// Read/write flavors.
    #[serde(default)]
    pub rw_rule: Vec<String>,
    /// Superuser flavors.
    #[serde(default)]
    pub superuser: Vec<String>,
}

impl ExportRuleRecord {
    /// Converts to the model: clients joined with `,`; writable and root access unless the
    /// flavors say `never`/`none`.
    pub fn into_model(self, endpoint: &str) -> Result<ExportRule> {
        let grants = |flavors: &[String]| flavors.iter().any(|f| f != "never" && f != "none");
        Ok(ExportRule {
            index: required(endpoint, "export rule", "index", self.index)?,
            clients: self
                .clients
                .into_iter()
                .map(|c| c.matches)
                .collect::<Vec<_>>()
                .join(","),
            read_write: grants(&self.rw_rule),
            superuser: grants(&self.superuser),
        })
    }
}

/// Decodes a JSON body, naming what was being read when it is not what ONTAP documents.
pub fn decode<T: serde::de::DeserializeOwned>(
    endpoint: &str,
    what: &str,
    body: &[u8],
) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| {
        let snippet: String = String::from_utf8_lossy(body).chars().take(120).collect();
        protocol(
            endpoint,
            format!("cannot read the answer to {what}: {e} (body starts {snippet:?})"),
        )
    })
}

/// A record of an ONTAP collection that converts to a model object.
pub trait Record: serde::de::DeserializeOwned {
    /// The model object it becomes.
    type Model;
    /// Converts it, naming `endpoint` in any error.
    fn to_model(self, endpoint: &str) -> Result<Self::Model>;
}

macro_rules! records {
    ($($record:ty => $model:ty),* $(,)?) => {
        $(impl Record for $record {
            type Model = $model;
            fn to_model(self, endpoint: &str) -> Result<$model> {
                self.into_model(endpoint)
            }
        })*
    };
}

records! {
    VolumeRecord => Volume,
    LunRecord => Lun,
    IgroupRecord => Igroup,
    LunMapRecord => LunMap,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations_parse() {
        assert_eq!(
            parse_iso_duration("PT8H35M42S").unwrap(),
            Duration::from_secs(8 * 3600 + 35 * 60 + 42)
        );
        assert_eq!(
            parse_iso_duration("P1DT2H").unwrap(),
            Duration::from_secs(26 * 3600)
        );
        assert_eq!(parse_iso_duration("PT0S").unwrap(), Duration::ZERO);
        assert_eq!(
            parse_iso_duration("PT1.5S").unwrap(),
            Duration::from_millis(1500)
        );
        for bad in ["", "P", "8H", "PT", "PT5", "PT5X", "P5H"] {
            assert!(parse_iso_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn error_code_may_be_string_or_number() {
        let e: ErrorBody = serde_json::from_str(
            r#"{"error":{"message":"entry doesn't exist","code":"4","target":"uuid"}}"#,
        )
        .unwrap();
        assert_eq!(e.error.code, "4");
        let j: Job = serde_json::from_str(
            r#"{"uuid":"u","state":"failure","code":1638555,"message":"locked"}"#,
        )
        .unwrap();
        assert_eq!(j.failure().code, "1638555");
    }
}

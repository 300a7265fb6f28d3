//! A SnapMirror relationship as seen from its destination, and the reports operations return.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::state::{MirrorOp, MirrorState, TransferKind, TransferStatus};
use crate::model::{ClusterName, SnapshotName, VolumePath};

/// A running transfer's progress.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferProgress {
    /// initialize, update or resync.
    pub kind: TransferKind,
    /// Bytes sent so far.
    pub bytes_transferred: u64,
    /// Bytes the transfer will send, when the backend knows it.
    pub total_bytes: Option<u64>,
}

impl TransferProgress {
    /// Percent done, when the total is known.
    pub fn percent(&self) -> Option<u8> {
        self.total_bytes.map(|t| {
            if t == 0 {
                100
            } else {
                ((self.bytes_transferred.min(t) as u128 * 100) / t as u128) as u8
            }
        })
    }
}

/// How the last transfer ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "message")]
pub enum TransferResult {
    /// It completed.
    Success,
    /// It failed, with the array's reason.
    Failed(String),
    /// It was aborted.
    Aborted,
}

/// The last finished transfer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastTransfer {
    /// initialize, update or resync.
    pub kind: TransferKind,
    /// How it ended.
    pub result: TransferResult,
    /// Bytes it sent.
    pub bytes_transferred: u64,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub end_time: Option<OffsetDateTime>,
}

/// A SnapMirror relationship, as reported by the destination cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MirrorRelationship {
    /// The array's identifier.
    pub uuid: String,
    /// `svm:volume` of the source.
    pub source: VolumePath,
    /// `svm:volume` of the destination.
    pub destination: VolumePath,
    /// The source's cluster, when the backend reports it.
    pub source_cluster: Option<ClusterName>,
    /// The destination's cluster, when the backend reports it.
    pub destination_cluster: Option<ClusterName>,
    /// The SnapMirror policy (`Asynchronous`, `MirrorAllSnapshots`, …).
    pub policy: String,
    /// Mirror state.
    pub state: MirrorState,
    /// Transfer status.
    pub transfer: TransferStatus,
    /// Progress of the running transfer.
    pub progress: Option<TransferProgress>,
    /// The last transfer that ended.
    pub last_transfer: Option<LastTransfer>,
    /// Whether ONTAP considers the relationship healthy.
    pub healthy: bool,
    /// Why not, when it is not.
    pub unhealthy_reason: Option<String>,
    /// Age of the newest snapshot the destination holds: the data at risk if the source died now.
    #[serde(with = "duration_secs_option")]
    pub lag: Option<Duration>,
    /// The snapshot the destination exports (the newest common one while snapmirrored).
    pub exported_snapshot: Option<SnapshotName>,
}

impl MirrorRelationship {
    /// `source -> destination`, for messages.
    pub fn describe(&self) -> String {
        format!("{} -> {}", self.source, self.destination)
    }
}

/// What an operation did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpReport {
    /// The operation.
    pub op: MirrorOp,
    /// The relationship afterwards (after a reverse-resync: the new, reversed one). `None` after a
    /// delete.
    pub relationship: Option<MirrorRelationship>,
    /// Set when nothing had to be done, with why ("is already broken-off").
    pub already: Option<String>,
    /// What the operation discarded (a resync's rolled-back snapshots and writes).
    pub discarded: Option<Discard>,
}

impl OpReport {
    /// Whether the operation found the relationship already where it leads.
    pub fn was_already(&self) -> bool {
        self.already.is_some()
    }
}

/// Data a resync (or reverse resync) throws away on the side that becomes the destination.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discard {
    /// Snapshots newer than the common snapshot, deleted by the roll-back.
    pub snapshots: Vec<SnapshotName>,
    /// Bytes those snapshots and the writes since the newest of them hold.
    pub bytes: u64,
    /// Bytes written to the active file system since its newest snapshot, lost by the roll-back.
    pub unsnapshotted_bytes: u64,
    /// The backend cannot measure what was written since the common snapshot (ONTAP before
    /// 9.12 has no snapshot `delta` in its REST API), so a loss must be assumed.
    #[serde(default)]
    pub unmeasured: bool,
}

impl Discard {
    /// Whether anything would be lost.
    pub fn is_empty(&self) -> bool {
        self.snapshots.is_empty()
            && self.bytes == 0
            && self.unsnapshotted_bytes == 0
            && !self.unmeasured
    }

    /// Bytes lost in all.
    pub fn total_bytes(&self) -> u64 {
        self.bytes + self.unsnapshotted_bytes
    }
}

/// Describes the loss for people: `snapshots hourly.0 (2.0 KiB) and 10 B written since the last
/// snapshot`, or `nothing` when the discard is empty.
impl std::fmt::Display for Discard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use crate::error::human_bytes;
        let mut parts = Vec::new();
        if !self.snapshots.is_empty() {
            let names: Vec<&str> = self.snapshots.iter().map(|s| s.as_str()).collect();
            parts.push(format!(
                "snapshots {} ({})",
                names.join(", "),
                human_bytes(self.bytes)
            ));
        }
        if self.unsnapshotted_bytes > 0 {
            parts.push(format!(
                "{} written since the last snapshot",
                human_bytes(self.unsnapshotted_bytes)
            ));
        }
        if self.unmeasured {
            parts.push(
                "whatever was written since the common snapshot (this array cannot measure it)"
                    .to_string(),
            );
        }
        if parts.is_empty() {
            parts.push("nothing".to_string());
        }
        f.write_str(&parts.join(" and "))
    }
}

/// What a resync (or reverse resync) would do, computed before anything is changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResyncPreview {
    /// The relationship as it is now.
    pub relationship: MirrorRelationship,
    /// The volume that will be rolled back and become the destination.
    pub rolled_back: VolumePath,
    /// The newest snapshot both sides hold; `None` means resync is impossible (initialize instead).
    pub common_snapshot: Option<SnapshotName>,
    /// What the roll-back discards.
    pub discard: Discard,
}

/// What `break` does about a running transfer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnTransfer {
    /// Refuse, naming the transfer's progress.
    #[default]
    Fail,
    /// Wait for it to finish (the destination then holds the newest data).
    Wait,
    /// Abort it (the destination stays at the last complete snapshot).
    Abort,
}

/// Whether a resync may throw data away.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscardPolicy {
    /// Refuse with [`crate::Error::WouldLoseData`] if anything would be discarded.
    #[default]
    Refuse,
    /// Discard what the preview lists.
    Accept,
}

/// Which records a delete removes (REST `DELETE` flags).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteScope {
    /// Delete on both sides and release the source (its SnapMirror snapshots go).
    #[default]
    Full,
    /// Remove only the destination's record.
    DestinationOnly,
    /// Remove the source's record but keep the common snapshots, so a later resync works.
    SourceInfoOnly,
}

/// What to create: a relationship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewRelationship {
    /// `svm:volume` of the source.
    pub source: VolumePath,
    /// `svm:volume` of the destination (a dp volume).
    pub destination: VolumePath,
    /// Policy name; `None` means ONTAP's default, `Asynchronous`.
    pub policy: Option<String>,
}

mod duration_secs_option {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Option<Duration>, s: S) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_some(&d.as_secs()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Duration>, D::Error> {
        Ok(Option::<u64>::deserialize(d)?.map(Duration::from_secs))
    }
}

//! SnapMirror states, transfer states and operations, with the spellings ONTAP uses.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The mirror state of a relationship (REST `state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MirrorState {
    /// Created, baseline not yet complete.
    Uninitialized,
    /// Replicating: the destination is a read-only (dp) copy.
    Snapmirrored,
    /// Quiesced: no new transfers start (the CLI says "Quiesced").
    Paused,
    /// Broken off: the destination is writable and replication is stopped.
    BrokenOff,
}

impl MirrorState {
    /// Every state, for exhaustive tables and tests.
    pub const ALL: [MirrorState; 4] = [
        Self::Uninitialized,
        Self::Snapmirrored,
        Self::Paused,
        Self::BrokenOff,
    ];

    /// The REST spelling (`broken_off`).
    pub fn as_rest(&self) -> &'static str {
        match self {
            Self::Uninitialized => "uninitialized",
            Self::Snapmirrored => "snapmirrored",
            Self::Paused => "paused",
            Self::BrokenOff => "broken_off",
        }
    }

    /// The CLI spelling of `snapmirror show` (`Broken-off`).
    pub fn as_cli(&self) -> &'static str {
        match self {
            Self::Uninitialized => "Uninitialized",
            Self::Snapmirrored => "Snapmirrored",
            Self::Paused => "Quiesced",
            Self::BrokenOff => "Broken-off",
        }
    }
}

impl fmt::Display for MirrorState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Uninitialized => "uninitialized",
            Self::Snapmirrored => "snapmirrored",
            Self::Paused => "quiesced",
            Self::BrokenOff => "broken-off",
        })
    }
}

impl FromStr for MirrorState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().replace('-', "_").as_str() {
            "uninitialized" => Ok(Self::Uninitialized),
            "snapmirrored" => Ok(Self::Snapmirrored),
            "paused" | "quiesced" => Ok(Self::Paused),
            "broken_off" => Ok(Self::BrokenOff),
            other => Err(format!("unknown mirror state {other:?}")),
        }
    }
}

/// What the relationship's transfer engine is doing (the CLI's "Relationship Status").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferStatus {
    /// No transfer running.
    Idle,
    /// A transfer is running.
    Transferring,
    /// A quiesce was requested while a transfer ran: it finishes, then the relationship is paused.
    Quiescing,
}

impl TransferStatus {
    /// Every status, for exhaustive tables and tests.
    pub const ALL: [TransferStatus; 3] = [Self::Idle, Self::Transferring, Self::Quiescing];

    /// The CLI spelling (`Idle`, `Transferring`, `Quiescing`).
    pub fn as_cli(&self) -> &'static str {
        match self {
            Self::Idle => "Idle",
            Self::Transferring => "Transferring",
            Self::Quiescing => "Quiescing",
        }
    }

    /// Whether a transfer is running (quiescing included).
    pub fn is_busy(&self) -> bool {
        !matches!(self, Self::Idle)
    }
}

impl fmt::Display for TransferStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Idle => "idle",
            Self::Transferring => "transferring",
            Self::Quiescing => "quiescing",
        })
    }
}

/// The kind of a transfer (REST `transfer.type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferKind {
    /// The baseline: everything.
    Initialize,
    /// An incremental update: the changes since the last common snapshot.
    Update,
    /// A resync: roll back to the common snapshot, then send what is newer.
    Resync,
}

impl fmt::Display for TransferKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Initialize => "initialize",
            Self::Update => "update",
            Self::Resync => "resync",
        })
    }
}

/// An operation on a relationship.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MirrorOp {
    /// Start the baseline transfer.
    Initialize,
    /// Transfer the source's changes since the last update.
    Update,
    /// Let a running transfer finish and block new ones.
    Quiesce,
    /// Undo a quiesce.
    Resume,
    /// Stop replication and make the destination writable.
    Break,
    /// Re-establish a broken-off relationship in its direction, rolling the destination back.
    Resync,
    /// Re-establish it the other way round: the old destination becomes the source.
    ReverseResync,
    /// On the source: forget the destination and its SnapMirror snapshots.
    Release,
    /// On the destination: remove the relationship.
    Delete,
}

impl MirrorOp {
    /// Every operation, for exhaustive tables and tests.
    pub const ALL: [MirrorOp; 9] = [
        Self::Initialize,
        Self::Update,
        Self::Quiesce,
        Self::Resume,
        Self::Break,
        Self::Resync,
        Self::ReverseResync,
        Self::Release,
        Self::Delete,
    ];

    /// Whether the operation can destroy data on one side.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Self::Resync | Self::ReverseResync | Self::Release | Self::Delete | Self::Initialize
        )
    }
}

impl fmt::Display for MirrorOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Initialize => "initialize",
            Self::Update => "update",
            Self::Quiesce => "quiesce",
            Self::Resume => "resume",
            Self::Break => "break",
            Self::Resync => "resync",
            Self::ReverseResync => "reverse-resync",
            Self::Release => "release",
            Self::Delete => "delete",
        })
    }
}

//! The JSON documents `--output json` prints. These field names are the stable interface for
//! scripts: fields may be added, never renamed or removed.
//!
//! - `show`: `{"relationships": [Relationship…], "unreachable": [{"cluster", "error"}]}`
//! - a mirror verb (`break`, `resync`, …): [`OpView`]
//! - any verb with `--dry-run`: [`DryRunView`]
//! - `check`: [`crate::checks::CheckReport`]
//! - an error: `{"error": {"kind", "exit_code", "message", "hint", "details"}}`
//!
//! States use ONTAP's REST spellings: `mirror_state` is `uninitialized`, `snapmirrored`,
//! `paused` (quiesced) or `broken_off`; `relationship_status` is `idle`, `transferring` or
//! `quiescing`.

use serde::Serialize;
use time::format_description::well_known::Rfc3339;
use vrepl_storage::mirror::{MirrorRelationship, OpReport, TransferResult};

use crate::backend::Unreachable;
use crate::exit::{CliError, ErrorKind};

/// One relationship.
#[derive(Debug, Clone, Serialize)]
pub struct RelationshipView {
    /// The cluster holding the destination (where SnapMirror commands run).
    pub cluster: String,
    /// `svm:volume` of the source.
    pub source_path: String,
    /// `svm:volume` of the destination.
    pub destination_path: String,
    /// The source's cluster, when known.
    pub source_cluster: Option<String>,
    /// `uninitialized`, `snapmirrored`, `paused`, `broken_off`.
    pub mirror_state: &'static str,
    /// `idle`, `transferring`, `quiescing`.
    pub relationship_status: String,
    /// Seconds of data at risk (age of the newest snapshot on the destination).
    pub lag_seconds: Option<u64>,
    /// Whether ONTAP considers it healthy.
    pub healthy: bool,
    /// Why not.
    pub unhealthy_reason: Option<String>,
    /// The SnapMirror policy.
    pub policy: String,
    /// The snapshot the destination exports.
    pub exported_snapshot: Option<String>,
    /// The running transfer.
    pub transfer: Option<TransferView>,
    /// The last finished transfer.
    pub last_transfer: Option<LastTransferView>,
}

/// A running transfer.
#[derive(Debug, Clone, Serialize)]
pub struct TransferView {
    /// `initialize`, `update`, `resync`.
    pub kind: String,
    /// Bytes sent so far.
    pub bytes_transferred: u64,
    /// Bytes in all, when known.
    pub total_bytes: Option<u64>,
    /// Percent done, when known.
    pub percent: Option<u8>,
}

/// The last finished transfer.
#[derive(Debug, Clone, Serialize)]
pub struct LastTransferView {
    /// `initialize`, `update`, `resync`.
    pub kind: String,
    /// `success`, `failed`, `aborted`.
    pub result: &'static str,
    /// The failure's message.
    pub message: Option<String>,
    /// Bytes sent.
    pub bytes_transferred: u64,
    /// RFC 3339.
    pub end_time: Option<String>,
}

impl RelationshipView {
    /// The view of `rel`, held by `cluster`.
    pub fn new(cluster: &str, rel: &MirrorRelationship) -> Self {
        Self {
            cluster: cluster.to_string(),
            source_path: rel.source.to_string(),
            destination_path: rel.destination.to_string(),
            source_cluster: rel.source_cluster.as_ref().map(|c| c.to_string()),
            mirror_state: rel.state.as_rest(),
            relationship_status: rel.transfer.to_string(),
            lag_seconds: rel.lag.map(|d| d.as_secs()),
            healthy: rel.healthy,
            unhealthy_reason: rel.unhealthy_reason.clone(),
            policy: rel.policy.clone(),
            exported_snapshot: rel.exported_snapshot.as_ref().map(|s| s.to_string()),
            transfer: rel.progress.as_ref().map(|p| TransferView {
                kind: p.kind.to_string(),
                bytes_transferred: p.bytes_transferred,
                total_bytes: p.total_bytes,
                percent: p.percent(),
            }),
            last_transfer: rel.last_transfer.as_ref().map(|t| {
                let (result, message) = match &t.result {
                    TransferResult::Success => ("success", None),
                    TransferResult::Failed(m) => ("failed", Some(m.clone())),
                    TransferResult::Aborted => ("aborted", None),
                };
                LastTransferView {
                    kind: t.kind.to_string(),
                    result,
                    message,
                    bytes_transferred: t.bytes_transferred,
                    end_time: t.end_time.and_then(|e| e.format(&Rfc3339).ok()),
                }
            }),
        }
    }
}

/// A cluster that did not answer.
#[derive(Debug, Clone, Serialize)]
pub struct UnreachableView {
    /// Which.
    pub cluster: String,
    /// Why.
    pub error: String,
}

impl From<&Unreachable> for UnreachableView {
    fn from(u: &Unreachable) -> Self {
        Self {
            cluster: u.cluster.to_string(),
            error: u.reason.clone(),
        }
    }
}

/// What a mirror verb did.
#[derive(Debug, Clone, Serialize)]
pub struct OpView {
    /// `break`, `resync`, `reverse-resync`, …
    pub op: String,
    /// The destination it was applied to (`svm:volume`).
    pub destination_path: String,
    /// The cluster it ran on.
    pub cluster: String,
    /// True when nothing had to be done.
    pub already: bool,
    /// Why nothing had to be done ("is already broken-off").
    pub note: Option<String>,
    /// The relationship afterwards (after reverse-resync: the reversed one); absent after delete.
    pub relationship: Option<RelationshipView>,
    /// Snapshots the operation discarded.
    pub discarded_snapshots: Vec<String>,
    /// Bytes it discarded.
    pub discarded_bytes: u64,
}

impl OpView {
    /// The view of a report.
    pub fn new(cluster: &str, destination: &str, report: &OpReport) -> Self {
        let relationship = report.relationship.as_ref().map(|r| {
            let holder = r
                .destination_cluster
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(|| cluster.to_string());
            RelationshipView::new(&holder, r)
        });
        Self {
            op: report.op.to_string(),
            destination_path: destination.to_string(),
            cluster: cluster.to_string(),
            already: report.was_already(),
            note: report.already.clone(),
            relationship,
            discarded_snapshots: report
                .discarded
                .as_ref()
                .map(|d| d.snapshots.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            discarded_bytes: report
                .discarded
                .as_ref()
                .map(|d| d.total_bytes())
                .unwrap_or(0),
        }
    }
}

/// What a `--dry-run` would have done.
#[derive(Debug, Clone, Serialize)]
pub struct DryRunView {
    /// Always true.
    pub dry_run: bool,
    /// The calls, in order, as `cluster: method(arguments)`.
    pub calls: Vec<String>,
    /// What the transition table predicts, in a sentence.
    pub prediction: Option<String>,
}

/// An error.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorView {
    /// The error.
    pub error: ErrorBody,
}

/// An error's fields.
#[derive(Debug, Clone, Serialize)]
pub struct ErrorBody {
    /// `failure`, `usage`, `not_found`, `illegal_state`, `would_lose_data`, `connection`, `timeout`.
    pub kind: ErrorKind,
    /// The process exit code.
    pub exit_code: u8,
    /// What went wrong.
    pub message: String,
    /// What to do next.
    pub hint: Option<String>,
    /// Extra lines.
    pub details: Vec<String>,
}

impl From<&CliError> for ErrorView {
    fn from(e: &CliError) -> Self {
        Self {
            error: ErrorBody {
                kind: e.kind,
                exit_code: e.exit_code(),
                message: e.message.clone(),
                hint: e.hint.clone(),
                details: e.details.clone(),
            },
        }
    }
}

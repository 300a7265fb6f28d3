//! SnapMirror data movement: snapshots, transfers that take simulated time, completion, and
//! the roll-back a resync does.
//!
//! Transfers complete lazily: every call that touches the world first runs [`World::advance`],
//! which settles every running transfer up to "now" on the simulated clock. No background task
//! is needed, so this works with a paused tokio clock and across processes.

use std::time::Duration;

use time::OffsetDateTime;

use super::types::Fault;
use super::world::{unreachable, Relationship, Running, SimSnapshot, World};
use crate::error::{Error, ObjectKind, Result};
use crate::mirror::{
    after_transfer, Discard, LastTransfer, MirrorRelationship, TransferKind, TransferProgress,
    TransferResult,
};
use crate::model::{SnapshotName, VolumePath, VolumeState};

const NANOS_PER_SEC: u128 = 1_000_000_000;

impl World {
    /// Takes a snapshot of a volume's active file system; it records the bytes written since
    /// the previous one.
    pub(crate) fn take_snapshot(
        &mut self,
        volume: &VolumePath,
        name: SnapshotName,
    ) -> Result<SimSnapshot> {
        let now = self.now();
        let uuid = self.ids.uuid();
        let vol = self.volume_mut(volume)?;
        if vol.snapshot(&name).is_some() {
            return Err(Error::AlreadyExists {
                kind: ObjectKind::Snapshot,
                name: format!("{name} in {volume}"),
            });
        }
        let snap = SimSnapshot {
            uuid,
            name,
            create_time: now,
            changed_bytes: vol.unsnapshotted_bytes,
            image: vol.active.clone(),
        };
        vol.unsnapshotted_bytes = 0;
        vol.snapshots.push(snap.clone());
        Ok(snap)
    }

    /// `snapmirror.<dest-svm-uuid>_<msid>.<YYYY-MM-DD_HHMMSS>`, unique on the source volume.
    fn next_mirror_snapshot_name(&self, rel: &Relationship) -> Result<SnapshotName> {
        let source = self.volume(&rel.source)?;
        let mut t = self.now();
        loop {
            let name = SnapshotName::new(format!(
                "{}{:04}-{:02}-{:02}_{:02}{:02}{:02}",
                rel.snapshot_prefix,
                t.year(),
                t.month() as u8,
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ))?;
            if source.snapshot(&name).is_none() {
                return Ok(name);
            }
            t += Duration::from_secs(1);
        }
    }

    /// Bytes changed on `volume` in the snapshots newer than `common` (everything, without one).
    fn changed_since(&self, volume: &VolumePath, common: Option<&SnapshotName>) -> Result<u64> {
        let vol = self.volume(volume)?;
        let start = match common.and_then(|c| vol.snapshots.iter().position(|s| &s.name == c)) {
            Some(i) => i + 1,
            None => {
                return Ok(vol.snapshots.last().map(|s| s.image.bytes()).unwrap_or(0));
            }
        };
        Ok(vol.snapshots[start..].iter().map(|s| s.changed_bytes).sum())
    }

    /// The newest snapshot `rolled` holds that `other` holds too.
    pub(crate) fn common_snapshot(
        &self,
        other: &VolumePath,
        rolled: &VolumePath,
    ) -> Result<Option<SnapshotName>> {
        let a = self.volume(other)?;
        let b = self.volume(rolled)?;
        Ok(b.snapshots
            .iter()
            .rev()
            .find(|s| a.snapshots.iter().any(|t| t.same_as(s)))
            .map(|s| s.name.clone()))
    }

    /// What rolling `rolled` back to `common` would throw away.
    pub(crate) fn discard_of(
        &self,
        rolled: &VolumePath,
        common: Option<&SnapshotName>,
    ) -> Result<Discard> {
        let vol = self.volume(rolled)?;
        let newer: Vec<&SimSnapshot> = match common {
            Some(c) => match vol.snapshots.iter().position(|s| &s.name == c) {
                Some(i) => vol.snapshots[i + 1..].iter().collect(),
                None => vol.snapshots.iter().collect(),
            },
            None => vol.snapshots.iter().collect(),
        };
        Ok(Discard {
            snapshots: newer.iter().map(|s| s.name.clone()).collect(),
            bytes: newer.iter().map(|s| s.changed_bytes).sum(),
            unsnapshotted_bytes: vol.unsnapshotted_bytes,
            unmeasured: false,
        })
    }

    /// Rolls `rolled` back to `common`: its content becomes the snapshot's and newer snapshots
    /// are deleted. Refused (changing nothing) when a FlexClone holds one of them.
    pub(crate) fn roll_back(&mut self, rolled: &VolumePath, common: &SnapshotName) -> Result<()> {
        let clones = self.clones_of(rolled);
        let vol = self.volume(rolled)?;
        let pos = vol
            .snapshots
            .iter()
            .position(|s| &s.name == common)
            .ok_or_else(|| {
                Error::not_found(ObjectKind::Snapshot, format!("{common} in {rolled}"))
            })?;
        for s in &vol.snapshots[pos + 1..] {
            if let Some((clone, _)) = clones.iter().find(|(_, held)| held == &s.name) {
                return Err(Error::Busy {
                    kind: ObjectKind::Snapshot,
                    name: format!("{} in {rolled}", s.name),
                    reason: format!(
                        "FlexClone {clone} was created from it and the roll-back would delete it; split or delete the clone first"
                    ),
                });
            }
        }
        let ids = &mut self.ids;
        let svm = self
            .clusters
            .values_mut()
            .find_map(|c| c.svms.get_mut(rolled.svm.as_str()))
            .ok_or_else(|| Error::not_found(ObjectKind::Svm, &rolled.svm))?;
        let vol = svm.volume_mut(rolled.volume.as_str())?;
        vol.snapshots.truncate(pos + 1);
        vol.active = vol.snapshots[pos].image.clone();
        vol.unsnapshotted_bytes = 0;
        let gone = vol.reconcile_luns(ids, true);
        svm.drop_maps_of(rolled.volume.as_str(), &gone);
        Ok(())
    }

    /// Starts a transfer on relationship `idx`: a new SnapMirror snapshot on the source, sent
    /// in `changed bytes / bandwidth` of simulated time.
    pub(crate) fn start_transfer(&mut self, idx: usize, kind: TransferKind) -> Result<()> {
        let rel = self.relationships[idx].clone();
        self.check_reachable(rel.source_cluster.as_str())?;
        self.volume(&rel.source)?.check_online().map_err(|_| {
            Error::InvalidArgument(format!(
                "the source {} is not online; bring it online before transferring",
                rel.source
            ))
        })?;
        let common = self.common_snapshot(&rel.source, &rel.destination)?;
        if kind == TransferKind::Update && common.is_none() {
            // ONTAP refuses an incremental update without a base to send changes against.
            return Err(Error::NoCommonSnapshot {
                target: rel.destination.to_string(),
            });
        }
        let name = self.next_mirror_snapshot_name(&rel)?;
        self.take_snapshot(&rel.source, name.clone())?;
        let total_bytes = match kind {
            TransferKind::Initialize => self.changed_since(&rel.source, None)?,
            _ => self.changed_since(&rel.source, common.as_ref())?,
        };
        let now = self.now();
        tracing::debug!(
            destination = %rel.destination,
            %kind,
            snapshot = %name,
            bytes = total_bytes,
            "transfer started"
        );
        self.relationships[idx].running = Some(Running {
            kind,
            snapshot: name,
            total_bytes,
            bytes_done: 0,
            accounted_to: now,
        });
        Ok(())
    }

    /// Settles every running transfer up to now.
    pub(crate) fn advance(&mut self) {
        let now = self.now();
        let bandwidth = self.bandwidth.max(1) as u128;
        for idx in 0..self.relationships.len() {
            let rel = &self.relationships[idx];
            let Some(run) = rel.running.clone() else {
                continue;
            };
            let down = [&rel.source_cluster, &rel.destination_cluster]
                .into_iter()
                .find(|c| self.unreachable.contains(c.as_str()));
            if let Some(down) = down {
                let message = unreachable(down.as_str()).to_string();
                self.finish(idx, now, TransferResult::Failed(message));
                continue;
            }
            let elapsed = (now - run.accounted_to).whole_nanoseconds().max(0) as u128;
            let can_send = bandwidth * elapsed / NANOS_PER_SEC;
            let remaining = (run.total_bytes - run.bytes_done) as u128;
            if can_send >= remaining {
                let needed = remaining * NANOS_PER_SEC / bandwidth;
                let end = run.accounted_to + Duration::from_nanos(needed as u64);
                match self.transfer_fault(idx) {
                    Some(message) => self.finish(idx, end, TransferResult::Failed(message)),
                    None => self.complete_at(idx, end),
                }
            } else if let Some(r) = self.relationships[idx].running.as_mut() {
                r.bytes_done += can_send as u64;
                r.accounted_to = now;
            }
        }
    }

    /// The message of a `FailTransfers` fault on either end of relationship `idx`.
    fn transfer_fault(&self, idx: usize) -> Option<String> {
        let rel = &self.relationships[idx];
        [&rel.source_cluster, &rel.destination_cluster]
            .into_iter()
            .filter_map(|c| self.faults.get(c.as_str()))
            .flatten()
            .find_map(|f| match f {
                Fault::FailTransfers { message } => Some(message.clone()),
                _ => None,
            })
    }

    /// A transfer that ended successfully: the destination now equals the sent snapshot.
    pub(crate) fn complete_at(&mut self, idx: usize, end: OffsetDateTime) {
        if let Err(e) = self.install_snapshot(idx) {
            self.finish(idx, end, TransferResult::Failed(e.to_string()));
            return;
        }
        self.finish(idx, end, TransferResult::Success);
    }

    fn install_snapshot(&mut self, idx: usize) -> Result<()> {
        let rel = self.relationships[idx].clone();
        let run = rel.running.clone().expect("a running transfer");
        // The source drops this relationship's older SnapMirror snapshots (unless a clone holds one).
        let clone_held: Vec<SnapshotName> = self
            .clones_of(&rel.source)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let source = self.volume_mut(&rel.source)?;
        source.snapshots.retain(|s| {
            s.name == run.snapshot
                || !s.name.as_str().starts_with(&rel.snapshot_prefix)
                || clone_held.contains(&s.name)
        });
        let pos = source
            .snapshots
            .iter()
            .position(|s| s.name == run.snapshot)
            .ok_or_else(|| {
                Error::not_found(
                    ObjectKind::Snapshot,
                    format!("{} in {}", run.snapshot, rel.source),
                )
            })?;
        let sent: Vec<SimSnapshot> = source.snapshots[..=pos].to_vec();
        let image = sent[pos].image.clone();

        let dest_clone_held: Vec<SnapshotName> = self
            .clones_of(&rel.destination)
            .into_iter()
            .map(|(_, s)| s)
            .collect();
        let ids = &mut self.ids;
        let svm = self
            .clusters
            .values_mut()
            .find_map(|c| c.svms.get_mut(rel.destination.svm.as_str()))
            .ok_or_else(|| Error::not_found(ObjectKind::Svm, &rel.destination.svm))?;
        let dest = svm.volume_mut(rel.destination.volume.as_str())?;
        let mut snapshots = sent;
        for held in dest
            .snapshots
            .iter()
            .filter(|s| dest_clone_held.contains(&s.name))
        {
            if !snapshots.iter().any(|s| s.same_as(held)) {
                snapshots.push(held.clone());
            }
        }
        snapshots.sort_by_key(|s| s.create_time);
        dest.snapshots = snapshots;
        dest.active = image;
        if dest.info.state == VolumeState::Restricted {
            // A 7-Mode destination waits restricted for its baseline, then comes online.
            dest.info.state = VolumeState::Online;
        }
        dest.unsnapshotted_bytes = 0;
        let gone = dest.reconcile_luns(ids, true);
        svm.drop_maps_of(rel.destination.volume.as_str(), &gone);
        Ok(())
    }

    /// Ends relationship `idx`'s running transfer with `result`, moving its state as the table's
    /// [`after_transfer`] says.
    pub(crate) fn finish(&mut self, idx: usize, end: OffsetDateTime, result: TransferResult) {
        let rel = &mut self.relationships[idx];
        let Some(run) = rel.running.take() else {
            return;
        };
        let succeeded = result == TransferResult::Success;
        let after = after_transfer(rel.state, rel.transfer, run.kind, succeeded);
        rel.state = after.state;
        rel.transfer = after.transfer;
        rel.healthy = succeeded;
        rel.unhealthy_reason = match &result {
            TransferResult::Success => None,
            TransferResult::Failed(m) => Some(format!("transfer failed: {m}")),
            TransferResult::Aborted => Some("the last transfer was aborted".to_string()),
        };
        let bytes = if succeeded {
            run.total_bytes
        } else {
            run.bytes_done
        };
        if succeeded {
            tracing::debug!(destination = %rel.destination, kind = %run.kind, bytes = run.total_bytes, "transfer completed");
        } else {
            tracing::warn!(destination = %rel.destination, ?result, "transfer ended without success");
        }
        rel.last_transfer = Some(LastTransfer {
            kind: run.kind,
            result,
            bytes_transferred: bytes,
            end_time: Some(end),
        });
    }

    /// The model view of relationship `idx`.
    pub(crate) fn model_relationship(&self, idx: usize) -> MirrorRelationship {
        let rel = &self.relationships[idx];
        let newest = self
            .volume(&rel.destination)
            .ok()
            .and_then(|v| v.snapshots.last());
        let lag = newest.map(|s| {
            let d = self.now() - s.create_time;
            Duration::from_nanos(d.whole_nanoseconds().max(0) as u64)
        });
        MirrorRelationship {
            uuid: rel.uuid.clone(),
            source: rel.source.clone(),
            destination: rel.destination.clone(),
            source_cluster: Some(rel.source_cluster.clone()),
            destination_cluster: Some(rel.destination_cluster.clone()),
            policy: rel.policy.clone(),
            state: rel.state,
            transfer: rel.transfer,
            progress: rel.running.as_ref().map(|r| TransferProgress {
                kind: r.kind,
                bytes_transferred: r.bytes_done,
                total_bytes: Some(r.total_bytes),
            }),
            last_transfer: rel.last_transfer.clone(),
            healthy: rel.healthy,
            unhealthy_reason: rel.unhealthy_reason.clone(),
            lag,
            exported_snapshot: newest.map(|s| s.name.clone()),
        }
    }

    /// How long until relationship `idx`'s transfer completes at the current bandwidth.
    pub(crate) fn time_to_finish(&self, idx: usize) -> Option<Duration> {
        let run = self.relationships[idx].running.as_ref()?;
        let remaining = (run.total_bytes - run.bytes_done) as u128;
        let nanos = remaining * NANOS_PER_SEC / self.bandwidth.max(1) as u128;
        let already = (self.now() - run.accounted_to).whole_nanoseconds().max(0) as u128;
        Some(Duration::from_nanos(
            nanos.saturating_sub(already).max(1) as u64
        ))
    }
}

//! SnapMirror control of a [`SimArray`]: every operation asks [`crate::mirror::check`] (the one
//! transition table) whether it is legal and where it leads, then moves data as it says.

use async_trait::async_trait;

use super::array::SimArray;
use super::fabric::Fabric;
use super::world::{Relationship, World};
use crate::array::MirrorControl;
use crate::error::{Error, ObjectKind, Result};
use crate::mirror::{
    check, DeleteScope, Discard, DiscardPolicy, Effect, MirrorOp, MirrorRelationship, MirrorState,
    NewRelationship, OnTransfer, OpReport, Refusal, ResyncPreview, TransferKind, TransferProgress,
    TransferStatus,
};
use crate::model::{VolumePath, VolumeType};

/// What the table says about an operation on a relationship, as the simulator acts on it.
enum Decision {
    Already(&'static str),
    Moves {
        to: MirrorState,
        transfer: TransferStatus,
        starts: Option<TransferKind>,
        destination_becomes: Option<VolumeType>,
    },
    Released,
    Removed,
}

fn decide(w: &World, idx: usize, op: MirrorOp) -> Result<Decision> {
    let rel = &w.relationships[idx];
    match check(op, rel.state, rel.transfer) {
        Ok(Effect::Already { note }) => Ok(Decision::Already(note)),
        Ok(Effect::Moves {
            to,
            transfer,
            starts,
            destination_becomes,
            ..
        }) => Ok(Decision::Moves {
            to,
            transfer,
            starts,
            destination_becomes,
        }),
        Ok(Effect::Released) => Ok(Decision::Released),
        Ok(Effect::Removed) => Ok(Decision::Removed),
        Err(refusal) => Err(refuse(w, idx, op, refusal)),
    }
}

fn refuse(w: &World, idx: usize, op: MirrorOp, refusal: Refusal) -> Error {
    let rel = &w.relationships[idx];
    if refusal == Refusal::TransferInProgress {
        return Error::TransferInProgress {
            op,
            target: rel.destination.to_string(),
            progress: w.model_relationship(idx).progress,
        };
    }
    Error::illegal(op, &rel.destination, rel.state, rel.transfer, refusal)
}

fn report(w: &World, op: MirrorOp, idx: usize, already: Option<&str>) -> OpReport {
    OpReport {
        op,
        relationship: Some(w.model_relationship(idx)),
        already: already.map(|note| format!("{} {note}", w.relationships[idx].destination)),
        discarded: None,
    }
}

/// Applies an accepted move: starts the transfer it starts, sets the states, and retypes the
/// destination volume.
fn apply_move(w: &mut World, idx: usize, decision: Decision) -> Result<()> {
    let Decision::Moves {
        to,
        transfer,
        starts,
        destination_becomes,
    } = decision
    else {
        return Ok(());
    };
    if let Some(kind) = starts {
        w.start_transfer(idx, kind)?;
    }
    let rel = &mut w.relationships[idx];
    rel.state = to;
    rel.transfer = transfer;
    if let Some(kind) = destination_becomes {
        let dest = rel.destination.clone();
        w.volume_mut(&dest)?.info.kind = kind;
    }
    Ok(())
}

/// Deletes a relationship's SnapMirror snapshots on its source (not those a FlexClone holds).
fn drop_source_snapshots(w: &mut World, rel: &Relationship) -> Result<()> {
    let held: Vec<_> = w
        .clones_of(&rel.source)
        .into_iter()
        .map(|(_, s)| s)
        .collect();
    let source = w.volume_mut(&rel.source)?;
    source
        .snapshots
        .retain(|s| !s.name.as_str().starts_with(&rel.snapshot_prefix) || held.contains(&s.name));
    Ok(())
}

/// The state a new relationship starts in.
///
/// Onto a dp volume: `uninitialized`, a baseline follows. Onto a rw volume that shares a
/// snapshot with the source (the old source of a broken relationship, when a reverse is made
/// the way ONTAP before 9.9.1 and Trident make it: POST the reverse relationship, then PATCH it
/// `snapmirrored`): `broken_off`, so that the PATCH is a resync that rolls the volume back to
/// the common snapshot, not a baseline over it. Which state ONTAP really reports there is
/// UNVERIFIED (`/work/shared/reference/ontap-rest.md` §2.4: "model as uninitialized or
/// broken_off; PATCH snapmirrored must resync, not re-baseline"); `broken_off` is the one of the
/// two from which the transition table allows exactly that resync. A rw volume without a common
/// snapshot is refused: only a baseline could fill it, and a baseline would overwrite it.
fn initial_state(w: &World, spec: &NewRelationship, rw_destination: bool) -> Result<MirrorState> {
    if !rw_destination {
        return Ok(MirrorState::Uninitialized);
    }
    match w.common_snapshot(&spec.source, &spec.destination)? {
        Some(_) => Ok(MirrorState::BrokenOff),
        None => Err(Error::InvalidArgument(format!(
            "{} is a rw volume with no snapshot in common with {}; a SnapMirror destination must be created with type dp",
            spec.destination, spec.source
        ))),
    }
}

fn abort_kind_op(kind: TransferKind) -> MirrorOp {
    match kind {
        TransferKind::Initialize => MirrorOp::Initialize,
        TransferKind::Update => MirrorOp::Update,
        TransferKind::Resync => MirrorOp::Resync,
    }
}

impl SimArray {
    /// Runs a simple table-driven operation (initialize, update, quiesce, resume).
    async fn simple(
        &self,
        op: MirrorOp,
        name: &'static str,
        dest: &VolumePath,
    ) -> Result<OpReport> {
        self.enter(name).await?;
        let mut w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), dest)?;
        match decide(&w, idx, op)? {
            Decision::Already(note) => Ok(report(&w, op, idx, Some(note))),
            decision => {
                if op == MirrorOp::Initialize {
                    let vol = w.volume(dest)?;
                    if vol.info.kind != VolumeType::Dp {
                        return Err(Error::InvalidArgument(format!(
                            "{dest} is not a dp volume; a baseline would overwrite it: create the destination with type dp"
                        )));
                    }
                }
                apply_move(&mut w, idx, decision)?;
                Ok(report(&w, op, idx, None))
            }
        }
    }

    fn preview(&self, w: &World, idx: usize, reverse: bool) -> Result<ResyncPreview> {
        let rel = &w.relationships[idx];
        let (other, rolled) = if reverse {
            (&rel.destination, &rel.source)
        } else {
            (&rel.source, &rel.destination)
        };
        let other_cluster = if reverse {
            &rel.destination_cluster
        } else {
            &rel.source_cluster
        };
        w.check_reachable(other_cluster.as_str())?;
        if reverse {
            w.check_reachable(rel.source_cluster.as_str())?;
        }
        let common = w.common_snapshot(other, rolled)?;
        let discard = w.discard_of(rolled, common.as_ref())?;
        Ok(ResyncPreview {
            relationship: w.model_relationship(idx),
            rolled_back: rolled.clone(),
            common_snapshot: common,
            discard,
        })
    }

    /// Checks a resync's roll-back against the caller's discard policy.
    fn check_discard(
        op: MirrorOp,
        preview: &ResyncPreview,
        policy: DiscardPolicy,
    ) -> Result<(crate::model::SnapshotName, Discard)> {
        let target = preview.relationship.destination.to_string();
        let common = preview
            .common_snapshot
            .clone()
            .ok_or(Error::NoCommonSnapshot {
                target: target.clone(),
            })?;
        if !preview.discard.is_empty() && policy == DiscardPolicy::Refuse {
            return Err(Error::WouldLoseData {
                op,
                target,
                discard: preview.discard.clone(),
            });
        }
        Ok((common, preview.discard.clone()))
    }
}

#[async_trait]
impl MirrorControl for SimArray {
    async fn list_relationships(&self) -> Result<Vec<MirrorRelationship>> {
        self.enter("list_relationships").await?;
        let w = self.fabric.touch();
        Ok((0..w.relationships.len())
            .filter(|&i| {
                let r = &w.relationships[i];
                r.destination_record && r.destination_cluster == self.cluster
            })
            .map(|i| w.model_relationship(i))
            .collect())
    }

    async fn relationship(&self, destination: &VolumePath) -> Result<MirrorRelationship> {
        self.enter("relationship").await?;
        let w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        Ok(w.model_relationship(idx))
    }

    async fn create_relationship(&self, spec: &NewRelationship) -> Result<MirrorRelationship> {
        self.enter("create_relationship").await?;
        let mut w = self.fabric.touch();
        let dest = w.volume_on(self.cluster.as_str(), &spec.destination)?;
        let rw_destination = dest.info.kind != VolumeType::Dp;
        let dest_msid = dest.msid;
        let source_cluster = w
            .cluster_of_svm(spec.source.svm.as_str())
            .ok_or_else(|| Error::not_found(ObjectKind::Svm, &spec.source.svm))?
            .to_string();
        w.check_reachable(&source_cluster)?;
        w.volume(&spec.source)?;
        let state = initial_state(&w, spec, rw_destination)?;
        if spec.source == spec.destination {
            return Err(Error::InvalidArgument(
                "a volume cannot be its own SnapMirror destination".to_string(),
            ));
        }
        if let Some(r) = w
            .relationships
            .iter()
            .find(|r| r.destination_record && r.destination == spec.destination)
        {
            return Err(Error::AlreadyExists {
                kind: ObjectKind::Relationship,
                name: format!("{} -> {}", r.source, r.destination),
            });
        }
        // A source-side leftover for the same destination is superseded.
        w.relationships
            .retain(|r| r.destination != spec.destination);
        let dest_svm_uuid = w.svm(spec.destination.svm.as_str())?.uuid.clone();
        let rel = Relationship {
            uuid: w.ids.uuid(),
            source: spec.source.clone(),
            destination: spec.destination.clone(),
            source_cluster: w.cluster(&source_cluster)?.name.clone(),
            destination_cluster: self.cluster.clone(),
            policy: spec
                .policy
                .clone()
                .unwrap_or_else(|| "Asynchronous".to_string()),
            state,
            transfer: TransferStatus::Idle,
            running: None,
            last_transfer: None,
            healthy: true,
            unhealthy_reason: None,
            snapshot_prefix: format!("snapmirror.{dest_svm_uuid}_{dest_msid}."),
            source_record: true,
            destination_record: true,
        };
        w.relationships.push(rel);
        Ok(w.model_relationship(w.relationships.len() - 1))
    }

    async fn initialize(&self, destination: &VolumePath) -> Result<OpReport> {
        self.simple(MirrorOp::Initialize, "initialize", destination)
            .await
    }

    async fn update(&self, destination: &VolumePath) -> Result<OpReport> {
        self.simple(MirrorOp::Update, "update", destination).await
    }

    async fn quiesce(&self, destination: &VolumePath) -> Result<OpReport> {
        self.simple(MirrorOp::Quiesce, "quiesce", destination).await
    }

    async fn resume(&self, destination: &VolumePath) -> Result<OpReport> {
        self.simple(MirrorOp::Resume, "resume", destination).await
    }

    async fn break_off(
        &self,
        destination: &VolumePath,
        on_transfer: OnTransfer,
    ) -> Result<OpReport> {
        self.enter("break_off").await?;
        loop {
            let wait = {
                let mut w = self.fabric.touch();
                let idx = w.relationship_at(self.cluster.as_str(), destination)?;
                match decide(&w, idx, MirrorOp::Break) {
                    Ok(Decision::Already(note)) => {
                        return Ok(report(&w, MirrorOp::Break, idx, Some(note)))
                    }
                    Ok(decision) => {
                        apply_move(&mut w, idx, decision)?;
                        return Ok(report(&w, MirrorOp::Break, idx, None));
                    }
                    Err(e @ Error::TransferInProgress { .. }) => {
                        let running = w.relationships[idx].running.is_some();
                        match on_transfer {
                            OnTransfer::Abort if running => {
                                Fabric::abort_running(&mut w, idx);
                                continue;
                            }
                            OnTransfer::Wait if running => w.time_to_finish(idx),
                            _ => return Err(e),
                        }
                    }
                    Err(e) => return Err(e),
                }
            };
            if let Some(d) = wait {
                tokio::time::sleep(d).await;
            }
        }
    }

    async fn resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview> {
        self.enter("resync_preview").await?;
        let w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        self.preview(&w, idx, false)
    }

    async fn resync(&self, destination: &VolumePath, discard: DiscardPolicy) -> Result<OpReport> {
        self.enter("resync").await?;
        let mut w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        let decision = match decide(&w, idx, MirrorOp::Resync)? {
            Decision::Already(note) => return Ok(report(&w, MirrorOp::Resync, idx, Some(note))),
            d => d,
        };
        let preview = self.preview(&w, idx, false)?;
        let (common, discarded) = Self::check_discard(MirrorOp::Resync, &preview, discard)?;
        w.roll_back(destination, &common)?;
        apply_move(&mut w, idx, decision)?;
        let mut rep = report(&w, MirrorOp::Resync, idx, None);
        rep.discarded = Some(discarded);
        Ok(rep)
    }

    async fn reverse_resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview> {
        self.enter("reverse_resync_preview").await?;
        let w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        self.preview(&w, idx, true)
    }

    async fn reverse_resync(
        &self,
        destination: &VolumePath,
        discard: DiscardPolicy,
    ) -> Result<OpReport> {
        self.enter("reverse_resync").await?;
        let mut w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        let Decision::Moves {
            to,
            transfer,
            starts,
            destination_becomes,
        } = decide(&w, idx, MirrorOp::ReverseResync)?
        else {
            return Ok(report(&w, MirrorOp::ReverseResync, idx, None));
        };
        let preview = self.preview(&w, idx, true)?;
        let (common, discarded) = Self::check_discard(MirrorOp::ReverseResync, &preview, discard)?;
        let old = w.relationships[idx].clone();
        w.roll_back(&old.source, &common)?;
        let new_dest = w.volume(&old.source)?;
        let prefix = format!(
            "snapmirror.{}_{}.",
            w.svm(old.source.svm.as_str())?.uuid,
            new_dest.msid
        );
        let reversed = Relationship {
            uuid: w.ids.uuid(),
            source: old.destination.clone(),
            destination: old.source.clone(),
            source_cluster: old.destination_cluster.clone(),
            destination_cluster: old.source_cluster.clone(),
            policy: old.policy.clone(),
            state: MirrorState::BrokenOff,
            transfer: TransferStatus::Idle,
            running: None,
            last_transfer: None,
            healthy: true,
            unhealthy_reason: None,
            snapshot_prefix: prefix,
            source_record: true,
            destination_record: true,
        };
        w.relationships
            .retain(|r| r.destination != old.destination && r.destination != old.source);
        w.relationships.push(reversed);
        let new_idx = w.relationships.len() - 1;
        apply_move(
            &mut w,
            new_idx,
            Decision::Moves {
                to,
                transfer,
                starts,
                destination_becomes,
            },
        )?;
        let mut rep = report(&w, MirrorOp::ReverseResync, new_idx, None);
        rep.discarded = Some(discarded);
        Ok(rep)
    }

    async fn release(
        &self,
        source: &VolumePath,
        destination: &VolumePath,
        keep_snapshots: bool,
    ) -> Result<OpReport> {
        self.enter("release").await?;
        let mut w = self.fabric.touch();
        w.volume_on(self.cluster.as_str(), source)?;
        let idx = w
            .relationships
            .iter()
            .position(|r| r.source_record && &r.source == source && &r.destination == destination)
            .ok_or_else(|| {
                Error::not_found(
                    ObjectKind::Relationship,
                    format!("{source} -> {destination} (the source has no record of it)"),
                )
            })?;
        decide(&w, idx, MirrorOp::Release)?;
        let rel = w.relationships[idx].clone();
        if !keep_snapshots {
            drop_source_snapshots(&mut w, &rel)?;
        }
        w.relationships[idx].source_record = false;
        let rep = OpReport {
            op: MirrorOp::Release,
            relationship: rel.destination_record.then(|| w.model_relationship(idx)),
            already: None,
            discarded: None,
        };
        if !rel.destination_record {
            w.relationships.remove(idx);
        }
        Ok(rep)
    }

    async fn delete(&self, destination: &VolumePath, scope: DeleteScope) -> Result<OpReport> {
        self.enter("delete").await?;
        let mut w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        decide(&w, idx, MirrorOp::Delete)?;
        let rel = w.relationships[idx].clone();
        let relationship = match scope {
            DeleteScope::Full => {
                w.check_reachable(rel.source_cluster.as_str()).map_err(|e| match e {
                    Error::Transport { endpoint, message, retryable } => Error::Transport {
                        endpoint,
                        message: format!("{message}; to delete only the destination's record while the source is down, use the destination-only scope"),
                        retryable,
                    },
                    other => other,
                })?;
                drop_source_snapshots(&mut w, &rel)?;
                w.relationships.remove(idx);
                None
            }
            DeleteScope::DestinationOnly => {
                w.relationships[idx].destination_record = false;
                if !rel.source_record {
                    w.relationships.remove(idx);
                }
                None
            }
            DeleteScope::SourceInfoOnly => {
                w.relationships[idx].source_record = false;
                Some(w.model_relationship(idx))
            }
        };
        Ok(OpReport {
            op: MirrorOp::Delete,
            relationship,
            already: None,
            discarded: None,
        })
    }

    async fn abort_transfer(&self, destination: &VolumePath) -> Result<OpReport> {
        self.enter("abort_transfer").await?;
        let mut w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        match w.relationships[idx].running.as_ref().map(|r| r.kind) {
            Some(kind) => {
                Fabric::abort_running(&mut w, idx);
                Ok(report(&w, abort_kind_op(kind), idx, None))
            }
            None => Ok(report(
                &w,
                MirrorOp::Update,
                idx,
                Some("has no transfer running"),
            )),
        }
    }

    async fn transfer_progress(
        &self,
        destination: &VolumePath,
    ) -> Result<Option<TransferProgress>> {
        self.enter("transfer_progress").await?;
        let w = self.fabric.touch();
        let idx = w.relationship_at(self.cluster.as_str(), destination)?;
        Ok(w.model_relationship(idx).progress)
    }
}

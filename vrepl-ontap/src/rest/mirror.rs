//! [`MirrorControl`] over REST.
//!
//! Every operation reads the relationship with one filtered GET (by destination path), asks
//! [`vrepl_storage::mirror::check`] whether the operation is legal in that state (so refusals
//! read as the simulator's do), sends the state PATCH (with `return_timeout`, so a quick job
//! answers 200 at once) and then reads the relationship until the change has really happened:
//! a PATCH job only means "started".

use std::time::Duration;

use async_trait::async_trait;
use tokio::time::Instant;
use vrepl_storage::mirror::{
    check, DeleteScope, Discard, DiscardPolicy, Effect, MirrorOp, MirrorRelationship, MirrorState,
    NewRelationship, OnTransfer, OpReport, Refusal, ResyncPreview, TransferProgress,
    TransferStatus,
};
use vrepl_storage::model::{Snapshot, Volume, VolumeName, VolumePath, VolumeType};
use vrepl_storage::{Error, MirrorControl, ObjectKind, Result};

use super::client::OntapRestClient;
use super::errors::{Context, MirrorContext};
use super::jobs::{self, Outcome};
use super::request::{self, ApiRequest, DeleteFlag};
use super::wire::{Relationship, RelationshipRecord};

/// First interval between relationship reads; doubles up to [`MAX_POLL`].
const FIRST_POLL: Duration = Duration::from_millis(50);
/// Longest interval between relationship reads.
const MAX_POLL: Duration = Duration::from_secs(2);
/// The release from which a relationship is reversed with one PATCH.
const REVERSE_PATCH_SINCE: (u8, u8, u8) = (9, 9, 1);

fn report(op: MirrorOp, rel: Option<MirrorRelationship>) -> OpReport {
    OpReport {
        op,
        relationship: rel,
        already: None,
        discarded: None,
    }
}

fn already(op: MirrorOp, rel: MirrorRelationship, note: &str) -> OpReport {
    OpReport {
        op,
        already: Some(format!("{} {note}", rel.destination)),
        relationship: Some(rel),
        discarded: None,
    }
}

fn refused(op: MirrorOp, rel: &MirrorRelationship, refusal: Refusal) -> Error {
    match refusal {
        Refusal::TransferInProgress => Error::TransferInProgress {
            op,
            target: rel.destination.to_string(),
            progress: rel.progress.clone(),
        },
        r => Error::illegal(op, &rel.destination, rel.state, rel.transfer, r),
    }
}

/// What the table says about `op` now: `None` to go ahead, or the early answer (an "already"
/// report or the refusal).
fn consult(op: MirrorOp, rel: &MirrorRelationship) -> Option<Result<OpReport>> {
    match check(op, rel.state, rel.transfer) {
        Ok(Effect::Already { note }) => Some(Ok(already(op, rel.clone(), note))),
        Err(r) => Some(Err(refused(op, rel, r))),
        Ok(_) => None,
    }
}

impl OntapRestClient {
    fn mirror_ctx(&self, op: MirrorOp, rel: &MirrorRelationship) -> Context {
        Context::object(self.endpoint(), ObjectKind::Relationship, &rel.destination).with_mirror(
            MirrorContext {
                op,
                state: rel.state,
                transfer: rel.transfer,
                progress: rel.progress.clone(),
            },
        )
    }

    async fn relationships_matching(
        &self,
        req: ApiRequest,
        name: &str,
    ) -> Result<Vec<Relationship>> {
        let records: Vec<RelationshipRecord> = self
            .transport()
            .get_all(req, &self.ctx(ObjectKind::Relationship, name))
            .await?;
        records
            .into_iter()
            .map(|r| r.into_model(self.endpoint()).map(|r| self.with_quiesce(r)))
            .collect()
    }

    fn quiescing(&self) -> std::sync::MutexGuard<'_, std::collections::HashSet<String>> {
        self.inner
            .quiescing
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// Shows a relationship this client quiesced mid-transfer as quiescing until the transfer
    /// ends.
    fn with_quiesce(&self, mut rel: Relationship) -> Relationship {
        let mut quiescing = self.quiescing();
        if quiescing.contains(&rel.model.uuid) {
            if rel.model.state == MirrorState::Snapmirrored && rel.model.transfer.is_busy() {
                rel.model.transfer = TransferStatus::Quiescing;
            } else {
                quiescing.remove(&rel.model.uuid);
            }
        }
        rel
    }

    /// The relationship with this destination: one filtered GET.
    pub(crate) async fn find_relationship(&self, destination: &VolumePath) -> Result<Relationship> {
        self.relationships_matching(
            request::relationships(Some(destination)),
            &destination.to_string(),
        )
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::not_found(ObjectKind::Relationship, destination))
    }

    /// Reads the relationship until `done` holds or the job deadline passes.
    async fn poll_until<F>(
        &self,
        destination: &VolumePath,
        what: &str,
        done: F,
    ) -> Result<Relationship>
    where
        F: Fn(&MirrorRelationship) -> bool,
    {
        let started = Instant::now();
        let deadline = self.inner.job_timeout;
        let mut interval = FIRST_POLL;
        loop {
            let rel = self.find_relationship(destination).await?;
            if done(&rel.model) {
                return Ok(rel);
            }
            if started.elapsed() >= deadline {
                return Err(Error::Timeout {
                    what: format!(
                        "{destination} on {} to {what} (it is {} and {})",
                        self.endpoint(),
                        rel.model.state,
                        rel.model.transfer
                    ),
                    after: deadline,
                });
            }
            tokio::time::sleep(interval).await;
            interval = (interval * 2).min(MAX_POLL);
        }
    }

    /// Sends a state change and reads the relationship until `done` says it happened. When
    /// ONTAP answered 200 within `return_timeout`, the first read usually confirms it, so an
    /// idle break costs three calls: the lookup, the PATCH and this read.
    async fn change_and_confirm<F>(
        &self,
        req: &ApiRequest,
        op: MirrorOp,
        rel: &MirrorRelationship,
        what: &str,
        done: F,
    ) -> Result<Relationship>
    where
        F: Fn(&MirrorRelationship) -> bool,
    {
        let ctx = self.mirror_ctx(op, rel);
        let (_, outcome) =
            jobs::submit(self.transport(), self.inner.job_timeout, req, &ctx).await?;
        if let Outcome::Ended(link) = outcome {
            let now = self.find_relationship(&rel.destination).await?;
            if done(&now.model) {
                return Ok(now);
            }
            // Not there yet: the job tells whether it failed.
            jobs::wait(self.transport(), self.inner.job_timeout, &link, &ctx).await?;
        }
        self.poll_until(&rel.destination, what, done).await
    }

    /// Waits for the running transfer to end.
    async fn wait_transfer_end(&self, destination: &VolumePath) -> Result<Relationship> {
        self.poll_until(destination, "finish its transfer", |r| {
            r.transfer == TransferStatus::Idle
        })
        .await
    }

    /// Aborts the running transfer, if one runs; `false` when there was none.
    async fn abort_running(&self, rel: &Relationship) -> Result<bool> {
        let Some(xfer) = &rel.transfer_uuid else {
            return Ok(false);
        };
        let ctx = Context::object(
            self.endpoint(),
            ObjectKind::Transfer,
            &rel.model.destination,
        );
        match self
            .transport()
            .call(&request::abort_transfer(&rel.model.uuid, xfer), &ctx)
            .await
        {
            Ok(_) => Ok(true),
            // The transfer ended between the read and the abort.
            Err(Error::NotFound { .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A volume on this cluster and its snapshots, oldest first.
    async fn volume_snapshots(&self, path: &VolumePath) -> Result<(Volume, Vec<Snapshot>)> {
        let v = self.find_volume(path).await?;
        let snapshots = self.snapshots_of(&v).await?;
        Ok((v, snapshots))
    }

    /// Measures what rolling `volume` back to the preview's common snapshot loses, with one
    /// request: the common snapshot's `delta` (9.12+) is every byte between it and the active
    /// file system; the newer snapshots' `size`s are already counted in `bytes`, so the rest is
    /// what no snapshot holds. Without `delta` (before 9.12) the loss of a volume that has been
    /// writable (a broken-off destination, a reverse resync's old source) is unmeasured, which
    /// the safe API treats as a loss; a dp volume has taken no writes since its last transfer.
    async fn measure(&self, volume: &Volume, preview: &mut ResyncPreview) -> Result<()> {
        let Some(common) = preview.common_snapshot.clone() else {
            return Ok(());
        };
        match self.delta_since(volume, &common).await? {
            Some(total) => {
                preview.discard.unsnapshotted_bytes = total.saturating_sub(preview.discard.bytes)
            }
            None if volume.kind != VolumeType::Dp => preview.discard.unmeasured = true,
            None => {}
        }
        Ok(())
    }

    /// What rolling `rolled_back` (whose snapshots are `rolled`) back to the newest snapshot it
    /// shares with `other` would discard. `other` is `None` when the other side cannot be read:
    /// then the relationship's exported snapshot, or the newest SnapMirror snapshot, is taken
    /// as the common one.
    fn preview_from(
        rel: MirrorRelationship,
        rolled_back: VolumePath,
        rolled: Vec<Snapshot>,
        other: Option<Vec<Snapshot>>,
    ) -> ResyncPreview {
        // `rolled` is in ONTAP's list order, which is creation order, so "newer than the
        // common snapshot" is "after it in the list"; snapshots are matched by name, never by
        // `create_time` (one-second resolution: a snapshot taken in the same second as the
        // common one is still newer).
        let shared = |s: &Snapshot| match &other {
            Some(other) => other.iter().any(|o| o.name == s.name),
            None => false,
        };
        let common_at = match &other {
            Some(_) => rolled.iter().rposition(shared),
            None => rel
                .exported_snapshot
                .as_ref()
                .and_then(|e| rolled.iter().position(|s| &s.name == e))
                .or_else(|| rolled.iter().rposition(Snapshot::is_snapmirror)),
        };
        let common = common_at.map(|i| rolled[i].clone());
        let newer: Vec<&Snapshot> = match common_at {
            Some(i) => rolled[i + 1..].iter().collect(),
            None => Vec::new(),
        };
        ResyncPreview {
            relationship: rel,
            rolled_back,
            common_snapshot: common.map(|c| c.name),
            discard: Discard {
                snapshots: newer.iter().map(|s| s.name.clone()).collect(),
                // Until measured: the newer snapshots' sizes (9.9+), nothing else known.
                bytes: newer.iter().map(|s| s.changed_bytes).sum(),
                unsnapshotted_bytes: 0,
                unmeasured: false,
            },
        }
    }

    /// The other side's snapshots, when a peer client for it is known and answers.
    async fn peer_snapshots(
        &self,
        cluster: Option<&vrepl_storage::model::ClusterName>,
        path: &VolumePath,
    ) -> Option<Result<Vec<Snapshot>>> {
        let peer = self.peer(cluster)?;
        match peer.volume_snapshots(path).await.map(|(_, s)| s) {
            Err(e) if e.is_retryable() => {
                tracing::warn!(peer = %peer.endpoint(), error = %e, "source cluster unreachable; judging the common snapshot from the destination alone");
                None
            }
            other => Some(other),
        }
    }

    async fn preview(&self, rel: &Relationship) -> Result<ResyncPreview> {
        let m = &rel.model;
        let (volume, rolled) = self.volume_snapshots(&m.destination).await?;
        let other = self
            .peer_snapshots(m.source_cluster.as_ref(), &m.source)
            .await
            .transpose()?;
        let mut preview = Self::preview_from(m.clone(), m.destination.clone(), rolled, other);
        self.measure(&volume, &mut preview).await?;
        Ok(preview)
    }

    async fn reverse_preview(&self, rel: &Relationship) -> Result<ResyncPreview> {
        let m = &rel.model;
        let peer = self.peer(m.source_cluster.as_ref()).ok_or_else(|| {
            Error::Unsupported(format!(
                "previewing a reverse resync of {} rolls back {} on {}: add a client for that cluster with add_peer",
                m.destination,
                m.source,
                m.source_cluster.as_ref().map(|c| c.as_str()).unwrap_or("the source cluster")
            ))
        })?;
        let (volume, rolled) = peer.volume_snapshots(&m.source).await?;
        let (_, other) = self.volume_snapshots(&m.destination).await?;
        let mut preview = Self::preview_from(m.clone(), m.source.clone(), rolled, Some(other));
        peer.measure(&volume, &mut preview).await?;
        Ok(preview)
    }

    fn refuse_loss(op: MirrorOp, preview: &ResyncPreview, discard: DiscardPolicy) -> Result<()> {
        if preview.common_snapshot.is_none() {
            return Err(Error::NoCommonSnapshot {
                target: preview.relationship.destination.to_string(),
            });
        }
        if discard == DiscardPolicy::Refuse && !preview.discard.is_empty() {
            return Err(Error::WouldLoseData {
                op,
                target: preview.relationship.destination.to_string(),
                discard: preview.discard.clone(),
            });
        }
        Ok(())
    }

    /// Reverses `old` the way ONTAP before 9.9.1 allows (and Trident does): create the reverse
    /// relationship on the old source's cluster, drop this cluster's record of `old` (keeping
    /// the common snapshots), then resync the reverse one. In that order a failed create leaves
    /// `old` untouched; a failure after it names the state of both clusters and the next step.
    async fn reverse_by_recreating(&self, old: &MirrorRelationship, ctx: &Context) -> Result<()> {
        let peer = self.peer(old.source_cluster.as_ref()).ok_or_else(|| {
            Error::Unsupported(format!(
                "ONTAP {}.{}.{} reverses {} only by creating the reverse relationship on the source cluster: add a client for it with add_peer",
                self.inner.version.0, self.inner.version.1, self.inner.version.2, old.destination
            ))
        })?;
        let here = self.inner.cluster.as_str();
        let there = peer.inner.cluster.as_str();
        let created = peer.create_reverse(old).await?;
        self.run(
            &request::delete_relationship(&old.uuid, DeleteFlag::DestinationOnly),
            ctx,
        )
        .await
        .map_err(|e| {
            halfway(
                e,
                &old.destination,
                format!(
                    "cluster {there} now holds the reverse relationship {dst} -> {src} ({state}, nothing rolled back, {src} still writable) and cluster {here} still holds {src} -> {dst}; run the reverse resync of {dst} again (it reuses the reverse relationship), or delete only the destination's record of {dst} on {here} and then resync {src} on {there}",
                    dst = old.destination,
                    src = old.source,
                    state = created.state,
                ),
            )
        })?;
        let peer_ctx = peer.mirror_ctx(MirrorOp::ReverseResync, &created);
        peer.run(
            &request::set_relationship_state(&created.uuid, "snapmirrored"),
            &peer_ctx,
        )
        .await
        .map_err(|e| {
            halfway(
                e,
                &old.destination,
                format!(
                    "cluster {here} no longer holds a relationship for {dst} (only its record was removed; the common snapshots are kept) and cluster {there} holds the reverse relationship {dst} -> {src}, {state} and not resynced ({src} is still writable, nothing rolled back); resync {src} on {there} next",
                    dst = old.destination,
                    src = old.source,
                    state = created.state,
                ),
            )
        })?;
        Ok(())
    }

    /// Creates on this (the old source's) cluster the reverse of `old`, or finds the one an
    /// earlier, interrupted reverse resync created.
    async fn create_reverse(&self, old: &MirrorRelationship) -> Result<MirrorRelationship> {
        let reversed = NewRelationship {
            source: old.destination.clone(),
            destination: old.source.clone(),
            policy: Some(old.policy.clone()),
        };
        match self.create_relationship(&reversed).await {
            Err(Error::AlreadyExists { kind, name }) => {
                let existing = self.find_relationship(&old.source).await?.model;
                if existing.source == old.destination {
                    Ok(existing)
                } else {
                    Err(Error::AlreadyExists { kind, name })
                }
            }
            created => created,
        }
    }

    /// The reversed relationship, now held by the old source's cluster: read through the peer
    /// when there is one, else from this cluster's list of its destinations.
    async fn reversed(&self, old: &MirrorRelationship) -> Result<MirrorRelationship> {
        let new_destination = &old.source;
        if let Some(peer) = self.peer(old.source_cluster.as_ref()) {
            if let Ok(r) = peer.find_relationship(new_destination).await {
                return Ok(r.model);
            }
        }
        self.relationships_matching(
            request::relationships_from_source(&old.destination, new_destination),
            &new_destination.to_string(),
        )
        .await?
        .into_iter()
        .next()
        .map(|r| r.model)
        .ok_or_else(|| Error::not_found(ObjectKind::Relationship, new_destination))
    }
}

/// `e` with `note` (where a multi-step operation stopped and what to run next) added to its
/// message. Variants without a free-text message become [`Error::Api`] from `at` (the endpoint
/// that failed) with code `partial`, carrying both: the note matters more than the variant there.
fn halfway(e: Error, target: &VolumePath, state: String) -> Error {
    Error::Halfway {
        op: MirrorOp::ReverseResync,
        target: target.to_string(),
        state,
        source: Box::new(e),
    }
}

#[async_trait]
impl MirrorControl for OntapRestClient {
    async fn list_relationships(&self) -> Result<Vec<MirrorRelationship>> {
        Ok(self
            .relationships_matching(request::relationships(None), "*")
            .await?
            .into_iter()
            .map(|r| r.model)
            .collect())
    }

    async fn relationship(&self, destination: &VolumePath) -> Result<MirrorRelationship> {
        Ok(self.find_relationship(destination).await?.model)
    }

    async fn find_by_destination_volume(
        &self,
        volume: &VolumeName,
    ) -> Result<Vec<MirrorRelationship>> {
        Ok(self
            .relationships_matching(request::relationships_to_volume(volume), volume.as_str())
            .await?
            .into_iter()
            .map(|r| r.model)
            .filter(|r| &r.destination.volume == volume)
            .collect())
    }

    async fn create_relationship(&self, spec: &NewRelationship) -> Result<MirrorRelationship> {
        let created = self
            .run(
                &request::create_relationship(spec),
                &self.ctx(ObjectKind::Relationship, &spec.destination),
            )
            .await;
        if let Err(Error::NotFound { .. }) = created {
            // The job says only "entry doesn't exist": name what is missing. The destination is
            // here to check; if it exists, the source (on the other cluster) is the one.
            self.find_volume(&spec.destination).await?;
            return Err(Error::not_found(ObjectKind::Volume, &spec.source));
        }
        created?;
        // A relationship can take a moment to show after its job (netapp.ontap #344).
        let mut interval = FIRST_POLL;
        for _ in 0..5 {
            match self.find_relationship(&spec.destination).await {
                Err(Error::NotFound { .. }) => {
                    tokio::time::sleep(interval).await;
                    interval *= 2;
                }
                other => return other.map(|r| r.model),
            }
        }
        Ok(self.find_relationship(&spec.destination).await?.model)
    }

    async fn initialize(&self, destination: &VolumePath) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?.model;
        if let Some(r) = consult(MirrorOp::Initialize, &rel) {
            return r;
        }
        let req = request::set_relationship_state(&rel.uuid, "snapmirrored");
        let now = self
            .change_and_confirm(
                &req,
                MirrorOp::Initialize,
                &rel,
                "start its baseline",
                // Started, finished, or ended differently from the last try.
                |r| {
                    r.transfer.is_busy()
                        || r.state != rel.state
                        || r.last_transfer != rel.last_transfer
                },
            )
            .await?;
        Ok(report(MirrorOp::Initialize, Some(now.model)))
    }

    async fn update(&self, destination: &VolumePath) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?.model;
        if let Some(r) = consult(MirrorOp::Update, &rel) {
            return r;
        }
        let ctx = self.mirror_ctx(MirrorOp::Update, &rel);
        self.transport()
            .call(&request::start_transfer(&rel.uuid), &ctx)
            .await?;
        let now = self.find_relationship(destination).await?;
        Ok(report(MirrorOp::Update, Some(now.model)))
    }

    async fn quiesce(&self, destination: &VolumePath) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?.model;
        if let Some(r) = consult(MirrorOp::Quiesce, &rel) {
            return r;
        }
        let req = request::set_relationship_state(&rel.uuid, "paused");
        if rel.transfer.is_busy() {
            self.quiescing().insert(rel.uuid.clone());
        }
        let now = self
            .change_and_confirm(&req, MirrorOp::Quiesce, &rel, "quiesce", |r| {
                r.state == MirrorState::Paused || r.transfer.is_busy()
            })
            .await;
        if now.is_err() {
            self.quiescing().remove(&rel.uuid);
        }
        Ok(report(MirrorOp::Quiesce, Some(now?.model)))
    }

    async fn resume(&self, destination: &VolumePath) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?.model;
        if let Some(r) = consult(MirrorOp::Resume, &rel) {
            return r;
        }
        let req = request::set_relationship_state(&rel.uuid, "snapmirrored");
        self.quiescing().remove(&rel.uuid);
        let now = self
            .change_and_confirm(&req, MirrorOp::Resume, &rel, "resume", |r| {
                r.state == MirrorState::Snapmirrored
            })
            .await?;
        Ok(report(MirrorOp::Resume, Some(now.model)))
    }

    async fn break_off(
        &self,
        destination: &VolumePath,
        on_transfer: OnTransfer,
    ) -> Result<OpReport> {
        let mut rel = self.find_relationship(destination).await?;
        if check(MirrorOp::Break, rel.model.state, rel.model.transfer)
            == Err(Refusal::TransferInProgress)
        {
            rel = match on_transfer {
                OnTransfer::Fail => {
                    return Err(refused(
                        MirrorOp::Break,
                        &rel.model,
                        Refusal::TransferInProgress,
                    ))
                }
                OnTransfer::Wait => self.wait_transfer_end(destination).await?,
                OnTransfer::Abort => {
                    self.abort_running(&rel).await?;
                    self.wait_transfer_end(destination).await?
                }
            };
        }
        let rel = rel.model;
        if let Some(r) = consult(MirrorOp::Break, &rel) {
            return r;
        }
        let req = request::set_relationship_state(&rel.uuid, "broken_off");
        let now = self
            .change_and_confirm(&req, MirrorOp::Break, &rel, "break off", |r| {
                r.state == MirrorState::BrokenOff
            })
            .await?;
        Ok(report(MirrorOp::Break, Some(now.model)))
    }

    async fn resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview> {
        let rel = self.find_relationship(destination).await?;
        self.preview(&rel).await
    }

    async fn resync(&self, destination: &VolumePath, discard: DiscardPolicy) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?;
        if let Some(r) = consult(MirrorOp::Resync, &rel.model) {
            return r;
        }
        let preview = self.preview(&rel).await?;
        Self::refuse_loss(MirrorOp::Resync, &preview, discard)?;
        let rel = rel.model;
        let req = request::set_relationship_state(&rel.uuid, "snapmirrored");
        let now = self
            .change_and_confirm(&req, MirrorOp::Resync, &rel, "resync", |r| {
                r.state == MirrorState::Snapmirrored
            })
            .await?;
        Ok(OpReport {
            op: MirrorOp::Resync,
            relationship: Some(now.model),
            already: None,
            discarded: Some(preview.discard),
        })
    }

    async fn reverse_resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview> {
        let rel = self.find_relationship(destination).await?;
        self.reverse_preview(&rel).await
    }

    async fn reverse_resync(
        &self,
        destination: &VolumePath,
        discard: DiscardPolicy,
    ) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?;
        if let Some(r) = consult(MirrorOp::ReverseResync, &rel.model) {
            return r;
        }
        let preview = match self.reverse_preview(&rel).await {
            Ok(p) => Some(p),
            // Without the other cluster the loss cannot be measured: only an explicit
            // acceptance goes on.
            Err(Error::Unsupported(why)) if discard == DiscardPolicy::Accept => {
                tracing::warn!(%why, "reverse resync without a preview");
                None
            }
            Err(e) => return Err(e),
        };
        if let Some(p) = &preview {
            Self::refuse_loss(MirrorOp::ReverseResync, p, discard)?;
        }
        let old = rel.model;
        let current = NewRelationship {
            source: old.source.clone(),
            destination: old.destination.clone(),
            policy: Some(old.policy.clone()),
        };
        let ctx = self.mirror_ctx(MirrorOp::ReverseResync, &old);
        if self.at_least(REVERSE_PATCH_SINCE) {
            self.run(&request::reverse_relationship(&old.uuid, &current), &ctx)
                .await?;
        } else {
            self.reverse_by_recreating(&old, &ctx).await?;
        }
        let new = self.reversed(&old).await?;
        Ok(OpReport {
            op: MirrorOp::ReverseResync,
            relationship: Some(new),
            already: None,
            discarded: preview.map(|p| p.discard),
        })
    }

    async fn release(
        &self,
        source: &VolumePath,
        destination: &VolumePath,
        keep_snapshots: bool,
    ) -> Result<OpReport> {
        let rel = self
            .relationships_matching(
                request::relationships_from_source(source, destination),
                &destination.to_string(),
            )
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::not_found(
                    ObjectKind::Relationship,
                    format!("{source} -> {destination}"),
                )
            })?
            .model;
        if let Some(r) = consult(MirrorOp::Release, &rel) {
            return r;
        }
        let flag = if keep_snapshots {
            DeleteFlag::SourceInfoOnly
        } else {
            DeleteFlag::SourceOnly
        };
        self.run(
            &request::delete_relationship(&rel.uuid, flag),
            &self.mirror_ctx(MirrorOp::Release, &rel),
        )
        .await?;
        Ok(report(MirrorOp::Release, None))
    }

    async fn delete(&self, destination: &VolumePath, scope: DeleteScope) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?.model;
        if let Some(r) = consult(MirrorOp::Delete, &rel) {
            return r;
        }
        self.run(
            &request::delete_relationship(&rel.uuid, scope.into()),
            &self.mirror_ctx(MirrorOp::Delete, &rel),
        )
        .await?;
        // `source_info_only` removes the source's record; the destination's stays.
        let left = match scope {
            DeleteScope::SourceInfoOnly => Some(self.find_relationship(destination).await?.model),
            _ => None,
        };
        Ok(report(MirrorOp::Delete, left))
    }

    async fn abort_transfer(&self, destination: &VolumePath) -> Result<OpReport> {
        let rel = self.find_relationship(destination).await?;
        if !self.abort_running(&rel).await? {
            return Ok(OpReport {
                op: MirrorOp::Update,
                already: Some(format!("{destination} has no transfer running")),
                relationship: Some(rel.model),
                discarded: None,
            });
        }
        let now = self.wait_transfer_end(destination).await?;
        Ok(report(MirrorOp::Update, Some(now.model)))
    }

    async fn transfer_progress(
        &self,
        destination: &VolumePath,
    ) -> Result<Option<TransferProgress>> {
        Ok(self.find_relationship(destination).await?.model.progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;
    use time::OffsetDateTime;
    use vrepl_storage::model::SnapshotName;

    fn snap(name: &str, at: OffsetDateTime) -> Snapshot {
        Snapshot {
            uuid: name.to_string(),
            name: SnapshotName::new(name).unwrap(),
            create_time: at,
            changed_bytes: 10,
            owners: vec![],
        }
    }

    fn rel(exported: Option<&str>) -> MirrorRelationship {
        MirrorRelationship {
            uuid: "u".into(),
            source: VolumePath::parse("fas2020upper:RG1FV1").unwrap(),
            destination: VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
            source_cluster: None,
            destination_cluster: None,
            policy: "Asynchronous".into(),
            state: MirrorState::BrokenOff,
            transfer: TransferStatus::Idle,
            progress: None,
            last_transfer: None,
            healthy: true,
            unhealthy_reason: None,
            lag: None,
            exported_snapshot: exported.map(|e| SnapshotName::new(e).unwrap()),
        }
    }

    #[test]
    fn preview_discards_destination_snapshots_newer_than_the_common_one() {
        let dst = vec![
            snap(
                "snapmirror.a_1.2026-11-22_000000",
                datetime!(2026-11-22 0:00 UTC),
            ),
            snap(
                "snapmirror.a_2.2026-11-22_001500",
                datetime!(2026-11-22 0:15 UTC),
            ),
            snap("site2_work", datetime!(2026-11-22 1:00 UTC)),
        ];
        let src = vec![
            snap(
                "snapmirror.a_1.2026-11-22_000000",
                datetime!(2026-11-22 0:00 UTC),
            ),
            snap(
                "snapmirror.a_2.2026-11-22_001500",
                datetime!(2026-11-22 0:15 UTC),
            ),
            snap(
                "snapmirror.a_3.2026-11-22_003000",
                datetime!(2026-11-22 0:30 UTC),
            ),
        ];
        let r = rel(None);
        let p =
            OntapRestClient::preview_from(r.clone(), r.destination.clone(), dst.clone(), Some(src));
        assert_eq!(
            p.common_snapshot.unwrap().as_str(),
            "snapmirror.a_2.2026-11-22_001500"
        );
        assert_eq!(
            p.discard.snapshots,
            vec![SnapshotName::new("site2_work").unwrap()]
        );

        // Without the source, the exported snapshot is the common one.
        let p = OntapRestClient::preview_from(
            rel(Some("snapmirror.a_1.2026-11-22_000000")),
            r.destination.clone(),
            dst.clone(),
            None,
        );
        assert_eq!(p.discard.snapshots.len(), 2);
        // Without either, the newest SnapMirror snapshot.
        let p = OntapRestClient::preview_from(rel(None), r.destination.clone(), dst, None);
        assert_eq!(
            p.common_snapshot.unwrap().as_str(),
            "snapmirror.a_2.2026-11-22_001500"
        );
    }

    #[test]
    fn a_snapshot_taken_in_the_same_second_as_the_common_one_is_newer() {
        let at = datetime!(2026-11-22 0:15 UTC);
        let common = "snapmirror.a_2.2026-11-22_001500";
        // Same second, and one whose clock reads earlier still: list order decides.
        let dst = vec![
            snap(common, at),
            snap("site2_same_second", at),
            snap("site2_skewed", datetime!(2026-11-22 0:14 UTC)),
        ];
        let src = vec![snap(common, at)];
        let r = rel(None);
        let p = OntapRestClient::preview_from(r.clone(), r.destination.clone(), dst, Some(src));
        assert_eq!(p.common_snapshot.unwrap().as_str(), common);
        let names: Vec<&str> = p.discard.snapshots.iter().map(|s| s.as_str()).collect();
        assert_eq!(names, ["site2_same_second", "site2_skewed"]);
        assert_eq!(p.discard.bytes, 20);
    }

    #[test]
    fn no_shared_snapshot_means_no_resync() {
        let r = rel(None);
        let p = OntapRestClient::preview_from(
            r.clone(),
            r.destination.clone(),
            vec![snap("hourly.0", datetime!(2026-11-22 0:00 UTC))],
            Some(vec![snap("hourly.1", datetime!(2026-11-22 0:00 UTC))]),
        );
        assert!(p.common_snapshot.is_none());
        assert!(matches!(
            OntapRestClient::refuse_loss(MirrorOp::Resync, &p, DiscardPolicy::Accept),
            Err(Error::NoCommonSnapshot { .. })
        ));
    }
}

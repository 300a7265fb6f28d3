//! The async traits every backend implements: [`StorageArray`] for volumes, snapshots,
//! FlexClones, LUNs, igroups, maps and exports, and [`MirrorControl`] for SnapMirror.
//!
//! Both are object safe: hold a backend as [`DynArray`] (`Arc<dyn Array>`). One value stands
//! for one cluster; mirror calls go to the cluster that holds the relationship's destination.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::Result;
use crate::mirror::{
    DeleteScope, DiscardPolicy, MirrorRelationship, NewRelationship, OnTransfer, OpReport,
    ResyncPreview, TransferProgress,
};
use crate::model::{
    CloneSpec, ClusterName, ExportRule, Igroup, IgroupName, Initiator, JunctionPath, Lun, LunMap,
    LunPath, NewExportRule, NewIgroup, NewLun, NewVolume, PolicyName, Snapshot, SnapshotName,
    SvmName, Volume, VolumeName, VolumePath, VolumeState,
};

/// Volumes, snapshots, FlexClones, LUNs, igroups, LUN maps and NFS exports of one cluster.
#[async_trait]
pub trait StorageArray: fmt::Debug + Send + Sync {
    /// The cluster's name (`fas2050`).
    fn cluster(&self) -> &ClusterName;

    /// The SVMs the cluster serves.
    async fn list_svms(&self) -> Result<Vec<SvmName>>;

    /// Volumes, all or of one SVM.
    async fn list_volumes(&self, svm: Option<&SvmName>) -> Result<Vec<Volume>>;
    /// One volume.
    async fn volume(&self, path: &VolumePath) -> Result<Volume>;
    /// Creates a volume (online).
    async fn create_volume(&self, spec: &NewVolume) -> Result<Volume>;
    /// Deletes a volume. Refused while it is mounted, has a mapped LUN or FlexClones, or is in a
    /// SnapMirror relationship.
    async fn delete_volume(&self, path: &VolumePath) -> Result<()>;
    /// Takes a volume online, offline or restricted.
    async fn set_volume_state(&self, path: &VolumePath, state: VolumeState) -> Result<()>;
    /// Mounts a volume at a junction path in its SVM's namespace.
    async fn mount_volume(&self, path: &VolumePath, junction: &JunctionPath) -> Result<()>;
    /// Removes a volume's junction.
    async fn unmount_volume(&self, path: &VolumePath) -> Result<()>;

    /// A volume's snapshots, oldest first.
    async fn list_snapshots(&self, volume: &VolumePath) -> Result<Vec<Snapshot>>;
    /// Takes a snapshot.
    async fn create_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<Snapshot>;
    /// Deletes a snapshot; a snapshot held by SnapMirror or a FlexClone is [`crate::Error::Busy`].
    async fn delete_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<()>;

    /// Creates a FlexClone and returns it.
    async fn create_clone(&self, spec: &CloneSpec) -> Result<Volume>;
    /// Splits a FlexClone from its parent (refused while the clone is in a DP relationship).
    async fn split_clone(&self, path: &VolumePath) -> Result<()>;

    /// LUNs, all or of one volume.
    async fn list_luns(&self, volume: Option<&VolumePath>) -> Result<Vec<Lun>>;
    /// Creates a LUN.
    async fn create_lun(&self, spec: &NewLun) -> Result<Lun>;
    /// Brings a LUN online or takes it offline.
    async fn set_lun_online(&self, svm: &SvmName, lun: &LunPath, online: bool) -> Result<()>;

    /// Igroups, all or of one SVM.
    async fn list_igroups(&self, svm: Option<&SvmName>) -> Result<Vec<Igroup>>;
    /// Creates an igroup.
    async fn create_igroup(&self, spec: &NewIgroup) -> Result<Igroup>;
    /// Adds an initiator to an igroup.
    async fn add_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()>;
    /// Removes an initiator from an igroup.
    async fn remove_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()>;

    /// LUN maps, all or of one SVM.
    async fn list_lun_maps(&self, svm: Option<&SvmName>) -> Result<Vec<LunMap>>;
    /// Maps a LUN to an igroup under `lun_id`, or the lowest free id when `None`.
    async fn map_lun(
        &self,
        svm: &SvmName,
        lun: &LunPath,
        igroup: &IgroupName,
        lun_id: Option<u32>,
    ) -> Result<LunMap>;
    /// Removes a LUN map.
    async fn unmap_lun(&self, svm: &SvmName, lun: &LunPath, igroup: &IgroupName) -> Result<()>;

    /// The rules of an export policy.
    async fn list_export_rules(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
    ) -> Result<Vec<ExportRule>>;
    /// Creates an export policy (with no rules).
    async fn create_export_policy(&self, svm: &SvmName, policy: &PolicyName) -> Result<()>;
    /// Appends a rule to an export policy.
    async fn add_export_rule(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
        rule: &NewExportRule,
    ) -> Result<ExportRule>;
    /// Applies an export policy to a volume.
    async fn set_export_policy(&self, volume: &VolumePath, policy: &PolicyName) -> Result<()>;
}

/// SnapMirror control, on the cluster that holds the destinations.
///
/// Every mutating call consults [`crate::mirror::check`] first and returns
/// [`crate::Error::IllegalState`] (or an `already` report) exactly as the table says.
#[async_trait]
pub trait MirrorControl: fmt::Debug + Send + Sync {
    /// Relationships whose destination is on this cluster.
    async fn list_relationships(&self) -> Result<Vec<MirrorRelationship>>;
    /// The relationship with this destination.
    async fn relationship(&self, destination: &VolumePath) -> Result<MirrorRelationship>;
    /// Relationships whose destination volume has this name, in any SVM (for `snapctl break RG1FV1_SM`).
    async fn find_by_destination_volume(
        &self,
        volume: &VolumeName,
    ) -> Result<Vec<MirrorRelationship>> {
        Ok(self
            .list_relationships()
            .await?
            .into_iter()
            .filter(|r| &r.destination.volume == volume)
            .collect())
    }
    /// Creates a relationship (uninitialized); the destination must be a dp volume.
    async fn create_relationship(&self, spec: &NewRelationship) -> Result<MirrorRelationship>;
    /// Starts the baseline transfer.
    async fn initialize(&self, destination: &VolumePath) -> Result<OpReport>;
    /// Starts an incremental transfer of the source's changes.
    async fn update(&self, destination: &VolumePath) -> Result<OpReport>;
    /// Blocks new transfers; a running one finishes first (the report shows `quiescing`).
    async fn quiesce(&self, destination: &VolumePath) -> Result<OpReport>;
    /// Undoes a quiesce.
    async fn resume(&self, destination: &VolumePath) -> Result<OpReport>;
    /// Makes the destination writable. Needs only this cluster: it works with the source down.
    async fn break_off(
        &self,
        destination: &VolumePath,
        on_transfer: OnTransfer,
    ) -> Result<OpReport>;
    /// What a resync would roll back, without changing anything.
    async fn resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview>;
    /// Re-establishes a broken-off relationship in its direction; refuses to discard data unless
    /// `discard` is [`DiscardPolicy::Accept`].
    async fn resync(&self, destination: &VolumePath, discard: DiscardPolicy) -> Result<OpReport>;
    /// What a reverse resync would roll back on the current source, without changing anything.
    async fn reverse_resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview>;
    /// Reverses a broken-off relationship: the current destination becomes the source, and the
    /// current source is rolled back to the common snapshot and becomes a dp destination.
    /// The report carries the new relationship, held by the other cluster from then on.
    async fn reverse_resync(
        &self,
        destination: &VolumePath,
        discard: DiscardPolicy,
    ) -> Result<OpReport>;
    /// On the source cluster: forgets the destination; unless `keep_snapshots`, deletes the
    /// relationship's SnapMirror snapshots (a later resync may then be impossible).
    async fn release(
        &self,
        source: &VolumePath,
        destination: &VolumePath,
        keep_snapshots: bool,
    ) -> Result<OpReport>;
    /// Removes the relationship.
    async fn delete(&self, destination: &VolumePath, scope: DeleteScope) -> Result<OpReport>;
    /// Aborts the running transfer (an `already` report when none runs).
    async fn abort_transfer(&self, destination: &VolumePath) -> Result<OpReport>;
    /// The running transfer's progress, if one runs.
    async fn transfer_progress(&self, destination: &VolumePath)
        -> Result<Option<TransferProgress>>;
}

/// A whole backend: storage and mirror control of one cluster.
pub trait Array: StorageArray + MirrorControl {}

impl<T: StorageArray + MirrorControl + ?Sized> Array for T {}

/// A shared, type-erased backend.
pub type DynArray = Arc<dyn Array>;

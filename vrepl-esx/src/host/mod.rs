//! The [`EsxHost`] trait: what a runbook asks of an ESX host to turn a replicated or cloned LUN
//! (or an NFS export) into a datastore, and to check what is on it.
//!
//! [`mount_copy`] is the one call for "present this copy of datastore X": it rescans and picks
//! the per-volume commands or the ESX 3.x LVM options by the host's release.

mod names;
mod present;
mod types;

use std::fmt;

use async_trait::async_trait;

pub use names::{DatastoreName, DatastorePath, NfsServer, NfsShare, OptionPath, VmfsUuid};
pub use present::{mount_copy, Resolution};
pub use types::{
    Adapter, AdvancedOption, Device, DirEntry, EsxVersion, Filesystem, NfsDatastore, NfsMount,
    Persistence, UnresolvedVolume, VolumeRef,
};

use crate::error::Result;

/// One ESX host. Object safe: hold it as `Arc<dyn EsxHost>`.
///
/// Nothing here creates or formats a filesystem: a copy of a datastore is only ever mounted or
/// resignatured, never overwritten.
#[async_trait]
pub trait EsxHost: fmt::Debug + Send + Sync {
    /// The host's name or address, for messages.
    fn endpoint(&self) -> &str;

    /// The product and release it runs.
    async fn version(&self) -> Result<EsxVersion>;

    /// Reads an integer advanced option, such as [`OptionPath::disallow_snapshot_lun`].
    async fn advanced_option(&self, path: &OptionPath) -> Result<AdvancedOption>;
    /// Sets an integer advanced option (the option is read first, so an unknown one is
    /// [`crate::EsxError::NotFound`]). ESXi 5 and later refuse the host-wide LVM snapshot
    /// options: resolve each volume with [`EsxHost::mount_snapshot`] or
    /// [`EsxHost::resignature_snapshot`] instead.
    async fn set_advanced_option(&self, path: &OptionPath, value: i64) -> Result<()>;

    /// Rescans every storage adapter for new or removed devices (and their filesystems).
    async fn rescan_all_hbas(&self) -> Result<()>;
    /// Rescans the known devices for VMFS volumes.
    async fn rescan_vmfs(&self) -> Result<()>;

    /// The storage adapters, with their WWPNs.
    async fn adapters(&self) -> Result<Vec<Adapter>>;
    /// The SCSI devices seen at the last rescan.
    async fn devices(&self) -> Result<Vec<Device>>;
    /// Mounted filesystems (VMFS and NFS datastores).
    async fn filesystems(&self) -> Result<Vec<Filesystem>>;

    /// VMFS copies found on rescan that are not mounted, with whether they can be.
    async fn unresolved_volumes(&self) -> Result<Vec<UnresolvedVolume>>;
    /// Mounts a VMFS copy keeping its signature (its original name and UUID).
    async fn mount_snapshot(&self, volume: &VolumeRef, persistence: Persistence) -> Result<()>;
    /// Gives a VMFS copy a new signature and mounts it; returns the new datastore
    /// (`snap-XXXXXXXX-<label>`).
    async fn resignature_snapshot(&self, volume: &VolumeRef) -> Result<Filesystem>;
    /// Unmounts a VMFS datastore. ESXi keeps it unmounted across rescans (and reboots) until
    /// [`EsxHost::mount_vmfs`] mounts it again.
    async fn unmount_vmfs(&self, name: &DatastoreName) -> Result<()>;
    /// Mounts again an original (not a copy's) VMFS volume the host knows but that was
    /// unmounted. Mounting a mounted datastore is success; a volume the host does not know is
    /// [`crate::EsxError::NotFound`]. Copies are mounted with [`EsxHost::mount_snapshot`].
    async fn mount_vmfs(&self, name: &DatastoreName) -> Result<()>;

    /// Mounted NFS datastores.
    async fn nfs_datastores(&self) -> Result<Vec<NfsDatastore>>;
    /// Mounts an NFS export as a datastore.
    async fn mount_nfs(&self, mount: &NfsMount) -> Result<()>;
    /// Unmounts an NFS datastore.
    async fn unmount_nfs(&self, name: &DatastoreName) -> Result<()>;

    /// Lists a directory of a mounted datastore (`/vmfs/volumes/<name>/<dir>`).
    async fn list_datastore(
        &self,
        datastore: &DatastoreName,
        dir: &DatastorePath,
    ) -> Result<Vec<DirEntry>>;
    /// Reads a file of a mounted datastore, such as a VM's `.vmx`.
    async fn read_datastore_file(
        &self,
        datastore: &DatastoreName,
        file: &DatastorePath,
    ) -> Result<Vec<u8>>;
}

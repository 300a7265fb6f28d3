//! Simulated NetApp clusters on one simulated SAN/IP fabric, with real semantics.
//!
//! - DP (SnapMirror destination) volumes are read-only; volumes and LUNs hold content (NFS
//!   files; a VMFS header and small files per LUN); snapshots freeze it.
//! - SnapMirror goes through [`crate::mirror::check`], the one transition table. An update takes
//!   a `snapmirror.…` snapshot on the source and sends its changed bytes at the fabric's
//!   bandwidth on tokio's clock (so a paused clock in tests makes transfers instant to wait
//!   for); then the destination equals that snapshot.
//! - Resync rolls the destination back to the newest common snapshot and says what it
//!   discards; reverse resync turns the relationship round; FlexClones share (and lock) their
//!   parent snapshot and carry its LUNs with new serial numbers.
//! - Faults ([`Fault`]) and unreachable clusters can be injected.
//!
//! [`Fabric::lab`] builds the seed's two-site lab from `fixtures/lab/topology.json`.
//!
//! Fail over RG1FV1 to Site 2, write there, and fail back so the write is at Site 1:
//!
//! ```
//! use vrepl_storage::mirror::{DiscardPolicy, OnTransfer};
//! use vrepl_storage::model::VolumePath;
//! use vrepl_storage::sim::{DataPath, Fabric};
//! use vrepl_storage::{MirrorControl, StorageArray};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> vrepl_storage::Result<()> {
//! let fabric = Fabric::lab();
//! let (site1, site2) = (fabric.array("fas2020")?, fabric.array("fas2050")?);
//! let sm = VolumePath::parse("fas2050upper:RG1FV1_SM")?;
//! let prod = VolumePath::parse("fas2020upper:RG1FV1")?;
//!
//! site2.break_off(&sm, OnTransfer::Fail).await?;
//! let note = DataPath::file("Failback Test/readme.txt");
//! fabric.write_file(&sm, &note, b"written at Site 2")?;
//!
//! // Fail back: Site 1 becomes the destination, receives the change, and is broken off.
//! let back = site2.reverse_resync(&sm, DiscardPolicy::Refuse).await?;
//! assert_eq!(back.relationship.unwrap().destination, prod);
//! vrepl_storage::wait::wait_idle(&site1, &prod, Default::default()).await?;
//! site1.break_off(&prod, OnTransfer::Wait).await?;
//! assert_eq!(fabric.read_file(&prod, &note)?, b"written at Site 2");
//!
//! // Restore the original direction.
//! site1.reverse_resync(&prod, DiscardPolicy::Refuse).await?;
//! vrepl_storage::wait::wait_idle(&site2, &sm, Default::default()).await?;
//! assert_eq!(site2.volume(&sm).await?.kind, vrepl_storage::model::VolumeType::Dp);
//! # Ok(())
//! # }
//! ```

mod array;
mod content;
mod fabric;
mod ids;
mod lab;
mod mirror;
mod ops;
mod topology;
mod transfer;
mod types;
mod world;

pub use array::SimArray;
pub use fabric::Fabric;
pub use lab::LAB_TOPOLOGY_JSON;
pub use topology::{
    ClusterSpec, DatastoreKind, DatastoreSpec, ExportPolicySpec, HostSpec, IgroupSpec, LabTopology,
    LunSpec, MapSpec, ProtectionGroupSpec, RelationshipSpec, SiteSpec, SvmSpec, VolumeSpec,
};
pub use types::{
    ClusterInfo, DataPath, Fault, LabOptions, NfsExport, SvmInfo, VisibleLun, VmfsHeader,
};

#[cfg(test)]
mod tests;

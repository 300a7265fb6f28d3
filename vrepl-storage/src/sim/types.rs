//! The public value types of the simulator: what tests and emulators pass in and get back.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Error;
use crate::model::{ClusterName, IgroupName, Lun, LunName, SvmName, VolumePath};

/// Where data lives inside a volume: a stand-in for a VM or an ESX host writing.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DataPath {
    /// A file in an NFS volume, such as `dir/a.txt`.
    File(String),
    /// A file inside the VMFS on a LUN of the volume, such as `HR-App1/HR-App1.vmx`.
    Vmfs {
        /// The LUN's file name in the volume (`RP1.lun`).
        lun: LunName,
        /// The file's path inside the VMFS.
        path: String,
    },
}

impl DataPath {
    /// A file in an NFS volume.
    pub fn file(path: impl Into<String>) -> Self {
        Self::File(path.into())
    }

    /// A file inside the VMFS on `lun`.
    pub fn vmfs(lun: LunName, path: impl Into<String>) -> Self {
        Self::Vmfs {
            lun,
            path: path.into(),
        }
    }
}

impl fmt::Display for DataPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::File(p) => f.write_str(p),
            Self::Vmfs { lun, path } => write!(f, "[{lun}] {path}"),
        }
    }
}

/// The VMFS superblock fields ESX cares about when it decides whether a LUN holds a copy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmfsHeader {
    /// The datastore label (`RP1`).
    pub label: String,
    /// The VMFS UUID, `49d22e2e-996a0dea-b555-001f2960aed8` style.
    pub uuid: String,
    /// The NAA id of the device the file system was created on; a LUN whose own NAA id differs
    /// holds a snapshot (copy) of the file system.
    pub formatted_on: String,
}

/// A LUN as an initiator sees it on the fabric.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisibleLun {
    /// The cluster presenting it.
    pub cluster: ClusterName,
    /// The SVM presenting it.
    pub svm: SvmName,
    /// The LUN.
    pub lun: Lun,
    /// The igroup through which the initiator sees it.
    pub igroup: IgroupName,
    /// The LUN id the host sees.
    pub lun_id: u32,
    /// The device's NAA id.
    pub naa: String,
    /// Whether writes are refused (its volume is a SnapMirror destination).
    pub read_only: bool,
    /// Whether the LUN and its volume are online.
    pub online: bool,
}

/// What an NFS mount request resolves to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NfsExport {
    /// The volume behind the export.
    pub volume: VolumePath,
    /// Whether the client may only read (a dp volume, or a read-only rule).
    pub read_only: bool,
}

/// One SVM of a cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SvmInfo {
    /// Its name.
    pub name: SvmName,
    /// Its UUID (part of the names of SnapMirror snapshots it is the destination of).
    pub uuid: String,
    /// The IPv4 address of its NFS data LIF.
    pub nfs_lif: String,
}

/// A cluster's identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// Its name.
    pub name: ClusterName,
    /// Its UUID.
    pub uuid: String,
    /// The ONTAP release, such as `(9, 16, 1)`.
    pub version: (u8, u8, u8),
    /// Its SVMs.
    pub svms: Vec<SvmInfo>,
}

/// How to build the lab.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabOptions {
    /// Behave like the seed's 7-Mode arrays where they differ (FlexClone LUNs start offline,
    /// new dp volumes start restricted).
    pub seven_mode: bool,
    /// Replication bandwidth: a transfer takes its changed bytes divided by this, in tokio time.
    pub bandwidth_bytes_per_sec: u64,
    /// The simulated wall-clock time when the lab starts; `None` means now (and the simulated
    /// clock then keeps up with real time across [`super::Fabric::to_json`] /
    /// [`super::Fabric::from_json`]).
    pub start_time: Option<time::OffsetDateTime>,
}

impl Default for LabOptions {
    fn default() -> Self {
        Self {
            seven_mode: false,
            bandwidth_bytes_per_sec: DEFAULT_BANDWIDTH,
            start_time: None,
        }
    }
}

/// 10 MiB/s: a modest WAN link.
pub(crate) const DEFAULT_BANDWIDTH: u64 = 10 << 20;

/// A fault injected into one cluster with [`super::Fabric::inject`].
///
/// ```
/// use std::time::Duration;
/// use vrepl_storage::sim::{Fabric, Fault};
/// use vrepl_storage::Error;
///
/// let fabric = Fabric::lab();
/// fabric.inject("fas2050", Fault::FailNext {
///     op: "update",
///     error: || Error::Timeout { what: "the update job".into(), after: Duration::from_secs(30) },
/// });
/// fabric.inject("fas2050", Fault::Latency(Duration::from_millis(200)));
/// fabric.inject("fas2020", Fault::FailTransfers { message: "replication network down".into() });
/// fabric.clear_faults();
/// ```
#[derive(Clone, Debug)]
pub enum Fault {
    /// The next call of the named trait method (`"update"`, `"create_clone"`, …) on the cluster
    /// fails with the error `error` makes.
    FailNext {
        /// The `StorageArray` / `MirrorControl` method name, as written in the traits:
        /// `"update"`, `"break_off"`, `"resync"`, `"create_clone"`, `"map_lun"`, `"list_volumes"`, ….
        op: &'static str,
        /// Makes the error to return.
        error: fn() -> Error,
    },
    /// Every call on the cluster takes this much longer (tokio time).
    Latency(Duration),
    /// Every transfer to or from the cluster fails when it would complete, with this message.
    FailTransfers {
        /// The reason the relationship reports.
        message: String,
    },
}

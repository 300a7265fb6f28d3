//! What one emulated host remembers: its configuration, advanced options, the devices it saw
//! at its last rescan, and what it has mounted.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use vrepl_storage::model::{VolumePath, Wwpn};

use crate::host::EsxVersion;

/// Who the host is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostConfig {
    /// Host name (`site2-esx1`).
    pub name: String,
    /// Management (and NFS client) IPv4 address.
    pub ip: String,
    /// ESX release, such as `3.0.2` or `6.7.0`.
    pub esx_version: String,
    /// WWPNs of its FC HBA ports (one adapter each: vmhba1, vmhba2, …).
    pub wwpns: Vec<Wwpn>,
}

impl HostConfig {
    /// The release as `vmware -v` prints it.
    pub fn version(&self) -> EsxVersion {
        let mut parts = self
            .esx_version
            .split('.')
            .map(|p| p.parse::<u8>().unwrap_or(0));
        let release = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        let product = match release.0 {
            0..=3 => "VMware ESX Server",
            4 => "VMware ESX",
            _ => "VMware ESXi",
        };
        let build = match release {
            (3, 0, _) => 52542,
            (3, 5, _) => 153875,
            (4, 0, _) => 164009,
            (4, 1, _) => 260247,
            (5, _, _) => 1331820,
            (6, 0, _) => 3620759,
            (6, 5, _) => 5310538,
            (6, 7, _) => 8169922,
            (7, _, _) => 19193900,
            _ => 20513097,
        };
        EsxVersion {
            product: product.into(),
            release,
            build: Some(build),
        }
    }

    /// The VMFS version this release formats and reports.
    pub fn vmfs_type(&self) -> &'static str {
        match self.version().release {
            (0..=4, _, _) => "VMFS-3",
            (5, _, _) | (6, 0, _) => "VMFS-5",
            _ => "VMFS-6",
        }
    }
}

/// A device seen at a rescan, through one adapter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeenLun {
    /// The adapter it was seen through.
    pub adapter: String,
    /// NAA id.
    pub naa: String,
    /// LUN id.
    pub lun_id: u32,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Read-only (a SnapMirror destination).
    pub read_only: bool,
    /// Online.
    pub online: bool,
}

/// A mounted VMFS.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmfsMount {
    /// The device.
    pub naa: String,
    /// The VMFS UUID.
    pub uuid: String,
    /// The label.
    pub label: String,
    /// Survives a reboot.
    pub persistent: bool,
}

/// A mounted NFS datastore.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NfsMountState {
    /// Datastore name.
    pub name: String,
    /// Server as given.
    pub host: String,
    /// Share as given.
    pub share: String,
    /// The volume behind it.
    pub volume: VolumePath,
    /// Mounted read-only.
    pub read_only: bool,
    /// Its `/vmfs/volumes/<id>` id.
    pub id: String,
}

/// Everything the host remembers.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct HostState {
    /// Advanced options that differ from their defaults.
    pub options: BTreeMap<String, i64>,
    /// Devices as of the last rescan.
    pub view: Vec<SeenLun>,
    /// Mounted VMFS volumes.
    pub vmfs: Vec<VmfsMount>,
    /// VMFS UUIDs unmounted by hand: not mounted again automatically.
    pub unmounted: BTreeSet<String>,
    /// Mounted NFS datastores.
    pub nfs: Vec<NfsMountState>,
    /// Every command line received, in order.
    pub log: Vec<String>,
    /// Reboots so far.
    pub boots: u32,
}

impl HostState {
    /// Devices by NAA id, each once.
    pub fn devices(&self) -> Vec<&SeenLun> {
        let mut seen = BTreeSet::new();
        self.view
            .iter()
            .filter(|l| seen.insert(l.naa.clone()))
            .collect()
    }

    /// The device with this NAA id, if seen.
    pub fn device(&self, naa: &str) -> Option<&SeenLun> {
        self.view.iter().find(|l| l.naa == naa)
    }

    /// Whether a VMFS with this UUID is mounted.
    pub fn uuid_mounted(&self, uuid: &str) -> bool {
        self.vmfs.iter().any(|m| m.uuid == uuid)
    }
}

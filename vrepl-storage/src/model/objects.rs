//! The objects an array holds: volumes, snapshots, LUNs, igroups, LUN maps and export rules.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::initiator::Initiator;
use super::name::{
    IgroupName, JunctionPath, LunPath, PolicyName, SnapshotName, SvmName, VolumeName, VolumePath,
};

/// Whether a volume takes writes (`rw`) or is a SnapMirror destination (`dp`, read-only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeType {
    /// Read-write.
    Rw,
    /// Data protection: a SnapMirror destination, read-only to clients.
    Dp,
}

impl fmt::Display for VolumeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rw => "rw",
            Self::Dp => "dp",
        })
    }
}

/// A volume's administrative state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VolumeState {
    /// Serving data.
    Online,
    /// Not serving data, but available for SnapMirror (7-Mode destinations before initialize).
    Restricted,
    /// Not serving data.
    Offline,
}

impl fmt::Display for VolumeState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Online => "online",
            Self::Restricted => "restricted",
            Self::Offline => "offline",
        })
    }
}

/// Where a FlexClone came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneParent {
    /// The parent volume.
    pub volume: VolumePath,
    /// The parent snapshot the clone shares (locked while the clone exists).
    pub snapshot: SnapshotName,
}

/// A FlexVol (or FlexClone) volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Volume {
    /// The array's identifier for the volume.
    pub uuid: String,
    /// `svm:volume`.
    pub path: VolumePath,
    /// rw or dp.
    #[serde(rename = "type")]
    pub kind: VolumeType,
    /// online, restricted or offline.
    pub state: VolumeState,
    /// Provisioned size in bytes.
    pub size_bytes: u64,
    /// Where the volume is mounted in the SVM's NFS namespace, if it is.
    pub junction_path: Option<JunctionPath>,
    /// The NFS export policy applied to the volume.
    pub export_policy: Option<PolicyName>,
    /// Set while the volume is a FlexClone that has not been split from its parent.
    pub clone_parent: Option<CloneParent>,
}

impl Volume {
    /// Whether the volume is a FlexClone still sharing blocks with its parent.
    pub fn is_flexclone(&self) -> bool {
        self.clone_parent.is_some()
    }
}

/// A read-only point-in-time image of a volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The array's identifier.
    pub uuid: String,
    /// The snapshot's name, unique within its volume.
    pub name: SnapshotName,
    /// When it was taken.
    #[serde(with = "time::serde::rfc3339")]
    pub create_time: OffsetDateTime,
    /// Bytes that changed in the volume between the previous snapshot and this one.
    pub changed_bytes: u64,
    /// What holds the snapshot (`snapmirror`, `volume_clone`): a held snapshot cannot be deleted.
    pub owners: Vec<String>,
}

impl Snapshot {
    /// Whether SnapMirror created this snapshot (`snapmirror.…` in ONTAP 9).
    pub fn is_snapmirror(&self) -> bool {
        self.name.as_str().starts_with("snapmirror.")
    }

    /// Whether something (SnapMirror, a FlexClone) holds it.
    pub fn is_busy(&self) -> bool {
        !self.owners.is_empty()
    }
}

/// A LUN's operating-system type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OsType {
    /// VMware ESX.
    Vmware,
    /// Linux.
    Linux,
    /// Windows.
    Windows,
}

impl fmt::Display for OsType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Vmware => "vmware",
            Self::Linux => "linux",
            Self::Windows => "windows",
        })
    }
}

/// A LUN inside a volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lun {
    /// The array's identifier.
    pub uuid: String,
    /// The SVM holding it.
    pub svm: SvmName,
    /// `/vol/VOLUME/NAME`.
    pub path: LunPath,
    /// The 12-character serial number that hosts see in the device's NAA identifier.
    pub serial: String,
    /// Administratively online.
    pub online: bool,
    /// Whether hosts can only read it (its volume is a SnapMirror destination).
    pub read_only: bool,
    /// OS type.
    pub os_type: OsType,
    /// Size in bytes.
    pub size_bytes: u64,
}

impl Lun {
    /// The NAA identifier ESX shows for this LUN (`naa.60a98000` + the serial in hex),
    /// as for every NetApp LUN.
    pub fn naa_id(&self) -> String {
        naa_id_for_serial(&self.serial)
    }
}

/// The NAA identifier of a NetApp LUN with this serial number.
pub fn naa_id_for_serial(serial: &str) -> String {
    let hex: String = serial.bytes().map(|b| format!("{b:02x}")).collect();
    format!("naa.60a98000{hex}")
}

/// An igroup's protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IgroupProtocol {
    /// Fibre Channel only.
    Fcp,
    /// iSCSI only.
    Iscsi,
    /// Both.
    Mixed,
}

impl IgroupProtocol {
    /// Whether an initiator of this kind may join the group.
    pub fn admits(&self, initiator: &Initiator) -> bool {
        matches!(
            (self, initiator),
            (Self::Mixed, _) | (Self::Fcp, Initiator::Fc(_)) | (Self::Iscsi, Initiator::Iscsi(_))
        )
    }
}

impl fmt::Display for IgroupProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Fcp => "fcp",
            Self::Iscsi => "iscsi",
            Self::Mixed => "mixed",
        })
    }
}

/// An initiator group: the hosts a LUN map presents LUNs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Igroup {
    /// The array's identifier.
    pub uuid: String,
    /// The SVM holding it.
    pub svm: SvmName,
    /// Its name, such as `Fibre`.
    pub name: IgroupName,
    /// fcp, iscsi or mixed.
    pub protocol: IgroupProtocol,
    /// OS type of its hosts.
    pub os_type: OsType,
    /// Member initiators.
    pub initiators: Vec<Initiator>,
}

/// A LUN presented to an igroup under a LUN id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunMap {
    /// The SVM holding both.
    pub svm: SvmName,
    /// The LUN.
    pub lun: LunPath,
    /// The igroup.
    pub igroup: IgroupName,
    /// The LUN id hosts see.
    pub lun_id: u32,
}

/// One rule of an NFS export policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportRule {
    /// Position in the policy.
    pub index: u32,
    /// Client match: an address, a subnet (`192.168.2.0/24`) or `0.0.0.0/0`.
    pub clients: String,
    /// Clients may write.
    pub read_write: bool,
    /// Root on the client is root on the export.
    pub superuser: bool,
}

impl ExportRule {
    /// Whether the rule admits the client at `addr` (an IPv4 address).
    pub fn matches(&self, addr: &str) -> bool {
        client_matches(&self.clients, addr)
    }
}

/// Whether an export rule's client match (address, `a.b.c.d/len` or `0.0.0.0/0`) admits `addr`.
pub fn client_matches(pattern: &str, addr: &str) -> bool {
    fn ip(s: &str) -> Option<u32> {
        let parts: Vec<u8> = s
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        (parts.len() == 4).then(|| u32::from_be_bytes([parts[0], parts[1], parts[2], parts[3]]))
    }
    let Some(a) = ip(addr) else {
        return pattern == addr;
    };
    match pattern.split_once('/') {
        Some((net, len)) => match (ip(net), len.parse::<u32>()) {
            (Some(n), Ok(len)) if len <= 32 => {
                let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                a & mask == n & mask
            }
            _ => false,
        },
        None => ip(pattern) == Some(a),
    }
}

/// What to create: a new volume.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewVolume {
    /// Where.
    pub path: VolumePath,
    /// rw or dp (a SnapMirror destination is created dp).
    pub kind: VolumeType,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What to create: a FlexClone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CloneSpec {
    /// The parent volume (a SnapMirror destination in a DR test).
    pub parent: VolumePath,
    /// The clone's name, in the parent's SVM.
    pub name: VolumeName,
    /// The parent snapshot; `None` means the newest SnapMirror snapshot (or, on a volume that has
    /// none, a new snapshot of the parent).
    pub parent_snapshot: Option<SnapshotName>,
    /// Mount the clone here so it can be NFS-mounted.
    pub junction_path: Option<JunctionPath>,
}

/// What to create: a LUN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewLun {
    /// The SVM.
    pub svm: SvmName,
    /// Where.
    pub path: LunPath,
    /// OS type.
    pub os_type: OsType,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// What to create: an igroup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewIgroup {
    /// The SVM.
    pub svm: SvmName,
    /// Its name.
    pub name: IgroupName,
    /// fcp, iscsi or mixed.
    pub protocol: IgroupProtocol,
    /// OS type of its hosts.
    pub os_type: OsType,
    /// Initial members.
    pub initiators: Vec<Initiator>,
}

/// What to create: an export rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewExportRule {
    /// Client match.
    pub clients: String,
    /// Clients may write.
    pub read_write: bool,
    /// Root on the client is root on the export.
    pub superuser: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn naa_id_is_netapp_prefix_plus_hex_serial() {
        assert_eq!(
            naa_id_for_serial("wf0Iq+N4uck3"),
            "naa.60a9800077663049712b4e3475636b33"
        );
    }

    #[test]
    fn client_match_handles_subnets() {
        assert!(client_matches("0.0.0.0/0", "192.168.2.8"));
        assert!(client_matches("192.168.2.0/24", "192.168.2.8"));
        assert!(!client_matches("192.168.1.0/24", "192.168.2.8"));
        assert!(client_matches("192.168.2.8", "192.168.2.8"));
        assert!(!client_matches("192.168.2.0/33", "192.168.2.8"));
    }

    #[test]
    fn igroup_protocol_admits_matching_initiators() {
        let fc = Initiator::parse("10:00:00:00:c9:6a:fb:66").unwrap();
        let iscsi = Initiator::parse("iqn.1998-01.com.vmware:esx1").unwrap();
        assert!(IgroupProtocol::Fcp.admits(&fc));
        assert!(!IgroupProtocol::Fcp.admits(&iscsi));
        assert!(IgroupProtocol::Mixed.admits(&iscsi));
    }
}

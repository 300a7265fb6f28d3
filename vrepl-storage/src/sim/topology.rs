//! The lab as data: the shape of `fixtures/lab/topology.json`, also what
//! [`super::Fabric::topology`] returns.

use serde::{Deserialize, Serialize};

use crate::model::{
    ClusterName, ExportRule, IgroupName, IgroupProtocol, Initiator, JunctionPath, LunName, OsType,
    PolicyName, SvmName, VolumeName, VolumePath, VolumeType, Wwpn,
};

/// The whole lab: sites, arrays, hosts, datastores and protection groups.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabTopology {
    /// The data centres.
    pub sites: Vec<SiteSpec>,
    /// The storage clusters.
    pub clusters: Vec<ClusterSpec>,
    /// SnapMirror relationships, initialized when the lab starts.
    pub relationships: Vec<RelationshipSpec>,
    /// The ESX hosts.
    pub hosts: Vec<HostSpec>,
    /// Datastores (a VMFS on a LUN, or an NFS volume), with the VMs stored on them.
    pub datastores: Vec<DatastoreSpec>,
    /// Protection groups: the datastores that fail over together.
    pub protection_groups: Vec<ProtectionGroupSpec>,
}

/// A data centre.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteSpec {
    /// `Site 1`.
    pub name: String,
    /// What it is for.
    pub role: String,
    /// Its management subnet, such as `192.168.1.0/24`.
    pub subnet: String,
}

/// A cluster and what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterSpec {
    /// `fas2020`.
    pub name: ClusterName,
    /// The site it stands in.
    pub site: String,
    /// Its UUID.
    pub uuid: String,
    /// Its ONTAP release.
    pub version: (u8, u8, u8),
    /// Its SVMs.
    pub svms: Vec<SvmSpec>,
}

/// An SVM and what it holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SvmSpec {
    /// `fas2020upper`.
    pub name: SvmName,
    /// Its UUID.
    pub uuid: String,
    /// Its NFS data LIF (IPv4).
    pub nfs_lif: String,
    /// Export policies and their rules.
    #[serde(default)]
    pub export_policies: Vec<ExportPolicySpec>,
    /// Igroups.
    #[serde(default)]
    pub igroups: Vec<IgroupSpec>,
    /// Volumes.
    #[serde(default)]
    pub volumes: Vec<VolumeSpec>,
}

/// An export policy.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportPolicySpec {
    /// Its name.
    pub name: PolicyName,
    /// Its rules, in order (indexes are assigned from 1).
    pub rules: Vec<ExportRule>,
}

/// An igroup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgroupSpec {
    /// `Fibre`.
    pub name: IgroupName,
    /// fcp, iscsi or mixed.
    pub protocol: IgroupProtocol,
    /// The hosts' OS type.
    pub os_type: OsType,
    /// Members.
    pub initiators: Vec<Initiator>,
}

/// A volume, its LUNs and their maps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VolumeSpec {
    /// `RG1FV1`.
    pub name: VolumeName,
    /// rw, or dp for a SnapMirror destination (its LUNs arrive with the baseline).
    #[serde(rename = "type")]
    pub kind: VolumeType,
    /// Provisioned size in GiB.
    pub size_gib: u64,
    /// Where it is mounted in the SVM namespace.
    #[serde(default)]
    pub junction_path: Option<JunctionPath>,
    /// Its export policy.
    #[serde(default)]
    pub export_policy: Option<PolicyName>,
    /// LUNs created in it (rw volumes only).
    #[serde(default)]
    pub luns: Vec<LunSpec>,
    /// LUN maps (for a dp volume, made once the baseline brought the LUNs).
    #[serde(default)]
    pub maps: Vec<MapSpec>,
}

/// A LUN.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LunSpec {
    /// `RP1.lun`.
    pub name: LunName,
    /// Size in GiB.
    pub size_gib: u64,
    /// OS type.
    pub os_type: OsType,
}

/// A LUN map.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapSpec {
    /// The LUN's name in the volume.
    pub lun: LunName,
    /// The igroup in the same SVM.
    pub igroup: IgroupName,
    /// The LUN id.
    pub lun_id: u32,
}

/// A SnapMirror relationship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RelationshipSpec {
    /// `fas2020upper:RG1FV1`.
    pub source: VolumePath,
    /// `fas2050upper:RG1FV1_SM`.
    pub destination: VolumePath,
    /// The policy name.
    pub policy: String,
}

/// An ESX host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostSpec {
    /// Its name.
    pub name: String,
    /// The site it stands in.
    pub site: String,
    /// Its management IPv4 address.
    pub ip: String,
    /// The WWPNs of its HBA ports.
    pub wwpns: Vec<Wwpn>,
    /// The ESX release, such as `3.0.2`.
    pub esx_version: String,
}

/// What kind of datastore.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DatastoreKind {
    /// A VMFS on a LUN.
    Vmfs,
    /// An NFS export of a volume.
    Nfs,
}

/// A datastore and the VMs on it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatastoreSpec {
    /// The datastore (VMFS label) name, `RP1`.
    pub name: String,
    /// vmfs or nfs.
    pub kind: DatastoreKind,
    /// The site whose hosts use it.
    pub site: String,
    /// The volume holding it.
    pub volume: VolumePath,
    /// The LUN holding the VMFS (vmfs only).
    #[serde(default)]
    pub lun: Option<LunName>,
    /// Where its SnapMirror replica lives, if it is replicated.
    #[serde(default)]
    pub replica: Option<VolumePath>,
    /// VM names; each gets a folder with a `.vmx` and a `.vmdk`.
    #[serde(default)]
    pub vms: Vec<String>,
}

/// A protection group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProtectionGroupSpec {
    /// `PG1`.
    pub name: String,
    /// Datastore names.
    pub datastores: Vec<String>,
}

impl LabTopology {
    /// The hosts at a site.
    pub fn hosts_at(&self, site: &str) -> Vec<&HostSpec> {
        self.hosts.iter().filter(|h| h.site == site).collect()
    }

    /// A datastore by name.
    pub fn datastore(&self, name: &str) -> Option<&DatastoreSpec> {
        self.datastores.iter().find(|d| d.name == name)
    }

    /// A protection group by name.
    pub fn protection_group(&self, name: &str) -> Option<&ProtectionGroupSpec> {
        self.protection_groups.iter().find(|p| p.name == name)
    }
}

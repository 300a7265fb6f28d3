//! The state behind a [`super::Fabric`]: clusters, SVMs, volumes with their content and
//! snapshots, igroups, maps, export policies and SnapMirror relationships.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::ids::Ids;
use super::topology::LabTopology;
use super::types::{Fault, VmfsHeader};
use crate::error::{Error, ObjectKind, Result};
use crate::mirror::{LastTransfer, MirrorState, TransferKind, TransferStatus};
use crate::model::{
    ClusterName, ExportRule, Igroup, Lun, LunMap, LunName, LunPath, OsType, SnapshotName, SvmName,
    Volume, VolumePath, VolumeState, VolumeType,
};

/// File content, shared between the active file system and the snapshots that froze it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Blob(pub(crate) Arc<Vec<u8>>);

impl Blob {
    pub(crate) fn new(data: &[u8]) -> Self {
        Self(Arc::new(data.to_vec()))
    }

    pub(crate) fn len(&self) -> u64 {
        self.0.len() as u64
    }
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum BlobRepr {
    Text(String),
    Base64(String),
}

impl Serialize for Blob {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => BlobRepr::Text(text.to_string()),
            Err(_) => {
                use base64::Engine as _;
                BlobRepr::Base64(base64::engine::general_purpose::STANDARD.encode(&*self.0))
            }
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Blob {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(match BlobRepr::deserialize(d)? {
            BlobRepr::Text(t) => Blob(Arc::new(t.into_bytes())),
            BlobRepr::Base64(b) => {
                use base64::Engine as _;
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(b)
                    .map_err(serde::de::Error::custom)?;
                Blob(Arc::new(bytes))
            }
        })
    }
}

/// What a LUN holds: a VMFS (header plus small files), and its metadata that travels with it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LunData {
    pub(crate) os_type: OsType,
    pub(crate) size_bytes: u64,
    pub(crate) vmfs: Option<VmfsHeader>,
    pub(crate) files: BTreeMap<String, Blob>,
}

/// A volume's content at one point in time: NFS files and LUNs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Image {
    pub(crate) files: BTreeMap<String, Blob>,
    pub(crate) luns: BTreeMap<String, LunData>,
}

impl Image {
    /// Bytes a baseline transfer of this image sends.
    pub(crate) fn bytes(&self) -> u64 {
        let files: u64 = self.files.values().map(Blob::len).sum();
        let luns: u64 = self
            .luns
            .values()
            .map(|l| {
                l.files.values().map(Blob::len).sum::<u64>()
                    + if l.vmfs.is_some() {
                        VMFS_HEADER_BYTES
                    } else {
                        0
                    }
            })
            .sum();
        files + luns
    }
}

/// What writing a VMFS header counts as changed data.
pub(crate) const VMFS_HEADER_BYTES: u64 = 512;

/// The identity of a LUN in one volume: it is not part of the replicated content, so a
/// SnapMirror destination or a FlexClone gets its own serial numbers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LunIdentity {
    pub(crate) uuid: String,
    pub(crate) serial: String,
    pub(crate) online: bool,
}

/// A snapshot and the content it froze.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SimSnapshot {
    pub(crate) uuid: String,
    pub(crate) name: SnapshotName,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) create_time: OffsetDateTime,
    pub(crate) changed_bytes: u64,
    pub(crate) image: Image,
}

impl SimSnapshot {
    /// Whether `other` is the same point in time (a replica of it on another volume).
    pub(crate) fn same_as(&self, other: &SimSnapshot) -> bool {
        self.name == other.name && self.create_time == other.create_time
    }
}

/// A volume: its model, content, LUN identities and snapshots.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SimVolume {
    pub(crate) info: Volume,
    /// ONTAP's 10-digit master set id, part of SnapMirror snapshot names.
    pub(crate) msid: u64,
    pub(crate) active: Image,
    pub(crate) luns: BTreeMap<String, LunIdentity>,
    pub(crate) snapshots: Vec<SimSnapshot>,
    /// Bytes written to the active file system since the newest snapshot.
    pub(crate) unsnapshotted_bytes: u64,
}

impl SimVolume {
    pub(crate) fn snapshot(&self, name: &SnapshotName) -> Option<&SimSnapshot> {
        self.snapshots.iter().find(|s| &s.name == name)
    }

    /// The LUNs as the model shows them.
    pub(crate) fn model_luns(&self) -> Vec<Lun> {
        self.active
            .luns
            .iter()
            .filter_map(|(name, data)| {
                let id = self.luns.get(name)?;
                Some(Lun {
                    uuid: id.uuid.clone(),
                    svm: self.info.path.svm.clone(),
                    path: LunPath::new(
                        self.info.path.volume.clone(),
                        LunName::new(name.as_str()).ok()?,
                    ),
                    serial: id.serial.clone(),
                    online: id.online,
                    read_only: self.info.kind == VolumeType::Dp,
                    os_type: data.os_type,
                    size_bytes: data.size_bytes,
                })
            })
            .collect()
    }

    /// Gives every LUN in the content an identity (new serials for new LUNs) and drops the
    /// identities of LUNs that are gone. Returns the names of the LUNs that went away.
    pub(crate) fn reconcile_luns(&mut self, ids: &mut Ids, online: bool) -> Vec<String> {
        let gone: Vec<String> = self
            .luns
            .keys()
            .filter(|n| !self.active.luns.contains_key(*n))
            .cloned()
            .collect();
        for name in &gone {
            self.luns.remove(name);
        }
        for name in self.active.luns.keys() {
            if !self.luns.contains_key(name) {
                self.luns.insert(
                    name.clone(),
                    LunIdentity {
                        uuid: ids.uuid(),
                        serial: ids.serial(),
                        online,
                    },
                );
            }
        }
        gone
    }

    /// Refuses writes unless the volume is an online rw volume.
    pub(crate) fn check_writable(&self) -> Result<()> {
        let path = &self.info.path;
        if self.info.kind == VolumeType::Dp {
            return Err(Error::InvalidArgument(format!(
                "{path} is a SnapMirror destination (type dp) and read-only; break its relationship to make it writable, or write to a FlexClone of it"
            )));
        }
        self.check_online()
    }

    /// Refuses access unless the volume is online.
    pub(crate) fn check_online(&self) -> Result<()> {
        match self.info.state {
            VolumeState::Online => Ok(()),
            other => Err(Error::InvalidArgument(format!(
                "volume {} is {other}; bring it online first",
                self.info.path
            ))),
        }
    }
}

/// A storage VM.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Svm {
    pub(crate) name: SvmName,
    pub(crate) uuid: String,
    pub(crate) nfs_lif: String,
    pub(crate) volumes: BTreeMap<String, SimVolume>,
    pub(crate) igroups: BTreeMap<String, Igroup>,
    pub(crate) maps: Vec<LunMap>,
    pub(crate) export_policies: BTreeMap<String, Vec<ExportRule>>,
}

impl Svm {
    pub(crate) fn new(name: SvmName, uuid: String, nfs_lif: String) -> Self {
        let mut export_policies = BTreeMap::new();
        export_policies.insert("default".to_string(), Vec::new());
        Self {
            name,
            uuid,
            nfs_lif,
            volumes: BTreeMap::new(),
            igroups: BTreeMap::new(),
            maps: Vec::new(),
            export_policies,
        }
    }

    pub(crate) fn volume(&self, name: &str) -> Result<&SimVolume> {
        self.volumes
            .get(name)
            .ok_or_else(|| Error::not_found(ObjectKind::Volume, format!("{}:{name}", self.name)))
    }

    pub(crate) fn volume_mut(&mut self, name: &str) -> Result<&mut SimVolume> {
        let svm = self.name.clone();
        self.volumes
            .get_mut(name)
            .ok_or_else(|| Error::not_found(ObjectKind::Volume, format!("{svm}:{name}")))
    }

    /// Drops the maps of LUNs that no longer exist in `volume`.
    pub(crate) fn drop_maps_of(&mut self, volume: &str, luns: &[String]) {
        self.maps
            .retain(|m| !(m.lun.volume == volume && luns.iter().any(|l| m.lun.name == l.as_str())));
    }
}

/// A cluster.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Cluster {
    pub(crate) name: ClusterName,
    pub(crate) uuid: String,
    pub(crate) version: (u8, u8, u8),
    pub(crate) svms: BTreeMap<String, Svm>,
}

/// A transfer under way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Running {
    pub(crate) kind: TransferKind,
    /// The source snapshot being sent.
    pub(crate) snapshot: SnapshotName,
    pub(crate) total_bytes: u64,
    pub(crate) bytes_done: u64,
    /// Simulated time up to which `bytes_done` is accounted.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) accounted_to: OffsetDateTime,
}

/// A relationship. One record stands for both sides: `destination_record` is the destination
/// cluster's view (`snapmirror show`), `source_record` the source's (`list-destinations`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct Relationship {
    pub(crate) uuid: String,
    pub(crate) source: VolumePath,
    pub(crate) destination: VolumePath,
    pub(crate) source_cluster: ClusterName,
    pub(crate) destination_cluster: ClusterName,
    pub(crate) policy: String,
    pub(crate) state: MirrorState,
    pub(crate) transfer: TransferStatus,
    pub(crate) running: Option<Running>,
    pub(crate) last_transfer: Option<LastTransfer>,
    pub(crate) healthy: bool,
    pub(crate) unhealthy_reason: Option<String>,
    /// `snapmirror.<dest-svm-uuid>_<dest-msid>.`: names this relationship's snapshots.
    pub(crate) snapshot_prefix: String,
    pub(crate) source_record: bool,
    pub(crate) destination_record: bool,
}

/// Everything on the fabric.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct World {
    /// The simulated wall clock at `origin`.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) wall_at_origin: OffsetDateTime,
    /// The tokio instant at which the simulated clock read `wall_at_origin`.
    #[serde(skip, default = "tokio::time::Instant::now")]
    pub(crate) origin: tokio::time::Instant,
    /// Whether the clock started at the real time (then a reloaded world catches up with the
    /// real time that passed while it was saved) or at a fixed time (then it resumes where it
    /// stopped).
    #[serde(default)]
    pub(crate) follows_wall_clock: bool,
    pub(crate) ids: Ids,
    pub(crate) seven_mode: bool,
    pub(crate) bandwidth: u64,
    pub(crate) clusters: BTreeMap<String, Cluster>,
    pub(crate) relationships: Vec<Relationship>,
    pub(crate) unreachable: BTreeSet<String>,
    #[serde(skip)]
    pub(crate) faults: BTreeMap<String, Vec<Fault>>,
    pub(crate) topology: LabTopology,
}

impl World {
    pub(crate) fn new(start: Option<OffsetDateTime>, seven_mode: bool, bandwidth: u64) -> Self {
        Self {
            wall_at_origin: start.unwrap_or_else(now_seconds),
            origin: tokio::time::Instant::now(),
            follows_wall_clock: start.is_none(),
            ids: Ids::default(),
            seven_mode,
            bandwidth: bandwidth.max(1),
            clusters: BTreeMap::new(),
            relationships: Vec::new(),
            unreachable: BTreeSet::new(),
            faults: BTreeMap::new(),
            topology: LabTopology::default(),
        }
    }

    /// The simulated wall clock: the start time plus tokio time elapsed since.
    pub(crate) fn now(&self) -> OffsetDateTime {
        let elapsed = tokio::time::Instant::now().saturating_duration_since(self.origin);
        self.wall_at_origin + elapsed
    }

    pub(crate) fn cluster(&self, name: &str) -> Result<&Cluster> {
        self.clusters
            .get(name)
            .ok_or_else(|| Error::not_found(ObjectKind::Cluster, name))
    }

    /// The cluster holding an SVM.
    pub(crate) fn cluster_of_svm(&self, svm: &str) -> Option<&str> {
        self.clusters
            .values()
            .find(|c| c.svms.contains_key(svm))
            .map(|c| c.name.as_str())
    }

    /// An SVM anywhere on the fabric.
    pub(crate) fn svm(&self, svm: &str) -> Result<&Svm> {
        self.clusters
            .values()
            .find_map(|c| c.svms.get(svm))
            .ok_or_else(|| Error::not_found(ObjectKind::Svm, svm))
    }

    pub(crate) fn svm_mut(&mut self, svm: &str) -> Result<&mut Svm> {
        self.clusters
            .values_mut()
            .find_map(|c| c.svms.get_mut(svm))
            .ok_or_else(|| Error::not_found(ObjectKind::Svm, svm))
    }

    /// An SVM that must be on `cluster`.
    pub(crate) fn svm_on(&self, cluster: &str, svm: &str) -> Result<&Svm> {
        let c = self.cluster(cluster)?;
        c.svms.get(svm).ok_or_else(|| not_here(self, cluster, svm))
    }

    pub(crate) fn svm_on_mut(&mut self, cluster: &str, svm: &str) -> Result<&mut Svm> {
        if !self.cluster(cluster)?.svms.contains_key(svm) {
            return Err(not_here(self, cluster, svm));
        }
        Ok(self
            .clusters
            .get_mut(cluster)
            .and_then(|c| c.svms.get_mut(svm))
            .expect("checked above"))
    }

    pub(crate) fn volume(&self, path: &VolumePath) -> Result<&SimVolume> {
        self.svm(path.svm.as_str())?.volume(path.volume.as_str())
    }

    pub(crate) fn volume_mut(&mut self, path: &VolumePath) -> Result<&mut SimVolume> {
        self.svm_mut(path.svm.as_str())?
            .volume_mut(path.volume.as_str())
    }

    /// A volume that must be on `cluster`.
    pub(crate) fn volume_on(&self, cluster: &str, path: &VolumePath) -> Result<&SimVolume> {
        self.svm_on(cluster, path.svm.as_str())?
            .volume(path.volume.as_str())
    }

    pub(crate) fn volume_on_mut(
        &mut self,
        cluster: &str,
        path: &VolumePath,
    ) -> Result<&mut SimVolume> {
        self.svm_on_mut(cluster, path.svm.as_str())?
            .volume_mut(path.volume.as_str())
    }

    /// Refuses with a retryable transport error when the cluster is down.
    pub(crate) fn check_reachable(&self, cluster: &str) -> Result<()> {
        if self.unreachable.contains(cluster) {
            return Err(unreachable(cluster));
        }
        Ok(())
    }

    /// The index of the relationship whose destination is `destination`, held by `cluster`.
    pub(crate) fn relationship_at(&self, cluster: &str, destination: &VolumePath) -> Result<usize> {
        self.relationships
            .iter()
            .position(|r| {
                r.destination_record
                    && &r.destination == destination
                    && r.destination_cluster == cluster
            })
            .ok_or_else(|| {
                let elsewhere = self.relationships.iter().find_map(|r| {
                    if &r.destination == destination && r.destination_record {
                        Some(format!("; cluster {} holds it", r.destination_cluster))
                    } else if &r.source == destination {
                        Some(format!(
                            "; {destination} is the source of {} -> {}, held by cluster {}",
                            r.source, r.destination, r.destination_cluster
                        ))
                    } else {
                        None
                    }
                });
                Error::not_found(
                    ObjectKind::Relationship,
                    format!(
                        "with destination {destination} on cluster {cluster}{}",
                        elsewhere.unwrap_or_default()
                    ),
                )
            })
    }

    /// The FlexClones whose parent is `volume`, with the snapshots they hold.
    pub(crate) fn clones_of(&self, volume: &VolumePath) -> Vec<(VolumePath, SnapshotName)> {
        self.svm(volume.svm.as_str())
            .map(|svm| {
                svm.volumes
                    .values()
                    .filter_map(|v| {
                        let p = v.info.clone_parent.as_ref()?;
                        (&p.volume == volume).then(|| (v.info.path.clone(), p.snapshot.clone()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Who holds a snapshot: `snapmirror` (a live relationship's snapshot) and/or
    /// `volume_clone` (a FlexClone's parent snapshot).
    pub(crate) fn snapshot_owners(
        &self,
        volume: &VolumePath,
        snapshot: &SnapshotName,
    ) -> Vec<String> {
        let mut owners = Vec::new();
        let held_by_mirror = self.relationships.iter().any(|r| {
            (&r.source == volume || &r.destination == volume)
                && snapshot.as_str().starts_with(&r.snapshot_prefix)
        });
        if held_by_mirror {
            owners.push("snapmirror".to_string());
        }
        if self.clones_of(volume).iter().any(|(_, s)| s == snapshot) {
            owners.push("volume_clone".to_string());
        }
        owners
    }

    /// The model view of a snapshot.
    pub(crate) fn model_snapshot(
        &self,
        volume: &VolumePath,
        s: &SimSnapshot,
    ) -> crate::model::Snapshot {
        crate::model::Snapshot {
            uuid: s.uuid.clone(),
            name: s.name.clone(),
            create_time: s.create_time,
            changed_bytes: s.changed_bytes,
            owners: self.snapshot_owners(volume, &s.name),
        }
    }
}

fn not_here(world: &World, cluster: &str, svm: &str) -> Error {
    let name = match world.cluster_of_svm(svm) {
        Some(other) => format!("{svm} on cluster {cluster} (it is served by cluster {other})"),
        None => format!("{svm} on cluster {cluster}"),
    };
    Error::not_found(ObjectKind::Svm, name)
}

/// The error every call to a cluster that is down gets.
pub(crate) fn unreachable(cluster: &str) -> Error {
    Error::Transport {
        endpoint: cluster.to_string(),
        message: "no route to the cluster management interface (the simulated cluster is down)"
            .to_string(),
        retryable: true,
    }
}

/// Now, to the second (ONTAP prints times to the second).
pub(crate) fn now_seconds() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

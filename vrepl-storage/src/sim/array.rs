//! [`SimArray`]: one simulated cluster, implementing [`StorageArray`] (this file) and
//! [`crate::MirrorControl`] (in `mirror.rs`).

use std::time::Duration;

use async_trait::async_trait;

use super::fabric::Fabric;
use super::types::Fault;
use super::world::{LunData, LunIdentity, SimVolume, World};
use crate::array::StorageArray;
use crate::error::{Error, ObjectKind, Result};
use crate::model::{
    CloneParent, CloneSpec, ClusterName, ExportRule, Igroup, IgroupName, Initiator, JunctionPath,
    Lun, LunMap, LunPath, NewExportRule, NewIgroup, NewLun, NewVolume, PolicyName, Snapshot,
    SnapshotName, SvmName, Volume, VolumePath, VolumeState, VolumeType,
};

/// Highest LUN id ONTAP hands out.
const MAX_LUN_ID: u32 = 4095;

/// One simulated cluster on a [`Fabric`]: storage and SnapMirror control.
#[derive(Clone, Debug)]
pub struct SimArray {
    pub(crate) fabric: Fabric,
    pub(crate) cluster: ClusterName,
}

impl SimArray {
    pub(crate) fn new(fabric: Fabric, cluster: ClusterName) -> Self {
        Self { fabric, cluster }
    }

    /// The fabric this array sits on.
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }

    /// Applies what every call goes through: reachability, injected latency, injected failures.
    pub(crate) async fn enter(&self, op: &'static str) -> Result<()> {
        let (latency, fail) = {
            let mut w = self.fabric.lock();
            w.check_reachable(self.cluster.as_str())?;
            let faults = w.faults.entry(self.cluster.to_string()).or_default();
            let latency: Duration = faults
                .iter()
                .map(|f| match f {
                    Fault::Latency(d) => *d,
                    _ => Duration::ZERO,
                })
                .sum();
            let fail = faults
                .iter()
                .position(|f| matches!(f, Fault::FailNext { op: o, .. } if *o == op))
                .map(|i| match faults.remove(i) {
                    Fault::FailNext { error, .. } => error,
                    _ => unreachable!("position matched FailNext"),
                });
            (latency, fail)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fail {
            Some(make) => Err(make()),
            None => Ok(()),
        }
    }

    fn c(&self) -> &str {
        self.cluster.as_str()
    }
}

fn busy(kind: ObjectKind, name: impl ToString, reason: impl Into<String>) -> Error {
    Error::Busy {
        kind,
        name: name.to_string(),
        reason: reason.into(),
    }
}

fn exists(kind: ObjectKind, name: impl ToString) -> Error {
    Error::AlreadyExists {
        kind,
        name: name.to_string(),
    }
}

/// `clone_<name>.<YYYY-MM-DD_HHMMSS>`: the snapshot a FlexClone of a rw volume is based on when
/// none is named.
fn clone_snapshot_name(clone: &str, t: time::OffsetDateTime) -> Result<SnapshotName> {
    SnapshotName::new(format!(
        "clone_{clone}.{:04}-{:02}-{:02}_{:02}{:02}{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Why a volume cannot be deleted, if it cannot.
fn deletion_blocker(w: &World, vol: &SimVolume) -> Option<Error> {
    let path = &vol.info.path;
    if let Some(r) = w
        .relationships
        .iter()
        .find(|r| &r.source == path || &r.destination == path)
    {
        return Some(busy(
            ObjectKind::Volume,
            path,
            format!(
                "it is in the SnapMirror relationship {} -> {}; delete (and release) the relationship first",
                r.source, r.destination
            ),
        ));
    }
    if let Some((clone, _)) = w.clones_of(path).first() {
        return Some(busy(
            ObjectKind::Volume,
            path,
            format!("FlexClone {clone} depends on it; split or delete the clone first"),
        ));
    }
    let svm = w.svm(path.svm.as_str()).ok()?;
    if let Some(m) = svm.maps.iter().find(|m| m.lun.volume == path.volume) {
        return Some(busy(
            ObjectKind::Volume,
            path,
            format!(
                "LUN {} is mapped to igroup {}; unmap it first",
                m.lun, m.igroup
            ),
        ));
    }
    if let Some(j) = &vol.info.junction_path {
        return Some(busy(
            ObjectKind::Volume,
            path,
            format!("it is mounted at {j}; unmount it first"),
        ));
    }
    if vol.info.state == VolumeState::Online {
        return Some(busy(
            ObjectKind::Volume,
            path,
            "it is online; take it offline first",
        ));
    }
    None
}

fn check_junction_free(
    w: &World,
    cluster: &str,
    path: &VolumePath,
    junction: &JunctionPath,
) -> Result<()> {
    let svm = w.svm_on(cluster, path.svm.as_str())?;
    if let Some(other) = svm
        .volumes
        .values()
        .find(|v| v.info.path != *path && v.info.junction_path.as_ref() == Some(junction))
    {
        return Err(Error::InvalidArgument(format!(
            "junction path {junction} is already used by {}; choose another path",
            other.info.path
        )));
    }
    Ok(())
}

#[async_trait]
impl StorageArray for SimArray {
    fn cluster(&self) -> &ClusterName {
        &self.cluster
    }

    async fn list_svms(&self) -> Result<Vec<SvmName>> {
        self.enter("list_svms").await?;
        let w = self.fabric.touch();
        Ok(w.cluster(self.c())?
            .svms
            .values()
            .map(|s| s.name.clone())
            .collect())
    }

    async fn list_volumes(&self, svm: Option<&SvmName>) -> Result<Vec<Volume>> {
        self.enter("list_volumes").await?;
        let w = self.fabric.touch();
        let svms: Vec<_> = match svm {
            Some(s) => vec![w.svm_on(self.c(), s.as_str())?],
            None => w.cluster(self.c())?.svms.values().collect(),
        };
        Ok(svms
            .into_iter()
            .flat_map(|s| s.volumes.values().map(|v| v.info.clone()))
            .collect())
    }

    async fn volume(&self, path: &VolumePath) -> Result<Volume> {
        self.enter("volume").await?;
        let w = self.fabric.touch();
        Ok(w.volume_on(self.c(), path)?.info.clone())
    }

    async fn create_volume(&self, spec: &NewVolume) -> Result<Volume> {
        self.enter("create_volume").await?;
        let mut w = self.fabric.touch();
        let svm = w.svm_on(self.c(), spec.path.svm.as_str())?;
        if svm.volumes.contains_key(spec.path.volume.as_str()) {
            return Err(exists(ObjectKind::Volume, &spec.path));
        }
        if spec.size_bytes < 20 << 20 {
            return Err(Error::InvalidArgument(format!(
                "volume size {} is below ONTAP's minimum of 20 MiB",
                spec.size_bytes
            )));
        }
        let state = if spec.kind == VolumeType::Dp && w.seven_mode {
            VolumeState::Restricted
        } else {
            VolumeState::Online
        };
        let uuid = w.ids.uuid();
        let msid = w.ids.msid();
        let vol = SimVolume {
            info: Volume {
                uuid,
                path: spec.path.clone(),
                kind: spec.kind,
                state,
                size_bytes: spec.size_bytes,
                junction_path: None,
                export_policy: Some(PolicyName::new("default")?),
                clone_parent: None,
            },
            msid,
            active: Default::default(),
            luns: Default::default(),
            snapshots: Vec::new(),
            unsnapshotted_bytes: 0,
        };
        let info = vol.info.clone();
        w.svm_on_mut(self.c(), spec.path.svm.as_str())?
            .volumes
            .insert(spec.path.volume.to_string(), vol);
        Ok(info)
    }

    async fn delete_volume(&self, path: &VolumePath) -> Result<()> {
        self.enter("delete_volume").await?;
        let mut w = self.fabric.touch();
        let vol = w.volume_on(self.c(), path)?;
        if let Some(e) = deletion_blocker(&w, vol) {
            return Err(e);
        }
        w.svm_on_mut(self.c(), path.svm.as_str())?
            .volumes
            .remove(path.volume.as_str());
        Ok(())
    }

    async fn set_volume_state(&self, path: &VolumePath, state: VolumeState) -> Result<()> {
        self.enter("set_volume_state").await?;
        let mut w = self.fabric.touch();
        let vol = w.volume_on_mut(self.c(), path)?;
        if let (true, Some(j)) = (state != VolumeState::Online, &vol.info.junction_path) {
            return Err(busy(
                ObjectKind::Volume,
                path,
                format!("it is mounted at {j}; unmount it before taking it {state}"),
            ));
        }
        vol.info.state = state;
        Ok(())
    }

    async fn mount_volume(&self, path: &VolumePath, junction: &JunctionPath) -> Result<()> {
        self.enter("mount_volume").await?;
        let mut w = self.fabric.touch();
        check_junction_free(&w, self.c(), path, junction)?;
        let vol = w.volume_on_mut(self.c(), path)?;
        vol.check_online()?;
        match &vol.info.junction_path {
            Some(j) if j == junction => Ok(()),
            Some(j) => Err(Error::InvalidArgument(format!(
                "{path} is already mounted at {j}; unmount it first"
            ))),
            None => {
                vol.info.junction_path = Some(junction.clone());
                Ok(())
            }
        }
    }

    async fn unmount_volume(&self, path: &VolumePath) -> Result<()> {
        self.enter("unmount_volume").await?;
        let mut w = self.fabric.touch();
        w.volume_on_mut(self.c(), path)?.info.junction_path = None;
        Ok(())
    }

    async fn list_snapshots(&self, volume: &VolumePath) -> Result<Vec<Snapshot>> {
        self.enter("list_snapshots").await?;
        let w = self.fabric.touch();
        let vol = w.volume_on(self.c(), volume)?;
        Ok(vol
            .snapshots
            .iter()
            .map(|s| w.model_snapshot(volume, s))
            .collect())
    }

    async fn create_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<Snapshot> {
        self.enter("create_snapshot").await?;
        let mut w = self.fabric.touch();
        w.volume_on(self.c(), volume)?.check_writable()?;
        let snap = w.take_snapshot(volume, name.clone())?;
        Ok(w.model_snapshot(volume, &snap))
    }

    async fn delete_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<()> {
        self.enter("delete_snapshot").await?;
        let mut w = self.fabric.touch();
        let vol = w.volume_on(self.c(), volume)?;
        if vol.snapshot(name).is_none() {
            return Err(Error::not_found(
                ObjectKind::Snapshot,
                format!("{name} in {volume}"),
            ));
        }
        if let Some((clone, _)) = w.clones_of(volume).into_iter().find(|(_, s)| s == name) {
            return Err(busy(
                ObjectKind::Snapshot,
                format!("{name} in {volume}"),
                format!("FlexClone {clone} is based on it; split or delete the clone first"),
            ));
        }
        if w.snapshot_owners(volume, name)
            .iter()
            .any(|o| o == "snapmirror")
        {
            return Err(busy(
                ObjectKind::Snapshot,
                format!("{name} in {volume}"),
                "SnapMirror needs it as a common snapshot; release or delete the relationship first",
            ));
        }
        vol.check_writable()?;
        let vol = w.volume_on_mut(self.c(), volume)?;
        vol.snapshots.retain(|s| &s.name != name);
        Ok(())
    }

    async fn create_clone(&self, spec: &CloneSpec) -> Result<Volume> {
        self.enter("create_clone").await?;
        let mut w = self.fabric.touch();
        let parent = w.volume_on(self.c(), &spec.parent)?;
        parent.check_online()?;
        let path = VolumePath::new(spec.parent.svm.clone(), spec.name.clone());
        if w.volume(&path).is_ok() {
            return Err(exists(ObjectKind::Volume, &path));
        }
        if let Some(j) = &spec.junction_path {
            check_junction_free(&w, self.c(), &path, j)?;
        }
        let snapshot = match &spec.parent_snapshot {
            Some(name) => parent.snapshot(name).map(|s| s.name.clone()).ok_or_else(|| {
                Error::not_found(ObjectKind::Snapshot, format!("{name} in {}", spec.parent))
            })?,
            None => match parent.snapshots.iter().rev().find(|s| s.name.as_str().starts_with("snapmirror.")) {
                Some(s) => s.name.clone(),
                None if parent.info.kind == VolumeType::Rw => {
                    let name = clone_snapshot_name(spec.name.as_str(), w.now())?;
                    w.take_snapshot(&spec.parent, name)?.name
                }
                None => {
                    return Err(Error::InvalidArgument(format!(
                        "{} is a SnapMirror destination without a SnapMirror snapshot yet, and a new snapshot cannot be taken on it; wait for the baseline transfer or name a parent snapshot",
                        spec.parent
                    )))
                }
            },
        };
        let parent = w.volume_on(self.c(), &spec.parent)?;
        let image = parent
            .snapshot(&snapshot)
            .expect("chosen above")
            .image
            .clone();
        let (size_bytes, export_policy) =
            (parent.info.size_bytes, parent.info.export_policy.clone());
        let info = Volume {
            uuid: w.ids.uuid(),
            path: path.clone(),
            kind: VolumeType::Rw,
            state: VolumeState::Online,
            size_bytes,
            junction_path: spec.junction_path.clone(),
            export_policy,
            clone_parent: Some(CloneParent {
                volume: spec.parent.clone(),
                snapshot,
            }),
        };
        let luns_online = !w.seven_mode;
        let mut clone = SimVolume {
            info,
            msid: w.ids.msid(),
            active: image,
            luns: Default::default(),
            snapshots: Vec::new(),
            unsnapshotted_bytes: 0,
        };
        clone.reconcile_luns(&mut w.ids, luns_online);
        let info = clone.info.clone();
        w.svm_on_mut(self.c(), path.svm.as_str())?
            .volumes
            .insert(path.volume.to_string(), clone);
        Ok(info)
    }

    async fn split_clone(&self, path: &VolumePath) -> Result<()> {
        self.enter("split_clone").await?;
        let mut w = self.fabric.touch();
        let vol = w.volume_on(self.c(), path)?;
        if vol.info.clone_parent.is_none() {
            return Err(Error::InvalidArgument(format!(
                "{path} is not a FlexClone (or is already split)"
            )));
        }
        if let Some(r) = w
            .relationships
            .iter()
            .find(|r| &r.destination == path || &r.source == path)
        {
            let role = if &r.destination == path {
                "destination"
            } else {
                "source"
            };
            return Err(busy(
                ObjectKind::Volume,
                path,
                format!(
                    "it is the {role} of the SnapMirror relationship {} -> {}; delete the relationship first",
                    r.source, r.destination
                ),
            ));
        }
        w.volume_on_mut(self.c(), path)?.info.clone_parent = None;
        Ok(())
    }

    async fn list_luns(&self, volume: Option<&VolumePath>) -> Result<Vec<Lun>> {
        self.enter("list_luns").await?;
        let w = self.fabric.touch();
        Ok(match volume {
            Some(v) => w.volume_on(self.c(), v)?.model_luns(),
            None => w
                .cluster(self.c())?
                .svms
                .values()
                .flat_map(|s| s.volumes.values())
                .flat_map(SimVolume::model_luns)
                .collect(),
        })
    }

    async fn create_lun(&self, spec: &NewLun) -> Result<Lun> {
        self.enter("create_lun").await?;
        let mut w = self.fabric.touch();
        let vpath = VolumePath::new(spec.svm.clone(), spec.path.volume.clone());
        let vol = w.volume_on(self.c(), &vpath)?;
        vol.check_writable()?;
        if vol.active.luns.contains_key(spec.path.name.as_str()) {
            return Err(exists(ObjectKind::Lun, &spec.path));
        }
        if spec.size_bytes == 0 || spec.size_bytes > vol.info.size_bytes {
            return Err(Error::InvalidArgument(format!(
                "LUN size {} does not fit volume {vpath} of {} bytes; grow the volume or ask for less",
                spec.size_bytes, vol.info.size_bytes
            )));
        }
        let identity = LunIdentity {
            uuid: w.ids.uuid(),
            serial: w.ids.serial(),
            online: true,
        };
        let vol = w.volume_on_mut(self.c(), &vpath)?;
        let name = spec.path.name.to_string();
        vol.active.luns.insert(
            name.clone(),
            LunData {
                os_type: spec.os_type,
                size_bytes: spec.size_bytes,
                vmfs: None,
                files: Default::default(),
            },
        );
        vol.luns.insert(name, identity);
        Ok(vol
            .model_luns()
            .into_iter()
            .find(|l| l.path == spec.path)
            .expect("just created"))
    }

    async fn set_lun_online(&self, svm: &SvmName, lun: &LunPath, online: bool) -> Result<()> {
        self.enter("set_lun_online").await?;
        let mut w = self.fabric.touch();
        let vpath = VolumePath::new(svm.clone(), lun.volume.clone());
        let vol = w.volume_on_mut(self.c(), &vpath)?;
        let id = vol
            .luns
            .get_mut(lun.name.as_str())
            .ok_or_else(|| Error::not_found(ObjectKind::Lun, format!("{lun} in {svm}")))?;
        id.online = online;
        Ok(())
    }

    async fn list_igroups(&self, svm: Option<&SvmName>) -> Result<Vec<Igroup>> {
        self.enter("list_igroups").await?;
        let w = self.fabric.touch();
        let svms: Vec<_> = match svm {
            Some(s) => vec![w.svm_on(self.c(), s.as_str())?],
            None => w.cluster(self.c())?.svms.values().collect(),
        };
        Ok(svms
            .into_iter()
            .flat_map(|s| s.igroups.values().cloned())
            .collect())
    }

    async fn create_igroup(&self, spec: &NewIgroup) -> Result<Igroup> {
        self.enter("create_igroup").await?;
        let mut w = self.fabric.touch();
        if w.svm_on(self.c(), spec.svm.as_str())?
            .igroups
            .contains_key(spec.name.as_str())
        {
            return Err(exists(
                ObjectKind::Igroup,
                format!("{} in {}", spec.name, spec.svm),
            ));
        }
        if let Some(bad) = spec.initiators.iter().find(|i| !spec.protocol.admits(i)) {
            return Err(Error::InvalidArgument(format!(
                "initiator {bad} cannot join a {} igroup; use a mixed igroup or the matching protocol",
                spec.protocol
            )));
        }
        let mut initiators = spec.initiators.clone();
        initiators.sort();
        initiators.dedup();
        let ig = Igroup {
            uuid: w.ids.uuid(),
            svm: spec.svm.clone(),
            name: spec.name.clone(),
            protocol: spec.protocol,
            os_type: spec.os_type,
            initiators,
        };
        w.svm_on_mut(self.c(), spec.svm.as_str())?
            .igroups
            .insert(spec.name.to_string(), ig.clone());
        Ok(ig)
    }

    async fn add_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        self.enter("add_initiator").await?;
        let mut w = self.fabric.touch();
        let ig = igroup_mut(&mut w, self.c(), svm, igroup)?;
        if !ig.protocol.admits(initiator) {
            return Err(Error::InvalidArgument(format!(
                "initiator {initiator} cannot join {} igroup {igroup}; use a mixed igroup or the matching protocol",
                ig.protocol
            )));
        }
        if ig.initiators.contains(initiator) {
            return Err(exists(
                ObjectKind::Initiator,
                format!("{initiator} in igroup {igroup}"),
            ));
        }
        ig.initiators.push(initiator.clone());
        Ok(())
    }

    async fn remove_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        self.enter("remove_initiator").await?;
        let mut w = self.fabric.touch();
        let ig = igroup_mut(&mut w, self.c(), svm, igroup)?;
        let before = ig.initiators.len();
        ig.initiators.retain(|i| i != initiator);
        if ig.initiators.len() == before {
            return Err(Error::not_found(
                ObjectKind::Initiator,
                format!("{initiator} in igroup {igroup}"),
            ));
        }
        Ok(())
    }

    async fn list_lun_maps(&self, svm: Option<&SvmName>) -> Result<Vec<LunMap>> {
        self.enter("list_lun_maps").await?;
        let w = self.fabric.touch();
        let svms: Vec<_> = match svm {
            Some(s) => vec![w.svm_on(self.c(), s.as_str())?],
            None => w.cluster(self.c())?.svms.values().collect(),
        };
        Ok(svms.into_iter().flat_map(|s| s.maps.clone()).collect())
    }

    async fn map_lun(
        &self,
        svm: &SvmName,
        lun: &LunPath,
        igroup: &IgroupName,
        lun_id: Option<u32>,
    ) -> Result<LunMap> {
        self.enter("map_lun").await?;
        let mut w = self.fabric.touch();
        let s = w.svm_on(self.c(), svm.as_str())?;
        let vol = s.volume(lun.volume.as_str())?;
        if !vol.luns.contains_key(lun.name.as_str()) {
            return Err(Error::not_found(ObjectKind::Lun, format!("{lun} in {svm}")));
        }
        if !s.igroups.contains_key(igroup.as_str()) {
            return Err(Error::not_found(
                ObjectKind::Igroup,
                format!("{igroup} in {svm}"),
            ));
        }
        if let Some(m) = s.maps.iter().find(|m| &m.lun == lun && &m.igroup == igroup) {
            return Err(exists(
                ObjectKind::LunMap,
                format!("{lun} to igroup {igroup} (as LUN id {})", m.lun_id),
            ));
        }
        let used: Vec<u32> = s
            .maps
            .iter()
            .filter(|m| &m.igroup == igroup)
            .map(|m| m.lun_id)
            .collect();
        let id = match lun_id {
            Some(id) if id > MAX_LUN_ID => {
                return Err(Error::InvalidArgument(format!(
                    "LUN id {id} is out of range; use 0 to {MAX_LUN_ID}"
                )))
            }
            Some(id) if used.contains(&id) => {
                let holder = s
                    .maps
                    .iter()
                    .find(|m| &m.igroup == igroup && m.lun_id == id)
                    .map(|m| m.lun.to_string())
                    .unwrap_or_default();
                return Err(Error::InvalidArgument(format!(
                    "LUN id {id} is already used in igroup {igroup} by {holder}; choose another id or let the array pick one"
                )));
            }
            Some(id) => id,
            None => (0..=MAX_LUN_ID)
                .find(|i| !used.contains(i))
                .ok_or_else(|| {
                    Error::InvalidArgument(format!("igroup {igroup} has no free LUN id left"))
                })?,
        };
        let map = LunMap {
            svm: svm.clone(),
            lun: lun.clone(),
            igroup: igroup.clone(),
            lun_id: id,
        };
        w.svm_on_mut(self.c(), svm.as_str())?.maps.push(map.clone());
        Ok(map)
    }

    async fn unmap_lun(&self, svm: &SvmName, lun: &LunPath, igroup: &IgroupName) -> Result<()> {
        self.enter("unmap_lun").await?;
        let mut w = self.fabric.touch();
        let s = w.svm_on_mut(self.c(), svm.as_str())?;
        let before = s.maps.len();
        s.maps.retain(|m| !(&m.lun == lun && &m.igroup == igroup));
        if s.maps.len() == before {
            return Err(Error::not_found(
                ObjectKind::LunMap,
                format!("{lun} to igroup {igroup} in {svm}"),
            ));
        }
        Ok(())
    }

    async fn list_export_rules(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
    ) -> Result<Vec<ExportRule>> {
        self.enter("list_export_rules").await?;
        let w = self.fabric.touch();
        w.svm_on(self.c(), svm.as_str())?
            .export_policies
            .get(policy.as_str())
            .cloned()
            .ok_or_else(|| Error::not_found(ObjectKind::ExportPolicy, format!("{policy} in {svm}")))
    }

    async fn create_export_policy(&self, svm: &SvmName, policy: &PolicyName) -> Result<()> {
        self.enter("create_export_policy").await?;
        let mut w = self.fabric.touch();
        let s = w.svm_on_mut(self.c(), svm.as_str())?;
        if s.export_policies.contains_key(policy.as_str()) {
            return Err(exists(
                ObjectKind::ExportPolicy,
                format!("{policy} in {svm}"),
            ));
        }
        s.export_policies.insert(policy.to_string(), Vec::new());
        Ok(())
    }

    async fn add_export_rule(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
        rule: &NewExportRule,
    ) -> Result<ExportRule> {
        self.enter("add_export_rule").await?;
        check_client_match(&rule.clients)?;
        let mut w = self.fabric.touch();
        let rules = w
            .svm_on_mut(self.c(), svm.as_str())?
            .export_policies
            .get_mut(policy.as_str())
            .ok_or_else(|| {
                Error::not_found(ObjectKind::ExportPolicy, format!("{policy} in {svm}"))
            })?;
        let rule = ExportRule {
            index: rules.iter().map(|r| r.index).max().unwrap_or(0) + 1,
            clients: rule.clients.clone(),
            read_write: rule.read_write,
            superuser: rule.superuser,
        };
        rules.push(rule.clone());
        Ok(rule)
    }

    async fn set_export_policy(&self, volume: &VolumePath, policy: &PolicyName) -> Result<()> {
        self.enter("set_export_policy").await?;
        let mut w = self.fabric.touch();
        if !w
            .svm_on(self.c(), volume.svm.as_str())?
            .export_policies
            .contains_key(policy.as_str())
        {
            return Err(Error::not_found(
                ObjectKind::ExportPolicy,
                format!("{policy} in {} (create it first)", volume.svm),
            ));
        }
        w.volume_on_mut(self.c(), volume)?.info.export_policy = Some(policy.clone());
        Ok(())
    }
}

fn igroup_mut<'a>(
    w: &'a mut World,
    cluster: &str,
    svm: &SvmName,
    igroup: &IgroupName,
) -> Result<&'a mut Igroup> {
    w.svm_on_mut(cluster, svm.as_str())?
        .igroups
        .get_mut(igroup.as_str())
        .ok_or_else(|| Error::not_found(ObjectKind::Igroup, format!("{igroup} in {svm}")))
}

/// An export rule's client match: an IPv4 address, `a.b.c.d/len`, or a host name.
fn check_client_match(clients: &str) -> Result<()> {
    let ok = !clients.is_empty()
        && clients
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '/' | '-' | '_' | ':'));
    let subnet_ok = match clients.split_once('/') {
        Some((net, len)) => {
            net.split('.').count() == 4
                && net.split('.').all(|p| p.parse::<u8>().is_ok())
                && len.parse::<u8>().is_ok_and(|l| l <= 32)
        }
        None => true,
    };
    if ok && subnet_ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(format!(
            "export rule client match {clients:?} is not an address, a subnet such as 192.168.2.0/24, or a host name"
        )))
    }
}

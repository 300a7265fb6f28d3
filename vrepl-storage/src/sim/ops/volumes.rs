//! Volumes (create, delete, state, junctions) and snapshots.

use super::{busy, exists};
use crate::error::{Error, ObjectKind, Result};
use crate::model::{
    JunctionPath, NewVolume, PolicyName, Snapshot, SnapshotName, SvmName, Volume, VolumePath,
    VolumeState, VolumeType,
};
use crate::sim::world::{SimVolume, World};

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

pub(crate) fn check_junction_free(
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

pub(crate) fn list_svms(w: &World, cluster: &str) -> Result<Vec<SvmName>> {
    Ok(w.cluster(cluster)?
        .svms
        .values()
        .map(|s| s.name.clone())
        .collect())
}

pub(crate) fn list_volumes(w: &World, cluster: &str, svm: Option<&SvmName>) -> Result<Vec<Volume>> {
    let svms: Vec<_> = match svm {
        Some(s) => vec![w.svm_on(cluster, s.as_str())?],
        None => w.cluster(cluster)?.svms.values().collect(),
    };
    Ok(svms
        .into_iter()
        .flat_map(|s| s.volumes.values().map(|v| v.info.clone()))
        .collect())
}

pub(crate) fn volume(w: &World, cluster: &str, path: &VolumePath) -> Result<Volume> {
    Ok(w.volume_on(cluster, path)?.info.clone())
}

pub(crate) fn create_volume(w: &mut World, cluster: &str, spec: &NewVolume) -> Result<Volume> {
    let svm = w.svm_on(cluster, spec.path.svm.as_str())?;
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
    w.svm_on_mut(cluster, spec.path.svm.as_str())?
        .volumes
        .insert(spec.path.volume.to_string(), vol);
    Ok(info)
}

pub(crate) fn delete_volume(w: &mut World, cluster: &str, path: &VolumePath) -> Result<()> {
    let vol = w.volume_on(cluster, path)?;
    if let Some(e) = deletion_blocker(w, vol) {
        return Err(e);
    }
    w.svm_on_mut(cluster, path.svm.as_str())?
        .volumes
        .remove(path.volume.as_str());
    Ok(())
}

pub(crate) fn set_volume_state(
    w: &mut World,
    cluster: &str,
    path: &VolumePath,
    state: VolumeState,
) -> Result<()> {
    let vol = w.volume_on_mut(cluster, path)?;
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

pub(crate) fn mount_volume(
    w: &mut World,
    cluster: &str,
    path: &VolumePath,
    junction: &JunctionPath,
) -> Result<()> {
    check_junction_free(w, cluster, path, junction)?;
    let vol = w.volume_on_mut(cluster, path)?;
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

pub(crate) fn unmount_volume(w: &mut World, cluster: &str, path: &VolumePath) -> Result<()> {
    w.volume_on_mut(cluster, path)?.info.junction_path = None;
    Ok(())
}

pub(crate) fn list_snapshots(
    w: &World,
    cluster: &str,
    volume: &VolumePath,
) -> Result<Vec<Snapshot>> {
    let vol = w.volume_on(cluster, volume)?;
    Ok(vol
        .snapshots
        .iter()
        .map(|s| w.model_snapshot(volume, s))
        .collect())
}

pub(crate) fn create_snapshot(
    w: &mut World,
    cluster: &str,
    volume: &VolumePath,
    name: &SnapshotName,
) -> Result<Snapshot> {
    w.volume_on(cluster, volume)?.check_writable()?;
    let snap = w.take_snapshot(volume, name.clone())?;
    Ok(w.model_snapshot(volume, &snap))
}

pub(crate) fn delete_snapshot(
    w: &mut World,
    cluster: &str,
    volume: &VolumePath,
    name: &SnapshotName,
) -> Result<()> {
    let vol = w.volume_on(cluster, volume)?;
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
    let vol = w.volume_on_mut(cluster, volume)?;
    vol.snapshots.retain(|s| &s.name != name);
    Ok(())
}

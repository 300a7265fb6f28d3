//! FlexClones: create (sharing a parent snapshot) and split.

use super::volumes::check_junction_free;
use super::{busy, exists};
use crate::error::{Error, ObjectKind, Result};
use crate::model::{
    CloneParent, CloneSpec, SnapshotName, Volume, VolumePath, VolumeState, VolumeType,
};
use crate::sim::world::{SimVolume, World};

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

pub(crate) fn create_clone(w: &mut World, cluster: &str, spec: &CloneSpec) -> Result<Volume> {
    let parent = w.volume_on(cluster, &spec.parent)?;
    parent.check_online()?;
    let path = VolumePath::new(spec.parent.svm.clone(), spec.name.clone());
    if w.volume(&path).is_ok() {
        return Err(exists(ObjectKind::Volume, &path));
    }
    if let Some(j) = &spec.junction_path {
        check_junction_free(w, cluster, &path, j)?;
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
    let parent = w.volume_on(cluster, &spec.parent)?;
    let image = parent
        .snapshot(&snapshot)
        .expect("chosen above")
        .image
        .clone();
    let (size_bytes, export_policy) = (parent.info.size_bytes, parent.info.export_policy.clone());
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
    w.svm_on_mut(cluster, path.svm.as_str())?
        .volumes
        .insert(path.volume.to_string(), clone);
    Ok(info)
}

pub(crate) fn split_clone(w: &mut World, cluster: &str, path: &VolumePath) -> Result<()> {
    let vol = w.volume_on(cluster, path)?;
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
    w.volume_on_mut(cluster, path)?.info.clone_parent = None;
    Ok(())
}

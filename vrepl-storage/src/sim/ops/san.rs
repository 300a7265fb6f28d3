//! The SAN side: LUNs, igroups and LUN maps.

use super::exists;
use crate::error::{Error, ObjectKind, Result};
use crate::model::{
    Igroup, IgroupName, Initiator, Lun, LunMap, LunPath, NewIgroup, NewLun, SvmName, VolumePath,
};
use crate::sim::world::{LunData, LunIdentity, SimVolume, World};

/// Highest LUN id ONTAP hands out.
const MAX_LUN_ID: u32 = 4095;

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

pub(crate) fn list_luns(w: &World, cluster: &str, volume: Option<&VolumePath>) -> Result<Vec<Lun>> {
    Ok(match volume {
        Some(v) => w.volume_on(cluster, v)?.model_luns(),
        None => w
            .cluster(cluster)?
            .svms
            .values()
            .flat_map(|s| s.volumes.values())
            .flat_map(SimVolume::model_luns)
            .collect(),
    })
}

pub(crate) fn create_lun(w: &mut World, cluster: &str, spec: &NewLun) -> Result<Lun> {
    let vpath = VolumePath::new(spec.svm.clone(), spec.path.volume.clone());
    let vol = w.volume_on(cluster, &vpath)?;
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
    let vol = w.volume_on_mut(cluster, &vpath)?;
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

pub(crate) fn set_lun_online(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    lun: &LunPath,
    online: bool,
) -> Result<()> {
    let vpath = VolumePath::new(svm.clone(), lun.volume.clone());
    let vol = w.volume_on_mut(cluster, &vpath)?;
    let id = vol
        .luns
        .get_mut(lun.name.as_str())
        .ok_or_else(|| Error::not_found(ObjectKind::Lun, format!("{lun} in {svm}")))?;
    id.online = online;
    Ok(())
}

pub(crate) fn list_igroups(w: &World, cluster: &str, svm: Option<&SvmName>) -> Result<Vec<Igroup>> {
    let svms: Vec<_> = match svm {
        Some(s) => vec![w.svm_on(cluster, s.as_str())?],
        None => w.cluster(cluster)?.svms.values().collect(),
    };
    Ok(svms
        .into_iter()
        .flat_map(|s| s.igroups.values().cloned())
        .collect())
}

pub(crate) fn create_igroup(w: &mut World, cluster: &str, spec: &NewIgroup) -> Result<Igroup> {
    if w.svm_on(cluster, spec.svm.as_str())?
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
    w.svm_on_mut(cluster, spec.svm.as_str())?
        .igroups
        .insert(spec.name.to_string(), ig.clone());
    Ok(ig)
}

pub(crate) fn add_initiator(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    igroup: &IgroupName,
    initiator: &Initiator,
) -> Result<()> {
    let ig = igroup_mut(w, cluster, svm, igroup)?;
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

pub(crate) fn remove_initiator(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    igroup: &IgroupName,
    initiator: &Initiator,
) -> Result<()> {
    let ig = igroup_mut(w, cluster, svm, igroup)?;
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

pub(crate) fn list_lun_maps(
    w: &World,
    cluster: &str,
    svm: Option<&SvmName>,
) -> Result<Vec<LunMap>> {
    let svms: Vec<_> = match svm {
        Some(s) => vec![w.svm_on(cluster, s.as_str())?],
        None => w.cluster(cluster)?.svms.values().collect(),
    };
    Ok(svms.into_iter().flat_map(|s| s.maps.clone()).collect())
}

pub(crate) fn map_lun(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    lun: &LunPath,
    igroup: &IgroupName,
    lun_id: Option<u32>,
) -> Result<LunMap> {
    let s = w.svm_on(cluster, svm.as_str())?;
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
    w.svm_on_mut(cluster, svm.as_str())?.maps.push(map.clone());
    Ok(map)
}

pub(crate) fn unmap_lun(
    w: &mut World,
    cluster: &str,
    svm: &SvmName,
    lun: &LunPath,
    igroup: &IgroupName,
) -> Result<()> {
    let s = w.svm_on_mut(cluster, svm.as_str())?;
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

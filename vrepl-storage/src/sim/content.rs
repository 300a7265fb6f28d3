//! What hosts see: files in volumes, LUNs on the SAN with their VMFS, and NFS exports.

use super::fabric::Fabric;
use super::types::{DataPath, NfsExport, VisibleLun, VmfsHeader};
use super::world::{Blob, LunData, SimVolume, World, VMFS_HEADER_BYTES};
use crate::error::{Error, ObjectKind, Result};
use crate::model::{
    naa_id_for_serial, Initiator, LunName, SnapshotName, VolumePath, VolumeState, VolumeType,
};

/// Checks a relative file path: non-empty segments, no `.` or `..`.
fn check_file_path(path: &str) -> Result<()> {
    let ok = !path.is_empty()
        && !path.starts_with('/')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..");
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidName {
            kind: "file path",
            name: path.to_string(),
            rule: "a file path is relative, such as HR-App1/HR-App1.vmx, without empty, '.' or '..' parts",
        })
    }
}

fn lun_data<'a>(vol: &'a SimVolume, lun: &LunName) -> Result<&'a LunData> {
    vol.active.luns.get(lun.as_str()).ok_or_else(|| {
        Error::not_found(
            ObjectKind::Lun,
            format!("/vol/{}/{lun} (in {})", vol.info.path.volume, vol.info.path),
        )
    })
}

fn vmfs_files<'a>(vol: &'a SimVolume, lun: &LunName) -> Result<&'a LunData> {
    let data = lun_data(vol, lun)?;
    if data.vmfs.is_none() {
        return Err(Error::InvalidArgument(format!(
            "/vol/{}/{lun} holds no VMFS; format it (write a VMFS header) first",
            vol.info.path.volume
        )));
    }
    Ok(data)
}

fn file_not_found(volume: &VolumePath, at: &DataPath) -> Error {
    Error::InvalidArgument(format!("no file {at} in {volume}"))
}

/// Where a LUN with a given NAA id lives.
struct Located {
    volume: VolumePath,
    lun: String,
}

fn locate_naa(w: &World, naa: &str) -> Result<Located> {
    for c in w.clusters.values() {
        for svm in c.svms.values() {
            for vol in svm.volumes.values() {
                for (name, id) in &vol.luns {
                    if naa_id_for_serial(&id.serial).eq_ignore_ascii_case(naa) {
                        return Ok(Located {
                            volume: vol.info.path.clone(),
                            lun: name.clone(),
                        });
                    }
                }
            }
        }
    }
    Err(Error::not_found(
        ObjectKind::Lun,
        format!("with NAA id {naa} (no LUN on the fabric has that serial)"),
    ))
}

/// Refuses writes to a LUN that hosts may only read, or that is offline.
fn check_lun_writable(vol: &SimVolume, lun: &str) -> Result<()> {
    vol.check_writable()?;
    match vol.luns.get(lun) {
        Some(id) if !id.online => Err(Error::InvalidArgument(format!(
            "LUN /vol/{}/{lun} is offline; bring it online first",
            vol.info.path.volume
        ))),
        _ => Ok(()),
    }
}

impl Fabric {
    /// Writes a file into a volume (an NFS file, or a file inside the VMFS on one of its LUNs),
    /// as a VM or a host would. Refused on dp (read-only) and offline volumes.
    pub fn write_file(&self, volume: &VolumePath, at: &DataPath, data: &[u8]) -> Result<()> {
        let mut w = self.touch();
        let vol = w.volume_mut(volume)?;
        match at {
            DataPath::File(path) => {
                check_file_path(path)?;
                vol.check_writable()?;
                vol.active.files.insert(path.clone(), Blob::new(data));
            }
            DataPath::Vmfs { lun, path } => {
                check_file_path(path)?;
                vmfs_files(vol, lun)?;
                check_lun_writable(vol, lun.as_str())?;
                let files = &mut vol
                    .active
                    .luns
                    .get_mut(lun.as_str())
                    .expect("checked above")
                    .files;
                files.insert(path.clone(), Blob::new(data));
            }
        }
        vol.unsnapshotted_bytes += data.len() as u64;
        Ok(())
    }

    /// Bytes that differ between a snapshot and the volume's active file system: what ONTAP's
    /// `volume snapshot show-delta` (REST: the snapshot's `delta.size_consumed`, 9.12+) reports,
    /// and what rolling the volume back to that snapshot would discard.
    pub fn snapshot_delta(&self, volume: &VolumePath, snapshot: &SnapshotName) -> Result<u64> {
        let w = self.touch();
        let vol = w.volume(volume)?;
        let at = vol
            .snapshots
            .iter()
            .position(|s| &s.name == snapshot)
            .ok_or_else(|| {
                Error::not_found(ObjectKind::Snapshot, format!("{snapshot} in {volume}"))
            })?;
        let newer: u64 = vol.snapshots[at + 1..]
            .iter()
            .map(|s| s.changed_bytes)
            .sum();
        Ok(newer + vol.unsnapshotted_bytes)
    }

    /// Reads a file of a volume's active file system.
    pub fn read_file(&self, volume: &VolumePath, at: &DataPath) -> Result<Vec<u8>> {
        let w = self.touch();
        let vol = w.volume(volume)?;
        vol.check_online()?;
        let blob = match at {
            DataPath::File(path) => vol.active.files.get(path),
            DataPath::Vmfs { lun, path } => vmfs_files(vol, lun)?.files.get(path),
        };
        blob.map(|b| b.0.to_vec())
            .ok_or_else(|| file_not_found(volume, at))
    }

    /// The files of a volume (NFS), or of the VMFS on one of its LUNs, sorted.
    pub fn list_files(&self, volume: &VolumePath, lun: Option<&LunName>) -> Result<Vec<String>> {
        let w = self.touch();
        let vol = w.volume(volume)?;
        vol.check_online()?;
        Ok(match lun {
            None => vol.active.files.keys().cloned().collect(),
            Some(lun) => vmfs_files(vol, lun)?.files.keys().cloned().collect(),
        })
    }

    /// The LUNs these initiators (a host's HBA WWPNs or IQN) see: every LUN mapped to an igroup
    /// holding one of them, on every reachable cluster.
    pub fn visible_luns(&self, initiators: &[Initiator]) -> Vec<VisibleLun> {
        let w = self.touch();
        let mut out = Vec::new();
        for c in w.clusters.values() {
            if w.unreachable.contains(c.name.as_str()) {
                continue;
            }
            for svm in c.svms.values() {
                for map in &svm.maps {
                    let Some(ig) = svm.igroups.get(map.igroup.as_str()) else {
                        continue;
                    };
                    if !ig.initiators.iter().any(|i| initiators.contains(i)) {
                        continue;
                    }
                    let Some(vol) = svm.volumes.get(map.lun.volume.as_str()) else {
                        continue;
                    };
                    let Some(lun) = vol.model_luns().into_iter().find(|l| l.path == map.lun) else {
                        continue;
                    };
                    out.push(VisibleLun {
                        cluster: c.name.clone(),
                        svm: svm.name.clone(),
                        igroup: map.igroup.clone(),
                        lun_id: map.lun_id,
                        naa: lun.naa_id(),
                        read_only: vol.info.kind == VolumeType::Dp,
                        online: lun.online && vol.info.state == VolumeState::Online,
                        lun,
                    });
                }
            }
        }
        out
    }

    /// The VMFS header on the LUN with this NAA id (`None`: no VMFS on it).
    pub fn vmfs_header(&self, naa: &str) -> Result<Option<VmfsHeader>> {
        let w = self.touch();
        let at = locate_naa(&w, naa)?;
        let vol = w.volume(&at.volume)?;
        vol.check_online()?;
        Ok(vol.active.luns[&at.lun].vmfs.clone())
    }

    /// Writes a VMFS header (a format, or a resignature); refused on a read-only or offline LUN.
    pub fn write_vmfs_header(&self, naa: &str, header: VmfsHeader) -> Result<()> {
        let mut w = self.touch();
        let at = locate_naa(&w, naa)?;
        let vol = w.volume_mut(&at.volume)?;
        check_lun_writable(vol, &at.lun)?;
        vol.active.luns.get_mut(&at.lun).expect("located").vmfs = Some(header);
        vol.unsnapshotted_bytes += VMFS_HEADER_BYTES;
        Ok(())
    }

    /// The files in the VMFS on the LUN with this NAA id.
    pub fn vmfs_list(&self, naa: &str) -> Result<Vec<String>> {
        let w = self.touch();
        let at = locate_naa(&w, naa)?;
        let vol = w.volume(&at.volume)?;
        vol.check_online()?;
        let lun = LunName::new(at.lun.as_str())?;
        Ok(vmfs_files(vol, &lun)?.files.keys().cloned().collect())
    }

    /// Reads a file from the VMFS on the LUN with this NAA id.
    pub fn vmfs_read(&self, naa: &str, path: &str) -> Result<Vec<u8>> {
        let volume = {
            let w = self.touch();
            locate_naa(&w, naa)?
        };
        let lun = LunName::new(volume.lun.as_str())?;
        self.read_file(&volume.volume, &DataPath::vmfs(lun, path))
    }

    /// Writes a file into the VMFS on the LUN with this NAA id; refused on a read-only LUN.
    pub fn vmfs_write(&self, naa: &str, path: &str, data: &[u8]) -> Result<()> {
        let volume = {
            let w = self.touch();
            locate_naa(&w, naa)?
        };
        let lun = LunName::new(volume.lun.as_str())?;
        self.write_file(&volume.volume, &DataPath::vmfs(lun, path), data)
    }

    /// Resolves an NFS mount of `export_path` (a junction path; `/vol/NAME` on 7-Mode) from
    /// `server` (an SVM's NFS LIF address or its name) for `client_ip`: the volume must be
    /// online, mounted there, and exported to the client.
    pub fn nfs_lookup(
        &self,
        server: &str,
        export_path: &str,
        client_ip: &str,
    ) -> Result<NfsExport> {
        let w = self.touch();
        let svm = w
            .clusters
            .values()
            .filter(|c| !w.unreachable.contains(c.name.as_str()))
            .flat_map(|c| c.svms.values())
            .find(|s| s.nfs_lif == server || s.name == server)
            .ok_or_else(|| {
                Error::not_found(
                    ObjectKind::Svm,
                    format!("serving NFS at {server} (no reachable SVM has that LIF or name)"),
                )
            })?;
        let by_junction = svm.volumes.values().find(|v| {
            v.info
                .junction_path
                .as_ref()
                .is_some_and(|j| j.as_str() == export_path)
        });
        let by_vol_path = || {
            let name = export_path.strip_prefix("/vol/")?;
            svm.volumes.get(name).filter(|_| w.seven_mode)
        };
        let vol = by_junction.or_else(by_vol_path).ok_or_else(|| {
            Error::not_found(
                ObjectKind::Volume,
                format!(
                    "mounted at {export_path} on {} (mount the volume at a junction path first)",
                    svm.name
                ),
            )
        })?;
        vol.check_online()?;
        let path = &vol.info.path;
        let policy = vol.info.export_policy.as_ref().ok_or_else(|| {
            Error::InvalidArgument(format!(
                "{path} has no export policy; apply one that admits {client_ip}"
            ))
        })?;
        let rules = svm.export_policies.get(policy.as_str()).ok_or_else(|| {
            Error::not_found(
                ObjectKind::ExportPolicy,
                format!("{policy} on {}", svm.name),
            )
        })?;
        let rule = rules.iter().find(|r| r.matches(client_ip)).ok_or_else(|| {
            Error::Api {
                endpoint: svm.name.to_string(),
                code: "13".to_string(),
                message: format!(
                    "access denied: export policy {policy} of {path} has no rule for client {client_ip}; add a rule admitting it"
                ),
            }
        })?;
        Ok(NfsExport {
            volume: path.clone(),
            read_only: vol.info.kind == VolumeType::Dp || !rule.read_write,
        })
    }
}

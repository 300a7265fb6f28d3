//! Building a fabric from a [`LabTopology`], and the seed's two-site lab
//! (`fixtures/lab/topology.json`).

use std::collections::BTreeMap;

use super::fabric::Fabric;
use super::topology::{DatastoreKind, DatastoreSpec, LabTopology};
use super::types::{LabOptions, VmfsHeader};
use super::world::{Blob, Cluster, LunData, LunIdentity, Relationship, SimVolume, Svm, World};
use crate::error::{Error, ObjectKind, Result};
use crate::mirror::{MirrorState, TransferKind, TransferStatus};
use crate::model::{
    naa_id_for_serial, ExportRule, Igroup, LunMap, LunPath, PolicyName, Volume, VolumePath,
    VolumeState, VolumeType,
};

/// The seed's lab, as data.
pub const LAB_TOPOLOGY_JSON: &str = include_str!("../../../fixtures/lab/topology.json");

const GIB: u64 = 1 << 30;

impl LabTopology {
    /// The seed's two-site lab.
    pub fn seed_lab() -> LabTopology {
        serde_json::from_str(LAB_TOPOLOGY_JSON).expect("fixtures/lab/topology.json is valid")
    }
}

impl Fabric {
    /// The seed's two-site lab: clusters `fas2020` (Site 1) and `fas2050` (Site 2), every `RG*`
    /// volume SnapMirrored to its `_SM` twin and initialized.
    pub fn lab() -> Fabric {
        Self::lab_with(LabOptions::default())
    }

    /// The seed's lab with options (7-Mode behaviour, bandwidth, start time).
    pub fn lab_with(opts: LabOptions) -> Fabric {
        Self::from_topology(LabTopology::seed_lab(), &opts).expect("the lab topology builds")
    }

    /// Builds a fabric from a topology: clusters, SVMs, export policies, igroups, volumes, LUNs
    /// with their VMFS and VM folders, maps, and initialized SnapMirror relationships.
    pub fn from_topology(topology: LabTopology, opts: &LabOptions) -> Result<Fabric> {
        let fabric = Fabric::with_options(opts);
        {
            let mut w = fabric.lock();
            build(&mut w, &topology)?;
            w.topology = topology;
        }
        Ok(fabric)
    }
}

fn build(w: &mut World, topo: &LabTopology) -> Result<()> {
    for c in &topo.clusters {
        let mut svms = BTreeMap::new();
        for s in &c.svms {
            let mut svm = Svm::new(s.name.clone(), s.uuid.clone(), s.nfs_lif.clone());
            for p in &s.export_policies {
                let rules = p
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(i, r)| ExportRule {
                        index: i as u32 + 1,
                        ..r.clone()
                    })
                    .collect();
                svm.export_policies.insert(p.name.to_string(), rules);
            }
            for g in &s.igroups {
                svm.igroups.insert(
                    g.name.to_string(),
                    Igroup {
                        uuid: w.ids.uuid(),
                        svm: s.name.clone(),
                        name: g.name.clone(),
                        protocol: g.protocol,
                        os_type: g.os_type,
                        initiators: g.initiators.clone(),
                    },
                );
            }
            for v in &s.volumes {
                let path = VolumePath::new(s.name.clone(), v.name.clone());
                let mut vol = SimVolume {
                    info: Volume {
                        uuid: w.ids.uuid(),
                        path,
                        kind: v.kind,
                        state: VolumeState::Online,
                        size_bytes: v.size_gib * GIB,
                        junction_path: v.junction_path.clone(),
                        export_policy: Some(
                            v.export_policy
                                .clone()
                                .unwrap_or(PolicyName::new("default")?),
                        ),
                        clone_parent: None,
                    },
                    msid: w.ids.msid(),
                    active: Default::default(),
                    luns: Default::default(),
                    snapshots: Vec::new(),
                    unsnapshotted_bytes: 0,
                };
                for l in &v.luns {
                    vol.active.luns.insert(
                        l.name.to_string(),
                        LunData {
                            os_type: l.os_type,
                            size_bytes: l.size_gib * GIB,
                            vmfs: None,
                            files: Default::default(),
                        },
                    );
                    vol.luns.insert(
                        l.name.to_string(),
                        LunIdentity {
                            uuid: w.ids.uuid(),
                            serial: w.ids.serial(),
                            online: true,
                        },
                    );
                }
                svm.volumes.insert(v.name.to_string(), vol);
            }
            svms.insert(s.name.to_string(), svm);
        }
        w.clusters.insert(
            c.name.to_string(),
            Cluster {
                name: c.name.clone(),
                uuid: c.uuid.clone(),
                version: c.version,
                svms,
            },
        );
    }
    for ds in &topo.datastores {
        populate(w, ds)?;
    }
    add_maps(w, topo, VolumeType::Rw)?;
    for r in &topo.relationships {
        initialize_now(w, r.source.clone(), r.destination.clone(), &r.policy)?;
    }
    add_maps(w, topo, VolumeType::Dp)?;
    Ok(())
}

/// Writes a datastore's VMFS header (vmfs) and its VM folders.
fn populate(w: &mut World, ds: &DatastoreSpec) -> Result<()> {
    let vmfs_uuid = w.ids.vmfs_uuid();
    let vol = w.volume_mut(&ds.volume)?;
    let files = match ds.kind {
        DatastoreKind::Nfs => &mut vol.active.files,
        DatastoreKind::Vmfs => {
            let lun = ds.lun.as_ref().ok_or_else(|| {
                Error::InvalidArgument(format!("VMFS datastore {} names no LUN", ds.name))
            })?;
            let serial = vol
                .luns
                .get(lun.as_str())
                .ok_or_else(|| {
                    Error::not_found(ObjectKind::Lun, format!("{lun} in {}", ds.volume))
                })?
                .serial
                .clone();
            let data = vol
                .active
                .luns
                .get_mut(lun.as_str())
                .expect("identity implies data");
            data.vmfs = Some(VmfsHeader {
                label: ds.name.clone(),
                uuid: vmfs_uuid,
                formatted_on: naa_id_for_serial(&serial),
            });
            &mut data.files
        }
    };
    let mut written = 0;
    for vm in &ds.vms {
        for (name, content) in vm_files(vm, &ds.name) {
            written += content.len() as u64;
            files.insert(format!("{vm}/{name}"), Blob::new(content.as_bytes()));
        }
    }
    vol.unsnapshotted_bytes += written;
    Ok(())
}

/// A VM folder's files: a `.vmx` and a `.vmdk` descriptor.
fn vm_files(vm: &str, datastore: &str) -> Vec<(String, String)> {
    let vmx = format!(
        "config.version = \"8\"\nvirtualHW.version = \"4\"\ndisplayName = \"{vm}\"\nguestOS = \"winnetstandard\"\nmemsize = \"1024\"\nscsi0.present = \"TRUE\"\nscsi0.virtualDev = \"lsilogic\"\nscsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"{vm}.vmdk\"\nethernet0.present = \"TRUE\"\nethernet0.networkName = \"VM Network\"\n"
    );
    let vmdk = format!(
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\ncreateType=\"vmfs\"\n\n# Extent description\nRW 20971520 VMFS \"{vm}-flat.vmdk\"\n\n# The Disk Data Base\nddb.virtualHWVersion = \"4\"\nddb.adapterType = \"lsilogic\"\n# datastore {datastore}\n"
    );
    vec![(format!("{vm}.vmx"), vmx), (format!("{vm}.vmdk"), vmdk)]
}

fn add_maps(w: &mut World, topo: &LabTopology, kind: VolumeType) -> Result<()> {
    for c in &topo.clusters {
        for s in &c.svms {
            for v in s.volumes.iter().filter(|v| v.kind == kind) {
                for m in &v.maps {
                    let svm = w.svm_mut(s.name.as_str())?;
                    let vol = svm.volume(v.name.as_str())?;
                    if !vol.luns.contains_key(m.lun.as_str()) {
                        return Err(Error::not_found(
                            ObjectKind::Lun,
                            format!("{} in {}:{}", m.lun, s.name, v.name),
                        ));
                    }
                    if !svm.igroups.contains_key(m.igroup.as_str()) {
                        return Err(Error::not_found(ObjectKind::Igroup, &m.igroup));
                    }
                    svm.maps.push(LunMap {
                        svm: s.name.clone(),
                        lun: LunPath::new(v.name.clone(), m.lun.clone()),
                        igroup: m.igroup.clone(),
                        lun_id: m.lun_id,
                    });
                }
            }
        }
    }
    Ok(())
}

/// Creates a relationship and completes its baseline at once.
fn initialize_now(
    w: &mut World,
    source: VolumePath,
    destination: VolumePath,
    policy: &str,
) -> Result<()> {
    let source_cluster = w
        .cluster_of_svm(source.svm.as_str())
        .ok_or_else(|| Error::not_found(ObjectKind::Svm, &source.svm))?
        .to_string();
    let dest_cluster = w
        .cluster_of_svm(destination.svm.as_str())
        .ok_or_else(|| Error::not_found(ObjectKind::Svm, &destination.svm))?
        .to_string();
    let prefix = format!(
        "snapmirror.{}_{}.",
        w.svm(destination.svm.as_str())?.uuid,
        w.volume(&destination)?.msid
    );
    w.volume(&source)?;
    let rel = Relationship {
        uuid: w.ids.uuid(),
        source,
        destination,
        source_cluster: w.cluster(&source_cluster)?.name.clone(),
        destination_cluster: w.cluster(&dest_cluster)?.name.clone(),
        policy: policy.to_string(),
        state: MirrorState::Uninitialized,
        transfer: TransferStatus::Transferring,
        running: None,
        last_transfer: None,
        healthy: true,
        unhealthy_reason: None,
        snapshot_prefix: prefix,
        source_record: true,
        destination_record: true,
    };
    w.relationships.push(rel);
    let idx = w.relationships.len() - 1;
    w.start_transfer(idx, TransferKind::Initialize)?;
    let now = w.now();
    w.complete_at(idx, now);
    Ok(())
}

//! The typed steps a plan is made of: what each acts on, and the array and host calls it makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vrepl_storage::model::{
    ClusterName, IgroupName, JunctionPath, LunPath, SvmName, VolumeName, VolumePath,
};

use super::group::EsxMode;

/// One step of a runbook. Every step checks the real state before it acts, so running it again
/// after an interruption finds its work done ("already") instead of repeating it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    /// Wait until the operator (or a configured hook) says the workloads at `site` are down.
    OperatorGate {
        /// The site whose workloads must stop.
        site: String,
        /// The datastores whose VMs must be shut down.
        datastores: Vec<String>,
    },
    /// Unmount a datastore from a host.
    UnmountDatastore {
        /// The host.
        host: String,
        /// The datastore name on the host.
        datastore: String,
        /// NFS rather than VMFS.
        nfs: bool,
    },
    /// Remove a LUN map.
    UnmapLun {
        /// The cluster.
        cluster: ClusterName,
        /// The SVM.
        svm: SvmName,
        /// The LUN.
        lun: LunPath,
        /// The igroup.
        igroup: IgroupName,
    },
    /// Transfer the source's newest changes and wait for the transfer to end.
    UpdateMirror {
        /// The cluster holding the destination.
        cluster: ClusterName,
        /// The relationship's destination.
        destination: VolumePath,
    },
    /// Stop new transfers (a running one finishes).
    QuiesceMirror {
        /// The cluster holding the destination.
        cluster: ClusterName,
        /// The relationship's destination.
        destination: VolumePath,
    },
    /// Make the destination writable; records the lag (data at risk) at that moment.
    BreakMirror {
        /// The cluster holding the destination.
        cluster: ClusterName,
        /// The relationship's destination.
        destination: VolumePath,
    },
    /// Turn a broken-off relationship round and wait for the resync transfer: `destination`
    /// becomes the source and `new_destination` (rolled back to the common snapshot) the copy.
    ReverseResync {
        /// The cluster holding the relationship now.
        cluster: ClusterName,
        /// Its destination now.
        destination: VolumePath,
        /// The cluster that holds it afterwards.
        new_cluster: ClusterName,
        /// Its destination afterwards (the current source).
        new_destination: VolumePath,
    },
    /// FlexClone a SnapMirror destination from its newest SnapMirror snapshot.
    CreateClone {
        /// The cluster.
        cluster: ClusterName,
        /// The destination to clone.
        parent: VolumePath,
        /// The clone's name.
        clone: VolumeName,
        /// Where to mount it (NFS datastores).
        junction: Option<JunctionPath>,
    },
    /// Bring a LUN online.
    LunOnline {
        /// The cluster.
        cluster: ClusterName,
        /// The SVM.
        svm: SvmName,
        /// The LUN.
        lun: LunPath,
    },
    /// Map a LUN to an igroup.
    MapLun {
        /// The cluster.
        cluster: ClusterName,
        /// The SVM.
        svm: SvmName,
        /// The LUN.
        lun: LunPath,
        /// The igroup.
        igroup: IgroupName,
    },
    /// Mount a volume in its SVM's namespace.
    MountJunction {
        /// The cluster.
        cluster: ClusterName,
        /// The volume.
        volume: VolumePath,
        /// The junction path.
        junction: JunctionPath,
    },
    /// Rescan a host's adapters and VMFS volumes.
    RescanHost {
        /// The host.
        host: String,
    },
    /// Mount a copy of a VMFS: keeping its signature (failover, failback) or resignatured (DR
    /// test, next to the replica).
    MountVmfs {
        /// The host.
        host: String,
        /// The VMFS label.
        label: String,
        /// Give the copy a new signature (`snap-XXXXXXXX-<label>`).
        resignature: bool,
        /// How the host resolves copies.
        mode: EsxMode,
    },
    /// Mount an NFS export as a datastore.
    MountNfs {
        /// The host.
        host: String,
        /// The NFS server (data LIF).
        server: String,
        /// The export (junction path).
        share: String,
        /// The datastore name.
        datastore: String,
    },
    /// Record every file (size and checksum) of a datastore, as a host sees it.
    RecordContent {
        /// The host.
        host: String,
        /// The datastore.
        datastore: String,
    },
    /// Check a datastore holds what an earlier step recorded.
    VerifyContent {
        /// The host.
        host: String,
        /// The datastore.
        datastore: String,
        /// The id of the [`Step::RecordContent`] step.
        recorded_by: String,
    },
    /// Unmount, take offline and delete a FlexClone a DR test made.
    DestroyClone {
        /// The cluster.
        cluster: ClusterName,
        /// The clone.
        volume: VolumePath,
    },
}

/// One call a step makes on an array or a host.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// The cluster or host.
    pub target: String,
    /// The call, `break_off(fas2050upper:RG1FV1_SM)`.
    pub call: String,
}

fn call(target: impl ToString, name: &str, args: &[&dyn ToString]) -> Call {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Call {
        target: target.to_string(),
        call: format!("{name}({})", args.join(", ")),
    }
}

impl Step {
    /// A one-line description.
    pub fn title(&self) -> String {
        match self {
            Self::OperatorGate { site, datastores } => {
                format!(
                    "wait for the workloads on {} at {site} to be shut down",
                    datastores.join(", ")
                )
            }
            Self::UnmountDatastore {
                host, datastore, ..
            } => format!("unmount {datastore} from {host}"),
            Self::UnmapLun {
                svm, lun, igroup, ..
            } => format!("unmap {svm}:{lun} from igroup {igroup}"),
            Self::UpdateMirror { destination, .. } => {
                format!("update {destination} and wait for the transfer")
            }
            Self::QuiesceMirror { destination, .. } => format!("quiesce {destination}"),
            Self::BreakMirror { destination, .. } => format!("break {destination}"),
            Self::ReverseResync {
                destination,
                new_destination,
                ..
            } => {
                format!(
                    "reverse resync: {destination} -> {new_destination}, and wait for the transfer"
                )
            }
            Self::CreateClone { parent, clone, .. } => format!("FlexClone {parent} as {clone}"),
            Self::LunOnline { svm, lun, .. } => format!("bring {svm}:{lun} online"),
            Self::MapLun {
                svm, lun, igroup, ..
            } => format!("map {svm}:{lun} to igroup {igroup}"),
            Self::MountJunction {
                volume, junction, ..
            } => format!("mount {volume} at {junction}"),
            Self::RescanHost { host } => format!("rescan {host}"),
            Self::MountVmfs {
                host,
                label,
                resignature,
                ..
            } => format!(
                "mount the copy of {label} on {host}{}",
                if *resignature {
                    " (resignatured)"
                } else {
                    " (keeping its signature)"
                }
            ),
            Self::MountNfs {
                host,
                server,
                share,
                datastore,
            } => {
                format!("mount {server}:{share} as {datastore} on {host}")
            }
            Self::RecordContent { host, datastore } => {
                format!("record the files of {datastore} as {host} sees them")
            }
            Self::VerifyContent {
                host, datastore, ..
            } => format!("verify {datastore} on {host} holds the recorded files"),
            Self::DestroyClone { volume, .. } => format!("destroy the FlexClone {volume}"),
        }
    }

    /// The cluster or host the step acts on.
    pub fn target(&self) -> String {
        match self {
            Self::OperatorGate { site, .. } => format!("operator ({site})"),
            Self::UnmountDatastore { host, .. }
            | Self::RescanHost { host }
            | Self::MountVmfs { host, .. }
            | Self::MountNfs { host, .. }
            | Self::RecordContent { host, .. }
            | Self::VerifyContent { host, .. } => host.clone(),
            Self::UnmapLun { cluster, .. }
            | Self::UpdateMirror { cluster, .. }
            | Self::QuiesceMirror { cluster, .. }
            | Self::BreakMirror { cluster, .. }
            | Self::ReverseResync { cluster, .. }
            | Self::CreateClone { cluster, .. }
            | Self::LunOnline { cluster, .. }
            | Self::MapLun { cluster, .. }
            | Self::MountJunction { cluster, .. }
            | Self::DestroyClone { cluster, .. } => cluster.to_string(),
        }
    }

    /// Whether the step changes or destroys something that cannot simply be done again.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Self::BreakMirror { .. }
                | Self::ReverseResync { .. }
                | Self::DestroyClone { .. }
                | Self::UnmapLun { .. }
                | Self::UnmountDatastore { .. }
        )
    }

    /// The ordered calls the step makes when it has work to do (state reads first).
    pub fn calls(&self) -> Vec<Call> {
        match self {
            Self::OperatorGate { site, .. } => vec![Call {
                target: format!("operator ({site})"),
                call: "workloads_stopped()".into(),
            }],
            Self::UnmountDatastore {
                host,
                datastore,
                nfs,
            } => {
                if *nfs {
                    vec![
                        call(host, "nfs_datastores", &[]),
                        call(host, "unmount_nfs", &[datastore]),
                    ]
                } else {
                    vec![
                        call(host, "filesystems", &[]),
                        call(host, "unmount_vmfs", &[datastore]),
                    ]
                }
            }
            Self::UnmapLun {
                cluster,
                svm,
                lun,
                igroup,
            } => vec![
                call(cluster, "list_lun_maps", &[svm]),
                call(cluster, "unmap_lun", &[svm, lun, igroup]),
            ],
            Self::UpdateMirror {
                cluster,
                destination,
            } => vec![
                call(cluster, "relationship", &[destination]),
                call(cluster, "update", &[destination]),
                call(cluster, "relationship", &[destination]),
            ],
            Self::QuiesceMirror {
                cluster,
                destination,
            } => vec![
                call(cluster, "relationship", &[destination]),
                call(cluster, "quiesce", &[destination]),
            ],
            Self::BreakMirror {
                cluster,
                destination,
            } => vec![
                call(cluster, "relationship", &[destination]),
                call(cluster, "break_off", &[destination, &"wait"]),
            ],
            Self::ReverseResync {
                cluster,
                destination,
                new_cluster,
                new_destination,
            } => vec![
                call(cluster, "relationship", &[destination]),
                call(cluster, "reverse_resync_preview", &[destination]),
                call(cluster, "reverse_resync", &[destination, &"refuse|accept"]),
                call(new_cluster, "relationship", &[new_destination]),
            ],
            Self::CreateClone {
                cluster,
                parent,
                clone,
                ..
            } => vec![
                call(cluster, "list_volumes", &[&parent.svm]),
                call(cluster, "list_snapshots", &[parent]),
                call(cluster, "create_clone", &[parent, clone]),
            ],
            Self::LunOnline { cluster, svm, lun } => vec![
                call(cluster, "list_luns", &[&lun.volume]),
                call(cluster, "set_lun_online", &[svm, lun, &true]),
            ],
            Self::MapLun {
                cluster,
                svm,
                lun,
                igroup,
            } => vec![
                call(cluster, "list_lun_maps", &[svm]),
                call(cluster, "map_lun", &[svm, lun, igroup]),
            ],
            Self::MountJunction {
                cluster,
                volume,
                junction,
            } => vec![
                call(cluster, "volume", &[volume]),
                call(cluster, "mount_volume", &[volume, junction]),
            ],
            Self::RescanHost { host } => {
                vec![
                    call(host, "rescan_all_hbas", &[]),
                    call(host, "rescan_vmfs", &[]),
                ]
            }
            Self::MountVmfs {
                host,
                label,
                resignature,
                mode,
            } => {
                let mut v = vec![call(host, "filesystems", &[])];
                match (mode, resignature) {
                    (EsxMode::LegacyLvm, false) => {
                        v.push(call(
                            host,
                            "set_advanced_option",
                            &[&"/LVM/DisallowSnapshotLun", &0],
                        ));
                        v.push(call(host, "rescan_all_hbas", &[]));
                        v.push(call(host, "filesystems", &[]));
                    }
                    (EsxMode::LegacyLvm, true) => {
                        v.push(call(host, "advanced_option", &[&"/LVM/EnableResignature"]));
                        v.push(call(
                            host,
                            "set_advanced_option",
                            &[&"/LVM/EnableResignature", &1],
                        ));
                        v.push(call(host, "rescan_all_hbas", &[]));
                        v.push(call(
                            host,
                            "set_advanced_option",
                            &[&"/LVM/EnableResignature", &"previous"],
                        ));
                        v.push(call(host, "filesystems", &[]));
                    }
                    (EsxMode::PerVolume, false) => {
                        v.push(call(host, "unresolved_volumes", &[]));
                        v.push(call(host, "mount_snapshot", &[label, &"persistent"]));
                        v.push(call(host, "filesystems", &[]));
                    }
                    (EsxMode::PerVolume, true) => {
                        v.push(call(host, "unresolved_volumes", &[]));
                        v.push(call(host, "resignature_snapshot", &[label]));
                    }
                }
                v
            }
            Self::MountNfs {
                host,
                server,
                share,
                datastore,
            } => vec![
                call(host, "nfs_datastores", &[]),
                call(
                    host,
                    "mount_nfs",
                    &[&format!("{server}:{share}"), datastore],
                ),
            ],
            Self::RecordContent { host, datastore }
            | Self::VerifyContent {
                host, datastore, ..
            } => {
                vec![
                    call(host, "list_datastore", &[datastore, &"/ (recursively)"]),
                    call(host, "read_datastore_file", &[&"each file"]),
                ]
            }
            Self::DestroyClone { cluster, volume } => vec![
                call(cluster, "volume", &[volume]),
                call(cluster, "unmount_volume", &[volume]),
                call(cluster, "set_volume_state", &[volume, &"offline"]),
                call(cluster, "delete_volume", &[volume]),
            ],
        }
    }
}

/// How many calls a list makes on each target.
pub fn count_by_target(calls: &[Call]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for c in calls {
        *m.entry(c.target.clone()).or_insert(0) += 1;
    }
    m
}

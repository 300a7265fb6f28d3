//! The behaviour suite every [`EsxHost`] must pass (feature `conformance`), run against a host
//! of Site 2 of the simulated lab (`vrepl_storage::sim::Fabric::lab`) that has not rescanned
//! yet. It drives the array side through the fabric and checks what the host reports.
//!
//! The steps follow the seed's chapter 11: the replica is not mountable while snapmirrored;
//! after a break it is presented under its original name and its VM folders are browsable; a
//! FlexClone of the replica mapped as LUN 6 is resignatured next to it; an NFS FlexClone of
//! RG2FV3_SM mounts as a datastore; and refusals come back typed.

use std::collections::BTreeSet;

use vrepl_storage::mirror::OnTransfer;
use vrepl_storage::model::{
    CloneSpec, IgroupName, Initiator, JunctionPath, LunPath, NewExportRule, PolicyName, SvmName,
    VolumeName, VolumePath,
};
use vrepl_storage::sim::Fabric;
use vrepl_storage::{MirrorControl, StorageArray};

use crate::error::EsxError;
use crate::host::{
    mount_copy, DatastoreName, DatastorePath, EsxHost, NfsMount, OptionPath, Persistence,
    Resolution, VolumeRef,
};

fn name(s: &str) -> DatastoreName {
    DatastoreName::new(s).expect("a valid datastore name")
}

fn path(s: &str) -> DatastorePath {
    DatastorePath::new(s).expect("a valid datastore path")
}

fn vpath(s: &str) -> VolumePath {
    VolumePath::parse(s).expect("a valid volume path")
}

/// The host's WWPNs, as it reports them.
async fn initiators(host: &dyn EsxHost) -> Vec<Initiator> {
    host.adapters()
        .await
        .expect("adapters")
        .iter()
        .filter_map(|a| a.wwpn())
        .map(Initiator::Fc)
        .collect()
}

/// Runs every step in order on a fresh lab and a Site 2 host that has not rescanned yet.
pub async fn suite(fabric: &Fabric, host: &dyn EsxHost) {
    identity(fabric, host).await;
    stale_view_until_rescan(fabric, host).await;
    replica_hidden_while_snapmirrored(fabric, host).await;
    failover_presents_the_replica_under_its_name(fabric, host).await;
    clone_next_to_the_replica_is_resignatured(fabric, host).await;
    unmounted_original_stays_unmounted_until_mounted(fabric, host).await;
    nfs_clone_mounts_as_a_datastore(fabric, host).await;
    refusals_are_typed(fabric, host).await;
}

/// The host reports a version and the WWPNs the lab gives one of its Site 2 hosts.
pub async fn identity(fabric: &Fabric, host: &dyn EsxHost) {
    let version = host.version().await.expect("version");
    assert!(version.release.0 >= 3, "{version}");
    let wwpns = initiators(host).await;
    assert!(!wwpns.is_empty(), "an FC adapter with a WWPN");
    let topology = fabric.topology();
    let me = topology
        .hosts
        .iter()
        .find(|h| h.wwpns.iter().any(|w| wwpns.contains(&Initiator::Fc(*w))))
        .expect("the host's WWPNs belong to a lab host");
    assert_eq!(me.site, "Site 2", "the suite runs on a recovery-site host");
}

/// Devices show only after a rescan, and then exactly the LUNs mapped to the host's WWPNs.
pub async fn stale_view_until_rescan(fabric: &Fabric, host: &dyn EsxHost) {
    assert!(
        host.devices().await.expect("devices").is_empty(),
        "a host that has not rescanned sees no LUNs"
    );
    host.rescan_all_hbas().await.expect("rescan");
    let seen: BTreeSet<String> = host
        .devices()
        .await
        .expect("devices")
        .into_iter()
        .map(|d| d.id)
        .collect();
    let mapped = fabric.visible_luns(&initiators(host).await);
    let naas: BTreeSet<&str> = mapped.iter().map(|l| l.naa.as_str()).collect();
    assert_eq!(
        seen.len(),
        naas.len(),
        "one device per mapped LUN: {seen:?}"
    );
    for id in &seen {
        // ESXi and ESX 4 name devices by NAA id; ESX 3 by their first path, vmhbaN:T:L.
        let known = naas.contains(id.as_str())
            || mapped
                .iter()
                .any(|l| id.ends_with(&format!(":{}", l.lun_id)));
        assert!(known, "{id} is not a LUN mapped to this host");
    }
    assert!(!seen.is_empty());
}

/// While RG1FV1_SM is a SnapMirror destination its LUN is a device, but RP1 is not mountable.
pub async fn replica_hidden_while_snapmirrored(_fabric: &Fabric, host: &dyn EsxHost) {
    let fs = host.filesystems().await.expect("filesystems");
    assert!(!fs.iter().any(|f| f.volume_name == "RP1"), "{fs:?}");
    let err = mount_copy(host, &name("RP1"), Resolution::KeepSignature)
        .await
        .expect_err("a read-only replica cannot be mounted");
    assert!(
        matches!(
            err,
            EsxError::NotFound { .. } | EsxError::MountRefused { .. }
        ),
        "{err}"
    );
}

/// Break RG1FV1_SM, rescan: RP1 mounts under its original name, its VM folders browsable and
/// holding what the array holds.
pub async fn failover_presents_the_replica_under_its_name(fabric: &Fabric, host: &dyn EsxHost) {
    let site2 = fabric.array("fas2050").expect("fas2050");
    site2
        .break_off(&vpath("fas2050upper:RG1FV1_SM"), OnTransfer::Wait)
        .await
        .expect("break");
    let fs = mount_copy(host, &name("RP1"), Resolution::KeepSignature)
        .await
        .expect("RP1 mounts keeping its signature");
    assert_eq!(fs.volume_name, "RP1");
    let root = host
        .list_datastore(&name("RP1"), &DatastorePath::root())
        .await
        .expect("browse RP1");
    assert!(
        root.iter().any(|e| e.is_dir && e.name == "HR-App1"),
        "{root:?}"
    );
    let folder = host
        .list_datastore(&name("RP1"), &path("HR-App1"))
        .await
        .expect("browse HR-App1");
    assert!(folder.iter().any(|e| e.name == "HR-App1.vmx"), "{folder:?}");
    let vmx = host
        .read_datastore_file(&name("RP1"), &path("HR-App1/HR-App1.vmx"))
        .await
        .expect("read the .vmx");
    let naa = fabric
        .visible_luns(&initiators(host).await)
        .into_iter()
        .find(|l| l.lun.path.volume == "RG1FV1_SM")
        .expect("the replica's LUN")
        .naa;
    assert_eq!(
        vmx,
        fabric
            .vmfs_read(&naa, "HR-App1/HR-App1.vmx")
            .expect("array copy")
    );
}

/// A FlexClone of RG1FV1_SM mapped as LUN 6 carries RP1's UUID while RP1 is mounted: keeping
/// its signature is refused, resignaturing mounts it as `snap-XXXXXXXX-RP1`.
pub async fn clone_next_to_the_replica_is_resignatured(fabric: &Fabric, host: &dyn EsxHost) {
    let site2 = fabric.array("fas2050").expect("fas2050");
    let svm = SvmName::new("fas2050upper").expect("svm");
    let clone = VolumeName::new("RG1FV1_SM_clone").expect("name");
    site2
        .create_clone(&CloneSpec {
            parent: vpath("fas2050upper:RG1FV1_SM"),
            name: clone.clone(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    let lun = LunPath::parse("/vol/RG1FV1_SM_clone/RP1.lun").expect("lun path");
    site2
        .set_lun_online(&svm, &lun, true)
        .await
        .expect("online");
    site2
        .map_lun(
            &svm,
            &lun,
            &IgroupName::new("Fibre").expect("igroup"),
            Some(6),
        )
        .await
        .expect("map as LUN 6");

    let err = mount_copy(host, &name("RP1"), Resolution::KeepSignature).await;
    // RP1 (the broken-off replica) is mounted, so `mount_copy` returns it rather than the clone.
    assert_eq!(err.expect("already mounted").volume_name, "RP1");
    if let Ok(unresolved) = host.unresolved_volumes().await {
        let copy = unresolved
            .iter()
            .find(|u| u.label == "RP1")
            .expect("the clone shows as an unresolved copy of RP1");
        assert!(!copy.can_mount);
        let refused = host
            .mount_snapshot(&VolumeRef::Uuid(copy.uuid.clone()), Persistence::Persistent)
            .await
            .expect_err("ESX refuses to mount a second RP1");
        assert!(
            matches!(refused, EsxError::MountRefused { .. }),
            "{refused}"
        );
    }
    let snap = mount_copy(host, &name("RP1"), Resolution::Resignature)
        .await
        .expect("resignature the clone");
    assert!(
        snap.volume_name.starts_with("snap-") && snap.volume_name.ends_with("-RP1"),
        "{}",
        snap.volume_name
    );
    let ds = name(&snap.volume_name);
    let root = host
        .list_datastore(&ds, &DatastorePath::root())
        .await
        .expect("browse the clone");
    assert!(root.iter().any(|e| e.name == "HR-App1"), "{root:?}");
}

/// The resignatured clone is an original VMFS volume: unmounted by hand it stays unmounted
/// across rescans until `mount_vmfs` mounts it again, browsable as before; mounting it twice is
/// success and an unknown label is `NotFound`. ESX 3.x/4.x cannot mount an original again from
/// the command line: `Unsupported`, and the volume is left mounted.
pub async fn unmounted_original_stays_unmounted_until_mounted(
    _fabric: &Fabric,
    host: &dyn EsxHost,
) {
    let mounted_snap = |fs: &[crate::host::Filesystem]| {
        fs.iter()
            .find(|f| {
                f.mounted && f.volume_name.starts_with("snap-") && f.volume_name.ends_with("-RP1")
            })
            .map(|f| name(&f.volume_name))
    };
    let ds = mounted_snap(&host.filesystems().await.expect("filesystems"))
        .expect("the resignatured clone is mounted");
    if host.version().await.expect("version").is_legacy() {
        let err = host
            .mount_vmfs(&ds)
            .await
            .expect_err("no remount on ESX 3.x/4.x");
        assert!(matches!(err, EsxError::Unsupported { .. }), "{err}");
        return;
    }
    host.unmount_vmfs(&ds).await.expect("unmount");
    host.rescan_all_hbas().await.expect("rescan");
    host.rescan_vmfs().await.expect("rescan VMFS");
    let fs = host.filesystems().await.expect("filesystems");
    assert_eq!(mounted_snap(&fs), None, "a rescan mounted it again: {fs:?}");
    let err = host
        .list_datastore(&ds, &DatastorePath::root())
        .await
        .expect_err("an unmounted datastore is not browsable");
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");

    host.mount_vmfs(&ds).await.expect("mount it again");
    host.mount_vmfs(&ds)
        .await
        .expect("mounting a mounted volume is success");
    let fs = host.filesystems().await.expect("filesystems");
    assert_eq!(mounted_snap(&fs).as_ref(), Some(&ds), "{fs:?}");
    let root = host
        .list_datastore(&ds, &DatastorePath::root())
        .await
        .expect("browse it again");
    assert!(root.iter().any(|e| e.name == "HR-App1"), "{root:?}");
    host.rescan_all_hbas().await.expect("rescan");
    assert_eq!(
        mounted_snap(&host.filesystems().await.expect("filesystems")).as_ref(),
        Some(&ds),
        "stays mounted across rescans"
    );

    let err = host
        .mount_vmfs(&name("no-such-vmfs"))
        .await
        .expect_err("unknown label");
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");
}

/// An NFS FlexClone of RG2FV3_SM, mounted at a junction and exported to Site 2, mounts.
pub async fn nfs_clone_mounts_as_a_datastore(fabric: &Fabric, host: &dyn EsxHost) {
    let site2 = fabric.array("fas2050").expect("fas2050");
    let svm = SvmName::new("fas2050lower").expect("svm");
    let clone = site2
        .create_clone(&CloneSpec {
            parent: vpath("fas2050lower:RG2FV3_SM"),
            name: VolumeName::new("RG2FV3_clone").expect("name"),
            parent_snapshot: None,
            junction_path: Some(JunctionPath::new("/RG2FV3_clone").expect("junction")),
        })
        .await
        .expect("NFS clone");
    site2
        .set_export_policy(&clone.path, &PolicyName::new("esx_nfs").expect("policy"))
        .await
        .expect("export");
    let lif = fabric
        .cluster_info("fas2050")
        .expect("cluster")
        .svms
        .into_iter()
        .find(|s| s.name == svm)
        .expect("svm")
        .nfs_lif;
    let mount =
        NfsMount::parse(&format!("{lif}:/RG2FV3_clone"), "RP5_clone", false).expect("mount");
    host.mount_nfs(&mount).await.expect("mount the NFS clone");
    let listed = host.nfs_datastores().await.expect("nfs list");
    assert!(
        listed
            .iter()
            .any(|n| n.name == "RP5_clone" && n.share == "/RG2FV3_clone"),
        "{listed:?}"
    );
    let files = fabric.list_files(&clone.path, None).expect("files");
    let root = host
        .list_datastore(&name("RP5_clone"), &DatastorePath::root())
        .await
        .expect("browse");
    let top: BTreeSet<String> = files
        .iter()
        .map(|f| f.split('/').next().unwrap_or(f).to_string())
        .collect();
    let shown: BTreeSet<String> = root.into_iter().map(|e| e.name).collect();
    assert_eq!(shown, top);
    host.unmount_nfs(&name("RP5_clone")).await.expect("unmount");
    assert!(!host
        .nfs_datastores()
        .await
        .expect("nfs list")
        .iter()
        .any(|n| n.name == "RP5_clone"));
}

/// Unknown names and mounts ESX would refuse come back as typed errors.
pub async fn refusals_are_typed(fabric: &Fabric, host: &dyn EsxHost) {
    let site2 = fabric.array("fas2050").expect("fas2050");
    let svm = SvmName::new("fas2050lower").expect("svm");
    let closed = PolicyName::new("nobody").expect("policy");
    site2
        .create_export_policy(&svm, &closed)
        .await
        .expect("policy");
    site2
        .add_export_rule(
            &svm,
            &closed,
            &NewExportRule {
                clients: "10.9.9.9".into(),
                read_write: true,
                superuser: true,
            },
        )
        .await
        .expect("rule");
    let clone = site2
        .create_clone(&CloneSpec {
            parent: vpath("fas2050lower:RG2FV3_SM"),
            name: VolumeName::new("RG2FV3_closed").expect("name"),
            parent_snapshot: None,
            junction_path: Some(JunctionPath::new("/RG2FV3_closed").expect("junction")),
        })
        .await
        .expect("clone");
    site2
        .set_export_policy(&clone.path, &closed)
        .await
        .expect("policy");
    let lif = &fabric.cluster_info("fas2050").expect("cluster").svms[1].nfs_lif;
    let mount = NfsMount::parse(&format!("{lif}:/RG2FV3_closed"), "closed", false).expect("mount");
    let err = host
        .mount_nfs(&mount)
        .await
        .expect_err("not exported to this host");
    assert!(
        matches!(&err, EsxError::MountRefused { reason, .. } if reason.contains("denied")),
        "{err}"
    );

    let err = host
        .unmount_nfs(&name("no-such-ds"))
        .await
        .expect_err("unknown");
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");
    let err = host
        .advanced_option(&OptionPath::new("/LVM/NoSuchOption").expect("path"))
        .await
        .expect_err("unknown option");
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");
    let err = host
        .list_datastore(&name("no-such-ds"), &DatastorePath::root())
        .await
        .expect_err("unknown datastore");
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");
    match host
        .mount_snapshot(
            &VolumeRef::Label(name("RP1; reboot")),
            Persistence::Persistent,
        )
        .await
    {
        Err(EsxError::NotFound { .. } | EsxError::Unsupported { .. }) => {}
        other => panic!("expected not found (or unsupported on ESX 3.x), got {other:?}"),
    }
    assert!(
        host.filesystems()
            .await
            .expect("still answering")
            .iter()
            .any(|f| f.volume_name == "RP1"),
        "nothing ran after the quoted ';'"
    );
}

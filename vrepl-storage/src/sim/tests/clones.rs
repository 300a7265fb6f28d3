use super::{lun, pass, vp};
use crate::error::Error;
use crate::mirror::{NewRelationship, OnTransfer};
use crate::model::{
    CloneSpec, Initiator, JunctionPath, PolicyName, SnapshotName, VolumeState, VolumeType,
};
use crate::sim::{DataPath, Fabric, LabOptions};
use crate::{MirrorControl, StorageArray};

const SM: &str = "fas2050upper:RG1FV1_SM";
const PROD: &str = "fas2020upper:RG1FV1";

fn clone_spec(parent: &str, name: &str) -> CloneSpec {
    CloneSpec {
        parent: vp(parent),
        name: name.parse().unwrap(),
        parent_snapshot: None,
        junction_path: None,
    }
}

#[tokio::test(start_paused = true)]
async fn a_clone_of_the_replica_shares_its_snapmirror_snapshot_and_gets_new_serials() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let clone = site2
        .create_clone(&clone_spec(SM, "RG1FV1_Clone"))
        .await
        .unwrap();
    let newest = site2.list_snapshots(&vp(SM)).await.unwrap().pop().unwrap();
    let parent = clone.clone_parent.as_ref().unwrap();
    assert_eq!(parent.snapshot, newest.name);
    assert!(parent.snapshot.as_str().starts_with("snapmirror."));
    assert_eq!(
        (clone.kind, clone.state),
        (VolumeType::Rw, VolumeState::Online)
    );

    let luns = site2.list_luns(Some(&clone.path)).await.unwrap();
    let parent_lun = &site2.list_luns(Some(&vp(SM))).await.unwrap()[0];
    assert_eq!(luns.len(), 1);
    assert_eq!(luns[0].path.to_string(), "/vol/RG1FV1_Clone/RP1.lun");
    assert_ne!(luns[0].serial, parent_lun.serial);
    assert!(luns[0].online && !luns[0].read_only);
    let maps = site2.list_lun_maps(None).await.unwrap();
    assert!(
        maps.iter().all(|m| m.lun.volume != "RG1FV1_Clone"),
        "no maps"
    );

    // The VMFS on it is a copy: formatted on another device.
    let header = fabric.vmfs_header(&luns[0].naa_id()).unwrap().unwrap();
    assert_eq!(header.label, "RP1");
    assert_ne!(header.formatted_on, luns[0].naa_id());

    // The shared snapshot is locked.
    let snaps = site2.list_snapshots(&vp(SM)).await.unwrap();
    let held = snaps.iter().find(|s| s.name == parent.snapshot).unwrap();
    assert!(held.owners.contains(&"volume_clone".to_string()));
    let err = fabric
        .array("fas2020")
        .unwrap()
        .delete_snapshot(&vp(PROD), &parent.snapshot)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Busy { .. }));
}

#[tokio::test(start_paused = true)]
async fn replication_continues_while_a_clone_exists() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let clone = site2
        .create_clone(&clone_spec(SM, "RG1FV1_Clone"))
        .await
        .unwrap();
    let held = clone.clone_parent.unwrap().snapshot;
    let at = DataPath::vmfs(lun("RP1.lun"), "HR-App1/new.txt");
    fabric
        .write_file(&vp(PROD), &at, b"after the clone")
        .unwrap();
    site2.update(&vp(SM)).await.unwrap();
    pass(1).await;
    assert_eq!(fabric.read_file(&vp(SM), &at).unwrap(), b"after the clone");
    assert!(
        fabric.read_file(&clone.path, &at).is_err(),
        "the clone is frozen"
    );
    let names: Vec<SnapshotName> = site2
        .list_snapshots(&vp(SM))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert!(
        names.contains(&held),
        "the destination keeps the clone's snapshot"
    );
    assert_eq!(names.len(), 2);
    let err = site2.delete_snapshot(&vp(SM), &held).await.unwrap_err();
    assert!(err.to_string().contains("RG1FV1_Clone"), "{err}");

    // Writes to the clone stay in the clone.
    fabric.write_file(&clone.path, &at, b"test data").unwrap();
    assert_eq!(fabric.read_file(&vp(SM), &at).unwrap(), b"after the clone");
}

#[tokio::test(start_paused = true)]
async fn seven_mode_clone_luns_start_offline() {
    let fabric = Fabric::lab_with(LabOptions {
        seven_mode: true,
        ..Default::default()
    });
    let site2 = fabric.array("fas2050").unwrap();
    let clone = site2
        .create_clone(&clone_spec(SM, "RG1FV1_Clone"))
        .await
        .unwrap();
    let l = &site2.list_luns(Some(&clone.path)).await.unwrap()[0];
    assert!(!l.online);
    // The seed maps the LUN first, then brings it online.
    let svm = vp(SM).svm;
    let map = site2
        .map_lun(&svm, &l.path, &"Fibre".parse().unwrap(), Some(6))
        .await
        .unwrap();
    assert_eq!(map.lun_id, 6);
    let host_wwpn: Initiator = "10:00:00:00:c9:50:33:0a".parse().unwrap();
    let seen = fabric.visible_luns(std::slice::from_ref(&host_wwpn));
    let v = seen.iter().find(|v| v.lun.path == l.path).unwrap();
    assert!(!v.online);
    assert!(fabric.vmfs_write(&v.naa, "x", b"x").is_err(), "offline");
    site2.set_lun_online(&svm, &l.path, true).await.unwrap();
    let seen = fabric.visible_luns(&[host_wwpn]);
    let v = seen.iter().find(|v| v.lun.path == l.path).unwrap();
    assert!(v.online && !v.read_only && v.lun_id == 6);
}

#[tokio::test(start_paused = true)]
async fn clone_of_a_rw_volume_takes_a_new_snapshot_and_can_be_split() {
    let fabric = Fabric::lab();
    let site1 = fabric.array("fas2020").unwrap();
    let clone = site1
        .create_clone(&clone_spec("fas2020upper:LP1FV1", "LP1FV1_Clone"))
        .await
        .unwrap();
    let snap = clone.clone_parent.clone().unwrap().snapshot;
    assert!(snap.as_str().starts_with("clone_LP1FV1_Clone."), "{snap}");
    assert!(matches!(
        site1
            .delete_snapshot(&vp("fas2020upper:LP1FV1"), &snap)
            .await,
        Err(Error::Busy { .. })
    ));
    site1.split_clone(&clone.path).await.unwrap();
    assert!(site1
        .volume(&clone.path)
        .await
        .unwrap()
        .clone_parent
        .is_none());
    site1
        .delete_snapshot(&vp("fas2020upper:LP1FV1"), &snap)
        .await
        .unwrap();
    let err = site1.split_clone(&clone.path).await.unwrap_err();
    assert!(err.to_string().contains("not a FlexClone"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn clones_are_not_split_while_they_are_a_mirror_destination() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let clone = site2
        .create_clone(&clone_spec("fas2050upper:LBCFV1", "LBCFV1_Clone"))
        .await
        .unwrap();
    // Make the clone a destination (as a DR test that replicates the clone would).
    {
        let mut w = fabric.lock();
        w.volume_mut(&clone.path).unwrap().info.kind = VolumeType::Dp;
    }
    site2
        .create_relationship(&NewRelationship {
            source: vp("fas2020upper:LP1FV1"),
            destination: clone.path.clone(),
            policy: None,
        })
        .await
        .unwrap();
    let err = site2.split_clone(&clone.path).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("destination of the SnapMirror relationship"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn deleting_a_clone_needs_unmap_unmount_and_offline_first() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let spec = CloneSpec {
        junction_path: Some(JunctionPath::new("/RG1FV1_Clone").unwrap()),
        ..clone_spec(SM, "RG1FV1_Clone")
    };
    let clone = site2.create_clone(&spec).await.unwrap();
    let svm = clone.path.svm.clone();
    let l = site2.list_luns(Some(&clone.path)).await.unwrap()[0]
        .path
        .clone();
    site2
        .map_lun(&svm, &l, &"Fibre".parse().unwrap(), None)
        .await
        .unwrap();

    let err = site2.delete_volume(&vp(SM)).await.unwrap_err();
    assert!(err.to_string().contains("relationship"), "{err}");
    let e1 = site2.delete_volume(&clone.path).await.unwrap_err();
    assert!(e1.to_string().contains("unmap it first"), "{e1}");
    site2
        .unmap_lun(&svm, &l, &"Fibre".parse().unwrap())
        .await
        .unwrap();
    let e2 = site2.delete_volume(&clone.path).await.unwrap_err();
    assert!(e2.to_string().contains("unmount it first"), "{e2}");
    site2.unmount_volume(&clone.path).await.unwrap();
    let e3 = site2.delete_volume(&clone.path).await.unwrap_err();
    assert!(e3.to_string().contains("take it offline first"), "{e3}");
    site2
        .set_volume_state(&clone.path, VolumeState::Offline)
        .await
        .unwrap();
    site2.delete_volume(&clone.path).await.unwrap();
    assert!(site2.volume(&clone.path).await.unwrap_err().is_not_found());
    // The parent snapshot is free again (SnapMirror still holds it, as its common snapshot).
    let snaps = site2.list_snapshots(&vp(SM)).await.unwrap();
    assert_eq!(snaps[0].owners, ["snapmirror"]);
}

#[tokio::test(start_paused = true)]
async fn an_nfs_clone_of_the_replica_mounts_for_site2_hosts() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let spec = CloneSpec {
        junction_path: Some(JunctionPath::new("/RG2FV3_Clone").unwrap()),
        ..clone_spec("fas2050lower:RG2FV3_SM", "RG2FV3_Clone")
    };
    let clone = site2.create_clone(&spec).await.unwrap();
    assert_eq!(
        clone.export_policy,
        Some(PolicyName::new("esx_nfs").unwrap())
    );
    let export = fabric
        .nfs_lookup("192.168.2.11", "/RG2FV3_Clone", "192.168.2.6")
        .unwrap();
    assert_eq!(export.volume, clone.path);
    assert!(!export.read_only);
    let files = fabric.list_files(&clone.path, None).unwrap();
    assert!(
        files.contains(&"Finance-Web/Finance-Web.vmx".to_string()),
        "{files:?}"
    );

    let dup = CloneSpec {
        junction_path: Some(JunctionPath::new("/RG2FV3_Clone").unwrap()),
        ..clone_spec("fas2050lower:RG2FV3_SM", "RG2FV3_Clone2")
    };
    let err = site2.create_clone(&dup).await.unwrap_err();
    assert!(err.to_string().contains("already used by"), "{err}");
    assert!(matches!(
        site2.create_clone(&spec).await,
        Err(Error::AlreadyExists { .. })
    ));
    let bad = CloneSpec {
        parent_snapshot: Some("nope".parse().unwrap()),
        ..clone_spec("fas2050lower:RG2FV3_SM", "X")
    };
    assert!(site2.create_clone(&bad).await.unwrap_err().is_not_found());
}

#[tokio::test(start_paused = true)]
async fn a_broken_off_replica_can_still_be_cloned() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    let clone = site2
        .create_clone(&clone_spec(SM, "RG1FV1_Clone"))
        .await
        .unwrap();
    assert!(clone
        .clone_parent
        .unwrap()
        .snapshot
        .as_str()
        .starts_with("snapmirror."));
}

#[tokio::test(start_paused = true)]
async fn clones_are_not_split_while_they_are_a_mirror_source() {
    let fabric = Fabric::lab();
    let site1 = fabric.array("fas2020").unwrap();
    let site2 = fabric.array("fas2050").unwrap();
    let clone = site1
        .create_clone(&clone_spec("fas2020upper:LP1FV1", "LP1FV1_Clone"))
        .await
        .unwrap();
    let dest = vp("fas2050upper:LP1FV1_Clone_SM");
    site2
        .create_volume(&crate::model::NewVolume {
            path: dest.clone(),
            kind: VolumeType::Dp,
            size_bytes: 100 << 30,
        })
        .await
        .unwrap();
    site2
        .create_relationship(&NewRelationship {
            source: clone.path.clone(),
            destination: dest,
            policy: None,
        })
        .await
        .unwrap();
    let err = site1.split_clone(&clone.path).await.unwrap_err();
    assert!(matches!(err, Error::Busy { .. }));
    assert!(
        err.to_string()
            .contains("source of the SnapMirror relationship"),
        "{err}"
    );
}

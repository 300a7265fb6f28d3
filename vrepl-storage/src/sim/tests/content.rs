use super::{lun, pass, vp};
use crate::error::Error;
use crate::mirror::OnTransfer;
use crate::model::{Initiator, JunctionPath, VolumeState};
use crate::sim::{DataPath, Fabric, VmfsHeader};
use crate::{MirrorControl, StorageArray};

#[tokio::test(start_paused = true)]
async fn a_dp_volume_refuses_writes_naming_itself() {
    let fabric = Fabric::lab();
    let sm = vp("fas2050upper:RG1FV1_SM");
    for at in [
        DataPath::file("x.txt"),
        DataPath::vmfs(lun("RP1.lun"), "HR-App1/new.txt"),
    ] {
        let err = fabric.write_file(&sm, &at, b"x").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("fas2050upper:RG1FV1_SM") && msg.contains("SnapMirror destination"),
            "{msg}"
        );
    }
    let naa = fabric
        .array("fas2050")
        .unwrap()
        .list_luns(Some(&sm))
        .await
        .unwrap()[0]
        .naa_id();
    assert!(fabric.vmfs_write(&naa, "a", b"x").is_err());
    let header = VmfsHeader {
        label: "snap-1-RP1".into(),
        uuid: "1-2-3-4".into(),
        formatted_on: naa.clone(),
    };
    assert!(fabric.write_vmfs_header(&naa, header).is_err());
}

#[tokio::test(start_paused = true)]
async fn after_a_break_the_replica_takes_writes() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let sm = vp("fas2050upper:RG1FV1_SM");
    site2.break_off(&sm, OnTransfer::Fail).await.unwrap();
    let naa = site2.list_luns(Some(&sm)).await.unwrap()[0].naa_id();
    fabric
        .vmfs_write(&naa, "HR-App3/Failback Test.txt", b"hello")
        .unwrap();
    assert_eq!(
        fabric.vmfs_read(&naa, "HR-App3/Failback Test.txt").unwrap(),
        b"hello"
    );
    assert!(fabric
        .vmfs_list(&naa)
        .unwrap()
        .contains(&"HR-App3/Failback Test.txt".to_string()));
    let topo = fabric.topology();
    let host = topo.hosts_at("Site 2")[0];
    let init: Vec<Initiator> = host.wwpns.iter().map(|w| Initiator::Fc(*w)).collect();
    let seen = fabric.visible_luns(&init);
    assert!(!seen.iter().find(|l| l.naa == naa).unwrap().read_only);
}

#[tokio::test(start_paused = true)]
async fn writes_reach_the_other_site_only_after_an_update() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let src = vp("fas2020lower:RG2FV3");
    let sm = vp("fas2050lower:RG2FV3_SM");
    let at = DataPath::file("Finance-Web/notes.txt");
    fabric.write_file(&src, &at, b"v1").unwrap();
    assert!(fabric.read_file(&sm, &at).is_err(), "not replicated yet");
    site2.update(&sm).await.unwrap();
    assert!(fabric.read_file(&sm, &at).is_err(), "still in flight");
    pass(1).await;
    assert_eq!(fabric.read_file(&sm, &at).unwrap(), b"v1");
}

#[tokio::test(start_paused = true)]
async fn bad_paths_and_offline_volumes_are_refused() {
    let fabric = Fabric::lab();
    let site1 = fabric.array("fas2020").unwrap();
    let v = vp("fas2020upper:LP1FV1");
    for bad in ["", "/abs", "a/../b", "a//b"] {
        assert!(matches!(
            fabric.write_file(&v, &DataPath::file(bad), b"x"),
            Err(Error::InvalidName { .. })
        ));
    }
    assert!(fabric
        .write_file(&vp("fas2020upper:NOPE"), &DataPath::file("a"), b"x")
        .unwrap_err()
        .is_not_found());
    assert!(fabric
        .write_file(&v, &DataPath::vmfs(lun("nope.lun"), "a"), b"x")
        .unwrap_err()
        .is_not_found());
    site1
        .set_volume_state(&v, VolumeState::Offline)
        .await
        .unwrap();
    let err = fabric.read_file(&v, &DataPath::file("a")).unwrap_err();
    assert!(err.to_string().contains("bring it online"), "{err}");
    assert!(fabric.write_file(&v, &DataPath::file("a"), b"x").is_err());
}

#[tokio::test(start_paused = true)]
async fn a_lun_without_vmfs_must_be_formatted_first() {
    let fabric = Fabric::lab();
    let site1 = fabric.array("fas2020").unwrap();
    let v = vp("fas2020upper:LP1FV1");
    site1
        .create_lun(&crate::model::NewLun {
            svm: v.svm.clone(),
            path: "/vol/LP1FV1/raw.lun".parse().unwrap(),
            os_type: crate::model::OsType::Vmware,
            size_bytes: 1 << 30,
        })
        .await
        .unwrap();
    let err = fabric
        .write_file(&v, &DataPath::vmfs(lun("raw.lun"), "a"), b"x")
        .unwrap_err();
    assert!(err.to_string().contains("format it"), "{err}");
    let luns = site1.list_luns(Some(&v)).await.unwrap();
    let raw = luns.iter().find(|l| l.path.name == "raw.lun").unwrap();
    assert_eq!(fabric.vmfs_header(&raw.naa_id()).unwrap(), None);
    let header = VmfsHeader {
        label: "NEW".into(),
        uuid: "4a000000-00000000-0000-000000000001".into(),
        formatted_on: raw.naa_id(),
    };
    fabric
        .write_vmfs_header(&raw.naa_id(), header.clone())
        .unwrap();
    assert_eq!(fabric.vmfs_header(&raw.naa_id()).unwrap(), Some(header));
    fabric.vmfs_write(&raw.naa_id(), "vm/vm.vmx", b"x").unwrap();
    assert!(fabric
        .vmfs_header("naa.60a98000ffff")
        .unwrap_err()
        .is_not_found());
}

#[tokio::test(start_paused = true)]
async fn nfs_lookup_checks_junction_export_and_client() {
    let fabric = Fabric::lab();
    let prod = fabric
        .nfs_lookup("192.168.1.11", "/RG2FV3", "192.168.1.5")
        .unwrap();
    assert_eq!(prod.volume, vp("fas2020lower:RG2FV3"));
    assert!(!prod.read_only);
    let by_name = fabric
        .nfs_lookup("fas2050lower", "/RG2FV3_SM", "192.168.2.6")
        .unwrap();
    assert!(by_name.read_only, "a dp volume exports read-only");

    let denied = fabric
        .nfs_lookup("192.168.1.11", "/RG2FV3", "192.168.2.5")
        .unwrap_err();
    assert!(
        denied
            .to_string()
            .contains("no rule for client 192.168.2.5"),
        "{denied}"
    );
    assert!(fabric
        .nfs_lookup("192.168.1.11", "/nothing", "192.168.1.5")
        .unwrap_err()
        .is_not_found());
    assert!(fabric
        .nfs_lookup("10.0.0.1", "/RG2FV3", "192.168.1.5")
        .unwrap_err()
        .is_not_found());

    let site1 = fabric.array("fas2020").unwrap();
    let v = vp("fas2020lower:RG2FV3");
    site1.unmount_volume(&v).await.unwrap();
    assert!(fabric
        .nfs_lookup("192.168.1.11", "/RG2FV3", "192.168.1.5")
        .is_err());
    site1
        .mount_volume(&v, &JunctionPath::new("/RG2FV3").unwrap())
        .await
        .unwrap();
    fabric.set_reachable("fas2020", false);
    assert!(fabric
        .nfs_lookup("192.168.1.11", "/RG2FV3", "192.168.1.5")
        .is_err());
}

#[tokio::test(start_paused = true)]
async fn vol_paths_resolve_only_on_seven_mode() {
    let fabric = Fabric::lab();
    assert!(fabric
        .nfs_lookup("192.168.1.11", "/vol/RG2FV3", "192.168.1.5")
        .is_err());
    let seven = Fabric::lab_with(crate::sim::LabOptions {
        seven_mode: true,
        ..Default::default()
    });
    let e = seven
        .nfs_lookup("192.168.1.11", "/vol/RG2FV3", "192.168.1.5")
        .unwrap();
    assert_eq!(e.volume, vp("fas2020lower:RG2FV3"));
}

#[tokio::test(start_paused = true)]
async fn snapshot_delta_counts_what_a_roll_back_would_discard() {
    let fabric = Fabric::lab();
    let sm = vp("fas2050upper:RG1FV1_SM");
    let dest = fabric.array("fas2050").unwrap();
    dest.break_off(&sm, OnTransfer::Fail).await.unwrap();
    let common = dest
        .resync_preview(&sm)
        .await
        .unwrap()
        .common_snapshot
        .unwrap();
    assert_eq!(fabric.snapshot_delta(&sm, &common).unwrap(), 0);

    let note = DataPath::vmfs(lun("RP1.lun"), "Failback Test/note.txt");
    fabric.write_file(&sm, &note, b"written at Site 2").unwrap();
    assert_eq!(fabric.snapshot_delta(&sm, &common).unwrap(), 17);
    let preview = dest.resync_preview(&sm).await.unwrap();
    assert_eq!(preview.discard.total_bytes(), 17);

    let missing = crate::model::SnapshotName::new("nightly.0").unwrap();
    assert!(fabric
        .snapshot_delta(&sm, &missing)
        .unwrap_err()
        .is_not_found());
}

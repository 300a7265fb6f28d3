use super::{pass, vp};
use crate::error::Error;
use crate::model::{
    IgroupName, IgroupProtocol, Initiator, JunctionPath, LunPath, NewExportRule, NewIgroup, NewLun,
    NewVolume, OsType, PolicyName, SnapshotName, SvmName, VolumeState, VolumeType,
};
use crate::sim::{DataPath, Fabric, SimArray};
use crate::StorageArray;

fn site1() -> (Fabric, SimArray, SvmName) {
    let fabric = Fabric::lab();
    let a = fabric.array("fas2020").unwrap();
    (fabric, a, "fas2020upper".parse().unwrap())
}

fn ig(name: &str) -> IgroupName {
    name.parse().unwrap()
}

#[tokio::test(start_paused = true)]
async fn volumes_are_created_listed_and_validated() {
    let (_f, a, svm) = site1();
    let path = vp("fas2020upper:NEWVOL");
    let v = a
        .create_volume(&NewVolume {
            path: path.clone(),
            kind: VolumeType::Rw,
            size_bytes: 1 << 30,
        })
        .await
        .unwrap();
    assert_eq!((v.kind, v.state), (VolumeType::Rw, VolumeState::Online));
    assert!(a
        .list_volumes(Some(&svm))
        .await
        .unwrap()
        .iter()
        .any(|v| v.path == path));
    assert_eq!(a.list_volumes(None).await.unwrap().len(), 8);
    assert!(matches!(
        a.create_volume(&NewVolume {
            path: path.clone(),
            kind: VolumeType::Rw,
            size_bytes: 1 << 30
        })
        .await,
        Err(Error::AlreadyExists { .. })
    ));
    let err = a
        .create_volume(&NewVolume {
            path: vp("fas2050upper:X"),
            kind: VolumeType::Rw,
            size_bytes: 1 << 30,
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("served by cluster fas2050"),
        "{err}"
    );
    assert!(a
        .list_volumes(Some(&"nosuchsvm".parse().unwrap()))
        .await
        .unwrap_err()
        .is_not_found());
    let svms = a.list_svms().await.unwrap();
    assert_eq!(svms, ["fas2020lower", "fas2020upper"]);
}

#[tokio::test(start_paused = true)]
async fn snapshots_freeze_content_and_record_changed_bytes() {
    let (fabric, a, _svm) = site1();
    let v = vp("fas2020upper:LP1FV1");
    let at = DataPath::file("a.txt");
    fabric.write_file(&v, &at, b"12345").unwrap();
    let s = a
        .create_snapshot(&v, &"hourly.0".parse().unwrap())
        .await
        .unwrap();
    assert!(
        s.changed_bytes > 5,
        "includes the lab's VM files written before"
    );
    fabric.write_file(&v, &at, b"abc").unwrap();
    let s1 = a
        .create_snapshot(&v, &"hourly.1".parse().unwrap())
        .await
        .unwrap();
    assert_eq!(s1.changed_bytes, 3);
    assert!(matches!(
        a.create_snapshot(&v, &"hourly.1".parse().unwrap()).await,
        Err(Error::AlreadyExists { .. })
    ));
    // A clone of the older snapshot sees the older content.
    pass(1).await;
    let clone = a
        .create_clone(&crate::model::CloneSpec {
            parent: v.clone(),
            name: "LP1FV1_old".parse().unwrap(),
            parent_snapshot: Some(SnapshotName::new("hourly.0").unwrap()),
            junction_path: None,
        })
        .await
        .unwrap();
    assert_eq!(fabric.read_file(&clone.path, &at).unwrap(), b"12345");
    assert_eq!(fabric.read_file(&v, &at).unwrap(), b"abc");
    a.delete_snapshot(&v, &"hourly.1".parse().unwrap())
        .await
        .unwrap();
    assert!(a
        .delete_snapshot(&v, &"hourly.1".parse().unwrap())
        .await
        .unwrap_err()
        .is_not_found());
    let dp = vp("fas2050upper:RG1FV1_SM");
    let err = fabric
        .array("fas2050")
        .unwrap()
        .create_snapshot(&dp, &"mine".parse().unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("SnapMirror destination"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn igroups_admit_only_their_protocol_and_no_duplicates() {
    let (_f, a, svm) = site1();
    let fc: Initiator = "10:00:00:00:c9:00:00:01".parse().unwrap();
    let iqn: Initiator = "iqn.1998-01.com.vmware:esx9".parse().unwrap();
    let err = a
        .create_igroup(&NewIgroup {
            svm: svm.clone(),
            name: ig("test"),
            protocol: IgroupProtocol::Fcp,
            os_type: OsType::Vmware,
            initiators: vec![iqn.clone()],
        })
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("cannot join a fcp igroup"),
        "{err}"
    );
    let g = a
        .create_igroup(&NewIgroup {
            svm: svm.clone(),
            name: ig("test"),
            protocol: IgroupProtocol::Fcp,
            os_type: OsType::Vmware,
            initiators: vec![fc.clone(), fc.clone()],
        })
        .await
        .unwrap();
    assert_eq!(g.initiators, std::slice::from_ref(&fc));
    assert!(matches!(
        a.add_initiator(&svm, &ig("test"), &fc).await,
        Err(Error::AlreadyExists { .. })
    ));
    assert!(a.add_initiator(&svm, &ig("test"), &iqn).await.is_err());
    a.add_initiator(&svm, &ig("iSCSI"), &iqn).await.unwrap();
    a.remove_initiator(&svm, &ig("test"), &fc).await.unwrap();
    assert!(a
        .remove_initiator(&svm, &ig("test"), &fc)
        .await
        .unwrap_err()
        .is_not_found());
    assert!(a
        .add_initiator(&svm, &ig("nope"), &fc)
        .await
        .unwrap_err()
        .is_not_found());
    let fibre = a
        .list_igroups(Some(&svm))
        .await
        .unwrap()
        .into_iter()
        .find(|g| g.name == "Fibre")
        .unwrap();
    assert_eq!(
        fibre.initiators.len(),
        8,
        "four Site 1 hosts, two ports each"
    );
}

#[tokio::test(start_paused = true)]
async fn lun_maps_take_the_lowest_free_id_and_refuse_clashes() {
    let (_f, a, svm) = site1();
    for name in ["a.lun", "b.lun"] {
        a.create_lun(&NewLun {
            svm: svm.clone(),
            path: format!("/vol/LP1FV1/{name}").parse().unwrap(),
            os_type: OsType::Vmware,
            size_bytes: 1 << 30,
        })
        .await
        .unwrap();
    }
    let la: LunPath = "/vol/LP1FV1/a.lun".parse().unwrap();
    let lb: LunPath = "/vol/LP1FV1/b.lun".parse().unwrap();
    // Fibre at fas2020upper already uses ids 0, 1 and 9.
    let m = a.map_lun(&svm, &la, &ig("Fibre"), None).await.unwrap();
    assert_eq!(m.lun_id, 2);
    let err = a.map_lun(&svm, &la, &ig("Fibre"), None).await.unwrap_err();
    assert!(matches!(err, Error::AlreadyExists { .. }), "{err}");
    let err = a
        .map_lun(&svm, &lb, &ig("Fibre"), Some(9))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("RG1FV2/RP2.lun"), "{err}");
    assert!(a
        .map_lun(&svm, &lb, &ig("Fibre"), Some(5000))
        .await
        .is_err());
    assert_eq!(
        a.map_lun(&svm, &lb, &ig("iSCSI"), None)
            .await
            .unwrap()
            .lun_id,
        0
    );
    assert!(a
        .map_lun(
            &svm,
            &"/vol/LP1FV1/zz.lun".parse().unwrap(),
            &ig("Fibre"),
            None
        )
        .await
        .unwrap_err()
        .is_not_found());
    assert!(a
        .map_lun(&svm, &lb, &ig("nope"), None)
        .await
        .unwrap_err()
        .is_not_found());
    a.unmap_lun(&svm, &la, &ig("Fibre")).await.unwrap();
    assert!(a
        .unmap_lun(&svm, &la, &ig("Fibre"))
        .await
        .unwrap_err()
        .is_not_found());
    assert!(matches!(
        a.create_lun(&NewLun {
            svm: svm.clone(),
            path: la.clone(),
            os_type: OsType::Vmware,
            size_bytes: 1 << 30
        })
        .await,
        Err(Error::AlreadyExists { .. })
    ));
    let err = a
        .create_lun(&NewLun {
            svm,
            path: "/vol/LP1FV1/huge.lun".parse().unwrap(),
            os_type: OsType::Vmware,
            size_bytes: 1 << 50,
        })
        .await
        .unwrap_err();
    assert!(err.to_string().contains("does not fit"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn export_policies_and_mounts() {
    let (fabric, a, svm) = site1();
    let pol = PolicyName::new("dr_test").unwrap();
    a.create_export_policy(&svm, &pol).await.unwrap();
    assert!(matches!(
        a.create_export_policy(&svm, &pol).await,
        Err(Error::AlreadyExists { .. })
    ));
    let r1 = a
        .add_export_rule(
            &svm,
            &pol,
            &NewExportRule {
                clients: "192.168.1.8".into(),
                read_write: false,
                superuser: false,
            },
        )
        .await
        .unwrap();
    assert_eq!(r1.index, 1);
    assert!(a
        .add_export_rule(
            &svm,
            &pol,
            &NewExportRule {
                clients: "192.168.1.0/40".into(),
                read_write: true,
                superuser: true
            }
        )
        .await
        .is_err());
    assert_eq!(a.list_export_rules(&svm, &pol).await.unwrap(), [r1]);
    assert!(a
        .list_export_rules(&svm, &"nope".parse().unwrap())
        .await
        .unwrap_err()
        .is_not_found());

    let v = vp("fas2020upper:LP1FV1");
    assert!(a
        .set_export_policy(&v, &"nope".parse().unwrap())
        .await
        .is_err());
    a.set_export_policy(&v, &pol).await.unwrap();
    let j = JunctionPath::new("/LP1FV1").unwrap();
    a.mount_volume(&v, &j).await.unwrap();
    a.mount_volume(&v, &j).await.unwrap();
    let other = JunctionPath::new("/elsewhere").unwrap();
    assert!(a
        .mount_volume(&v, &other)
        .await
        .unwrap_err()
        .to_string()
        .contains("unmount it first"));
    let ro = fabric
        .nfs_lookup("fas2020upper", "/LP1FV1", "192.168.1.8")
        .unwrap();
    assert!(ro.read_only, "the rule is read-only");
    assert!(fabric
        .nfs_lookup("fas2020upper", "/LP1FV1", "192.168.1.7")
        .is_err());
    let err = a
        .set_volume_state(&v, VolumeState::Offline)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("unmount it"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_sim_array_is_a_dyn_array_and_faults_name_trait_methods() {
    use std::sync::Arc;

    use crate::mirror::OnTransfer;
    use crate::sim::Fault;
    use crate::DynArray;

    let fabric = Fabric::lab();
    let arrays: Vec<DynArray> = fabric
        .arrays()
        .into_iter()
        .map(|a| Arc::new(a) as DynArray)
        .collect();
    assert_eq!(arrays[1].cluster(), "fas2050");
    let sm = vp("fas2050upper:RG1FV1_SM");
    for op in ["break_off", "list_volumes", "relationship"] {
        fabric.inject(
            "fas2050",
            Fault::FailNext {
                op,
                error: || Error::Unsupported("injected".into()),
            },
        );
    }
    let err = arrays[1]
        .break_off(&sm, OnTransfer::Fail)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Unsupported(_)));
    assert!(arrays[1].list_volumes(None).await.is_err());
    assert!(arrays[1].relationship(&sm).await.is_err());
    // Each fault fired once; the calls work again, and other clusters were never affected.
    arrays[1].break_off(&sm, OnTransfer::Fail).await.unwrap();
    arrays[1].list_volumes(None).await.unwrap();
    arrays[0].list_volumes(None).await.unwrap();
}

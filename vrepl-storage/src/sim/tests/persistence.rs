use time::format_description::well_known::Rfc3339;

use super::{pass, vp};
use crate::mirror::{OnTransfer, TransferStatus};
use crate::sim::{DataPath, Fabric, LabOptions};
use crate::{Error, MirrorControl, StorageArray};

#[tokio::test(start_paused = true)]
async fn a_saved_world_reloads_with_content_state_and_running_transfers() {
    let fabric = Fabric::lab_with(LabOptions {
        bandwidth_bytes_per_sec: 100,
        start_time: Some(time::macros::datetime!(2009-03-02 10:00 UTC)),
        ..Default::default()
    });
    let sm = vp("fas2050upper:RG1FV2_SM");
    let prod = vp("fas2020upper:RG1FV2");
    let bin = DataPath::file("blob.bin");
    fabric
        .write_file(&prod, &bin, &[0xff, 0x00, 0x80, 0x7f])
        .unwrap();
    fabric
        .write_file(&prod, &DataPath::file("pad.txt"), &[b'x'; 996])
        .unwrap();
    fabric.array("fas2050").unwrap().update(&sm).await.unwrap();
    pass(3).await;
    let saved_at = fabric.now();
    let json = fabric.to_json();
    let text = serde_json::to_string(&json).unwrap();

    pass(100).await; // the old fabric runs on; the saved one resumes from the save
    let loaded = Fabric::from_json(serde_json::from_str(&text).unwrap()).unwrap();
    assert_eq!(loaded.now(), saved_at);
    assert_eq!(loaded.topology(), fabric.topology());
    let site2 = loaded.array("fas2050").unwrap();
    let rel = site2.relationship(&sm).await.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Transferring);
    assert_eq!(rel.progress.unwrap().bytes_transferred, 300);
    pass(8).await;
    assert_eq!(
        loaded.read_file(&sm, &bin).unwrap(),
        [0xff, 0x00, 0x80, 0x7f]
    );
    let luns = site2.list_luns(Some(&sm)).await.unwrap();
    let old = fabric
        .array("fas2050")
        .unwrap()
        .list_luns(Some(&sm))
        .await
        .unwrap();
    assert_eq!(luns[0].serial, old[0].serial);
    assert!(loaded.vmfs_header(&luns[0].naa_id()).unwrap().is_some());

    // The two worlds are independent.
    site2.break_off(&sm, OnTransfer::Fail).await.unwrap();
    assert_eq!(
        fabric
            .array("fas2050")
            .unwrap()
            .relationship(&sm)
            .await
            .unwrap()
            .state,
        crate::mirror::MirrorState::Snapmirrored
    );
}

#[test]
fn garbage_is_not_a_fabric() {
    let err = Fabric::from_json(serde_json::json!({"format": 1})).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)));
    let mut v = Fabric::new().to_json();
    v["format"] = 99.into();
    assert!(Fabric::from_json(v)
        .unwrap_err()
        .to_string()
        .contains("rebuild the lab"));
}

#[tokio::test(start_paused = true)]
async fn an_empty_fabric_can_be_populated() {
    let fabric = Fabric::new();
    fabric.add_cluster("alpha", (9, 13, 1)).unwrap();
    fabric.add_svm("alpha", "svm1", "10.0.0.1").unwrap();
    assert!(fabric.add_svm("alpha", "svm1", "10.0.0.2").is_err());
    assert!(fabric
        .add_svm("beta", "svm2", "10.0.0.2")
        .unwrap_err()
        .is_not_found());
    assert!(fabric.add_cluster("alpha", (9, 13, 1)).is_err());
    let a = fabric.array("alpha").unwrap();
    assert_eq!(a.list_svms().await.unwrap(), ["svm1"]);
    assert_eq!(fabric.arrays().len(), 1);
    assert_eq!(fabric.topology(), Default::default());
}

#[test]
fn the_saved_lab_is_small_and_quick_to_round_trip() {
    let fabric = Fabric::lab();
    let start = std::time::Instant::now();
    let text = serde_json::to_string(&fabric.to_json()).unwrap();
    let loaded = Fabric::from_json(serde_json::from_str(&text).unwrap()).unwrap();
    let took = start.elapsed();
    eprintln!("saved lab: {} bytes, round trip {took:?}", text.len());
    assert!(text.len() < 256 * 1024, "{} bytes", text.len());
    assert_eq!(loaded.clusters(), fabric.clusters());
}

#[tokio::test(start_paused = true)]
async fn a_world_on_real_time_catches_up_with_the_time_it_spent_saved() {
    let fabric = Fabric::lab_with(LabOptions {
        bandwidth_bytes_per_sec: 100,
        ..Default::default()
    });
    let sm = vp("fas2050upper:RG1FV2_SM");
    let prod = vp("fas2020upper:RG1FV2");
    fabric
        .write_file(&prod, &DataPath::file("a"), &[1; 1000])
        .unwrap();
    fabric.array("fas2050").unwrap().update(&sm).await.unwrap();
    let mut json = fabric.to_json();
    // As if the file had been saved an hour ago, with the transfer running then.
    let hour_ago = |t: &serde_json::Value| {
        let t = time::OffsetDateTime::parse(t.as_str().unwrap(), &Rfc3339).unwrap();
        serde_json::Value::from((t - time::Duration::hours(1)).format(&Rfc3339).unwrap())
    };
    let world = &mut json["world"];
    world["wall_at_origin"] = hour_ago(&world["wall_at_origin"]);
    let rels = world["relationships"].as_array_mut().unwrap();
    let rel = rels
        .iter_mut()
        .find(|r| r["destination"] == "fas2050upper:RG1FV2_SM")
        .unwrap();
    rel["running"]["accounted_to"] = hour_ago(&rel["running"]["accounted_to"]);
    let loaded = Fabric::from_json(json).unwrap();
    assert!(loaded.now() >= fabric.now());
    let rel = loaded
        .array("fas2050")
        .unwrap()
        .relationship(&sm)
        .await
        .unwrap();
    assert_eq!(
        rel.transfer,
        TransferStatus::Idle,
        "10 s of transfer fit in the hour"
    );
    assert_eq!(
        loaded.read_file(&sm, &DataPath::file("a")).unwrap().len(),
        1000
    );
}

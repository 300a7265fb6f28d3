//! Volumes, FlexClones, snapshots, LUNs, igroups, LUN maps and NFS exports through the REST
//! simulator: 202 + job for volume and snapshot writes, 200/201 for SAN and export writes,
//! ONTAP's codes for refusals.

mod sim_support;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sim_support::Lab;

async fn newest_snapshot(lab: &Lab, volume_uuid: &str) -> serde_json::Value {
    let snaps = lab
        .records(&format!("/api/storage/volumes/{volume_uuid}/snapshots?fields=create_time,owners&order_by=create_time desc"))
        .await;
    snaps[0].clone()
}

#[tokio::test(start_paused = true)]
async fn a_flexclone_from_dotted_string_boolean_body_gets_new_online_unmapped_luns() {
    let lab = Lab::start("fas2050").await;
    let parent = lab.volume_uuid("RG1FV1_SM").await;
    let snap = newest_snapshot(&lab, &parent).await;
    let snap_name = snap["name"].as_str().unwrap();

    let r = lab
        .call(
            Method::POST,
            "/api/storage/volumes",
            Some(json!({
                "name": "RG1FV1_CL", "svm.name": "fas2050upper", "clone.is_flexclone": "true",
                "clone.parent_volume.name": "RG1FV1_SM", "clone.parent_snapshot.name": snap_name,
            })),
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some("/api/storage/volumes/?name=RG1FV1_CL")
    );
    let j = lab.job(&r).await;
    assert_eq!(j["state"], "success", "{j}");
    assert_eq!(j["description"], "POST /api/storage/volumes");

    let clone = lab
        .one("/api/storage/volumes?name=RG1FV1_CL&fields=type,clone.is_flexclone,clone.parent_volume.name,clone.parent_snapshot.name")
        .await;
    assert_eq!(clone["type"], "rw");
    assert_eq!(clone["clone"]["is_flexclone"], true);
    assert_eq!(clone["clone"]["parent_volume"]["name"], "RG1FV1_SM");
    assert_eq!(clone["clone"]["parent_snapshot"]["name"], snap_name);

    let original = lab
        .one("/api/storage/luns?location.volume.name=RG1FV1_SM&fields=serial_number")
        .await;
    let cloned = lab
        .one("/api/storage/luns?location.volume.name=RG1FV1_CL&fields=serial_number,status,lun_maps,enabled")
        .await;
    assert_eq!(cloned["name"], "/vol/RG1FV1_CL/RP1.lun");
    assert_ne!(cloned["serial_number"], original["serial_number"]);
    assert_eq!(cloned["enabled"], true);
    assert_eq!(cloned["status"]["mapped"], false);
    assert_eq!(cloned["lun_maps"], json!([]));

    let held = newest_snapshot(&lab, &parent).await;
    assert!(
        held["owners"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == "volume_clone"),
        "the parent snapshot is held: {held}"
    );
    let del_parent = lab
        .call(
            Method::DELETE,
            &format!("/api/storage/volumes/{parent}"),
            None,
        )
        .await;
    let j = lab.job(&del_parent).await;
    assert_eq!(j["code"], 524615);
    assert_eq!(
        j["message"],
        "Failed to delete volume because it has one or more clones."
    );

    let snap_uuid = held["uuid"].as_str().unwrap();
    let del_snap = lab
        .call(
            Method::DELETE,
            &format!("/api/storage/volumes/{parent}/snapshots/{snap_uuid}"),
            None,
        )
        .await;
    let j = lab.job(&del_snap).await;
    assert_eq!(j["state"], "failure");
    assert_eq!(j["code"], 1638555);
    assert!(j["message"]
        .as_str()
        .unwrap()
        .starts_with(&format!("Snapshot copy \"{snap_name}\" of volume \"RG1FV1_SM\" on Vserver \"fas2050upper\" has not expired or is locked.")));
}

#[tokio::test(start_paused = true)]
async fn volumes_mount_unmount_take_an_export_policy_and_go_offline() {
    let lab = Lab::start("fas2050").await;
    lab.ok_job(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "scratch", "svm": {"name": "fas2050upper"}, "size": "1g", "aggregates": [{"name": "aggr1"}]})),
    )
    .await;
    let uuid = lab.volume_uuid("scratch").await;
    let vol = format!("/api/storage/volumes/{uuid}");
    assert_eq!(
        lab.get(&format!("{vol}?fields=size")).await.body["size"],
        1u64 << 30
    );

    lab.ok_job(
        Method::PATCH,
        &vol,
        Some(json!({"nas": {"path": "/scratch", "export_policy": {"name": "esx_nfs"}}})),
    )
    .await;
    let v = lab.get(&format!("{vol}?fields=nas")).await.body;
    assert_eq!(v["nas"]["path"], "/scratch");
    assert_eq!(v["nas"]["export_policy"]["name"], "esx_nfs");
    assert!(
        lab.records("/api/storage/volumes?nas.path=/scratch")
            .await
            .len()
            == 1
    );

    let j = lab
        .job(
            &lab.call(
                Method::PATCH,
                &vol,
                Some(json!({"nas.export_policy.name": "nosuch"})),
            )
            .await,
        )
        .await;
    assert_eq!(j["code"], 1703954);

    lab.ok_job(Method::PATCH, &vol, Some(json!({"nas": {"path": ""}})))
        .await;
    let v = lab.get(&format!("{vol}?fields=nas.path")).await.body;
    assert!(
        v.get("nas").and_then(|n| n.get("path")).is_none(),
        "unmounted: no nas.path: {v}"
    );

    lab.ok_job(Method::PATCH, &vol, Some(json!({"state": "offline"})))
        .await;
    assert_eq!(
        lab.get(&format!("{vol}?fields=state")).await.body["state"],
        "offline"
    );
    let bad = lab
        .call(Method::PATCH, &vol, Some(json!({"state": "asleep"})))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    lab.ok_job(Method::DELETE, &vol, None).await;
    assert_eq!(lab.get(&vol).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test(start_paused = true)]
async fn snapshots_are_created_listed_and_deleted_by_job() {
    let lab = Lab::start("fas2050").await;
    let uuid = lab.volume_uuid("DEVFV1").await;
    let snaps = format!("/api/storage/volumes/{uuid}/snapshots");
    let r = lab
        .call(
            Method::POST,
            &snaps,
            Some(json!({"name": "before_test", "comment": "Store this copy."})),
        )
        .await;
    assert_eq!(
        r.location.as_deref(),
        Some(format!("{snaps}/?name=before_test").as_str())
    );
    assert_eq!(lab.job(&r).await["state"], "success");
    let s = lab
        .one(&format!(
            "{snaps}?name=before_test&fields=create_time,comment"
        ))
        .await;
    assert_eq!(s["comment"], "Store this copy.");
    assert!(s["create_time"].as_str().unwrap().ends_with("+00:00"));
    let dup = lab
        .job(
            &lab.call(Method::POST, &snaps, Some(json!({"name": "before_test"})))
                .await,
        )
        .await;
    assert_eq!(dup["state"], "failure");
    lab.ok_job(
        Method::DELETE,
        &format!("{snaps}/{}", s["uuid"].as_str().unwrap()),
        None,
    )
    .await;
    assert!(lab
        .records(&format!("{snaps}?name=before_test"))
        .await
        .is_empty());
}

#[tokio::test]
async fn luns_go_offline_and_online_with_patch_enabled() {
    let lab = Lab::start("fas2050").await;
    let lun = lab
        .one("/api/storage/luns?name=/vol/DEVFV1/devlun1.lun")
        .await;
    let href = format!("/api/storage/luns/{}", lun["uuid"].as_str().unwrap());
    let r = lab
        .call(Method::PATCH, &href, Some(json!({"enabled": false})))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let l = lab
        .get(&format!("{href}?fields=enabled,status.state"))
        .await
        .body;
    assert_eq!(l["enabled"], false);
    assert_eq!(l["status"]["state"], "offline");
    lab.call(Method::PATCH, &href, Some(json!({"enabled": "true"})))
        .await;
    assert_eq!(
        lab.get(&format!("{href}?fields=status.state")).await.body["status"]["state"],
        "online"
    );
}

#[tokio::test]
async fn luns_are_created_with_size_strings() {
    let lab = Lab::start("fas2050").await;
    let r = lab
        .call(
            Method::POST,
            "/api/storage/luns?return_records=true",
            Some(json!({"svm": {"name": "fas2050upper"}, "os_type": "vmware", "space": {"size": "10G"}, "name": "/vol/DEVFV1/new.lun"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let rec = &r.body["records"][0];
    assert_eq!(rec["space"]["size"], 10u64 << 30);
    assert_eq!(
        r.location,
        Some(format!(
            "/api/storage/luns/{}",
            rec["uuid"].as_str().unwrap()
        ))
    );
    assert_eq!(rec["serial_number"].as_str().unwrap().len(), 12);
    let dup = lab
        .call(
            Method::POST,
            "/api/storage/luns",
            Some(json!({"svm": {"name": "fas2050upper"}, "os_type": "vmware", "space": {"size": "10G"}, "name": "/vol/DEVFV1/new.lun"})),
        )
        .await;
    assert_eq!(dup.body["error"]["code"], "5374242");
}

#[tokio::test]
async fn igroups_initiators_and_lun_maps_are_synchronous() {
    let lab = Lab::start("fas2050").await;
    let r = lab
        .call(
            Method::POST,
            "/api/protocols/san/igroups",
            Some(json!({"svm": {"name": "fas2050upper"}, "name": "drtest", "os_type": "vmware", "protocol": "fcp",
                        "initiators": [{"name": "10:00:00:00:c9:6a:fb:66"}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let ig_href = r.location.unwrap();
    let ig_uuid = ig_href.rsplit('/').next().unwrap().to_string();

    let dup = lab
        .call(
            Method::POST,
            "/api/protocols/san/igroups",
            Some(json!({"svm": {"name": "fas2050upper"}, "name": "drtest", "os_type": "vmware"})),
        )
        .await;
    assert_eq!(dup.status.as_u16(), 409);
    assert_eq!(dup.body["error"]["code"], "5374023");
    let bad = lab
        .call(
            Method::POST,
            &format!("{ig_href}/initiators"),
            Some(json!({"name": "10:00:zz"})),
        )
        .await;
    assert_eq!(bad.body["error"]["code"], "5374038");
    let added = lab
        .call(
            Method::POST,
            &format!("{ig_href}/initiators"),
            Some(json!({"records": [{"name": "10:00:00:00:c9:6a:fb:67"}]})),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    let members = lab.records(&format!("{ig_href}/initiators")).await;
    assert_eq!(members.len(), 2);

    let lun = lab.one("/api/storage/luns?name=/vol/LBCFV1/LBC1.lun").await;
    let lun_uuid = lun["uuid"].as_str().unwrap();
    let m = lab
        .call(
            Method::POST,
            "/api/protocols/san/lun-maps?return_records=true",
            Some(json!({"svm": {"name": "fas2050upper"}, "lun": {"name": "/vol/LBCFV1/LBC1.lun"}, "igroup": {"name": "drtest"}})),
        )
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{:?}", m.body);
    assert_eq!(
        m.body["records"][0]["logical_unit_number"], 0,
        "the lowest free LUN id"
    );
    assert_eq!(
        m.location,
        Some(format!("/api/protocols/san/lun-maps/{lun_uuid}/{ig_uuid}"))
    );
    let again = lab
        .call(
            Method::POST,
            "/api/protocols/san/lun-maps",
            Some(json!({"lun": {"uuid": lun_uuid}, "igroup": {"uuid": ig_uuid}})),
        )
        .await;
    assert_eq!(again.body["error"]["code"], "1254207");
    let mapped = lab
        .get(&format!(
            "/api/storage/luns/{lun_uuid}?fields=lun_maps,status.mapped"
        ))
        .await
        .body;
    assert_eq!(mapped["status"]["mapped"], true);
    assert!(mapped["lun_maps"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["igroup"]["name"] == "drtest"));

    let del = lab
        .call(
            Method::DELETE,
            &format!("/api/protocols/san/lun-maps/{lun_uuid}/{ig_uuid}"),
            None,
        )
        .await;
    assert_eq!(del.status, StatusCode::OK);
    assert_eq!(
        lab.get(&format!("/api/protocols/san/lun-maps/{lun_uuid}/{ig_uuid}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let rm = lab
        .call(
            Method::DELETE,
            &format!("{ig_href}/initiators/10:00:00:00:c9:6a:fb:67"),
            None,
        )
        .await;
    assert_eq!(rm.status, StatusCode::OK);
    assert_eq!(lab.records(&format!("{ig_href}/initiators")).await.len(), 1);
}

#[tokio::test]
async fn export_policies_and_rules_are_created_and_listed() {
    let lab = Lab::start("fas2050").await;
    let existing = lab
        .one("/api/protocols/nfs/export-policies?name=esx_nfs&svm.name=fas2050upper")
        .await;
    assert!(existing["id"].is_u64());
    let r = lab
        .call(
            Method::POST,
            "/api/protocols/nfs/export-policies",
            Some(json!({"name": "drtest", "svm": {"name": "fas2050upper"},
                        "rules": [{"clients": [{"match": "192.168.2.0/24"}], "ro_rule": ["sys"], "rw_rule": ["sys"], "superuser": ["sys"]}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    let href = r.location.unwrap();
    let rules = format!("{href}/rules");
    let created = lab
        .call(
            Method::POST,
            &rules,
            Some(json!({"clients": [{"match": "10.0.0.5"}], "protocols": ["nfs3"], "ro_rule": ["sys"], "rw_rule": ["never"], "superuser": ["none"]})),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{:?}", created.body);
    assert_eq!(created.location, Some(format!("{rules}/2")));
    let listed = lab.records(&format!("{rules}?fields=*")).await;
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[1]["rw_rule"], json!(["never"]));
    let again = lab
        .call(Method::POST, &rules, Some(json!({"clients": [{"match": "10.0.0.5"}], "rw_rule": ["never"], "superuser": ["none"]})))
        .await;
    assert_eq!(again.body["error"]["code"], "1704070");
    let p = lab
        .one("/api/protocols/nfs/export-policies?name=drtest&fields=rules")
        .await;
    assert_eq!(p["rules"].as_array().unwrap().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn an_online_volume_is_offlined_before_deletion_and_unknown_parameters_are_refused() {
    let lab = Lab::start("fas2050").await;
    lab.ok_job(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "short_lived", "svm": {"name": "fas2050lower"}})),
    )
    .await;
    let uuid = lab.volume_uuid("short_lived").await;
    let vol = format!("/api/storage/volumes/{uuid}");
    assert_eq!(
        lab.get(&format!("{vol}?fields=state,size")).await.body["size"],
        20u64 << 20
    );
    let odd = lab
        .call(Method::DELETE, &format!("{vol}?force=true"), None)
        .await;
    assert_eq!(odd.status, StatusCode::BAD_REQUEST);
    assert_eq!(odd.body["error"]["code"], "262179");
    lab.ok_job(Method::DELETE, &vol, None).await;
    assert!(lab
        .records("/api/storage/volumes?name=short_lived")
        .await
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_flexclone_splits_by_patch_and_is_then_independent() {
    let lab = Lab::start("fas2050").await;
    lab.ok_job(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "DEV_CL", "svm": {"name": "fas2050upper"},
                    "clone": {"is_flexclone": true, "parent_volume": {"name": "DEVFV1"}},
                    "nas": {"path": "/DEV_CL"}})),
    )
    .await;
    let uuid = lab.volume_uuid("DEV_CL").await;
    let vol = format!("/api/storage/volumes/{uuid}");
    let before = lab.get(&format!("{vol}?fields=**")).await.body;
    assert_eq!(before["clone"]["is_flexclone"], true);
    assert_eq!(before["nas"]["path"], "/DEV_CL");
    let no = lab
        .call(
            Method::PATCH,
            &vol,
            Some(json!({"clone": {"split_initiated": false}})),
        )
        .await;
    assert_eq!(no.body["error"]["code"], "918248");
    lab.ok_job(
        Method::PATCH,
        &vol,
        Some(json!({"clone.split_initiated": true})),
    )
    .await;
    let after = lab.get(&format!("{vol}?fields=clone")).await.body;
    assert_eq!(after["clone"]["is_flexclone"], false, "{after}");
    let mounted = lab.job(&lab.call(Method::DELETE, &vol, None).await).await;
    assert_eq!(
        mounted["state"], "failure",
        "a mounted volume must be unmounted first"
    );
    lab.ok_job(Method::PATCH, &vol, Some(json!({"nas": {"path": ""}})))
        .await;
    lab.ok_job(Method::DELETE, &vol, None).await;
    let parent = lab
        .one("/api/storage/volumes?name=DEVFV1&fields=state")
        .await;
    assert_eq!(parent["state"], "online", "the parent lives on");
}

#[tokio::test(start_paused = true)]
async fn a_new_dp_volume_cannot_be_mounted_and_a_taken_lun_id_is_refused() {
    let lab = Lab::start("fas2050").await;
    let r = lab
        .call(
            Method::POST,
            "/api/storage/volumes",
            Some(json!({"name": "NEW_DP", "svm": {"name": "fas2050upper"}, "type": "dp", "nas": {"path": "/NEW_DP"}})),
        )
        .await;
    let j = lab.job(&r).await;
    assert_eq!(j["code"], 917536, "{j}");

    // LUN id 0 of igroup Fibre already presents RP1.lun: the array refuses (code 2).
    let r = lab
        .call(
            Method::POST,
            "/api/protocols/san/lun-maps",
            Some(
                json!({"svm": {"name": "fas2050upper"}, "lun": {"name": "/vol/LBCFV1/LBC1.lun"},
                        "igroup": {"name": "iSCSI"}, "logical_unit_number": 0}),
            ),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "another igroup may use id 0: {:?}",
        r.body
    );
    let made = lab
        .call(
            Method::POST,
            "/api/storage/luns",
            Some(json!({"svm.name": "fas2050upper", "os_type": "vmware", "space.size": "1g", "name": "/vol/LBCFV1/extra.lun"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    let r = lab
        .call(
            Method::POST,
            "/api/protocols/san/lun-maps",
            Some(
                json!({"svm": {"name": "fas2050upper"}, "lun": {"name": "/vol/LBCFV1/extra.lun"},
                        "igroup": {"name": "Fibre"}, "logical_unit_number": 0}),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "2");
}

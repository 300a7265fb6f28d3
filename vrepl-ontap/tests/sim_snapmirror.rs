//! SnapMirror through the REST simulator: relationship records, state PATCHes as jobs,
//! transfers (201 + Location), refusals with ONTAP's codes, reverse, DELETE variants, and jobs
//! that vanish 300 s after they end. Tokio's clock is paused: transfers take simulated time.

mod sim_support;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sim_support::Lab;
use vrepl_storage::model::VolumePath;
use vrepl_storage::sim::DataPath;

const RG1: &str = "fas2050upper:RG1FV1_SM";

fn is_iso_duration(s: &str) -> bool {
    s.starts_with('P')
        && s.len() > 1
        && s[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || "DTHMS".contains(c))
}

async fn write_on_source(lab: &Lab, bytes: usize) {
    let src = VolumePath::parse("fas2020upper:RG1FV1").unwrap();
    lab.fabric
        .write_file(
            &src,
            &DataPath::File("dir/new.bin".into()),
            &vec![7u8; bytes],
        )
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn relationships_are_found_by_destination_path_with_ontap_fields() {
    let lab = Lab::start("fas2050").await;
    let r = lab
        .relationship(
            RG1,
            "uuid,state,healthy,lag_time,source,destination,policy,transfer,exported_snapshot",
        )
        .await;
    assert_eq!(r["state"], "snapmirrored");
    assert_eq!(r["healthy"], true);
    assert_eq!(r["source"]["path"], "fas2020upper:RG1FV1");
    assert_eq!(
        r["source"]["cluster"]["name"], "fas2020",
        "a remote endpoint names its cluster"
    );
    assert_eq!(r["destination"]["path"], RG1);
    assert!(
        r["destination"].get("cluster").is_none(),
        "the local endpoint does not"
    );
    assert_eq!(r["policy"]["type"], "async");
    assert!(
        r["transfer"].get("uuid").is_none(),
        "a transfer uuid only while one runs: {r}"
    );
    assert_eq!(r["transfer"]["state"], "success", "the last transfer: {r}");
    assert!(is_iso_duration(r["lag_time"].as_str().unwrap()), "{r}");
    assert!(r["exported_snapshot"]
        .as_str()
        .unwrap()
        .starts_with("snapmirror."));

    let all = lab.records("/api/snapmirror/relationships").await;
    assert_eq!(all.len(), 5);
    let lagging = lab
        .records("/api/snapmirror/relationships?lag_time=<P1D")
        .await;
    assert_eq!(lagging.len(), 5);
    assert!(lab
        .records("/api/snapmirror/relationships?lag_time=>P2D")
        .await
        .is_empty());

    let source = Lab::on(lab.fabric.clone(), "fas2020").await;
    assert!(source
        .records("/api/snapmirror/relationships")
        .await
        .is_empty());
    let out = source
        .records("/api/snapmirror/relationships?list_destinations_only=true&fields=source.path,destination.path")
        .await;
    assert_eq!(out.len(), 5);
}

#[tokio::test(start_paused = true)]
async fn break_and_resync_are_jobs_and_break_is_idempotent() {
    let lab = Lab::start("fas2050").await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/snapmirror/relationships/{uuid}");

    let accepted = lab
        .call(Method::PATCH, &path, Some(json!({"state": "broken_off"})))
        .await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED);
    let job_uuid = accepted.body["job"]["uuid"].as_str().unwrap().to_string();
    assert_eq!(
        accepted.body["job"]["_links"]["self"]["href"],
        format!("/api/cluster/jobs/{job_uuid}")
    );
    let job = lab.job(&accepted).await;
    assert_eq!(job["state"], "success");
    assert_eq!(job["code"], 0);
    assert_eq!(job["description"], format!("PATCH {path}"));
    assert!(job["start_time"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(lab.relationship(RG1, "state").await["state"], "broken_off");
    let vol = lab
        .one("/api/storage/volumes?name=RG1FV1_SM&fields=type")
        .await;
    assert_eq!(vol["type"], "rw", "break makes the destination writable");

    lab.ok_job(Method::PATCH, &path, Some(json!({"state": "broken_off"})))
        .await;

    let update = lab
        .call(Method::POST, &format!("{path}/transfers"), Some(json!({})))
        .await;
    assert_eq!(update.status, StatusCode::BAD_REQUEST);
    assert_eq!(update.body["error"]["code"], "13303844");

    lab.ok_job(Method::PATCH, &path, Some(json!({"state": "snapmirrored"})))
        .await;
    let r = lab.until_idle(RG1).await;
    assert_eq!(r["state"], "snapmirrored");
    let vol = lab
        .one("/api/storage/volumes?name=RG1FV1_SM&fields=type")
        .await;
    assert_eq!(vol["type"], "dp");
}

#[tokio::test(start_paused = true)]
async fn a_transfer_is_201_with_location_and_shows_progress_until_it_ends() {
    let lab = Lab::start("fas2050").await;
    lab.fabric.set_bandwidth(1 << 20);
    write_on_source(&lab, 64 << 20).await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let transfers = format!("/api/snapmirror/relationships/{uuid}/transfers");

    let started = lab.call(Method::POST, &transfers, Some(json!({}))).await;
    assert_eq!(started.status, StatusCode::CREATED, "{:?}", started.body);
    let location = started.location.expect("a Location header");
    assert!(location.starts_with(&format!("{transfers}/")), "{location}");
    assert!(started.body.get("job").is_none(), "no job for a transfer");

    tokio::time::sleep(Duration::from_secs(10)).await;
    let r = lab.relationship(RG1, "state,transfer").await;
    assert_eq!(r["state"], "snapmirrored");
    assert_eq!(r["transfer"]["state"], "transferring");
    assert_eq!(
        location,
        format!("{transfers}/{}", r["transfer"]["uuid"].as_str().unwrap())
    );
    let first = r["transfer"]["bytes_transferred"].as_u64().unwrap();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let later = lab.relationship(RG1, "transfer").await["transfer"]["bytes_transferred"]
        .as_u64()
        .unwrap();
    assert!(later > first, "progress grows: {first} then {later}");

    let listed = lab.records(&transfers).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(lab.get(&location).await.status, StatusCode::OK);

    let again = lab.call(Method::POST, &transfers, Some(json!({}))).await;
    assert_eq!(again.status.as_u16(), 409);
    assert_eq!(again.body["error"]["code"], "13303812");

    let brk = lab
        .call(
            Method::PATCH,
            &format!("/api/snapmirror/relationships/{uuid}"),
            Some(json!({"state": "broken_off"})),
        )
        .await;
    assert_eq!(
        brk.status,
        StatusCode::ACCEPTED,
        "errors of async operations surface in the job"
    );
    let job = lab.job(&brk).await;
    assert_eq!(job["state"], "failure");
    assert_eq!(job["code"], 13303808);
    assert_eq!(
        job["message"],
        "Transition to broken_off state failed. Reason:Another transfer is in progress"
    );

    let r = lab.until_idle(RG1).await;
    assert_eq!(r["healthy"], true);
    assert_eq!(
        lab.get(&location).await.status,
        StatusCode::NOT_FOUND,
        "a finished transfer is gone"
    );
}

#[tokio::test(start_paused = true)]
async fn an_aborted_transfer_leaves_the_relationship_unhealthy() {
    let lab = Lab::start("fas2050").await;
    lab.fabric.set_bandwidth(1 << 20);
    write_on_source(&lab, 64 << 20).await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let transfers = format!("/api/snapmirror/relationships/{uuid}/transfers");
    let location = lab
        .call(Method::POST, &transfers, Some(json!({})))
        .await
        .location
        .unwrap();

    let bad = lab
        .call(
            Method::PATCH,
            &location,
            Some(json!({"state": "transferring"})),
        )
        .await;
    assert_eq!(bad.body["error"]["code"], "13303849");
    let ok = lab
        .call(Method::PATCH, &location, Some(json!({"state": "aborted"})))
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{:?}", ok.body);
    let r = lab.until_idle(RG1).await;
    assert_eq!(r["healthy"], false);
    let r = lab.relationship(RG1, "unhealthy_reason").await;
    assert!(r["unhealthy_reason"][0]["message"].is_string(), "{r}");
    let gone = lab
        .call(Method::PATCH, &location, Some(json!({"state": "aborted"})))
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["error"]["code"], "4");
}

#[tokio::test(start_paused = true)]
async fn a_new_relationship_stays_uninitialized_during_its_baseline() {
    let lab = Lab::start("fas2050").await;
    lab.fabric.set_bandwidth(1 << 20);
    lab.ok_job(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "LP1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "dp", "size": "100g"})),
    )
    .await;
    let dst = "fas2050upper:LP1FV1_SM";
    let create = lab
        .call(
            Method::POST,
            "/api/snapmirror/relationships/",
            Some(json!({"source": {"path": "fas2020upper:LP1FV1"}, "destination": {"path": dst}})),
        )
        .await;
    lab.job(&create).await;
    let r = lab.relationship(dst, "state,uuid,policy.name").await;
    assert_eq!(r["state"], "uninitialized");
    assert_eq!(r["policy"]["name"], "Asynchronous");

    let dup = lab
        .call(
            Method::POST,
            "/api/snapmirror/relationships",
            Some(json!({"source": {"path": "fas2020upper:LP1FV1"}, "destination": {"path": dst}})),
        )
        .await;
    let j = lab.job(&dup).await;
    assert_eq!(j["state"], "failure");
    assert_eq!(j["code"], 6619637);

    let uuid = r["uuid"].as_str().unwrap();
    lab.ok_job(
        Method::PATCH,
        &format!("/api/snapmirror/relationships/{uuid}"),
        Some(json!({"state": "snapmirrored"})),
    )
    .await;
    let during = lab.relationship(dst, "state,transfer").await;
    assert_eq!(during["state"], "uninitialized", "{during}");
    assert_eq!(during["transfer"]["state"], "transferring");
    let after = lab.until_idle(dst).await;
    assert_eq!(after["state"], "snapmirrored");

    let no_colon = lab
        .call(
            Method::POST,
            "/api/snapmirror/relationships",
            Some(json!({"source": {"path": "fas2020upper:LP1FV1"}, "destination": {"path": "LP1FV1_SM"}})),
        )
        .await;
    assert_eq!(no_colon.body["error"]["code"], "13303852");
}

#[tokio::test(start_paused = true)]
async fn break_of_an_uninitialized_relationship_fails_in_the_job() {
    let lab = Lab::start("fas2050").await;
    lab.ok_job(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "LP1FV1_SM", "svm.name": "fas2050upper", "type": "dp"})),
    )
    .await;
    lab.ok_job(
        Method::POST,
        "/api/snapmirror/relationships",
        Some(json!({"source.path": "fas2020upper:LP1FV1", "destination.path": "fas2050upper:LP1FV1_SM"})),
    )
    .await;
    let uuid = lab.relationship("fas2050upper:LP1FV1_SM", "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let j = lab
        .job(
            &lab.call(
                Method::PATCH,
                &format!("/api/snapmirror/relationships/{uuid}"),
                Some(json!({"state": "broken_off"})),
            )
            .await,
        )
        .await;
    assert_eq!(j["state"], "failure");
    assert_eq!(j["code"], 13303833);

    let vol = lab.volume_uuid("LP1FV1_SM").await;
    let j = lab
        .job(
            &lab.call(
                Method::PATCH,
                &format!("/api/storage/volumes/{vol}"),
                Some(json!({"nas": {"path": "/LP1FV1_SM"}})),
            )
            .await,
        )
        .await;
    assert_eq!(
        j["code"], 917536,
        "mounting an uninitialized dp volume: {j}"
    );
}

#[tokio::test(start_paused = true)]
async fn return_timeout_turns_202_into_200_and_jobs_vanish_after_300_seconds() {
    let lab = Lab::start("fas2050").await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/snapmirror/relationships/{uuid}");
    let r = lab
        .call(
            Method::PATCH,
            &format!("{path}?return_timeout=10"),
            Some(json!({"state": "paused"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
    assert_eq!(lab.relationship(RG1, "state").await["state"], "paused");
    let href = r.body["job"]["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(lab.get(&href).await.body["state"], "success");

    tokio::time::sleep(Duration::from_secs(299)).await;
    assert_eq!(lab.get(&href).await.status, StatusCode::OK);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let gone = lab.get(&href).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    assert_eq!(gone.body["error"]["code"], "4");

    let failed = lab
        .call(
            Method::PATCH,
            &format!("{path}?return_timeout=10"),
            Some(json!({"state": "uninitialized"})),
        )
        .await;
    assert_eq!(failed.status, StatusCode::BAD_REQUEST);
    assert_eq!(failed.body["error"]["code"], "13303818");
}

#[tokio::test(start_paused = true)]
async fn reverse_by_patch_with_swapped_paths_moves_the_relationship_to_the_old_source() {
    let lab = Lab::start("fas2050").await;
    let site1 = Lab::on(lab.fabric.clone(), "fas2020").await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/snapmirror/relationships/{uuid}");
    lab.ok_job(Method::PATCH, &path, Some(json!({"state": "broken_off"})))
        .await;

    let mismatch = lab
        .call(
            Method::PATCH,
            &path,
            Some(json!({"source": {"path": RG1}, "destination": {"path": "fas2020upper:RG1FV2"}, "state": "snapmirrored"})),
        )
        .await;
    assert_eq!(mismatch.body["error"]["code"], "13304120");

    lab.ok_job(
        Method::PATCH,
        &path,
        Some(json!({"source": {"path": RG1}, "destination": {"path": "fas2020upper:RG1FV1"}, "state": "snapmirrored"})),
    )
    .await;
    assert!(lab
        .records("/api/snapmirror/relationships?destination.path=fas2050upper:RG1FV1_SM")
        .await
        .is_empty());
    let reversed = site1.until_idle("fas2020upper:RG1FV1").await;
    assert_eq!(reversed["state"], "snapmirrored");
    let r = site1
        .relationship("fas2020upper:RG1FV1", "source.path")
        .await;
    assert_eq!(r["source"]["path"], RG1);
}

#[tokio::test(start_paused = true)]
async fn delete_variants_remove_the_destination_record_then_release_the_source() {
    let lab = Lab::start("fas2050").await;
    let site1 = Lab::on(lab.fabric.clone(), "fas2020").await;
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/snapmirror/relationships/{uuid}");

    let both = lab
        .call(
            Method::DELETE,
            &format!("{path}?destination_only=true&source_only=true"),
            None,
        )
        .await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST);

    lab.ok_job(Method::PATCH, &path, Some(json!({"state": "broken_off"})))
        .await;
    lab.ok_job(
        Method::DELETE,
        &format!("{path}?destination_only=true"),
        None,
    )
    .await;
    assert!(lab
        .records(&format!(
            "/api/snapmirror/relationships?destination.path={RG1}"
        ))
        .await
        .is_empty());
    assert_eq!(lab.get(&path).await.status, StatusCode::NOT_FOUND);

    let listed = site1
        .records(&format!(
            "/api/snapmirror/relationships?list_destinations_only=true&destination.path={RG1}"
        ))
        .await;
    assert_eq!(listed.len(), 1, "the source still knows the destination");
    let src_uuid = listed[0]["uuid"].as_str().unwrap();
    site1
        .ok_job(
            Method::DELETE,
            &format!("/api/snapmirror/relationships/{src_uuid}?source_info_only=true"),
            None,
        )
        .await;
    assert!(site1
        .records(&format!(
            "/api/snapmirror/relationships?list_destinations_only=true&destination.path={RG1}"
        ))
        .await
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_broken_off_destination_still_exports_the_last_snapmirror_snapshot() {
    let lab = Lab::start("fas2050").await;
    let before = lab.relationship(RG1, "uuid,exported_snapshot").await;
    let uuid = before["uuid"].as_str().unwrap();
    lab.ok_job(
        Method::PATCH,
        &format!("/api/snapmirror/relationships/{uuid}"),
        Some(json!({"state": "broken_off"})),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(3600)).await;
    let vol = lab.volume_uuid("RG1FV1_SM").await;
    lab.ok_job(
        Method::POST,
        &format!("/api/storage/volumes/{vol}/snapshots"),
        Some(json!({"name": "dr_test"})),
    )
    .await;
    let after = lab.relationship(RG1, "exported_snapshot,lag_time").await;
    assert_eq!(after["exported_snapshot"], before["exported_snapshot"]);
    let lag = after["lag_time"].as_str().unwrap();
    assert!(
        lag.starts_with("PT1H"),
        "lag counts from the SnapMirror snapshot: {lag}"
    );
}

#[tokio::test(start_paused = true)]
async fn quiesce_lets_a_transfer_finish_and_resume_before_then_cancels_it() {
    let lab = Lab::start("fas2050").await;
    lab.fabric.set_bandwidth(1 << 20);
    let uuid = lab.relationship(RG1, "uuid").await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let rel = format!("/api/snapmirror/relationships/{uuid}");
    let slow_update = || async {
        write_on_source(&lab, 64 << 20).await;
        let r = lab
            .call(Method::POST, &format!("{rel}/transfers"), Some(json!({})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{:?}", r.body);
    };

    slow_update().await;
    lab.ok_job(Method::PATCH, &rel, Some(json!({"state": "paused"})))
        .await;
    let quiescing = lab.relationship(RG1, "state,transfer.state").await;
    assert_eq!(
        quiescing["state"], "snapmirrored",
        "REST has no quiescing: {quiescing}"
    );
    assert_eq!(quiescing["transfer"]["state"], "transferring");
    let done = lab.until_idle(RG1).await;
    assert_eq!(
        done["state"], "paused",
        "the transfer finished, then the quiesce took hold"
    );
    lab.ok_job(Method::PATCH, &rel, Some(json!({"state": "snapmirrored"})))
        .await;

    slow_update().await;
    lab.ok_job(Method::PATCH, &rel, Some(json!({"state": "paused"})))
        .await;
    lab.ok_job(Method::PATCH, &rel, Some(json!({"state": "snapmirrored"})))
        .await;
    let done = lab.until_idle(RG1).await;
    assert_eq!(
        done["state"], "snapmirrored",
        "resume cancelled the quiesce"
    );
}

#[tokio::test(start_paused = true)]
async fn create_destination_provisions_a_dp_volume_and_state_initializes_it() {
    let lab = Lab::start("fas2050").await;
    let dst = "fas2050upper:LP1FV1_DR";
    let bad = lab
        .call(
            Method::POST,
            "/api/snapmirror/relationships",
            Some(json!({"source": {"path": "fas2020upper:LP1FV1"}, "destination": {"path": dst}, "state": "snapmirrored"})),
        )
        .await;
    assert_eq!(bad.body["error"]["code"], "13303873");
    lab.ok_job(
        Method::POST,
        "/api/snapmirror/relationships",
        Some(
            json!({"source": {"path": "fas2020upper:LP1FV1"}, "destination": {"path": dst},
                    "create_destination": {"enabled": "true"}, "state": "snapmirrored"}),
        ),
    )
    .await;
    let vol = lab
        .one("/api/storage/volumes?name=LP1FV1_DR&fields=type,size")
        .await;
    assert_eq!(vol["type"], "dp");
    assert_eq!(vol["size"], 100u64 << 30, "the size of the source");
    let r = lab.until_idle(dst).await;
    assert_eq!(r["state"], "snapmirrored");
}

#[tokio::test(start_paused = true)]
async fn policies_and_svm_peers_answer_the_lookups_clients_make_before_creating() {
    let lab = Lab::start("fas2050").await;
    let p = lab
        .one("/api/snapmirror/policies?name=MirrorAllSnapshots&fields=svm.name,type")
        .await;
    assert_eq!(p["type"], "async");
    assert_eq!(p["svm"]["name"], "fas2050", "a cluster-scoped policy");
    let rel = lab.relationship(RG1, "policy").await;
    assert_eq!(rel["policy"]["uuid"], p["uuid"]);
    assert_eq!(
        lab.records("/api/snapmirror/policies?type=sync")
            .await
            .len(),
        2
    );

    let peers = lab
        .records("/api/svm/peers?peer.svm.name=fas2020upper&fields=svm,peer,state")
        .await;
    assert_eq!(peers.len(), 2, "both local SVMs peer with it: {peers:?}");
    assert!(peers
        .iter()
        .all(|p| p["state"] == "peered" && p["peer"]["cluster"]["name"] == "fas2020"));
    let href = peers[0]["_links"]["self"]["href"].as_str().unwrap();
    assert_eq!(lab.get(href).await.status, StatusCode::OK);
}

//! The ONTAP REST simulator's HTTP layer, driven with raw requests: auth, envelope, fields,
//! filters, paging, errors, unknown routes, faults, TLS and request recording.

mod sim_support;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::json;
use sim_support::Lab;
use vrepl_ontap::sim::{HttpFault, RestSimulator, SimServerOptions};
use vrepl_storage::sim::Fabric;

#[tokio::test]
async fn basic_auth_is_required_and_checked() {
    let lab = Lab::start("fas2050").await;
    let url = lab.sim.url().join("/api/cluster").unwrap();

    let none = lab.http.get(url.clone()).send().await.unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
    assert!(none.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .starts_with("Basic realm="));
    assert!(none
        .text()
        .await
        .unwrap()
        .contains("<title>401 Unauthorized</title>"));

    let wrong = lab
        .http
        .get(url.clone())
        .basic_auth("admin", Some("wrong"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    assert_eq!(lab.get("/api/cluster").await.status, StatusCode::OK);
}

#[tokio::test]
async fn cluster_reports_name_uuid_and_version() {
    let lab = Lab::start("fas2050").await;
    let c = lab.get("/api/cluster").await.body;
    assert_eq!(c["name"], "fas2050");
    assert_eq!(c["uuid"], "9c4f7b1a-8f4d-11ee-b7e2-00a098f2d001");
    assert_eq!(c["version"]["generation"], 9);
    assert_eq!(c["version"]["major"], 16);
    assert_eq!(c["version"]["minor"], 1);
    assert!(c["version"]["full"]
        .as_str()
        .unwrap()
        .starts_with("NetApp Release 9.16.1"));

    let v = lab.get("/api/cluster?fields=version").await.body;
    assert_eq!(v["version"]["generation"], 9);
}

#[tokio::test]
async fn collections_come_in_the_envelope_with_identity_fields_by_default() {
    let lab = Lab::start("fas2050").await;
    let r = lab.get("/api/svm/svms").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body["num_records"], 2);
    assert_eq!(r.body["_links"]["self"]["href"], "/api/svm/svms");
    let first = &r.body["records"][0];
    let mut keys: Vec<&str> = first
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(keys, ["_links", "name", "uuid"]);
    assert_eq!(
        first["_links"]["self"]["href"],
        format!("/api/svm/svms/{}", first["uuid"].as_str().unwrap())
    );

    let counted = lab
        .get("/api/storage/volumes?return_records=false")
        .await
        .body;
    assert!(counted.get("records").is_none());
    assert!(counted["num_records"].as_u64().unwrap() >= 8);
}

#[tokio::test]
async fn fields_select_star_double_star_and_lists_and_reject_unknown_names() {
    let lab = Lab::start("fas2020").await;
    let uuid = lab.volume_uuid("RG2FV3").await;

    let star = lab
        .get(&format!("/api/storage/volumes/{uuid}?fields=*"))
        .await
        .body;
    assert_eq!(star["type"], "rw");
    assert!(
        star["nas"].get("path").is_none(),
        "nas.path is expensive: {star}"
    );
    let all = lab
        .get(&format!("/api/storage/volumes/{uuid}?fields=**"))
        .await
        .body;
    assert_eq!(all["nas"]["path"], "/RG2FV3");
    let listed = lab
        .get(&format!(
            "/api/storage/volumes/{uuid}?fields=nas.path,svm.name"
        ))
        .await
        .body;
    assert_eq!(listed["nas"]["path"], "/RG2FV3");
    assert_eq!(listed["svm"], json!({"name": "fas2020lower"}));
    assert!(listed.get("type").is_none());

    let bad = lab.get("/api/storage/volumes?fields=name,fru").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.body,
        json!({"error": {"message": "The value \"fru\" is invalid for field \"fields\" (<field,...>)",
                         "code": "262197", "target": "fields"}})
    );
}

#[tokio::test]
async fn filters_take_wildcards_negation_alternatives_and_comparisons() {
    let lab = Lab::start("fas2050").await;
    let names = |recs: Vec<serde_json::Value>| {
        let mut n: Vec<String> = recs
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    assert_eq!(
        names(lab.records("/api/storage/volumes?name=RG1*").await),
        ["RG1FV1_SM", "RG1FV2_SM"]
    );
    assert_eq!(
        names(lab.records("/api/storage/volumes?name=DEVFV1|LBCFV1").await),
        ["DEVFV1", "LBCFV1"]
    );
    let dp = lab.records("/api/storage/volumes?type=dp").await;
    assert_eq!(dp.len(), 5);
    assert!(
        dp.iter().all(|r| r["type"] == "dp"),
        "filtered fields are returned: {dp:?}"
    );
    let not_dp = lab
        .records("/api/storage/volumes?type=!dp&svm.name=fas2050upper")
        .await;
    assert_eq!(names(not_dp), ["DEVFV1", "LBCFV1"]);
    assert_eq!(
        lab.records("/api/storage/volumes?size=>200G").await.len(),
        4
    );
    assert_eq!(
        lab.records("/api/storage/volumes?size=>=200G").await.len(),
        5
    );

    let bad = lab.get("/api/storage/volumes?colour=red").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.body["error"]["code"], "262179");
}

#[tokio::test]
async fn max_records_pages_with_a_start_cursor_until_the_end() {
    let lab = Lab::start("fas2050").await;
    let all = lab.records("/api/storage/volumes").await;
    let mut seen = Vec::new();
    let mut next = Some("/api/storage/volumes?max_records=3&fields=type".to_string());
    let mut pages = 0;
    while let Some(href) = next {
        let page = lab.get(&href).await.body;
        pages += 1;
        for r in page["records"].as_array().unwrap() {
            assert!(r.get("type").is_some());
            seen.push(r["uuid"].as_str().unwrap().to_string());
        }
        next = page["_links"]["next"]["href"].as_str().map(str::to_string);
        if let Some(n) = &next {
            assert!(n.contains("start.uuid="), "{n}");
        }
    }
    assert_eq!(pages, all.len().div_ceil(3));
    let mut expected: Vec<String> = all
        .iter()
        .map(|r| r["uuid"].as_str().unwrap().to_string())
        .collect();
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_500_naming_them() {
    let lab = Lab::start("fas2050").await;
    let r = lab.get("/api/storage/qtrees").await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("GET /api/storage/qtrees"));

    let r = lab
        .call(Method::PUT, "/api/storage/volumes", Some(json!({})))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("PUT /api/storage/volumes"));

    let r = lab.get("/api/storage/volumes/0000-no-such").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.body,
        json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}})
    );
}

#[tokio::test]
async fn malformed_bodies_and_unknown_body_fields_are_refused() {
    let lab = Lab::start("fas2050").await;
    let (user, pw) = lab.sim.credentials();
    let r = lab
        .http
        .post(lab.sim.url().join("/api/storage/volumes").unwrap())
        .basic_auth(user, Some(pw))
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "262199");

    let r = lab
        .call(
            Method::POST,
            "/api/storage/volumes",
            Some(json!({"name": "v1", "svm": {"name": "fas2050upper"}, "colour": "red"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["error"]["code"], "262179");
    assert_eq!(r.body["error"]["target"], "colour");
}

#[tokio::test]
async fn every_request_is_recorded_with_method_path_query_and_body() {
    let lab = Lab::start("fas2050").await;
    lab.get("/api/storage/volumes?name=RG1FV1_SM&fields=uuid")
        .await;
    lab.call(
        Method::POST,
        "/api/storage/volumes",
        Some(json!({"name": "bad name", "svm.name": "fas2050upper"})),
    )
    .await;
    let reqs = lab.sim.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].line(), "GET /api/storage/volumes");
    assert_eq!(reqs[0].query_param("name").as_deref(), Some("RG1FV1_SM"));
    assert_eq!(reqs[0].body, None);
    assert_eq!(reqs[1].line(), "POST /api/storage/volumes");
    assert_eq!(
        reqs[1].body,
        Some(json!({"name": "bad name", "svm.name": "fas2050upper"}))
    );
    lab.sim.clear_requests();
    assert!(lab.sim.requests().is_empty());
}

#[tokio::test]
async fn injected_faults_fail_cut_delay_and_drop_requests() {
    let lab = Lab::start("fas2050").await;
    lab.sim.inject(HttpFault::Status {
        status: 503,
        count: 1,
    });
    let r = lab.get("/api/cluster").await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body["error"]["code"].is_string());
    assert_eq!(lab.get("/api/cluster").await.status, StatusCode::OK);

    lab.sim.inject(HttpFault::MalformedJson { count: 1 });
    let r = lab.get("/api/cluster").await;
    assert!(
        r.body.is_string(),
        "half a JSON document does not parse: {:?}",
        r.body
    );

    lab.sim.inject(HttpFault::DropConnection { count: 1 });
    let (user, pw) = lab.sim.credentials();
    let dropped = lab
        .http
        .get(lab.sim.url().join("/api/cluster").unwrap())
        .basic_auth(&user, Some(&pw))
        .send()
        .await;
    assert!(
        dropped.is_err(),
        "the connection is closed without an answer"
    );

    lab.sim.inject(HttpFault::Delay {
        delay: Duration::from_millis(300),
        count: 1,
    });
    let t = std::time::Instant::now();
    assert_eq!(lab.get("/api/cluster").await.status, StatusCode::OK);
    assert!(t.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn a_cluster_that_is_down_does_not_answer() {
    let lab = Lab::start("fas2050").await;
    lab.fabric.set_reachable("fas2050", false);
    let (user, pw) = lab.sim.credentials();
    let r = lab
        .http
        .get(lab.sim.url().join("/api/storage/volumes").unwrap())
        .basic_auth(&user, Some(&pw))
        .send()
        .await;
    assert!(r.is_err(), "{r:?}");
    let r = lab
        .http
        .get(lab.sim.url().join("/api/cluster").unwrap())
        .basic_auth(&user, Some(&pw))
        .send()
        .await;
    assert!(r.is_err(), "not even the cluster record: {r:?}");
    lab.fabric.set_reachable("fas2050", true);
    assert_eq!(lab.get("/api/storage/volumes").await.status, StatusCode::OK);
}

#[tokio::test]
async fn https_serves_a_self_signed_certificate_for_127_0_0_1() {
    let fabric = Fabric::lab();
    let sim = RestSimulator::start(
        fabric,
        "fas2050",
        SimServerOptions {
            tls: true,
            ..SimServerOptions::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(sim.url().scheme(), "https");
    let pem = sim.certificate_pem().expect("a certificate");
    let (user, pw) = sim.credentials();
    let url = sim.url().join("/api/cluster").unwrap();

    let untrusting = reqwest::Client::new();
    assert!(
        untrusting.get(url.clone()).send().await.is_err(),
        "an unknown CA is refused"
    );

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let r = trusting
        .get(url)
        .basic_auth(user, Some(pw))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    sim.shutdown().await;
}

#[tokio::test]
async fn shutdown_stops_listening() {
    let lab = Lab::start("fas2050").await;
    let url = lab.sim.url();
    lab.sim.shutdown().await;
    let r = reqwest::Client::new()
        .get(url.join("/api/cluster").unwrap())
        .send()
        .await;
    assert!(r.is_err());
}

#[tokio::test]
async fn accept_application_json_turns_hal_links_off_except_next() {
    let lab = Lab::start("fas2050").await;
    let (user, pw) = lab.sim.credentials();
    let get = |accept: &'static str| {
        lab.http
            .get(
                lab.sim
                    .url()
                    .join("/api/storage/volumes?max_records=2")
                    .unwrap(),
            )
            .basic_auth(user.clone(), Some(pw.clone()))
            .header("accept", accept)
            .send()
    };
    let plain: serde_json::Value = get("application/json").await.unwrap().json().await.unwrap();
    assert!(plain["records"][0].get("_links").is_none(), "{plain}");
    assert!(plain["_links"].get("self").is_none());
    assert!(plain["_links"]["next"]["href"]
        .as_str()
        .unwrap()
        .contains("start.uuid="));
    let hal: serde_json::Value = get("application/hal+json")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(hal["records"][0]["_links"]["self"]["href"].is_string());
    assert!(hal["_links"]["self"]["href"].is_string());
}

/// Requests exactly as real clients send them (from the reference): Ansible's relationship
/// lookup, trident's paged volume listing, ontap-mcp's uuid lookup, Harvest's cluster read.
#[tokio::test]
async fn requests_of_real_clients_are_answered() {
    let lab = Lab::start("fas2050").await;
    let ans = lab
        .get("/api/snapmirror/relationships/?destination.path=fas2050upper:RG1FV1_SM&fields=uuid,state,transfer.state,transfer.uuid,policy.name,policy.type,unhealthy_reason.message,healthy,source")
        .await;
    assert_eq!(ans.status, StatusCode::OK, "{:?}", ans.body);
    let rec = &ans.body["records"][0];
    assert_eq!(rec["state"], "snapmirrored");
    assert_eq!(rec["source"]["path"], "fas2020upper:RG1FV1");
    assert_eq!(rec["policy"]["type"], "async");

    let mut href = "/api/storage/volumes?fields=%2A%2A&max_records=1&name=%2A&return_records=true&svm.name=fas2050upper".to_string();
    let mut names = Vec::new();
    loop {
        let page = lab.get(&href).await.body;
        names.extend(
            page["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["name"].as_str().unwrap().to_string()),
        );
        match page["_links"]["next"]["href"].as_str() {
            Some(n) => href = n.to_string(),
            None => break,
        }
    }
    names.sort();
    assert_eq!(names, ["DEVFV1", "LBCFV1", "RG1FV1_SM", "RG1FV2_SM"]);

    let mcp = lab
        .get("/api/snapmirror/relationships?destination.path=fas2050lower:RG2FV3_SM&fields=uuid")
        .await;
    assert_eq!(mcp.body["num_records"], 1);

    let harvest = lab.get("/api/cluster?fields=%2A&return_records=true").await;
    assert_eq!(harvest.status, StatusCode::OK);
    assert_eq!(harvest.body["name"], "fas2050");
}

#[tokio::test(start_paused = true)]
async fn a_snapshot_delta_is_what_a_roll_back_to_it_discards_and_is_asked_for_by_name() {
    let lab = Lab::start("fas2050").await;
    let relationship = lab
        .relationship("fas2050lower:RG2FV3_SM", "uuid,state")
        .await;
    lab.ok_job(
        Method::PATCH,
        &format!(
            "/api/snapmirror/relationships/{}",
            relationship["uuid"].as_str().unwrap()
        ),
        Some(json!({"state": "broken_off"})),
    )
    .await;
    let dst = vrepl_storage::model::VolumePath::parse("fas2050lower:RG2FV3_SM").unwrap();
    lab.fabric
        .write_file(
            &dst,
            &vrepl_storage::sim::DataPath::File("dr.txt".into()),
            &[1u8; 4321],
        )
        .unwrap();
    tokio::time::sleep(Duration::from_secs(90)).await;
    let uuid = lab.volume_uuid("RG2FV3_SM").await;
    let collection = format!("/api/storage/volumes/{uuid}/snapshots");

    // Expensive: not in `*`.
    let star = lab.records(&format!("{collection}?fields=*")).await;
    assert!(star.iter().all(|s| s.get("delta").is_none()), "{star:?}");
    assert!(star.iter().all(|s| s["size"].is_u64()), "{star:?}");

    let with_delta = lab
        .records(&format!("{collection}?fields=name,create_time,delta"))
        .await;
    let newest = with_delta.last().expect("the lab's volumes have snapshots");
    let name = vrepl_storage::model::SnapshotName::new(newest["name"].as_str().unwrap()).unwrap();
    assert_eq!(
        newest["delta"]["size_consumed"].as_u64(),
        Some(lab.fabric.snapshot_delta(&dst, &name).unwrap())
    );
    assert_eq!(newest["delta"]["size_consumed"], 4321);
    let elapsed = newest["delta"]["time_elapsed"].as_str().unwrap();
    assert!(
        elapsed.starts_with('P') && elapsed.ends_with('S'),
        "an ISO-8601 duration: {elapsed}"
    );
    assert_ne!(elapsed, "PT0S", "time has passed since the snapshot");

    // One snapshot, as the driver asks.
    let one = lab
        .get(&format!(
            "{collection}/{}?fields=delta",
            newest["uuid"].as_str().unwrap()
        ))
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.body["delta"]["size_consumed"], 4321);
}

//! The simulator against ONTAP's own OpenAPI spec (9.8, `shared/reference/ontap-openapi.yaml`):
//! every route it serves exists there, and a generic client that knows only the spec and the
//! HAL links (no knowledge of this simulator) can walk every collection, follow every record's
//! `_links.self`, and gets loud answers for what is not served.

mod sim_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sim_support::Lab;
use vrepl_ontap::sim::served_routes;

fn spec_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/reference/ontap-openapi.yaml")
}

/// `path -> methods` of the spec.
fn spec_routes() -> BTreeMap<String, BTreeSet<String>> {
    let text = std::fs::read_to_string(spec_path()).expect("the 9.8 OpenAPI spec is readable");
    let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&text).expect("the spec parses");
    let paths = doc
        .get("paths")
        .and_then(|p| p.as_mapping())
        .expect("the spec has paths");
    paths
        .iter()
        .map(|(k, v)| {
            let methods = v
                .as_mapping()
                .map(|m| {
                    m.keys()
                        .filter_map(|k| k.as_str())
                        .filter(|k| {
                            ["get", "post", "patch", "delete", "put", "head", "options"].contains(k)
                        })
                        .map(|k| k.to_ascii_uppercase())
                        .collect()
                })
                .unwrap_or_default();
            (k.as_str().unwrap().to_string(), methods)
        })
        .collect()
}

/// A template with its parameter names erased (`/storage/volumes/{}`): the spec names the
/// same segment `{uuid}` on one path and `{volume.uuid}` on its children.
fn shape(template: &str) -> String {
    template
        .split('/')
        .map(|s| if s.starts_with('{') { "{}" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether a concrete path matches a template (`{x}` = one segment).
fn matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

#[test]
fn every_served_route_is_in_the_ontap_9_8_spec() {
    let spec = spec_routes();
    assert!(spec.len() > 200, "the spec lists its paths");
    for (method, path) in served_routes() {
        let methods = spec
            .get(*path)
            .unwrap_or_else(|| panic!("{path} is not a path of ONTAP 9.8's REST API"));
        assert!(
            methods.contains(*method),
            "{method} {path} is not in ONTAP 9.8's REST API (it has {methods:?})"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn every_served_route_answers_something_other_than_not_implemented() {
    let lab = Lab::start("fas2050").await;
    for (method, template) in served_routes() {
        let concrete: String = template
            .split('/')
            .map(|s| {
                if s.starts_with('{') {
                    "00000000-0000-0000-0000-000000000000"
                } else {
                    s
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let m = Method::from_bytes(method.as_bytes()).unwrap();
        let body = matches!(*method, "POST" | "PATCH").then(|| json!({}));
        let r = lab.call(m, &format!("/api{concrete}"), body).await;
        let message = r.body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.contains("does not implement"),
            "{method} {template} is listed as served but is not routed: {message}"
        );
    }
}

/// Walks the simulator like a generic HAL client: every collection the spec and the served
/// routes name, reached through the `_links.self` of its parent's records, and every record's
/// own link. Asserts the envelope on the way; returns `(template, concrete path)` of every
/// collection visited.
async fn walk(lab: &Lab) -> Vec<(String, String)> {
    // Something for the job and transfer collections to show.
    let rel = lab.relationship("fas2050upper:RG1FV1_SM", "uuid").await;
    lab.ok_job(
        Method::PATCH,
        &format!(
            "/api/snapmirror/relationships/{}",
            rel["uuid"].as_str().unwrap()
        ),
        Some(json!({"state": "paused"})),
    )
    .await;

    let gets: Vec<&str> = served_routes()
        .iter()
        .filter(|(m, _)| *m == "GET")
        .map(|(_, p)| *p)
        .collect();
    let mut visited: BTreeSet<String> = BTreeSet::new();
    let mut walked = Vec::new();
    let mut item_hrefs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    // Collections first, parents before children (templates sorted by depth).
    let mut collections: Vec<&str> = gets.iter().copied().filter(|p| !p.ends_with('}')).collect();
    collections.sort_by_key(|p| p.matches('/').count());
    for template in collections {
        let concretes: Vec<String> = match template.rfind('}') {
            None => vec![format!("/api{template}")],
            Some(i) => {
                let parents = item_hrefs
                    .get(&shape(&template[..=i]))
                    .unwrap_or_else(|| panic!("no record to reach {template} through"));
                parents
                    .iter()
                    .map(|href| format!("{href}{}", &template[i + 1..]))
                    .collect()
            }
        };
        for concrete in concretes {
            walked.push((template.to_string(), concrete.clone()));
            let r = lab.get(&concrete).await;
            assert_eq!(r.status, StatusCode::OK, "GET {concrete}: {:?}", r.body);
            visited.insert(template.to_string());
            if template == "/cluster" {
                assert!(r.body["_links"]["self"]["href"].is_string());
                continue;
            }
            let records = r.body["records"]
                .as_array()
                .unwrap_or_else(|| panic!("{concrete}: no records: {}", r.body));
            assert_eq!(
                r.body["num_records"].as_u64(),
                Some(records.len() as u64),
                "{concrete}"
            );
            assert!(r.body["_links"]["self"]["href"]
                .as_str()
                .unwrap()
                .starts_with(&concrete));
            for rec in records {
                let href = rec["_links"]["self"]["href"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{concrete}: a record without _links.self: {rec}"));
                let item = lab.get(href).await;
                assert_eq!(item.status, StatusCode::OK, "GET {href}: {:?}", item.body);
                assert!(
                    item.body.is_object() && item.body.get("error").is_none(),
                    "{href}: {:?}",
                    item.body
                );
                let path = href.trim_start_matches("/api");
                for t in gets.iter().filter(|t| matches(t, path)) {
                    visited.insert(t.to_string());
                    item_hrefs
                        .entry(shape(t))
                        .or_default()
                        .push(href.to_string());
                }
            }
        }
    }
    let unvisited: Vec<&&str> = gets
        .iter()
        .filter(|t| !visited.contains(**t))
        // A transfer exists only while one runs; the lab is idle.
        .filter(|t| !t.ends_with("/transfers/{uuid}"))
        .collect();
    assert!(
        unvisited.is_empty(),
        "not reachable by following links: {unvisited:?}"
    );
    walked
}

#[tokio::test(start_paused = true)]
async fn a_generic_client_can_walk_every_collection_and_follow_every_link() {
    let lab = Lab::start("fas2050").await;
    let walked = walk(&lab).await;
    assert!(walked.len() >= 15, "{walked:?}");
}

/// The release ONTAP's API catalog gives a field of a collection (`delta.size_consumed` of
/// snapshots: 9.12); `None` when the catalog does not list it or lists it without a release.
fn catalog_since(catalog: &Value, template: &str, leaf: &str) -> Option<(u8, u8, u8)> {
    let endpoint = &catalog["endpoints"][template];
    let top = leaf.split('.').next().unwrap_or(leaf);
    let since = endpoint["filters"][leaf]["since"]
        .as_str()
        .or_else(|| endpoint["fields"][top]["since"].as_str())?;
    let mut parts = since.split('.').map(|p| p.parse::<u8>().ok());
    Some((
        parts.next()??,
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
    ))
}

fn catalog() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/reference/ontap-mcp-api-catalog-9.16.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("the 9.16 catalog is readable"))
        .expect("the catalog is JSON")
}

/// Walks the simulator (answering as `version`) with `fields=**` and returns every field it
/// shows that is not in ONTAP 9.8's definitions, with the release the 9.16 catalog says added
/// it (`None`: not in the catalog either).
async fn fields_newer_than_9_8(lab: &Lab) -> BTreeMap<String, Option<(u8, u8, u8)>> {
    // A transfer running and a relationship unhealthy, so their fields are shown too.
    lab.fabric.set_bandwidth(1 << 20);
    lab.fabric
        .write_file(
            &vrepl_storage::model::VolumePath::parse("fas2020upper:RG1FV2").unwrap(),
            &vrepl_storage::sim::DataPath::File("big.bin".into()),
            &vec![1u8; 64 << 20],
        )
        .unwrap();
    let rg1fv2 = lab.relationship("fas2050upper:RG1FV2_SM", "uuid").await;
    let started = lab
        .call(
            Method::POST,
            &format!(
                "/api/snapmirror/relationships/{}/transfers",
                rg1fv2["uuid"].as_str().unwrap()
            ),
            Some(json!({})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let spec = Spec::load();
    let catalog = catalog();
    let mut checked = 0;
    let mut newer = BTreeMap::new();
    for (template, concrete) in walk(lab).await {
        let schema = spec.get_schema(&template);
        let sep = if concrete.contains('?') { '&' } else { '?' };
        let body = lab.get(&format!("{concrete}{sep}fields=**")).await.body;
        let (records, item_schema) = match body.get("records") {
            Some(Value::Array(r)) => (r.clone(), spec.records_item(&schema)),
            _ => (vec![body.clone()], schema.clone()),
        };
        let def = spec.ref_name(&item_schema);
        for rec in &records {
            let mut leaves = Vec::new();
            leaf_paths(rec, "", &mut leaves);
            for leaf in leaves {
                let parts: Vec<&str> = leaf.split('.').collect();
                if !spec.knows(&item_schema, &parts) {
                    newer.insert(
                        format!("{def}.{leaf} (GET {template})"),
                        catalog_since(&catalog, &template, &leaf),
                    );
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "{checked} fields checked");
    newer
}

#[tokio::test(start_paused = true)]
async fn every_field_shown_is_in_the_9_8_spec_or_added_later_by_the_catalog() {
    let lab = Lab::start("fas2050").await;
    let newer = fields_newer_than_9_8(&lab).await;
    let unknown: Vec<&String> = newer
        .iter()
        .filter(|(_, since)| !since.is_some_and(|v| v > (9, 8, 0) && v <= (9, 16, 1)))
        .map(|(f, _)| f)
        .collect();
    assert!(
        unknown.is_empty(),
        "fields neither in ONTAP 9.8's definitions nor added by a later release: {unknown:#?}"
    );
    // The later fields the lab's 9.16.1 clusters serve (a snapshot's `delta` and `size`, a
    // relationship's last `transfer.end_time`, a job's `error`) are really shown.
    for expected in [
        "snapshot.delta.size_consumed",
        "snapshot.delta.time_elapsed",
        "snapshot.size",
        "snapmirror_relationship.transfer.end_time",
    ] {
        assert!(
            newer.keys().any(|f| f.starts_with(expected)),
            "{expected} not shown: {newer:#?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn a_simulator_claiming_9_8_shows_only_9_8_fields() {
    let lab = Lab::as_release("fas2050", (9, 8, 0)).await;
    let cluster = lab.get("/api/cluster?fields=version").await.body;
    assert_eq!(cluster["version"]["major"], 8);
    assert!(cluster["version"]["full"]
        .as_str()
        .unwrap()
        .starts_with("NetApp Release 9.8.0:"));
    let newer = fields_newer_than_9_8(&lab).await;
    assert!(newer.is_empty(), "9.8 shows later fields: {newer:#?}");
    // Asking for a later field by name is an unknown field, as on a real 9.8 cluster.
    let vol = lab
        .get("/api/storage/volumes?name=RG1FV1_SM&fields=uuid")
        .await
        .body;
    let uuid = vol["records"][0]["uuid"].as_str().unwrap().to_string();
    let r = lab
        .get(&format!(
            "/api/storage/volumes/{uuid}/snapshots?fields=name,delta"
        ))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{:?}", r.body);
    assert_eq!(r.body["error"]["code"], "262197");
}

/// Dotted paths of every leaf of a record (arrays looked into, `_links` skipped).
fn leaf_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                if k == "_links" {
                    continue;
                }
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaf_paths(child, &p, out);
            }
            if map.is_empty() && !prefix.is_empty() {
                out.push(prefix.to_string());
            }
        }
        Value::Array(items) if !items.is_empty() => {
            items.iter().for_each(|i| leaf_paths(i, prefix, out))
        }
        _ if !prefix.is_empty() => out.push(prefix.to_string()),
        _ => {}
    }
}

/// The spec's definitions, for walking a response schema.
struct Spec {
    doc: serde_yaml_ng::Value,
}

impl Spec {
    fn load() -> Self {
        let text = std::fs::read_to_string(spec_path()).unwrap();
        Self {
            doc: serde_yaml_ng::from_str(&text).unwrap(),
        }
    }

    /// The 200 schema of `GET template`.
    fn get_schema(&self, template: &str) -> serde_yaml_ng::Value {
        self.doc["paths"][template]["get"]["responses"]["200"]["schema"].clone()
    }

    fn resolve<'a>(&'a self, schema: &'a serde_yaml_ng::Value) -> &'a serde_yaml_ng::Value {
        match schema.get("$ref").and_then(|r| r.as_str()) {
            Some(r) => {
                self.resolve(&self.doc["definitions"][r.trim_start_matches("#/definitions/")])
            }
            None => schema,
        }
    }

    fn ref_name(&self, schema: &serde_yaml_ng::Value) -> String {
        schema
            .get("$ref")
            .and_then(|r| r.as_str())
            .map(|r| r.trim_start_matches("#/definitions/").to_string())
            .unwrap_or_default()
    }

    fn records_item(&self, collection: &serde_yaml_ng::Value) -> serde_yaml_ng::Value {
        self.resolve(collection)["properties"]["records"]["items"].clone()
    }

    fn knows(&self, schema: &serde_yaml_ng::Value, path: &[&str]) -> bool {
        let s = self.resolve(schema);
        if let Some(all) = s.get("allOf").and_then(|a| a.as_sequence()) {
            return all.iter().any(|part| self.knows(part, path));
        }
        if let Some(items) = s.get("items") {
            return self.knows(items, path);
        }
        let Some((first, rest)) = path.split_first() else {
            return true;
        };
        match s.get("properties").and_then(|p| p.get(*first)) {
            Some(prop) => self.knows(prop, rest),
            None => false,
        }
    }
}

#[tokio::test(start_paused = true)]
async fn methods_and_paths_it_does_not_serve_answer_500_naming_them() {
    let lab = Lab::start("fas2050").await;
    let spec = spec_routes();
    let served: BTreeSet<(String, String)> = served_routes()
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let mut checked = 0;
    for (_, template) in served_routes() {
        for method in &spec[*template] {
            if served.contains(&(method.clone(), template.to_string())) {
                continue;
            }
            let concrete = template.replace(['{', '}'], "");
            let r = lab
                .call(
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    &format!("/api{concrete}"),
                    None,
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::INTERNAL_SERVER_ERROR,
                "{method} {concrete}"
            );
            let msg = r.body["error"]["message"].as_str().unwrap();
            assert!(msg.contains(&format!("{method} /api{concrete}")), "{msg}");
            checked += 1;
        }
    }
    assert!(
        checked > 5,
        "spec methods the simulator leaves out are checked ({checked})"
    );
    for path in ["/api/storage/aggregates", "/api/not/a/route", "/api", "/"] {
        let r = lab.get(path).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{path}");
        assert!(
            matches!(&r.body, Value::Object(_)),
            "{path}: a JSON error body"
        );
    }
}

//! Every request the REST driver sends exists in ONTAP 9.8's OpenAPI spec
//! (`shared/reference/ontap-openapi.yaml`): its path and method, and every field it asks for
//! with `fields=` (an unknown one fails the whole GET with error 262197).

use serde_json::Value;
use vrepl_ontap::rest::request::{self, ApiRequest, DeleteFlag, Method};
use vrepl_storage::mirror::NewRelationship;
use vrepl_storage::model::{
    CloneSpec, IgroupName, IgroupProtocol, Initiator, JunctionPath, LunPath, NewExportRule,
    NewIgroup, NewLun, NewVolume, OsType, PolicyName, SnapshotName, SvmName, VolumeName,
    VolumePath, VolumeState, VolumeType,
};

const SPEC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../shared/reference/ontap-openapi.yaml"
);

fn spec() -> Option<Value> {
    let text = std::fs::read_to_string(SPEC).ok()?;
    Some(serde_yaml_ng::from_str(&text).expect("the spec is YAML"))
}

/// Every request builder, with sample arguments.
fn all_requests() -> Vec<ApiRequest> {
    let svm = SvmName::new("fas2050upper").unwrap();
    let vol = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();
    let lun = LunPath::parse("/vol/RG1FV1_SM/RP1.lun").unwrap();
    let ig = IgroupName::new("Fibre").unwrap();
    let snap = SnapshotName::new("hourly.0").unwrap();
    let policy = PolicyName::new("default").unwrap();
    let wwpn = Initiator::parse("10:00:00:00:c9:6a:fb:66").unwrap();
    let rel = NewRelationship {
        source: VolumePath::parse("fas2020upper:RG1FV1").unwrap(),
        destination: vol.clone(),
        policy: Some("Asynchronous".into()),
    };
    vec![
        request::cluster(),
        request::svms(Some(&svm)),
        request::job("j"),
        request::volumes(Some(&svm), None),
        request::volume(&vol),
        request::create_volume(&NewVolume {
            path: vol.clone(),
            kind: VolumeType::Dp,
            size_bytes: 1,
        }),
        request::set_volume_state("v", VolumeState::Offline),
        request::mount_volume("v", Some("/x")),
        request::set_export_policy("v", &policy),
        request::split_clone("v"),
        request::delete_volume("v"),
        request::create_clone(
            &CloneSpec {
                parent: vol.clone(),
                name: VolumeName::new("C").unwrap(),
                parent_snapshot: Some(snap.clone()),
                junction_path: Some(JunctionPath::new("/C").unwrap()),
            },
            Some(&snap),
        ),
        // `size` is asked for only from 9.9 on; the 9.8 request is this one.
        request::snapshots("v", Some(&snap), false),
        request::create_snapshot("v", &snap),
        request::delete_snapshot("v", "s"),
        request::luns(Some(&svm), Some(&vol.volume), Some(&lun)),
        request::create_lun(&NewLun {
            svm: svm.clone(),
            path: lun.clone(),
            os_type: OsType::Vmware,
            size_bytes: 1,
        }),
        request::set_lun_enabled("l", true),
        request::igroups(Some(&svm), Some(&ig)),
        request::create_igroup(&NewIgroup {
            svm: svm.clone(),
            name: ig.clone(),
            protocol: IgroupProtocol::Fcp,
            os_type: OsType::Vmware,
            initiators: vec![wwpn.clone()],
        }),
        request::add_initiator("i", &wwpn),
        request::remove_initiator("i", &wwpn),
        request::lun_maps(Some(&svm), Some(&lun), Some(&ig)),
        request::create_lun_map(&svm, &lun, &ig, Some(6)),
        request::delete_lun_map("l", "i"),
        request::export_policies(&svm, &policy),
        request::create_export_policy(&svm, &policy),
        request::export_rules(7),
        request::create_export_rule(
            7,
            &NewExportRule {
                clients: "0.0.0.0/0".into(),
                read_write: true,
                superuser: true,
            },
        ),
        request::relationships(Some(&vol)),
        request::relationships_to_volume(&vol.volume),
        request::relationships_from_source(&rel.source, &vol),
        request::create_relationship(&rel),
        request::set_relationship_state("r", "broken_off"),
        request::reverse_relationship("r", &rel),
        request::delete_relationship("r", DeleteFlag::Full),
        request::delete_relationship("r", DeleteFlag::SourceInfoOnly),
        request::start_transfer("r"),
        request::abort_transfer("r", "x"),
    ]
}

/// The spec path a request's concrete path instantiates.
fn spec_path<'a>(paths: &'a serde_json::Map<String, Value>, req: &ApiRequest) -> Option<&'a str> {
    let mine: Vec<&str> = req.path.strip_prefix("/api")?.split('/').collect();
    paths.keys().map(String::as_str).find(|p| {
        let theirs: Vec<&str> = p.split('/').collect();
        theirs.len() == mine.len()
            && theirs
                .iter()
                .zip(&mine)
                .all(|(t, m)| t == m || (t.starts_with('{') && t.ends_with('}')))
    })
}

fn resolve<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        let name = r.trim_start_matches("#/definitions/");
        v = &spec["definitions"][name];
    }
    v
}

/// Whether a dotted field exists under `schema` (arrays are looked through).
fn has_field(spec: &Value, schema: &Value, field: &str) -> bool {
    let mut cur = resolve(spec, schema);
    for part in field.split('.') {
        if cur.get("type").and_then(Value::as_str) == Some("array") {
            cur = resolve(spec, &cur["items"]);
        }
        match cur.get("properties").and_then(|p| p.get(part)) {
            Some(next) => cur = resolve(spec, next),
            None => return false,
        }
    }
    true
}

#[test]
fn every_request_is_a_9_8_path_and_method() {
    let Some(spec) = spec() else {
        eprintln!("{SPEC} not present; skipping");
        return;
    };
    let paths = spec["paths"].as_object().expect("paths");
    let relationship = &spec["definitions"]["snapmirror_relationship"];
    assert!(has_field(&spec, relationship, "transfer.bytes_transferred"));
    assert!(
        !has_field(&spec, relationship, "fru"),
        "the check must be able to fail"
    );
    let mut problems = Vec::new();
    for req in all_requests() {
        let Some(p) = spec_path(paths, &req) else {
            problems.push(format!("{req}: no such path in the 9.8 spec"));
            continue;
        };
        let method = req.method.as_str().to_ascii_lowercase();
        let Some(op) = paths[p].get(&method) else {
            problems.push(format!("{req}: {p} has no {method}"));
            continue;
        };
        let params: Vec<String> = op["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|param| {
                let param = resolve(&spec, param);
                param
                    .get("$ref")
                    .map_or_else(|| param["name"].as_str().map(String::from), |_| None)
            })
            .chain(
                op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|param| param.get("$ref").and_then(Value::as_str))
                    .filter_map(|r| {
                        spec["parameters"][r.trim_start_matches("#/parameters/")]["name"]
                            .as_str()
                            .map(String::from)
                    }),
            )
            .collect();
        for (key, _) in &req.query {
            let is_filter = req.method == Method::Get && key.contains('.');
            if !params.contains(key)
                && !is_filter
                && key != "return_records"
                && key != "max_records"
            {
                problems.push(format!(
                    "{req}: query parameter {key} is not in the spec for {method} {p}"
                ));
            }
        }
        if let Some(fields) = req.query_value("fields") {
            let schema = resolve(&spec, &op["responses"]["200"]["schema"]);
            let record = schema
                .get("properties")
                .and_then(|p| p.get("records"))
                .map(|r| r["items"].clone())
                .unwrap_or_else(|| schema.clone());
            for f in fields.split(',') {
                if !has_field(&spec, &record, f) {
                    problems.push(format!("{req}: field {f} is not in the 9.8 record"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

//! Every REST call the driver makes, as data: method, path, query and JSON body.
//!
//! Sans-IO: nothing here sends anything, so each operation's exact request is unit-tested
//! without a server. Collections ask only for the fields the model needs (`fields=`), filter on
//! the server and page with `max_records`.

use std::fmt;

use serde_json::{json, Value};
use vrepl_storage::mirror::{DeleteScope, NewRelationship};
use vrepl_storage::model::{
    CloneSpec, IgroupName, Initiator, LunPath, NewExportRule, NewIgroup, NewLun, NewVolume,
    PolicyName, SnapshotName, SvmName, VolumeName, VolumePath, VolumeState,
};

/// An HTTP method ONTAP's API uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Read.
    Get,
    /// Create.
    Post,
    /// Modify.
    Patch,
    /// Delete.
    Delete,
}

impl Method {
    /// `GET`, `POST`, …
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Patch => "PATCH",
            Self::Delete => "DELETE",
        }
    }
}

/// One request, before it is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiRequest {
    /// The method.
    pub method: Method,
    /// `/api/...`, path segments already percent-encoded where needed.
    pub path: String,
    /// Query parameters in order.
    pub query: Vec<(String, String)>,
    /// The JSON body.
    pub body: Option<Value>,
}

impl fmt::Display for ApiRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.method.as_str(), self.path)
    }
}

/// Records per page of a collection GET.
pub const PAGE_SIZE: u32 = 1000;
/// Seconds ONTAP may take to finish a job before answering 202 instead of 200.
pub const RETURN_TIMEOUT_SECS: u32 = 10;

/// The relationship fields the model needs (all in 9.8).
pub const RELATIONSHIP_FIELDS: &str = "uuid,source.path,source.cluster.name,destination.path,destination.cluster.name,policy.name,state,healthy,unhealthy_reason,lag_time,exported_snapshot,transfer.uuid,transfer.state,transfer.bytes_transferred";
/// Volume fields.
pub const VOLUME_FIELDS: &str = "uuid,name,svm.name,type,state,size,nas.path,nas.export_policy.name,clone.is_flexclone,clone.parent_volume.name,clone.parent_snapshot.name,clone.parent_svm.name";
/// Snapshot fields (all in 9.8).
pub const SNAPSHOT_FIELDS: &str = "uuid,name,create_time,owners";
/// Snapshot fields on 9.9 and later: `size` says how much the snapshot holds.
pub const SNAPSHOT_FIELDS_WITH_SIZE: &str = "uuid,name,create_time,owners,size";
/// LUN fields.
pub const LUN_FIELDS: &str =
    "uuid,name,svm.name,serial_number,enabled,status.read_only,os_type,space.size";
/// Igroup fields.
pub const IGROUP_FIELDS: &str = "uuid,name,svm.name,protocol,os_type,initiators.name";
/// LUN map fields.
pub const LUN_MAP_FIELDS: &str =
    "svm.name,lun.name,lun.uuid,igroup.name,igroup.uuid,logical_unit_number";
/// Export rule fields.
pub const EXPORT_RULE_FIELDS: &str = "index,clients.match,rw_rule,superuser";
/// Job fields.
pub const JOB_FIELDS: &str = "uuid,state,message,code,description";

/// Percent-encodes one path segment (initiator names carry `:`, which is fine; `/` is not).
fn segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace("%3A", ":")
}

impl ApiRequest {
    fn new(method: Method, path: impl Into<String>) -> Self {
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: None,
        }
    }

    fn get(path: impl Into<String>) -> Self {
        Self::new(Method::Get, path)
    }

    fn collection(path: impl Into<String>, fields: &str) -> Self {
        Self::get(path)
            .query("fields", fields)
            .query("max_records", PAGE_SIZE.to_string())
    }

    fn query(mut self, k: &str, v: impl Into<String>) -> Self {
        self.query.push((k.to_string(), v.into()));
        self
    }

    fn query_opt(self, k: &str, v: Option<impl ToString>) -> Self {
        match v {
            Some(v) => self.query(k, v.to_string()),
            None => self,
        }
    }

    fn body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Asks ONTAP to wait for a quick job and answer 200 instead of 202.
    fn wait_briefly(self) -> Self {
        self.query("return_timeout", RETURN_TIMEOUT_SECS.to_string())
    }

    /// The request a `_links.next.href` (`/api/...?start.uuid=…&…`) names.
    pub fn follow(href: &str) -> Self {
        let (path, query) = href.split_once('?').unwrap_or((href, ""));
        let mut req = Self::get(path);
        req.query = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        req
    }

    /// A query parameter's value.
    pub fn query_value(&self, k: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    }
}

// ---- cluster, SVMs, jobs ----

/// `GET /api/cluster?fields=name,uuid,version`.
pub fn cluster() -> ApiRequest {
    ApiRequest::get("/api/cluster").query("fields", "name,uuid,version")
}

/// SVMs, all or one by name.
pub fn svms(name: Option<&SvmName>) -> ApiRequest {
    ApiRequest::collection("/api/svm/svms", "name").query_opt("name", name)
}

/// A job's state.
pub fn job(uuid: &str) -> ApiRequest {
    ApiRequest::get(format!("/api/cluster/jobs/{}", segment(uuid))).query("fields", JOB_FIELDS)
}

// ---- volumes ----

/// Volumes, filtered by SVM and name.
pub fn volumes(svm: Option<&SvmName>, name: Option<&VolumeName>) -> ApiRequest {
    ApiRequest::collection("/api/storage/volumes", VOLUME_FIELDS)
        .query_opt("svm.name", svm)
        .query_opt("name", name)
}

/// One volume by path.
pub fn volume(path: &VolumePath) -> ApiRequest {
    volumes(Some(&path.svm), Some(&path.volume))
}

/// Creates a volume.
pub fn create_volume(spec: &NewVolume) -> ApiRequest {
    ApiRequest::new(Method::Post, "/api/storage/volumes")
        .wait_briefly()
        .body(json!({
            "name": spec.path.volume.as_str(),
            "svm": {"name": spec.path.svm.as_str()},
            "type": spec.kind.to_string(),
            "size": spec.size_bytes,
        }))
}

fn patch_volume(uuid: &str, body: Value) -> ApiRequest {
    ApiRequest::new(
        Method::Patch,
        format!("/api/storage/volumes/{}", segment(uuid)),
    )
    .wait_briefly()
    .body(body)
}

/// Online, offline or restricted.
pub fn set_volume_state(uuid: &str, state: VolumeState) -> ApiRequest {
    patch_volume(uuid, json!({"state": state.to_string()}))
}

/// Mounts at a junction path (`Some`) or unmounts (`None`: an empty `nas.path`).
pub fn mount_volume(uuid: &str, junction: Option<&str>) -> ApiRequest {
    patch_volume(uuid, json!({"nas": {"path": junction.unwrap_or("")}}))
}

/// Applies an export policy.
pub fn set_export_policy(uuid: &str, policy: &PolicyName) -> ApiRequest {
    patch_volume(
        uuid,
        json!({"nas": {"export_policy": {"name": policy.as_str()}}}),
    )
}

/// Starts splitting a FlexClone from its parent.
pub fn split_clone(uuid: &str) -> ApiRequest {
    patch_volume(uuid, json!({"clone": {"split_initiated": true}}))
}

/// Deletes a volume.
pub fn delete_volume(uuid: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Delete,
        format!("/api/storage/volumes/{}", segment(uuid)),
    )
    .wait_briefly()
}

/// Creates a FlexClone of `spec.parent` from `snapshot` (`None`: ONTAP takes a new one).
pub fn create_clone(spec: &CloneSpec, snapshot: Option<&SnapshotName>) -> ApiRequest {
    let mut clone = json!({
        "is_flexclone": true,
        "parent_volume": {"name": spec.parent.volume.as_str()},
    });
    if let Some(s) = snapshot {
        clone["parent_snapshot"] = json!({"name": s.as_str()});
    }
    let mut body = json!({
        "name": spec.name.as_str(),
        "svm": {"name": spec.parent.svm.as_str()},
        "clone": clone,
    });
    if let Some(j) = &spec.junction_path {
        body["nas"] = json!({"path": j.as_str()});
    }
    ApiRequest::new(Method::Post, "/api/storage/volumes")
        .wait_briefly()
        .body(body)
}

// ---- snapshots ----

/// A volume's snapshots (the caller sorts them by `create_time`); one by name when given;
/// with their `size` when the cluster has that field (9.9+).
pub fn snapshots(volume_uuid: &str, name: Option<&SnapshotName>, with_size: bool) -> ApiRequest {
    ApiRequest::collection(
        format!("/api/storage/volumes/{}/snapshots", segment(volume_uuid)),
        if with_size {
            SNAPSHOT_FIELDS_WITH_SIZE
        } else {
            SNAPSHOT_FIELDS
        },
    )
    .query_opt("name", name)
}

/// What differs between one snapshot and the volume's active file system (9.12+, the
/// advanced `delta` field: `size_consumed` bytes over `time_elapsed`).
pub fn snapshot_delta(volume_uuid: &str, snapshot: &SnapshotName) -> ApiRequest {
    ApiRequest::collection(
        format!("/api/storage/volumes/{}/snapshots", segment(volume_uuid)),
        "name,delta",
    )
    .query("name", snapshot.as_str())
}

/// Takes a snapshot.
pub fn create_snapshot(volume_uuid: &str, name: &SnapshotName) -> ApiRequest {
    ApiRequest::new(
        Method::Post,
        format!("/api/storage/volumes/{}/snapshots", segment(volume_uuid)),
    )
    .wait_briefly()
    .body(json!({"name": name.as_str()}))
}

/// Deletes a snapshot.
pub fn delete_snapshot(volume_uuid: &str, snapshot_uuid: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Delete,
        format!(
            "/api/storage/volumes/{}/snapshots/{}",
            segment(volume_uuid),
            segment(snapshot_uuid)
        ),
    )
    .wait_briefly()
}

// ---- LUNs ----

/// LUNs, filtered by SVM, volume and path.
pub fn luns(
    svm: Option<&SvmName>,
    volume: Option<&VolumeName>,
    path: Option<&LunPath>,
) -> ApiRequest {
    ApiRequest::collection("/api/storage/luns", LUN_FIELDS)
        .query_opt("svm.name", svm)
        .query_opt("location.volume.name", volume)
        .query_opt("name", path)
}

/// Creates a LUN.
pub fn create_lun(spec: &NewLun) -> ApiRequest {
    ApiRequest::new(Method::Post, "/api/storage/luns")
        .query("return_records", "true")
        .body(json!({
            "svm": {"name": spec.svm.as_str()},
            "name": spec.path.to_string(),
            "os_type": spec.os_type.to_string(),
            "space": {"size": spec.size_bytes},
        }))
}

/// Brings a LUN online (`enabled: true`) or takes it offline.
pub fn set_lun_enabled(uuid: &str, enabled: bool) -> ApiRequest {
    ApiRequest::new(
        Method::Patch,
        format!("/api/storage/luns/{}", segment(uuid)),
    )
    .body(json!({"enabled": enabled}))
}

// ---- igroups ----

/// Igroups, filtered by SVM and name.
pub fn igroups(svm: Option<&SvmName>, name: Option<&IgroupName>) -> ApiRequest {
    ApiRequest::collection("/api/protocols/san/igroups", IGROUP_FIELDS)
        .query_opt("svm.name", svm)
        .query_opt("name", name)
}

/// Creates an igroup with its initiators.
pub fn create_igroup(spec: &NewIgroup) -> ApiRequest {
    let initiators: Vec<Value> = spec
        .initiators
        .iter()
        .map(|i| json!({"name": i.to_string()}))
        .collect();
    let mut body = json!({
        "svm": {"name": spec.svm.as_str()},
        "name": spec.name.as_str(),
        "protocol": spec.protocol.to_string(),
        "os_type": spec.os_type.to_string(),
    });
    if !initiators.is_empty() {
        body["initiators"] = Value::Array(initiators);
    }
    ApiRequest::new(Method::Post, "/api/protocols/san/igroups")
        .query("return_records", "true")
        .body(body)
}

/// Adds an initiator.
pub fn add_initiator(igroup_uuid: &str, initiator: &Initiator) -> ApiRequest {
    ApiRequest::new(
        Method::Post,
        format!(
            "/api/protocols/san/igroups/{}/initiators",
            segment(igroup_uuid)
        ),
    )
    .body(json!({"name": initiator.to_string()}))
}

/// Removes an initiator.
pub fn remove_initiator(igroup_uuid: &str, initiator: &Initiator) -> ApiRequest {
    ApiRequest::new(
        Method::Delete,
        format!(
            "/api/protocols/san/igroups/{}/initiators/{}",
            segment(igroup_uuid),
            segment(&initiator.to_string())
        ),
    )
}

// ---- LUN maps ----

/// LUN maps, filtered by SVM, LUN and igroup.
pub fn lun_maps(
    svm: Option<&SvmName>,
    lun: Option<&LunPath>,
    igroup: Option<&IgroupName>,
) -> ApiRequest {
    ApiRequest::collection("/api/protocols/san/lun-maps", LUN_MAP_FIELDS)
        .query_opt("svm.name", svm)
        .query_opt("lun.name", lun)
        .query_opt("igroup.name", igroup)
}

/// Maps a LUN; without `lun_id` ONTAP picks the lowest free one.
pub fn create_lun_map(
    svm: &SvmName,
    lun: &LunPath,
    igroup: &IgroupName,
    lun_id: Option<u32>,
) -> ApiRequest {
    let mut body = json!({
        "svm": {"name": svm.as_str()},
        "lun": {"name": lun.to_string()},
        "igroup": {"name": igroup.as_str()},
    });
    if let Some(id) = lun_id {
        body["logical_unit_number"] = json!(id);
    }
    ApiRequest::new(Method::Post, "/api/protocols/san/lun-maps")
        .query("return_records", "true")
        .body(body)
}

/// Removes a LUN map.
pub fn delete_lun_map(lun_uuid: &str, igroup_uuid: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Delete,
        format!(
            "/api/protocols/san/lun-maps/{}/{}",
            segment(lun_uuid),
            segment(igroup_uuid)
        ),
    )
}

// ---- NFS export policies ----

/// Export policies of an SVM with this name.
pub fn export_policies(svm: &SvmName, name: &PolicyName) -> ApiRequest {
    ApiRequest::collection("/api/protocols/nfs/export-policies", "id,name")
        .query("svm.name", svm.as_str())
        .query("name", name.as_str())
}

/// Creates an export policy without rules.
pub fn create_export_policy(svm: &SvmName, name: &PolicyName) -> ApiRequest {
    ApiRequest::new(Method::Post, "/api/protocols/nfs/export-policies")
        .body(json!({"name": name.as_str(), "svm": {"name": svm.as_str()}}))
}

/// A policy's rules.
pub fn export_rules(policy_id: u64) -> ApiRequest {
    ApiRequest::collection(
        format!("/api/protocols/nfs/export-policies/{policy_id}/rules"),
        EXPORT_RULE_FIELDS,
    )
}

/// Appends a rule: NFS clients matching `clients` read (any flavor), write and are root as
/// the rule says.
pub fn create_export_rule(policy_id: u64, rule: &NewExportRule) -> ApiRequest {
    let clients: Vec<Value> = rule
        .clients
        .split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| json!({"match": c}))
        .collect();
    ApiRequest::new(
        Method::Post,
        format!("/api/protocols/nfs/export-policies/{policy_id}/rules"),
    )
    .query("return_records", "true")
    .body(json!({
        "clients": clients,
        "protocols": ["any"],
        "ro_rule": ["any"],
        "rw_rule": [if rule.read_write { "any" } else { "never" }],
        "superuser": [if rule.superuser { "any" } else { "none" }],
    }))
}

// ---- SnapMirror ----

/// Relationships held by this cluster (it is their destination), or one by destination path.
pub fn relationships(destination: Option<&VolumePath>) -> ApiRequest {
    ApiRequest::collection("/api/snapmirror/relationships", RELATIONSHIP_FIELDS)
        .query_opt("destination.path", destination)
}

/// Relationships whose destination volume is called `volume`, in any SVM (a `*` wildcard
/// filter; the caller keeps exact matches).
pub fn relationships_to_volume(volume: &VolumeName) -> ApiRequest {
    ApiRequest::collection("/api/snapmirror/relationships", RELATIONSHIP_FIELDS)
        .query("destination.path", format!("*:{volume}"))
}

/// On the source cluster: the relationship from `source` to `destination`.
pub fn relationships_from_source(source: &VolumePath, destination: &VolumePath) -> ApiRequest {
    ApiRequest::collection("/api/snapmirror/relationships", RELATIONSHIP_FIELDS)
        .query("list_destinations_only", "true")
        .query("source.path", source.to_string())
        .query("destination.path", destination.to_string())
}

/// Creates a relationship (uninitialized).
pub fn create_relationship(spec: &NewRelationship) -> ApiRequest {
    let mut body = json!({
        "source": {"path": spec.source.to_string()},
        "destination": {"path": spec.destination.to_string()},
    });
    if let Some(p) = &spec.policy {
        body["policy"] = json!({"name": p});
    }
    ApiRequest::new(Method::Post, "/api/snapmirror/relationships")
        .wait_briefly()
        .body(body)
}

/// Moves a relationship to `state`: initialize, resume and resync are `snapmirrored`, quiesce
/// is `paused`, break is `broken_off`.
pub fn set_relationship_state(uuid: &str, state: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Patch,
        format!("/api/snapmirror/relationships/{}", segment(uuid)),
    )
    .wait_briefly()
    .body(json!({"state": state}))
}

/// Reverses a broken-off relationship (ONTAP 9.9.1+): the paths swapped, state `snapmirrored`.
pub fn reverse_relationship(uuid: &str, current: &NewRelationship) -> ApiRequest {
    ApiRequest::new(
        Method::Patch,
        format!("/api/snapmirror/relationships/{}", segment(uuid)),
    )
    .wait_briefly()
    .body(json!({
        "source": {"path": current.destination.to_string()},
        "destination": {"path": current.source.to_string()},
        "state": "snapmirrored",
    }))
}

/// The scopes of a relationship delete.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeleteFlag {
    /// On the destination: delete both sides and release.
    Full,
    /// On the destination: only the destination's record.
    DestinationOnly,
    /// On the source: release, deleting the SnapMirror snapshots.
    SourceOnly,
    /// Source information only; the common snapshots stay.
    SourceInfoOnly,
}

impl From<DeleteScope> for DeleteFlag {
    fn from(s: DeleteScope) -> Self {
        match s {
            DeleteScope::Full => Self::Full,
            DeleteScope::DestinationOnly => Self::DestinationOnly,
            DeleteScope::SourceInfoOnly => Self::SourceInfoOnly,
        }
    }
}

/// Deletes (or releases) a relationship.
pub fn delete_relationship(uuid: &str, flag: DeleteFlag) -> ApiRequest {
    let req = ApiRequest::new(
        Method::Delete,
        format!("/api/snapmirror/relationships/{}", segment(uuid)),
    )
    .wait_briefly();
    match flag {
        DeleteFlag::Full => req,
        DeleteFlag::DestinationOnly => req.query("destination_only", "true"),
        DeleteFlag::SourceOnly => req.query("source_only", "true"),
        DeleteFlag::SourceInfoOnly => req.query("source_info_only", "true"),
    }
}

/// Starts a transfer (an update; a baseline when uninitialized). Answers 201, no job.
pub fn start_transfer(relationship_uuid: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Post,
        format!(
            "/api/snapmirror/relationships/{}/transfers",
            segment(relationship_uuid)
        ),
    )
    .body(json!({}))
}

/// Aborts a running transfer.
pub fn abort_transfer(relationship_uuid: &str, transfer_uuid: &str) -> ApiRequest {
    ApiRequest::new(
        Method::Patch,
        format!(
            "/api/snapmirror/relationships/{}/transfers/{}",
            segment(relationship_uuid),
            segment(transfer_uuid)
        ),
    )
    .body(json!({"state": "aborted"}))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrepl_storage::model::{IgroupProtocol, JunctionPath, OsType, VolumeType};

    fn path(s: &str) -> VolumePath {
        VolumePath::parse(s).unwrap()
    }

    fn q(req: &ApiRequest) -> Vec<(&str, &str)> {
        req.query
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn relationship_lookup_is_one_filtered_get_with_only_needed_fields() {
        let r = relationships(Some(&path("fas2050upper:RG1FV1_SM")));
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Get, "/api/snapmirror/relationships")
        );
        assert_eq!(
            r.query_value("destination.path"),
            Some("fas2050upper:RG1FV1_SM")
        );
        assert_eq!(r.query_value("fields"), Some(RELATIONSHIP_FIELDS));
        assert_eq!(r.query_value("max_records"), Some("1000"));
        assert!(r.body.is_none());
    }

    #[test]
    fn state_changes_are_patches_that_wait_briefly() {
        let r = set_relationship_state("98bb2608-fc60-11e8-aa13-005056a707ff", "broken_off");
        assert_eq!(r.method, Method::Patch);
        assert_eq!(
            r.path,
            "/api/snapmirror/relationships/98bb2608-fc60-11e8-aa13-005056a707ff"
        );
        assert_eq!(q(&r), vec![("return_timeout", "10")]);
        assert_eq!(r.body, Some(json!({"state": "broken_off"})));
    }

    #[test]
    fn reverse_swaps_the_paths() {
        let current = NewRelationship {
            source: path("fas2020upper:RG1FV1"),
            destination: path("fas2050upper:RG1FV1_SM"),
            policy: None,
        };
        let r = reverse_relationship("u1", &current);
        assert_eq!(
            r.body,
            Some(json!({
                "source": {"path": "fas2050upper:RG1FV1_SM"},
                "destination": {"path": "fas2020upper:RG1FV1"},
                "state": "snapmirrored",
            }))
        );
    }

    #[test]
    fn delete_scopes_are_query_flags() {
        assert_eq!(
            q(&delete_relationship("u", DeleteFlag::Full)),
            vec![("return_timeout", "10")]
        );
        for (flag, key) in [
            (DeleteFlag::DestinationOnly, "destination_only"),
            (DeleteFlag::SourceOnly, "source_only"),
            (DeleteFlag::SourceInfoOnly, "source_info_only"),
        ] {
            let r = delete_relationship("u", flag);
            assert_eq!(r.method, Method::Delete);
            assert_eq!(r.query_value(key), Some("true"), "{flag:?}");
        }
    }

    #[test]
    fn relationships_by_bare_volume_name_use_a_wildcard_filter() {
        let r = relationships_to_volume(&VolumeName::new("RG1FV1_SM").unwrap());
        assert_eq!(r.query_value("destination.path"), Some("*:RG1FV1_SM"));
    }

    #[test]
    fn release_looks_up_on_the_source_side() {
        let r = relationships_from_source(
            &path("fas2020upper:RG1FV1"),
            &path("fas2050upper:RG1FV1_SM"),
        );
        assert_eq!(r.query_value("list_destinations_only"), Some("true"));
        assert_eq!(r.query_value("source.path"), Some("fas2020upper:RG1FV1"));
    }

    #[test]
    fn transfers_and_aborts() {
        let r = start_transfer("rel");
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, "/api/snapmirror/relationships/rel/transfers")
        );
        assert_eq!(r.body, Some(json!({})));
        let r = abort_transfer("rel", "xfer");
        assert_eq!(
            (r.method, r.path.as_str()),
            (
                Method::Patch,
                "/api/snapmirror/relationships/rel/transfers/xfer"
            )
        );
        assert_eq!(r.body, Some(json!({"state": "aborted"})));
    }

    #[test]
    fn clone_from_a_named_snapshot_mounted_at_a_junction() {
        let spec = CloneSpec {
            parent: path("fas2050upper:RG2FV3_SM"),
            name: VolumeName::new("RG2FV3_Clone").unwrap(),
            parent_snapshot: None,
            junction_path: Some(JunctionPath::new("/RG2FV3_Clone").unwrap()),
        };
        let snap = SnapshotName::new("snapmirror.abc_2147484682.2026-11-22_001500").unwrap();
        let r = create_clone(&spec, Some(&snap));
        assert_eq!(
            (r.method, r.path.as_str()),
            (Method::Post, "/api/storage/volumes")
        );
        assert_eq!(
            r.body,
            Some(json!({
                "name": "RG2FV3_Clone",
                "svm": {"name": "fas2050upper"},
                "clone": {
                    "is_flexclone": true,
                    "parent_volume": {"name": "RG2FV3_SM"},
                    "parent_snapshot": {"name": "snapmirror.abc_2147484682.2026-11-22_001500"},
                },
                "nas": {"path": "/RG2FV3_Clone"},
            }))
        );
        let r = create_clone(
            &CloneSpec {
                junction_path: None,
                ..spec
            },
            None,
        );
        assert!(r.body.as_ref().unwrap()["clone"]
            .get("parent_snapshot")
            .is_none());
        assert!(r.body.as_ref().unwrap().get("nas").is_none());
    }

    #[test]
    fn volume_writes() {
        let r = create_volume(&NewVolume {
            path: path("fas2050upper:NEW_SM"),
            kind: VolumeType::Dp,
            size_bytes: 1 << 30,
        });
        assert_eq!(
            r.body,
            Some(
                json!({"name": "NEW_SM", "svm": {"name": "fas2050upper"}, "type": "dp", "size": 1073741824u64})
            )
        );
        assert_eq!(
            mount_volume("v", Some("/x")).body,
            Some(json!({"nas": {"path": "/x"}}))
        );
        assert_eq!(
            mount_volume("v", None).body,
            Some(json!({"nas": {"path": ""}}))
        );
        assert_eq!(
            set_volume_state("v", VolumeState::Offline).body,
            Some(json!({"state": "offline"}))
        );
        assert_eq!(
            split_clone("v").body,
            Some(json!({"clone": {"split_initiated": true}}))
        );
        let p = PolicyName::new("dr_test").unwrap();
        assert_eq!(
            set_export_policy("v", &p).body,
            Some(json!({"nas": {"export_policy": {"name": "dr_test"}}}))
        );
        assert_eq!(delete_volume("v").method, Method::Delete);
    }

    #[test]
    fn snapshot_requests() {
        let r = snapshots("vol-uuid", None, false);
        assert_eq!(r.path, "/api/storage/volumes/vol-uuid/snapshots");
        assert_eq!(
            snapshots("v", None, true).query_value("fields"),
            Some(SNAPSHOT_FIELDS_WITH_SIZE)
        );
        assert_eq!(r.query_value("fields"), Some(SNAPSHOT_FIELDS));
        let name = SnapshotName::new("hourly.0").unwrap();
        assert_eq!(
            create_snapshot("vol-uuid", &name).body,
            Some(json!({"name": "hourly.0"}))
        );
        assert_eq!(
            delete_snapshot("v", "s").path,
            "/api/storage/volumes/v/snapshots/s"
        );
    }

    #[test]
    fn san_requests() {
        let svm = SvmName::new("fas2050upper").unwrap();
        let lun = LunPath::parse("/vol/RG1FV1_Clone/RP1.lun").unwrap();
        let ig = IgroupName::new("Fibre").unwrap();
        let r = create_lun_map(&svm, &lun, &ig, Some(6));
        assert_eq!(
            r.body,
            Some(
                json!({"svm": {"name": "fas2050upper"}, "lun": {"name": "/vol/RG1FV1_Clone/RP1.lun"}, "igroup": {"name": "Fibre"}, "logical_unit_number": 6})
            )
        );
        assert!(create_lun_map(&svm, &lun, &ig, None)
            .body
            .unwrap()
            .get("logical_unit_number")
            .is_none());
        assert_eq!(
            delete_lun_map("l", "i").path,
            "/api/protocols/san/lun-maps/l/i"
        );
        assert_eq!(
            set_lun_enabled("l", false).body,
            Some(json!({"enabled": false}))
        );
        let wwpn = Initiator::parse("10:00:00:00:c9:6a:fb:66").unwrap();
        assert_eq!(
            remove_initiator("ig", &wwpn).path,
            "/api/protocols/san/igroups/ig/initiators/10:00:00:00:c9:6a:fb:66"
        );
        assert_eq!(
            add_initiator("ig", &wwpn).body,
            Some(json!({"name": "10:00:00:00:c9:6a:fb:66"}))
        );
        let r = create_igroup(&NewIgroup {
            svm: svm.clone(),
            name: ig.clone(),
            protocol: IgroupProtocol::Fcp,
            os_type: OsType::Vmware,
            initiators: vec![wwpn],
        });
        assert_eq!(
            r.body,
            Some(
                json!({"svm": {"name": "fas2050upper"}, "name": "Fibre", "protocol": "fcp", "os_type": "vmware", "initiators": [{"name": "10:00:00:00:c9:6a:fb:66"}]})
            )
        );
        let r = luns(
            Some(&svm),
            Some(&VolumeName::new("RG1FV1_SM").unwrap()),
            None,
        );
        assert_eq!(r.query_value("location.volume.name"), Some("RG1FV1_SM"));
    }

    #[test]
    fn export_rules() {
        let r = create_export_rule(
            8589934593,
            &NewExportRule {
                clients: "192.168.2.0/24".into(),
                read_write: true,
                superuser: false,
            },
        );
        assert_eq!(
            r.path,
            "/api/protocols/nfs/export-policies/8589934593/rules"
        );
        assert_eq!(
            r.body,
            Some(
                json!({"clients": [{"match": "192.168.2.0/24"}], "protocols": ["any"], "ro_rule": ["any"], "rw_rule": ["any"], "superuser": ["none"]})
            )
        );
    }

    #[test]
    fn next_links_are_followed_verbatim() {
        let r = ApiRequest::follow(
            "/api/storage/volumes?start.uuid=00c881eb-1&fields=%2A%2A&max_records=1&svm.name=SVM",
        );
        assert_eq!(r.path, "/api/storage/volumes");
        assert_eq!(r.query_value("start.uuid"), Some("00c881eb-1"));
        assert_eq!(r.query_value("fields"), Some("**"));
    }
}

//! The storage model as ONTAP's JSON records (every field; `fields=` trims them), and each
//! resource's field schema.

use serde_json::{json, Value};
use vrepl_storage::mirror::{MirrorRelationship, TransferResult, TransferStatus};
use vrepl_storage::model::{ExportRule, Igroup, Lun, LunMap, Snapshot, Volume, VolumeState};
use vrepl_storage::sim::ClusterInfo;

use super::fields::Schema;
use super::time_fmt::{iso_duration, timestamp};

/// A uuid derived from `seed` (FNV-1a), for objects the model has no id for (LIFs, policies).
pub(crate) fn stable_uuid(seed: &str) -> String {
    let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    for b in seed.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
    }
    uuid::Uuid::from_u128(h).to_string()
}

pub(crate) const CLUSTER: Schema = Schema {
    identity: &["name", "uuid"],
    common: &[
        "version.generation",
        "version.major",
        "version.minor",
        "version.full",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[],
};

pub(crate) fn cluster(info: &ClusterInfo) -> Value {
    let (g, ma, mi) = info.version;
    json!({
        "name": info.name.as_str(),
        "uuid": info.uuid,
        "version": {
            "generation": g, "major": ma, "minor": mi,
            "full": format!("NetApp Release {g}.{ma}.{mi}: Sun Nov 22 00:00:00 UTC 2026"),
        },
        "_links": { "self": { "href": "/api/cluster" } },
    })
}

pub(crate) const SVM: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "state",
        "subtype",
        "ip_interfaces.name",
        "ip_interfaces.uuid",
        "ip_interfaces.ip.address",
        "ip_interfaces.services",
        "nfs.enabled",
        "fcp.enabled",
        "iscsi.enabled",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[],
};

pub(crate) fn svm(name: &str, uuid: &str, nfs_lif: &str) -> Value {
    json!({
        "uuid": uuid,
        "name": name,
        "state": "running",
        "subtype": "default",
        "ip_interfaces": [{
            "name": format!("{name}_nfs_lif1"),
            "uuid": stable_uuid(&format!("{uuid}/lif")),
            "ip": { "address": nfs_lif },
            "services": ["data_core", "data_nfs"],
        }],
        "nfs": { "enabled": true },
        "fcp": { "enabled": true },
        "iscsi": { "enabled": true },
        "_links": { "self": { "href": format!("/api/svm/svms/{uuid}") } },
    })
}

pub(crate) const VOLUME: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "type",
        "state",
        "style",
        "size",
        "space.size",
        "nas.export_policy.name",
        "nas.export_policy.id",
        "clone.is_flexclone",
        "snapmirror.is_protected",
    ],
    expensive: &[
        "nas.path",
        "clone.parent_volume.name",
        "clone.parent_volume.uuid",
        "clone.parent_snapshot.name",
        "clone.parent_snapshot.uuid",
        "clone.parent_svm.name",
        "clone.parent_svm.uuid",
        "clone.split_initiated",
        "clone.split_complete_percent",
    ],
    key: &["uuid"],
    since: &[],
};

/// What a volume record needs besides the volume.
pub(crate) struct VolumeCtx {
    pub svm_uuid: Option<String>,
    pub policy_id: Option<u64>,
    pub parent_uuid: Option<String>,
    pub parent_snapshot_uuid: Option<String>,
    pub protected: bool,
}

pub(crate) fn volume(v: &Volume, ctx: &VolumeCtx) -> Value {
    let mut r = json!({
        "uuid": v.uuid,
        "name": v.path.volume.as_str(),
        "svm": { "name": v.path.svm.as_str(), "uuid": ctx.svm_uuid },
        "type": v.kind.to_string(),
        "state": match v.state {
            VolumeState::Online => "online",
            VolumeState::Offline => "offline",
            VolumeState::Restricted => "restricted",
        },
        "style": "flexvol",
        "size": v.size_bytes,
        "space": { "size": v.size_bytes },
        "clone": { "is_flexclone": v.is_flexclone() },
        "snapmirror": { "is_protected": ctx.protected },
        "nas": {},
        "_links": { "self": { "href": format!("/api/storage/volumes/{}", v.uuid) } },
    });
    if let Some(j) = &v.junction_path {
        r["nas"]["path"] = json!(j.as_str());
    }
    if let Some(p) = &v.export_policy {
        r["nas"]["export_policy"] = json!({ "name": p.as_str(), "id": ctx.policy_id });
    }
    if let Some(parent) = &v.clone_parent {
        r["clone"]["parent_volume"] =
            json!({ "name": parent.volume.volume.as_str(), "uuid": ctx.parent_uuid });
        r["clone"]["parent_snapshot"] =
            json!({ "name": parent.snapshot.as_str(), "uuid": ctx.parent_snapshot_uuid });
        r["clone"]["parent_svm"] =
            json!({ "name": parent.volume.svm.as_str(), "uuid": ctx.svm_uuid });
        r["clone"]["split_initiated"] = json!(false);
        r["clone"]["split_complete_percent"] = json!(0);
    }
    r
}

pub(crate) const SNAPSHOT: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "create_time",
        "comment",
        "volume.name",
        "volume.uuid",
        "svm.name",
        "svm.uuid",
        "state",
        "size",
    ],
    expensive: &["owners", "delta.size_consumed", "delta.time_elapsed"],
    key: &["uuid"],
    // Releases from ONTAP's 9.16 API catalog.
    since: &[("size", (9, 9, 0)), ("delta", (9, 12, 0))],
};

/// What a snapshot record needs besides the snapshot.
pub(crate) struct SnapshotCtx {
    pub svm_uuid: Option<String>,
    pub comment: Option<String>,
    /// Bytes that differ between the snapshot and the active file system (`show-delta`).
    pub delta_bytes: u64,
    /// The cluster's clock, for `delta.time_elapsed`.
    pub now: time::OffsetDateTime,
}

pub(crate) fn snapshot(s: &Snapshot, vol: &Volume, ctx: SnapshotCtx) -> Value {
    let SnapshotCtx {
        svm_uuid,
        comment,
        delta_bytes,
        now,
    } = ctx;
    let elapsed = (now - s.create_time).max(time::Duration::ZERO);
    let mut r = json!({
        "uuid": s.uuid,
        "name": s.name.as_str(),
        "create_time": timestamp(s.create_time),
        // The blocks this snapshot holds that the one before it does not.
        "size": s.changed_bytes,
        "delta": {
            "size_consumed": delta_bytes,
            "time_elapsed": iso_duration(elapsed.unsigned_abs()),
        },
        "volume": { "name": vol.path.volume.as_str(), "uuid": vol.uuid },
        "svm": { "name": vol.path.svm.as_str(), "uuid": svm_uuid },
        "state": "valid",
        "owners": s.owners,
        "_links": { "self": { "href": format!("/api/storage/volumes/{}/snapshots/{}", vol.uuid, s.uuid) } },
    });
    if let Some(c) = comment {
        r["comment"] = json!(c);
    }
    r
}

pub(crate) const RELATIONSHIP: Schema = Schema {
    identity: &["uuid"],
    common: &[
        "source.path",
        "source.svm.name",
        "source.svm.uuid",
        "source.cluster.name",
        "source.cluster.uuid",
        "destination.path",
        "destination.svm.name",
        "destination.svm.uuid",
        "destination.cluster.name",
        "destination.cluster.uuid",
        "policy.name",
        "policy.uuid",
        "policy.type",
        "state",
        "healthy",
        "unhealthy_reason.code",
        "unhealthy_reason.message",
        "unhealthy_reason.parameters",
        "lag_time",
        "exported_snapshot",
        "restore",
        "transfer.uuid",
        "transfer.state",
        "transfer.bytes_transferred",
        "transfer.end_time",
    ],
    expensive: &[],
    key: &["uuid"],
    // Releases from ONTAP's 9.16 API catalog.
    since: &[("transfer.end_time", (9, 9, 0))],
};

/// Where a relationship's endpoints live, for its record.
pub(crate) struct Endpoints {
    pub this_cluster: String,
    pub source_svm_uuid: Option<String>,
    pub destination_svm_uuid: Option<String>,
    pub source_cluster_uuid: Option<String>,
    pub destination_cluster_uuid: Option<String>,
}

pub(crate) fn relationship(
    r: &MirrorRelationship,
    transfer_uuid: Option<&str>,
    ep: &Endpoints,
) -> Value {
    let mut out = json!({
        "uuid": r.uuid,
        "source": {
            "path": r.source.to_string(),
            "svm": { "name": r.source.svm.as_str(), "uuid": ep.source_svm_uuid },
        },
        "destination": {
            "path": r.destination.to_string(),
            "svm": { "name": r.destination.svm.as_str(), "uuid": ep.destination_svm_uuid },
        },
        "policy": {
            "name": r.policy,
            "uuid": stable_uuid(&format!("policy/{}", r.policy)),
            "type": "async",
        },
        "state": r.state.as_rest(),
        "healthy": r.healthy,
        "restore": false,
        "_links": { "self": { "href": format!("/api/snapmirror/relationships/{}", r.uuid) } },
    });
    // ONTAP names an endpoint's cluster only when it is remote.
    if let Some(c) = r
        .source_cluster
        .as_ref()
        .filter(|c| c.as_str() != ep.this_cluster)
    {
        out["source"]["cluster"] = json!({ "name": c.as_str(), "uuid": ep.source_cluster_uuid });
    }
    if let Some(c) = r
        .destination_cluster
        .as_ref()
        .filter(|c| c.as_str() != ep.this_cluster)
    {
        out["destination"]["cluster"] =
            json!({ "name": c.as_str(), "uuid": ep.destination_cluster_uuid });
    }
    if !r.healthy {
        let message = r
            .unhealthy_reason
            .clone()
            .unwrap_or_else(|| "Transfer failed.".to_string());
        out["unhealthy_reason"] =
            json!([{ "code": "13303812", "message": message, "parameters": [] }]);
    }
    if let Some(lag) = r.lag {
        out["lag_time"] = json!(iso_duration(lag));
    }
    if let Some(s) = &r.exported_snapshot {
        out["exported_snapshot"] = json!(s.as_str());
    }
    // The running transfer (with its uuid), or how the last one ended (no uuid): ONTAP keeps
    // `transfer.state` / `bytes_transferred` of the last transfer on an idle relationship.
    if r.transfer != TransferStatus::Idle {
        let bytes = r.progress.as_ref().map_or(0, |p| p.bytes_transferred);
        out["transfer"] =
            json!({ "uuid": transfer_uuid, "state": "transferring", "bytes_transferred": bytes });
    } else if let Some(last) = &r.last_transfer {
        let state = match last.result {
            TransferResult::Success => "success",
            TransferResult::Failed(_) => "failed",
            TransferResult::Aborted => "aborted",
        };
        out["transfer"] = json!({ "state": state, "bytes_transferred": last.bytes_transferred });
        if let Some(end) = last.end_time {
            out["transfer"]["end_time"] = json!(timestamp(end));
        }
    }
    out
}

pub(crate) const TRANSFER: Schema = Schema {
    identity: &["uuid"],
    common: &[
        "state",
        "bytes_transferred",
        "relationship.uuid",
        "relationship.destination.path",
        "relationship.restore",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[],
};

pub(crate) fn transfer(r: &MirrorRelationship, transfer_uuid: &str) -> Value {
    json!({
        "uuid": transfer_uuid,
        "state": "transferring",
        "bytes_transferred": r.progress.as_ref().map_or(0, |p| p.bytes_transferred),
        "relationship": {
            "uuid": r.uuid,
            "destination": { "path": r.destination.to_string() },
            "restore": false,
        },
        "_links": { "self": { "href": format!("/api/snapmirror/relationships/{}/transfers/{transfer_uuid}", r.uuid) } },
    })
}

pub(crate) const LUN: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "location.logical_unit",
        "location.volume.name",
        "location.volume.uuid",
        "os_type",
        "serial_number",
        "enabled",
        "class",
        "status.state",
        "status.container_state",
        "status.read_only",
        "space.size",
    ],
    expensive: &[
        "status.mapped",
        "lun_maps.logical_unit_number",
        "lun_maps.igroup.name",
        "lun_maps.igroup.uuid",
    ],
    key: &["uuid"],
    since: &[],
};

pub(crate) fn lun(
    l: &Lun,
    svm_uuid: Option<&str>,
    volume: Option<&Volume>,
    maps: &[(u32, String, Option<String>)],
) -> Value {
    let container_state = match volume.map(|v| v.state) {
        Some(VolumeState::Online) | None => "online",
        Some(_) => "volume_offline",
    };
    json!({
        "uuid": l.uuid,
        "name": l.path.to_string(),
        "svm": { "name": l.svm.as_str(), "uuid": svm_uuid },
        "location": {
            "logical_unit": l.path.name.as_str(),
            "volume": { "name": l.path.volume.as_str(), "uuid": volume.map(|v| v.uuid.clone()) },
        },
        "os_type": l.os_type.to_string(),
        "serial_number": l.serial,
        "enabled": l.online,
        "class": "regular",
        "status": {
            "state": if l.online { "online" } else { "offline" },
            "container_state": container_state,
            "read_only": l.read_only,
            "mapped": !maps.is_empty(),
        },
        "space": { "size": l.size_bytes },
        "lun_maps": maps.iter().map(|(id, name, uuid)| json!({
            "logical_unit_number": id, "igroup": { "name": name, "uuid": uuid },
        })).collect::<Vec<_>>(),
        "_links": { "self": { "href": format!("/api/storage/luns/{}", l.uuid) } },
    })
}

pub(crate) const IGROUP: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "os_type",
        "protocol",
        "initiators.name",
    ],
    expensive: &[
        "lun_maps.logical_unit_number",
        "lun_maps.lun.name",
        "lun_maps.lun.uuid",
    ],
    key: &["uuid"],
    since: &[],
};

pub(crate) fn igroup(
    g: &Igroup,
    svm_uuid: Option<&str>,
    maps: &[(u32, String, Option<String>)],
) -> Value {
    json!({
        "uuid": g.uuid,
        "name": g.name.as_str(),
        "svm": { "name": g.svm.as_str(), "uuid": svm_uuid },
        "os_type": g.os_type.to_string(),
        "protocol": g.protocol.to_string(),
        "initiators": g.initiators.iter().map(|i| json!({
            "name": i.to_string(),
            "_links": { "self": { "href": format!("/api/protocols/san/igroups/{}/initiators/{}", g.uuid, i) } },
        })).collect::<Vec<_>>(),
        "lun_maps": maps.iter().map(|(id, name, uuid)| json!({
            "logical_unit_number": id, "lun": { "name": name, "uuid": uuid },
        })).collect::<Vec<_>>(),
        "_links": { "self": { "href": format!("/api/protocols/san/igroups/{}", g.uuid) } },
    })
}

pub(crate) const INITIATOR: Schema = Schema {
    identity: &["name"],
    common: &[],
    expensive: &[],
    key: &["name"],
    since: &[],
};

pub(crate) fn initiator(g: &Igroup, name: &str) -> Value {
    json!({
        "name": name,
        "_links": { "self": { "href": format!("/api/protocols/san/igroups/{}/initiators/{name}", g.uuid) } },
    })
}

pub(crate) const LUN_MAP: Schema = Schema {
    identity: &[
        "svm.name",
        "svm.uuid",
        "lun.name",
        "lun.uuid",
        "igroup.name",
        "igroup.uuid",
    ],
    common: &["logical_unit_number", "igroup.os_type", "igroup.protocol"],
    expensive: &[],
    key: &["lun.uuid", "igroup.uuid"],
    since: &[],
};

pub(crate) fn lun_map(
    m: &LunMap,
    svm_uuid: Option<&str>,
    lun_uuid: &str,
    igroup: Option<&Igroup>,
) -> Value {
    let igroup_uuid = igroup.map(|g| g.uuid.clone()).unwrap_or_default();
    json!({
        "svm": { "name": m.svm.as_str(), "uuid": svm_uuid },
        "lun": { "name": m.lun.to_string(), "uuid": lun_uuid },
        "igroup": {
            "name": m.igroup.as_str(),
            "uuid": igroup_uuid,
            "os_type": igroup.map(|g| g.os_type.to_string()),
            "protocol": igroup.map(|g| g.protocol.to_string()),
        },
        "logical_unit_number": m.lun_id,
        "_links": { "self": { "href": format!("/api/protocols/san/lun-maps/{lun_uuid}/{igroup_uuid}") } },
    })
}

pub(crate) const EXPORT_POLICY: Schema = Schema {
    identity: &["id", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "rules.index",
        "rules.clients.match",
        "rules.protocols",
        "rules.ro_rule",
        "rules.rw_rule",
        "rules.superuser",
        "rules.anonymous_user",
    ],
    expensive: &[],
    key: &["id"],
    since: &[],
};

pub(crate) fn export_policy(
    id: u64,
    name: &str,
    svm: &str,
    svm_uuid: Option<&str>,
    rules: &[ExportRule],
) -> Value {
    json!({
        "id": id,
        "name": name,
        "svm": { "name": svm, "uuid": svm_uuid },
        "rules": rules.iter().map(|r| export_rule(id, r)).collect::<Vec<_>>(),
        "_links": { "self": { "href": format!("/api/protocols/nfs/export-policies/{id}") } },
    })
}

pub(crate) const EXPORT_RULE: Schema = Schema {
    identity: &["index"],
    common: &[
        "clients.match",
        "protocols",
        "ro_rule",
        "rw_rule",
        "superuser",
        "anonymous_user",
    ],
    expensive: &[],
    key: &["index"],
    since: &[],
};

pub(crate) fn export_rule(policy_id: u64, r: &ExportRule) -> Value {
    json!({
        "index": r.index,
        "clients": [{ "match": r.clients }],
        "protocols": ["any"],
        "ro_rule": ["sys"],
        "rw_rule": [if r.read_write { "sys" } else { "never" }],
        "superuser": [if r.superuser { "sys" } else { "none" }],
        "anonymous_user": "65534",
        "_links": { "self": { "href": format!("/api/protocols/nfs/export-policies/{policy_id}/rules/{}", r.index) } },
    })
}

pub(crate) const JOB: Schema = Schema {
    identity: &["uuid"],
    common: &[
        "description",
        "state",
        "message",
        "code",
        "start_time",
        "end_time",
        "error.code",
        "error.message",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[("error", (9, 9, 0))],
};

pub(crate) const POLICY: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "scope",
        "type",
        "sync_type",
        "throttle",
        "network_compression_enabled",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[],
};

pub(crate) const SVM_PEER: Schema = Schema {
    identity: &["uuid", "name"],
    common: &[
        "svm.name",
        "svm.uuid",
        "peer.svm.name",
        "peer.svm.uuid",
        "peer.cluster.name",
        "peer.cluster.uuid",
        "state",
        "applications",
    ],
    expensive: &[],
    key: &["uuid"],
    since: &[],
};

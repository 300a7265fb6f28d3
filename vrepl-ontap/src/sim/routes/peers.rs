//! `/api/snapmirror/policies` (ONTAP's built-in policies) and `/api/svm/peers` (every SVM of
//! this cluster peered with every SVM of the other clusters on the fabric): read-only, what
//! clients such as Ansible look up before they create a relationship.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::{json, Value};

use super::cluster::{by_uuid, listing};
use super::Call;
use crate::sim::errors::ApiError;
use crate::sim::render::{self, stable_uuid};
use crate::sim::state::Sim;

/// ONTAP's built-in SnapMirror policies: name, type, sync type.
const POLICIES: &[(&str, &str, Option<&str>)] = &[
    ("Asynchronous", "async", None),
    ("MirrorAllSnapshots", "async", None),
    ("MirrorAndVault", "async", None),
    ("MirrorLatest", "async", None),
    ("XDPDefault", "async", None),
    ("Sync", "sync", Some("sync")),
    ("StrictSync", "sync", Some("strict_sync")),
];

async fn policy_records(sim: &Sim) -> Result<Vec<Value>, ApiError> {
    let info = sim.info().await?;
    Ok(POLICIES
        .iter()
        .map(|(name, kind, sync_type)| {
            let uuid = stable_uuid(&format!("policy/{name}"));
            let mut r = json!({
                "uuid": uuid,
                "name": name,
                "svm": { "name": info.name.as_str(), "uuid": info.uuid },
                "scope": "cluster",
                "type": kind,
                "throttle": 0,
                "network_compression_enabled": false,
                "_links": { "self": { "href": format!("/api/snapmirror/policies/{uuid}") } },
            });
            if let Some(t) = sync_type {
                r["sync_type"] = json!(t);
            }
            r
        })
        .collect())
}

pub(crate) async fn list_policies(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    listing(&call, &render::POLICY, policy_records(&sim).await?)
}

pub(crate) async fn get_policy(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    by_uuid(&call, &render::POLICY, policy_records(&sim).await?, &uuid)
}

async fn peer_records(sim: &Sim) -> Result<Vec<Value>, ApiError> {
    let local = sim.info().await?;
    let mut out = Vec::new();
    for cluster in sim
        .fabric
        .clusters()
        .iter()
        .filter(|c| c.as_str() != sim.cluster)
    {
        let Ok(remote) = sim.fabric.cluster_info(cluster.as_str()) else {
            continue;
        };
        for mine in &local.svms {
            for theirs in &remote.svms {
                let uuid = stable_uuid(&format!("peer/{}/{}", mine.uuid, theirs.uuid));
                out.push(json!({
                    "uuid": uuid,
                    "name": theirs.name.as_str(),
                    "svm": { "name": mine.name.as_str(), "uuid": mine.uuid },
                    "peer": {
                        "svm": { "name": theirs.name.as_str(), "uuid": theirs.uuid },
                        "cluster": { "name": remote.name.as_str(), "uuid": remote.uuid },
                    },
                    "state": "peered",
                    "applications": ["snapmirror"],
                    "_links": { "self": { "href": format!("/api/svm/peers/{uuid}") } },
                }));
            }
        }
    }
    Ok(out)
}

pub(crate) async fn list_peers(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    listing(&call, &render::SVM_PEER, peer_records(&sim).await?)
}

pub(crate) async fn get_peer(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    by_uuid(&call, &render::SVM_PEER, peer_records(&sim).await?, &uuid)
}

//! `/api/storage/volumes` (create, FlexClone, mount/unmount, export policy, state, split,
//! delete) and `/api/storage/volumes/{volume.uuid}/snapshots`: every write is a job.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::Response;
use serde_json::Value;
use vrepl_storage::mirror::MirrorState;
use vrepl_storage::model::{
    CloneSpec, JunctionPath, NewVolume, PolicyName, SnapshotName, SvmName, Volume, VolumeName,
    VolumePath, VolumeState, VolumeType,
};
use vrepl_storage::{MirrorControl, StorageArray};

use super::cluster::{listing, single};
use super::{accepted, Call};
use crate::codes;
use crate::sim::errors::{ApiError, Doing};
use crate::sim::render::{self, VolumeCtx};
use crate::sim::state::Sim;

/// Query parameters an asynchronous write takes.
const WRITE_PARAMS: &[&str] = &["return_timeout", "return_records"];

/// Size of a volume created without one (ONTAP's default, 20 MB).
const DEFAULT_SIZE: u64 = 20 << 20;

async fn records(sim: &Sim) -> Result<Vec<(Volume, Value)>, ApiError> {
    let info = sim.info().await?;
    let svm_uuids: HashMap<String, String> = info
        .svms
        .iter()
        .map(|s| (s.name.to_string(), s.uuid.clone()))
        .collect();
    let volumes = sim.volumes().await?;
    let mut protected: Vec<VolumePath> = sim
        .relationships()
        .await?
        .into_iter()
        .map(|r| r.destination)
        .collect();
    protected.extend(sim.outgoing().into_iter().map(|r| r.source));
    let mut out = Vec::with_capacity(volumes.len());
    for v in &volumes {
        let (parent_uuid, parent_snapshot_uuid) = match &v.clone_parent {
            Some(p) => {
                let parent = volumes.iter().find(|x| x.path == p.volume);
                let snap_uuid = match parent {
                    Some(_) => sim
                        .array
                        .list_snapshots(&p.volume)
                        .await
                        .ok()
                        .and_then(|s| s.into_iter().find(|s| s.name == p.snapshot).map(|s| s.uuid)),
                    None => None,
                };
                (parent.map(|x| x.uuid.clone()), snap_uuid)
            }
            None => (None, None),
        };
        let ctx = VolumeCtx {
            svm_uuid: svm_uuids.get(v.path.svm.as_str()).cloned(),
            policy_id: v
                .export_policy
                .as_ref()
                .map(|p| sim.policy_id(&v.path.svm, p)),
            parent_uuid,
            parent_snapshot_uuid,
            protected: protected.contains(&v.path),
        };
        out.push((v.clone(), render::volume(v, &ctx)));
    }
    Ok(out)
}

pub(crate) async fn list(State(sim): State<Arc<Sim>>, call: Call) -> Result<Response, ApiError> {
    call.no_body()?;
    let recs = records(&sim).await?.into_iter().map(|(_, r)| r).collect();
    listing(&call, &render::VOLUME, recs)
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (_, record) = records(&sim)
        .await?
        .into_iter()
        .find(|(v, _)| v.uuid == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::VOLUME, record)
}

/// The SVM a body names (`svm.name` or `svm.uuid`), checked to be on this cluster.
pub(crate) async fn body_svm(
    sim: &Sim,
    body: &crate::sim::body::Body,
) -> Result<SvmName, ApiError> {
    let info = sim.info().await?;
    let by_name = body.str("svm.name")?;
    let by_uuid = body.str("svm.uuid")?;
    let found = match (&by_name, &by_uuid) {
        (Some(n), Some(u)) => {
            let s = info.svms.iter().find(|s| s.name.as_str() == n);
            if s.is_some_and(|s| &s.uuid != u) {
                return Err(ApiError::code(codes::SVM_MISMATCH));
            }
            s
        }
        (Some(n), None) => info.svms.iter().find(|s| s.name.as_str() == n),
        (None, Some(u)) => info.svms.iter().find(|s| &s.uuid == u),
        (None, None) => return Err(ApiError::code(codes::SVM_MISSING).target("svm.name")),
    };
    found
        .map(|s| s.name.clone())
        .ok_or_else(|| ApiError::code(codes::SVM_NOT_FOUND).target("svm.name"))
}

fn name<T>(
    value: &str,
    field: &str,
    parse: impl Fn(&str) -> vrepl_storage::Result<T>,
) -> Result<T, ApiError> {
    parse(value).map_err(|_| ApiError::invalid_value(value, field))
}

pub(crate) async fn create(State(sim): State<Arc<Sim>>, call: Call) -> Result<Response, ApiError> {
    call.query.allow_only(WRITE_PARAMS)?;
    let body = call.body(&[
        "name",
        "svm",
        "aggregates",
        "size",
        "space.size",
        "type",
        "style",
        "nas",
        "clone",
    ])?;
    let svm = body_svm(&sim, &body).await?;
    let vol_name = body.required_str("name")?;
    let volume = name(&vol_name, "name", |s| VolumeName::new(s))?;
    if let Some(style) = body.str("style")? {
        if style != "flexvol" {
            return Err(ApiError::invalid_value(&style, "style"));
        }
    }
    let junction = match body.str("nas.path")?.filter(|p| !p.is_empty()) {
        Some(p) => Some(
            JunctionPath::new(p.as_str())
                .map_err(|_| ApiError::code(codes::NAS_PATH_INVALID).target("nas.path"))?,
        ),
        None => None,
    };
    let policy = match body.str("nas.export_policy.name")? {
        Some(p) => Some(name(&p, "nas.export_policy.name", |s| PolicyName::new(s))?),
        None => None,
    };
    let kind = match body.str("type")?.as_deref() {
        None | Some("rw") => VolumeType::Rw,
        Some("dp") => VolumeType::Dp,
        Some(other) => return Err(ApiError::invalid_value(other, "type")),
    };
    let is_clone =
        body.bool("clone.is_flexclone")?.unwrap_or(false) || body.has("clone.parent_volume");
    let path = VolumePath::new(svm.clone(), volume);
    let location = format!("/api/storage/volumes/?name={vol_name}");
    let sim2 = Arc::clone(&sim);
    if is_clone {
        if kind != VolumeType::Rw {
            return Err(ApiError::code(codes::CLONE_INVALID_TYPE).target("type"));
        }
        let parent_svm = match body.str("clone.parent_svm.name")? {
            Some(s) => name(&s, "clone.parent_svm.name", |s| SvmName::new(s))?,
            None => svm.clone(),
        };
        let parent_volume = match (
            body.str("clone.parent_volume.name")?,
            body.str("clone.parent_volume.uuid")?,
        ) {
            (Some(n), _) => name(&n, "clone.parent_volume.name", |s| VolumeName::new(s))?,
            (None, Some(u)) => {
                sim.volume(&u)
                    .await
                    .map_err(|_| ApiError::code(codes::VOLUME_NOT_FOUND))?
                    .path
                    .volume
            }
            (None, None) => return Err(ApiError::code(codes::CLONE_PARENT_REQUIRED)),
        };
        let parent_snapshot = match body.str("clone.parent_snapshot.name")? {
            Some(s) => Some(name(&s, "clone.parent_snapshot.name", |s| {
                SnapshotName::new(s)
            })?),
            None => None,
        };
        let spec = CloneSpec {
            parent: VolumePath::new(parent_svm, parent_volume),
            name: path.volume.clone(),
            parent_snapshot,
            junction_path: junction,
        };
        return accepted(&sim, &call, Some(location), async move {
            sim2.array
                .create_clone(&spec)
                .await
                .map_err(|e| sim2.map(&e, Doing::CreateInVolume, None))?;
            if let Some(p) = policy {
                sim2.array
                    .set_export_policy(&path, &p)
                    .await
                    .map_err(|e| sim2.error(&e))?;
            }
            Ok("success".to_string())
        })
        .await;
    }
    let size = match body.size("size")? {
        Some(s) => Some(s),
        None => body.size("space.size")?,
    }
    .unwrap_or(DEFAULT_SIZE);
    let spec = NewVolume {
        path: path.clone(),
        kind,
        size_bytes: size,
    };
    accepted(&sim, &call, Some(location), async move {
        sim2.array
            .create_volume(&spec)
            .await
            .map_err(|e| sim2.error(&e))?;
        if let Some(j) = junction {
            if dp_uninitialized(&sim2, &path).await {
                return Err(ApiError::code(codes::DP_VOLUME_NOT_INITIALIZED).target("nas.path"));
            }
            sim2.array
                .mount_volume(&path, &j)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        if let Some(p) = policy {
            sim2.array
                .set_export_policy(&path, &p)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        Ok("success".to_string())
    })
    .await
}

pub(crate) async fn modify(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(WRITE_PARAMS)?;
    let body = call.body(&[
        "state",
        "nas.path",
        "nas.export_policy.name",
        "clone.split_initiated",
    ])?;
    let volume = sim.volume(&uuid).await?;
    let state = match body.str("state")?.as_deref() {
        None => None,
        Some("online") => Some(VolumeState::Online),
        Some("offline") => Some(VolumeState::Offline),
        Some("restricted") => Some(VolumeState::Restricted),
        Some(other) => {
            return Err(ApiError::code(codes::VOLUME_STATE_INVALID)
                .with_message(codes::invalid_field_value(other, "state"))
                .target("state"))
        }
    };
    let mount = match body.str("nas.path")? {
        None => None,
        Some(p) if p.is_empty() => Some(None),
        Some(p) => Some(Some(JunctionPath::new(p.as_str()).map_err(|_| {
            ApiError::code(codes::NAS_PATH_INVALID).target("nas.path")
        })?)),
    };
    let policy = match body.str("nas.export_policy.name")? {
        Some(p) => Some(name(&p, "nas.export_policy.name", |s| PolicyName::new(s))?),
        None => None,
    };
    let split = match body.bool("clone.split_initiated")? {
        Some(true) => true,
        Some(false) => {
            return Err(ApiError::code(codes::CLONE_SPLIT_INVALID).target("clone.split_initiated"))
        }
        None => false,
    };
    if body.is_empty() {
        return Err(ApiError::code(codes::INVALID_FIELD)
            .with_message("No fields to modify were specified."));
    }
    let sim2 = Arc::clone(&sim);
    let path = volume.path.clone();
    accepted(&sim, &call, None, async move {
        let a = &sim2.array;
        if state == Some(VolumeState::Online) {
            a.set_volume_state(&path, VolumeState::Online)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        match &mount {
            Some(None) => a.unmount_volume(&path).await.map_err(|e| sim2.error(&e))?,
            Some(Some(j)) => {
                if dp_uninitialized(&sim2, &path).await {
                    return Err(ApiError::code(codes::DP_VOLUME_NOT_INITIALIZED).target("nas.path"));
                }
                a.mount_volume(&path, j).await.map_err(|e| sim2.error(&e))?
            }
            None => {}
        }
        if let Some(p) = &policy {
            a.set_export_policy(&path, p)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        if split {
            a.split_clone(&path).await.map_err(|e| sim2.error(&e))?;
        }
        if let Some(s) = state.filter(|s| *s != VolumeState::Online) {
            a.set_volume_state(&path, s)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        Ok("success".to_string())
    })
    .await
}

/// A dp volume that never received a baseline (no relationship, or one still uninitialized)
/// cannot be mounted: ONTAP answers 917536.
async fn dp_uninitialized(sim: &Sim, path: &VolumePath) -> bool {
    let is_dp = sim
        .array
        .volume(path)
        .await
        .is_ok_and(|v| v.kind == VolumeType::Dp);
    match sim.array.relationship(path).await {
        Ok(r) => r.state == MirrorState::Uninitialized,
        Err(_) => is_dp,
    }
}

pub(crate) async fn remove(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    call.query.allow_only(&["return_timeout"])?;
    let volume = sim.volume(&uuid).await?;
    let sim2 = Arc::clone(&sim);
    accepted(&sim, &call, None, async move {
        let volumes = sim2.volumes().await?;
        if volumes.iter().any(|v| {
            v.clone_parent
                .as_ref()
                .is_some_and(|p| p.volume == volume.path)
        }) {
            return Err(ApiError::code(codes::VOLUME_HAS_CLONES));
        }
        // "If a volume is online, it is offlined before deletion" (a mounted one is refused).
        if volume.state == VolumeState::Online && volume.junction_path.is_none() {
            sim2.array
                .set_volume_state(&volume.path, VolumeState::Offline)
                .await
                .map_err(|e| sim2.error(&e))?;
        }
        sim2.array
            .delete_volume(&volume.path)
            .await
            .map_err(|e| sim2.error(&e))?;
        Ok("success".to_string())
    })
    .await
}

pub(crate) async fn list_snapshots(
    State(sim): State<Arc<Sim>>,
    Path(volume_uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    listing(
        &call,
        &render::SNAPSHOT,
        snapshot_records(&sim, &volume_uuid).await?,
    )
}

async fn snapshot_records(sim: &Sim, volume_uuid: &str) -> Result<Vec<Value>, ApiError> {
    let volume = sim.volume(volume_uuid).await?;
    let svm_uuid = sim.svm_uuid(volume.path.svm.as_str());
    let snaps = sim
        .array
        .list_snapshots(&volume.path)
        .await
        .map_err(|e| sim.error(&e))?;
    let now = sim.fabric.now();
    snaps
        .iter()
        .map(|s| {
            let ctx = render::SnapshotCtx {
                svm_uuid: svm_uuid.clone(),
                comment: sim.snapshot_comment(&volume.uuid, s.name.as_str()),
                delta_bytes: sim
                    .fabric
                    .snapshot_delta(&volume.path, &s.name)
                    .map_err(|e| sim.error(&e))?,
                now,
            };
            Ok(render::snapshot(s, &volume, ctx))
        })
        .collect()
}

pub(crate) async fn get_snapshot(
    State(sim): State<Arc<Sim>>,
    Path((volume_uuid, uuid)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let record = snapshot_records(&sim, &volume_uuid)
        .await?
        .into_iter()
        .find(|r| r["uuid"] == uuid.as_str())
        .ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::SNAPSHOT, record)
}

pub(crate) async fn create_snapshot(
    State(sim): State<Arc<Sim>>,
    Path(volume_uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(WRITE_PARAMS)?;
    let body = call.body(&["name", "comment"])?;
    let volume = sim.volume(&volume_uuid).await?;
    let snap_name = body.required_str("name")?;
    let comment = body.str("comment")?;
    let snapshot = name(&snap_name, "name", |s| SnapshotName::new(s))?;
    let sim2 = Arc::clone(&sim);
    let location = format!("/api/storage/volumes/{volume_uuid}/snapshots/?name={snap_name}");
    accepted(&sim, &call, Some(location), async move {
        sim2.array
            .create_snapshot(&volume.path, &snapshot)
            .await
            .map_err(|e| sim2.error(&e))?;
        if let Some(c) = comment {
            sim2.set_snapshot_comment(&volume.uuid, snapshot.as_str(), c);
        }
        Ok("success".to_string())
    })
    .await
}

pub(crate) async fn delete_snapshot(
    State(sim): State<Arc<Sim>>,
    Path((volume_uuid, uuid)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    call.query.allow_only(WRITE_PARAMS)?;
    let volume = sim.volume(&volume_uuid).await?;
    let snapshot = sim
        .array
        .list_snapshots(&volume.path)
        .await
        .map_err(|e| sim.error(&e))?
        .into_iter()
        .find(|s| s.uuid == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    let sim2 = Arc::clone(&sim);
    accepted(&sim, &call, None, async move {
        sim2.array
            .delete_snapshot(&volume.path, &snapshot.name)
            .await
            .map_err(|e| {
                sim2.map(
                    &e,
                    Doing::General,
                    Some((
                        snapshot.name.as_str(),
                        volume.path.volume.as_str(),
                        volume.path.svm.as_str(),
                    )),
                )
            })?;
        Ok("success".to_string())
    })
    .await
}

//! `/api/snapmirror/relationships` and their `/transfers`: state changes by PATCH (jobs),
//! reverse by PATCH with swapped paths, DELETE variants, transfers by POST (201, no job).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use vrepl_storage::mirror::{
    DeleteScope, DiscardPolicy, MirrorOp, MirrorRelationship, MirrorState, NewRelationship,
    OnTransfer, TransferStatus,
};
use vrepl_storage::model::{NewVolume, VolumePath, VolumeType};
use vrepl_storage::{MirrorControl, StorageArray};

use super::cluster::{listing, single};
use super::{accepted, created, reply, Call};
use crate::codes;
use crate::sim::collection;
use crate::sim::errors::{ApiError, Doing};
use crate::sim::render::{self, Endpoints};
use crate::sim::state::Sim;

/// ONTAP's exported snapshot is always the SnapMirror snapshot last transferred; the model
/// may name a newer user snapshot of a broken-off destination, so such a relationship is shown
/// with its newest SnapMirror snapshot and the lag since that one was taken.
async fn as_ontap_reports(sim: &Sim, mut r: MirrorRelationship) -> MirrorRelationship {
    if !r
        .exported_snapshot
        .as_ref()
        .is_some_and(|s| !s.as_str().starts_with("snapmirror."))
    {
        return r;
    }
    let Ok(snaps) = sim.array.list_snapshots(&r.destination).await else {
        return r;
    };
    if let Some(newest) = snaps
        .iter()
        .filter(|s| s.is_snapmirror())
        .max_by_key(|s| s.create_time)
    {
        let age = sim.fabric.now() - newest.create_time;
        r.lag = Some(std::time::Duration::from_secs(
            age.whole_seconds().max(0) as u64
        ));
        r.exported_snapshot = Some(newest.name.clone());
    }
    r
}

async fn records(sim: &Sim, rels: Vec<MirrorRelationship>) -> Vec<Value> {
    let mut out = Vec::with_capacity(rels.len());
    for r in rels {
        let r = as_ontap_reports(sim, r).await;
        out.push(record(sim, &r));
    }
    out
}

fn record(sim: &Sim, r: &MirrorRelationship) -> Value {
    let cluster_uuid = |c: Option<&vrepl_storage::model::ClusterName>| {
        c.and_then(|c| sim.fabric.cluster_info(c.as_str()).ok())
            .map(|i| i.uuid)
    };
    let ep = Endpoints {
        this_cluster: sim.cluster.clone(),
        source_svm_uuid: sim.svm_uuid(r.source.svm.as_str()),
        destination_svm_uuid: sim.svm_uuid(r.destination.svm.as_str()),
        source_cluster_uuid: cluster_uuid(r.source_cluster.as_ref()),
        destination_cluster_uuid: cluster_uuid(r.destination_cluster.as_ref()),
    };
    render::relationship(r, sim.transfer_uuid(r).as_deref(), &ep)
}

pub(crate) async fn list(State(sim): State<Arc<Sim>>, call: Call) -> Result<Response, ApiError> {
    call.no_body()?;
    let rels = if call.query.flag("list_destinations_only")? {
        sim.outgoing()
    } else {
        sim.relationships().await?
    };
    let records = records(&sim, rels).await;
    let out = collection::respond(
        &call.path,
        &call.query,
        &render::RELATIONSHIP,
        &["list_destinations_only"],
        records,
    )?;
    Ok(reply(StatusCode::OK, out))
}

pub(crate) async fn get_one(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (rel, _) = sim.relationship(&uuid).await?;
    let rel = as_ontap_reports(&sim, rel).await;
    single(&call, &render::RELATIONSHIP, record(&sim, &rel))
}

fn parse_path(value: &str, field: &str) -> Result<VolumePath, ApiError> {
    if !value.contains(':') {
        return Err(ApiError::code(codes::SM_PATH_WITHOUT_COLON)
            .with_message(format!("{} provided does not contain \":\".", field))
            .target(field));
    }
    VolumePath::parse(value).map_err(|_| ApiError::invalid_value(value, field))
}

pub(crate) async fn create(State(sim): State<Arc<Sim>>, call: Call) -> Result<Response, ApiError> {
    call.query
        .allow_only(&["return_timeout", "return_records"])?;
    let body = call.body(&[
        "source.path",
        "destination.path",
        "policy.name",
        "state",
        "create_destination.enabled",
    ])?;
    if let Some(p) = body.get("policy").filter(|p| !p.is_object()) {
        return Err(ApiError::invalid_value(&p.to_string(), "policy"));
    }
    let create_destination = body.bool("create_destination.enabled")?.unwrap_or(false);
    let initialize = match body.str("state")?.as_deref() {
        None => false,
        Some(_) if !create_destination => {
            return Err(ApiError::code(codes::SM_STATE_ON_CREATE).target("state"))
        }
        Some("snapmirrored") => true,
        Some(other) => return Err(ApiError::invalid_value(other, "state")),
    };
    let source = parse_path(&body.required_str("source.path")?, "source.path")?;
    let destination = parse_path(&body.required_str("destination.path")?, "destination.path")?;
    if source == destination {
        return Err(ApiError::code(codes::SM_SOURCE_IS_DESTINATION));
    }
    let info = sim.info().await?;
    if !info.svms.iter().any(|s| s.name == destination.svm) {
        return Err(ApiError::code(codes::SVM_NOT_FOUND)
            .with_message(format!(
                "The destination SVM \"{}\" is not on this cluster; create the relationship on the destination cluster.",
                destination.svm
            ))
            .target("destination.path"));
    }
    let spec = NewRelationship {
        source,
        destination: destination.clone(),
        policy: body.str("policy.name")?,
    };
    let sim2 = Arc::clone(&sim);
    let location = format!("/api/snapmirror/relationships/?destination.path={destination}");
    accepted(&sim, &call, Some(location), async move {
        if create_destination {
            provision_destination(&sim2, &spec).await?;
        }
        sim2.array
            .create_relationship(&spec)
            .await
            .map_err(|e| sim2.map(&e, Doing::CreateRelationship, None))?;
        if initialize {
            sim2.array
                .initialize(&spec.destination)
                .await
                .map_err(|e| sim2.map(&e, Doing::Mirror(MirrorOp::Initialize), None))?;
        }
        Ok("success".to_string())
    })
    .await
}

/// `create_destination.enabled`: a dp volume the size of the source, on this cluster.
async fn provision_destination(sim: &Sim, spec: &NewRelationship) -> Result<(), ApiError> {
    let source_cluster = sim
        .fabric
        .cluster_of_svm(&spec.source.svm)
        .ok_or_else(|| ApiError::code(codes::SVM_NOT_FOUND).target("source.path"))?;
    let source_array = sim
        .fabric
        .array(source_cluster.as_str())
        .map_err(|e| sim.error(&e))?;
    let source = source_array
        .volume(&spec.source)
        .await
        .map_err(|e| sim.map(&e, Doing::CreateRelationship, None))?;
    let new = NewVolume {
        path: spec.destination.clone(),
        kind: VolumeType::Dp,
        size_bytes: source.size_bytes,
    };
    sim.array
        .create_volume(&new)
        .await
        .map_err(|e| sim.map(&e, Doing::CreateRelationship, None))?;
    Ok(())
}

/// What a state PATCH asks for.
enum Change {
    Mirror(MirrorOp),
    Nothing,
}

fn change_for(target: &str, rel: &MirrorRelationship, reverse: bool) -> Result<Change, ApiError> {
    Ok(match (target, rel.state) {
        ("snapmirrored", _) if reverse => Change::Mirror(MirrorOp::ReverseResync),
        ("snapmirrored", MirrorState::Uninitialized) => Change::Mirror(MirrorOp::Initialize),
        ("snapmirrored", MirrorState::Paused) => Change::Mirror(MirrorOp::Resume),
        ("snapmirrored", MirrorState::BrokenOff) => Change::Mirror(MirrorOp::Resync),
        // Resuming a relationship that is quiescing cancels the quiesce.
        ("snapmirrored", MirrorState::Snapmirrored)
            if rel.transfer == TransferStatus::Quiescing =>
        {
            Change::Mirror(MirrorOp::Resume)
        }
        ("snapmirrored", MirrorState::Snapmirrored) => Change::Nothing,
        ("paused", _) => Change::Mirror(MirrorOp::Quiesce),
        ("broken_off", _) => Change::Mirror(MirrorOp::Break),
        ("uninitialized" | "in_sync" | "out_of_sync" | "synchronizing", _) => {
            return Err(ApiError::code(codes::SM_INVALID_TRANSITION).target("state"))
        }
        (other, _) => return Err(ApiError::invalid_value(other, "state")),
    })
}

pub(crate) async fn modify(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_timeout"])?;
    let body = call.body(&[
        "state",
        "source.path",
        "destination.path",
        "quick_resync",
        "policy.name",
    ])?;
    let (rel, on_destination) = sim.relationship(&uuid).await?;
    if !on_destination {
        return Err(ApiError::not_found_uuid());
    }
    if body.has("policy.name") {
        return Err(ApiError::code(codes::NOT_SUPPORTED)
            .with_message("The simulator does not change SnapMirror policies.")
            .target("policy.name"));
    }
    let new_source = body
        .str("source.path")?
        .map(|p| parse_path(&p, "source.path"))
        .transpose()?;
    let new_destination = body
        .str("destination.path")?
        .map(|p| parse_path(&p, "destination.path"))
        .transpose()?;
    let reverse = match (&new_source, &new_destination) {
        (None, None) => false,
        (Some(s), Some(d)) if *s == rel.source && *d == rel.destination => false,
        (Some(s), Some(d)) if *s == rel.destination && *d == rel.source => true,
        _ => return Err(ApiError::code(codes::SM_REVERSE_PATHS_MISMATCH)),
    };
    let Some(target) = body.str("state")? else {
        return Err(ApiError::missing("state"));
    };
    if body.has("quick_resync") && target != "snapmirrored" {
        return Err(ApiError::code(codes::SM_FLAG_ONLY_WITH_SNAPMIRRORED).target("quick_resync"));
    }
    body.bool("quick_resync")?;
    let change = change_for(&target, &rel, reverse)?;
    let sim2 = Arc::clone(&sim);
    let destination = rel.destination.clone();
    accepted(&sim, &call, None, async move {
        let Change::Mirror(op) = change else {
            return Ok("success".to_string());
        };
        let a = &sim2.array;
        let result = match op {
            MirrorOp::Initialize => a.initialize(&destination).await,
            MirrorOp::Resume => a.resume(&destination).await,
            MirrorOp::Resync => a.resync(&destination, DiscardPolicy::Accept).await,
            MirrorOp::ReverseResync => a.reverse_resync(&destination, DiscardPolicy::Accept).await,
            MirrorOp::Quiesce => a.quiesce(&destination).await,
            _ => a.break_off(&destination, OnTransfer::Fail).await,
        };
        result.map_err(|e| sim2.map(&e, Doing::Mirror(op), None))?;
        Ok("success".to_string())
    })
    .await
}

pub(crate) async fn remove(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    call.query.allow_only(&[
        "return_timeout",
        "destination_only",
        "source_only",
        "source_info_only",
    ])?;
    let flags = [
        call.query.flag("destination_only")?,
        call.query.flag("source_only")?,
        call.query.flag("source_info_only")?,
    ];
    if flags.iter().filter(|f| **f).count() > 1 {
        return Err(ApiError::code(codes::INVALID_FIELD).with_message(
            "The \"destination_only\", \"source_only\" and \"source_info_only\" flags are mutually exclusive.",
        ));
    }
    let (rel, on_destination) = sim.relationship(&uuid).await?;
    let [destination_only, source_only, source_info_only] = flags;
    enum Action {
        Delete(DeleteScope),
        Release { keep_snapshots: bool },
    }
    let action = match (
        on_destination,
        destination_only,
        source_only,
        source_info_only,
    ) {
        (true, true, _, _) => Action::Delete(DeleteScope::DestinationOnly),
        (true, _, _, true) => Action::Delete(DeleteScope::SourceInfoOnly),
        (true, _, true, _) => {
            return Err(ApiError::code(codes::INVALID_FIELD)
                .with_message(
                    "\"source_only\" is valid only on the source cluster of the relationship.",
                )
                .target("source_only"))
        }
        (true, false, false, false) => Action::Delete(DeleteScope::Full),
        (false, _, true, _) => Action::Release {
            keep_snapshots: false,
        },
        (false, _, _, true) => Action::Release {
            keep_snapshots: true,
        },
        (false, _, _, _) => return Err(ApiError::not_found_uuid()),
    };
    let sim2 = Arc::clone(&sim);
    accepted(&sim, &call, None, async move {
        let result = match action {
            Action::Delete(scope) => sim2.array.delete(&rel.destination, scope).await,
            Action::Release { keep_snapshots } => {
                sim2.array
                    .release(&rel.source, &rel.destination, keep_snapshots)
                    .await
            }
        };
        let op = match action {
            Action::Delete(_) => MirrorOp::Delete,
            Action::Release { .. } => MirrorOp::Release,
        };
        result.map_err(|e| sim2.map(&e, Doing::Mirror(op), None))?;
        Ok("success".to_string())
    })
    .await
}

async fn destination_side(sim: &Sim, uuid: &str) -> Result<MirrorRelationship, ApiError> {
    match sim.relationship(uuid).await? {
        (r, true) => Ok(r),
        (_, false) => Err(ApiError::not_found_uuid()),
    }
}

pub(crate) async fn list_transfers(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let rel = destination_side(&sim, &uuid).await?;
    let records = sim
        .transfer_uuid(&rel)
        .map(|t| render::transfer(&rel, &t))
        .into_iter()
        .collect();
    listing(&call, &render::TRANSFER, records)
}

pub(crate) async fn get_transfer(
    State(sim): State<Arc<Sim>>,
    Path((uuid, transfer)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let rel = destination_side(&sim, &uuid).await?;
    match sim.transfer_uuid(&rel) {
        Some(t) if t == transfer => single(&call, &render::TRANSFER, render::transfer(&rel, &t)),
        _ => Err(ApiError::not_found_uuid()),
    }
}

pub(crate) async fn start_transfer(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    call.body(&[])?;
    let rel = destination_side(&sim, &uuid).await?;
    let op = if rel.state == MirrorState::Uninitialized {
        MirrorOp::Initialize
    } else {
        MirrorOp::Update
    };
    if rel.transfer.is_busy() {
        let err = vrepl_storage::Error::TransferInProgress {
            op,
            target: rel.destination.to_string(),
            progress: rel.progress.clone(),
        };
        return Err(sim.map(&err, Doing::Mirror(op), None));
    }
    let report = match op {
        MirrorOp::Initialize => sim.array.initialize(&rel.destination).await,
        _ => sim.array.update(&rel.destination).await,
    }
    .map_err(|e| sim.map(&e, Doing::Mirror(op), None))?;
    let after = match report.relationship {
        Some(r) => r,
        None => sim
            .array
            .relationship(&rel.destination)
            .await
            .map_err(|e| sim.error(&e))?,
    };
    let transfer = sim
        .transfer_uuid(&after)
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let location = format!("/api/snapmirror/relationships/{uuid}/transfers/{transfer}");
    let mut record = render::transfer(&after, &transfer);
    if !after.transfer.is_busy() {
        record["state"] = serde_json::json!("success");
    }
    created(&call, location, record)
}

pub(crate) async fn abort_transfer(
    State(sim): State<Arc<Sim>>,
    Path((uuid, transfer)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    let body = call.body(&["state"])?;
    let rel = destination_side(&sim, &uuid).await?;
    match body.required_str("state")?.as_str() {
        "aborted" | "hard_aborted" => {}
        _ => return Err(ApiError::code(codes::SM_TRANSFER_STATE_INVALID).target("state")),
    }
    match sim.transfer_uuid(&rel) {
        Some(t) if t == transfer => {}
        _ => return Err(ApiError::not_found_uuid()),
    }
    sim.array
        .abort_transfer(&rel.destination)
        .await
        .map_err(|e| sim.error(&e))?;
    Ok(reply(StatusCode::OK, serde_json::json!({})))
}

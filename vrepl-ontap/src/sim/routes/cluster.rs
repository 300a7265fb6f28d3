//! `/api/cluster`, `/api/cluster/jobs`, `/api/svm/svms`.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::{reply, Call};
use crate::sim::collection;
use crate::sim::errors::ApiError;
use crate::sim::fields::Selection;
use crate::sim::render;
use crate::sim::state::Sim;

pub(crate) async fn get_cluster(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let mut info = sim.info().await?;
    info.version = sim.version;
    single(&call, &render::CLUSTER, render::cluster(&info))
}

pub(crate) async fn list_svms(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let info = sim.info().await?;
    let records = info
        .svms
        .iter()
        .map(|s| render::svm(s.name.as_str(), &s.uuid, &s.nfs_lif))
        .collect();
    listing(&call, &render::SVM, records)
}

pub(crate) async fn get_svm(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let info = sim.info().await?;
    let svm = info
        .svms
        .iter()
        .find(|s| s.uuid == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    single(
        &call,
        &render::SVM,
        render::svm(svm.name.as_str(), &svm.uuid, &svm.nfs_lif),
    )
}

pub(crate) async fn list_jobs(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    listing(&call, &render::JOB, sim.jobs.all())
}

pub(crate) async fn get_job(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    sim.info().await?;
    let job = sim.jobs.get(&uuid).ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::JOB, job)
}

/// GET of one object: the `*` fields unless `fields=` says otherwise.
/// A collection answer: `records` filtered, paged and projected as the query asks.
pub(crate) fn listing(
    call: &Call,
    schema: &crate::sim::fields::Schema,
    records: Vec<serde_json::Value>,
) -> Result<Response, ApiError> {
    let out = collection::respond(&call.path, &call.query, schema, &[], records)?;
    Ok(reply(StatusCode::OK, out))
}

/// The record with this uuid, projected as the query asks; ONTAP's 404 (code 4) when none.
pub(crate) fn by_uuid(
    call: &Call,
    schema: &crate::sim::fields::Schema,
    records: Vec<serde_json::Value>,
    uuid: &str,
) -> Result<Response, ApiError> {
    let record = records
        .into_iter()
        .find(|r| r["uuid"] == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    single(call, schema, record)
}

pub(crate) fn single(
    call: &Call,
    schema: &crate::sim::fields::Schema,
    record: serde_json::Value,
) -> Result<Response, ApiError> {
    let selection = match call.query.get("fields") {
        Some(_) => Selection::parse(call.query.get("fields"), schema, call.query.version)?,
        None => Selection::common(schema, call.query.version),
    };
    Ok(reply(StatusCode::OK, selection.project(&record, schema)))
}

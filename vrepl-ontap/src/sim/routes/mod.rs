//! The routes the simulator serves, and what every handler shares: the request as a [`Call`],
//! the 202-and-job answer of asynchronous writes, and the loud 500 for everything else.

mod cluster;
mod nfs;
mod peers;
mod san;
mod snapmirror;
mod volumes;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::Value;

use super::body::Body;
use super::collection::Query;
use super::errors::ApiError;
use super::jobs::job_link;
use super::state::Sim;

/// Every method and path (in the OpenAPI spec's spelling) the simulator serves.
pub(crate) const ROUTES: &[(&str, &str)] = &[
    ("GET", "/cluster"),
    ("GET", "/cluster/jobs"),
    ("GET", "/cluster/jobs/{uuid}"),
    ("GET", "/svm/svms"),
    ("GET", "/svm/svms/{uuid}"),
    ("GET", "/svm/peers"),
    ("GET", "/svm/peers/{uuid}"),
    ("GET", "/snapmirror/policies"),
    ("GET", "/snapmirror/policies/{uuid}"),
    ("GET", "/storage/volumes"),
    ("POST", "/storage/volumes"),
    ("GET", "/storage/volumes/{uuid}"),
    ("PATCH", "/storage/volumes/{uuid}"),
    ("DELETE", "/storage/volumes/{uuid}"),
    ("GET", "/storage/volumes/{volume.uuid}/snapshots"),
    ("POST", "/storage/volumes/{volume.uuid}/snapshots"),
    ("GET", "/storage/volumes/{volume.uuid}/snapshots/{uuid}"),
    ("DELETE", "/storage/volumes/{volume.uuid}/snapshots/{uuid}"),
    ("GET", "/snapmirror/relationships"),
    ("POST", "/snapmirror/relationships"),
    ("GET", "/snapmirror/relationships/{uuid}"),
    ("PATCH", "/snapmirror/relationships/{uuid}"),
    ("DELETE", "/snapmirror/relationships/{uuid}"),
    (
        "GET",
        "/snapmirror/relationships/{relationship.uuid}/transfers",
    ),
    (
        "POST",
        "/snapmirror/relationships/{relationship.uuid}/transfers",
    ),
    (
        "GET",
        "/snapmirror/relationships/{relationship.uuid}/transfers/{uuid}",
    ),
    (
        "PATCH",
        "/snapmirror/relationships/{relationship.uuid}/transfers/{uuid}",
    ),
    ("GET", "/storage/luns"),
    ("POST", "/storage/luns"),
    ("GET", "/storage/luns/{uuid}"),
    ("PATCH", "/storage/luns/{uuid}"),
    ("GET", "/protocols/san/igroups"),
    ("POST", "/protocols/san/igroups"),
    ("GET", "/protocols/san/igroups/{uuid}"),
    ("GET", "/protocols/san/igroups/{igroup.uuid}/initiators"),
    ("POST", "/protocols/san/igroups/{igroup.uuid}/initiators"),
    (
        "GET",
        "/protocols/san/igroups/{igroup.uuid}/initiators/{name}",
    ),
    (
        "DELETE",
        "/protocols/san/igroups/{igroup.uuid}/initiators/{name}",
    ),
    ("GET", "/protocols/san/lun-maps"),
    ("POST", "/protocols/san/lun-maps"),
    ("GET", "/protocols/san/lun-maps/{lun.uuid}/{igroup.uuid}"),
    ("DELETE", "/protocols/san/lun-maps/{lun.uuid}/{igroup.uuid}"),
    ("GET", "/protocols/nfs/export-policies"),
    ("POST", "/protocols/nfs/export-policies"),
    ("GET", "/protocols/nfs/export-policies/{id}"),
    ("GET", "/protocols/nfs/export-policies/{policy.id}/rules"),
    ("POST", "/protocols/nfs/export-policies/{policy.id}/rules"),
    (
        "GET",
        "/protocols/nfs/export-policies/{policy.id}/rules/{index}",
    ),
];

/// The router of one simulated cluster.
pub(crate) fn router(sim: Arc<Sim>) -> Router {
    use axum::routing::{delete, patch, post};
    Router::new()
        .route("/api/cluster", get(cluster::get_cluster))
        .route("/api/cluster/jobs", get(cluster::list_jobs))
        .route("/api/cluster/jobs/{uuid}", get(cluster::get_job))
        .route("/api/svm/svms", get(cluster::list_svms))
        .route("/api/svm/svms/{uuid}", get(cluster::get_svm))
        .route("/api/svm/peers", get(peers::list_peers))
        .route("/api/svm/peers/{uuid}", get(peers::get_peer))
        .route("/api/snapmirror/policies", get(peers::list_policies))
        .route("/api/snapmirror/policies/{uuid}", get(peers::get_policy))
        .route(
            "/api/storage/volumes",
            get(volumes::list).post(volumes::create),
        )
        .route(
            "/api/storage/volumes/{uuid}",
            get(volumes::get_one)
                .patch(volumes::modify)
                .delete(volumes::remove),
        )
        .route(
            "/api/storage/volumes/{volume}/snapshots",
            get(volumes::list_snapshots).post(volumes::create_snapshot),
        )
        .route(
            "/api/storage/volumes/{volume}/snapshots/{uuid}",
            get(volumes::get_snapshot).delete(volumes::delete_snapshot),
        )
        .route(
            "/api/snapmirror/relationships",
            get(snapmirror::list).post(snapmirror::create),
        )
        .route(
            "/api/snapmirror/relationships/{uuid}",
            get(snapmirror::get_one)
                .patch(snapmirror::modify)
                .delete(snapmirror::remove),
        )
        .route(
            "/api/snapmirror/relationships/{uuid}/transfers",
            get(snapmirror::list_transfers).post(snapmirror::start_transfer),
        )
        .route(
            "/api/snapmirror/relationships/{uuid}/transfers/{transfer}",
            get(snapmirror::get_transfer).merge(patch(snapmirror::abort_transfer)),
        )
        .route(
            "/api/storage/luns",
            get(san::list_luns).post(san::create_lun),
        )
        .route(
            "/api/storage/luns/{uuid}",
            get(san::get_lun).patch(san::modify_lun),
        )
        .route(
            "/api/protocols/san/igroups",
            get(san::list_igroups).post(san::create_igroup),
        )
        .route("/api/protocols/san/igroups/{uuid}", get(san::get_igroup))
        .route(
            "/api/protocols/san/igroups/{uuid}/initiators",
            get(san::list_initiators).post(san::add_initiators),
        )
        .route(
            "/api/protocols/san/igroups/{uuid}/initiators/{name}",
            get(san::get_initiator).merge(delete(san::remove_initiator)),
        )
        .route(
            "/api/protocols/san/lun-maps",
            get(san::list_maps).merge(post(san::create_map)),
        )
        .route(
            "/api/protocols/san/lun-maps/{lun}/{igroup}",
            get(san::get_map).delete(san::delete_map),
        )
        .route(
            "/api/protocols/nfs/export-policies",
            get(nfs::list_policies).post(nfs::create_policy),
        )
        .route(
            "/api/protocols/nfs/export-policies/{id}",
            get(nfs::get_policy),
        )
        .route(
            "/api/protocols/nfs/export-policies/{id}/rules",
            get(nfs::list_rules).post(nfs::create_rule),
        )
        .route(
            "/api/protocols/nfs/export-policies/{id}/rules/{index}",
            get(nfs::get_rule),
        )
        .fallback(unserved)
        .method_not_allowed_fallback(unserved)
        .with_state(sim)
}

async fn unserved(method: Method, uri: axum::http::Uri) -> ApiError {
    ApiError::unserved(method.as_str(), uri.path())
}

/// A request as the handlers see it: method, path, query and the body, parsed lazily so a
/// malformed body is ONTAP's 262199 and not a framework error.
#[derive(Debug)]
pub(crate) struct Call {
    pub method: Method,
    pub path: String,
    pub query: Query,
    raw_body: axum::body::Bytes,
}

impl FromRequest<Arc<Sim>> for Call {
    type Rejection = ApiError;

    async fn from_request(req: Request, sim: &Arc<Sim>) -> Result<Self, Self::Rejection> {
        let method = req.method().clone();
        let path = req.uri().path().to_string();
        let query = Query::parse(req.uri().query(), sim.version);
        let raw_body = axum::body::to_bytes(req.into_body(), 64 << 20)
            .await
            .map_err(|e| {
                ApiError::code(crate::codes::INVALID_JSON_UNKNOWN).with_message(e.to_string())
            })?;
        Ok(Self {
            method,
            path,
            query,
            raw_body,
        })
    }
}

impl Call {
    /// The body of a write, restricted to `allowed` fields.
    pub fn body(&self, allowed: &[&str]) -> Result<Body, ApiError> {
        let body = Body::parse(&self.raw_body)?;
        body.allow_only(allowed)?;
        Ok(body)
    }

    /// Refuses a body on GET and DELETE (262198), as ONTAP does.
    pub fn no_body(&self) -> Result<(), ApiError> {
        if self.raw_body.iter().all(u8::is_ascii_whitespace) {
            Ok(())
        } else {
            Err(ApiError::code(crate::codes::BODY_NOT_ALLOWED))
        }
    }

    /// `METHOD /api/path`, as a job's description reads.
    pub fn description(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

/// A JSON answer with a status.
pub(crate) fn reply(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// An asynchronous write: runs `work` as a job and answers 202 with the job link (or, when
/// `return_timeout` lets the job finish in time, 200/201 — or its error).
pub(crate) async fn accepted<F>(
    sim: &Arc<Sim>,
    call: &Call,
    location: Option<String>,
    work: F,
) -> Result<Response, ApiError>
where
    F: Future<Output = Result<String, ApiError>> + Send + 'static,
{
    let timeout = call.query.return_timeout(0)?;
    let uuid = sim.jobs.spawn(call.description(), work);
    let mut status = StatusCode::ACCEPTED;
    if timeout > 0 {
        match sim.jobs.wait(&uuid, Duration::from_secs(timeout)).await {
            Some(Ok(())) => {
                status = if call.method == Method::POST {
                    StatusCode::CREATED
                } else {
                    StatusCode::OK
                }
            }
            Some(Err(e)) => return Err(e),
            None => {}
        }
    }
    let mut response = reply(status, job_link(&uuid));
    if let Some(loc) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(response)
}

/// A synchronous create: 201 with `Location`, and the record when `return_records=true`.
pub(crate) fn created(call: &Call, location: String, record: Value) -> Result<Response, ApiError> {
    let body = if call.query.flag("return_records")? {
        serde_json::json!({ "num_records": 1, "records": [record] })
    } else {
        serde_json::json!({})
    };
    let mut response = reply(StatusCode::CREATED, body);
    if let Ok(loc) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, loc);
    }
    Ok(response)
}

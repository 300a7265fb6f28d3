//! The listener: plain HTTP or TLS on 127.0.0.1, Basic auth, request recording and injected
//! faults in front of the axum router.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Request, Response, StatusCode};
use base64::Engine as _;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use vrepl_storage::sim::Fabric;
use vrepl_storage::{Error, Result};

use super::errors::{ApiError, DropConnection};
use super::faults::{Faults, HttpFault};
use super::routes;
use super::state::Sim;
use super::tls;

/// How to start a [`RestSimulator`].
#[derive(Clone)]
pub struct SimServerOptions {
    /// Where to listen; the default `127.0.0.1:0` picks a free port.
    pub listen: SocketAddr,
    /// Serve HTTPS with a generated self-signed certificate.
    pub tls: bool,
    /// The user name Basic auth accepts.
    pub username: String,
    /// The password Basic auth accepts.
    pub password: String,
    /// The ONTAP release to answer as (`GET /api/cluster`, and which fields exist); `None`
    /// means the release the fabric gives the cluster (9.16.1 in the lab). An older one,
    /// e.g. `Some((9, 8, 0))`, leaves out every field added after it, such as the snapshot
    /// `delta` (9.12).
    pub version: Option<(u8, u8, u8)>,
}

impl Default for SimServerOptions {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            tls: false,
            username: "admin".into(),
            password: "netapp1!".into(),
            version: None,
        }
    }
}

impl std::fmt::Debug for SimServerOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimServerOptions")
            .field("listen", &self.listen)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("version", &self.version)
            .finish()
    }
}

/// One request as the simulator received it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, `PATCH`, `DELETE`, …
    pub method: String,
    /// The path, e.g. `/api/snapmirror/relationships`.
    pub path: String,
    /// The raw query string (empty when there is none).
    pub query: String,
    /// The body parsed as JSON; `None` when empty or not JSON.
    pub body: Option<Value>,
}

impl RecordedRequest {
    /// The decoded value of a query parameter.
    pub fn query_param(&self, key: &str) -> Option<String> {
        url::form_urlencoded::parse(self.query.as_bytes())
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.into_owned())
    }

    /// `METHOD /path` (without the query), for compact assertions.
    pub fn line(&self) -> String {
        format!("{} {}", self.method, self.path)
    }
}

struct Shared {
    username: String,
    password: String,
    recorded: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<Faults>,
}

/// An ONTAP REST server for one cluster of a [`Fabric`]; stops on [`RestSimulator::shutdown`]
/// or when dropped.
pub struct RestSimulator {
    url: url::Url,
    certificate_pem: Option<String>,
    shared: Arc<Shared>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for RestSimulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RestSimulator")
            .field("url", &self.url.as_str())
            .field("tls", &self.certificate_pem.is_some())
            .finish_non_exhaustive()
    }
}

impl RestSimulator {
    /// Starts serving `cluster` of `fabric`.
    pub async fn start(fabric: Fabric, cluster: &str, opts: SimServerOptions) -> Result<Self> {
        let sim = Sim::new(fabric, cluster, opts.version)?;
        let listener = TcpListener::bind(opts.listen)
            .await
            .map_err(|e| Error::Transport {
                endpoint: opts.listen.to_string(),
                message: format!("cannot listen: {e}"),
                retryable: false,
            })?;
        let addr = listener.local_addr().map_err(|e| Error::Transport {
            endpoint: opts.listen.to_string(),
            message: e.to_string(),
            retryable: false,
        })?;
        let tls = if opts.tls {
            Some(tls::self_signed()?)
        } else {
            None
        };
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = url::Url::parse(&format!("{scheme}://{addr}"))
            .map_err(|e| Error::InvalidArgument(e.to_string()))?;
        let shared = Arc::new(Shared {
            username: opts.username,
            password: opts.password,
            recorded: Mutex::new(Vec::new()),
            faults: Mutex::new(Faults::default()),
        });
        let certificate_pem = tls.as_ref().map(|t| t.certificate_pem.clone());
        let router = routes::router(Arc::new(sim));
        let task = tokio::spawn(accept_loop(listener, tls, router, Arc::clone(&shared)));
        Ok(Self {
            url,
            certificate_pem,
            shared,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    pub fn url(&self) -> url::Url {
        self.url.clone()
    }

    /// The user name and password Basic auth accepts.
    pub fn credentials(&self) -> (String, String) {
        (self.shared.username.clone(), self.shared.password.clone())
    }

    /// The self-signed certificate (PEM) when serving HTTPS.
    pub fn certificate_pem(&self) -> Option<String> {
        self.certificate_pem.clone()
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.recorded).clone()
    }

    /// Forgets the recorded requests.
    pub fn clear_requests(&self) {
        lock(&self.shared.recorded).clear();
    }

    /// Injects a fault into the next requests.
    pub fn inject(&self, fault: HttpFault) {
        lock(&self.shared.faults).push(fault);
    }

    /// Removes every injected fault.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Stops listening and closes every connection.
    pub async fn shutdown(mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
            let _ = task.await;
        }
    }
}

impl Drop for RestSimulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

async fn accept_loop(
    listener: TcpListener,
    tls: Option<tls::Tls>,
    router: axum::Router,
    shared: Arc<Shared>,
) {
    // Connections live in this set: aborting the accept loop drops it and closes them all.
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let (stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(_) => continue,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => continue,
        };
        let router = router.clone();
        let shared = Arc::clone(&shared);
        let acceptor = tls.as_ref().map(|t| t.acceptor.clone());
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                handle(Arc::clone(&shared), router.clone(), req)
            });
            let builder = hyper::server::conn::http1::Builder::new();
            match acceptor {
                Some(acceptor) => {
                    if let Ok(tls_stream) = acceptor.accept(stream).await {
                        let _ = builder
                            .serve_connection(TokioIo::new(tls_stream), service)
                            .await;
                    }
                }
                None => {
                    let _ = builder
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                }
            }
        });
    }
}

async fn handle(
    shared: Arc<Shared>,
    router: axum::Router,
    req: Request<hyper::body::Incoming>,
) -> std::result::Result<Response<Body>, std::io::Error> {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(Body::new(body), 64 << 20)
        .await
        .map_err(std::io::Error::other)?;
    lock(&shared.recorded).push(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().unwrap_or_default().to_string(),
        body: serde_json::from_slice(&bytes).ok(),
    });
    let plan = lock(&shared.faults).next_plan();
    if !plan.delay.is_zero() {
        tokio::time::sleep(plan.delay).await;
    }
    if plan.drop {
        return Err(std::io::Error::other("injected fault: connection dropped"));
    }
    if !authorized(&parts.headers, &shared.username, &shared.password) {
        return Ok(unauthorized());
    }
    if let Some(status) = plan.status {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let err = ApiError {
            status,
            code: 65552,
            message: format!(
                "Generic RPC failure (injected fault: HTTP {})",
                status.as_u16()
            ),
            target: None,
        };
        return Ok(axum::response::IntoResponse::into_response(err));
    }
    let plain_json = wants_plain_json(&parts.headers);
    let mut parts = parts;
    if let Some(trimmed) = without_trailing_slash(&parts.uri) {
        parts.uri = trimmed;
    }
    let req = Request::from_parts(parts, Body::from(bytes));
    let mut router = router;
    let response: Response<Body> = match tower::Service::call(&mut router, req).await {
        Ok(r) => r,
        Err(e) => match e {},
    };
    if response.extensions().get::<DropConnection>().is_some() {
        return Err(std::io::Error::other("the simulated cluster is down"));
    }
    let response = if plain_json {
        without_hal_links(response).await?
    } else {
        response
    };
    if plan.malformed {
        let (parts, body) = response.into_parts();
        let bytes = axum::body::to_bytes(body, 64 << 20)
            .await
            .map_err(std::io::Error::other)?;
        let cut = bytes.slice(..bytes.len() / 2);
        let mut parts = parts;
        parts.headers.remove(header::CONTENT_LENGTH);
        return Ok(Response::from_parts(parts, Body::from(cut)));
    }
    Ok(response)
}

/// `Accept: application/json` (rather than ONTAP's default `application/hal+json`) turns HAL
/// links off: every `_links` goes except the collection's `_links.next`.
fn wants_plain_json(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .fold((false, false), |(json, hal), t| {
            (
                json || t == "application/json",
                hal || t == "application/hal+json" || t == "*/*",
            )
        })
        == (true, false)
}

async fn without_hal_links(
    response: Response<Body>,
) -> std::result::Result<Response<Body>, std::io::Error> {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, 64 << 20)
        .await
        .map_err(std::io::Error::other)?;
    let Ok(mut value) = serde_json::from_slice::<Value>(&bytes) else {
        return Ok(Response::from_parts(parts, Body::from(bytes)));
    };
    let next = value.pointer("/_links/next").cloned();
    strip_links(&mut value);
    if let (Some(next), Some(obj)) = (next, value.as_object_mut()) {
        obj.insert("_links".into(), serde_json::json!({ "next": next }));
    }
    let out = serde_json::to_vec(&value).map_err(std::io::Error::other)?;
    parts.headers.remove(header::CONTENT_LENGTH);
    Ok(Response::from_parts(parts, Body::from(out)))
}

fn strip_links(v: &mut Value) {
    match v {
        Value::Object(map) => {
            map.remove("_links");
            map.values_mut().for_each(strip_links);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_links),
        _ => {}
    }
}

/// `/api/snapmirror/relationships/?x=1` → `/api/snapmirror/relationships?x=1` (clients such
/// as Ansible send the trailing slash; ONTAP accepts both).
fn without_trailing_slash(uri: &axum::http::Uri) -> Option<axum::http::Uri> {
    let path = uri.path();
    if path.len() <= 1 || !path.ends_with('/') {
        return None;
    }
    let trimmed = path.trim_end_matches('/');
    let rebuilt = match uri.query() {
        Some(q) => format!("{trimmed}?{q}"),
        None => trimmed.to_string(),
    };
    rebuilt.parse().ok()
}

fn authorized(headers: &HeaderMap, username: &str, password: &str) -> bool {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let Some(encoded) = value
        .strip_prefix("Basic ")
        .or_else(|| value.strip_prefix("basic "))
    else {
        return false;
    };
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
        return false;
    };
    decoded == format!("{username}:{password}").as_bytes()
}

/// ONTAP's web server (httpd) answers a missing or wrong Basic credential with its standard
/// 401 page, not a JSON error.
const UNAUTHORIZED_PAGE: &str = "<!DOCTYPE HTML PUBLIC \"-//IETF//DTD HTML 2.0//EN\">\n<html><head>\n<title>401 Unauthorized</title>\n</head><body>\n<h1>Unauthorized</h1>\n<p>This server could not verify that you\nare authorized to access the document\nrequested.  Either you supplied the wrong\ncredentials (e.g., bad password), or your\nbrowser doesn't understand how to supply\nthe credentials required.</p>\n</body></html>\n";

fn unauthorized() -> Response<Body> {
    let mut r = Response::new(Body::from(UNAUTHORIZED_PAGE));
    *r.status_mut() = StatusCode::UNAUTHORIZED;
    r.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"ONTAP\""),
    );
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=iso-8859-1"),
    );
    r
}

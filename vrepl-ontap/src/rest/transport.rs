//! Sending requests: Basic auth, one place for transport errors and HTTP statuses, retries of
//! idempotent GETs, paging through `_links.next`, and a count of requests sent.

use std::error::Error as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;
use vrepl_storage::{Error, Result};

use super::config::{RestConfig, Secret};
use super::errors::{to_error, Context};
use super::request::{ApiRequest, Method};
use super::tls::http_client;
use super::wire::{decode, Collection, ErrorBody};

/// Attempts of a GET that fails with a retryable transport error.
const GET_ATTEMPTS: u32 = 3;
/// Pages followed at most, against a server whose `next` links never end.
const MAX_PAGES: usize = 10_000;

/// An HTTP answer.
#[derive(Debug)]
pub struct Reply {
    /// The status code.
    pub status: u16,
    /// The body.
    pub body: Vec<u8>,
}

/// Sends [`ApiRequest`]s to one cluster.
#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    base: Url,
    username: String,
    password: Secret,
    endpoint: String,
    calls: Arc<AtomicU64>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("base", &self.base.as_str())
            .field("username", &self.username)
            .field("calls", &self.calls())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// A transport for `config` (validated first).
    pub fn new(config: &RestConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self {
            http: http_client(config)?,
            base: config.base_url.clone(),
            username: config.username.clone(),
            password: config.password.clone(),
            endpoint: config.endpoint(),
            calls: Arc::new(AtomicU64::new(0)),
        })
    }

    /// `host[:port]`.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The user name (for messages; never the password).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// Requests sent so far (each retry counts).
    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    fn url(&self, req: &ApiRequest) -> Url {
        let mut url = self.base.clone();
        url.set_path(&req.path);
        url.set_query(None);
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&req.query);
        }
        url
    }

    async fn send_once(&self, req: &ApiRequest) -> Result<Reply> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self
            .http
            .request(method, self.url(req))
            .basic_auth(&self.username, Some(self.password.expose()))
            .header(reqwest::header::ACCEPT, "application/json");
        if let Some(body) = &req.body {
            builder = builder.json(body);
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(request = %req, "ONTAP REST call");
        let response = builder
            .send()
            .await
            .map_err(|e| self.transport_error(req, &e))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(req, &e))?
            .to_vec();
        Ok(Reply { status, body })
    }

    /// Sends; a GET that fails with a retryable transport error is tried again (GETs change
    /// nothing, so a repeat is safe; a write might have been applied and is never repeated).
    pub async fn send(&self, req: &ApiRequest) -> Result<Reply> {
        let mut attempt = 1;
        loop {
            match self.send_once(req).await {
                Err(e)
                    if req.method == Method::Get && e.is_retryable() && attempt < GET_ATTEMPTS =>
                {
                    tracing::debug!(request = %req, error = %e, attempt, "retrying GET");
                    tokio::time::sleep(Duration::from_millis(200 * 4u64.pow(attempt - 1))).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends and turns any refusal into a typed error: 401 into [`Error::Auth`], an ONTAP error
    /// body (even on a 2xx) into the table's error for `ctx`.
    pub async fn call(&self, req: &ApiRequest, ctx: &Context) -> Result<Reply> {
        let reply = self.send(req).await?;
        self.check(req, reply, ctx)
    }

    /// The status and error-body rules of [`Transport::call`], for a reply already received.
    pub fn check(&self, req: &ApiRequest, reply: Reply, ctx: &Context) -> Result<Reply> {
        if reply.status == 401 {
            return Err(Error::Auth {
                endpoint: self.endpoint.clone(),
                user: self.username.clone(),
            });
        }
        let parsed: Option<Value> = if reply.body.is_empty() {
            None
        } else {
            serde_json::from_slice(&reply.body).ok()
        };
        if let Some(v) = &parsed {
            if v.get("error").is_some() {
                let body: ErrorBody =
                    decode(&self.endpoint, &format!("{req} (error body)"), &reply.body)?;
                return Err(to_error(&body.error, ctx));
            }
        }
        if !(200..300).contains(&reply.status) {
            let snippet: String = String::from_utf8_lossy(&reply.body)
                .chars()
                .take(200)
                .collect();
            return Err(Error::Protocol {
                endpoint: self.endpoint.clone(),
                message: format!(
                    "{req} answered HTTP {} without an ONTAP error body: {snippet:?}",
                    reply.status
                ),
            });
        }
        if parsed.is_none() && !reply.body.is_empty() {
            // Surface the JSON parser's own complaint.
            decode::<Value>(&self.endpoint, &req.to_string(), &reply.body)?;
        }
        Ok(reply)
    }

    /// Sends and decodes a JSON body.
    pub async fn call_json<T: DeserializeOwned>(
        &self,
        req: &ApiRequest,
        ctx: &Context,
    ) -> Result<T> {
        let reply = self.call(req, ctx).await?;
        decode(&self.endpoint, &req.to_string(), &reply.body)
    }

    /// Every record of a collection, following `_links.next` to the last page.
    pub async fn get_all<T: DeserializeOwned>(
        &self,
        req: ApiRequest,
        ctx: &Context,
    ) -> Result<Vec<T>> {
        let mut records = Vec::new();
        let mut next = Some(req);
        let mut pages = 0;
        while let Some(req) = next.take() {
            pages += 1;
            if pages > MAX_PAGES {
                return Err(Error::Protocol {
                    endpoint: self.endpoint.clone(),
                    message: format!(
                        "{req}: more than {MAX_PAGES} pages; the next links do not end"
                    ),
                });
            }
            let page: Collection<T> = self.call_json(&req, ctx).await?;
            next = page.next_href().map(ApiRequest::follow);
            records.extend(page.records);
        }
        Ok(records)
    }

    fn transport_error(&self, req: &ApiRequest, e: &reqwest::Error) -> Error {
        if let Some(tls) = tls_cause(e) {
            return Error::Transport {
                endpoint: self.endpoint.clone(),
                message: format!(
                    "TLS verification of the cluster's certificate failed ({tls}); give its certificate as the CA bundle or pin it (TlsMode::PinnedCertificate)"
                ),
                retryable: false,
            };
        }
        let what = if e.is_timeout() {
            "no answer in time"
        } else if e.is_connect() {
            "cannot connect"
        } else {
            "the connection failed"
        };
        // A write that failed after connecting may have been applied: repeating it blindly is
        // not safe, re-reading the object is.
        let maybe_applied = req.method != Method::Get && !e.is_connect();
        let note = if maybe_applied {
            "; the request may have been applied, so read the object's state before retrying"
        } else {
            ""
        };
        Error::Transport {
            endpoint: self.endpoint.clone(),
            message: format!("{req}: {what}: {}{note}", chain(e)),
            retryable: !maybe_applied,
        }
    }
}

/// The rustls error behind a failed connection, if TLS is why it failed.
fn tls_cause(e: &reqwest::Error) -> Option<String> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = e.source();
    while let Some(err) = cur {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(t.to_string());
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(t) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                return Some(t.to_string());
            }
        }
        cur = err.source();
    }
    // Layers between reqwest and rustls may hide the typed error; their text still names it.
    let text = chain(e);
    [
        "invalid peer certificate",
        "certificate is not the pinned one",
    ]
    .iter()
    .find_map(|m| text.find(m))
    .map(|at| text[at..].to_string())
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(err) = cur {
        let s = err.to_string();
        if !parts.iter().any(|p| p.contains(&s)) {
            parts.push(s);
        }
        cur = err.source();
    }
    parts.join(": ")
}

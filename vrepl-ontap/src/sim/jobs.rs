//! ONTAP's asynchronous jobs: `queued → running → success | failure`, with an integer `code`,
//! a `message`, `description` = "METHOD /api/path", start and end times; a job is deleted
//! 300 s (tokio time) after it ends, and GET answers 404 from then on.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use time::OffsetDateTime;
use tokio::sync::watch;
use tokio::time::Instant;

use super::errors::ApiError;
use super::time_fmt::timestamp;

/// How long ONTAP keeps a finished job.
pub(crate) const RETENTION: Duration = Duration::from_secs(300);

/// A job's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum JobState {
    Queued,
    Running,
    Success,
    Failure,
}

impl JobState {
    fn as_str(&self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Running => "running",
            Self::Success => "success",
            Self::Failure => "failure",
        }
    }

    fn is_terminal(&self) -> bool {
        matches!(self, Self::Success | Self::Failure)
    }
}

#[derive(Clone, Debug)]
struct Job {
    uuid: String,
    description: String,
    state: JobState,
    code: u32,
    message: String,
    start_time: Option<OffsetDateTime>,
    end_time: Option<OffsetDateTime>,
    ended_at: Option<Instant>,
}

/// The job table of one simulated cluster.
#[derive(Clone)]
pub(crate) struct Jobs {
    inner: Arc<Mutex<HashMap<String, Job>>>,
    clock: Arc<dyn Fn() -> OffsetDateTime + Send + Sync>,
    done: watch::Sender<u64>,
}

impl std::fmt::Debug for Jobs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jobs")
            .field("jobs", &self.lock().len())
            .finish()
    }
}

impl Jobs {
    /// A job table whose start/end times come from `clock` (the simulated wall clock).
    pub fn new(clock: impl Fn() -> OffsetDateTime + Send + Sync + 'static) -> Self {
        Self {
            inner: Arc::new(Mutex::new(HashMap::new())),
            clock: Arc::new(clock),
            done: watch::channel(0).0,
        }
    }

    /// Starts a job running `work`; returns its uuid at once (the job is `queued`).
    pub fn spawn<F>(&self, description: String, work: F) -> String
    where
        F: Future<Output = Result<String, ApiError>> + Send + 'static,
    {
        let uuid = uuid::Uuid::new_v4().to_string();
        let job = Job {
            uuid: uuid.clone(),
            description,
            state: JobState::Queued,
            code: 0,
            message: "Queued".into(),
            start_time: None,
            end_time: None,
            ended_at: None,
        };
        self.lock().insert(uuid.clone(), job);
        let this = self.clone();
        let id = uuid.clone();
        tokio::spawn(async move {
            this.update(&id, |j, now| {
                j.state = JobState::Running;
                j.message = "Running".into();
                j.start_time = Some(now);
            });
            let result = work.await;
            this.update(&id, |j, now| {
                match result {
                    Ok(message) => {
                        j.state = JobState::Success;
                        j.code = 0;
                        j.message = message;
                    }
                    Err(e) => {
                        j.state = JobState::Failure;
                        j.code = e.code;
                        j.message = e.message;
                    }
                }
                j.end_time = Some(now);
                j.ended_at = Some(Instant::now());
            });
            this.done.send_modify(|n| *n += 1);
        });
        uuid
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Job>> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, uuid: &str, f: impl FnOnce(&mut Job, OffsetDateTime)) {
        let now = (self.clock)();
        if let Some(j) = self.lock().get_mut(uuid) {
            f(j, now);
        }
    }

    fn expire(&self) {
        let now = Instant::now();
        self.lock().retain(|_, j| {
            !j.ended_at
                .is_some_and(|t| now.duration_since(t) >= RETENTION)
        });
    }

    /// The job as `GET /api/cluster/jobs/{uuid}` shows it, if it still exists.
    pub fn get(&self, uuid: &str) -> Option<Value> {
        self.expire();
        self.lock().get(uuid).map(render)
    }

    /// Every job still kept.
    pub fn all(&self) -> Vec<Value> {
        self.expire();
        let mut jobs: Vec<Value> = self.lock().values().map(render).collect();
        jobs.sort_by(|a, b| a["uuid"].as_str().cmp(&b["uuid"].as_str()));
        jobs
    }

    /// Waits up to `timeout` for the job to end; returns its outcome if it did.
    pub async fn wait(&self, uuid: &str, timeout: Duration) -> Option<Result<(), ApiError>> {
        let mut rx = self.done.subscribe();
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(j) = self.lock().get(uuid) {
                if j.state.is_terminal() {
                    return Some(match j.state {
                        JobState::Success => Ok(()),
                        _ => Err(failure_error(j)),
                    });
                }
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                return None;
            }
        }
    }
}

fn failure_error(j: &Job) -> ApiError {
    let known = crate::codes::lookup(&j.code.to_string());
    ApiError {
        status: known
            .and_then(|c| axum::http::StatusCode::from_u16(c.http_status).ok())
            .unwrap_or(axum::http::StatusCode::BAD_REQUEST),
        code: j.code,
        message: j.message.clone(),
        target: None,
    }
}

fn render(j: &Job) -> Value {
    let mut v = json!({
        "uuid": j.uuid,
        "description": j.description,
        "state": j.state.as_str(),
        "message": j.message,
        "code": j.code,
        "_links": { "self": { "href": format!("/api/cluster/jobs/{}", j.uuid) } },
    });
    if let Some(t) = j.start_time {
        v["start_time"] = json!(timestamp(t));
    }
    if let Some(t) = j.end_time {
        v["end_time"] = json!(timestamp(t));
    }
    if j.state == JobState::Failure {
        v["error"] = json!({ "code": j.code.to_string(), "message": j.message });
    }
    v
}

/// The 202 body: `{"job":{"uuid":…,"_links":{"self":{"href":"/api/cluster/jobs/…"}}}}`.
pub(crate) fn job_link(uuid: &str) -> Value {
    json!({ "job": { "uuid": uuid, "_links": { "self": { "href": format!("/api/cluster/jobs/{uuid}") } } } })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes;

    fn jobs() -> Jobs {
        Jobs::new(|| time::macros::datetime!(2026-11-22 00:00:00 UTC))
    }

    #[tokio::test(start_paused = true)]
    async fn jobs_succeed_and_vanish_300s_after_they_end() {
        let jobs = jobs();
        let id = jobs.spawn("PATCH /api/storage/volumes/x".into(), async {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Ok("success".into())
        });
        assert_eq!(jobs.get(&id).unwrap()["state"], "queued");
        tokio::task::yield_now().await;
        assert_eq!(jobs.get(&id).unwrap()["state"], "running");
        assert_eq!(jobs.wait(&id, Duration::from_secs(5)).await, Some(Ok(())));
        let j = jobs.get(&id).unwrap();
        assert_eq!(j["state"], "success");
        assert_eq!(j["code"], 0);
        assert_eq!(j["description"], "PATCH /api/storage/volumes/x");
        assert_eq!(j["end_time"], "2026-11-22T00:00:00+00:00");
        tokio::time::sleep(Duration::from_secs(299)).await;
        assert!(jobs.get(&id).is_some());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(jobs.get(&id).is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn failures_carry_the_ontap_code_as_integer() {
        let jobs = jobs();
        let id = jobs.spawn("DELETE /api/storage/volumes/x".into(), async {
            Err(ApiError::code(codes::VOLUME_HAS_CLONES))
        });
        let outcome = jobs.wait(&id, Duration::from_secs(1)).await.unwrap();
        assert_eq!(outcome.unwrap_err().code, 524615);
        let j = jobs.get(&id).unwrap();
        assert_eq!(j["state"], "failure");
        assert_eq!(j["code"], 524615);
        assert_eq!(
            j["message"],
            "Failed to delete volume because it has one or more clones."
        );
    }

    #[tokio::test(start_paused = true)]
    async fn wait_gives_up_at_the_timeout() {
        let jobs = jobs();
        let id = jobs.spawn("x".into(), async {
            tokio::time::sleep(Duration::from_secs(60)).await;
            Ok("success".into())
        });
        assert_eq!(jobs.wait(&id, Duration::from_secs(1)).await, None);
    }
}

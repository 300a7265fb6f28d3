//! Asynchronous writes: ONTAP answers 202 with a job (or 200 with a job that ended within
//! `return_timeout`); the job is polled at `/api/cluster/jobs/{uuid}` with a growing interval
//! until it ends or the deadline passes.

use std::time::Duration;

use serde_json::Value;
use tokio::time::Instant;
use vrepl_storage::{Error, ObjectKind, Result};

use super::errors::{to_error, Context};
use super::request::{self, ApiRequest};
use super::transport::{Reply, Transport};
use super::wire::{decode, Job, JobLink, JobLinkBody, JobState};

/// First poll interval; it doubles up to [`MAX_INTERVAL`].
const FIRST_INTERVAL: Duration = Duration::from_millis(100);
/// Longest poll interval.
const MAX_INTERVAL: Duration = Duration::from_secs(2);

/// What became of the job a write started.
#[derive(Debug)]
pub enum Outcome {
    /// The write was synchronous (200/201 without a job).
    NoJob,
    /// The job ended successfully.
    Succeeded,
    /// ONTAP answered 200 within `return_timeout`, so the job ended, but the answer does not say
    /// how; the caller checks the object (or [`wait`]s for the job, one more call).
    Ended(JobLink),
}

/// Sends a write and reads its job link, waiting for the job when it is still running.
pub async fn submit(
    t: &Transport,
    deadline: Duration,
    req: &ApiRequest,
    ctx: &Context,
) -> Result<(Reply, Outcome)> {
    let reply = t.call(req, ctx).await?;
    let has_job = !reply.body.is_empty()
        && serde_json::from_slice::<Value>(&reply.body)
            .map(|v| v.get("job").is_some())
            .unwrap_or(false);
    if !has_job {
        return Ok((reply, Outcome::NoJob));
    }
    let link: JobLinkBody = decode(t.endpoint(), &format!("{req} (job link)"), &reply.body)?;
    let link = link.job;
    let outcome = match (reply.status, link.state) {
        (_, Some(JobState::Success)) => Outcome::Succeeded,
        (_, Some(JobState::Failure)) => {
            let failed = Job {
                uuid: link.uuid.clone(),
                state: JobState::Failure,
                message: link.message.clone(),
                code: link.code.clone(),
                description: None,
                error: None,
            };
            return Err(to_error(&failed.failure(), ctx));
        }
        (200, _) => Outcome::Ended(link),
        _ => {
            wait(t, deadline, &link, ctx).await?;
            Outcome::Succeeded
        }
    };
    Ok((reply, outcome))
}

/// Sends a write and makes sure its job (if any) succeeded.
pub async fn run(
    t: &Transport,
    deadline: Duration,
    req: &ApiRequest,
    ctx: &Context,
) -> Result<Reply> {
    let (reply, outcome) = submit(t, deadline, req, ctx).await?;
    if let Outcome::Ended(link) = outcome {
        wait(t, deadline, &link, ctx).await?;
    }
    Ok(reply)
}

/// Polls a job until it ends; a failed job becomes the table's error for `ctx`.
pub async fn wait(t: &Transport, deadline: Duration, link: &JobLink, ctx: &Context) -> Result<Job> {
    let started = Instant::now();
    let mut interval = FIRST_INTERVAL;
    let job_ctx = Context::object(t.endpoint(), ObjectKind::Job, &link.uuid);
    loop {
        let job: Job = match t.call_json(&request::job(&link.uuid), &job_ctx).await {
            Ok(job) => job,
            Err(Error::NotFound { .. }) => {
                return Err(Error::NotFound {
                    kind: ObjectKind::Job,
                    name: format!(
                        "{} (for {} {}) on {}: ONTAP forgets a job 300 s after it ends, so its outcome is unknown; check the {} itself",
                        link.uuid,
                        ctx.kind,
                        ctx.name,
                        t.endpoint(),
                        ctx.kind
                    ),
                })
            }
            Err(e) => return Err(e),
        };
        match job.state {
            JobState::Success => return Ok(job),
            JobState::Failure => {
                tracing::debug!(job = %job.uuid, description = ?job.description, "ONTAP job failed");
                return Err(to_error(&job.failure(), ctx));
            }
            _ => {}
        }
        if started.elapsed() >= deadline {
            return Err(Error::Timeout {
                what: format!(
                    "job {} ({}) on {} to finish; it is {:?}: {}",
                    job.uuid,
                    job.description.as_deref().unwrap_or("no description"),
                    t.endpoint(),
                    job.state,
                    job.message.as_deref().unwrap_or("")
                ),
                after: deadline,
            });
        }
        tokio::time::sleep(interval.min(deadline.saturating_sub(started.elapsed()))).await;
        interval = (interval * 2).min(MAX_INTERVAL);
    }
}

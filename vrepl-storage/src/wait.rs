//! Waiting for a relationship to settle, on tokio's clock (so tests can pause time).

use std::time::Duration;

use crate::array::MirrorControl;
use crate::error::{Error, Result};
use crate::mirror::{MirrorRelationship, TransferStatus};
use crate::model::VolumePath;

/// How often and how long to poll.
#[derive(Clone, Copy, Debug)]
pub struct Poll {
    /// First interval; doubles up to `max_interval`.
    pub interval: Duration,
    /// Longest interval.
    pub max_interval: Duration,
    /// Give up after this long.
    pub deadline: Duration,
}

impl Default for Poll {
    fn default() -> Self {
        Self {
            interval: Duration::from_millis(50),
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(600),
        }
    }
}

/// Polls the relationship until `done` says yes, calling `on_poll` with each observation.
pub async fn wait_for<M, F, P>(
    mirror: &M,
    destination: &VolumePath,
    poll: Poll,
    what: &str,
    mut done: F,
    mut on_poll: P,
) -> Result<MirrorRelationship>
where
    M: MirrorControl + ?Sized,
    F: FnMut(&MirrorRelationship) -> bool,
    P: FnMut(&MirrorRelationship),
{
    let start = tokio::time::Instant::now();
    let mut interval = poll.interval;
    loop {
        let rel = mirror.relationship(destination).await?;
        on_poll(&rel);
        if done(&rel) {
            return Ok(rel);
        }
        if start.elapsed() >= poll.deadline {
            return Err(Error::Timeout {
                what: format!("{destination} to {what}"),
                after: poll.deadline,
            });
        }
        tokio::time::sleep(interval).await;
        interval = (interval * 2).min(poll.max_interval);
    }
}

/// Waits until no transfer runs on the relationship.
pub async fn wait_idle<M: MirrorControl + ?Sized>(
    mirror: &M,
    destination: &VolumePath,
    poll: Poll,
) -> Result<MirrorRelationship> {
    wait_for(
        mirror,
        destination,
        poll,
        "finish its transfer",
        |r| r.transfer == TransferStatus::Idle,
        |_| {},
    )
    .await
}

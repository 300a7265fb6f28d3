//! Unit tests of the simulator, one file per area; all on tokio's paused clock.

mod clones;
mod content;
mod lab;
mod mirror;
mod persistence;
mod storage;

use std::time::Duration;

use crate::model::{LunName, VolumePath};

pub(super) fn vp(s: &str) -> VolumePath {
    VolumePath::parse(s).unwrap()
}

pub(super) fn lun(s: &str) -> LunName {
    LunName::new(s).unwrap()
}

/// Lets simulated time pass (the clock is paused in these tests).
pub(super) async fn pass(secs: u64) {
    tokio::time::sleep(Duration::from_secs(secs)).await;
}

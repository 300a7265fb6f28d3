//! The DR runbooks: DR test on FlexClones (and its cleanup), planned and unplanned failover,
//! failback from the recovery site, and reprotect. Library code, so DR tools can embed it.
//!
//! A runbook is first a [`plan::Plan`]: stages of typed [`step::Step`]s with their targets and
//! the array and host calls they make, printable as text or JSON before anything runs. A
//! [`Runner`] checks ([`preflight`]), then executes it against an [`Environment`] (one
//! `Arc<dyn Array>` per cluster, one `Arc<dyn EsxHost>` per host), journaling every step
//! ([`journal`]); an interrupted run resumes from its journal without repeating a completed
//! step, and every step re-checks the real state before it acts. Each run ends with a
//! [`report::RunReport`] beside its journal.
//!
//! A planned failover of the lab's PG1 (here without ESX hosts, so only the storage side runs):
//!
//! ```
//! use std::sync::Arc;
//! use vrepl_cli::runbook::{group, plan, Environment, RunOptions, Runner};
//! use vrepl_storage::mirror::MirrorState;
//! use vrepl_storage::model::VolumePath;
//! use vrepl_storage::sim::Fabric;
//! use vrepl_storage::MirrorControl;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fabric = Fabric::lab();
//! let mut pg1 = group::lab_group(&fabric.topology(), "PG1")?;
//! pg1.protected.hosts.clear();
//! pg1.recovery.hosts.clear();
//! let mut env = Environment::new();
//! for array in fabric.arrays() {
//!     env = env.with_array(Arc::new(array));
//! }
//! let runs = tempfile::tempdir()?;
//! let plan = plan::failover_planned(&[pg1])?;
//! println!("{}", plan.to_text());
//! let done = Runner::new(env, RunOptions::new(runs.path())).run(plan).await?;
//! assert_eq!(done.report.outcome, "succeeded");
//! assert_eq!(done.report.lag_at_break[0].lag_secs, Some(0));
//! let sm = VolumePath::parse("fas2050upper:RG1FV1_SM")?;
//! let rel = fabric.array("fas2050")?.relationship(&sm).await?;
//! assert_eq!(rel.state, MirrorState::BrokenOff);
//! # Ok(())
//! # }
//! ```

mod actions;
pub mod env;
pub mod error;
pub mod esx;
pub mod executor;
pub mod group;
pub mod journal;
pub mod lab_hosts;
pub mod plan;
pub mod preflight;
pub mod progress;
pub mod report;
pub mod step;

pub use env::Environment;
pub use error::{RunbookError, RunbookResult};
pub use executor::{
    latest_run, Boundary, CheckpointHook, InterruptHook, RunOptions, RunResult, Runner,
};
pub use group::{EsxMode, ProtectionGroup};
pub use plan::{Plan, RunbookKind};

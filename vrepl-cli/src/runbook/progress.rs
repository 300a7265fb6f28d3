//! How a run talks to the person (or program) running it: progress while it waits on a
//! transfer, and the operator's word that workloads are down.

use std::fmt;

use async_trait::async_trait;
use vrepl_storage::mirror::TransferProgress;
use vrepl_storage::model::VolumePath;

use super::error::{RunbookError, RunbookResult};
use super::journal::StepOutcome;

/// Receives what a run is doing; the CLI turns it into lines and progress bars.
pub trait Progress: Send + Sync {
    /// A step started.
    fn step_started(&self, _id: &str, _title: &str) {}
    /// A step ended.
    fn step_finished(&self, _id: &str, _title: &str, _outcome: &StepOutcome) {}
    /// A transfer the run waits on moved on.
    fn transfer(&self, _relationship: &VolumePath, _progress: &TransferProgress) {}
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct Silent;

impl Progress for Silent {}

/// Decides when the workloads of a site are down (the VMs shut down), before a final update.
#[async_trait]
pub trait Operator: Send + Sync {
    /// Returns once the VMs on `datastores` at `site` are shut down; an error stops the run.
    async fn workloads_stopped(&self, site: &str, datastores: &[String]) -> RunbookResult<()>;
}

/// The operator has already shut the workloads down (`--yes`).
#[derive(Debug, Default, Clone, Copy)]
pub struct AlreadyStopped;

#[async_trait]
impl Operator for AlreadyStopped {
    async fn workloads_stopped(&self, _site: &str, _datastores: &[String]) -> RunbookResult<()> {
        Ok(())
    }
}

/// A configured command that shuts the workloads down (or waits for them); it gets the site in
/// `VREPL_SITE` and the datastores, comma separated, in `VREPL_DATASTORES`. A non-zero exit
/// stops the run.
#[derive(Clone)]
pub struct HookCommand {
    /// The program.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
}

impl fmt::Debug for HookCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookCommand")
            .field("program", &self.program)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl Operator for HookCommand {
    async fn workloads_stopped(&self, site: &str, datastores: &[String]) -> RunbookResult<()> {
        let out = tokio::process::Command::new(&self.program)
            .args(&self.args)
            .env("VREPL_SITE", site)
            .env("VREPL_DATASTORES", datastores.join(","))
            .output()
            .await
            .map_err(|e| RunbookError::Operator(format!("cannot run {}: {e}", self.program)))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(RunbookError::Operator(format!(
                "{} exited with {}: {}",
                self.program,
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_hook_stops_the_run_and_a_passing_one_does_not() {
        let ok = HookCommand {
            program: "sh".into(),
            args: vec!["-c".into(), "test \"$VREPL_SITE\" = 'Site 2'".into()],
        };
        ok.workloads_stopped("Site 2", &["RP1".into()])
            .await
            .unwrap();
        let err = ok.workloads_stopped("Site 1", &[]).await.unwrap_err();
        assert!(err.to_string().contains("exited with"), "{err}");
    }
}

//! How a run talks to the person (or program) running it: progress while it waits on a
//! transfer, and the operator's word that workloads are down.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use async_trait::async_trait;
use vrepl_storage::mirror::TransferProgress;
use vrepl_storage::model::VolumePath;

use super::error::{RunbookError, RunbookResult};
use super::journal::{StepOutcome, StepStatus};

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

/// Prints each step as it starts and ends, and a progress bar per transfer being waited on.
pub struct TerminalProgress {
    multi: indicatif::MultiProgress,
    bars: Mutex<HashMap<String, indicatif::ProgressBar>>,
}

impl fmt::Debug for TerminalProgress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TerminalProgress").finish_non_exhaustive()
    }
}

impl Default for TerminalProgress {
    fn default() -> Self {
        Self {
            multi: indicatif::MultiProgress::new(),
            bars: Mutex::new(HashMap::new()),
        }
    }
}

impl TerminalProgress {
    fn line(&self, text: String) {
        if self.multi.is_hidden() {
            eprintln!("{text}");
        } else {
            let _ = self.multi.println(text);
        }
    }
}

impl Progress for TerminalProgress {
    fn step_started(&self, id: &str, title: &str) {
        self.line(format!("{id:>5} ... {title}"));
    }

    fn step_finished(&self, id: &str, title: &str, outcome: &StepOutcome) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        bars.retain(|rel, bar| {
            let keep = !title.contains(rel.as_str());
            if !keep {
                bar.finish_and_clear();
            }
            keep
        });
        drop(bars);
        let status = match outcome.status {
            StepStatus::Done => "done",
            StepStatus::Already => "already",
            StepStatus::Failed => "FAILED",
        };
        self.line(format!("{id:>5} {status:<7} {}", outcome.detail));
    }

    fn transfer(&self, relationship: &VolumePath, progress: &TransferProgress) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(relationship.to_string()).or_insert_with(|| {
            let bar = self.multi.add(indicatif::ProgressBar::new(
                progress.total_bytes.unwrap_or(0),
            ));
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
            bar.set_message(format!("{} {relationship}", progress.kind));
            bar
        });
        if let Some(total) = progress.total_bytes {
            bar.set_length(total);
        }
        bar.set_position(progress.bytes_transferred);
    }
}

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

    #[test]
    fn a_transfer_bar_lasts_until_the_step_waiting_on_it_ends() {
        use vrepl_storage::mirror::TransferKind;
        let p = TerminalProgress::default();
        let sm = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();
        let tp = TransferProgress {
            kind: TransferKind::Update,
            bytes_transferred: 5,
            total_bytes: Some(10),
        };
        p.transfer(&sm, &tp);
        p.transfer(
            &sm,
            &TransferProgress {
                bytes_transferred: 7,
                ..tp
            },
        );
        let bar_position = |p: &TerminalProgress| {
            p.bars
                .lock()
                .unwrap()
                .get(&sm.to_string())
                .map(|b| b.position())
        };
        assert_eq!(bar_position(&p), Some(7));
        p.step_finished(
            "3.2",
            "update fas2050upper:RG1FV2_SM",
            &StepOutcome::done("x"),
        );
        assert_eq!(bar_position(&p), Some(7), "another relationship's step");
        p.step_finished(
            "3.1",
            "update fas2050upper:RG1FV1_SM and wait",
            &StepOutcome::done("x"),
        );
        assert_eq!(bar_position(&p), None);
    }

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

//! The report at the end of every run: what was done where, how long each step and the whole
//! run took, the lag at the moment of break, and warnings. Text and JSON, beside the journal.

use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::error::{RunbookError, RunbookResult};
use super::journal::{Replay, StepStatus};
use super::plan::RunbookKind;
use super::preflight::{CheckOutcome, CheckStatus};
use super::step::Step;

/// One step in the report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    /// `3.2`.
    pub id: String,
    /// What it does.
    pub title: String,
    /// The cluster or host.
    pub target: String,
    /// How it ended; `None` if it did not run (or did not finish).
    pub status: Option<StepStatus>,
    /// How long it took.
    pub millis: Option<u64>,
    /// What happened.
    pub detail: Option<String>,
}

/// A relationship's lag when it was broken: the data at risk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LagAtBreak {
    /// The relationship's destination (the volume made writable).
    pub relationship: String,
    /// Seconds of writes the destination did not have.
    pub lag_secs: Option<u64>,
}

/// A run's report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunReport {
    /// The run id.
    pub run: String,
    /// Which runbook.
    pub runbook: RunbookKind,
    /// The groups.
    pub groups: Vec<String>,
    /// `succeeded`, `failed` or `interrupted`.
    pub outcome: String,
    /// Why it did not succeed.
    pub error: Option<String>,
    /// When it started.
    #[serde(with = "time::serde::rfc3339")]
    pub started: OffsetDateTime,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339")]
    pub finished: OffsetDateTime,
    /// Wall time from start to end (across resumes).
    pub total_millis: u64,
    /// Time spent in steps.
    pub step_millis: u64,
    /// Pre-flight checks of the last start or resume.
    pub checks: Vec<CheckOutcome>,
    /// Every step of the plan.
    pub steps: Vec<StepReport>,
    /// Lag at each break.
    pub lag_at_break: Vec<LagAtBreak>,
    /// What the operator should look at.
    pub warnings: Vec<String>,
}

impl RunReport {
    /// Builds the report from the journal.
    pub fn from_replay(
        replay: &Replay,
        outcome: &str,
        error: Option<String>,
        checks: Vec<CheckOutcome>,
    ) -> Self {
        let finished = OffsetDateTime::now_utc();
        let mut steps = Vec::new();
        let mut lag_at_break = Vec::new();
        let mut warnings: Vec<String> = checks
            .iter()
            .filter(|c| c.status == CheckStatus::Skipped)
            .map(|c| {
                format!(
                    "check {} on {} was skipped: {}",
                    c.check, c.target, c.detail
                )
            })
            .collect();
        for ps in replay.plan.steps() {
            let ended = replay.ended.get(&ps.id);
            if let (Step::BreakMirror { destination, .. }, Some((o, _))) = (&ps.step, ended) {
                if o.status != StepStatus::Failed {
                    lag_at_break.push(LagAtBreak {
                        relationship: destination.to_string(),
                        lag_secs: o.facts.lag_secs,
                    });
                }
            }
            if let Some((o, _)) = ended {
                warnings.extend(o.facts.warnings.iter().cloned());
            }
            steps.push(StepReport {
                id: ps.id.clone(),
                title: ps.step.title(),
                target: ps.step.target(),
                status: ended.map(|(o, _)| o.status),
                millis: ended.map(|(_, ms)| *ms),
                detail: ended.map(|(o, _)| o.detail.clone()),
            });
        }
        Self {
            run: replay.run.clone(),
            runbook: replay.plan.runbook,
            groups: replay.plan.groups.iter().map(|g| g.name.clone()).collect(),
            outcome: outcome.to_string(),
            error,
            started: replay.started,
            finished,
            total_millis: u64::try_from((finished - replay.started).whole_milliseconds().max(0))
                .unwrap_or(0),
            step_millis: steps.iter().filter_map(|s| s.millis).sum(),
            checks,
            steps,
            lag_at_break,
            warnings,
        }
    }

    /// The report as text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "Run {}: {} of {}: {}",
            self.run,
            self.runbook.slug(),
            self.groups.join(", "),
            self.outcome.to_uppercase()
        );
        if let Some(e) = &self.error {
            let _ = writeln!(s, "  error: {e}");
        }
        let _ = writeln!(
            s,
            "  took {:.3}s ({:.3}s in steps)",
            self.total_millis as f64 / 1000.0,
            self.step_millis as f64 / 1000.0
        );
        for st in &self.steps {
            let status = match st.status {
                Some(StepStatus::Done) => "done",
                Some(StepStatus::Already) => "already",
                Some(StepStatus::Failed) => "FAILED",
                None => "not run",
            };
            let ms = st
                .millis
                .map(|m| format!("{m:>6} ms"))
                .unwrap_or_else(|| "       -".into());
            let _ = writeln!(
                s,
                "  {:<5} {status:<8} {ms}  {} [{}]",
                st.id, st.title, st.target
            );
            if let Some(d) = &st.detail {
                let _ = writeln!(s, "                          {d}");
            }
        }
        for l in &self.lag_at_break {
            let lag = l
                .lag_secs
                .map(|s| format!("{s}s"))
                .unwrap_or_else(|| "unknown".into());
            let _ = writeln!(s, "  lag at break: {} {lag}", l.relationship);
        }
        for w in &self.warnings {
            let _ = writeln!(s, "  warning: {w}");
        }
        s
    }

    /// Writes `report.json` and `report.txt` into the run directory.
    pub async fn save(&self, run_dir: &Path) -> RunbookResult<()> {
        let err = |e: &dyn std::fmt::Display| RunbookError::Journal {
            path: run_dir.display().to_string(),
            message: e.to_string(),
        };
        let json = serde_json::to_vec_pretty(self).map_err(|e| err(&e))?;
        tokio::fs::write(run_dir.join("report.json"), json)
            .await
            .map_err(|e| err(&e))?;
        tokio::fs::write(run_dir.join("report.txt"), self.to_text())
            .await
            .map_err(|e| err(&e))
    }
}

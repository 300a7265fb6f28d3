//! Runs a plan: pre-flight checks, then stage after stage, journaling each step's start and end,
//! with the steps of a concurrent stage side by side (bounded). `resume` continues a run from
//! its journal, skipping every step that completed.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use futures::stream::{self, StreamExt};
use time::OffsetDateTime;
use vrepl_storage::wait::Poll;

use super::actions::{execute, StepContext};
use super::env::Environment;
use super::error::{RunbookError, RunbookResult};
use super::journal::{replay, Entry, Journal, Replay, StepOutcome, StepStatus};
use super::plan::{self, Plan, PlannedStep};
use super::preflight::{self, CheckOutcome};
use super::progress::{AlreadyStopped, Operator, Progress, Silent};
use super::report::RunReport;

/// How a run behaves.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Where run directories (journal and report) are kept.
    pub runs_dir: PathBuf,
    /// How many independent steps may run at once.
    pub concurrency: usize,
    /// Pre-flight checks to skip, by id.
    pub skip_checks: Vec<String>,
    /// Relationships (by destination or source path, or volume name) whose unreplicated writes
    /// the operator accepts to lose when they are reversed.
    pub accept_loss: Vec<String>,
    /// How to poll a transfer.
    pub poll: Poll,
}

impl RunOptions {
    /// Defaults, keeping runs in `runs_dir`.
    pub fn new(runs_dir: impl Into<PathBuf>) -> Self {
        Self {
            runs_dir: runs_dir.into(),
            concurrency: 4,
            skip_checks: Vec::new(),
            accept_loss: Vec::new(),
            poll: Poll::default(),
        }
    }
}

/// Where a run may be interrupted by an [`InterruptHook`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Boundary {
    /// Before the step starts.
    BeforeStep,
    /// After the step acted, before its end is journaled (a crash at the worst moment).
    AfterAction,
}

/// Called at every step boundary; `true` stops the run there, as a crash or Ctrl-C would.
pub type InterruptHook = Arc<dyn Fn(&str, Boundary) -> bool + Send + Sync>;

/// Called after every step acted and before its end is journaled: a simulated world persists
/// itself here, as a real array's state persists on its own.
pub type CheckpointHook = Arc<dyn Fn() -> RunbookResult<()> + Send + Sync>;

/// Runs plans against an environment.
#[derive(Clone)]
pub struct Runner {
    env: Environment,
    options: RunOptions,
    progress: Arc<dyn Progress>,
    operator: Arc<dyn Operator>,
    interrupt: Option<InterruptHook>,
    checkpoint: Option<CheckpointHook>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("env", &self.env)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A finished (or stopped) run: where it is kept and its report.
#[derive(Clone, Debug)]
pub struct RunResult {
    /// The run directory (journal.jsonl, report.json, report.txt).
    pub dir: PathBuf,
    /// The report.
    pub report: RunReport,
}

impl Runner {
    /// A runner; the operator is taken to have stopped workloads already unless set otherwise.
    pub fn new(env: Environment, options: RunOptions) -> Self {
        Self {
            env,
            options,
            progress: Arc::new(Silent),
            operator: Arc::new(AlreadyStopped),
            interrupt: None,
            checkpoint: None,
        }
    }

    /// Reports progress to `progress`.
    pub fn with_progress(mut self, progress: Arc<dyn Progress>) -> Self {
        self.progress = progress;
        self
    }

    /// Asks `operator` before final updates.
    pub fn with_operator(mut self, operator: Arc<dyn Operator>) -> Self {
        self.operator = operator;
        self
    }

    /// Stops the run where `hook` says.
    pub fn with_interrupt(mut self, hook: InterruptHook) -> Self {
        self.interrupt = Some(hook);
        self
    }

    /// Calls `hook` after every step's action, before its end reaches the journal.
    pub fn with_checkpoint(mut self, hook: CheckpointHook) -> Self {
        self.checkpoint = Some(hook);
        self
    }

    /// The options.
    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// The environment.
    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// The pre-flight checks of a plan, without running it.
    pub async fn preflight(&self, plan: &Plan) -> Vec<CheckOutcome> {
        preflight::run(
            plan,
            &self.env,
            &self.options.skip_checks,
            &self.options.accept_loss,
        )
        .await
    }

    /// Checks, then runs a plan in a new run directory. On a failed check nothing is changed
    /// and no run directory is made. On a failed or interrupted step the report is still
    /// written; the error says how to go on.
    pub async fn run(&self, plan: Plan) -> RunbookResult<RunResult> {
        let checks = self.preflight(&plan).await;
        let failed = preflight::failures(&checks);
        if !failed.is_empty() {
            return Err(RunbookError::Preflight(failed));
        }
        let started = OffsetDateTime::now_utc();
        let run = run_id(&plan, started);
        let dir = self.options.runs_dir.join(&run);
        let journal = Journal::open(&dir).await?;
        journal
            .append(&Entry::Plan {
                run: run.clone(),
                at: started,
                plan: Box::new(plan),
            })
            .await?;
        self.drive(&dir, &journal, checks).await
    }

    /// Continues an interrupted or failed run from its journal: completed steps are skipped,
    /// the others re-check the real state before they act.
    pub async fn resume(&self, dir: &Path) -> RunbookResult<RunResult> {
        let before = replay(dir).await?;
        if before.finished.as_deref() == Some("succeeded") {
            return Err(RunbookError::Refused(format!(
                "run {} has already succeeded",
                before.run
            )));
        }
        let journal = Journal::open(dir).await?;
        journal
            .append(&Entry::Resumed {
                at: OffsetDateTime::now_utc(),
            })
            .await?;
        self.drive(dir, &journal, Vec::new()).await
    }

    /// Cleans up after the DR test run kept in `test_dir`.
    pub async fn cleanup_test(&self, test_dir: &Path) -> RunbookResult<RunResult> {
        let test = replay(test_dir).await?;
        self.run(plan::test_cleanup(&test)?).await
    }

    async fn drive(
        &self,
        dir: &Path,
        journal: &Journal,
        checks: Vec<CheckOutcome>,
    ) -> RunbookResult<RunResult> {
        let state = replay(dir).await?;
        let result = self.stages(&state, journal).await;
        let (outcome, error) = match &result {
            Ok(()) => ("succeeded", None),
            Err(e @ RunbookError::Interrupted { .. }) => ("interrupted", Some(e.to_string())),
            Err(e) => ("failed", Some(e.to_string())),
        };
        // An interruption stands for a crash: nothing more reaches the journal.
        if !matches!(result, Err(RunbookError::Interrupted { .. })) {
            journal
                .append(&Entry::Finished {
                    at: OffsetDateTime::now_utc(),
                    outcome: outcome.into(),
                })
                .await?;
        }
        let after = replay(dir).await?;
        let report = RunReport::from_replay(&after, outcome, error, checks);
        report.save(dir).await?;
        result.map(|()| RunResult {
            dir: dir.to_path_buf(),
            report,
        })
    }

    async fn stages(&self, state: &Replay, journal: &Journal) -> RunbookResult<()> {
        let mut earlier: BTreeMap<String, StepOutcome> = state
            .ended
            .iter()
            .filter(|(_, (o, _))| o.status != StepStatus::Failed)
            .map(|(id, (o, _))| (id.clone(), o.clone()))
            .collect();
        let stop = AtomicBool::new(false);
        for stage in &state.plan.stages {
            let pending: Vec<&PlannedStep> = stage
                .steps
                .iter()
                .filter(|s| !state.completed(&s.id))
                .collect();
            let bound = if stage.concurrent {
                self.options.concurrency.max(1)
            } else {
                1
            };
            let known = earlier.clone();
            let results: Vec<(String, RunbookResult<Option<StepOutcome>>)> = stream::iter(pending)
                .map(|ps| {
                    let (known, stop, run) = (&known, &stop, &state.run);
                    async move {
                        (
                            ps.id.clone(),
                            self.step(ps, journal, known, stop, run).await,
                        )
                    }
                })
                .buffer_unordered(bound)
                .collect()
                .await;
            let mut first_error = None;
            for (id, r) in results {
                match r {
                    Ok(Some(o)) => {
                        earlier.insert(id, o);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        let interrupted = matches!(e, RunbookError::Interrupted { .. });
                        if first_error.is_none() || interrupted {
                            first_error = Some(e);
                        }
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        Ok(())
    }

    /// Runs one step; `Ok(None)` when the run stopped before it could start.
    async fn step(
        &self,
        ps: &PlannedStep,
        journal: &Journal,
        earlier: &BTreeMap<String, StepOutcome>,
        stop: &AtomicBool,
        run: &str,
    ) -> RunbookResult<Option<StepOutcome>> {
        let interrupted = |b| self.interrupt.as_ref().is_some_and(|h| h(&ps.id, b));
        if stop.load(Ordering::SeqCst) {
            return Ok(None);
        }
        if interrupted(Boundary::BeforeStep) {
            stop.store(true, Ordering::SeqCst);
            return Err(RunbookError::Interrupted {
                run: run.into(),
                step: ps.id.clone(),
            });
        }
        let title = ps.step.title();
        journal
            .append(&Entry::Start {
                step: ps.id.clone(),
                at: OffsetDateTime::now_utc(),
            })
            .await?;
        self.progress.step_started(&ps.id, &title);
        let clock = tokio::time::Instant::now();
        let ctx = StepContext {
            env: &self.env,
            options: &self.options,
            progress: self.progress.as_ref(),
            operator: self.operator.as_ref(),
            earlier,
        };
        let mut result = execute(&ps.step, &ctx).await;
        if let Some(save) = &self.checkpoint {
            if let Err(e) = save() {
                result = result.and(Err(e));
            }
        }
        let millis = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        if result.is_ok() && interrupted(Boundary::AfterAction) {
            stop.store(true, Ordering::SeqCst);
            return Err(RunbookError::Interrupted {
                run: run.into(),
                step: ps.id.clone(),
            });
        }
        let outcome = match &result {
            Ok(o) => o.clone(),
            Err(e) => {
                stop.store(true, Ordering::SeqCst);
                StepOutcome {
                    status: StepStatus::Failed,
                    detail: e.to_string(),
                    facts: Default::default(),
                }
            }
        };
        journal
            .append(&Entry::End {
                step: ps.id.clone(),
                at: OffsetDateTime::now_utc(),
                millis,
                outcome: outcome.clone(),
            })
            .await?;
        self.progress.step_finished(&ps.id, &title, &outcome);
        result.map(Some)
    }
}

fn run_id(plan: &Plan, at: OffsetDateTime) -> String {
    let groups: Vec<&str> = plan.groups.iter().map(|g| g.name.as_str()).collect();
    let short = uuid::Uuid::new_v4().simple().to_string();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}-{}-{}-{}",
        at.year(),
        u8::from(at.month()),
        at.day(),
        at.hour(),
        at.minute(),
        at.second(),
        plan.runbook.slug(),
        groups.join("+"),
        &short[..6]
    )
}

/// The newest run directory in `runs_dir` of a runbook for a group, such as the DR test
/// start a cleanup undoes. Runs are told apart by the plan in their journal's first line.
pub async fn latest_run(
    runs_dir: &Path,
    runbook: plan::RunbookKind,
    group: &str,
) -> RunbookResult<PathBuf> {
    let err = |e: &dyn fmt::Display| RunbookError::Journal {
        path: runs_dir.display().to_string(),
        message: e.to_string(),
    };
    let mut rd = tokio::fs::read_dir(runs_dir).await.map_err(|e| err(&e))?;
    let mut found: Vec<(OffsetDateTime, PathBuf)> = Vec::new();
    while let Some(entry) = rd.next_entry().await.map_err(|e| err(&e))? {
        let dir = entry.path();
        let Ok(text) = tokio::fs::read_to_string(Journal::file_in(&dir)).await else {
            continue;
        };
        let Some(Ok(Entry::Plan { at, plan, .. })) =
            text.lines().next().map(serde_json::from_str::<Entry>)
        else {
            continue;
        };
        if plan.runbook == runbook && plan.groups.iter().any(|g| g.name == group) {
            found.push((at, dir));
        }
    }
    found.sort();
    found.pop().map(|(_, d)| d).ok_or_else(|| {
        RunbookError::Refused(format!(
            "no {} run of {group} in {}",
            runbook.slug(),
            runs_dir.display()
        ))
    })
}

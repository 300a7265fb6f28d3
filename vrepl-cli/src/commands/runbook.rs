//! The runbook verbs: `test start|cleanup`, `failover [--planned]`, `failback`, `reprotect` and
//! `resume-run`, each with `--dry-run` and `--output json`. The runbooks themselves are library
//! code in [`crate::runbook`]; this module only builds their environment (the session's arrays,
//! the lab's ESXi emulators or the configured hosts), asks the operator, and prints.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_trait::async_trait;
use clap::{Args, Subcommand};

use super::Ctx;
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::lab::LabDir;
use crate::runbook::lab_hosts::LabHosts;
use crate::runbook::progress::{
    AlreadyStopped, HookCommand, Operator, Progress, Silent, TerminalProgress,
};
use crate::runbook::{
    group, journal, latest_run, plan, Boundary, Environment, Plan, ProtectionGroup, RunOptions,
    RunbookError, RunbookKind, RunbookResult, Runner,
};
use crate::session::Session;

/// The runbook verbs (flattened into snapctl's verbs).
#[derive(Debug, Subcommand)]
pub enum RunbookCommand {
    /// DR test on FlexClones of the destinations, while replication keeps running
    #[command(subcommand)]
    Test(TestCommand),
    /// Fail protection groups over to the recovery site
    Failover(FailoverArgs),
    /// Fail back from the recovery site: carry its writes home, protect the original site again
    Failback(FailbackArgs),
    /// After a failover, replicate the recovery site back to the original site
    Reprotect(RunbookArgs),
    /// Continue an interrupted or failed runbook run from its journal
    ResumeRun(ResumeArgs),
}

/// `test start` and `test cleanup`.
#[derive(Debug, Subcommand)]
pub enum TestCommand {
    /// Clone, present and mount the groups' datastores at the recovery site
    Start(RunbookArgs),
    /// Unmount, unmap and destroy what the group's last DR test made, and nothing else
    Cleanup(CleanupArgs),
}

/// What every runbook verb takes.
#[derive(Debug, Clone, Args)]
pub struct RunbookArgs {
    /// Protection groups (PG1 PG2 …)
    #[arg(required = true, value_name = "GROUP")]
    pub groups: Vec<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// How to run.
#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Print the plan (steps, targets, every array and host call and their count); change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Skip a failed pre-flight check, by id (repeatable)
    #[arg(long = "skip-check", value_name = "CHECK")]
    pub skip_checks: Vec<String>,
    /// Accept losing the unreplicated writes of this relationship when it is reversed (repeatable)
    #[arg(long = "accept-loss", value_name = "RELATIONSHIP")]
    pub accept_loss: Vec<String>,
    /// How many independent relationships to work on at once
    #[arg(long, default_value_t = 4, value_name = "N")]
    pub concurrency: usize,
    /// A command that shuts the workloads down (or waits for them) before a final update; it
    /// gets VREPL_SITE and VREPL_DATASTORES
    #[arg(long, value_name = "COMMAND")]
    pub hook: Option<String>,
    /// The workloads are already shut down: do not ask
    #[arg(long)]
    pub yes: bool,
    /// How long a step may wait for one transfer before the run stops (resume-run goes on)
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub transfer_timeout: u64,
}

/// `failover`.
#[derive(Debug, Args)]
pub struct FailoverArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    /// The protected site is up: stop its workloads, final update, then break (lag zero)
    #[arg(long)]
    pub planned: bool,
}

/// `failback`.
#[derive(Debug, Args)]
pub struct FailbackArgs {
    #[command(flatten)]
    pub runbook: RunbookArgs,
    /// Unmount and unmap the original site's copies first, instead of refusing while presented
    #[arg(long)]
    pub force: bool,
}

/// `test cleanup`.
#[derive(Debug, Args)]
pub struct CleanupArgs {
    /// The protection group whose last DR test to clean up
    #[arg(value_name = "GROUP")]
    pub group: String,
    /// A specific DR test run (id or directory) instead of the group's last
    #[arg(long, value_name = "RUN")]
    pub of_run: Option<String>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// `resume-run`.
#[derive(Debug, Args)]
pub struct ResumeArgs {
    /// The run id (as printed) or its directory
    #[arg(value_name = "RUN")]
    pub run_id: String,
    #[command(flatten)]
    pub run: RunArgs,
}

/// Where runs are kept: `<lab>/runs` in the lab, else `$SNAPCTL_RUNS_DIR` or the data directory.
fn runs_dir(session: &Session) -> CliResult<PathBuf> {
    if let Some(dir) = std::env::var_os("SNAPCTL_RUNS_DIR") {
        return Ok(dir.into());
    }
    if session.config.is_none() {
        return Ok(LabDir::locate()?.root.join("runs"));
    }
    dirs::data_dir()
        .map(|d| d.join("snapctl").join("runs"))
        .ok_or_else(|| {
            CliError::usage("no data directory for the runs' journals")
                .with_hint("set SNAPCTL_RUNS_DIR")
        })
}

fn to_cli(e: RunbookError) -> CliError {
    match e {
        RunbookError::Storage(e) => CliError::from(e),
        RunbookError::Config(m) => CliError::usage(m),
        RunbookError::Preflight(failed) => CliError::new(
            ErrorKind::Failure,
            "pre-flight checks failed; nothing was changed",
        )
        .with_details(
            failed
                .iter()
                .map(|c| {
                    format!(
                        "{} {}: {}{}",
                        c.check,
                        c.target,
                        c.detail,
                        c.fix
                            .as_deref()
                            .map(|f| format!(" -> fix: {f}"))
                            .unwrap_or_default()
                    )
                })
                .collect(),
        )
        .with_hint("fix them, or skip one with --skip-check CHECK"),
        e @ RunbookError::UnacknowledgedLoss { .. } => {
            CliError::new(ErrorKind::WouldLoseData, e.to_string())
        }
        e @ RunbookError::Refused(_) => CliError::new(ErrorKind::IllegalState, e.to_string()),
        e => CliError::new(ErrorKind::Failure, e.to_string()),
    }
}

/// Asks on the terminal, unless a hook or `--yes` answers.
struct Prompt;

#[async_trait]
impl Operator for Prompt {
    async fn workloads_stopped(&self, site: &str, datastores: &[String]) -> RunbookResult<()> {
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(RunbookError::Operator(format!(
                "the VMs on {} at {site} must be shut down first; pass --yes once they are, or --hook COMMAND",
                datastores.join(", ")
            )));
        }
        let question = format!(
            "Shut down the VMs on {} at {site}, then press Enter (Ctrl-C stops here) ",
            datastores.join(", ")
        );
        tokio::task::spawn_blocking(move || {
            eprint!("{question}");
            let mut line = String::new();
            std::io::stdin().read_line(&mut line).map(|_| ())
        })
        .await
        .map_err(|e| RunbookError::Operator(e.to_string()))?
        .map_err(|e| RunbookError::Operator(e.to_string()))
    }
}

fn groups_by_name(all: &[ProtectionGroup], names: &[String]) -> CliResult<Vec<ProtectionGroup>> {
    names
        .iter()
        .map(|n| {
            all.iter().find(|g| &g.name == n).cloned().ok_or_else(|| {
                let known: Vec<&str> = all.iter().map(|g| g.name.as_str()).collect();
                CliError::not_found(format!("no protection group {n}"))
                    .with_hint(format!("known: {}", known.join(", ")))
            })
        })
        .collect()
}

/// The lab persists its world after every step, as real arrays and hosts keep their state: a
/// killed snapctl then leaves the lab where the journal says it is.
struct LabPersistence {
    fabric: vrepl_storage::sim::Fabric,
    hosts: LabHosts,
    dir: LabDir,
    lock: std::sync::Mutex<()>,
}

impl LabPersistence {
    fn save(&self) -> RunbookResult<()> {
        let _one_at_a_time = self.lock.lock().unwrap_or_else(|p| p.into_inner());
        crate::lab::save(&self.dir, &self.fabric).map_err(|e| RunbookError::Journal {
            path: self.dir.root.display().to_string(),
            message: e.message,
        })?;
        let hosts = serde_json::to_string(&self.hosts.save()).unwrap_or_default();
        std::fs::write(self.dir.root.join("hosts.json"), hosts).map_err(|e| RunbookError::Journal {
            path: self.dir.root.display().to_string(),
            message: e.to_string(),
        })
    }
}

/// Runs a runbook verb in an open session.
pub async fn run(ctx: &Ctx, session: &Session, command: &RunbookCommand) -> CliResult<()> {
    let runs = runs_dir(session)?;
    let mut env = Environment::new();
    for c in &ctx.backend.clusters {
        env = env.with_array(Arc::clone(&c.array));
    }
    let (all_groups, lab) = match session.lab_fabric() {
        Some(fabric) => {
            let dir = LabDir::locate()?;
            let saved = std::fs::read_to_string(dir.root.join("hosts.json"))
                .ok()
                .and_then(|t| serde_json::from_str(&t).ok());
            let hosts = LabHosts::start(fabric, saved.as_ref(), &dir.root)
                .await
                .map_err(to_cli)?;
            env = hosts.add_to(env);
            let lab = Arc::new(LabPersistence {
                fabric: fabric.clone(),
                hosts,
                dir,
                lock: std::sync::Mutex::new(()),
            });
            (
                group::lab_groups(&fabric.topology()).map_err(to_cli)?,
                Some(lab),
            )
        }
        None => match session.config.as_ref() {
            Some(cfg) => {
                for h in &cfg.esx_hosts {
                    env = env.with_host(h.name.clone(), h.connect().map_err(to_cli)?);
                }
                (cfg.protection_groups.clone(), None)
            }
            None => {
                return Err(CliError::usage(
                    "the lab is being served by snapctl lab serve, in another process",
                )
                .with_hint("stop lab serve to run runbooks on the embedded lab"))
            }
        },
    };
    let result = execute(ctx, env, &runs, &all_groups, command, lab.clone()).await;
    if let Some(lab) = lab {
        lab.save().map_err(to_cli)?;
    }
    result
}

async fn execute(
    ctx: &Ctx,
    env: Environment,
    runs: &Path,
    all: &[ProtectionGroup],
    command: &RunbookCommand,
    lab: Option<Arc<LabPersistence>>,
) -> CliResult<()> {
    let (plan, args): (Option<Plan>, &RunArgs) = match command {
        RunbookCommand::Test(TestCommand::Start(a)) => (
            Some(plan::test_start(&groups_by_name(all, &a.groups)?).map_err(to_cli)?),
            &a.run,
        ),
        RunbookCommand::Test(TestCommand::Cleanup(a)) => {
            let dir = match &a.of_run {
                Some(r) => run_dir(runs, r),
                None => latest_run(runs, RunbookKind::TestStart, &a.group)
                    .await
                    .map_err(to_cli)?,
            };
            let test = journal::replay(&dir).await.map_err(to_cli)?;
            (Some(plan::test_cleanup(&test).map_err(to_cli)?), &a.run)
        }
        RunbookCommand::Failover(a) => {
            let groups = groups_by_name(all, &a.runbook.groups)?;
            let p = if a.planned {
                plan::failover_planned(&groups)
            } else {
                plan::failover_unplanned(&groups)
            };
            (Some(p.map_err(to_cli)?), &a.runbook.run)
        }
        RunbookCommand::Failback(a) => (
            Some(
                plan::failback(&groups_by_name(all, &a.runbook.groups)?, a.force)
                    .map_err(to_cli)?,
            ),
            &a.runbook.run,
        ),
        RunbookCommand::Reprotect(a) => (
            Some(plan::reprotect(&groups_by_name(all, &a.groups)?).map_err(to_cli)?),
            &a.run,
        ),
        RunbookCommand::ResumeRun(a) => (None, &a.run),
    };
    let runner = runner(ctx, env, runs, args, lab);
    if args.dry_run {
        let plan = match (&plan, command) {
            (Some(p), _) => p.clone(),
            (None, RunbookCommand::ResumeRun(a)) => {
                journal::replay(&run_dir(runs, &a.run_id))
                    .await
                    .map_err(to_cli)?
                    .plan
            }
            (None, _) => unreachable!("every other verb has a plan"),
        };
        let checks = runner.preflight(&plan).await;
        let mut json = plan.to_json();
        json["dry_run"] = true.into();
        json["checks"] = serde_json::to_value(&checks).unwrap_or_default();
        ctx.printer.emit(&json, |_| {
            let mut s = format!("dry run: nothing was changed.\n{}", plan.to_text());
            for c in &checks {
                s.push_str(&format!(
                    "check {:?} {} {}: {}\n",
                    c.status, c.check, c.target, c.detail
                ));
            }
            s
        });
        return Ok(());
    }
    let result = match (plan, command) {
        (Some(p), _) => {
            let kind = p.runbook;
            let group = p.groups.first().map(|g| g.name.clone()).unwrap_or_default();
            runner.run(p).await.map_err(|e| (e, Some((kind, group))))
        }
        (None, RunbookCommand::ResumeRun(a)) => runner
            .resume(&run_dir(runs, &a.run_id))
            .await
            .map_err(|e| (e, None)),
        (None, _) => unreachable!("every other verb has a plan"),
    };
    match result {
        Ok(done) => {
            ctx.printer.emit(&done.report, |_| {
                format!(
                    "{}  journal and report: {}",
                    done.report.to_text(),
                    done.dir.display()
                )
            });
            Ok(())
        }
        Err((e, started)) => {
            let mut err = to_cli(e);
            let dir = match started {
                Some((kind, group)) => latest_run(runs, kind, &group).await.ok(),
                None => None,
            };
            if let Some(dir) = dir.filter(|d| d.join("report.txt").exists()) {
                if !ctx.printer.is_json() {
                    if let Ok(text) = std::fs::read_to_string(dir.join("report.txt")) {
                        eprintln!("{text}");
                    }
                }
                let id = dir
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                err = err.with_hint(format!(
                    "the journal is in {}; snapctl resume-run {id} continues from where it stopped",
                    dir.display()
                ));
            }
            Err(err)
        }
    }
}

fn run_dir(runs: &Path, run: &str) -> PathBuf {
    let p = Path::new(run);
    if p.is_dir() {
        p.to_path_buf()
    } else {
        runs.join(run)
    }
}

fn runner(
    ctx: &Ctx,
    env: Environment,
    runs: &Path,
    args: &RunArgs,
    lab: Option<Arc<LabPersistence>>,
) -> Runner {
    let mut options = RunOptions::new(runs);
    options.concurrency = args.concurrency;
    options.skip_checks = args.skip_checks.clone();
    options.accept_loss = args.accept_loss.clone();
    options.poll.deadline = std::time::Duration::from_secs(args.transfer_timeout);
    let operator: Arc<dyn Operator> = match (&args.hook, args.yes) {
        (Some(cmd), _) => Arc::new(HookCommand {
            program: "sh".into(),
            args: vec!["-c".into(), cmd.clone()],
        }),
        (None, true) => Arc::new(AlreadyStopped),
        (None, false) => Arc::new(Prompt),
    };
    let progress: Arc<dyn Progress> = if ctx.printer.shows_progress() && !ctx.printer.is_json() {
        Arc::new(TerminalProgress::default())
    } else {
        Arc::new(Silent)
    };
    // Ctrl-C stops the run before its next step, as a crash would; resume-run continues it.
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::SeqCst);
        }
    });
    // Lab only: SNAPCTL_LAB_CRASH_AT=STEP kills the process right after that step acted, before
    // its end is journaled, to rehearse a crash at the worst moment.
    let crash_at = lab
        .as_ref()
        .and_then(|_| std::env::var("SNAPCTL_LAB_CRASH_AT").ok());
    let mut runner = Runner::new(env, options)
        .with_operator(operator)
        .with_progress(progress)
        .with_interrupt(Arc::new(move |id, b| {
            if b == Boundary::AfterAction && crash_at.as_deref() == Some(id) {
                eprintln!("SNAPCTL_LAB_CRASH_AT: crashing after step {id}");
                std::process::abort();
            }
            b == Boundary::BeforeStep && stop.load(Ordering::SeqCst)
        }));
    if let Some(lab) = lab {
        runner = runner.with_checkpoint(Arc::new(move || lab.save()));
    }
    runner
}

//! `snapctl`, the storage admin's command line for SnapMirror disaster recovery of VMware on
//! NetApp, as a library so that runbooks and tests can call in.
//!
//! - [`cli`]: the command line (clap derive); [`run`] executes a parsed [`cli::Cli`].
//! - [`session`]: the clusters a run works on: the configuration's arrays, or the embedded
//!   [`lab`] served by the ONTAP REST simulator on loopback.
//! - [`resolve`]: from `RG1FV1_SM` to the relationship on its cluster.
//! - [`checks`]: pre-flight checks as code, for `snapctl check` and runbooks.
//! - [`output`] and [`views`]: tables for people, documented JSON for scripts.
//! - [`exit`]: exit codes, and the mapping from [`vrepl_storage::Error`].
//!
//! ```
//! use clap::Parser;
//! let cli = vrepl_cli::cli::Cli::try_parse_from(["snapctl", "break", "RG1FV1_SM", "--dry-run"]).unwrap();
//! assert!(matches!(cli.command, vrepl_cli::cli::Command::Break(_)));
//! ```

pub mod backend;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connect;
pub mod exit;
pub mod lab;
pub mod output;
pub mod resolve;
pub mod runbook;
pub mod session;
pub mod views;

use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use crate::cli::{Cli, Command, ConfigCommand, GlobalArgs};
use crate::commands::Ctx;
use crate::exit::CliResult;
use crate::output::Printer;
use crate::session::Session;

/// The `snapctl` binary: parse, run, render the error, exit with its code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() {
                exit::USAGE
            } else {
                exit::OK
            });
        }
    };
    init_tracing(&cli.global);
    let printer = Printer::new(&cli.global);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(run(cli, &printer)) {
        Ok(()) => ExitCode::from(exit::OK),
        Err(e) => {
            printer.error(&e);
            ExitCode::from(e.exit_code())
        }
    }
}

fn init_tracing(global: &GlobalArgs) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        _ => "trace",
    };
    // The lab's simulators run in this process; their logs are noise unless asked for.
    let quiet_sims = if global.verbose >= 2 {
        String::new()
    } else {
        ",vrepl_storage::sim=error,vrepl_ontap::sim=error".to_string()
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("SNAPCTL_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level}{quiet_sims}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

/// Runs a parsed command line.
pub async fn run(cli: Cli, printer: &Printer) -> CliResult<()> {
    let source = config::locate(cli.global.config.as_deref());
    match &cli.command {
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "snapctl", &mut std::io::stdout());
            return Ok(());
        }
        Command::Man => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            return Ok(());
        }
        Command::Config(ConfigCommand::Show) => return commands::config::show(printer, &source),
        Command::Lab(args) => return commands::lab::run(printer, args).await,
        _ => {}
    }
    let session = Session::open(&source).await?;
    let ctx = Ctx {
        backend: session.backend.clone(),
        printer: printer.clone(),
    };
    let result = match &cli.command {
        Command::Runbook(c) => commands::runbook::run(&ctx, &session, c).await,
        other => dispatch(&ctx, other, &source, session.config.as_ref()).await,
    };
    let closed = session.close().await;
    result.and(closed)
}

async fn dispatch(
    ctx: &Ctx,
    command: &Command,
    source: &config::ConfigSource,
    cfg: Option<&config::Config>,
) -> CliResult<()> {
    use commands::*;
    match command {
        Command::Show(a) => show::run(ctx, a).await,
        Command::Initialize(a) => transfer::initialize(ctx, a).await,
        Command::Update(a) => transfer::update(ctx, a).await,
        Command::Quiesce(a) => mirror::quiesce(ctx, a).await,
        Command::Resume(a) => mirror::resume(ctx, a).await,
        Command::Break(a) => break_off::run(ctx, a).await,
        Command::Resync(a) => resync::resync(ctx, a).await,
        Command::ReverseResync(a) => resync::reverse_resync(ctx, a).await,
        Command::Release(a) => mirror::release(ctx, a).await,
        Command::Delete(a) => mirror::delete(ctx, a).await,
        Command::Clone(c) => clone::run(ctx, c).await,
        Command::Lun(c) => lun::run(ctx, c).await,
        Command::Igroup(c) => igroup::run(ctx, c).await,
        Command::Check(a) => check::run(ctx, a).await,
        Command::Config(ConfigCommand::Check) => config::check(ctx, source, cfg).await,
        // Handled before a session is opened.
        Command::Config(ConfigCommand::Show)
        | Command::Lab(_)
        | Command::Runbook(_)
        | Command::Completions(_)
        | Command::Man => Ok(()),
    }
}

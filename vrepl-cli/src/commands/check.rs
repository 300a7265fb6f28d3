//! `snapctl check [GROUP|PATH]`: the pre-flight checks of [`crate::checks`], printed.

use super::Ctx;
use crate::checks::{self, CheckReport, Status};
use crate::cli::CheckArgs;
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::output::{Cell, Printer, Tone};

/// The JSON document: `{"reports": [CheckReport…]}`.
#[derive(Debug, serde::Serialize)]
pub struct CheckView<'a> {
    /// One report per group or relationship checked.
    pub reports: &'a [CheckReport],
}

/// Runs `check`; fails (exit 1) when any check failed.
pub async fn run(ctx: &Ctx, args: &CheckArgs) -> CliResult<()> {
    let reports = checks::run(&ctx.backend, args.target.as_deref()).await?;
    let view = CheckView { reports: &reports };
    ctx.printer.emit(&view, |p| render(p, &reports));
    let failed: Vec<&str> = reports
        .iter()
        .filter(|r| !r.passed)
        .map(|r| r.target.as_str())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        let mut e = CliError::new(
            ErrorKind::Failure,
            format!("pre-flight checks failed for {}", failed.join(", ")),
        )
        .with_hint("each failed check above says how to fix it");
        e.json_reported = true;
        Err(e)
    }
}

fn render(p: &Printer, reports: &[CheckReport]) -> String {
    if reports.is_empty() {
        return "nothing to check: no protection groups and no relationships".into();
    }
    let mut s = String::new();
    for r in reports {
        s.push_str(&format!(
            "{}{}: {}\n",
            r.target,
            r.rpo_seconds
                .map(|x| format!(
                    " (RPO {})",
                    crate::output::hms(std::time::Duration::from_secs(x))
                ))
                .unwrap_or_default(),
            if r.passed {
                p.paint("ready", Tone::Good)
            } else {
                p.paint("NOT READY", Tone::Bad)
            }
        ));
        let rows: Vec<Vec<Cell>> = r
            .results
            .iter()
            .map(|o| {
                let (word, tone) = match o.status {
                    Status::Pass => ("ok", Tone::Good),
                    Status::Fail => ("FAIL", Tone::Bad),
                    Status::Unknown => ("?", Tone::Warn),
                };
                let mut detail = o.detail.clone();
                if let Some(fix) = &o.fix {
                    detail.push_str(&format!(" -> fix: {fix}"));
                }
                vec![
                    Cell::toned(word, tone),
                    Cell::plain(&o.relationship),
                    Cell::plain(o.check),
                    Cell::plain(detail),
                ]
            })
            .collect();
        s.push_str(&p.table(&["", "Relationship", "Check", "Detail"], &rows));
        s.push('\n');
    }
    s
}

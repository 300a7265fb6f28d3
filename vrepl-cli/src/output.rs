//! Everything snapctl prints: tables and sentences for people (colours only on a terminal), one
//! JSON document on stdout for scripts (`--output json`, fields in [`crate::views`]), notes and
//! errors on stderr.

use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

use owo_colors::OwoColorize;
use serde::Serialize;

use crate::cli::{ColorChoice, GlobalArgs, OutputFormat};
use crate::exit::CliError;

/// How a cell is painted on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// As is.
    Plain,
    /// Good news.
    Good,
    /// Needs attention.
    Warn,
    /// Bad news.
    Bad,
    /// Less important.
    Dim,
}

/// One table cell.
#[derive(Debug, Clone)]
pub struct Cell {
    text: String,
    tone: Tone,
}

impl Cell {
    /// A plain cell.
    pub fn plain(text: impl Into<String>) -> Self {
        Self::toned(text, Tone::Plain)
    }

    /// A painted cell.
    pub fn toned(text: impl Into<String>, tone: Tone) -> Self {
        Self {
            text: text.into(),
            tone,
        }
    }
}

/// Where output goes and how it looks.
#[derive(Debug, Clone)]
pub struct Printer {
    format: OutputFormat,
    color: bool,
    quiet: bool,
    progress: bool,
}

impl Printer {
    /// From the global options and the terminals at hand.
    pub fn new(global: &GlobalArgs) -> Self {
        let stdout_tty = std::io::stdout().is_terminal();
        let color = match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => stdout_tty && std::env::var_os("NO_COLOR").is_none(),
        };
        Self {
            format: global.output,
            color,
            quiet: global.quiet,
            progress: !global.quiet
                && global.output == OutputFormat::Human
                && std::io::stderr().is_terminal(),
        }
    }

    /// A printer for tests and library callers: no colours, no progress bars.
    pub fn plain(format: OutputFormat) -> Self {
        Self {
            format,
            color: false,
            quiet: false,
            progress: false,
        }
    }

    /// Whether output is JSON.
    pub fn is_json(&self) -> bool {
        self.format == OutputFormat::Json
    }

    /// Whether a progress bar may be drawn on stderr.
    pub fn shows_progress(&self) -> bool {
        self.progress
    }

    /// Prints the result: `value` as JSON, or what `human` renders.
    pub fn emit<T: Serialize>(&self, value: &T, human: impl FnOnce(&Self) -> String) {
        let text = if self.is_json() {
            match serde_json::to_string_pretty(value) {
                Ok(s) => s,
                Err(e) => format!("{{\"error\":\"cannot render JSON: {e}\"}}"),
            }
        } else {
            human(self)
        };
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", text.trim_end_matches('\n'));
    }

    /// A remark on stderr (not in quiet mode).
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", text.as_ref());
        }
    }

    /// A warning on stderr (not in quiet mode).
    pub fn warn(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{} {}", self.paint("warning:", Tone::Warn), text.as_ref());
        }
    }

    /// Renders an error: JSON on stdout for scripts, otherwise on stderr with what to do next.
    pub fn error(&self, e: &CliError) {
        if self.is_json() {
            if e.json_reported {
                return;
            }
            let doc = crate::views::ErrorView::from(e);
            self.emit(&doc, |_| String::new());
            return;
        }
        let mut s = format!("{} {}", self.paint("error:", Tone::Bad), e.message);
        for d in &e.details {
            let _ = write!(s, "\n  {d}");
        }
        if let Some(h) = &e.hint {
            let _ = write!(s, "\n{} {h}", self.paint("hint:", Tone::Good));
        }
        eprintln!("{s}");
    }

    /// Paints text when colours are on.
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        if !self.color {
            return text.to_string();
        }
        match tone {
            Tone::Plain => text.to_string(),
            Tone::Good => text.green().to_string(),
            Tone::Warn => text.yellow().to_string(),
            Tone::Bad => text.red().bold().to_string(),
            Tone::Dim => text.dimmed().to_string(),
        }
    }

    /// A table with a header row, columns padded to their widest cell.
    pub fn table(&self, headers: &[&str], rows: &[Vec<Cell>]) -> String {
        let mut widths: Vec<usize> = headers.iter().map(|h| h.len()).collect();
        for row in rows {
            for (i, c) in row.iter().enumerate() {
                if i < widths.len() {
                    widths[i] = widths[i].max(c.text.chars().count());
                }
            }
        }
        let mut out = String::new();
        let head: Vec<String> = headers
            .iter()
            .zip(&widths)
            .map(|(h, w)| format!("{h:<w$}"))
            .collect();
        out.push_str(&self.paint(head.join("  ").trim_end(), Tone::Dim));
        out.push('\n');
        for row in rows {
            let mut line = String::new();
            for (i, c) in row.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(0);
                let pad = w.saturating_sub(c.text.chars().count());
                line.push_str(&self.paint(&c.text, c.tone));
                if i + 1 < row.len() {
                    line.push_str(&" ".repeat(pad + 2));
                }
            }
            out.push_str(&line);
            out.push('\n');
        }
        out
    }
}

/// A duration as `snapmirror show` prints lag: `h:mm:ss`.
pub fn hms(d: std::time::Duration) -> String {
    let s = d.as_secs();
    format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_line_up_without_colours() {
        let p = Printer::plain(OutputFormat::Human);
        let t = p.table(
            &["Source Path", "Healthy"],
            &[
                vec![
                    Cell::plain("fas2020upper:RG1FV1"),
                    Cell::toned("true", Tone::Good),
                ],
                vec![Cell::plain("a:b"), Cell::toned("false", Tone::Bad)],
            ],
        );
        assert_eq!(
            t,
            "Source Path          Healthy\nfas2020upper:RG1FV1  true\na:b                  false\n"
        );
    }

    #[test]
    fn lag_reads_like_ontap() {
        assert_eq!(
            hms(std::time::Duration::from_secs(3 * 3600 + 5 * 60 + 7)),
            "3:05:07"
        );
    }
}

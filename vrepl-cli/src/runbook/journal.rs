//! The journal of a run: one JSON object per line, appended and flushed as the run goes. The
//! first line holds the plan; then each step's start and end. `resume` rebuilds the run from it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use tokio::io::AsyncWriteExt;
use tokio::sync::Mutex;

use super::error::{RunbookError, RunbookResult};
use super::plan::Plan;

/// How a step ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepStatus {
    /// It did its work.
    Done,
    /// The state was already what the step leads to; nothing was changed.
    Already,
    /// It failed.
    Failed,
}

/// What a step found and did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// The datastore name a mount produced (a resignatured copy's `snap-…` name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datastore: Option<String>,
    /// The relationship's lag, in seconds, when it was broken.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lag_secs: Option<u64>,
    /// Bytes a resync discarded (acknowledged by the operator).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discarded_bytes: Option<u64>,
    /// The snapshot a clone was made from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<String>,
    /// A datastore's files (`path -> size:checksum`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<BTreeMap<String, String>>,
    /// Something the operator should know.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A step's result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    /// How it ended.
    pub status: StepStatus,
    /// What happened, in a sentence.
    pub detail: String,
    /// What it found.
    #[serde(default)]
    pub facts: Facts,
}

impl StepOutcome {
    /// The step did its work.
    pub fn done(detail: impl Into<String>) -> Self {
        Self {
            status: StepStatus::Done,
            detail: detail.into(),
            facts: Facts::default(),
        }
    }

    /// There was nothing to do.
    pub fn already(detail: impl Into<String>) -> Self {
        Self {
            status: StepStatus::Already,
            detail: detail.into(),
            facts: Facts::default(),
        }
    }

    /// Adds facts.
    pub fn with(mut self, facts: Facts) -> Self {
        self.facts = facts;
        self
    }
}

/// One line of the journal.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Entry {
    /// The run and its plan.
    Plan {
        /// The run id.
        run: String,
        /// When it started.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// The plan.
        plan: Box<Plan>,
    },
    /// A step started.
    Start {
        /// Its id.
        step: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// A step ended.
    End {
        /// Its id.
        step: String,
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// How long it took, in milliseconds.
        millis: u64,
        /// Its outcome.
        outcome: StepOutcome,
    },
    /// A resume picked the run up.
    Resumed {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
    },
    /// The run ended.
    Finished {
        /// When.
        #[serde(with = "time::serde::rfc3339")]
        at: OffsetDateTime,
        /// `succeeded`, `failed` or `interrupted`.
        outcome: String,
    },
}

/// An open journal, appended to line by line.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: Mutex<tokio::fs::File>,
}

fn journal_error(path: &Path, e: impl std::fmt::Display) -> RunbookError {
    RunbookError::Journal {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

impl Journal {
    /// The journal file in a run directory.
    pub fn file_in(run_dir: &Path) -> PathBuf {
        run_dir.join("journal.jsonl")
    }

    /// Opens (creating) the journal of a run directory for appending. A torn last line (a
    /// crash in the middle of writing it) is cut off first, so the next entry starts clean.
    pub async fn open(run_dir: &Path) -> RunbookResult<Self> {
        tokio::fs::create_dir_all(run_dir)
            .await
            .map_err(|e| journal_error(run_dir, e))?;
        let path = Self::file_in(run_dir);
        if let Ok(bytes) = tokio::fs::read(&path).await {
            if bytes.last().is_some_and(|b| *b != b'\n') {
                let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
                let f = tokio::fs::OpenOptions::new()
                    .write(true)
                    .open(&path)
                    .await
                    .map_err(|e| journal_error(&path, e))?;
                f.set_len(keep as u64)
                    .await
                    .map_err(|e| journal_error(&path, e))?;
                f.sync_data().await.map_err(|e| journal_error(&path, e))?;
            }
        }
        let file = tokio::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .await
            .map_err(|e| journal_error(&path, e))?;
        Ok(Self {
            path,
            file: Mutex::new(file),
        })
    }

    /// Appends an entry and makes it durable before returning.
    pub async fn append(&self, entry: &Entry) -> RunbookResult<()> {
        let mut line = serde_json::to_vec(entry).map_err(|e| journal_error(&self.path, e))?;
        line.push(b'\n');
        let mut f = self.file.lock().await;
        f.write_all(&line)
            .await
            .map_err(|e| journal_error(&self.path, e))?;
        f.sync_data()
            .await
            .map_err(|e| journal_error(&self.path, e))
    }
}

/// A journal read back.
#[derive(Clone, Debug)]
pub struct Replay {
    /// The run id.
    pub run: String,
    /// When the run started.
    pub started: OffsetDateTime,
    /// The plan.
    pub plan: Plan,
    /// Steps that ended, with their outcome and duration (ms).
    pub ended: BTreeMap<String, (StepOutcome, u64)>,
    /// Steps that started (whether or not they ended).
    pub started_steps: Vec<String>,
    /// The run's final outcome, when it got that far.
    pub finished: Option<String>,
}

impl Replay {
    /// Whether a step completed (done, or found done already).
    pub fn completed(&self, step: &str) -> bool {
        self.ended
            .get(step)
            .is_some_and(|(o, _)| o.status != StepStatus::Failed)
    }
}

/// Reads a run directory's journal. A torn last line (a crash mid-write) is ignored.
pub async fn replay(run_dir: &Path) -> RunbookResult<Replay> {
    let path = Journal::file_in(run_dir);
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|e| journal_error(&path, e))?;
    let mut lines = text.lines().filter(|l| !l.trim().is_empty()).peekable();
    let first = lines
        .next()
        .ok_or_else(|| journal_error(&path, "it is empty"))?;
    let Entry::Plan { run, at, plan } =
        serde_json::from_str(first).map_err(|e| journal_error(&path, e))?
    else {
        return Err(journal_error(&path, "its first line is not the plan"));
    };
    let mut replay = Replay {
        run,
        started: at,
        plan: *plan,
        ended: BTreeMap::new(),
        started_steps: Vec::new(),
        finished: None,
    };
    while let Some(line) = lines.next() {
        let entry = match serde_json::from_str::<Entry>(line) {
            Ok(e) => e,
            Err(_) if lines.peek().is_none() => break,
            Err(e) => return Err(journal_error(&path, e)),
        };
        match entry {
            Entry::Start { step, .. } => {
                replay.started_steps.push(step);
                replay.finished = None;
            }
            Entry::End {
                step,
                outcome,
                millis,
                ..
            } => {
                replay.ended.insert(step, (outcome, millis));
            }
            Entry::Finished { outcome, .. } => replay.finished = Some(outcome),
            Entry::Resumed { .. } | Entry::Plan { .. } => {}
        }
    }
    Ok(replay)
}

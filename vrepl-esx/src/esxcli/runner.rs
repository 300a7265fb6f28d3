//! The seam between the esxcli logic and the transport: something that runs one command line
//! on a host and returns what it printed.

use std::fmt;

use async_trait::async_trait;

use super::command::CommandLine;
use crate::error::Result;

/// What a command printed, and its exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Output {
    /// Exit status (0 is success).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Output {
    /// Standard output and error together, trimmed, for messages.
    pub fn text(&self) -> String {
        let mut s = self.stdout.trim().to_string();
        let err = self.stderr.trim();
        if !err.is_empty() {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(err);
        }
        s
    }
}

/// Runs command lines on one host.
#[async_trait]
pub trait CommandRunner: fmt::Debug + Send + Sync {
    /// The host, for messages.
    fn endpoint(&self) -> &str;
    /// Runs one command line.
    async fn run(&self, command: &CommandLine) -> Result<Output>;
}

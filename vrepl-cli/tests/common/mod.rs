//! Runs the built `snapctl` with its own lab directory and no user configuration.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A hermetic home for one test: lab state, config dir and HOME all in a temp dir.
pub struct Home {
    pub dir: TempDir,
}

impl Home {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn lab_dir(&self) -> PathBuf {
        self.dir.path().join("lab")
    }

    /// `snapctl` with this home's environment.
    pub fn snapctl(&self) -> Command {
        let mut cmd = Command::cargo_bin("snapctl").expect("snapctl binary");
        cmd.env("SNAPCTL_LAB_DIR", self.lab_dir())
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", self.path().join("config"))
            .env("XDG_DATA_HOME", self.path().join("data"))
            .env("NO_COLOR", "1")
            .env_remove("SNAPCTL_CONFIG")
            .env_remove("SNAPCTL_LOG")
            .timeout(std::time::Duration::from_secs(60));
        cmd
    }

    /// Runs `snapctl ARGS -o json` and parses stdout.
    pub fn json(&self, args: &[&str]) -> (i32, serde_json::Value) {
        let out = self
            .snapctl()
            .args(args)
            .args(["-o", "json"])
            .output()
            .expect("run snapctl");
        let code = out.status.code().unwrap_or(-1);
        let text = String::from_utf8_lossy(&out.stdout);
        let v = serde_json::from_str(&text).unwrap_or_else(|e| {
            panic!(
                "snapctl {args:?} printed no JSON ({e}):\n{text}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        (code, v)
    }

    /// The relationship with this destination, from `show -o json`.
    pub fn relationship(&self, destination: &str) -> serde_json::Value {
        let (code, v) = self.json(&["show"]);
        assert_eq!(code, 0, "{v}");
        v["relationships"]
            .as_array()
            .expect("relationships")
            .iter()
            .find(|r| r["destination_path"] == destination)
            .cloned()
            .unwrap_or_else(|| panic!("no {destination} in {v}"))
    }
}

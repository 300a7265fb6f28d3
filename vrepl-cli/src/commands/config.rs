//! `config check` and `config show`.

use serde::Serialize;

use super::Ctx;
use crate::config::{self, Config, ConfigSource};
use crate::exit::{CliError, CliResult, ErrorKind};
use crate::output::{Cell, Printer, Tone};

const EXAMPLE: &str = r#"[[site]]
name = "site1"
[[site]]
name = "site2"

[[cluster]]
name = "fas2020"
site = "site1"
url = "https://fas2020.example.com"
username = "admin"
password_env = "FAS2020_PASSWORD"          # or credentials_file = "/path/fas2020.cred" (chmod 600)
ca_file = "/etc/snapctl/ca.pem"            # or pinned_cert = "cert.pem"; default: the system's CAs

[[cluster]]
name = "fas2050"
site = "site2"
url = "https://fas2050.example.com"
username = "admin"
password_env = "FAS2050_PASSWORD"

[[group]]
name = "PG1"
relationships = ["fas2050upper:RG1FV1_SM", "fas2050upper:RG1FV2_SM"]
datastores = ["RP1", "RP2"]
rpo = "1h"
"#;

/// One cluster's connection test.
#[derive(Debug, Serialize)]
pub struct ConnectionView {
    /// The cluster.
    pub cluster: String,
    /// Its URL.
    pub url: String,
    /// Whether it answered.
    pub ok: bool,
    /// The SVMs it reported.
    pub svms: Vec<String>,
    /// Configured SVMs it does not have.
    pub missing_svms: Vec<String>,
    /// What went wrong.
    pub error: Option<String>,
}

/// `config show`: where the file is (or would be), and an example.
pub fn show(printer: &Printer, source: &ConfigSource) -> CliResult<()> {
    let (path, exists) = match source {
        ConfigSource::File(p) => (Some(p.clone()), p.exists()),
        ConfigSource::Lab => (config::default_path(), false),
    };
    let view = serde_json::json!({
        "path": path.as_ref().map(|p| p.display().to_string()),
        "exists": exists,
        "using_lab": *source == ConfigSource::Lab,
    });
    printer.emit(&view, |_| {
        let mut s = match (&path, exists) {
            (Some(p), true) => format!("configuration: {}\n", p.display()),
            (Some(p), false) => format!(
                "no configuration file ({} does not exist): snapctl uses the embedded lab\n",
                p.display()
            ),
            (None, _) => {
                "no configuration directory on this platform: snapctl uses the embedded lab\n"
                    .into()
            }
        };
        s.push_str("\nAn example (also see snapctl lab serve --write-config FILE):\n\n");
        s.push_str(EXAMPLE);
        s
    });
    Ok(())
}

/// `config check`: validates the file and asks every cluster for its SVMs.
pub async fn check(ctx: &Ctx, source: &ConfigSource, cfg: Option<&Config>) -> CliResult<()> {
    let Some(cfg) = cfg else {
        return Err(CliError::usage(
            "no configuration file: snapctl uses the embedded lab, which needs none",
        )
        .with_hint("write one (snapctl config show prints an example) or pass --config FILE"));
    };
    let mut views = Vec::new();
    for c in &cfg.clusters {
        let cluster = ctx
            .backend
            .clusters
            .iter()
            .find(|k| k.name.as_str() == c.name);
        let down = ctx.backend.down.iter().find(|d| d.name.as_str() == c.name);
        let answer = match (cluster, down) {
            (Some(k), _) => k.array.list_svms().await.map_err(|e| e.to_string()),
            (None, Some(d)) => Err(d.reason.clone()),
            (None, None) => Err("not connected".into()),
        };
        let (ok, svms, error) = match answer {
            Ok(svms) => (
                true,
                svms.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
                None,
            ),
            Err(e) => (false, vec![], Some(e)),
        };
        let missing_svms = if ok {
            c.svms
                .iter()
                .filter(|s| !svms.contains(s))
                .cloned()
                .collect()
        } else {
            vec![]
        };
        views.push(ConnectionView {
            cluster: c.name.clone(),
            url: c.url.clone(),
            ok: ok && missing_svms.is_empty(),
            svms,
            missing_svms,
            error,
        });
    }
    let path = match source {
        ConfigSource::File(p) => p.display().to_string(),
        ConfigSource::Lab => String::new(),
    };
    let view = serde_json::json!({ "path": path, "valid": true, "clusters": views });
    ctx.printer.emit(&view, |p| {
        let rows: Vec<Vec<Cell>> = views
            .iter()
            .map(|v| {
                let detail = match (&v.error, v.missing_svms.is_empty()) {
                    (Some(e), _) => e.clone(),
                    (None, true) => format!("SVMs: {}", v.svms.join(", ")),
                    (None, false) => format!("missing SVMs: {}", v.missing_svms.join(", ")),
                };
                vec![
                    Cell::toned(
                        if v.ok { "ok" } else { "FAIL" },
                        if v.ok { Tone::Good } else { Tone::Bad },
                    ),
                    Cell::plain(&v.cluster),
                    Cell::plain(&v.url),
                    Cell::plain(detail),
                ]
            })
            .collect();
        format!(
            "{path}: valid\n{}",
            p.table(&["", "Cluster", "URL", "Detail"], &rows)
        )
    });
    let bad: Vec<&str> = views
        .iter()
        .filter(|v| !v.ok)
        .map(|v| v.cluster.as_str())
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(CliError::new(
            ErrorKind::Connection,
            format!("cannot use {}", bad.join(", ")),
        )
        .with_hint("check each failing cluster's url, credentials and TLS settings"))
    }
}

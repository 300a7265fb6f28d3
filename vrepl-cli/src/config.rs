//! The configuration file (TOML): sites, clusters, credentials references, TLS, protection groups.
//!
//! ```toml
//! [[site]]
//! name = "site1"
//!
//! [[cluster]]
//! name = "fas2050"
//! site = "site2"
//! url = "https://fas2050.example.com"
//! svms = ["fas2050upper", "fas2050lower"]
//! username = "admin"
//! password_env = "FAS2050_PASSWORD"        # or: credentials_file = "/etc/snapctl/fas2050.cred" (mode 0600)
//! ca_file = "/etc/snapctl/fas2050-ca.pem"  # or: pinned_cert = "cert.pem" (default: the system's CAs)
//!
//! [[group]]
//! name = "PG1"
//! relationships = ["fas2050upper:RG1FV1_SM", "fas2050upper:RG1FV2_SM"]   # destinations
//! datastores = ["RP1", "RP2"]
//! rpo = "1h"
//! ```
//!
//! A password never comes from the command line: it is read from the named environment variable,
//! or from a credentials file that only its owner can read (`password = "…"`, optionally
//! `username = "…"`).
//!
//! ```
//! let cfg = vrepl_cli::config::Config::parse(r#"
//!     [[cluster]]
//!     name = "fas2050"
//!     url = "https://127.0.0.1:8443"
//!     username = "admin"
//!     password_env = "FAS2050_PASSWORD"
//!     [[group]]
//!     name = "PG1"
//!     relationships = ["fas2050upper:RG1FV1_SM"]
//!     rpo = "15m"
//! "#).unwrap();
//! assert_eq!(cfg.groups[0].rpo().unwrap().unwrap().as_secs(), 900);
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use vrepl_storage::model::ClusterName;

use crate::exit::{CliError, CliResult};

/// The whole file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Config {
    /// `[[site]]`.
    #[serde(default, rename = "site")]
    pub sites: Vec<SiteConfig>,
    /// `[[cluster]]`.
    #[serde(default, rename = "cluster")]
    pub clusters: Vec<ClusterConfig>,
    /// `[[group]]`: protection groups.
    #[serde(default, rename = "group")]
    pub groups: Vec<GroupConfig>,
    /// `[[protection_group]]`: full protection groups for the runbooks
    /// ([`crate::runbook::ProtectionGroup`]).
    #[serde(default, rename = "protection_group")]
    pub protection_groups: Vec<crate::runbook::ProtectionGroup>,
    /// `[[esx_host]]`: the ESX hosts protection groups name
    /// ([`crate::runbook::env::EsxHostConfig`]).
    #[serde(default, rename = "esx_host")]
    pub esx_hosts: Vec<crate::runbook::env::EsxHostConfig>,
}

/// A site.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct SiteConfig {
    /// Its name.
    pub name: String,
}

/// A cluster and how to reach it.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct ClusterConfig {
    /// The cluster's name, as ONTAP reports it.
    pub name: String,
    /// The site it stands at.
    #[serde(default)]
    pub site: Option<String>,
    /// The REST endpoint, `https://host[:port]`.
    pub url: String,
    /// The SVMs to work with (default: all).
    #[serde(default)]
    pub svms: Vec<String>,
    /// The user name (may also come from the credentials file).
    #[serde(default)]
    pub username: Option<String>,
    /// The environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// A file holding `password = "…"` (and optionally `username`); must be mode 0600.
    #[serde(default)]
    pub credentials_file: Option<PathBuf>,
    /// A PEM CA bundle to trust for this cluster.
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// A PEM certificate to pin: only this exact certificate is accepted.
    #[serde(default)]
    pub pinned_cert: Option<PathBuf>,
}

impl fmt::Debug for ClusterConfig {
    // Spelled out so that no credential-bearing field could ever be printed by accident.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClusterConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// A protection group: relationships that fail over together.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct GroupConfig {
    /// Its name (`PG1`).
    pub name: String,
    /// The relationships, by destination (`svm:volume` or `cluster:svm:volume`).
    #[serde(default)]
    pub relationships: Vec<String>,
    /// The datastores they carry.
    #[serde(default)]
    pub datastores: Vec<String>,
    /// Recovery point objective: `90s`, `15m`, `1h`, `1d`.
    #[serde(default)]
    pub rpo: Option<String>,
}

impl GroupConfig {
    /// The RPO, parsed.
    pub fn rpo(&self) -> CliResult<Option<Duration>> {
        self.rpo.as_deref().map(parse_duration).transpose()
    }
}

/// Parses `90s`, `15m`, `1h`, `1d` (or plain seconds).
pub fn parse_duration(s: &str) -> CliResult<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| bad_duration(s))?;
    let mult = match unit.trim() {
        "" | "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad_duration(s)),
    };
    Ok(Duration::from_secs(n * mult))
}

fn bad_duration(s: &str) -> CliError {
    CliError::usage(format!("invalid duration {s:?}"))
        .with_hint("write a number and a unit: 90s, 15m, 1h or 1d")
}

/// A user name and password, read from where the configuration says.
#[derive(Clone)]
pub struct Credentials {
    /// The user.
    pub username: String,
    /// The password (never printed).
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialsFile {
    #[serde(default)]
    username: Option<String>,
    password: String,
}

impl ClusterConfig {
    /// The cluster name, validated.
    pub fn cluster_name(&self) -> CliResult<ClusterName> {
        ClusterName::new(&self.name).map_err(CliError::from)
    }

    /// Reads the credentials from the environment variable or the credentials file.
    pub fn credentials(&self) -> CliResult<Credentials> {
        let who = format!("cluster {}", self.name);
        let (file_user, password) = match (&self.password_env, &self.credentials_file) {
            (Some(var), None) => {
                let pw = std::env::var(var).map_err(|_| {
                    CliError::new(
                        crate::exit::ErrorKind::Connection,
                        format!("environment variable {var} (the password of {who}) is not set"),
                    )
                    .with_hint(format!("export {var}=… before running snapctl"))
                })?;
                (None, pw)
            }
            (None, Some(path)) => {
                let f = read_credentials_file(path).map_err(|e| e.context(&who))?;
                (f.username, f.password)
            }
            _ => {
                return Err(CliError::usage(format!(
                    "{who}: give exactly one of password_env and credentials_file"
                )))
            }
        };
        let username = self.username.clone().or(file_user).ok_or_else(|| {
            CliError::usage(format!("{who}: no username"))
                .with_hint("set username in the [[cluster]] table or in the credentials file")
        })?;
        Ok(Credentials { username, password })
    }
}

fn read_credentials_file(path: &Path) -> CliResult<CredentialsFile> {
    check_private(path)?;
    let text = std::fs::read_to_string(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read credentials file {}: {e}",
            path.display()
        ))
    })?;
    toml::from_str(&text).map_err(|e| {
        // toml's message quotes the offending line, which may hold the password: say only where.
        let at = e
            .span()
            .map(|s| format!(" (near byte {})", s.start))
            .unwrap_or_default();
        CliError::usage(format!(
            "credentials file {} is not valid{at}",
            path.display()
        ))
        .with_hint("write it as: username = \"admin\"  and  password = \"…\" on two lines")
    })
}

/// Refuses a file that its group or others may read or write.
#[cfg(unix)]
pub fn check_private(path: &Path) -> CliResult<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError::usage(format!(
            "cannot read credentials file {}: {e}",
            path.display()
        ))
    })?;
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CliError::usage(format!(
            "credentials file {} is readable by others (mode {mode:o}); refusing to use it",
            path.display()
        ))
        .with_hint(format!("chmod 600 {}", path.display())));
    }
    Ok(())
}

/// Refuses a file that its group or others may read or write.
#[cfg(not(unix))]
pub fn check_private(_path: &Path) -> CliResult<()> {
    Ok(())
}

impl Config {
    /// Parses and validates a configuration.
    pub fn parse(text: &str) -> CliResult<Self> {
        let cfg: Config = toml::from_str(text).map_err(|e| {
            CliError::usage(format!("invalid configuration: {}", e.message()))
                .with_detail(e.to_string().trim_end().to_string())
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads, parses and validates a configuration file.
    pub fn load(path: &Path) -> CliResult<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::usage(format!(
                "cannot read configuration file {}: {e}",
                path.display()
            ))
            .with_hint("snapctl config show prints an example; without --config and SNAPCTL_CONFIG, snapctl uses the lab")
        })?;
        Self::parse(&text).map_err(|e| e.context(path.display()))
    }

    /// Checks what the types cannot: names, references between tables, one credential source.
    pub fn validate(&self) -> CliResult<()> {
        if self.clusters.is_empty() {
            return Err(CliError::usage("the configuration names no cluster")
                .with_hint("add a [[cluster]] table with name, url, username and password_env"));
        }
        let mut seen = std::collections::HashSet::new();
        for c in &self.clusters {
            let who = format!("cluster {:?}", c.name);
            c.cluster_name().map_err(|e| e.context(&who))?;
            if !seen.insert(c.name.as_str()) {
                return Err(CliError::usage(format!("{who} is configured twice")));
            }
            let url = url::Url::parse(&c.url)
                .map_err(|e| CliError::usage(format!("{who}: invalid url {:?}: {e}", c.url)))?;
            let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
            match url.scheme() {
                "https" => {}
                "http" if loopback => {}
                _ => {
                    return Err(CliError::usage(format!(
                        "{who}: url {:?} must start with https:// (plain http:// only to a simulator on 127.0.0.1)",
                        c.url
                    ))
                    .with_hint("the password would otherwise cross the network unencrypted"))
                }
            }
            if let Some(site) = &c.site {
                if !self.sites.is_empty() && !self.sites.iter().any(|s| &s.name == site) {
                    return Err(CliError::usage(format!(
                        "{who}: site {site:?} is not a [[site]]"
                    )));
                }
            }
            if c.password_env.is_some() == c.credentials_file.is_some() {
                return Err(CliError::usage(format!(
                    "{who}: give exactly one of password_env and credentials_file"
                ))
                .with_hint(
                    "passwords are never taken from the command line or the config file itself",
                ));
            }
            if c.ca_file.is_some() && c.pinned_cert.is_some() {
                return Err(CliError::usage(format!(
                    "{who}: give ca_file or pinned_cert, not both"
                )));
            }
            for svm in &c.svms {
                vrepl_storage::model::SvmName::new(svm)
                    .map_err(|e| CliError::from(e).context(&who))?;
            }
        }
        let mut groups = std::collections::HashSet::new();
        for g in &self.groups {
            let who = format!("group {:?}", g.name);
            if !groups.insert(g.name.as_str()) {
                return Err(CliError::usage(format!("{who} is configured twice")));
            }
            g.rpo().map_err(|e| e.context(&who))?;
            for r in &g.relationships {
                match crate::resolve::Target::parse(r) {
                    Ok(crate::resolve::Target::Bare(_)) | Err(_) => {
                        return Err(CliError::usage(format!(
                            "{who}: relationship {r:?} is not svm:volume or cluster:svm:volume"
                        )))
                    }
                    Ok(_) => {}
                }
            }
        }
        Ok(())
    }
}

/// Writes a file only its owner can read (credentials, the served lab's passwords).
pub fn write_private(path: &Path, text: &str) -> CliResult<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut f = opts.open(path).map_err(|e| {
        CliError::new(
            crate::exit::ErrorKind::Failure,
            format!("cannot write {}: {e}", path.display()),
        )
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes())?;
    Ok(())
}

/// Where the configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigSource {
    /// A file (from `--config`, `SNAPCTL_CONFIG` or the config directory).
    File(PathBuf),
    /// No file anywhere: the embedded lab.
    Lab,
}

/// The default file in the platform's config directory (`~/.config/snapctl/config.toml`).
pub fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("snapctl").join("config.toml"))
}

/// `--config` / `SNAPCTL_CONFIG` (already merged by clap), then the default file if it exists,
/// then the lab.
pub fn locate(explicit: Option<&Path>) -> ConfigSource {
    if let Some(p) = explicit {
        return ConfigSource::File(p.to_path_buf());
    }
    match default_path() {
        Some(p) if p.exists() => ConfigSource::File(p),
        _ => ConfigSource::Lab,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
        [[site]]
        name = "site2"
        [[cluster]]
        name = "fas2050"
        site = "site2"
        url = "https://127.0.0.1:8443"
        svms = ["fas2050upper"]
        username = "admin"
        password_env = "SNAPCTL_TEST_PW"
        [[group]]
        name = "PG1"
        relationships = ["fas2050upper:RG1FV1_SM", "fas2050:fas2050upper:RG1FV2_SM"]
        rpo = "1h"
    "#;

    #[test]
    fn a_good_file_parses() {
        let c = Config::parse(GOOD).unwrap();
        assert_eq!(c.clusters[0].name, "fas2050");
        assert_eq!(c.groups[0].rpo().unwrap(), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn mistakes_are_named() {
        let e = Config::parse(&GOOD.replace("rpo = \"1h\"", "rpo = \"1 hour\"")).unwrap_err();
        assert!(e.message.contains("invalid duration"), "{}", e.message);
        let e = Config::parse(&GOOD.replace("password_env", "password")).unwrap_err();
        assert!(e.message.contains("unknown field"), "{}", e.message);
        let e = Config::parse(&GOOD.replace(
            "site = \"site2\"\n        url",
            "site = \"mars\"\n        url",
        ))
        .unwrap_err();
        assert!(e.message.contains("mars"), "{}", e.message);
        let e = Config::parse(&GOOD.replace("\"fas2050upper:RG1FV1_SM\"", "\"RG1FV1_SM\""))
            .unwrap_err();
        assert!(e.message.contains("RG1FV1_SM"), "{}", e.message);
    }

    #[cfg(unix)]
    #[test]
    fn a_credentials_file_others_can_read_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cred");
        std::fs::write(&path, "username = \"admin\"\npassword = \"s3cret\"\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let mut c = Config::parse(GOOD).unwrap().clusters.remove(0);
        c.password_env = None;
        c.credentials_file = Some(path.clone());
        let e = c.credentials().unwrap_err();
        assert!(e.message.contains("readable by others"), "{}", e.message);
        assert!(!format!("{e:?}").contains("s3cret"));

        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let creds = c.credentials().unwrap();
        assert_eq!(creds.password, "s3cret");
        assert!(!format!("{creds:?}").contains("s3cret"));
    }

    #[test]
    fn durations_take_units() {
        assert_eq!(parse_duration("90s").unwrap().as_secs(), 90);
        assert_eq!(parse_duration("15m").unwrap().as_secs(), 900);
        assert_eq!(parse_duration("2d").unwrap().as_secs(), 172_800);
        assert!(parse_duration("h").is_err());
    }
}

//! What a runbook acts on: one array per cluster and one ESX host per host name.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, Secret, SshConfig};
use vrepl_esx::{EsxHost, EsxcliHost};
use vrepl_storage::DynArray;

use super::error::{RunbookError, RunbookResult};

/// The arrays and hosts a run may call, by name.
#[derive(Clone, Debug, Default)]
pub struct Environment {
    arrays: BTreeMap<String, DynArray>,
    hosts: BTreeMap<String, Arc<dyn EsxHost>>,
}

impl Environment {
    /// An empty environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a cluster's array under its cluster name.
    pub fn with_array(mut self, array: DynArray) -> Self {
        self.arrays.insert(array.cluster().to_string(), array);
        self
    }

    /// Adds an ESX host under `name` (the name protection groups use).
    pub fn with_host(mut self, name: impl Into<String>, host: Arc<dyn EsxHost>) -> Self {
        self.hosts.insert(name.into(), host);
        self
    }

    /// The array of a cluster.
    pub fn array(&self, cluster: impl AsRef<str>) -> RunbookResult<&DynArray> {
        let cluster = cluster.as_ref();
        self.arrays.get(cluster).ok_or_else(|| {
            RunbookError::Config(format!("no array is configured for cluster {cluster}"))
        })
    }

    /// An ESX host.
    pub fn host(&self, name: &str) -> RunbookResult<&Arc<dyn EsxHost>> {
        self.hosts
            .get(name)
            .ok_or_else(|| RunbookError::Config(format!("no ESX host is configured as {name}")))
    }
}

/// An ESX host in a configuration file (`[[esx_host]]`): where it is and how to log in. The
/// password comes from an environment variable, never from the file itself.
///
/// ```
/// let h: vrepl_cli::runbook::env::EsxHostConfig = toml::from_str(r#"
///     name = "site2-esx1"
///     address = "192.168.2.5"
///     password_env = "ESX_PASSWORD"
/// "#).unwrap();
/// assert_eq!(h.port, 22);
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EsxHostConfig {
    /// The name protection groups use.
    pub name: String,
    /// Host name or address.
    pub address: String,
    /// SSH port.
    #[serde(default = "default_port")]
    pub port: u16,
    /// User name.
    #[serde(default = "default_user")]
    pub user: String,
    /// The environment variable holding the password.
    #[serde(default)]
    pub password_env: Option<String>,
    /// An OpenSSH private key to log in with instead.
    #[serde(default)]
    pub private_key: Option<PathBuf>,
    /// The known_hosts file to check the host key against (default `~/.ssh/known_hosts`).
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
}

fn default_port() -> u16 {
    22
}

fn default_user() -> String {
    "root".into()
}

impl fmt::Debug for EsxHostConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EsxHostConfig")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("port", &self.port)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl EsxHostConfig {
    /// The esxcli driver for this host (it connects on first use).
    pub fn connect(&self) -> RunbookResult<Arc<dyn EsxHost>> {
        let credentials = match (&self.private_key, &self.password_env) {
            (Some(key), _) => Credentials::KeyFile {
                private_key: key.clone(),
                passphrase: None,
            },
            (None, Some(var)) => {
                Credentials::Password(Secret::new(std::env::var(var).map_err(|_| {
                    RunbookError::Config(format!(
                        "ESX host {}: environment variable {var} is not set",
                        self.name
                    ))
                })?))
            }
            (None, None) => {
                return Err(RunbookError::Config(format!(
                    "ESX host {}: give password_env or private_key",
                    self.name
                )))
            }
        };
        let mut config = SshConfig::new(self.address.clone(), credentials);
        config.port = self.port;
        config.user = self.user.clone();
        if let Some(k) = &self.known_hosts {
            config.host_keys = HostKeyPolicy::known_hosts(k);
        }
        Ok(Arc::new(EsxcliHost::connect(config)))
    }
}

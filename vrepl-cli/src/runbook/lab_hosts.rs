//! The embedded lab's ESX hosts: one ESXi emulator per lab host, each behind an SSH server on
//! 127.0.0.1 and reached through the esxcli driver, as a runbook reaches real hosts. What the
//! hosts remember (devices seen, datastores mounted, options) is saved between commands.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, Secret, SshConfig};
use vrepl_esx::sim::{EmulatedHost, HostConfig, HostState, SshServer};
use vrepl_esx::{EsxHost, EsxcliHost};
use vrepl_storage::sim::Fabric;

use super::env::Environment;
use super::error::{RunbookError, RunbookResult};

const USER: &str = "root";
const PASSWORD: &str = "vmware1!";

/// The lab's hosts, served while this value lives.
pub struct LabHosts {
    hosts: BTreeMap<String, EmulatedHost>,
    clients: BTreeMap<String, Arc<dyn EsxHost>>,
    _servers: Vec<SshServer>,
}

impl fmt::Debug for LabHosts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LabHosts")
            .field("hosts", &self.hosts.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

fn config_error(e: impl fmt::Display) -> RunbookError {
    RunbookError::Config(format!("lab hosts: {e}"))
}

impl LabHosts {
    /// Starts every lab host of `fabric`, restoring `saved` state (from [`LabHosts::save`]);
    /// hosts without saved state rescan once, as hosts in service have. The known_hosts file
    /// for the servers' fresh keys is written into `dir`.
    pub async fn start(
        fabric: &Fabric,
        saved: Option<&serde_json::Value>,
        dir: &Path,
    ) -> RunbookResult<Self> {
        let known_hosts = dir.join("known_hosts");
        let (mut hosts, mut clients, mut servers, mut lines) =
            (BTreeMap::new(), BTreeMap::new(), Vec::new(), String::new());
        let mut fresh = Vec::new();
        for spec in fabric.topology().hosts {
            let host = match saved.and_then(|s| s.get(&spec.name)) {
                Some(v) => {
                    let config: HostConfig =
                        serde_json::from_value(v["config"].clone()).map_err(config_error)?;
                    let state: HostState =
                        serde_json::from_value(v["state"].clone()).map_err(config_error)?;
                    EmulatedHost::with_state(fabric.clone(), config, state)
                }
                None => {
                    fresh.push(spec.name.clone());
                    EmulatedHost::from_lab(fabric, &spec.name)?
                }
            };
            let server = SshServer::start(host.clone(), USER, PASSWORD)
                .await
                .map_err(config_error)?;
            lines.push_str(&server.known_hosts_line());
            lines.push('\n');
            let mut config =
                SshConfig::new("127.0.0.1", Credentials::Password(Secret::new(PASSWORD)));
            config.port = server.port();
            config.host_keys = HostKeyPolicy::known_hosts(&known_hosts);
            clients.insert(
                spec.name.clone(),
                Arc::new(EsxcliHost::connect(config)) as Arc<dyn EsxHost>,
            );
            hosts.insert(spec.name.clone(), host);
            servers.push(server);
        }
        tokio::fs::create_dir_all(dir).await.map_err(config_error)?;
        tokio::fs::write(&known_hosts, lines)
            .await
            .map_err(config_error)?;
        for name in fresh {
            clients[&name].rescan_all_hbas().await?;
        }
        Ok(Self {
            hosts,
            clients,
            _servers: servers,
        })
    }

    /// `env` with every lab host added under its lab name.
    pub fn add_to(&self, mut env: Environment) -> Environment {
        for (name, client) in &self.clients {
            env = env.with_host(name.clone(), Arc::clone(client));
        }
        env
    }

    /// What the hosts remember, by host name, for the next [`LabHosts::start`].
    pub fn save(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.hosts
                .iter()
                .map(|(name, h)| {
                    (
                        name.clone(),
                        serde_json::json!({ "config": h.config(), "state": h.state() }),
                    )
                })
                .collect(),
        )
    }
}

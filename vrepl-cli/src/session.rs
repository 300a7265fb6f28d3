//! One run's clusters: connected from the configuration file, or the embedded lab when there is
//! none. Closing the session saves the lab's world.

use futures::future::join_all;

use crate::backend::{Backend, Cluster, DownCluster, ProtectionGroup};
use crate::config::{Config, ConfigSource};
use crate::exit::{CliResult, ErrorKind};
use crate::lab::{LabDir, LabRun};

/// The clusters and groups of one run.
#[derive(Debug)]
pub struct Session {
    /// What commands work with.
    pub backend: Backend,
    /// The configuration, when not in the lab.
    pub config: Option<Config>,
    lab: Option<LabRun>,
}

impl Session {
    /// Connects to what `source` names. A configured cluster that cannot be reached is recorded
    /// as down rather than failing the run: `break` at Site 2 must work with Site 1 gone.
    pub async fn open(source: &ConfigSource) -> CliResult<Self> {
        match source {
            ConfigSource::Lab => {
                let dir = LabDir::locate()?;
                let run = LabRun::open(&dir).await?;
                Ok(Self {
                    backend: run.backend.clone(),
                    config: None,
                    lab: Some(run),
                })
            }
            ConfigSource::File(path) => {
                let config = Config::load(path)?;
                let backend = connect_all(&config).await?;
                Ok(Self {
                    backend,
                    config: Some(config),
                    lab: None,
                })
            }
        }
    }

    /// The lab's world, when the session is the embedded lab and holds it (not while
    /// `snapctl lab serve` does).
    pub fn lab_fabric(&self) -> Option<&vrepl_storage::sim::Fabric> {
        self.lab.as_ref().and_then(|run| run.fabric())
    }

    /// Ends the run; in the lab, stops the simulators and saves the world.
    pub async fn close(self) -> CliResult<()> {
        match self.lab {
            Some(run) => run.close().await,
            None => Ok(()),
        }
    }
}

async fn connect_all(config: &Config) -> CliResult<Backend> {
    let attempts = join_all(
        config
            .clusters
            .iter()
            .map(|c| async move { (c, crate::connect::connect(c).await) }),
    )
    .await;
    let mut backend = Backend::default();
    let mut clients = Vec::new();
    for (c, attempt) in attempts {
        let name = c.cluster_name()?;
        match attempt {
            Ok(client) => {
                clients.push(client.clone());
                backend.clusters.push(Cluster {
                    name,
                    site: c.site.clone(),
                    array: crate::connect::into_array(client),
                })
            }
            // Configuration mistakes stop the run; an unreachable cluster does not.
            Err(e) if e.kind == ErrorKind::Connection => {
                tracing::info!(cluster = %name, error = %e, "cannot connect");
                backend.down.push(DownCluster {
                    name,
                    reason: e.message,
                    kind: e.kind,
                });
            }
            Err(e) => return Err(e.context(format!("cluster {}", c.name))),
        }
    }
    crate::connect::peer_all(&clients);
    for g in &config.groups {
        backend.groups.push(ProtectionGroup {
            name: g.name.clone(),
            relationships: g.relationships.clone(),
            datastores: g.datastores.clone(),
            rpo: g.rpo()?,
        });
    }
    Ok(backend)
}

//! The clusters a command works on, whatever they are: real arrays from the configuration, or the
//! lab's simulated ones. Commands see only [`Backend`]: a list of named [`DynArray`]s and the
//! protection groups.

use std::time::Duration;

use futures::future::join_all;
use vrepl_storage::mirror::MirrorRelationship;
use vrepl_storage::model::{ClusterName, Volume};
use vrepl_storage::{DynArray, Error as StorageError};

use crate::exit::{CliError, CliResult, ErrorKind};

/// One cluster.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Its name.
    pub name: ClusterName,
    /// Its site, when known.
    pub site: Option<String>,
    /// The backend.
    pub array: DynArray,
}

/// A protection group: relationships that fail over together, and their RPO.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProtectionGroup {
    /// Its name (`PG1`).
    pub name: String,
    /// Destinations, as written in the configuration (`svm:volume` or `cluster:svm:volume`).
    pub relationships: Vec<String>,
    /// The datastores the group carries.
    pub datastores: Vec<String>,
    /// Recovery point objective.
    pub rpo: Option<Duration>,
}

/// The clusters and groups a command works with.
#[derive(Debug, Clone, Default)]
pub struct Backend {
    /// Every configured cluster.
    pub clusters: Vec<Cluster>,
    /// Protection groups.
    pub groups: Vec<ProtectionGroup>,
    /// Configured clusters that could not be connected to.
    pub down: Vec<DownCluster>,
}

/// A configured cluster that could not be connected to when the run started.
#[derive(Debug, Clone)]
pub struct DownCluster {
    /// Which.
    pub name: ClusterName,
    /// Why, as the connection attempt said.
    pub reason: String,
    /// Connection or authentication, as the attempt failed.
    pub kind: ErrorKind,
}

/// Something found on one cluster.
#[derive(Debug, Clone)]
pub struct OnCluster<T> {
    /// Where.
    pub cluster: Cluster,
    /// What.
    pub item: T,
}

/// A cluster that could not answer.
#[derive(Debug, Clone)]
pub struct Unreachable {
    /// Which.
    pub cluster: ClusterName,
    /// Why.
    pub reason: String,
    /// The exit-code kind of the failure.
    pub kind: ErrorKind,
}

impl Unreachable {
    fn from_error(cluster: &ClusterName, e: &StorageError) -> Self {
        Self {
            cluster: cluster.clone(),
            reason: e.to_string(),
            kind: crate::exit::kind_of(e),
        }
    }
}

/// What a question to every cluster gave: the answers, and the clusters that failed.
#[derive(Debug)]
pub struct Gathered<T> {
    /// Answers, in cluster order.
    pub found: Vec<OnCluster<T>>,
    /// Clusters that failed to answer.
    pub unreachable: Vec<Unreachable>,
}

impl<T> Gathered<T> {
    /// Turns the first failure into an error, for commands that need every cluster.
    pub fn require_all(self) -> CliResult<Vec<OnCluster<T>>> {
        match self.unreachable.into_iter().next() {
            Some(u) => Err(CliError::new(u.kind, u.reason).context(&u.cluster)),
            None => Ok(self.found),
        }
    }
}

impl Backend {
    /// The cluster with this name.
    pub fn cluster(&self, name: &ClusterName) -> CliResult<&Cluster> {
        if let Some(d) = self.down.iter().find(|d| &d.name == name) {
            return Err(CliError::new(
                d.kind,
                format!("cannot connect to cluster {name}: {}", d.reason),
            )
            .with_hint("check that it is up, and its url and credentials (snapctl config check)"));
        }
        self.clusters
            .iter()
            .find(|c| &c.name == name)
            .ok_or_else(|| {
                CliError::not_found(format!("cluster {name} is not configured")).with_hint(format!(
                    "configured clusters: {}",
                    self.cluster_names().join(", ")
                ))
            })
    }

    /// The configured cluster names.
    pub fn cluster_names(&self) -> Vec<String> {
        self.clusters
            .iter()
            .map(|c| c.name.to_string())
            .chain(self.down.iter().map(|d| d.name.to_string()))
            .collect()
    }

    /// The protection group with this name.
    pub fn group(&self, name: &str) -> Option<&ProtectionGroup> {
        self.groups.iter().find(|g| g.name == name)
    }

    /// Every relationship, asked of every cluster at once (each reports those whose destination
    /// it holds). A cluster that is down is reported, not fatal: in an outage the other site's
    /// view is what matters.
    pub async fn relationships(&self) -> Gathered<MirrorRelationship> {
        self.gather(|c| {
            let array = std::sync::Arc::clone(&c.array);
            async move { array.list_relationships().await }
        })
        .await
    }

    /// Every volume of every cluster.
    pub async fn volumes(&self) -> Gathered<Volume> {
        self.gather(|c| {
            let array = std::sync::Arc::clone(&c.array);
            async move { array.list_volumes(None).await }
        })
        .await
    }

    /// Runs `ask` on every cluster concurrently and flattens the answers.
    pub async fn gather<T, F, Fut>(&self, ask: F) -> Gathered<T>
    where
        F: Fn(&Cluster) -> Fut,
        Fut: std::future::Future<Output = vrepl_storage::Result<Vec<T>>>,
    {
        let answers = join_all(self.clusters.iter().map(|c| {
            let fut = ask(c);
            async move { (c, fut.await) }
        }))
        .await;
        let mut out = Gathered {
            found: Vec::new(),
            unreachable: self
                .down
                .iter()
                .map(|d| Unreachable {
                    cluster: d.name.clone(),
                    reason: d.reason.clone(),
                    kind: d.kind,
                })
                .collect(),
        };
        for (cluster, answer) in answers {
            match answer {
                Ok(items) => out.found.extend(items.into_iter().map(|item| OnCluster {
                    cluster: cluster.clone(),
                    item,
                })),
                Err(error) => {
                    tracing::debug!(cluster = %cluster.name, %error, "cluster did not answer");
                    out.unreachable
                        .push(Unreachable::from_error(&cluster.name, &error))
                }
            }
        }
        out
    }
}

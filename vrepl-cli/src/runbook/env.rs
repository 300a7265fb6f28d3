//! What a runbook acts on: one array per cluster and one ESX host per host name.

use std::collections::BTreeMap;
use std::sync::Arc;

use vrepl_esx::EsxHost;
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

//! [`Fabric`]: every simulated cluster on one simulated SAN/IP fabric, with its clock, faults and
//! persistence.

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::array::SimArray;
use super::topology::LabTopology;
use super::types::{ClusterInfo, Fault, LabOptions, SvmInfo, DEFAULT_BANDWIDTH};
use super::world::{Cluster, Svm, World};
use crate::error::{Error, ObjectKind, Result};
use crate::mirror::{MirrorRelationship, TransferResult};
use crate::model::{ClusterName, SvmName};

/// Every simulated cluster on one fabric. Cheap to clone: clones share the same world.
#[derive(Clone)]
pub struct Fabric {
    pub(crate) world: Arc<Mutex<World>>,
}

impl fmt::Debug for Fabric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // try_lock: formatting must never deadlock against a caller holding the world.
        match self.world.try_lock() {
            Ok(w) => f
                .debug_struct("Fabric")
                .field("clusters", &w.clusters.keys().collect::<Vec<_>>())
                .field("relationships", &w.relationships.len())
                .field("now", &w.now())
                .finish(),
            Err(_) => f.debug_struct("Fabric").finish_non_exhaustive(),
        }
    }
}

impl Default for Fabric {
    fn default() -> Self {
        Self::new()
    }
}

/// What `to_json` writes.
#[derive(Serialize, Deserialize)]
struct Saved {
    format: u32,
    world: World,
}

const SAVE_FORMAT: u32 = 1;

impl Fabric {
    /// An empty fabric (no clusters), its clock starting now.
    pub fn new() -> Self {
        Self::from_world(World::new(None, false, DEFAULT_BANDWIDTH))
    }

    /// An empty fabric with the given options.
    pub fn with_options(opts: &LabOptions) -> Self {
        Self::from_world(World::new(
            opts.start_time,
            opts.seven_mode,
            opts.bandwidth_bytes_per_sec,
        ))
    }

    pub(crate) fn from_world(world: World) -> Self {
        Self {
            world: Arc::new(Mutex::new(world)),
        }
    }

    /// Locks the world, without settling transfers.
    pub(crate) fn lock(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Locks the world and settles every transfer up to now.
    pub(crate) fn touch(&self) -> MutexGuard<'_, World> {
        let mut w = self.lock();
        w.advance();
        w
    }

    /// Adds a cluster (for building worlds other than the lab).
    pub fn add_cluster(&self, name: &str, version: (u8, u8, u8)) -> Result<ClusterName> {
        let name = ClusterName::new(name)?;
        let mut w = self.touch();
        if w.clusters.contains_key(name.as_str()) {
            return Err(Error::AlreadyExists {
                kind: ObjectKind::Cluster,
                name: name.to_string(),
            });
        }
        let uuid = w.ids.uuid();
        w.clusters.insert(
            name.to_string(),
            Cluster {
                name: name.clone(),
                uuid,
                version,
                svms: Default::default(),
            },
        );
        Ok(name)
    }

    /// Adds an SVM to a cluster, with its NFS data LIF address. SVM names are unique on the
    /// fabric (SnapMirror paths name SVMs, not clusters).
    pub fn add_svm(&self, cluster: &str, svm: &str, nfs_lif: &str) -> Result<SvmName> {
        let svm = SvmName::new(svm)?;
        let mut w = self.touch();
        w.cluster(cluster)?;
        if let Some(other) = w.cluster_of_svm(svm.as_str()) {
            return Err(Error::AlreadyExists {
                kind: ObjectKind::Svm,
                name: format!("{svm} (on cluster {other})"),
            });
        }
        let uuid = w.ids.uuid();
        let entry = Svm::new(svm.clone(), uuid, nfs_lif.to_string());
        w.clusters
            .get_mut(cluster)
            .expect("checked above")
            .svms
            .insert(svm.to_string(), entry);
        Ok(svm)
    }

    /// The array (storage and mirror control) of one cluster.
    pub fn array(&self, cluster: &str) -> Result<SimArray> {
        let w = self.lock();
        let c = w.cluster(cluster).map_err(|_| {
            let known: Vec<&str> = w.clusters.keys().map(String::as_str).collect();
            Error::not_found(
                ObjectKind::Cluster,
                format!("{cluster} (the fabric has: {})", known.join(", ")),
            )
        })?;
        Ok(SimArray::new(self.clone(), c.name.clone()))
    }

    /// Every cluster's array.
    pub fn arrays(&self) -> Vec<SimArray> {
        let w = self.lock();
        w.clusters
            .values()
            .map(|c| SimArray::new(self.clone(), c.name.clone()))
            .collect()
    }

    /// The clusters' names.
    pub fn clusters(&self) -> Vec<ClusterName> {
        self.lock()
            .clusters
            .values()
            .map(|c| c.name.clone())
            .collect()
    }

    /// The cluster serving an SVM.
    pub fn cluster_of_svm(&self, svm: &SvmName) -> Option<ClusterName> {
        let w = self.lock();
        let name = w.cluster_of_svm(svm.as_str())?;
        Some(w.clusters[name].name.clone())
    }

    /// A cluster's identity: UUID, ONTAP release and SVMs.
    pub fn cluster_info(&self, cluster: &str) -> Result<ClusterInfo> {
        let w = self.lock();
        let c = w.cluster(cluster)?;
        Ok(ClusterInfo {
            name: c.name.clone(),
            uuid: c.uuid.clone(),
            version: c.version,
            svms: c
                .svms
                .values()
                .map(|s| SvmInfo {
                    name: s.name.clone(),
                    uuid: s.uuid.clone(),
                    nfs_lif: s.nfs_lif.clone(),
                })
                .collect(),
        })
    }

    /// The lab's topology (empty for a fabric not built from one).
    pub fn topology(&self) -> LabTopology {
        self.lock().topology.clone()
    }

    /// Whether the arrays behave like 7-Mode (FlexClone LUNs start offline).
    pub fn seven_mode(&self) -> bool {
        self.lock().seven_mode
    }

    /// The relationships whose source is on `source_cluster` (ONTAP's
    /// `snapmirror list-destinations` view): released ones are not listed.
    pub fn relationships_from(&self, source_cluster: &str) -> Vec<MirrorRelationship> {
        let w = self.touch();
        (0..w.relationships.len())
            .filter(|&i| {
                let r = &w.relationships[i];
                r.source_record && r.source_cluster == source_cluster
            })
            .map(|i| w.model_relationship(i))
            .collect()
    }

    /// Takes a cluster down or brings it back. While it is down, every call to its array fails
    /// with a retryable transport error, transfers to or from it fail, and hosts no longer see
    /// its LUNs ([`Self::visible_luns`]) or NFS exports ([`Self::nfs_lookup`]). The content
    /// calls ([`Self::write_file`], …) still reach its volumes: they stand in for the data
    /// itself, which a site outage does not change.
    pub fn set_reachable(&self, cluster: &str, up: bool) {
        let mut w = self.touch();
        if up {
            w.unreachable.remove(cluster);
        } else {
            w.unreachable.insert(cluster.to_string());
            // Transfers that need the cluster fail now.
            w.advance();
        }
    }

    /// Injects a fault into one cluster.
    pub fn inject(&self, cluster: &str, fault: Fault) {
        self.touch()
            .faults
            .entry(cluster.to_string())
            .or_default()
            .push(fault);
    }

    /// Removes every injected fault (reachability is separate: see [`Self::set_reachable`]).
    pub fn clear_faults(&self) {
        self.touch().faults.clear();
    }

    /// Sets the replication bandwidth; running transfers continue at the new rate.
    pub fn set_bandwidth(&self, bytes_per_sec: u64) {
        self.touch().bandwidth = bytes_per_sec.max(1);
    }

    /// The simulated wall clock: the start time plus tokio time elapsed since.
    pub fn now(&self) -> OffsetDateTime {
        self.lock().now()
    }

    /// The whole world as JSON (faults are not saved). When loaded, a world whose clock started
    /// at the real time catches up with the real time that passed meanwhile (so a transfer
    /// started by one `snapctl` command has progressed when the next one runs); one started at
    /// a fixed [`LabOptions::start_time`] resumes where it stopped.
    pub fn to_json(&self) -> serde_json::Value {
        let mut w = self.touch();
        let now = w.now();
        w.wall_at_origin = now;
        w.origin = tokio::time::Instant::now();
        let saved = SavedRef {
            format: SAVE_FORMAT,
            world: &w,
        };
        serde_json::to_value(&saved).expect("the world serializes")
    }

    /// A fabric from what [`Self::to_json`] wrote.
    pub fn from_json(v: serde_json::Value) -> Result<Fabric> {
        let saved: Saved = serde_json::from_value(v)
            .map_err(|e| Error::InvalidArgument(format!("not a saved simulated fabric: {e}")))?;
        if saved.format != SAVE_FORMAT {
            return Err(Error::InvalidArgument(format!(
                "saved fabric has format {}, this build reads format {SAVE_FORMAT}; rebuild the lab",
                saved.format
            )));
        }
        let mut world = saved.world;
        if world.follows_wall_clock {
            // Real time passed while the world sat in a file: transfers progressed meanwhile.
            world.wall_at_origin = world.wall_at_origin.max(OffsetDateTime::now_utc());
        }
        Ok(Self::from_world(world))
    }

    /// Aborts relationship `idx`'s transfer (test and driver helper shared with SimArray).
    pub(crate) fn abort_running(w: &mut World, idx: usize) {
        let now = w.now();
        w.finish(idx, now, TransferResult::Aborted);
    }
}

#[derive(Serialize)]
struct SavedRef<'a> {
    format: u32,
    world: &'a World,
}

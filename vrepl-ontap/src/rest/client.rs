//! [`OntapRestClient`]: one cluster's REST API, with the lookups the trait implementations share.

use std::collections::HashSet;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vrepl_storage::model::{ClusterName, Snapshot, SnapshotName, SvmName, Volume, VolumePath};
use vrepl_storage::{Error, ObjectKind, Result};

use super::config::RestConfig;
use super::errors::{is_unknown_field, Context};
use super::jobs;
use super::request::{self, ApiRequest};
use super::transport::{Reply, Transport};
use super::wire::{ClusterRecord, SnapshotDeltaRecord, SnapshotRecord, SvmRecord, VolumeRecord};

/// A client of one ONTAP cluster's REST API, implementing [`vrepl_storage::StorageArray`] and
/// [`vrepl_storage::MirrorControl`].
///
/// Cheap to clone (clones share the connection pool and the request count). `Debug` shows the
/// cluster, address, user and release, never the password.
#[derive(Clone)]
pub struct OntapRestClient {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) transport: Transport,
    pub(crate) cluster: ClusterName,
    pub(crate) uuid: String,
    pub(crate) version: (u8, u8, u8),
    pub(crate) job_timeout: Duration,
    /// Clients of the clusters on the other side of this cluster's relationships.
    pub(crate) peers: Mutex<Vec<OntapRestClient>>,
    /// Whether snapshot `size` may be asked for (9.9+, until the cluster says it does not know it).
    pub(crate) snapshot_size: AtomicBool,
    /// Whether snapshot `delta` may be asked for (9.12+, until the cluster says it does not
    /// know it).
    pub(crate) snapshot_delta: AtomicBool,
    /// Relationships (uuids) this client quiesced while they were transferring. REST has no
    /// "quiescing" state: such a relationship reads `snapmirrored` and `transferring` until the
    /// transfer ends and it turns `paused`, so the client remembers what it asked for.
    pub(crate) quiescing: Mutex<HashSet<String>>,
}

impl fmt::Debug for OntapRestClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (a, b, c) = self.inner.version;
        f.debug_struct("OntapRestClient")
            .field("cluster", &self.inner.cluster.as_str())
            .field("endpoint", &self.inner.transport.endpoint())
            .field("user", &self.inner.transport.username())
            .field("version", &format!("{a}.{b}.{c}"))
            .finish_non_exhaustive()
    }
}

impl OntapRestClient {
    /// Connects: reads `GET /api/cluster?fields=name,uuid,version`, which also proves the
    /// credentials and the TLS trust.
    pub async fn connect(config: RestConfig) -> Result<Self> {
        let transport = Transport::new(&config)?;
        let ctx = Context::object(
            transport.endpoint(),
            ObjectKind::Cluster,
            transport.endpoint(),
        );
        let record: ClusterRecord = transport.call_json(&request::cluster(), &ctx).await?;
        let cluster = ClusterName::new(record.name.clone()).map_err(|e| Error::Protocol {
            endpoint: transport.endpoint().to_string(),
            message: format!("the cluster calls itself {:?}: {e}", record.name),
        })?;
        let v = &record.version;
        tracing::debug!(cluster = %cluster, version = ?v.full, "connected to ONTAP");
        Ok(Self {
            inner: Arc::new(Inner {
                transport,
                cluster,
                uuid: record.uuid.unwrap_or_default(),
                version: (v.generation, v.major, v.minor),
                job_timeout: config.job_timeout,
                peers: Mutex::new(Vec::new()),
                snapshot_size: AtomicBool::new((v.generation, v.major, v.minor) >= (9, 9, 0)),
                snapshot_delta: AtomicBool::new((v.generation, v.major, v.minor) >= (9, 12, 0)),
                quiescing: Mutex::new(HashSet::new()),
            }),
        })
    }

    /// The cluster's ONTAP release, such as `(9, 16, 1)`.
    pub fn version(&self) -> (u8, u8, u8) {
        self.inner.version
    }

    /// The cluster's uuid.
    pub fn cluster_uuid(&self) -> &str {
        &self.inner.uuid
    }

    /// HTTP requests sent so far, by this client and its clones.
    pub fn calls(&self) -> u64 {
        self.inner.transport.calls()
    }

    /// Lets this client reach the cluster at the other end of its relationships. Needed for
    /// what one cluster cannot answer alone: the source's snapshots in a resync preview, the
    /// reverse-resync preview, and reverse resync on releases before 9.9.1. Break, resync and
    /// everything else talk only to this cluster.
    pub fn add_peer(&self, peer: &OntapRestClient) {
        // A detached copy without its own peers, so two clusters peering each other do not
        // keep each other alive.
        let detached = OntapRestClient {
            inner: Arc::new(Inner {
                transport: peer.inner.transport.clone(),
                cluster: peer.inner.cluster.clone(),
                uuid: peer.inner.uuid.clone(),
                version: peer.inner.version,
                job_timeout: peer.inner.job_timeout,
                peers: Mutex::new(Vec::new()),
                snapshot_size: AtomicBool::new(peer.inner.snapshot_size.load(Ordering::Relaxed)),
                snapshot_delta: AtomicBool::new(peer.inner.snapshot_delta.load(Ordering::Relaxed)),
                quiescing: Mutex::new(HashSet::new()),
            }),
        };
        let mut peers = self.inner.peers.lock().unwrap_or_else(|p| p.into_inner());
        peers.retain(|p| p.inner.cluster != detached.inner.cluster);
        peers.push(detached);
    }

    /// The peer client for `cluster`; without a name, the only peer if there is exactly one.
    pub(crate) fn peer(&self, cluster: Option<&ClusterName>) -> Option<OntapRestClient> {
        let peers = self.inner.peers.lock().unwrap_or_else(|p| p.into_inner());
        match cluster {
            Some(c) => peers.iter().find(|p| &p.inner.cluster == c).cloned(),
            None if peers.len() == 1 => peers.first().cloned(),
            None => None,
        }
    }

    pub(crate) fn endpoint(&self) -> &str {
        self.inner.transport.endpoint()
    }

    pub(crate) fn transport(&self) -> &Transport {
        &self.inner.transport
    }

    pub(crate) fn ctx(&self, kind: ObjectKind, name: impl ToString) -> Context {
        Context::object(self.endpoint(), kind, name)
    }

    /// Sends a write and waits for its job.
    pub(crate) async fn run(&self, req: &ApiRequest, ctx: &Context) -> Result<Reply> {
        jobs::run(self.transport(), self.inner.job_timeout, req, ctx).await
    }

    /// Whether the cluster runs at least this release.
    pub(crate) fn at_least(&self, version: (u8, u8, u8)) -> bool {
        self.inner.version >= version
    }

    /// Fails with "SVM not found" when the SVM does not exist (checked after an empty answer, so
    /// a missing SVM is told apart from a missing object in it).
    pub(crate) async fn require_svm(&self, svm: &SvmName) -> Result<()> {
        let found: Vec<SvmRecord> = self
            .transport()
            .get_all(request::svms(Some(svm)), &self.ctx(ObjectKind::Svm, svm))
            .await?;
        if found.is_empty() {
            return Err(Error::not_found(ObjectKind::Svm, svm));
        }
        Ok(())
    }

    /// One volume, or NotFound naming the SVM or the volume.
    pub(crate) async fn find_volume(&self, path: &VolumePath) -> Result<Volume> {
        let records: Vec<VolumeRecord> = self
            .transport()
            .get_all(request::volume(path), &self.ctx(ObjectKind::Volume, path))
            .await?;
        match records.into_iter().next() {
            Some(r) => r.into_model(self.endpoint()),
            None => {
                self.require_svm(&path.svm).await?;
                Err(Error::not_found(ObjectKind::Volume, path))
            }
        }
    }

    /// Snapshot records of a volume (one by name when given), with their size where the
    /// release has it; a cluster that refuses the field is asked again without it, once.
    pub(crate) async fn snapshot_records(
        &self,
        volume: &Volume,
        name: Option<&SnapshotName>,
    ) -> Result<Vec<SnapshotRecord>> {
        let ctx = self.ctx(ObjectKind::Volume, &volume.path);
        if self.inner.snapshot_size.load(Ordering::Relaxed) {
            match self
                .transport()
                .get_all(request::snapshots(&volume.uuid, name, true), &ctx)
                .await
            {
                Err(e) if is_unknown_field(&e) => {
                    tracing::debug!(cluster = %self.inner.cluster, "no snapshot size field; asking without it");
                    self.inner.snapshot_size.store(false, Ordering::Relaxed);
                }
                other => return other,
            }
        }
        self.transport()
            .get_all(request::snapshots(&volume.uuid, name, false), &ctx)
            .await
    }

    /// Bytes that differ between `snapshot` and the volume's active file system (ONTAP's
    /// snapshot `delta`, 9.12+); `None` when the cluster cannot say.
    pub(crate) async fn delta_since(
        &self,
        volume: &Volume,
        snapshot: &SnapshotName,
    ) -> Result<Option<u64>> {
        if !self.inner.snapshot_delta.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let ctx = self.ctx(ObjectKind::Snapshot, format!("{}@{snapshot}", volume.path));
        match self
            .transport()
            .get_all::<SnapshotDeltaRecord>(request::snapshot_delta(&volume.uuid, snapshot), &ctx)
            .await
        {
            Ok(records) => Ok(records
                .into_iter()
                .find(|r| r.name.as_deref() == Some(snapshot.as_str()))
                .and_then(|r| r.delta)
                .and_then(|d| d.size_consumed)),
            Err(e) if is_unknown_field(&e) => {
                tracing::debug!(cluster = %self.inner.cluster, "no snapshot delta field");
                self.inner.snapshot_delta.store(false, Ordering::Relaxed);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// A volume's snapshots, oldest first: in ONTAP's list order, which is creation order.
    /// Not sorted by `create_time`, whose one-second resolution cannot order two snapshots
    /// taken in the same second.
    pub(crate) async fn snapshots_of(&self, volume: &Volume) -> Result<Vec<Snapshot>> {
        self.snapshot_records(volume, None)
            .await?
            .into_iter()
            .map(|r| r.into_model(self.endpoint()))
            .collect()
    }
}

//! What the handlers share: the fabric, this cluster's array, the job table and the ids ONTAP
//! shows that the storage model does not carry (export policy ids, transfer uuids).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

use vrepl_storage::mirror::MirrorRelationship;
use vrepl_storage::model::{PolicyName, SvmName};
use vrepl_storage::sim::{ClusterInfo, Fabric, SimArray};
use vrepl_storage::{Error, MirrorControl, Result, StorageArray};

use super::errors::{ApiError, Doing};
use super::fields::Version;
use super::jobs::Jobs;

/// The first export policy id handed out (ONTAP's ids are large integers like 8589934593).
const FIRST_POLICY_ID: u64 = 8_589_934_593;

/// One simulated cluster behind the REST server.
#[derive(Debug)]
pub(crate) struct Sim {
    pub fabric: Fabric,
    pub cluster: String,
    pub array: SimArray,
    pub jobs: Jobs,
    /// The release this server answers as (`GET /api/cluster`), which decides its fields.
    pub version: Version,
    ids: Mutex<Ids>,
}

#[derive(Debug, Default)]
struct Ids {
    policies: BTreeMap<(String, String), u64>,
    next_policy: u64,
    /// relationship uuid → uuid of its running transfer.
    transfers: HashMap<String, String>,
    /// (volume uuid, snapshot name) → the comment given at creation (the model has none).
    snapshot_comments: HashMap<(String, String), String>,
}

impl Sim {
    /// Serves `cluster`, answering as `version` (by default the release the fabric gives it).
    pub fn new(fabric: Fabric, cluster: &str, version: Option<Version>) -> Result<Self> {
        let array = fabric.array(cluster)?;
        let version = match version {
            Some(v) => v,
            None => fabric.cluster_info(cluster)?.version,
        };
        let clock = fabric.clone();
        Ok(Self {
            version,
            jobs: Jobs::new(move || clock.now()),
            fabric,
            cluster: cluster.to_string(),
            array,
            ids: Mutex::new(Ids {
                next_policy: FIRST_POLICY_ID,
                ..Ids::default()
            }),
        })
    }

    fn ids(&self) -> MutexGuard<'_, Ids> {
        self.ids.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The cluster's identity and SVMs. Goes through the array (listing its SVMs) so that a
    /// cluster that is down does not answer.
    pub async fn info(&self) -> Result<ClusterInfo, ApiError> {
        self.array.list_svms().await.map_err(|e| self.error(&e))?;
        self.fabric
            .cluster_info(&self.cluster)
            .map_err(|e| self.error(&e))
    }

    /// The uuid of an SVM of this cluster (or of a peer, for relationship endpoints).
    pub fn svm_uuid(&self, svm: &str) -> Option<String> {
        let cluster = self.fabric.cluster_of_svm(&SvmName::new(svm).ok()?)?;
        let info = self.fabric.cluster_info(cluster.as_str()).ok()?;
        info.svms
            .into_iter()
            .find(|s| s.name.as_str() == svm)
            .map(|s| s.uuid)
    }

    /// Maps an array error the generic way (see [`Sim::map`]).
    pub fn error(&self, e: &Error) -> ApiError {
        self.map(e, Doing::General, None)
    }

    /// Maps an array error to ONTAP's answer; when this very cluster is down, the request
    /// gets no answer at all (see [`ApiError::cluster_down`]).
    pub fn map(&self, e: &Error, doing: Doing, snapshot: Option<(&str, &str, &str)>) -> ApiError {
        match e {
            Error::Transport { endpoint, .. } if endpoint == &self.cluster => {
                ApiError::cluster_down()
            }
            _ => super::errors::from_storage(e, doing, snapshot),
        }
    }

    /// The id ONTAP shows for an export policy (stable for the server's lifetime).
    pub fn policy_id(&self, svm: &SvmName, policy: &PolicyName) -> u64 {
        let mut ids = self.ids();
        let key = (svm.to_string(), policy.to_string());
        if let Some(id) = ids.policies.get(&key) {
            return *id;
        }
        let id = ids.next_policy;
        ids.next_policy += 1;
        ids.policies.insert(key, id);
        id
    }

    /// The export policies this server has handed out ids for.
    pub fn known_policies(&self) -> Vec<(String, String, u64)> {
        self.ids()
            .policies
            .iter()
            .map(|((svm, name), id)| (svm.clone(), name.clone(), *id))
            .collect()
    }

    /// The policy behind an id.
    pub fn policy_by_id(&self, id: u64) -> Option<(SvmName, PolicyName)> {
        let ids = self.ids();
        let ((svm, name), _) = ids.policies.iter().find(|(_, v)| **v == id)?;
        Some((SvmName::new(svm).ok()?, PolicyName::new(name).ok()?))
    }

    /// Remembers a snapshot's comment.
    pub fn set_snapshot_comment(&self, volume_uuid: &str, snapshot: &str, comment: String) {
        self.ids()
            .snapshot_comments
            .insert((volume_uuid.to_string(), snapshot.to_string()), comment);
    }

    /// A snapshot's comment, if one was given.
    pub fn snapshot_comment(&self, volume_uuid: &str, snapshot: &str) -> Option<String> {
        self.ids()
            .snapshot_comments
            .get(&(volume_uuid.to_string(), snapshot.to_string()))
            .cloned()
    }

    /// The uuid of the relationship's running transfer (made up the first time it is seen
    /// running, forgotten once it stops).
    pub fn transfer_uuid(&self, rel: &MirrorRelationship) -> Option<String> {
        let mut ids = self.ids();
        if rel.transfer.is_busy() {
            Some(
                ids.transfers
                    .entry(rel.uuid.clone())
                    .or_insert_with(|| uuid::Uuid::new_v4().to_string())
                    .clone(),
            )
        } else {
            ids.transfers.remove(&rel.uuid);
            None
        }
    }

    /// Relationships whose destination is on this cluster.
    pub async fn relationships(&self) -> Result<Vec<MirrorRelationship>, ApiError> {
        self.array
            .list_relationships()
            .await
            .map_err(|e| self.error(&e))
    }

    /// Relationships whose source is on this cluster (`list_destinations_only`).
    pub fn outgoing(&self) -> Vec<MirrorRelationship> {
        self.fabric.relationships_from(&self.cluster)
    }

    /// The relationship with this uuid, on either side.
    pub async fn relationship(&self, uuid: &str) -> Result<(MirrorRelationship, bool), ApiError> {
        if let Some(r) = self
            .relationships()
            .await?
            .into_iter()
            .find(|r| r.uuid == uuid)
        {
            return Ok((r, true));
        }
        self.outgoing()
            .into_iter()
            .find(|r| r.uuid == uuid)
            .map(|r| (r, false))
            .ok_or_else(ApiError::not_found_uuid)
    }

    /// Every volume of the cluster.
    pub async fn volumes(&self) -> Result<Vec<vrepl_storage::model::Volume>, ApiError> {
        self.array
            .list_volumes(None)
            .await
            .map_err(|e| self.error(&e))
    }

    /// The volume with this uuid.
    pub async fn volume(&self, uuid: &str) -> Result<vrepl_storage::model::Volume, ApiError> {
        self.volumes()
            .await?
            .into_iter()
            .find(|v| v.uuid == uuid)
            .ok_or_else(ApiError::not_found_uuid)
    }
}

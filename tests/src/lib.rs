//! End-to-end scenarios live in tests/*.rs; this is their lab harness: the seed's two-site lab,
//! the runbook environment in front of it, and questions about the world afterwards.

use std::path::PathBuf;
use std::sync::Arc;

use vrepl_cli::runbook::{group, Environment, ProtectionGroup, RunOptions, Runner};
use vrepl_storage::mirror::{MirrorRelationship, MirrorState};
use vrepl_storage::model::{LunName, VolumePath};
use vrepl_storage::sim::{DataPath, Fabric, LabOptions};
use vrepl_storage::{MirrorControl, StorageArray};

/// A lab for one scenario; its run directories go away with it.
#[derive(Debug)]
pub struct Lab {
    /// The simulated world.
    pub fabric: Fabric,
    /// What runbooks act on.
    pub env: Environment,
    /// PG1 and PG2.
    pub groups: Vec<ProtectionGroup>,
    runs: tempfile::TempDir,
}

/// Replication fast enough that transfers end within a poll.
pub const FAST: u64 = 1 << 40;

impl Lab {
    /// The lab with the simulated arrays called directly and no ESX hosts in the groups (the
    /// storage half of every runbook).
    pub fn storage_only() -> Lab {
        let fabric = Fabric::lab_with(LabOptions {
            bandwidth_bytes_per_sec: FAST,
            ..LabOptions::default()
        });
        let mut env = Environment::new();
        for array in fabric.arrays() {
            env = env.with_array(Arc::new(array));
        }
        let mut groups = group::lab_groups(&fabric.topology()).expect("lab groups");
        for g in &mut groups {
            g.protected.hosts.clear();
            g.recovery.hosts.clear();
        }
        Lab {
            fabric,
            env,
            groups,
            runs: tempfile::tempdir().expect("temp dir"),
        }
    }

    /// A protection group by name.
    pub fn group(&self, name: &str) -> ProtectionGroup {
        self.groups
            .iter()
            .find(|g| g.name == name)
            .cloned()
            .expect("lab group")
    }

    /// Where runs are kept.
    pub fn runs_dir(&self) -> PathBuf {
        self.runs.path().to_path_buf()
    }

    /// Run options with fast polling.
    pub fn options(&self) -> RunOptions {
        RunOptions::new(self.runs_dir())
    }

    /// A runner with default options.
    pub fn runner(&self) -> Runner {
        Runner::new(self.env.clone(), self.options())
    }

    /// The relationship whose destination is `dest`, on whichever cluster holds it.
    pub async fn relationship(&self, dest: &str) -> Option<MirrorRelationship> {
        let dest = VolumePath::parse(dest).expect("path");
        for a in self.fabric.arrays() {
            if let Ok(r) = a.relationship(&dest).await {
                return Some(r);
            }
        }
        None
    }

    /// The state of `source -> dest`, or `None` if no such relationship exists.
    pub async fn state(&self, source: &str, dest: &str) -> Option<MirrorState> {
        self.relationship(dest)
            .await
            .filter(|r| r.source.to_string() == source)
            .map(|r| r.state)
    }

    /// Every volume of every cluster, as `svm:volume`.
    pub async fn volumes(&self) -> Vec<String> {
        let mut v = Vec::new();
        for a in self.fabric.arrays() {
            v.extend(
                a.list_volumes(None)
                    .await
                    .expect("volumes")
                    .into_iter()
                    .map(|x| x.path.to_string()),
            );
        }
        v.sort();
        v
    }

    /// Every LUN map of every cluster, as `svm:/vol/V/L -> igroup`.
    pub async fn maps(&self) -> Vec<String> {
        let mut v = Vec::new();
        for a in self.fabric.arrays() {
            v.extend(
                a.list_lun_maps(None)
                    .await
                    .expect("maps")
                    .into_iter()
                    .map(|m| format!("{}:{} -> {}", m.svm, m.lun, m.igroup)),
            );
        }
        v.sort();
        v
    }

    /// Reads a file inside the VMFS on `lun` of `volume`.
    pub fn read_vmfs(&self, volume: &str, lun: &str, path: &str) -> vrepl_storage::Result<Vec<u8>> {
        let at = DataPath::vmfs(LunName::new(lun)?, path);
        self.fabric.read_file(&VolumePath::parse(volume)?, &at)
    }

    /// Writes a file inside the VMFS on `lun` of `volume`, as a VM would.
    pub fn write_vmfs(
        &self,
        volume: &str,
        lun: &str,
        path: &str,
        data: &[u8],
    ) -> vrepl_storage::Result<()> {
        let at = DataPath::vmfs(LunName::new(lun)?, path);
        self.fabric
            .write_file(&VolumePath::parse(volume)?, &at, data)
    }
}

//! [`SimArray`]: one simulated cluster, implementing [`StorageArray`] (the work is in `ops`)
//! and [`crate::MirrorControl`] (in `mirror.rs`).

use std::time::Duration;

use async_trait::async_trait;

use super::fabric::Fabric;
use super::ops::{clones, nas, san, volumes};
use super::types::Fault;
use crate::array::StorageArray;
use crate::error::Result;
use crate::model::{
    CloneSpec, ClusterName, ExportRule, Igroup, IgroupName, Initiator, JunctionPath, Lun, LunMap,
    LunPath, NewExportRule, NewIgroup, NewLun, NewVolume, PolicyName, Snapshot, SnapshotName,
    SvmName, Volume, VolumePath, VolumeState,
};

/// One simulated cluster on a [`Fabric`]: storage and SnapMirror control.
#[derive(Clone, Debug)]
pub struct SimArray {
    pub(crate) fabric: Fabric,
    pub(crate) cluster: ClusterName,
}

impl SimArray {
    pub(crate) fn new(fabric: Fabric, cluster: ClusterName) -> Self {
        Self { fabric, cluster }
    }

    /// The fabric this array sits on.
    pub fn fabric(&self) -> &Fabric {
        &self.fabric
    }

    /// Applies what every call goes through: reachability, injected latency, injected failures.
    pub(crate) async fn enter(&self, op: &'static str) -> Result<()> {
        let (latency, fail) = {
            let mut w = self.fabric.lock();
            w.check_reachable(self.cluster.as_str())?;
            let faults = w.faults.entry(self.cluster.to_string()).or_default();
            let latency: Duration = faults
                .iter()
                .map(|f| match f {
                    Fault::Latency(d) => *d,
                    _ => Duration::ZERO,
                })
                .sum();
            let fail = faults
                .iter()
                .position(|f| matches!(f, Fault::FailNext { op: o, .. } if *o == op))
                .map(|i| match faults.remove(i) {
                    Fault::FailNext { error, .. } => error,
                    _ => unreachable!("position matched FailNext"),
                });
            (latency, fail)
        };
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match fail {
            Some(make) => Err(make()),
            None => Ok(()),
        }
    }

    fn c(&self) -> &str {
        self.cluster.as_str()
    }
}

#[async_trait]
impl StorageArray for SimArray {
    fn cluster(&self) -> &ClusterName {
        &self.cluster
    }

    async fn list_svms(&self) -> Result<Vec<SvmName>> {
        self.enter("list_svms").await?;
        volumes::list_svms(&self.fabric.touch(), self.c())
    }

    async fn list_volumes(&self, svm: Option<&SvmName>) -> Result<Vec<Volume>> {
        self.enter("list_volumes").await?;
        volumes::list_volumes(&self.fabric.touch(), self.c(), svm)
    }

    async fn volume(&self, path: &VolumePath) -> Result<Volume> {
        self.enter("volume").await?;
        volumes::volume(&self.fabric.touch(), self.c(), path)
    }

    async fn create_volume(&self, spec: &NewVolume) -> Result<Volume> {
        self.enter("create_volume").await?;
        volumes::create_volume(&mut self.fabric.touch(), self.c(), spec)
    }

    async fn delete_volume(&self, path: &VolumePath) -> Result<()> {
        self.enter("delete_volume").await?;
        volumes::delete_volume(&mut self.fabric.touch(), self.c(), path)
    }

    async fn set_volume_state(&self, path: &VolumePath, state: VolumeState) -> Result<()> {
        self.enter("set_volume_state").await?;
        volumes::set_volume_state(&mut self.fabric.touch(), self.c(), path, state)
    }

    async fn mount_volume(&self, path: &VolumePath, junction: &JunctionPath) -> Result<()> {
        self.enter("mount_volume").await?;
        volumes::mount_volume(&mut self.fabric.touch(), self.c(), path, junction)
    }

    async fn unmount_volume(&self, path: &VolumePath) -> Result<()> {
        self.enter("unmount_volume").await?;
        volumes::unmount_volume(&mut self.fabric.touch(), self.c(), path)
    }

    async fn list_snapshots(&self, volume: &VolumePath) -> Result<Vec<Snapshot>> {
        self.enter("list_snapshots").await?;
        volumes::list_snapshots(&self.fabric.touch(), self.c(), volume)
    }

    async fn create_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<Snapshot> {
        self.enter("create_snapshot").await?;
        volumes::create_snapshot(&mut self.fabric.touch(), self.c(), volume, name)
    }

    async fn delete_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<()> {
        self.enter("delete_snapshot").await?;
        volumes::delete_snapshot(&mut self.fabric.touch(), self.c(), volume, name)
    }

    async fn create_clone(&self, spec: &CloneSpec) -> Result<Volume> {
        self.enter("create_clone").await?;
        clones::create_clone(&mut self.fabric.touch(), self.c(), spec)
    }

    async fn split_clone(&self, path: &VolumePath) -> Result<()> {
        self.enter("split_clone").await?;
        clones::split_clone(&mut self.fabric.touch(), self.c(), path)
    }

    async fn list_luns(&self, volume: Option<&VolumePath>) -> Result<Vec<Lun>> {
        self.enter("list_luns").await?;
        san::list_luns(&self.fabric.touch(), self.c(), volume)
    }

    async fn create_lun(&self, spec: &NewLun) -> Result<Lun> {
        self.enter("create_lun").await?;
        san::create_lun(&mut self.fabric.touch(), self.c(), spec)
    }

    async fn set_lun_online(&self, svm: &SvmName, lun: &LunPath, online: bool) -> Result<()> {
        self.enter("set_lun_online").await?;
        san::set_lun_online(&mut self.fabric.touch(), self.c(), svm, lun, online)
    }

    async fn list_igroups(&self, svm: Option<&SvmName>) -> Result<Vec<Igroup>> {
        self.enter("list_igroups").await?;
        san::list_igroups(&self.fabric.touch(), self.c(), svm)
    }

    async fn create_igroup(&self, spec: &NewIgroup) -> Result<Igroup> {
        self.enter("create_igroup").await?;
        san::create_igroup(&mut self.fabric.touch(), self.c(), spec)
    }

    async fn add_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        self.enter("add_initiator").await?;
        san::add_initiator(&mut self.fabric.touch(), self.c(), svm, igroup, initiator)
    }

    async fn remove_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        self.enter("remove_initiator").await?;
        san::remove_initiator(&mut self.fabric.touch(), self.c(), svm, igroup, initiator)
    }

    async fn list_lun_maps(&self, svm: Option<&SvmName>) -> Result<Vec<LunMap>> {
        self.enter("list_lun_maps").await?;
        san::list_lun_maps(&self.fabric.touch(), self.c(), svm)
    }

    async fn map_lun(
        &self,
        svm: &SvmName,
        lun: &LunPath,
        igroup: &IgroupName,
        lun_id: Option<u32>,
    ) -> Result<LunMap> {
        self.enter("map_lun").await?;
        san::map_lun(&mut self.fabric.touch(), self.c(), svm, lun, igroup, lun_id)
    }

    async fn unmap_lun(&self, svm: &SvmName, lun: &LunPath, igroup: &IgroupName) -> Result<()> {
        self.enter("unmap_lun").await?;
        san::unmap_lun(&mut self.fabric.touch(), self.c(), svm, lun, igroup)
    }

    async fn list_export_rules(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
    ) -> Result<Vec<ExportRule>> {
        self.enter("list_export_rules").await?;
        nas::list_export_rules(&self.fabric.touch(), self.c(), svm, policy)
    }

    async fn create_export_policy(&self, svm: &SvmName, policy: &PolicyName) -> Result<()> {
        self.enter("create_export_policy").await?;
        nas::create_export_policy(&mut self.fabric.touch(), self.c(), svm, policy)
    }

    async fn add_export_rule(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
        rule: &NewExportRule,
    ) -> Result<ExportRule> {
        self.enter("add_export_rule").await?;
        nas::add_export_rule(&mut self.fabric.touch(), self.c(), svm, policy, rule)
    }

    async fn set_export_policy(&self, volume: &VolumePath, policy: &PolicyName) -> Result<()> {
        self.enter("set_export_policy").await?;
        nas::set_export_policy(&mut self.fabric.touch(), self.c(), volume, policy)
    }
}

//! [`StorageArray`] over REST: volumes, snapshots, FlexClones, LUNs, igroups, maps, exports.

use async_trait::async_trait;
use vrepl_storage::model::{
    CloneSpec, ClusterName, ExportRule, Igroup, IgroupName, Initiator, JunctionPath, Lun, LunMap,
    LunPath, NewExportRule, NewIgroup, NewLun, NewVolume, PolicyName, Snapshot, SnapshotName,
    SvmName, Volume, VolumePath, VolumeState,
};
use vrepl_storage::{Error, ObjectKind, Result, StorageArray};

use super::client::OntapRestClient;
use super::request::{self, ApiRequest};
use super::wire::{
    decode, Collection, ExportPolicyRecord, ExportRuleRecord, IgroupRecord, LunMapKeys,
    LunMapRecord, LunRecord, Record, SvmRecord, VolumeRecord,
};

impl OntapRestClient {
    /// Every object `req` lists. An empty answer about a named SVM is checked, so that an
    /// unknown SVM is NotFound rather than an empty list.
    async fn list_in_svm<R: Record>(
        &self,
        req: ApiRequest,
        kind: ObjectKind,
        svm: Option<&SvmName>,
    ) -> Result<Vec<R::Model>> {
        let records: Vec<R> = self.transport().get_all(req, &self.ctx(kind, "*")).await?;
        if records.is_empty() {
            if let Some(svm) = svm {
                self.require_svm(svm).await?;
            }
        }
        records
            .into_iter()
            .map(|r| r.to_model(self.endpoint()))
            .collect()
    }

    /// The one object `req` names in `svm`; NotFound (naming the SVM when it is the SVM that
    /// is missing) when there is none.
    async fn one_in_svm<R: Record>(
        &self,
        req: ApiRequest,
        kind: ObjectKind,
        svm: &SvmName,
        name: &(dyn std::fmt::Display + Sync),
    ) -> Result<R::Model> {
        let records: Vec<R> = self.transport().get_all(req, &self.ctx(kind, name)).await?;
        match records.into_iter().next() {
            Some(r) => r.to_model(self.endpoint()),
            None => {
                self.require_svm(svm).await?;
                Err(Error::not_found(kind, format!("{svm}:{name}")))
            }
        }
    }

    async fn lun_record(&self, svm: &SvmName, lun: &LunPath) -> Result<Lun> {
        let req = request::luns(Some(svm), None, Some(lun));
        self.one_in_svm::<LunRecord>(req, ObjectKind::Lun, svm, lun)
            .await
    }

    async fn igroup_record(&self, svm: &SvmName, name: &IgroupName) -> Result<Igroup> {
        let req = request::igroups(Some(svm), Some(name));
        self.one_in_svm::<IgroupRecord>(req, ObjectKind::Igroup, svm, name)
            .await
    }

    async fn export_policy_id(&self, svm: &SvmName, policy: &PolicyName) -> Result<u64> {
        let records: Vec<ExportPolicyRecord> = self
            .transport()
            .get_all(
                request::export_policies(svm, policy),
                &self.ctx(ObjectKind::ExportPolicy, policy),
            )
            .await?;
        match records.into_iter().next() {
            Some(r) => Ok(r.id),
            None => {
                self.require_svm(svm).await?;
                Err(Error::not_found(
                    ObjectKind::ExportPolicy,
                    format!("{svm}:{policy}"),
                ))
            }
        }
    }

    async fn snapshot_record(&self, volume: &Volume, name: &SnapshotName) -> Result<Snapshot> {
        let records = self.snapshot_records(volume, Some(name)).await?;
        records
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::not_found(ObjectKind::Snapshot, format!("{}@{name}", volume.path))
            })?
            .into_model(self.endpoint())
    }

    /// The newest SnapMirror snapshot of a volume, the default parent of a DR-test clone.
    async fn newest_snapmirror_snapshot(&self, volume: &Volume) -> Result<Option<SnapshotName>> {
        Ok(self
            .snapshots_of(volume)
            .await?
            .into_iter()
            .rfind(Snapshot::is_snapmirror)
            .map(|s| s.name))
    }
}

#[async_trait]
impl StorageArray for OntapRestClient {
    fn cluster(&self) -> &ClusterName {
        &self.inner.cluster
    }

    async fn list_svms(&self) -> Result<Vec<SvmName>> {
        let records: Vec<SvmRecord> = self
            .transport()
            .get_all(request::svms(None), &self.ctx(ObjectKind::Svm, "*"))
            .await?;
        records
            .into_iter()
            .map(|r| {
                SvmName::new(r.name.clone()).map_err(|e| Error::Protocol {
                    endpoint: self.endpoint().to_string(),
                    message: format!("SVM record has an invalid name {:?}: {e}", r.name),
                })
            })
            .collect()
    }

    async fn list_volumes(&self, svm: Option<&SvmName>) -> Result<Vec<Volume>> {
        self.list_in_svm::<VolumeRecord>(request::volumes(svm, None), ObjectKind::Volume, svm)
            .await
    }

    async fn volume(&self, path: &VolumePath) -> Result<Volume> {
        self.find_volume(path).await
    }

    async fn create_volume(&self, spec: &NewVolume) -> Result<Volume> {
        self.run(
            &request::create_volume(spec),
            &self.ctx(ObjectKind::Volume, &spec.path),
        )
        .await?;
        self.find_volume(&spec.path).await
    }

    async fn delete_volume(&self, path: &VolumePath) -> Result<()> {
        let v = self.find_volume(path).await?;
        self.run(
            &request::delete_volume(&v.uuid),
            &self.ctx(ObjectKind::Volume, path),
        )
        .await?;
        Ok(())
    }

    async fn set_volume_state(&self, path: &VolumePath, state: VolumeState) -> Result<()> {
        let v = self.find_volume(path).await?;
        self.run(
            &request::set_volume_state(&v.uuid, state),
            &self.ctx(ObjectKind::Volume, path),
        )
        .await?;
        Ok(())
    }

    async fn mount_volume(&self, path: &VolumePath, junction: &JunctionPath) -> Result<()> {
        let v = self.find_volume(path).await?;
        self.run(
            &request::mount_volume(&v.uuid, Some(junction.as_str())),
            &self.ctx(ObjectKind::Volume, path),
        )
        .await?;
        Ok(())
    }

    async fn unmount_volume(&self, path: &VolumePath) -> Result<()> {
        let v = self.find_volume(path).await?;
        self.run(
            &request::mount_volume(&v.uuid, None),
            &self.ctx(ObjectKind::Volume, path),
        )
        .await?;
        Ok(())
    }

    async fn list_snapshots(&self, volume: &VolumePath) -> Result<Vec<Snapshot>> {
        let v = self.find_volume(volume).await?;
        self.snapshots_of(&v).await
    }

    async fn create_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<Snapshot> {
        let v = self.find_volume(volume).await?;
        self.run(
            &request::create_snapshot(&v.uuid, name),
            &self.ctx(ObjectKind::Snapshot, format!("{volume}@{name}")),
        )
        .await?;
        self.snapshot_record(&v, name).await
    }

    async fn delete_snapshot(&self, volume: &VolumePath, name: &SnapshotName) -> Result<()> {
        let v = self.find_volume(volume).await?;
        let s = self.snapshot_record(&v, name).await?;
        self.run(
            &request::delete_snapshot(&v.uuid, &s.uuid),
            &self.ctx(ObjectKind::Snapshot, format!("{volume}@{name}")),
        )
        .await?;
        Ok(())
    }

    async fn create_clone(&self, spec: &CloneSpec) -> Result<Volume> {
        let parent = self.find_volume(&spec.parent).await?;
        let snapshot = match &spec.parent_snapshot {
            Some(s) => Some(s.clone()),
            None => self.newest_snapmirror_snapshot(&parent).await?,
        };
        let path = VolumePath::new(spec.parent.svm.clone(), spec.name.clone());
        self.run(
            &request::create_clone(spec, snapshot.as_ref()),
            &self.ctx(ObjectKind::Volume, &path),
        )
        .await?;
        self.find_volume(&path).await
    }

    async fn split_clone(&self, path: &VolumePath) -> Result<()> {
        let v = self.find_volume(path).await?;
        if !v.is_flexclone() {
            return Err(Error::InvalidArgument(format!(
                "{path} is not a FlexClone; there is nothing to split"
            )));
        }
        self.run(
            &request::split_clone(&v.uuid),
            &self.ctx(ObjectKind::Volume, path),
        )
        .await?;
        Ok(())
    }

    async fn list_luns(&self, volume: Option<&VolumePath>) -> Result<Vec<Lun>> {
        let req = match volume {
            Some(v) => request::luns(Some(&v.svm), Some(&v.volume), None),
            None => request::luns(None, None, None),
        };
        let records: Vec<LunRecord> = self
            .transport()
            .get_all(req, &self.ctx(ObjectKind::Lun, "*"))
            .await?;
        if records.is_empty() {
            if let Some(v) = volume {
                self.find_volume(v).await?;
            }
        }
        records
            .into_iter()
            .map(|r| r.into_model(self.endpoint()))
            .collect()
    }

    async fn create_lun(&self, spec: &NewLun) -> Result<Lun> {
        self.run(
            &request::create_lun(spec),
            &self.ctx(ObjectKind::Lun, format!("{}:{}", spec.svm, spec.path)),
        )
        .await?;
        self.lun_record(&spec.svm, &spec.path).await
    }

    async fn set_lun_online(&self, svm: &SvmName, lun: &LunPath, online: bool) -> Result<()> {
        let l = self.lun_record(svm, lun).await?;
        self.run(
            &request::set_lun_enabled(&l.uuid, online),
            &self.ctx(ObjectKind::Lun, format!("{svm}:{lun}")),
        )
        .await?;
        Ok(())
    }

    async fn list_igroups(&self, svm: Option<&SvmName>) -> Result<Vec<Igroup>> {
        self.list_in_svm::<IgroupRecord>(request::igroups(svm, None), ObjectKind::Igroup, svm)
            .await
    }

    async fn create_igroup(&self, spec: &NewIgroup) -> Result<Igroup> {
        if let Some(bad) = spec.initiators.iter().find(|i| !spec.protocol.admits(i)) {
            return Err(Error::InvalidArgument(format!(
                "initiator {bad} cannot join {} igroup {}",
                spec.protocol, spec.name
            )));
        }
        self.run(
            &request::create_igroup(spec),
            &self.ctx(ObjectKind::Igroup, format!("{}:{}", spec.svm, spec.name)),
        )
        .await?;
        self.igroup_record(&spec.svm, &spec.name).await
    }

    async fn add_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        let g = self.igroup_record(svm, igroup).await?;
        if !g.protocol.admits(initiator) {
            return Err(Error::InvalidArgument(format!(
                "initiator {initiator} cannot join {} igroup {svm}:{igroup}",
                g.protocol
            )));
        }
        if g.initiators.contains(initiator) {
            return Err(Error::AlreadyExists {
                kind: ObjectKind::Initiator,
                name: format!("{initiator} in {svm}:{igroup}"),
            });
        }
        self.run(
            &request::add_initiator(&g.uuid, initiator),
            &self.ctx(
                ObjectKind::Initiator,
                format!("{initiator} in {svm}:{igroup}"),
            ),
        )
        .await?;
        Ok(())
    }

    async fn remove_initiator(
        &self,
        svm: &SvmName,
        igroup: &IgroupName,
        initiator: &Initiator,
    ) -> Result<()> {
        let g = self.igroup_record(svm, igroup).await?;
        if !g.initiators.contains(initiator) {
            return Err(Error::not_found(
                ObjectKind::Initiator,
                format!("{initiator} in {svm}:{igroup}"),
            ));
        }
        self.run(
            &request::remove_initiator(&g.uuid, initiator),
            &self.ctx(
                ObjectKind::Initiator,
                format!("{initiator} in {svm}:{igroup}"),
            ),
        )
        .await?;
        Ok(())
    }

    async fn list_lun_maps(&self, svm: Option<&SvmName>) -> Result<Vec<LunMap>> {
        self.list_in_svm::<LunMapRecord>(
            request::lun_maps(svm, None, None),
            ObjectKind::LunMap,
            svm,
        )
        .await
    }

    async fn map_lun(
        &self,
        svm: &SvmName,
        lun: &LunPath,
        igroup: &IgroupName,
        lun_id: Option<u32>,
    ) -> Result<LunMap> {
        let name = format!("{svm}:{lun} to {igroup}");
        let ctx = self.ctx(ObjectKind::LunMap, &name);
        let reply = self
            .run(&request::create_lun_map(svm, lun, igroup, lun_id), &ctx)
            .await?;
        // `return_records=true` brings the map back with its LUN id; read it when it does not.
        if let Ok(page) =
            decode::<Collection<LunMapRecord>>(self.endpoint(), "lun-map POST", &reply.body)
        {
            if let Some(Ok(map)) = page
                .records
                .into_iter()
                .next()
                .map(|r| r.into_model(self.endpoint()))
            {
                return Ok(map);
            }
        }
        let records: Vec<LunMapRecord> = self
            .transport()
            .get_all(request::lun_maps(Some(svm), Some(lun), Some(igroup)), &ctx)
            .await?;
        records
            .into_iter()
            .next()
            .ok_or_else(|| Error::Protocol {
                endpoint: self.endpoint().to_string(),
                message: format!("the map of {name} was created but cannot be read back"),
            })?
            .into_model(self.endpoint())
    }

    async fn unmap_lun(&self, svm: &SvmName, lun: &LunPath, igroup: &IgroupName) -> Result<()> {
        let name = format!("{svm}:{lun} to {igroup}");
        let ctx = self.ctx(ObjectKind::LunMap, &name);
        let records: Vec<LunMapKeys> = self
            .transport()
            .get_all(request::lun_maps(Some(svm), Some(lun), Some(igroup)), &ctx)
            .await?;
        let keys = records
            .into_iter()
            .next()
            .ok_or_else(|| Error::not_found(ObjectKind::LunMap, &name))?;
        let (Some(lun_uuid), Some(igroup_uuid)) = (keys.lun.uuid, keys.igroup.uuid) else {
            return Err(Error::Protocol {
                endpoint: self.endpoint().to_string(),
                message: format!("the map of {name} has no lun.uuid or igroup.uuid"),
            });
        };
        self.run(&request::delete_lun_map(&lun_uuid, &igroup_uuid), &ctx)
            .await?;
        Ok(())
    }

    async fn list_export_rules(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
    ) -> Result<Vec<ExportRule>> {
        let id = self.export_policy_id(svm, policy).await?;
        let records: Vec<ExportRuleRecord> = self
            .transport()
            .get_all(
                request::export_rules(id),
                &self.ctx(ObjectKind::ExportPolicy, policy),
            )
            .await?;
        let mut rules = records
            .into_iter()
            .map(|r| r.into_model(self.endpoint()))
            .collect::<Result<Vec<_>>>()?;
        rules.sort_by_key(|r| r.index);
        Ok(rules)
    }

    async fn create_export_policy(&self, svm: &SvmName, policy: &PolicyName) -> Result<()> {
        self.run(
            &request::create_export_policy(svm, policy),
            &self.ctx(ObjectKind::ExportPolicy, format!("{svm}:{policy}")),
        )
        .await?;
        Ok(())
    }

    async fn add_export_rule(
        &self,
        svm: &SvmName,
        policy: &PolicyName,
        rule: &NewExportRule,
    ) -> Result<ExportRule> {
        let id = self.export_policy_id(svm, policy).await?;
        let ctx = self.ctx(ObjectKind::ExportPolicy, format!("{svm}:{policy}"));
        let reply = self
            .run(&request::create_export_rule(id, rule), &ctx)
            .await?;
        if let Ok(page) =
            decode::<Collection<ExportRuleRecord>>(self.endpoint(), "export rule POST", &reply.body)
        {
            if let Some(Ok(r)) = page
                .records
                .into_iter()
                .next()
                .map(|r| r.into_model(self.endpoint()))
            {
                return Ok(r);
            }
        }
        // Without the record in the answer, the new rule is the last one.
        self.list_export_rules(svm, policy)
            .await?
            .into_iter()
            .next_back()
            .ok_or_else(|| Error::Protocol {
                endpoint: self.endpoint().to_string(),
                message: format!("a rule was added to {svm}:{policy} but the policy lists none"),
            })
    }

    async fn set_export_policy(&self, volume: &VolumePath, policy: &PolicyName) -> Result<()> {
        let v = self.find_volume(volume).await?;
        self.run(
            &request::set_export_policy(&v.uuid, policy),
            &self.ctx(ObjectKind::Volume, volume),
        )
        .await?;
        Ok(())
    }
}

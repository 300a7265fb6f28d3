//! Protection groups: the relationships that fail over together, the datastores they carry, and
//! who presents them at each site. Deserializable from a TOML table, so a config file can hold one.
//!
//! ```
//! use vrepl_cli::runbook::group::{EsxMode, ProtectionGroup};
//!
//! let pg: ProtectionGroup = toml::from_str(r#"
//!     name = "PG1"
//!     rpo_secs = 3600
//!     esx_mode = "legacy_lvm"
//!     [[relationships]]
//!     source = "fas2020upper:RG1FV1"
//!     source_cluster = "fas2020"
//!     destination = "fas2050upper:RG1FV1_SM"
//!     destination_cluster = "fas2050"
//!     [[datastores]]
//!     name = "RP1"
//!     volume = "fas2020upper:RG1FV1"
//!     lun = "RP1.lun"
//!     [protected]
//!     site = "Site 1"
//!     igroup = "Fibre"
//!     hosts = ["site1-esx4"]
//!     [recovery]
//!     site = "Site 2"
//!     igroup = "Fibre"
//!     hosts = ["site2-esx1"]
//! "#).unwrap();
//! assert_eq!(pg.esx_mode, EsxMode::LegacyLvm);
//! assert_eq!(pg.datastores_of(&pg.relationships[0]).count(), 1);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use vrepl_storage::model::{
    ClusterName, IgroupName, JunctionPath, LunName, LunPath, VolumeName, VolumePath,
};
use vrepl_storage::sim::{DatastoreKind, LabTopology};

use super::error::{RunbookError, RunbookResult};

/// A protection group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectionGroup {
    /// `PG1`.
    pub name: String,
    /// The SnapMirror relationships, in their protected direction (Site 1 -> Site 2).
    pub relationships: Vec<ReplicaPair>,
    /// The datastores the relationships carry.
    pub datastores: Vec<Datastore>,
    /// The production site.
    pub protected: SiteEnd,
    /// The recovery (DR) site.
    pub recovery: SiteEnd,
    /// How the hosts resolve copies of a VMFS.
    #[serde(default)]
    pub esx_mode: EsxMode,
    /// Recovery point objective, in seconds.
    #[serde(default)]
    pub rpo_secs: Option<u64>,
    /// Suffix of a DR test's FlexClone (`RG1FV1` + `_Clone`).
    #[serde(default = "default_clone_suffix")]
    pub clone_suffix: String,
}

fn default_clone_suffix() -> String {
    "_Clone".to_string()
}

/// One relationship, named in its protected direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplicaPair {
    /// `fas2020upper:RG1FV1`, at the protected site.
    pub source: VolumePath,
    /// The cluster holding the source.
    pub source_cluster: ClusterName,
    /// `fas2050upper:RG1FV1_SM`, at the recovery site.
    pub destination: VolumePath,
    /// The cluster holding the destination.
    pub destination_cluster: ClusterName,
}

impl ReplicaPair {
    /// `source -> destination`.
    pub fn describe(&self) -> String {
        format!("{} -> {}", self.source, self.destination)
    }

    /// The volume and its cluster on one side.
    pub fn side(&self, side: Side) -> (&ClusterName, &VolumePath) {
        match side {
            Side::Protected => (&self.source_cluster, &self.source),
            Side::Recovery => (&self.destination_cluster, &self.destination),
        }
    }
}

/// Which end of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The production site (Site 1).
    Protected,
    /// The recovery site (Site 2).
    Recovery,
}

impl Side {
    /// The other end.
    pub fn other(self) -> Side {
        match self {
            Side::Protected => Side::Recovery,
            Side::Recovery => Side::Protected,
        }
    }
}

/// A datastore carried by one relationship.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datastore {
    /// The datastore name (the VMFS label, or the NFS datastore name), `RP1`.
    pub name: String,
    /// The protected-site volume holding it (the relationship's source).
    pub volume: VolumePath,
    /// The LUN holding the VMFS, for a VMFS datastore.
    #[serde(default)]
    pub lun: Option<LunName>,
    /// The junction path of the NFS volume at the protected site (`/RG2FV3`), for NFS.
    #[serde(default)]
    pub junction: Option<JunctionPath>,
}

impl Datastore {
    /// VMFS or NFS.
    pub fn kind(&self) -> DatastoreKind {
        if self.lun.is_some() {
            DatastoreKind::Vmfs
        } else {
            DatastoreKind::Nfs
        }
    }

    /// The LUN's path inside `volume` (`/vol/RG1FV1_SM/RP1.lun`).
    pub fn lun_in(&self, volume: &VolumeName) -> Option<LunPath> {
        self.lun
            .as_ref()
            .map(|l| LunPath::new(volume.clone(), l.clone()))
    }
}

/// Who presents the group's datastores at one site.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteEnd {
    /// `Site 2`.
    pub site: String,
    /// The igroup the LUNs are mapped to, in each SVM.
    pub igroup: IgroupName,
    /// The ESX hosts that mount the datastores (names the environment knows).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// The NFS data LIF of each SVM (`fas2050lower = "192.168.2.11"`), for NFS datastores.
    #[serde(default)]
    pub nfs_servers: BTreeMap<String, String>,
}

/// How ESX hosts resolve a copy of a VMFS (reference/esx.md §1.2-1.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EsxMode {
    /// ESX 3.x/4.x: the host-wide `LVM.DisallowSnapshotLun` / `LVM.EnableResignature` options.
    LegacyLvm,
    /// ESXi 5+: per-volume `esxcli storage vmfs snapshot mount|resignature`.
    #[default]
    PerVolume,
}

impl ProtectionGroup {
    /// The datastores a relationship carries.
    pub fn datastores_of<'a>(
        &'a self,
        pair: &'a ReplicaPair,
    ) -> impl Iterator<Item = &'a Datastore> {
        self.datastores
            .iter()
            .filter(move |d| d.volume == pair.source)
    }

    /// The relationship carrying a datastore.
    pub fn pair_of(&self, datastore: &Datastore) -> Option<&ReplicaPair> {
        self.relationships
            .iter()
            .find(|p| p.source == datastore.volume)
    }

    /// One site's end.
    pub fn end(&self, side: Side) -> &SiteEnd {
        match side {
            Side::Protected => &self.protected,
            Side::Recovery => &self.recovery,
        }
    }

    /// The FlexClone name a DR test gives a destination's clone (`RG1FV1_Clone`).
    pub fn clone_name(&self, pair: &ReplicaPair) -> RunbookResult<VolumeName> {
        Ok(VolumeName::new(format!(
            "{}{}",
            pair.source.volume, self.clone_suffix
        ))?)
    }

    /// Checks that every datastore sits on one of the relationships, and names are unique.
    pub fn validate(&self) -> RunbookResult<()> {
        let bad = |m: String| Err(RunbookError::Config(format!("group {}: {m}", self.name)));
        if self.relationships.is_empty() {
            return bad("it has no relationships".into());
        }
        for d in &self.datastores {
            if self.pair_of(d).is_none() {
                return bad(format!(
                    "datastore {} is on {}, which none of its relationships replicates",
                    d.name, d.volume
                ));
            }
            if d.lun.is_none() && d.junction.is_none() {
                return bad(format!(
                    "datastore {} needs a lun (VMFS) or a junction (NFS)",
                    d.name
                ));
            }
            if d.lun.is_none() {
                let pair = self.pair_of(d).expect("checked above");
                for side in [Side::Protected, Side::Recovery] {
                    let end = self.end(side);
                    let svm = pair.side(side).1.svm.as_str();
                    if !end.hosts.is_empty() && !end.nfs_servers.contains_key(svm) {
                        return bad(format!(
                            "NFS datastore {} needs the NFS server of SVM {svm} at {}",
                            d.name, end.site
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The lab's protection groups (PG1: RP1, RP2; PG2: RP3, RP4, RP5), from its topology.
pub fn lab_groups(topology: &LabTopology) -> RunbookResult<Vec<ProtectionGroup>> {
    topology
        .protection_groups
        .iter()
        .map(|pg| lab_group(topology, &pg.name))
        .collect()
}

/// One of the lab's protection groups.
pub fn lab_group(topology: &LabTopology, name: &str) -> RunbookResult<ProtectionGroup> {
    let spec = topology
        .protection_group(name)
        .ok_or_else(|| RunbookError::Config(format!("the lab has no protection group {name}")))?;
    let cluster_of = |svm: &str| -> RunbookResult<ClusterName> {
        topology
            .clusters
            .iter()
            .find(|c| c.svms.iter().any(|s| s.name == svm))
            .map(|c| c.name.clone())
            .ok_or_else(|| RunbookError::Config(format!("the lab has no SVM {svm}")))
    };
    let site_of = |cluster: &ClusterName| {
        topology
            .clusters
            .iter()
            .find(|c| &c.name == cluster)
            .map(|c| c.site.clone())
            .unwrap_or_default()
    };
    let mut relationships = Vec::new();
    let mut datastores = Vec::new();
    for ds_name in &spec.datastores {
        let ds = topology
            .datastore(ds_name)
            .ok_or_else(|| RunbookError::Config(format!("the lab has no datastore {ds_name}")))?;
        let replica = ds.replica.clone().ok_or_else(|| {
            RunbookError::Config(format!("datastore {ds_name} is not replicated"))
        })?;
        let source_vol = topology
            .clusters
            .iter()
            .flat_map(|c| &c.svms)
            .filter(|s| s.name == ds.volume.svm)
            .flat_map(|s| &s.volumes)
            .find(|v| v.name == ds.volume.volume);
        if !relationships
            .iter()
            .any(|p: &ReplicaPair| p.source == ds.volume)
        {
            relationships.push(ReplicaPair {
                source: ds.volume.clone(),
                source_cluster: cluster_of(ds.volume.svm.as_str())?,
                destination: replica.clone(),
                destination_cluster: cluster_of(replica.svm.as_str())?,
            });
        }
        datastores.push(Datastore {
            name: ds.name.clone(),
            volume: ds.volume.clone(),
            lun: match ds.kind {
                DatastoreKind::Vmfs => ds.lun.clone(),
                DatastoreKind::Nfs => None,
            },
            junction: source_vol.and_then(|v| v.junction_path.clone()),
        });
    }
    let first = &relationships[0];
    let end = |cluster: &ClusterName| -> RunbookResult<SiteEnd> {
        let site = site_of(cluster);
        let spec = topology.clusters.iter().find(|c| &c.name == cluster);
        Ok(SiteEnd {
            hosts: topology
                .hosts_at(&site)
                .iter()
                .map(|h| h.name.clone())
                .collect(),
            site,
            igroup: IgroupName::new("Fibre")?,
            nfs_servers: spec
                .map(|c| {
                    c.svms
                        .iter()
                        .map(|s| (s.name.to_string(), s.nfs_lif.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        })
    };
    let protected = end(&first.source_cluster)?;
    let recovery = end(&first.destination_cluster)?;
    let legacy = topology.hosts.iter().any(|h| {
        h.esx_version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u8>().ok())
            .is_some_and(|m| m < 5)
    });
    let group = ProtectionGroup {
        name: spec.name.clone(),
        relationships,
        datastores,
        protected,
        recovery,
        esx_mode: if legacy {
            EsxMode::LegacyLvm
        } else {
            EsxMode::PerVolume
        },
        rpo_secs: Some(3600),
        clone_suffix: default_clone_suffix(),
    };
    group.validate()?;
    Ok(group)
}

#[cfg(test)]
mod tests {
    use super::*;
    use vrepl_storage::sim::Fabric;

    #[test]
    fn lab_groups_follow_the_seed() {
        let groups = lab_groups(&Fabric::lab().topology()).unwrap();
        let names: Vec<_> = groups.iter().map(|g| g.name.as_str()).collect();
        assert_eq!(names, ["PG1", "PG2"]);
        let pg1 = &groups[0];
        assert_eq!(pg1.relationships.len(), 2);
        assert_eq!(
            pg1.relationships[0].destination.to_string(),
            "fas2050upper:RG1FV1_SM"
        );
        assert_eq!(pg1.recovery.site, "Site 2");
        assert_eq!(pg1.recovery.hosts, ["site2-esx1", "site2-esx2"]);
        assert_eq!(pg1.esx_mode, EsxMode::LegacyLvm);
        let pg2 = &groups[1];
        let rp5 = pg2.datastores.iter().find(|d| d.name == "RP5").unwrap();
        assert_eq!(rp5.kind(), DatastoreKind::Nfs);
        assert_eq!(rp5.junction.as_ref().unwrap().as_str(), "/RG2FV3");
        assert_eq!(pg2.recovery.nfs_servers["fas2050lower"], "192.168.2.11");
        assert_eq!(
            pg1.clone_name(&pg1.relationships[0]).unwrap().as_str(),
            "RG1FV1_Clone"
        );
    }

    #[test]
    fn a_group_round_trips_through_toml() {
        let pg = lab_group(&Fabric::lab().topology(), "PG2").unwrap();
        let text = toml::to_string(&pg).unwrap();
        let back: ProtectionGroup = toml::from_str(&text).unwrap();
        assert_eq!(back, pg);
    }

    #[test]
    fn a_datastore_outside_the_relationships_is_refused() {
        let mut pg = lab_group(&Fabric::lab().topology(), "PG1").unwrap();
        pg.datastores[0].volume = VolumePath::parse("fas2020upper:LP1FV1").unwrap();
        let err = pg.validate().unwrap_err().to_string();
        assert!(
            err.contains("none of its relationships replicates"),
            "{err}"
        );
    }
}

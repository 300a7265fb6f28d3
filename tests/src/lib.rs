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

/// The lab as the runbooks meet it in production: one ONTAP REST simulator per cluster reached
/// by `OntapRestClient`, and one ESXi emulator per lab host behind an SSH server reached by the
/// esxcli `EsxHost`. Everything listens on 127.0.0.1 and stops when the lab is dropped.
#[derive(Debug)]
pub struct FullLab {
    /// The lab; its groups include the hosts.
    pub lab: Lab,
    /// The emulated hosts, by name, to look at what they see.
    pub hosts: std::collections::BTreeMap<String, vrepl_esx::sim::EmulatedHost>,
    /// The REST simulators, one per cluster.
    pub rest: Vec<vrepl_ontap::sim::RestSimulator>,
    /// The SSH servers in front of the hosts, by host name.
    pub ssh: std::collections::BTreeMap<String, vrepl_esx::sim::SshServer>,
    /// The known_hosts file naming the servers' keys.
    pub known_hosts: PathBuf,
}

impl std::ops::Deref for FullLab {
    type Target = Lab;
    fn deref(&self) -> &Lab {
        &self.lab
    }
}

impl FullLab {
    /// Starts the simulators and emulators (the lab's ESX 3.0.2 hosts) and connects the drivers.
    pub async fn start() -> FullLab {
        Self::start_as(None).await
    }

    /// As [`FullLab::start`], every host running `esx_version` (`6.7.0`) when given; the groups
    /// then use ESXi's per-volume snapshot commands.
    pub async fn start_as(esx_version: Option<&str>) -> FullLab {
        use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, Secret, SshConfig};
        use vrepl_esx::sim::{EmulatedHost, SshServer};
        use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
        use vrepl_ontap::sim::{RestSimulator, SimServerOptions};

        let fabric = Fabric::lab_with(LabOptions {
            bandwidth_bytes_per_sec: FAST,
            ..LabOptions::default()
        });
        let runs = tempfile::tempdir().expect("temp dir");
        let mut env = Environment::new();
        let (mut rest, mut clients) = (Vec::new(), Vec::new());
        for cluster in fabric.clusters() {
            let sim = RestSimulator::start(
                fabric.clone(),
                cluster.as_str(),
                SimServerOptions::default(),
            )
            .await
            .expect("REST simulator");
            let (user, password) = sim.credentials();
            let config =
                RestConfig::new(sim.url(), user, password).with_tls(TlsMode::PlainHttpForTesting);
            clients.push(OntapRestClient::connect(config).await.expect("REST client"));
            rest.push(sim);
        }
        for a in &clients {
            for b in &clients {
                if a.cluster() != b.cluster() {
                    a.add_peer(b);
                }
            }
        }
        for client in clients {
            env = env.with_array(Arc::new(client));
        }
        let known_hosts = runs.path().join("known_hosts");
        let (mut ssh, mut hosts, mut lines) = (
            std::collections::BTreeMap::new(),
            std::collections::BTreeMap::new(),
            String::new(),
        );
        for spec in fabric.topology().hosts {
            let host =
                EmulatedHost::from_lab_as(&fabric, &spec.name, esx_version).expect("lab host");
            let server = SshServer::start(host.clone(), "root", "vmware1!")
                .await
                .expect("SSH server");
            lines.push_str(&server.known_hosts_line());
            lines.push('\n');
            let mut config =
                SshConfig::new("127.0.0.1", Credentials::Password(Secret::new("vmware1!")));
            config.port = server.port();
            config.host_keys = HostKeyPolicy::known_hosts(&known_hosts);
            env = env.with_host(
                spec.name.clone(),
                Arc::new(vrepl_esx::EsxcliHost::connect(config)),
            );
            hosts.insert(spec.name.clone(), host);
            ssh.insert(spec.name.clone(), server);
        }
        std::fs::write(&known_hosts, lines).expect("known_hosts");
        // Every host has looked at its SAN once, as hosts in service have.
        for name in hosts.keys() {
            let h = env.host(name).expect("host");
            h.rescan_all_hbas().await.expect("rescan");
        }
        let mut groups = group::lab_groups(&fabric.topology()).expect("lab groups");
        if esx_version.is_some_and(|v| !v.starts_with(['3', '4'])) {
            for g in &mut groups {
                g.esx_mode = vrepl_cli::runbook::EsxMode::PerVolume;
            }
        }
        FullLab {
            lab: Lab {
                fabric,
                env,
                groups,
                runs,
            },
            hosts,
            rest,
            ssh,
            known_hosts,
        }
    }

    /// The datastores an emulated host has mounted (VMFS and NFS), by name.
    pub async fn mounted(&self, host: &str) -> Vec<String> {
        let h = self.lab.env.host(host).expect("host");
        let mut v: Vec<String> = h
            .filesystems()
            .await
            .expect("filesystems")
            .into_iter()
            .filter(|f| f.mounted && (f.is_vmfs() || f.fs_type.starts_with("NFS")))
            .map(|f| f.volume_name)
            .collect();
        v.extend(
            h.nfs_datastores()
                .await
                .expect("nfs")
                .into_iter()
                .map(|n| n.name),
        );
        v.sort();
        v.dedup();
        v
    }
}

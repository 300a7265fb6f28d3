//! A lab host behind the emulator's SSH server, and an `EsxcliHost` talking to it.
#![allow(dead_code)]

use std::io::Write;
use std::path::PathBuf;

use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, Secret, SshConfig};
use vrepl_esx::sim::{EmulatedHost, SshServer};
use vrepl_esx::EsxcliHost;
use vrepl_storage::sim::Fabric;

pub const USER: &str = "root";
pub const PASSWORD: &str = "vmware-lab";

pub struct LabHost {
    pub fabric: Fabric,
    pub emulated: EmulatedHost,
    pub server: SshServer,
    pub dir: tempfile::TempDir,
    pub host: EsxcliHost,
}

impl LabHost {
    pub fn known_hosts(&self) -> PathBuf {
        self.dir.path().join("known_hosts")
    }

    /// A client config for this server, checking its key against our known_hosts file.
    pub fn config(&self, password: &str) -> SshConfig {
        let mut c = SshConfig::new("127.0.0.1", Credentials::Password(Secret::new(password)));
        c.port = self.server.port();
        c.user = USER.into();
        c.host_keys = HostKeyPolicy::known_hosts(self.known_hosts());
        c
    }
}

/// `name` of the lab, on a fresh lab, optionally running another ESX release.
pub async fn lab_host(name: &str, version: Option<&str>) -> LabHost {
    let fabric = Fabric::lab();
    let emulated = EmulatedHost::from_lab_as(&fabric, name, version).expect("lab host");
    let server = SshServer::start(emulated.clone(), USER, PASSWORD)
        .await
        .expect("start the SSH server");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut f = std::fs::File::create(dir.path().join("known_hosts")).expect("known_hosts");
    writeln!(f, "{}", server.known_hosts_line()).expect("write known_hosts");
    let mut lab = LabHost {
        fabric,
        emulated,
        server,
        dir,
        host: EsxcliHost::connect(SshConfig::new(
            "unused",
            Credentials::Password(Secret::new("unused")),
        )),
    };
    lab.host = EsxcliHost::connect(lab.config(PASSWORD));
    lab
}

/// The commands the host received that would create or relabel a filesystem.
pub fn formatting_commands(host: &EmulatedHost) -> Vec<String> {
    host.commands()
        .into_iter()
        .filter(|c| {
            c.contains("vmkfstools -C") || c.contains("--createfs") || c.contains("partedUtil")
        })
        .collect()
}

//! The esxcli implementation against Debian's real OpenSSH server: its key exchange, its host
//! key (checked against known_hosts), public-key login, and a forced command that runs the
//! emulator's `esxi-shell` on a state file.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use vrepl_esx::esxcli::{Credentials, HostKeyPolicy, SshConfig};
use vrepl_esx::host::{mount_copy, DatastoreName, DatastorePath, Resolution};
use vrepl_esx::sim::EmulatedHost;
use vrepl_esx::{EsxError, EsxHost, EsxcliHost};
use vrepl_storage::mirror::OnTransfer;
use vrepl_storage::model::VolumePath;
use vrepl_storage::sim::Fabric;
use vrepl_storage::MirrorControl;

const SSHD: &str = "/usr/sbin/sshd";

struct Sshd {
    child: Child,
    port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "vrepl-test", "-f"])
        .arg(path)
        .status()
        .expect("ssh-keygen (from openssh-client) runs");
    assert!(status.success());
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start_sshd(dir: &Path, state: &Path) -> Sshd {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install openssh-server (apt-get install -y openssh-server) to run this test"
    );
    // Debian's sshd insists on its privilege separation directory.
    std::fs::create_dir_all("/run/sshd").expect("create /run/sshd");
    keygen(&dir.join("host_key"));
    keygen(&dir.join("client_key"));
    let client_pub = std::fs::read_to_string(dir.join("client_key.pub")).unwrap();
    let shell = env!("CARGO_BIN_EXE_esxi-shell");
    std::fs::write(
        dir.join("authorized_keys"),
        format!(
            "command=\"{shell} {}\",no-pty,no-port-forwarding,no-agent-forwarding {client_pub}",
            state.display()
        ),
    )
    .unwrap();
    let port = free_port();
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {dir}/host_key\nPidFile {dir}/sshd.pid\n\
             AuthorizedKeysFile {dir}/authorized_keys\nPubkeyAuthentication yes\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPermitRootLogin yes\nLogLevel ERROR\n",
            dir = dir.display()
        ),
    )
    .unwrap();
    // sshd's own log (-e) goes to a file in the temp dir, not into the test output.
    let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
    let child = Command::new(SSHD)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(&config)
        .stdin(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start sshd");
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "sshd did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
    Sshd { child, port }
}

fn user() -> String {
    std::env::var("USER").unwrap_or_else(|_| "root".into())
}

fn client(dir: &Path, port: u16, known_hosts: PathBuf) -> EsxcliHost {
    let mut c = SshConfig::new(
        "127.0.0.1",
        Credentials::KeyFile {
            private_key: dir.join("client_key"),
            passphrase: None,
        },
    );
    c.port = port;
    c.user = user();
    c.host_keys = HostKeyPolicy::known_hosts(known_hosts);
    EsxcliHost::connect(c)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esxcli_client_against_openssh_with_a_forced_command() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("esx-state.json");

    // A lab whose replica of RG1FV1 is broken off, and its Site 2 host, kept in the state file.
    let fabric = Fabric::lab();
    fabric
        .array("fas2050")
        .unwrap()
        .break_off(
            &VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
            OnTransfer::Wait,
        )
        .await
        .unwrap();
    let host = EmulatedHost::from_lab(&fabric, "site2-esx1").unwrap();
    std::fs::write(&state, serde_json::to_string(&host.save()).unwrap()).unwrap();

    let sshd = start_sshd(dir.path(), &state);
    let host_pub = std::fs::read_to_string(dir.path().join("host_key.pub")).unwrap();
    let known_hosts = dir.path().join("known_hosts");
    std::fs::write(
        &known_hosts,
        format!("[127.0.0.1]:{} {host_pub}", sshd.port),
    )
    .unwrap();

    let esx = client(dir.path(), sshd.port, known_hosts.clone());
    let version = esx.version().await.unwrap();
    assert_eq!(version.to_string(), "VMware ESX Server 3.0.2 build-52542");
    let rp1 = DatastoreName::new("RP1").unwrap();
    let fs = mount_copy(&esx, &rp1, Resolution::KeepSignature)
        .await
        .unwrap();
    assert_eq!(fs.volume_name, "RP1");
    let root = esx
        .list_datastore(&rp1, &DatastorePath::root())
        .await
        .unwrap();
    assert!(
        root.iter().any(|e| e.is_dir && e.name == "HR-App1"),
        "{root:?}"
    );

    // The state went through the file between commands: the host remembers the mount.
    let saved = EmulatedHost::load(
        serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap(),
    )
    .unwrap();
    assert!(saved.state().vmfs.iter().any(|m| m.label == "RP1"));

    // A known_hosts entry with another key is a mismatch, against the real sshd too.
    keygen(&dir.path().join("other_key"));
    let other = std::fs::read_to_string(dir.path().join("other_key.pub")).unwrap();
    std::fs::write(&known_hosts, format!("[127.0.0.1]:{} {other}", sshd.port)).unwrap();
    let err = client(dir.path(), sshd.port, known_hosts)
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::HostKeyMismatch { .. }), "{err}");
    drop(sshd);
}

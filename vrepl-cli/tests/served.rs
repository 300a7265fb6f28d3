//! End to end: `snapctl lab serve` started by hand in the background, and snapctl pointed at it
//! with a configuration file, as a user would point it at a real cluster.

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Home;
use predicates::prelude::*;

/// A `snapctl lab serve` in the background; stopped with SIGTERM when dropped.
struct Server {
    child: Child,
    doc: serde_json::Value,
}

impl Server {
    fn start(home: &Home, config: &Path, tls: bool) -> Self {
        let bin = assert_cmd::cargo::cargo_bin("snapctl");
        let mut cmd = Command::new(bin);
        cmd.args([
            "lab",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "-o",
            "json",
            "--write-config",
        ])
        .arg(config)
        .env("SNAPCTL_LAB_DIR", home.lab_dir())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("SNAPCTL_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
        if tls {
            cmd.arg("--tls");
        }
        let mut child = cmd.spawn().expect("start snapctl lab serve");
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        let mut text = String::new();
        let deadline = Instant::now() + Duration::from_secs(30);
        let doc = loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 || Instant::now() > deadline {
                let _ = child.kill();
                panic!("lab serve ended before printing its clusters:\n{text}");
            }
            text.push_str(&line);
            if let Ok(doc) = serde_json::from_str::<serde_json::Value>(&text) {
                break doc;
            }
        };
        Self { child, doc }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "lab serve did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_same_commands_work_against_the_served_lab_with_a_config_file() {
    let home = Home::new();
    let config = home.path().join("snapctl.toml");
    let server = Server::start(&home, &config, false);
    let clusters = server.doc["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 2, "{}", server.doc);
    for c in clusters {
        assert!(
            c["url"].as_str().unwrap().starts_with("http://127.0.0.1:"),
            "{c}"
        );
        assert_eq!(c["username"], "admin");
    }

    // The lab's ESX hosts are served too, over SSH on loopback.
    let hosts = server.doc["hosts"].as_array().unwrap();
    assert!(!hosts.is_empty(), "{}", server.doc);
    for h in hosts {
        use std::io::Read;
        let port = h["port"].as_u64().unwrap() as u16;
        let mut conn = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut banner = [0u8; 8];
        conn.read_exact(&mut banner).unwrap();
        assert_eq!(&banner, b"SSH-2.0-", "{h}");
        assert!(h["known_hosts"]
            .as_str()
            .unwrap()
            .starts_with(&format!("[127.0.0.1]:{port} ")));
    }

    let with_config = || {
        let mut cmd = home.snapctl();
        cmd.arg("--config").arg(&config);
        cmd
    };
    with_config()
        .args(["config", "check"])
        .assert()
        .success()
        .stdout(predicate::str::contains("fas2050upper"));
    with_config()
        .arg("show")
        .assert()
        .success()
        .stdout(predicate::str::contains("fas2050upper:RG1FV1_SM"));
    with_config()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success();
    with_config()
        .args(["show", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Broken-off"));
    with_config()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already broken-off"));
    with_config()
        .args(["resync", "RG1FV1_SM", "--discard-changes", "--wait"])
        .assert()
        .success();

    // Without a config file, snapctl uses the served lab rather than waiting for it.
    home.snapctl()
        .args(["break", "RG1FV2_SM"])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .success();
    with_config()
        .args(["show", "RG1FV2_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Broken-off"));
    // What needs the lab itself says so at once.
    home.snapctl()
        .args(["lab", "reset"])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .code(4)
        .stderr(predicate::str::contains(
            "being served by snapctl lab serve",
        ));

    let status = server.stop();
    assert!(status.success(), "lab serve exited with {status}");
    // Its state was saved: the lab (without the config) sees what was done through the server.
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "broken_off"
    );
    assert!(!home.lab_dir().join("served.json").exists());
}

#[test]
fn break_works_with_the_source_cluster_down() {
    let home = Home::new();
    let served_config = home.path().join("served.toml");
    let server = Server::start(&home, &served_config, false);
    // Point fas2020 (Site 1, the source) at a port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let text = std::fs::read_to_string(&served_config).unwrap();
    let fas2020_url = server.doc["clusters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["cluster"] == "fas2020")
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let config = home.path().join("site1-down.toml");
    std::fs::write(&config, text.replace(&fas2020_url, &dead_url)).unwrap();

    home.snapctl()
        .arg("--config")
        .arg(&config)
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("broken-off"));
    home.snapctl()
        .arg("--config")
        .arg(&config)
        .arg("show")
        .assert()
        .success()
        .stderr(predicate::str::contains("fas2020 did not answer"))
        .stdout(predicate::str::contains("Broken-off"));
    home.snapctl()
        .arg("--config")
        .arg(&config)
        .args(["config", "check"])
        .assert()
        .code(6)
        .stdout(predicate::str::contains("FAIL"));
    server.stop();
}

#[test]
fn tls_with_a_pinned_certificate_works() {
    let home = Home::new();
    let config = home.path().join("tls.toml");
    let server = Server::start(&home, &config, true);
    assert!(server.doc["clusters"][0]["url"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    assert!(std::fs::read_to_string(&config)
        .unwrap()
        .contains("pinned_cert"));
    home.snapctl()
        .arg("--config")
        .arg(&config)
        .arg("show")
        .assert()
        .success()
        .stdout(predicate::str::contains("fas2050upper:RG1FV1_SM"));
    server.stop();
}

#[cfg(unix)]
#[test]
fn a_credentials_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let cred = home.path().join("fas2050.cred");
    std::fs::write(&cred, "username = \"admin\"\npassword = \"secret-pw\"\n").unwrap();
    std::fs::set_permissions(&cred, std::fs::Permissions::from_mode(0o644)).unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        format!(
            "[[cluster]]\nname = \"fas2050\"\nurl = \"http://127.0.0.1:9\"\ncredentials_file = {:?}\n",
            cred.display().to_string()
        ),
    )
    .unwrap();
    home.snapctl()
        .arg("--config")
        .arg(&config)
        .arg("show")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("readable by others"))
        .stderr(predicate::str::contains("chmod 600"))
        .stderr(predicate::str::contains("secret-pw").not());
}

#[test]
fn an_invalid_config_names_the_mistake() {
    let home = Home::new();
    let config = home.path().join("bad.toml");
    std::fs::write(
        &config,
        "[[cluster]]\nname = \"fas2050\"\nurl = \"ftp://x\"\npassword = \"x\"\n",
    )
    .unwrap();
    home.snapctl()
        .arg("--config")
        .arg(&config)
        .arg("show")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown field `password`"));
}

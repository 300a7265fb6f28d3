//! The runbook verbs of snapctl as processes on the embedded lab (its REST simulators and ESXi
//! emulators over SSH): dry runs print every call; a failback whose process is killed (by the
//! operator hook, or right after a step acted) is continued by `resume-run` to the same end.

use std::path::Path;
use std::process::Command;

fn snapctl(lab: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_snapctl-e2e"));
    c.env("SNAPCTL_LAB_DIR", lab)
        .env_remove("SNAPCTL_CONFIG")
        .env_remove("SNAPCTL_RUNS_DIR")
        .env_remove("SNAPCTL_LAB_CRASH_AT");
    c.env("HOME", lab);
    c
}

fn ok(c: &mut Command) -> String {
    let out = c.output().expect("snapctl runs");
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{c:?} failed: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}

fn runs(lab: &Path, kind: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(lab.join("runs"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| n.contains(kind))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn dry_runs_print_the_plan_with_every_call_and_change_nothing() {
    let lab = tempfile::tempdir().unwrap();
    let json: serde_json::Value = serde_json::from_str(&ok(snapctl(lab.path()).args([
        "failback",
        "PG1",
        "--dry-run",
        "-o",
        "json",
    ])))
    .unwrap();
    assert_eq!(json["dry_run"], true);
    assert_eq!(json["runbook"], "failback");
    assert!(json["call_count"].as_u64().unwrap() > 20);
    let failed: Vec<&str> = json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["check"].as_str().unwrap())
        .collect();
    assert!(
        failed.contains(&"failed_over"),
        "nothing failed over yet: {failed:?}"
    );
    let text = ok(snapctl(lab.path()).args(["test", "start", "PG2", "--dry-run"]));
    assert!(
        text.contains("create_clone(fas2050lower:RG2FV3_SM, RG2FV3_Clone)"),
        "{text}"
    );
    assert!(runs(lab.path(), "").is_empty(), "a dry run makes no run");

    // Without --yes or a hook, a planned failover asks; with no one to ask, it stops at once.
    let out = snapctl(lab.path())
        .args(["failover", "--planned", "PG1"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pass --yes once they are") && err.contains("resume-run"),
        "{err}"
    );
    let show = ok(snapctl(lab.path()).args(["show", "RG1FV1_SM"]));
    assert!(show.contains("Snapmirrored"), "nothing was broken: {show}");
}

#[test]
fn a_killed_failback_is_resumed_to_the_same_end() {
    let lab = tempfile::tempdir().unwrap();
    let l = lab.path();
    ok(snapctl(l).args(["failover", "--planned", "PG1", "--yes"]));
    ok(snapctl(l).args([
        "lab",
        "write",
        "RG1FV1_SM/RP1.lun",
        "HR-App3/Failback Test/readme.txt",
        "written at Site 2",
    ]));

    // The operator hook kills snapctl while it waits for the workloads to stop.
    let out = snapctl(l)
        .args(["failback", "PG1", "--hook", "kill -9 $PPID"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let run = runs(l, "failback").pop().expect("a failback run");
    // Then it crashes right after a destructive step acted, before the journal knew.
    for step in ["5.1", "11.2"] {
        let out = snapctl(l)
            .args(["resume-run", &run, "--yes"])
            .env("SNAPCTL_LAB_CRASH_AT", step)
            .output()
            .unwrap();
        assert!(
            !out.status.success(),
            "crash at {step}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let report = ok(snapctl(l).args(["resume-run", &run, "--yes", "-o", "json"]));
    let report: serde_json::Value = serde_json::from_str(&report).unwrap();
    assert_eq!(report["outcome"], "succeeded");
    let status = |id: &str| {
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(
        status("5.1"),
        "already",
        "the break at Site 1 is not repeated"
    );
    assert_eq!(
        status("11.2"),
        "already",
        "the resync to Site 2 is not repeated"
    );

    let file = ok(snapctl(l).args([
        "lab",
        "cat",
        "RG1FV1/RP1.lun",
        "HR-App3/Failback Test/readme.txt",
    ]));
    assert_eq!(file.trim_end(), "written at Site 2");
    let shown: serde_json::Value =
        serde_json::from_str(&ok(snapctl(l).args(["show", "RG1FV1_SM", "-o", "json"]))).unwrap();
    let text = shown.to_string();
    assert!(
        text.contains("\"fas2020upper:RG1FV1\"") && text.contains("snapmirrored"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbooks_run_from_a_configuration_file_with_its_hosts_and_groups() {
    use vrepl_storage::mirror::MirrorState;
    #[derive(serde::Serialize)]
    struct Groups {
        protection_group: Vec<vrepl_cli::runbook::ProtectionGroup>,
    }
    let lab = vrepl_tests::FullLab::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = toml::to_string(&Groups {
        protection_group: vec![lab.group("PG1")],
    })
    .unwrap();
    for (cluster, sim) in lab.fabric.clusters().iter().zip(&lab.rest) {
        cfg.push_str(&format!(
            "\n[[cluster]]\nname = \"{cluster}\"\nurl = \"{}\"\nusername = \"{}\"\npassword_env = \"E2E_ONTAP_PASSWORD\"\n",
            sim.url().as_str().trim_end_matches('/'),
            sim.credentials().0
        ));
    }
    for (name, server) in &lab.ssh {
        cfg.push_str(&format!(
            "\n[[esx_host]]\nname = \"{name}\"\naddress = \"127.0.0.1\"\nport = {}\npassword_env = \"E2E_ESX_PASSWORD\"\nknown_hosts = \"{}\"\n",
            server.port(),
            lab.known_hosts.display()
        ));
    }
    let path = dir.path().join("snapctl.toml");
    std::fs::write(&path, cfg).unwrap();
    let run = |args: &[&str]| {
        let mut c = tokio::process::Command::new(env!("CARGO_BIN_EXE_snapctl-e2e"));
        c.arg("--config").arg(&path).args(args);
        c.env("E2E_ONTAP_PASSWORD", lab.rest[0].credentials().1)
            .env("E2E_ESX_PASSWORD", "vmware1!");
        c.env("SNAPCTL_RUNS_DIR", dir.path().join("runs"))
            .env("HOME", dir.path());
        c.output()
    };
    let out = run(&["failover", "--planned", "PG1", "--yes", "-o", "json"])
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lab.state("fas2020upper:RG1FV1", "fas2050upper:RG1FV1_SM")
            .await,
        Some(MirrorState::BrokenOff)
    );
    assert!(lab.mounted("site2-esx2").await.contains(&"RP2".to_string()));

    lab.write_vmfs(
        "fas2050upper:RG1FV2_SM",
        "RP2.lun",
        "HR Database/at-site-2.log",
        b"from Site 2",
    )
    .unwrap();
    let out = run(&["failback", "PG1", "--yes"]).await.unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        lab.read_vmfs(
            "fas2020upper:RG1FV2",
            "RP2.lun",
            "HR Database/at-site-2.log"
        )
        .unwrap(),
        b"from Site 2"
    );
    assert_eq!(
        lab.state("fas2020upper:RG1FV2", "fas2050upper:RG1FV2_SM")
            .await,
        Some(MirrorState::Snapmirrored)
    );
}

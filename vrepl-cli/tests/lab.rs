//! End to end: the `snapctl` binary against the embedded lab (through the REST simulator and
//! driver), each test in its own lab directory.

mod common;

use common::Home;
use predicates::prelude::*;

const EXIT_USAGE: i32 = 2;
const EXIT_NOT_FOUND: i32 = 3;
const EXIT_WOULD_LOSE_DATA: i32 = 5;

#[test]
fn a_fresh_lab_shows_its_relationships() {
    let home = Home::new();
    home.snapctl()
        .arg("show")
        .assert()
        .success()
        .stdout(predicate::str::contains("Source Path"))
        .stdout(predicate::str::contains("fas2020upper:RG1FV1"))
        .stdout(predicate::str::contains("fas2050upper:RG1FV1_SM"))
        .stdout(predicate::str::contains("Snapmirrored"));
    let (code, v) = home.json(&["show"]);
    assert_eq!(code, 0);
    let dests: Vec<&str> = v["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["destination_path"].as_str().unwrap())
        .collect();
    for d in [
        "RG1FV1_SM",
        "RG1FV2_SM",
        "RG2FV1_SM",
        "RG2FV2_SM",
        "RG2FV3_SM",
    ] {
        assert!(
            dests.iter().any(|x| x.ends_with(&format!(":{d}"))),
            "{d} missing from {dests:?}"
        );
    }
    // A protection group's name shows its relationships.
    let (_, pg1) = home.json(&["show", "PG1"]);
    let pg1: Vec<&str> = pg1["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["destination_path"].as_str().unwrap())
        .collect();
    assert_eq!(pg1, ["fas2050upper:RG1FV1_SM", "fas2050upper:RG1FV2_SM"]);
    let r = home.relationship("fas2050upper:RG1FV1_SM");
    assert_eq!(r["mirror_state"], "snapmirrored");
    assert_eq!(r["source_path"], "fas2020upper:RG1FV1");
    assert_eq!(r["cluster"], "fas2050");
    assert_eq!(r["healthy"], true);
}

#[test]
fn break_shows_broken_off_and_a_second_break_says_already() {
    let home = Home::new();
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("broken-off"));
    home.snapctl()
        .args(["show", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Broken-off"));
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "broken_off"
    );
    // The other relationships are untouched.
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "snapmirrored"
    );

    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already broken-off"));
    let (code, v) = home.json(&["break", "fas2050upper:RG1FV1_SM"]);
    assert_eq!(code, 0);
    assert_eq!(v["already"], true);
}

#[test]
fn resync_after_a_write_at_site_2_refuses_until_the_loss_is_accepted() {
    let home = Home::new();
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success();
    home.snapctl()
        .args([
            "lab",
            "write",
            "RG1FV1_SM",
            "Failback Test/note.txt",
            "written at Site 2",
        ])
        .assert()
        .success();
    home.snapctl()
        .args(["lab", "cat", "RG1FV1_SM", "Failback Test/note.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("written at Site 2"));

    home.snapctl()
        .args(["resync", "RG1FV1_SM"])
        .assert()
        .code(EXIT_WOULD_LOSE_DATA)
        .stderr(predicate::str::contains("refusing to resync"))
        .stderr(predicate::str::contains("--discard-changes"))
        .stderr(predicate::str::contains("rolls back to snapshot"));
    // Refused means untouched.
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "broken_off"
    );

    let (code, v) = home.json(&["resync", "RG1FV1_SM"]);
    assert_eq!(code, EXIT_WOULD_LOSE_DATA);
    assert_eq!(v["error"]["kind"], "would_lose_data");

    home.snapctl()
        .args(["resync", "RG1FV1_SM", "--discard-changes", "--wait"])
        .assert()
        .success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );
    // The write at Site 2 was rolled back.
    home.snapctl()
        .args(["lab", "cat", "RG1FV1_SM", "Failback Test/note.txt"])
        .assert()
        .failure();
}

#[test]
fn unknown_names_and_sources_are_explained() {
    let home = Home::new();
    home.snapctl()
        .args(["break", "NOPE_SM"])
        .assert()
        .code(EXIT_NOT_FOUND)
        .stderr(predicate::str::contains(
            "no SnapMirror relationship has the destination NOPE_SM",
        ))
        .stderr(predicate::str::contains("snapctl show"));
    home.snapctl()
        .args(["break", "RG1FV1"])
        .assert()
        .code(EXIT_NOT_FOUND)
        .stderr(predicate::str::contains("is the source"))
        .stderr(predicate::str::contains("fas2050upper:RG1FV1_SM"));
    home.snapctl()
        .args(["break", "a:b:c:d"])
        .assert()
        .code(EXIT_USAGE);
    home.snapctl()
        .args(["break", "fas9999:fas2050upper:RG1FV1_SM"])
        .assert()
        .code(EXIT_NOT_FOUND)
        .stderr(predicate::str::contains(
            "cluster fas9999 is not configured",
        ));
}

#[test]
fn a_name_in_two_svms_is_ambiguous_and_lists_the_candidates() {
    let home = Home::new();
    // A clone named like the Site 1 volume, at Site 2: now "RG1FV1" names two volumes.
    home.snapctl()
        .args(["clone", "create", "RG1FV1_SM", "RG1FV1"])
        .assert()
        .success();
    home.snapctl()
        .args(["clone", "split", "RG1FV1"])
        .assert()
        .code(EXIT_USAGE)
        .stderr(predicate::str::contains("RG1FV1 is ambiguous"))
        .stderr(predicate::str::contains("fas2020:fas2020upper:RG1FV1"))
        .stderr(predicate::str::contains("fas2050:fas2050upper:RG1FV1"));
    home.snapctl()
        .args(["clone", "delete", "fas2050upper:RG1FV1"])
        .assert()
        .success();
}

#[test]
fn dry_run_prints_the_call_and_changes_nothing() {
    let home = Home::new();
    home.snapctl()
        .args(["break", "RG1FV1_SM", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "fas2050: break_off(fas2050upper:RG1FV1_SM, on_transfer=Fail)",
        ))
        .stdout(predicate::str::contains("becomes writable"));
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );

    let (code, v) = home.json(&["quiesce", "RG2FV3_SM", "--dry-run"]);
    assert_eq!(code, 0);
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["calls"][0], "fas2050: quiesce(fas2050lower:RG2FV3_SM)");
    assert_eq!(
        home.relationship("fas2050lower:RG2FV3_SM")["mirror_state"],
        "snapmirrored"
    );
}

#[test]
fn quiesce_resume_and_update_round_trip() {
    let home = Home::new();
    home.snapctl()
        .args(["quiesce", "RG1FV2_SM"])
        .assert()
        .success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "paused"
    );
    home.snapctl()
        .args(["update", "RG1FV2_SM"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("resume it first"));
    home.snapctl()
        .args(["quiesce", "RG1FV2_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already quiesced"));
    home.snapctl()
        .args(["resume", "RG1FV2_SM"])
        .assert()
        .success();
    home.snapctl()
        .args([
            "lab",
            "write",
            "RG1FV2",
            "Failback Test/b.txt",
            "new at Site 1",
        ])
        .assert()
        .success();
    home.snapctl()
        .args(["update", "RG1FV2_SM", "--wait"])
        .assert()
        .success()
        .stderr(predicate::str::contains("finished"));
    let r = home.relationship("fas2050upper:RG1FV2_SM");
    assert_eq!(r["mirror_state"], "snapmirrored");
    assert_eq!(r["relationship_status"], "idle");
    // The update carried the Site 1 write over.
    home.snapctl()
        .args(["break", "RG1FV2_SM"])
        .assert()
        .success();
    home.snapctl()
        .args(["lab", "cat", "RG1FV2_SM", "Failback Test/b.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("new at Site 1"));
}

#[test]
fn check_passes_on_a_fresh_group_and_says_how_to_fix_a_broken_one() {
    let home = Home::new();
    home.snapctl()
        .args(["check", "PG1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ready"));
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success();
    home.snapctl()
        .args(["check", "PG1"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("destination_is_dp"))
        .stdout(predicate::str::contains(
            "snapctl resync fas2050upper:RG1FV1_SM",
        ));
    let (code, v) = home.json(&["check", "RG1FV1_SM"]);
    assert_eq!(code, 1);
    let results = v["reports"][0]["results"].as_array().unwrap();
    let dp = results
        .iter()
        .find(|r| r["check"] == "destination_is_dp")
        .unwrap();
    assert_eq!(dp["status"], "fail");
}

#[test]
fn lab_says_where_it_lives_and_reset_starts_afresh() {
    let home = Home::new();
    home.snapctl()
        .arg("lab")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            home.lab_dir().display().to_string(),
        ))
        .stdout(predicate::str::contains("fas2020"))
        .stdout(predicate::str::contains("fas2050"));
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success();
    home.snapctl().args(["lab", "reset"]).assert().success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );
}

#[test]
fn help_completions_and_man_page_come_from_the_command_line_definition() {
    let home = Home::new();
    home.snapctl()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("reverse-resync"))
        .stdout(predicate::str::contains("Exit codes"));
    home.snapctl()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("snapctl"));
    home.snapctl()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH snapctl"));
    home.snapctl().arg("brake").assert().code(EXIT_USAGE);
}

/// A lab where RG1FV1 is mirrored twice at Site 2, so `RG1FV1_SM` names two relationships.
async fn lab_with_two_rg1fv1_sm(home: &Home) {
    use vrepl_storage::mirror::NewRelationship;
    use vrepl_storage::model::{NewVolume, VolumePath, VolumeType};
    use vrepl_storage::sim::Fabric;
    use vrepl_storage::{MirrorControl, StorageArray};

    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let second = VolumePath::parse("fas2050lower:RG1FV1_SM").unwrap();
    site2
        .create_volume(&NewVolume {
            path: second.clone(),
            kind: VolumeType::Dp,
            size_bytes: 1 << 30,
        })
        .await
        .unwrap();
    site2
        .create_relationship(&NewRelationship {
            source: VolumePath::parse("fas2020upper:RG1FV1").unwrap(),
            destination: second,
            policy: None,
        })
        .await
        .unwrap();
    std::fs::create_dir_all(home.lab_dir()).unwrap();
    std::fs::write(
        home.lab_dir().join("state.json"),
        serde_json::to_vec(&fabric.to_json()).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn an_ambiguous_relationship_name_lists_the_candidates() {
    let home = Home::new();
    lab_with_two_rg1fv1_sm(&home).await;
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .code(EXIT_USAGE)
        .stderr(predicate::str::contains("RG1FV1_SM is ambiguous"))
        .stderr(predicate::str::contains("fas2050:fas2050upper:RG1FV1_SM"))
        .stderr(predicate::str::contains("fas2050:fas2050lower:RG1FV1_SM"))
        .stderr(predicate::str::contains("SVM:VOLUME"));
    // Nothing was broken.
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );
    // A qualified name picks one; the new one has no baseline yet, which the error explains.
    home.snapctl()
        .args(["break", "fas2050lower:RG1FV1_SM"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("initialize it"));
    home.snapctl()
        .args(["break", "fas2050:fas2050upper:RG1FV1_SM"])
        .assert()
        .success();
}

#[test]
fn concurrent_commands_do_not_lose_each_others_changes() {
    let home = Home::new();
    home.snapctl().arg("show").assert().success();
    let spawn = |dest: &str| {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("snapctl"));
        cmd.args(["break", dest])
            .env("SNAPCTL_LAB_DIR", home.lab_dir())
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("SNAPCTL_CONFIG")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        cmd.spawn().unwrap()
    };
    let children: Vec<_> = ["RG1FV1_SM", "RG1FV2_SM", "RG2FV1_SM", "RG2FV2_SM"]
        .iter()
        .map(|d| spawn(d))
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success());
    }
    for d in [
        "fas2050upper:RG1FV1_SM",
        "fas2050upper:RG1FV2_SM",
        "fas2050lower:RG2FV1_SM",
        "fas2050lower:RG2FV2_SM",
    ] {
        assert_eq!(home.relationship(d)["mirror_state"], "broken_off", "{d}");
    }
}

#[test]
fn writing_to_a_snapmirror_destination_is_refused_until_it_is_broken() {
    let home = Home::new();
    home.snapctl()
        .args(["lab", "write", "RG1FV1_SM", "Failback Test/x.txt", "x"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("read-only"));
    home.snapctl()
        .args(["lab", "write", "RP1", "Failback Test/x.txt", "at Site 1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("fas2020upper:RG1FV1/RP1.lun"));
}

#[test]
fn failback_with_reverse_resync_carries_site_2_writes_home() {
    let home = Home::new();
    home.snapctl()
        .args(["break", "RG1FV1_SM"])
        .assert()
        .success();
    home.snapctl()
        .args([
            "lab",
            "write",
            "RG1FV1_SM",
            "Failback Test/note.txt",
            "written at Site 2",
        ])
        .assert()
        .success();
    home.snapctl()
        .args(["reverse-resync", "RG1FV1_SM", "--dry-run"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "reverse_resync(fas2050upper:RG1FV1_SM",
        ))
        .stdout(predicate::str::contains(
            "fas2020upper:RG1FV1 becomes the destination",
        ));
    // Site 1 is rolled back to the common snapshot: what was written there after the break
    // would be lost, so it takes an explicit acceptance, naming what goes.
    home.snapctl()
        .args([
            "lab",
            "write",
            "RG1FV1",
            "site1-late.txt",
            "written at Site 1",
        ])
        .assert()
        .success();
    home.snapctl()
        .args(["reverse-resync", "RG1FV1_SM"])
        .assert()
        .code(EXIT_WOULD_LOSE_DATA)
        .stderr(predicate::str::contains("refusing to reverse-resync"))
        .stderr(predicate::str::contains(
            "it would discard 17 B written on fas2020upper:RG1FV1",
        ));
    home.snapctl()
        .args(["reverse-resync", "RG1FV1_SM", "--discard-changes", "--wait"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "fas2050upper:RG1FV1_SM -> fas2020upper:RG1FV1",
        ));
    // The reversed relationship is held by Site 1 now, and named by its new destination.
    let back = home.relationship("fas2020upper:RG1FV1");
    assert_eq!(back["cluster"], "fas2020");
    assert_eq!(back["source_path"], "fas2050upper:RG1FV1_SM");
    home.snapctl().args(["break", "RG1FV1"]).assert().success();
    home.snapctl()
        .args(["lab", "cat", "RG1FV1", "Failback Test/note.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("written at Site 2"));
}

#[test]
fn a_dr_test_clone_is_presented_checked_and_cleaned_up() {
    let home = Home::new();
    home.snapctl()
        .args([
            "clone",
            "create",
            "RG1FV1_SM",
            "RG1FV1_SM_drtest",
            "--dry-run",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("create_clone"));
    let (code, v) = home.json(&["clone", "create", "RG1FV1_SM", "RG1FV1_SM_drtest"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["path"], "fas2050upper:RG1FV1_SM_drtest");
    assert!(v["clone_parent_snapshot"]
        .as_str()
        .unwrap()
        .starts_with("snapmirror."));
    // Replication goes on, and the clone still uses the newest SnapMirror snapshot.
    home.snapctl()
        .args(["check", "RG1FV1_SM"])
        .assert()
        .success();

    let (code, luns) = home.json(&["lun", "show", "RG1FV1_SM_drtest"]);
    assert_eq!(code, 0);
    let lun = luns[0]["path"].as_str().unwrap().to_string();
    assert_eq!(lun, "/vol/RG1FV1_SM_drtest/RP1.lun");
    let qualified = format!("fas2050upper:{lun}");
    home.snapctl()
        .args(["lun", "map", &qualified, "Fibre"])
        .assert()
        .success()
        .stdout(predicate::str::contains("mapped"));
    home.snapctl()
        .args(["lun", "map", &qualified, "Fibre"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already mapped"));
    // A mapped clone is not deleted behind the hosts' backs.
    home.snapctl()
        .args(["clone", "delete", "RG1FV1_SM_drtest"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("still has mapped LUNs"))
        .stderr(predicate::str::contains("lun unmap"));
    home.snapctl()
        .args(["lun", "unmap", &qualified, "Fibre"])
        .assert()
        .success();
    home.snapctl()
        .args(["lun", "offline", &qualified])
        .assert()
        .success();
    home.snapctl()
        .args(["lun", "offline", &qualified])
        .assert()
        .success()
        .stdout(predicate::str::contains("already offline"));
    home.snapctl()
        .args(["clone", "delete", "RG1FV1_SM_drtest"])
        .assert()
        .success();
    // clone delete never deletes a volume that is not a FlexClone.
    home.snapctl()
        .args(["clone", "delete", "RG1FV1_SM"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not a FlexClone"));
}

#[test]
fn igroups_are_shown_created_and_extended_idempotently() {
    let home = Home::new();
    home.snapctl()
        .args(["igroup", "show", "fas2050upper"])
        .assert()
        .success()
        .stdout(predicate::str::contains("fas2050upper  Fibre"))
        .stdout(predicate::str::contains("fas2020").not())
        .stderr(predicate::str::is_empty());
    home.snapctl()
        .args(["igroup", "show"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Fibre"))
        .stdout(predicate::str::contains("10:00:00:00:c9:6a:fb:66"));
    home.snapctl()
        .args([
            "igroup",
            "create",
            "fas2050upper:DRTest",
            "--protocol",
            "fcp",
            "10:00:00:00:c9:00:00:01",
        ])
        .assert()
        .success();
    home.snapctl()
        .args(["igroup", "create", "fas2050upper:DRTest"])
        .assert()
        .success()
        .stdout(predicate::str::contains("already exists"));
    home.snapctl()
        .args([
            "igroup",
            "add",
            "fas2050upper:DRTest",
            "10:00:00:00:c9:00:00:01",
            "10:00:00:00:c9:00:00:02",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("added 10:00:00:00:c9:00:00:02"))
        .stdout(predicate::str::contains(
            "10:00:00:00:c9:00:00:01 is already in",
        ));
    home.snapctl()
        .args(["igroup", "add", "fas2050upper:DRTest", "not-a-wwpn"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("WWPN"));
}

/// A lab with a slow intercluster link (64 KiB/s) and 128 KiB waiting at Site 1 for RG1FV2_SM:
/// an update takes 2 s.
fn slow_lab_with_pending_changes(home: &Home) {
    let fabric = vrepl_storage::sim::Fabric::lab();
    fabric.set_bandwidth(64 << 10);
    std::fs::create_dir_all(home.lab_dir()).unwrap();
    std::fs::write(
        home.lab_dir().join("state.json"),
        serde_json::to_vec(&fabric.to_json()).unwrap(),
    )
    .unwrap();
    home.snapctl()
        .args(["lab", "write", "RG1FV2", "big.txt"])
        .write_stdin("x".repeat(128 << 10))
        .assert()
        .success();
}

#[test]
fn break_during_a_transfer_follows_on_transfer() {
    let home = Home::new();
    slow_lab_with_pending_changes(&home);
    home.snapctl()
        .args(["update", "RG1FV2_SM"])
        .assert()
        .success();
    home.snapctl()
        .args(["break", "RG1FV2_SM"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("a transfer is in progress"))
        .stderr(predicate::str::contains("--on-transfer wait"))
        .stderr(predicate::str::contains("--on-transfer abort"));
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "snapmirrored"
    );
    // Waiting lets the update land: the destination then holds the Site 1 write.
    home.snapctl()
        .args(["break", "RG1FV2_SM", "--on-transfer", "wait"])
        .assert()
        .success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "broken_off"
    );
    home.snapctl()
        .args(["lab", "cat", "RG1FV2_SM", "big.txt"])
        .assert()
        .success();
}

#[test]
fn break_with_abort_keeps_the_last_complete_snapshot() {
    let home = Home::new();
    slow_lab_with_pending_changes(&home);
    home.snapctl()
        .args(["update", "RG1FV2_SM"])
        .assert()
        .success();
    home.snapctl()
        .args(["break", "RG1FV2_SM", "--on-transfer", "abort"])
        .assert()
        .success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV2_SM")["mirror_state"],
        "broken_off"
    );
    // The aborted update never landed.
    home.snapctl()
        .args(["lab", "cat", "RG1FV2_SM", "big.txt"])
        .assert()
        .failure();
}

#[test]
fn a_transfer_goes_on_between_commands() {
    let home = Home::new();
    slow_lab_with_pending_changes(&home);
    let before = home.relationship("fas2050upper:RG1FV2_SM")["exported_snapshot"].clone();
    home.snapctl()
        .args(["update", "RG1FV2_SM"])
        .assert()
        .success()
        .stdout(predicate::str::contains("started"));
    let r = home.relationship("fas2050upper:RG1FV2_SM");
    assert_eq!(r["relationship_status"], "transferring", "{r}");
    // No snapctl runs meanwhile, yet the transfer goes on, as on a real array.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let r = home.relationship("fas2050upper:RG1FV2_SM");
    assert_eq!(r["relationship_status"], "idle", "{r}");
    // The destination now exports the snapshot the update took.
    assert_ne!(r["exported_snapshot"], before, "{r}");
}

/// Against ONTAP 9.9 to 9.11 the cluster reports snapshot sizes but no delta, so snapctl
/// measures what a resync would discard with a snapshot of its own: kept (and named) when it
/// holds writes, so nothing is lost until the user accepts; deleted again when it holds none.
#[test]
fn against_ontap_9_11_resync_measures_the_writes_with_a_snapshot() {
    let home = Home::new();
    let on_9_11 = |args: &[&str]| {
        let mut cmd = home.snapctl();
        cmd.env("SNAPCTL_LAB_ONTAP_VERSION", "9.11.1").args(args);
        cmd
    };
    on_9_11(&["break", "RG1FV1_SM"]).assert().success();
    // Nothing was written: measured as nothing, so no flag is needed.
    on_9_11(&["resync", "RG1FV1_SM", "--wait"])
        .assert()
        .success();

    on_9_11(&["break", "RG1FV1_SM"]).assert().success();
    on_9_11(&[
        "lab",
        "write",
        "RG1FV1_SM",
        "Failback Test/note.txt",
        "written at Site 2",
    ])
    .assert()
    .success();
    on_9_11(&["resync", "RG1FV1_SM"])
        .assert()
        .code(EXIT_WOULD_LOSE_DATA)
        .stderr(predicate::str::contains("snapctl.resync_check."));
    on_9_11(&["lab", "cat", "RG1FV1_SM", "Failback Test/note.txt"])
        .assert()
        .success()
        .stdout(predicate::str::contains("written at Site 2"));

    on_9_11(&["resync", "RG1FV1_SM", "--discard-changes", "--wait"])
        .assert()
        .success();
    on_9_11(&["lab", "cat", "RG1FV1_SM", "Failback Test/note.txt"])
        .assert()
        .failure();
}

/// ONTAP 9.8 reports neither snapshot sizes nor deltas: whatever was written since the break
/// cannot be measured, so resync refuses even when nothing was, and says what it rolls back to.
#[test]
fn against_ontap_9_8_resync_cannot_measure_and_needs_the_flag() {
    let home = Home::new();
    let on_9_8 = |args: &[&str]| {
        let mut cmd = home.snapctl();
        cmd.env("SNAPCTL_LAB_ONTAP_VERSION", "9.8").args(args);
        cmd
    };
    on_9_8(&["break", "RG1FV1_SM"]).assert().success();
    on_9_8(&["resync", "RG1FV1_SM"])
        .assert()
        .code(EXIT_WOULD_LOSE_DATA)
        .stderr(predicate::str::contains("cannot say how much"))
        .stderr(predicate::str::contains(
            "rolls back to snapshot snapmirror.",
        ));
    on_9_8(&["resync", "RG1FV1_SM", "--discard-changes", "--wait"])
        .assert()
        .success();
    assert_eq!(
        home.relationship("fas2050upper:RG1FV1_SM")["mirror_state"],
        "snapmirrored"
    );

    home.snapctl()
        .env("SNAPCTL_LAB_ONTAP_VERSION", "8.3")
        .arg("show")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SNAPCTL_LAB_ONTAP_VERSION"));
}

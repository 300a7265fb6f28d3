//! The runbooks against the simulated lab, storage side (the groups without ESX hosts), on a
//! paused clock: what each runbook leaves in the world, its guards, and resume after a crash.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use vrepl_cli::runbook::journal::StepStatus;
use vrepl_cli::runbook::progress::Progress;
use vrepl_cli::runbook::{plan, Boundary, RunbookError, RunbookKind};
use vrepl_storage::mirror::{MirrorState, TransferProgress};
use vrepl_storage::model::{LunName, VolumePath, VolumeType};
use vrepl_storage::sim::DataPath;
use vrepl_storage::StorageArray;
use vrepl_tests::Lab;

const SM1: &str = "fas2050upper:RG1FV1_SM";
const PROD1: &str = "fas2020upper:RG1FV1";

#[tokio::test(start_paused = true)]
async fn dr_test_presents_clones_while_replicating_and_cleanup_removes_exactly_them() {
    let lab = Lab::storage_only();
    let (vols_before, maps_before) = (lab.volumes().await, lab.maps().await);
    let groups = [lab.group("PG1"), lab.group("PG2")];
    let run = lab
        .runner()
        .run(plan::test_start(&groups).unwrap())
        .await
        .unwrap();
    assert_eq!(run.report.outcome, "succeeded");

    let vols = lab.volumes().await;
    for clone in [
        "fas2050upper:RG1FV1_Clone",
        "fas2050upper:RG1FV2_Clone",
        "fas2050lower:RG2FV1_Clone",
        "fas2050lower:RG2FV3_Clone",
    ] {
        assert!(
            vols.contains(&clone.to_string()),
            "{clone} missing from {vols:?}"
        );
    }
    let maps = lab.maps().await;
    assert!(
        maps.contains(&"fas2050upper:/vol/RG1FV1_Clone/RP1.lun -> Fibre".to_string()),
        "{maps:?}"
    );
    let site2 = lab.fabric.array("fas2050").unwrap();
    let nfs_clone = site2
        .volume(&VolumePath::parse("fas2050lower:RG2FV3_Clone").unwrap())
        .await
        .unwrap();
    assert_eq!(nfs_clone.junction_path.unwrap().as_str(), "/RG2FV3_Clone");
    assert!(lab
        .read_vmfs(
            "fas2050upper:RG1FV1_Clone",
            "RP1.lun",
            "HR-App1/HR-App1.vmx"
        )
        .is_ok());
    for (src, dst) in [
        (PROD1, SM1),
        ("fas2020lower:RG2FV3", "fas2050lower:RG2FV3_SM"),
    ] {
        assert_eq!(
            lab.state(src, dst).await,
            Some(MirrorState::Snapmirrored),
            "{dst} must keep replicating"
        );
    }

    let cleanup = lab.runner().cleanup_test(&run.dir).await.unwrap();
    assert_eq!(cleanup.report.runbook, RunbookKind::TestCleanup);
    assert_eq!(
        lab.volumes().await,
        vols_before,
        "the clones must be gone, and nothing else"
    );
    assert_eq!(lab.maps().await, maps_before);
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
}

#[tokio::test(start_paused = true)]
async fn a_second_dr_test_is_refused_until_the_first_is_cleaned_up() {
    let lab = Lab::storage_only();
    let pg1 = [lab.group("PG1")];
    let first = lab
        .runner()
        .run(plan::test_start(&pg1).unwrap())
        .await
        .unwrap();
    let err = lab
        .runner()
        .run(plan::test_start(&pg1).unwrap())
        .await
        .unwrap_err();
    let RunbookError::Preflight(failed) = &err else {
        panic!("{err}")
    };
    assert!(failed.iter().all(|c| c.check == "no_test_clone"), "{err}");
    lab.runner().cleanup_test(&first.dir).await.unwrap();
    lab.runner()
        .run(plan::test_start(&pg1).unwrap())
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn planned_failover_breaks_with_zero_lag_and_the_vms_are_at_site_2() {
    let lab = Lab::storage_only();
    lab.write_vmfs(
        PROD1,
        "RP1.lun",
        "HR-App1/last-write.txt",
        b"before the failover",
    )
    .unwrap();
    let run = lab
        .runner()
        .run(plan::failover_planned(&[lab.group("PG1")]).unwrap())
        .await
        .unwrap();
    assert_eq!(run.report.lag_at_break.len(), 2);
    assert!(
        run.report
            .lag_at_break
            .iter()
            .all(|l| l.lag_secs == Some(0)),
        "{:?}",
        run.report.lag_at_break
    );
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::BrokenOff));
    assert_eq!(
        lab.read_vmfs(SM1, "RP1.lun", "HR-App1/last-write.txt")
            .unwrap(),
        b"before the failover"
    );
    assert!(lab.read_vmfs(SM1, "RP1.lun", "HR-App3/HR-App3.vmx").is_ok());
    assert!(
        !lab.maps()
            .await
            .iter()
            .any(|m| m.starts_with("fas2020upper:/vol/RG1FV1/")),
        "Site 1 must be unmapped"
    );
    lab.write_vmfs(SM1, "RP1.lun", "HR-App1/at-site-2.txt", b"writable")
        .unwrap();
    assert!(
        run.report
            .to_text()
            .contains("lag at break: fas2050upper:RG1FV1_SM 0s"),
        "{}",
        run.report.to_text()
    );
    assert!(run.dir.join("report.json").exists() && run.dir.join("journal.jsonl").exists());
}

/// The world as the end state of a failback is judged: relationships, maps, volumes, and the
/// file written at Site 2.
async fn end_state(lab: &Lab) -> String {
    let mut rels = Vec::new();
    for dst in [SM1, "fas2050upper:RG1FV2_SM", PROD1, "fas2020upper:RG1FV2"] {
        if let Some(r) = lab.relationship(dst).await {
            rels.push(format!("{} {}", r.describe(), r.state));
        }
    }
    let file = lab
        .read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
        .map(|b| String::from_utf8_lossy(&b).to_string());
    format!(
        "{rels:?}\n{:?}\n{:?}\n{file:?}",
        lab.maps().await,
        lab.volumes().await
    )
}

async fn failed_over_with_a_write_at_site_2() -> Lab {
    let lab = Lab::storage_only();
    lab.runner()
        .run(plan::failover_planned(&[lab.group("PG1")]).unwrap())
        .await
        .unwrap();
    lab.write_vmfs(
        SM1,
        "RP1.lun",
        "HR-App3/Failback Test/readme.txt",
        b"written at Site 2",
    )
    .unwrap();
    lab
}

#[tokio::test(start_paused = true)]
async fn failback_brings_site_2_writes_home_and_protects_site_1_again() {
    let lab = failed_over_with_a_write_at_site_2().await;
    let run = lab
        .runner()
        .run(plan::failback(&[lab.group("PG1")], false).unwrap())
        .await
        .unwrap();
    assert_eq!(run.report.outcome, "succeeded");
    assert_eq!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
            .unwrap(),
        b"written at Site 2"
    );
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
    assert_eq!(
        lab.state("fas2020upper:RG1FV2", "fas2050upper:RG1FV2_SM")
            .await,
        Some(MirrorState::Snapmirrored)
    );
    let site2 = lab.fabric.array("fas2050").unwrap();
    assert_eq!(
        site2
            .volume(&VolumePath::parse(SM1).unwrap())
            .await
            .unwrap()
            .kind,
        VolumeType::Dp
    );
    assert!(lab
        .maps()
        .await
        .contains(&"fas2020upper:/vol/RG1FV1/RP1.lun -> Fibre".to_string()));
}

#[tokio::test(start_paused = true)]
async fn writes_made_while_the_operator_shuts_site_2_down_arrive_with_the_final_update() {
    struct LastMinuteWriter(vrepl_storage::sim::Fabric);
    #[async_trait::async_trait]
    impl vrepl_cli::runbook::progress::Operator for LastMinuteWriter {
        async fn workloads_stopped(
            &self,
            site: &str,
            _: &[String],
        ) -> vrepl_cli::runbook::RunbookResult<()> {
            assert_eq!(site, "Site 2");
            let at = DataPath::vmfs(LunName::new("RP1.lun").unwrap(), "HR-App3/shutdown.log");
            self.0
                .write_file(&VolumePath::parse(SM1).unwrap(), &at, b"clean shutdown")
                .unwrap();
            Ok(())
        }
    }
    let lab = failed_over_with_a_write_at_site_2().await;
    let group = lab.group("PG1");
    let runner = lab.runner();
    let writer = Arc::new(LastMinuteWriter(lab.fabric.clone()));
    runner
        .with_operator(writer)
        .run(plan::failback(&[group], false).unwrap())
        .await
        .unwrap();
    assert_eq!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App3/shutdown.log")
            .unwrap(),
        b"clean shutdown"
    );
}

#[tokio::test(start_paused = true)]
async fn failback_survives_a_crash_at_every_step_and_reaches_the_same_end() {
    let reference = {
        let lab = failed_over_with_a_write_at_site_2().await;
        lab.runner()
            .run(plan::failback(&[lab.group("PG1")], false).unwrap())
            .await
            .unwrap();
        end_state(&lab).await
    };
    let ids: Vec<(String, bool)> = {
        let lab = Lab::storage_only();
        let p = plan::failback(&[lab.group("PG1")], false).unwrap();
        p.steps()
            .map(|s| (s.id.clone(), s.step.is_destructive()))
            .collect()
    };
    assert!(ids.len() >= 10, "{ids:?}");
    for (id, destructive) in &ids {
        for boundary in [Boundary::BeforeStep, Boundary::AfterAction] {
            let lab = failed_over_with_a_write_at_site_2().await;
            let plan = plan::failback(&[lab.group("PG1")], false).unwrap();
            let (at, b) = (id.clone(), boundary);
            let hook: vrepl_cli::runbook::InterruptHook = Arc::new(move |s, bb| s == at && bb == b);
            let err = lab
                .runner()
                .with_interrupt(hook)
                .run(plan)
                .await
                .unwrap_err();
            assert!(
                matches!(err, RunbookError::Interrupted { .. }),
                "{id} {boundary:?}: {err}"
            );
            let dir = vrepl_cli::runbook::latest_run(&lab.runs_dir(), RunbookKind::Failback, "PG1")
                .await
                .unwrap();
            let resumed = lab
                .runner()
                .resume(&dir)
                .await
                .unwrap_or_else(|e| panic!("resume after {id} {boundary:?}: {e}"));
            assert_eq!(resumed.report.outcome, "succeeded");
            assert_eq!(
                end_state(&lab).await,
                reference,
                "after a crash at {id} {boundary:?}"
            );

            let journal = std::fs::read_to_string(dir.join("journal.jsonl")).unwrap();
            let mut starts: BTreeMap<String, usize> = BTreeMap::new();
            for line in journal.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                if v["event"] == "start" {
                    *starts
                        .entry(v["step"].as_str().unwrap().to_string())
                        .or_default() += 1;
                }
            }
            for (sid, n) in &starts {
                let expected = if sid == id && boundary == Boundary::AfterAction {
                    2
                } else {
                    1
                };
                assert_eq!(
                    *n, expected,
                    "step {sid} started {n} times (crash at {id} {boundary:?})"
                );
            }
            if boundary == Boundary::AfterAction && *destructive {
                let st = resumed.report.steps.iter().find(|s| &s.id == id).unwrap();
                assert_eq!(
                    st.status,
                    Some(StepStatus::Already),
                    "{id} must find its work done: {:?}",
                    st.detail
                );
            }
        }
    }
}

#[tokio::test(start_paused = true)]
async fn reversing_over_unreplicated_site_1_writes_needs_the_relationship_named() {
    let lab = failed_over_with_a_write_at_site_2().await;
    lab.write_vmfs(
        PROD1,
        "RP1.lun",
        "HR-App1/late.txt",
        b"written at Site 1 after the break",
    )
    .unwrap();
    let pg1 = [lab.group("PG1")];

    let err = lab
        .runner()
        .run(plan::failback(&pg1, false).unwrap())
        .await
        .unwrap_err();
    let RunbookError::Preflight(failed) = &err else {
        panic!("{err}")
    };
    assert_eq!(failed.len(), 1, "{err}");
    assert_eq!(failed[0].check, "no_unreplicated_writes");

    // Skipping the check does not get past the step's own guard.
    let mut opts = lab.options();
    opts.skip_checks = vec!["no_unreplicated_writes".into()];
    let runner = vrepl_cli::runbook::Runner::new(lab.env.clone(), opts.clone());
    let err = runner
        .run(plan::failback(&pg1, false).unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(err, RunbookError::UnacknowledgedLoss { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(SM1), "{err}");
    assert_eq!(
        lab.state(PROD1, SM1).await,
        Some(MirrorState::BrokenOff),
        "nothing may be reversed"
    );

    opts.skip_checks.clear();
    opts.accept_loss = vec![SM1.into()];
    let run = vrepl_cli::runbook::Runner::new(lab.env.clone(), opts)
        .run(plan::failback(&pg1, false).unwrap())
        .await
        .unwrap();
    assert!(
        run.report
            .warnings
            .iter()
            .any(|w| w.contains("discarded as acknowledged")),
        "{:?}",
        run.report.warnings
    );
    assert!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App1/late.txt").is_err(),
        "the acknowledged write is gone"
    );
    assert!(lab
        .read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
        .is_ok());
}

#[tokio::test(start_paused = true)]
async fn unplanned_failover_works_with_site_1_down_and_failback_needs_force_while_site_1_is_mapped()
{
    let lab = Lab::storage_only();
    let pg1 = [lab.group("PG1")];
    lab.fabric.set_reachable("fas2020", false);
    assert!(
        lab.runner()
            .run(plan::failover_planned(&pg1).unwrap())
            .await
            .is_err(),
        "planned needs Site 1"
    );
    let run = lab
        .runner()
        .run(plan::failover_unplanned(&pg1).unwrap())
        .await
        .unwrap();
    assert_eq!(run.report.lag_at_break.len(), 2);
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::BrokenOff));
    lab.write_vmfs(
        SM1,
        "RP1.lun",
        "HR-App3/Failback Test/readme.txt",
        b"written at Site 2",
    )
    .unwrap();

    lab.fabric.set_reachable("fas2020", true);
    let err = lab
        .runner()
        .run(plan::failback(&pg1, false).unwrap())
        .await
        .unwrap_err();
    let RunbookError::Preflight(failed) = &err else {
        panic!("{err}")
    };
    assert!(
        failed
            .iter()
            .all(|c| c.check == "protected_copy_not_presented"),
        "{err}"
    );
    assert!(
        err.to_string().contains("RP1.lun is mapped to Fibre"),
        "{err}"
    );

    lab.runner()
        .run(plan::failback(&pg1, true).unwrap())
        .await
        .unwrap();
    assert_eq!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
            .unwrap(),
        b"written at Site 2"
    );
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
}

#[tokio::test(start_paused = true)]
async fn reprotect_replicates_site_2_back_and_failback_picks_up_from_there() {
    let lab = failed_over_with_a_write_at_site_2().await;
    let pg1 = lab.group("PG1");
    let run = lab
        .runner()
        .run(plan::reprotect(std::slice::from_ref(&pg1)).unwrap())
        .await
        .unwrap();
    assert_eq!(
        lab.state(SM1, PROD1).await,
        Some(MirrorState::Snapmirrored),
        "Site 2 is protected by Site 1"
    );
    assert_eq!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
            .unwrap(),
        b"written at Site 2",
        "replicated to Site 1"
    );
    let journal = std::fs::read_to_string(run.dir.join("journal.jsonl")).unwrap();
    let planned: serde_json::Value = serde_json::from_str(journal.lines().next().unwrap()).unwrap();
    let kept: vrepl_cli::runbook::ProtectionGroup =
        serde_json::from_value(planned["plan"]["groups"][0].clone()).unwrap();
    assert_eq!(kept, pg1, "the group's definition is kept as it was");

    let back = lab
        .runner()
        .run(plan::failback(&[pg1], false).unwrap())
        .await
        .unwrap();
    let first = &back.report.steps[0];
    assert_eq!(first.status, Some(StepStatus::Already), "{first:?}");
    assert_eq!(
        lab.read_vmfs(PROD1, "RP1.lun", "HR-App3/Failback Test/readme.txt")
            .unwrap(),
        b"written at Site 2"
    );
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
}

#[derive(Default)]
struct Watch {
    running: AtomicUsize,
    most: AtomicUsize,
    transfers: Mutex<Vec<u64>>,
}

impl Progress for Watch {
    fn step_started(&self, _: &str, _: &str) {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most.fetch_max(now, Ordering::SeqCst);
    }
    fn step_finished(&self, _: &str, _: &str, _: &vrepl_cli::runbook::journal::StepOutcome) {
        self.running.fetch_sub(1, Ordering::SeqCst);
    }
    fn transfer(&self, _: &VolumePath, p: &TransferProgress) {
        self.transfers.lock().unwrap().push(p.bytes_transferred);
    }
}

#[tokio::test(start_paused = true)]
async fn independent_relationships_run_side_by_side_within_the_bound_and_transfers_report_progress()
{
    for (bound, expect_parallel) in [(1, false), (4, true)] {
        let lab = Lab::storage_only();
        lab.fabric.set_bandwidth(1 << 20);
        lab.write_vmfs(PROD1, "RP1.lun", "HR-App1/big.bin", &vec![7u8; 8 << 20])
            .unwrap();
        let watch = Arc::new(Watch::default());
        let mut opts = lab.options();
        opts.concurrency = bound;
        let groups = [lab.group("PG1"), lab.group("PG2")];
        vrepl_cli::runbook::Runner::new(lab.env.clone(), opts)
            .with_progress(Arc::clone(&watch) as Arc<dyn Progress>)
            .run(plan::failover_planned(&groups).unwrap())
            .await
            .unwrap();
        let most = watch.most.load(Ordering::SeqCst);
        assert_eq!(
            most > 1,
            expect_parallel,
            "bound {bound}: {most} steps ran at once"
        );
        assert!(most <= bound, "bound {bound}: {most} steps ran at once");
        let seen = watch.transfers.lock().unwrap().clone();
        assert!(
            seen.iter().any(|b| *b > 0 && *b < 8 << 20),
            "progress of the 8 MiB update: {seen:?}"
        );
    }
}

#[test]
fn a_dry_run_lists_every_call_and_counts_them() {
    let lab = Lab::storage_only();
    let p = plan::failback(&[lab.group("PG1")], false).unwrap();
    let json = p.to_json();
    let counted: u64 = json["calls_by_target"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(json["call_count"].as_u64().unwrap(), counted);
    assert_eq!(
        json["stages"][0]["steps"][0]["calls"][2]["call"],
        "reverse_resync(fas2050upper:RG1FV1_SM, refuse|accept)"
    );
    assert_eq!(json["stages"][0]["steps"][0]["target"], "fas2050");
    let text = p.to_text();
    assert!(
        text.contains("Stage 1: reverse resync: recovery site -> protected site (side by side)"),
        "{text}"
    );
    assert!(text.contains("[destructive]"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_dr_test_beyond_the_rpo_is_refused_unless_the_check_is_skipped_and_the_report_says_so() {
    let lab = Lab::storage_only();
    let mut pg1 = lab.group("PG1");
    pg1.rpo_secs = Some(60);
    tokio::time::advance(std::time::Duration::from_secs(300)).await;
    let err = lab
        .runner()
        .run(plan::test_start(std::slice::from_ref(&pg1)).unwrap())
        .await
        .unwrap_err();
    let RunbookError::Preflight(failed) = &err else {
        panic!("{err}")
    };
    assert!(
        !failed.is_empty() && failed.iter().all(|c| c.check == "lag_within_rpo"),
        "{err}"
    );
    assert!(
        lab.volumes().await.iter().all(|v| !v.ends_with("_Clone")),
        "nothing was changed"
    );

    let mut opts = lab.options();
    opts.skip_checks = vec!["lag_within_rpo".into()];
    let run = vrepl_cli::runbook::Runner::new(lab.env.clone(), opts)
        .run(plan::test_start(&[pg1]).unwrap())
        .await
        .unwrap();
    assert!(
        run.report
            .warnings
            .iter()
            .any(|w| w.contains("check lag_within_rpo") && w.contains("skipped")),
        "{:?}",
        run.report.warnings
    );
}

#[tokio::test(start_paused = true)]
async fn a_journal_torn_by_a_crash_mid_write_still_resumes_and_a_finished_run_is_not_rerun() {
    use std::io::Write;
    let lab = Lab::storage_only();
    let pg1 = [lab.group("PG1")];
    let hook: vrepl_cli::runbook::InterruptHook =
        Arc::new(|s, b| s == "4.1" && b == Boundary::BeforeStep);
    let err = lab
        .runner()
        .with_interrupt(hook)
        .run(plan::failover_planned(&pg1).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, RunbookError::Interrupted { .. }), "{err}");
    let dir = vrepl_cli::runbook::latest_run(&lab.runs_dir(), RunbookKind::FailoverPlanned, "PG1")
        .await
        .unwrap();
    let mut f = std::fs::OpenOptions::new()
        .append(true)
        .open(dir.join("journal.jsonl"))
        .unwrap();
    f.write_all(br#"{"event":"start","step":"4.1","at":"2026-11"#)
        .unwrap();
    drop(f);

    let done = lab.runner().resume(&dir).await.unwrap();
    assert_eq!(done.report.outcome, "succeeded");
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::BrokenOff));
    let again = lab.runner().resume(&dir).await.unwrap_err();
    assert!(again.to_string().contains("already succeeded"), "{again}");
}

#[tokio::test(start_paused = true)]
async fn cleanup_of_a_dr_test_that_crashed_half_way_removes_what_it_had_made() {
    let lab = Lab::storage_only();
    let (vols, maps) = (lab.volumes().await, lab.maps().await);
    let groups = [lab.group("PG1"), lab.group("PG2")];
    // The clone of 1.2 is made but its end never reaches the journal; 1.3 and later never start.
    let hook: vrepl_cli::runbook::InterruptHook =
        Arc::new(|s, b| s == "1.2" && b == Boundary::AfterAction);
    let mut opts = lab.options();
    opts.concurrency = 1;
    let err = vrepl_cli::runbook::Runner::new(lab.env.clone(), opts)
        .with_interrupt(hook)
        .run(plan::test_start(&groups).unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, RunbookError::Interrupted { .. }), "{err}");
    let made: Vec<String> = lab
        .volumes()
        .await
        .into_iter()
        .filter(|v| !vols.contains(v))
        .collect();
    assert_eq!(
        made,
        ["fas2050upper:RG1FV1_Clone", "fas2050upper:RG1FV2_Clone"]
    );

    let test = vrepl_cli::runbook::latest_run(&lab.runs_dir(), RunbookKind::TestStart, "PG2")
        .await
        .unwrap();
    let cleanup = lab.runner().cleanup_test(&test).await.unwrap();
    let destroys = cleanup
        .report
        .steps
        .iter()
        .filter(|s| s.title.starts_with("destroy"))
        .count();
    assert_eq!(
        destroys, 2,
        "only the clones the test started: {:?}",
        cleanup.report.steps
    );
    assert_eq!(lab.volumes().await, vols);
    assert_eq!(lab.maps().await, maps);
}

//! The runbooks end to end on the embedded lab: ONTAP REST simulators reached by the REST
//! driver, and ESXi emulators reached over SSH by the esxcli driver. Each test checks the world
//! afterwards: what the arrays hold and what the hosts have mounted and can read.

use vrepl_cli::runbook::plan;
use vrepl_storage::mirror::MirrorState;
use vrepl_tests::FullLab;

const SM1: &str = "fas2050upper:RG1FV1_SM";
const PROD1: &str = "fas2020upper:RG1FV1";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dr_test_mounts_the_clones_at_site_2_and_cleanup_leaves_nothing() {
    let lab = FullLab::start().await;
    let (vols, maps) = (lab.volumes().await, lab.maps().await);
    let before: Vec<_> = futures_mounted(&lab, &["site2-esx1", "site2-esx2"]).await;
    let groups = [lab.group("PG1"), lab.group("PG2")];
    let run = match lab.runner().run(plan::test_start(&groups).unwrap()).await {
        Ok(r) => r,
        Err(e) => panic!("{e}\n{}", report_of(&lab).await),
    };
    println!("{}", run.report.to_text());
    let mounted = lab.mounted("site2-esx1").await;
    for label in ["RP1", "RP2", "RP3", "RP4"] {
        assert!(
            mounted
                .iter()
                .any(|m| m.starts_with("snap-") && m.ends_with(&format!("-{label}"))),
            "{label} clone not mounted: {mounted:?}"
        );
    }
    assert!(mounted.contains(&"RP5_Clone".to_string()), "{mounted:?}");
    for (src, dst) in [
        (PROD1, SM1),
        ("fas2020lower:RG2FV3", "fas2050lower:RG2FV3_SM"),
    ] {
        assert_eq!(lab.state(src, dst).await, Some(MirrorState::Snapmirrored));
    }

    let cleanup = lab.runner().cleanup_test(&run.dir).await.unwrap();
    println!("{}", cleanup.report.to_text());
    assert_eq!(lab.volumes().await, vols);
    assert_eq!(lab.maps().await, maps);
    assert_eq!(
        futures_mounted(&lab, &["site2-esx1", "site2-esx2"]).await,
        before
    );
}

async fn futures_mounted(lab: &FullLab, hosts: &[&str]) -> Vec<Vec<String>> {
    let mut v = Vec::new();
    for h in hosts {
        v.push(lab.mounted(h).await);
    }
    v
}

async fn report_of(lab: &FullLab) -> String {
    let mut s = String::new();
    if let Ok(mut rd) = tokio::fs::read_dir(lab.runs_dir()).await {
        while let Ok(Some(e)) = rd.next_entry().await {
            s.push_str(
                &tokio::fs::read_to_string(e.path().join("report.txt"))
                    .await
                    .unwrap_or_default(),
            );
        }
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planned_failover_then_failback_moves_site_2_writes_home_through_the_drivers() {
    use vrepl_esx::host::{DatastoreName, DatastorePath};
    let lab = FullLab::start().await;
    let pg1 = [lab.group("PG1")];
    let clock = std::time::Instant::now();
    let over = match lab
        .runner()
        .run(plan::failover_planned(&pg1).unwrap())
        .await
    {
        Ok(r) => r,
        Err(e) => panic!("{e}\n{}", report_of(&lab).await),
    };
    println!(
        "{}\nfailover took {:?}",
        over.report.to_text(),
        clock.elapsed()
    );
    assert!(
        over.report
            .lag_at_break
            .iter()
            .all(|l| l.lag_secs == Some(0)),
        "{:?}",
        over.report.lag_at_break
    );
    let esx = lab.env.host("site2-esx1").unwrap();
    let rp1 = DatastoreName::new("RP1").unwrap();
    for vm in ["HR-App1", "HR-App2", "HR-App3"] {
        let vmx = esx
            .read_datastore_file(&rp1, &DatastorePath::new(format!("{vm}/{vm}.vmx")).unwrap())
            .await
            .unwrap();
        assert!(String::from_utf8_lossy(&vmx).contains(&format!("displayName = \"{vm}\"")));
    }
    assert!(
        !lab.mounted("site1-esx4").await.contains(&"RP1".to_string()),
        "Site 1 must have let go of RP1"
    );

    lab.write_vmfs(
        SM1,
        "RP1.lun",
        "HR-App3/Failback Test/readme.txt",
        b"written at Site 2",
    )
    .unwrap();
    let clock = std::time::Instant::now();
    let back = match lab.runner().run(plan::failback(&pg1, false).unwrap()).await {
        Ok(r) => r,
        Err(e) => panic!("{e}\n{}", report_of(&lab).await),
    };
    println!(
        "{}\nfailback took {:?}",
        back.report.to_text(),
        clock.elapsed()
    );
    let verified = back
        .report
        .steps
        .iter()
        .filter(|s| s.title.starts_with("verify"))
        .count();
    assert_eq!(verified, 2, "RP1 and RP2 verified at Site 1");
    let site1 = lab.env.host("site1-esx4").unwrap();
    let note = site1
        .read_datastore_file(
            &rp1,
            &DatastorePath::new("HR-App3/Failback Test/readme.txt").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(note, b"written at Site 2");
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
    assert!(
        !lab.mounted("site2-esx1").await.contains(&"RP1".to_string()),
        "the replica is read-only again at Site 2"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failback_crashing_after_every_step_in_turn_resumes_to_the_same_end() {
    use std::collections::BTreeSet;
    use std::sync::{Arc, Mutex};
    use vrepl_cli::runbook::journal::StepStatus;
    use vrepl_cli::runbook::{Boundary, RunbookError};
    use vrepl_esx::host::{DatastoreName, DatastorePath};

    let lab = FullLab::start().await;
    let pg1 = [lab.group("PG1")];
    lab.runner()
        .run(plan::failover_planned(&pg1).unwrap())
        .await
        .unwrap();
    lab.write_vmfs(
        SM1,
        "RP1.lun",
        "HR-App3/Failback Test/readme.txt",
        b"written at Site 2",
    )
    .unwrap();

    // Each step crashes once, after it acted and before its end reached the journal: the
    // resume runs it again and must find its work done.
    let crashed = Arc::new(Mutex::new(BTreeSet::new()));
    let seen = Arc::clone(&crashed);
    let hook: vrepl_cli::runbook::InterruptHook = Arc::new(move |id, b| {
        b == Boundary::AfterAction && seen.lock().unwrap().insert(id.to_string())
    });
    let runner = lab.runner().with_interrupt(hook);
    let plan = plan::failback(&pg1, false).unwrap();
    let steps = plan.steps().count();
    let mut result = runner.run(plan).await;
    let dir = vrepl_cli::runbook::latest_run(
        &lab.runs_dir(),
        vrepl_cli::runbook::RunbookKind::Failback,
        "PG1",
    )
    .await
    .unwrap();
    let mut resumes = 0;
    while let Err(e) = &result {
        assert!(matches!(e, RunbookError::Interrupted { .. }), "{e}");
        resumes += 1;
        assert!(resumes <= steps, "the run does not converge");
        result = runner.resume(&dir).await;
    }
    let report = result.unwrap().report;
    assert_eq!(
        crashed.lock().unwrap().len(),
        steps,
        "every step crashed once"
    );
    for s in &report.steps {
        if s.title.starts_with("break") || s.title.starts_with("reverse resync") {
            assert_eq!(
                s.status,
                Some(StepStatus::Already),
                "{} repeated: {:?}",
                s.id,
                s.detail
            );
        }
    }
    let rp1 = DatastoreName::new("RP1").unwrap();
    let site1 = lab.env.host("site1-esx4").unwrap();
    let note = site1
        .read_datastore_file(
            &rp1,
            &DatastorePath::new("HR-App3/Failback Test/readme.txt").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(note, b"written at Site 2");
    assert_eq!(lab.state(PROD1, SM1).await, Some(MirrorState::Snapmirrored));
    assert_eq!(
        lab.state("fas2020upper:RG1FV2", "fas2050upper:RG1FV2_SM")
            .await,
        Some(MirrorState::Snapmirrored)
    );
    assert!(lab.mounted("site1-esx1").await.contains(&"RP2".to_string()));
    assert!(!lab.mounted("site2-esx2").await.contains(&"RP1".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_esxi_hosts_vmfs_and_nfs_datastores_fail_over_and_back_per_volume() {
    use vrepl_esx::host::{DatastoreName, DatastorePath};
    let lab = FullLab::start_as(Some("6.7.0")).await;
    let groups = [lab.group("PG1"), lab.group("PG2")];
    let must = |r: Result<vrepl_cli::runbook::RunResult, vrepl_cli::runbook::RunbookError>| match r
    {
        Ok(r) => r,
        Err(e) => {
            let mut reports = String::new();
            for d in std::fs::read_dir(lab.runs_dir()).unwrap().flatten() {
                reports.push_str(
                    &std::fs::read_to_string(d.path().join("report.txt")).unwrap_or_default(),
                );
            }
            panic!("{e}\n{reports}")
        }
    };

    let test = must(lab.runner().run(plan::test_start(&groups).unwrap()).await);
    let mounted = lab.mounted("site2-esx2").await;
    assert!(
        mounted
            .iter()
            .any(|m| m.starts_with("snap-") && m.ends_with("-RP4")),
        "{mounted:?}"
    );
    assert!(mounted.contains(&"RP5_Clone".to_string()), "{mounted:?}");
    must(lab.runner().cleanup_test(&test.dir).await);
    assert!(
        !lab.mounted("site2-esx2")
            .await
            .iter()
            .any(|m| m.contains("RP")),
        "{:?}",
        lab.mounted("site2-esx2").await
    );

    must(
        lab.runner()
            .run(plan::failover_planned(&groups).unwrap())
            .await,
    );
    let at_site2 = lab.mounted("site2-esx1").await;
    for ds in ["RP1", "RP2", "RP3", "RP4", "RP5"] {
        assert!(
            at_site2.contains(&ds.to_string()),
            "{ds} not mounted at Site 2: {at_site2:?}"
        );
    }
    lab.fabric
        .write_file(
            &vrepl_storage::model::VolumePath::parse("fas2050lower:RG2FV3_SM").unwrap(),
            &vrepl_storage::sim::DataPath::file("Finance-Web/orders.csv"),
            b"written at Site 2 over NFS",
        )
        .unwrap();
    let back = must(
        lab.runner()
            .run(plan::failback(&groups, false).unwrap())
            .await,
    );
    assert_eq!(
        back.report
            .steps
            .iter()
            .filter(|s| s.title.starts_with("verify"))
            .count(),
        5
    );
    let site1 = lab.env.host("site1-esx2").unwrap();
    let csv = site1
        .read_datastore_file(
            &DatastoreName::new("RP5").unwrap(),
            &DatastorePath::new("Finance-Web/orders.csv").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(csv, b"written at Site 2 over NFS");
    assert_eq!(
        lab.state("fas2020lower:RG2FV3", "fas2050lower:RG2FV3_SM")
            .await,
        Some(vrepl_storage::mirror::MirrorState::Snapmirrored)
    );
    let site2_after = lab.mounted("site2-esx1").await;
    assert!(
        !site2_after.iter().any(|m| m.starts_with("RP")),
        "{site2_after:?}"
    );

    // And round again: the hosts of both sites take the datastores back.
    must(
        lab.runner()
            .run(plan::failover_planned(&groups).unwrap())
            .await,
    );
    assert!(lab.mounted("site2-esx2").await.contains(&"RP3".to_string()));
    must(
        lab.runner()
            .run(plan::failback(&groups, false).unwrap())
            .await,
    );
    assert!(lab.mounted("site1-esx3").await.contains(&"RP3".to_string()));
}

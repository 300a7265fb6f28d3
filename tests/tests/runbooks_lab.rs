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

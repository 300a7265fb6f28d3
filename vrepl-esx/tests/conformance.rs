//! The EsxHost conformance suite, run against the esxcli implementation talking over real SSH
//! to the emulator, for each dialect: the lab's ESX 3.0.2, ESX 4.1 and ESXi 6.7.

mod common;

use common::{formatting_commands, lab_host};

async fn run(version: Option<&str>) {
    let lab = lab_host("site2-esx1", version).await;
    vrepl_esx::conformance::suite(&lab.fabric, &lab.host).await;
    assert!(formatting_commands(&lab.emulated).is_empty());
    assert_eq!(lab.emulated.state().boots, 0, "nothing rebooted the host");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esx_3_0_2_of_the_lab() {
    run(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esx_4_1() {
    run(Some("4.1.0")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esxi_6_7() {
    run(Some("6.7.0")).await;
}

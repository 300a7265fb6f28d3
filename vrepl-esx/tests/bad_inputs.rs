//! Bad inputs give clear, typed errors: unknown host, wrong credentials, host key mismatch or
//! unknown key, unknown label, a mount ESXi refuses, a label that tries to run a command.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{lab_host, PASSWORD};
use vrepl_esx::esxcli::{Credentials, Secret, SshConfig};
use vrepl_esx::host::{mount_copy, DatastoreName, Persistence, Resolution, VolumeRef};
use vrepl_esx::{EsxError, EsxHost, EsxcliHost};
use vrepl_storage::mirror::OnTransfer;
use vrepl_storage::model::{CloneSpec, IgroupName, LunPath, SvmName, VolumeName, VolumePath};
use vrepl_storage::{MirrorControl, StorageArray};

fn label(s: &str) -> DatastoreName {
    DatastoreName::new(s).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_host_name() {
    let host = EsxcliHost::connect(SshConfig::new(
        "site9-esx1.invalid",
        Credentials::Password(Secret::new("x")),
    ));
    let err = host.version().await.unwrap_err();
    assert!(matches!(err, EsxError::UnknownHost { .. }), "{err}");
    assert!(
        err.to_string()
            .starts_with("unknown host site9-esx1.invalid"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_an_auth_error_naming_the_user_not_the_password() {
    let lab = lab_host("site2-esx1", None).await;
    let host = EsxcliHost::connect(lab.config("not-the-password"));
    let err = host.version().await.unwrap_err();
    assert!(
        matches!(err, EsxError::Auth { ref user, .. } if user == "root"),
        "{err}"
    );
    assert!(!err.to_string().contains("not-the-password"), "{err}");
    assert!(!format!("{err:?}").contains("not-the-password"));
    // The right password on the same server works.
    assert!(EsxcliHost::connect(lab.config(PASSWORD))
        .version()
        .await
        .is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_key_mismatch_and_unknown_keys_are_refused() {
    let lab = lab_host("site2-esx1", None).await;
    let other = vrepl_esx::sim::HostKey::generate();
    let forged = format!(
        "[127.0.0.1]:{} {}\n",
        lab.server.port(),
        other.public_openssh()
    );
    std::fs::write(lab.known_hosts(), forged).unwrap();
    let err = EsxcliHost::connect(lab.config(PASSWORD))
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::HostKeyMismatch { .. }), "{err}");

    std::fs::write(lab.known_hosts(), "").unwrap();
    let err = EsxcliHost::connect(lab.config(PASSWORD))
        .version()
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::HostKeyUnknown { .. }), "{err}");

    let mut opt_in = lab.config(PASSWORD);
    opt_in.host_keys.accept_unknown = true;
    assert!(EsxcliHost::connect(opt_in.clone()).version().await.is_ok());

    // Opting in to unknown keys never accepts a different key.
    let mut f = std::fs::File::create(lab.known_hosts()).unwrap();
    writeln!(
        f,
        "[127.0.0.1]:{} {}",
        lab.server.port(),
        other.public_openssh()
    )
    .unwrap();
    let err = EsxcliHost::connect(opt_in).version().await.unwrap_err();
    assert!(matches!(err, EsxError::HostKeyMismatch { .. }), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn silent_server_times_out() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c = SshConfig::new("127.0.0.1", Credentials::Password(Secret::new("x")));
    c.port = listener.local_addr().unwrap().port();
    c.connect_timeout = Duration::from_millis(300);
    let err = EsxcliHost::connect(c).version().await.unwrap_err();
    assert!(matches!(err, EsxError::Timeout { .. }), "{err}");
    assert!(err.is_retryable());
    drop(listener);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_label_and_hostile_label_run_nothing() {
    let lab = lab_host("site2-esx1", Some("6.7.0")).await;
    lab.host.rescan_all_hbas().await.unwrap();
    for name in [
        "RP9",
        "RP1; reboot",
        "$(reboot)",
        "`reboot`",
        "RP1' ; reboot ; '",
    ] {
        let err = lab
            .host
            .mount_snapshot(&VolumeRef::Label(label(name)), Persistence::Persistent)
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                EsxError::NotFound {
                    kind: "unresolved VMFS volume",
                    ..
                }
            ),
            "{name}: {err}"
        );
    }
    // Straight to the command (bypassing the client's pre-check) the label is still one word.
    let line =
        vrepl_esx::esxcli::CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "mount"])
            .flag("-l")
            .arg(label("RP1; reboot"));
    let reply = lab.emulated.execute(line.as_str()).await;
    assert_eq!(reply.status, 1);
    assert_eq!(
        reply.stderr,
        "No unresolved VMFS snapshots with volume label 'RP1; reboot' found.\n"
    );
    assert_eq!(lab.emulated.state().boots, 0, "no reboot ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_copy_of_a_mounted_volume_is_refused_with_esxis_reason() {
    let lab = lab_host("site2-esx1", Some("6.7.0")).await;
    let site2 = lab.fabric.array("fas2050").unwrap();
    site2
        .break_off(
            &VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
            OnTransfer::Wait,
        )
        .await
        .unwrap();
    mount_copy(&lab.host, &label("RP1"), Resolution::KeepSignature)
        .await
        .unwrap();
    let svm = SvmName::new("fas2050upper").unwrap();
    site2
        .create_clone(&CloneSpec {
            parent: VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap(),
            name: VolumeName::new("RG1FV1_SM_c2").unwrap(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .unwrap();
    let lun = LunPath::parse("/vol/RG1FV1_SM_c2/RP1.lun").unwrap();
    site2.set_lun_online(&svm, &lun, true).await.unwrap();
    site2
        .map_lun(&svm, &lun, &IgroupName::new("Fibre").unwrap(), Some(6))
        .await
        .unwrap();
    lab.host.rescan_all_hbas().await.unwrap();
    let err = lab
        .host
        .mount_snapshot(&VolumeRef::Label(label("RP1")), Persistence::Persistent)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "127.0.0.1:{} refused to mount RP1: the original volume is still online",
            lab.server.port()
        )
    );
    // ESXi itself refuses too, should a client skip the check.
    let reply = lab
        .emulated
        .execute("esxcli storage vmfs snapshot mount -l RP1")
        .await;
    assert_eq!(reply.status, 1);
    assert!(
        reply.stderr.contains("the original volume is still online"),
        "{reply:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn esxi_refuses_the_host_wide_lvm_options_and_explains() {
    let lab = lab_host("site2-esx1", Some("7.0.3")).await;
    let err = lab
        .host
        .set_advanced_option(&vrepl_esx::host::OptionPath::enable_resignature(), 1)
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("VMware ESXi 7.0.3"), "{err}");
    // Reading it is fine.
    let opt = lab
        .host
        .advanced_option(&vrepl_esx::host::OptionPath::enable_resignature())
        .await
        .unwrap();
    assert_eq!(
        (opt.value, opt.default, opt.range),
        (0, Some(0), Some((0, 1)))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_command_times_out_and_the_next_call_reconnects() {
    let lab = lab_host("site2-esx1", Some("6.7.0")).await;
    let mut config = lab.config(PASSWORD);
    config.command_timeout = Duration::from_millis(300);
    let host = EsxcliHost::connect(config);
    assert!(host.version().await.is_ok());
    lab.emulated.set_latency(Duration::from_secs(3));
    let err = host.adapters().await.unwrap_err();
    assert!(
        matches!(err, EsxError::Timeout { ref command, .. } if command.contains("adapter list")),
        "{err}"
    );
    assert!(err.is_retryable());
    lab.emulated.set_latency(Duration::ZERO);
    let adapters = host
        .adapters()
        .await
        .expect("a fresh session after the timeout");
    assert_eq!(adapters.len(), 3, "vmhba0 and two FC ports");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nfs_mount_is_idempotent_but_a_name_clash_is_refused() {
    use vrepl_esx::host::NfsMount;
    let lab = lab_host("site2-esx1", None).await;
    let read_only = NfsMount::parse("192.168.2.11:/RG2FV3_SM", "RP5", true).unwrap();
    let err = lab.host.mount_nfs(&read_only).await.unwrap_err();
    assert!(
        matches!(err, EsxError::Unsupported { .. }),
        "ESX 3.x has no read-only NFS: {err}"
    );
    let rp5 = NfsMount::parse("192.168.2.11:/RG2FV3_SM", "RP5", false).unwrap();
    lab.host.mount_nfs(&rp5).await.unwrap();
    lab.host
        .mount_nfs(&rp5)
        .await
        .expect("mounting the same export again is a no-op");
    assert_eq!(lab.host.nfs_datastores().await.unwrap().len(), 1);
    let clash = NfsMount::parse("192.168.2.10:/RG2FV3_SM", "RP5", false).unwrap();
    let err = lab.host.mount_nfs(&clash).await.unwrap_err();
    assert!(
        matches!(&err, EsxError::MountRefused { reason, .. } if reason.contains("already mounted from 192.168.2.11:/RG2FV3_SM")),
        "{err}"
    );
}

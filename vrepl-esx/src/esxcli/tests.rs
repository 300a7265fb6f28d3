//! The dialect logic against a scripted host: which commands each version gets.

use std::sync::Mutex;

use super::*;
use crate::host::{DatastoreName, OptionPath, Persistence, VolumeRef};

#[derive(Debug)]
struct Scripted {
    answers: Vec<(&'static str, i32, &'static str)>,
    sent: Mutex<Vec<String>>,
}

impl Scripted {
    fn new(answers: Vec<(&'static str, i32, &'static str)>) -> Self {
        Self {
            answers,
            sent: Mutex::new(Vec::new()),
        }
    }
    fn sent(&self) -> Vec<String> {
        self.sent.lock().unwrap().clone()
    }
}

#[async_trait]
impl CommandRunner for Scripted {
    fn endpoint(&self) -> &str {
        "esx-test"
    }
    async fn run(&self, command: &CommandLine) -> Result<Output> {
        self.sent.lock().unwrap().push(command.to_string());
        let (_, status, stdout) = self
            .answers
            .iter()
            .find(|(prefix, _, _)| command.as_str().starts_with(prefix))
            .unwrap_or_else(|| panic!("unscripted command {command}"));
        Ok(Output {
            status: *status,
            stdout: stdout.to_string(),
            stderr: String::new(),
        })
    }
}

const ESXI67: (&str, i32, &str) = ("vmware -v", 0, "VMware ESXi 6.7.0 build-8169922\n");
const ESX35: (&str, i32, &str) = ("vmware -v", 0, "VMware ESX Server 3.5.0 build-153875\n");

#[tokio::test]
async fn esxi_refuses_host_wide_lvm_options_without_touching_the_host() {
    let host = EsxcliHost::new(Scripted::new(vec![ESXI67]));
    let err = host
        .set_advanced_option(&OptionPath::disallow_snapshot_lun(), 0)
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::Unsupported { .. }), "{err}");
    assert!(
        err.to_string()
            .contains("esxcli storage vmfs snapshot list"),
        "{err}"
    );
    assert_eq!(host.runner.sent(), ["vmware -v"]);
}

#[tokio::test]
async fn esx3_reads_then_sets_lvm_options_with_esxcfg_advcfg() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESX35,
        ("esxcfg-advcfg -g", 0, "Value of DisallowSnapshotLun is 1\n"),
        ("esxcfg-advcfg -s", 0, "Value of DisallowSnapshotLun is 0\n"),
    ]));
    host.set_advanced_option(&OptionPath::disallow_snapshot_lun(), 0)
        .await
        .unwrap();
    assert_eq!(
        host.runner.sent(),
        [
            "vmware -v",
            "esxcfg-advcfg -g /LVM/DisallowSnapshotLun",
            "esxcfg-advcfg -s 0 /LVM/DisallowSnapshotLun"
        ],
        "version read once, option read before it is set"
    );
}

#[tokio::test]
async fn unknown_option_is_not_found_with_the_hosts_words() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESXI67,
        (
            "esxcli --formatter=csv system settings advanced list",
            1,
            "Unable to find option Bogus\n",
        ),
    ]));
    let err = host
        .advanced_option(&OptionPath::new("/LVM/Bogus").unwrap())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            EsxError::NotFound {
                kind: "advanced option",
                ..
            }
        ),
        "{err}"
    );
    assert!(
        err.to_string().contains("Unable to find option Bogus"),
        "{err}"
    );
}

#[tokio::test]
async fn esx3_has_no_per_volume_snapshot_commands() {
    let host = EsxcliHost::new(Scripted::new(vec![ESX35]));
    let err = host
        .mount_snapshot(
            &VolumeRef::Label(DatastoreName::new("RP1").unwrap()),
            Persistence::Persistent,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::Unsupported { .. }), "{err}");
    assert!(
        err.to_string().contains("/LVM/DisallowSnapshotLun"),
        "{err}"
    );
}

#[tokio::test]
async fn hostile_label_reaches_the_host_as_one_quoted_word() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESXI67,
        (
            "esxcli --formatter=csv storage vmfs snapshot list",
            0,
            "Canmount,Canresignature,Reasonfornonresignaturability,Reasonforunmountability,UnresolvedExtentCount,VMFSUUID,VolumeName,\ntrue,true,,,1,49d22e2e-996a0dea-b555-001f2960aed8,RP1; reboot,\n",
        ),
        ("esxcli storage vmfs snapshot mount", 0, ""),
    ]));
    host.mount_snapshot(
        &VolumeRef::Label(DatastoreName::new("RP1; reboot").unwrap()),
        Persistence::UntilReboot,
    )
    .await
    .unwrap();
    assert_eq!(
        host.runner.sent().last().unwrap(),
        "esxcli storage vmfs snapshot mount -n -l 'RP1; reboot'"
    );
}

#[tokio::test]
async fn a_mount_esxi_would_refuse_is_refused_with_its_reason() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESXI67,
        (
            "esxcli --formatter=csv storage vmfs snapshot list",
            0,
            include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/esxcli/snapshot_list.csv"
            )),
        ),
    ]));
    let err = host
        .mount_snapshot(
            &VolumeRef::Label(DatastoreName::new("vmfs-01").unwrap()),
            Persistence::Persistent,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, EsxError::MountRefused { reason, .. } if reason == "the original volume is still online"),
        "{err}"
    );
}

const FS_LIST_WITH_UNMOUNTED: &str = "MountPoint,VolumeName,UUID,Mounted,Type,Size,Free,\n\
/vmfs/volumes/5bc7459f-967eeb48-b3f7-20677cd9a16c,VMs,5bc7459f-967eeb48-b3f7-20677cd9a16c,true,VMFS-6,1192121860096,556500254720,\n\
,HR Data,5bc7459f-11111111-b3f7-20677cd9a16c,false,VMFS-unknown version,0,0,\n";

#[tokio::test]
async fn esxi_mounts_an_unmounted_original_by_its_quoted_label() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESXI67,
        (
            "esxcli --formatter=csv storage filesystem list",
            0,
            FS_LIST_WITH_UNMOUNTED,
        ),
        ("esxcli --formatter=csv storage nfs list", 0, ""),
        ("esxcli storage filesystem mount", 0, ""),
    ]));
    host.mount_vmfs(&DatastoreName::new("HR Data").unwrap())
        .await
        .unwrap();
    assert_eq!(
        host.runner.sent().last().map(String::as_str),
        Some("esxcli storage filesystem mount -l 'HR Data'")
    );
}

#[tokio::test]
async fn esxi_mount_vmfs_of_a_mounted_volume_sends_no_mount() {
    let host = EsxcliHost::new(Scripted::new(vec![
        ESXI67,
        (
            "esxcli --formatter=csv storage filesystem list",
            0,
            FS_LIST_WITH_UNMOUNTED,
        ),
        ("esxcli --formatter=csv storage nfs list", 0, ""),
    ]));
    host.mount_vmfs(&DatastoreName::new("VMs").unwrap())
        .await
        .unwrap();
    let err = host
        .mount_vmfs(&DatastoreName::new("RP9").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::NotFound { .. }), "{err}");
    assert!(!host
        .runner
        .sent()
        .iter()
        .any(|c| c.contains("filesystem mount")));
}

#[tokio::test]
async fn esx3_cannot_mount_an_original_again_and_says_what_to_do() {
    let host = EsxcliHost::new(Scripted::new(vec![ESX35]));
    let err = host
        .mount_vmfs(&DatastoreName::new("RP1").unwrap())
        .await
        .unwrap_err();
    assert!(matches!(err, EsxError::Unsupported { .. }), "{err}");
    assert!(err.to_string().contains("unmap"), "{err}");
    assert_eq!(host.runner.sent(), ["vmware -v"]);
}

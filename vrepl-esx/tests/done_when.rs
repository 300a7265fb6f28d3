//! The "done when", end to end through the EsxHost trait over SSH against the
//! emulator on `Fabric::lab()`, on the lab's own ESX 3.0.2 hosts (the seed's procedure:
//! `LVM.DisallowSnapshotLun=0` at the recovery site) and on ESXi 6.7 (per-volume commands).

mod common;

use common::{formatting_commands, lab_host};
use vrepl_esx::host::{mount_copy, DatastoreName, DatastorePath, NfsMount, OptionPath, Resolution};
use vrepl_esx::EsxHost;
use vrepl_storage::mirror::{MirrorState, OnTransfer};
use vrepl_storage::model::{
    CloneSpec, IgroupName, JunctionPath, LunPath, PolicyName, SvmName, VolumeName, VolumePath,
};
use vrepl_storage::sim::DataPath;
use vrepl_storage::{MirrorControl, StorageArray};

fn ds(s: &str) -> DatastoreName {
    DatastoreName::new(s).unwrap()
}

async fn break_rescan_and_browse_rp1(version: Option<&str>) {
    let lab = lab_host("site2-esx1", version).await;
    let host: &dyn EsxHost = &lab.host;
    let sm = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();
    let site2 = lab.fabric.array("fas2050").unwrap();

    host.rescan_all_hbas().await.unwrap();
    let before = host.filesystems().await.unwrap();
    assert!(
        !before.iter().any(|f| f.volume_name == "RP1"),
        "read-only replica hidden"
    );
    let devices = host.devices().await.unwrap();
    let wwpns: Vec<_> = lab
        .emulated
        .config()
        .wwpns
        .iter()
        .map(|w| vrepl_storage::model::Initiator::Fc(*w))
        .collect();
    let replica_naa = lab
        .fabric
        .visible_luns(&wwpns)
        .into_iter()
        .find(|l| l.lun.path.volume == "RG1FV1_SM")
        .unwrap()
        .naa;
    let replica = lab
        .fabric
        .visible_luns(&wwpns)
        .into_iter()
        .find(|l| l.naa == replica_naa)
        .unwrap();
    assert!(
        devices
            .iter()
            .any(|d| d.id == replica_naa || d.id.ends_with(&format!(":{}", replica.lun_id))),
        "the LUN is a device all along: {devices:?}"
    );

    site2.break_off(&sm, OnTransfer::Wait).await.unwrap();
    let rp1 = mount_copy(host, &ds("RP1"), Resolution::KeepSignature)
        .await
        .unwrap();
    assert_eq!(rp1.volume_name, "RP1");
    assert!(host
        .filesystems()
        .await
        .unwrap()
        .iter()
        .any(|f| f.volume_name == "RP1" && f.mounted));
    let vms: Vec<String> = host
        .list_datastore(&ds("RP1"), &DatastorePath::root())
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.is_dir)
        .map(|e| e.name)
        .collect();
    for vm in ["HR-App1", "HR-App2", "HR-App3"] {
        assert!(vms.iter().any(|v| v == vm), "{vm} in {vms:?}");
    }
    if version.is_none() {
        let opt = host
            .advanced_option(&OptionPath::disallow_snapshot_lun())
            .await
            .unwrap();
        assert_eq!(opt.value, 0, "the seed's recovery-site setting");
    }
    assert!(formatting_commands(&lab.emulated).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn break_then_rp1_mounts_with_its_name_on_the_labs_esx3() {
    break_rescan_and_browse_rp1(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn break_then_rp1_mounts_with_its_name_on_esxi() {
    break_rescan_and_browse_rp1(Some("6.7.0")).await;
}

async fn clone_as_lun_6_while_replication_continues(version: Option<&str>) {
    let lab = lab_host("site2-esx1", version).await;
    let host: &dyn EsxHost = &lab.host;
    let site2 = lab.fabric.array("fas2050").unwrap();
    let sm = VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap();
    let svm = SvmName::new("fas2050upper").unwrap();

    host.rescan_all_hbas().await.unwrap();
    site2
        .create_clone(&CloneSpec {
            parent: sm.clone(),
            name: VolumeName::new("RG1FV1_SM_Clone").unwrap(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .unwrap();
    let lun = LunPath::parse("/vol/RG1FV1_SM_Clone/RP1.lun").unwrap();
    site2.set_lun_online(&svm, &lun, true).await.unwrap();
    let map = site2
        .map_lun(&svm, &lun, &IgroupName::new("Fibre").unwrap(), Some(6))
        .await
        .unwrap();
    assert_eq!(map.lun_id, 6);
    let devices_before = host.devices().await.unwrap().len();

    let fs = mount_copy(host, &ds("RP1"), Resolution::Auto)
        .await
        .unwrap();
    assert_eq!(
        fs.volume_name, "RP1",
        "no other RP1 on this host: it keeps its name"
    );
    assert_eq!(
        host.devices().await.unwrap().len(),
        devices_before + 1,
        "LUN 6 appeared"
    );
    let folder = host
        .list_datastore(&ds("RP1"), &DatastorePath::new("HR-App1").unwrap())
        .await
        .unwrap();
    assert!(folder.iter().any(|e| e.name == "HR-App1.vmx"), "{folder:?}");

    // Replication goes on: the mirror is still snapmirrored and takes an update from Site 1.
    let prod = VolumePath::parse("fas2020upper:RG1FV1").unwrap();
    let lun_name = vrepl_storage::model::LunName::new("RP1.lun").unwrap();
    lab.fabric
        .write_file(
            &prod,
            &DataPath::vmfs(lun_name.clone(), "HR-App1/after-clone.txt"),
            b"x",
        )
        .unwrap();
    site2.update(&sm).await.unwrap();
    vrepl_storage::wait::wait_idle(&site2, &sm, Default::default())
        .await
        .unwrap();
    let rel = site2.relationship(&sm).await.unwrap();
    assert_eq!(rel.state, MirrorState::Snapmirrored);
    assert_eq!(
        lab.fabric
            .read_file(&sm, &DataPath::vmfs(lun_name, "HR-App1/after-clone.txt"))
            .unwrap(),
        b"x"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexclone_as_lun_6_mounts_while_replication_continues_on_the_labs_esx3() {
    clone_as_lun_6_while_replication_continues(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexclone_as_lun_6_mounts_while_replication_continues_on_esxi() {
    clone_as_lun_6_while_replication_continues(Some("6.7.0")).await;
}

async fn nfs_clone_of_rg2fv3_sm(version: Option<&str>) {
    let lab = lab_host("site2-esx2", version).await;
    let host: &dyn EsxHost = &lab.host;
    let site2 = lab.fabric.array("fas2050").unwrap();
    let clone = site2
        .create_clone(&CloneSpec {
            parent: VolumePath::parse("fas2050lower:RG2FV3_SM").unwrap(),
            name: VolumeName::new("RG2FV3_Clone").unwrap(),
            parent_snapshot: None,
            junction_path: Some(JunctionPath::new("/RG2FV3_Clone").unwrap()),
        })
        .await
        .unwrap();
    site2
        .set_export_policy(&clone.path, &PolicyName::new("esx_nfs").unwrap())
        .await
        .unwrap();
    let lif = lab
        .fabric
        .cluster_info("fas2050")
        .unwrap()
        .svms
        .into_iter()
        .find(|s| s.name == SvmName::new("fas2050lower").unwrap())
        .unwrap()
        .nfs_lif;
    host.mount_nfs(&NfsMount::parse(&format!("{lif}:/RG2FV3_Clone"), "RP5_Clone", false).unwrap())
        .await
        .unwrap();
    let fs = host.filesystems().await.unwrap();
    assert!(
        fs.iter()
            .any(|f| f.volume_name == "RP5_Clone" && f.fs_type == "NFS"),
        "{fs:?}"
    );
    let root = host
        .list_datastore(&ds("RP5_Clone"), &DatastorePath::root())
        .await
        .unwrap();
    assert!(!root.is_empty(), "the clone carries RP5's files");
    let first_file = lab.fabric.list_files(&clone.path, None).unwrap().remove(0);
    assert_eq!(
        host.read_datastore_file(
            &ds("RP5_Clone"),
            &DatastorePath::new(first_file.as_str()).unwrap()
        )
        .await
        .unwrap(),
        lab.fabric
            .read_file(&clone.path, &DataPath::file(first_file.as_str()))
            .unwrap()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nfs_flexclone_mounts_as_a_datastore_on_the_labs_esx3() {
    nfs_clone_of_rg2fv3_sm(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nfs_flexclone_mounts_as_a_datastore_on_esxi() {
    nfs_clone_of_rg2fv3_sm(Some("7.0.3")).await;
}

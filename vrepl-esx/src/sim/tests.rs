//! The emulator at the command line: what a user typing on the host would see.

use vrepl_storage::mirror::{DiscardPolicy, OnTransfer};
use vrepl_storage::model::{CloneSpec, IgroupName, LunPath, SvmName, VolumeName, VolumePath};
use vrepl_storage::sim::Fabric;
use vrepl_storage::{MirrorControl, StorageArray};

use super::EmulatedHost;

fn sm() -> VolumePath {
    VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap()
}

async fn host(version: &str) -> (Fabric, EmulatedHost) {
    let fabric = Fabric::lab();
    let host = EmulatedHost::from_lab_as(&fabric, "site2-esx1", Some(version)).unwrap();
    (fabric, host)
}

async fn clone_as_lun_6(fabric: &Fabric) -> String {
    let site2 = fabric.array("fas2050").unwrap();
    let svm = SvmName::new("fas2050upper").unwrap();
    site2
        .create_clone(&CloneSpec {
            parent: sm(),
            name: VolumeName::new("RG1FV1_SM_Clone").unwrap(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .unwrap();
    let lun = LunPath::parse("/vol/RG1FV1_SM_Clone/RP1.lun").unwrap();
    site2.set_lun_online(&svm, &lun, true).await.unwrap();
    site2
        .map_lun(&svm, &lun, &IgroupName::new("Fibre").unwrap(), Some(6))
        .await
        .unwrap();
    site2
        .list_luns(None)
        .await
        .unwrap()
        .into_iter()
        .find(|l| l.path == lun)
        .unwrap()
        .naa_id()
}

#[tokio::test]
async fn devices_appear_only_after_a_rescan() {
    let (fabric, host) = host("6.7.0").await;
    assert_eq!(
        host.execute("esxcli storage core device list").await.stdout,
        ""
    );
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    let before = host.execute("esxcli storage core device list").await.stdout;
    assert!(before.contains("   Vendor: NETAPP  \n"), "{before}");
    let naa = clone_as_lun_6(&fabric).await;
    assert!(
        !host
            .execute("esxcli storage core device list")
            .await
            .stdout
            .contains(&naa),
        "stale until rescanned"
    );
    host.execute("esxcli storage core adapter rescan -A vmhba1")
        .await;
    let after = host.execute("esxcli storage core device list").await.stdout;
    assert!(
        after.contains(&format!(
            "{naa}\n   Display Name: NETAPP Fibre Channel Disk ({naa})\n"
        )),
        "{after}"
    );
}

#[tokio::test]
async fn snapshot_list_prints_the_real_layout_and_refuses_a_second_original() {
    let (fabric, host) = host("6.7.0").await;
    fabric
        .array("fas2050")
        .unwrap()
        .break_off(&sm(), OnTransfer::Wait)
        .await
        .unwrap();
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    assert_eq!(
        host.execute("esxcli storage vmfs snapshot mount -l RP1")
            .await
            .status,
        0
    );
    let uuid = host
        .state()
        .vmfs
        .iter()
        .find(|m| m.label == "RP1")
        .unwrap()
        .uuid
        .clone();
    clone_as_lun_6(&fabric).await;
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    let out = host.execute("esxcli storage vmfs snapshot list").await;
    assert_eq!(
        out.stdout,
        format!(
            "{uuid}\n   Volume Name: RP1\n   VMFS UUID: {uuid}\n   Can mount: false\n   Reason for un-mountability: the original volume is still online\n   Can resignature: true\n   Reason for non-resignaturability: \n   Unresolved Extent Count: 1\n"
        )
    );
    let missing = host.execute("esxcli storage vmfs snapshot mount -u").await;
    assert!(
        missing
            .stderr
            .starts_with("Error: Missing required parameter -u|--volume-uuid\n"),
        "{missing:?}"
    );
    let refused = host
        .execute(&format!("esxcli storage vmfs snapshot mount -u {uuid}"))
        .await;
    assert_eq!(refused.status, 1);
    assert_eq!(
        refused.stderr,
        "Cannot mount volume RP1: the original volume is still online\n"
    );

    let resig = host
        .execute(&format!(
            "esxcli storage vmfs snapshot resignature --volume-uuid={uuid}"
        ))
        .await;
    assert_eq!((resig.status, resig.stdout.as_str()), (0, ""));
    let list = host.execute("esxcli storage filesystem list").await.stdout;
    let snap = list
        .lines()
        .find(|l| l.contains("snap-"))
        .expect("the resignatured copy is mounted");
    assert!(snap.contains("-RP1 ") && snap.contains("VMFS-6"), "{snap}");
    assert_eq!(
        host.execute("esxcli storage vmfs snapshot list")
            .await
            .stdout,
        "",
        "nothing left unresolved"
    );
}

#[tokio::test]
async fn esx3_mounts_copies_only_as_its_lvm_options_say() {
    let (fabric, host) = host("3.0.2").await;
    fabric
        .array("fas2050")
        .unwrap()
        .break_off(&sm(), OnTransfer::Wait)
        .await
        .unwrap();
    let volumes = || async { host.execute("ls /vmfs/volumes").await.stdout };
    host.execute("esxcfg-rescan vmhba1").await;
    assert!(
        !volumes().await.contains("RP1\n"),
        "DisallowSnapshotLun=1 hides it"
    );
    assert_eq!(
        host.execute("esxcfg-advcfg -s 0 /LVM/DisallowSnapshotLun")
            .await
            .stdout,
        "Value of DisallowSnapshotLun is 0\n"
    );
    assert!(
        !volumes().await.contains("RP1\n"),
        "no effect before a rescan"
    );
    host.execute("esxcfg-rescan vmhba1").await;
    assert!(volumes().await.contains("RP1\n"));
    let links = host.execute("ls -l /vmfs/volumes").await.stdout;
    assert!(
        links
            .lines()
            .any(|l| l.starts_with("lrwxr-xr-x") && l.contains(" RP1 -> ")),
        "{links}"
    );

    let naa = clone_as_lun_6(&fabric).await;
    host.execute("esxcfg-rescan vmhba1").await;
    let disks = host.execute("esxcfg-mpath -l").await.stdout;
    assert!(disks.contains("Disk vmhba1:0:6 "), "LUN 6 seen: {disks}");
    let mounted = host.execute("esxcfg-vmhbadevs -m").await.stdout;
    assert!(
        !mounted.contains("vmhba1:0:6:1"),
        "same UUID already mounted: {mounted}"
    );
    host.execute("esxcfg-advcfg -s 1 /LVM/EnableResignature")
        .await;
    host.execute("esxcfg-rescan vmhba1").await;
    let header = fabric.vmfs_header(&naa).unwrap().unwrap();
    assert!(
        header.label.starts_with("snap-") && header.label.ends_with("-RP1"),
        "{header:?}"
    );
    assert_eq!(
        header.formatted_on, naa,
        "the new signature belongs to the clone's device"
    );
    assert!(volumes().await.contains(&header.label));
    assert!(host
        .execute("esxcfg-vmhbadevs -m")
        .await
        .stdout
        .contains("vmhba1:0:6:1"));

    let unknown = host.execute("esxcfg-advcfg -g /LVM/Bogus").await;
    assert_eq!(unknown.status, 1);
    assert_eq!(
        host.execute("esxcli storage filesystem list").await.stderr,
        "bash: esxcli: command not found\n"
    );
    assert_eq!(
        host.execute("esxcfg-volume -l").await.status,
        127,
        "no esxcfg-volume before ESX 4"
    );
    assert_eq!(
        host.execute("esxcfg-scsidevs -a").await.status,
        127,
        "nor esxcfg-scsidevs"
    );
}

#[tokio::test(start_paused = true)]
async fn resync_makes_the_replica_read_only_and_the_next_rescan_drops_it() {
    let (fabric, host) = host("3.0.2").await;
    let site2 = fabric.array("fas2050").unwrap();
    site2.break_off(&sm(), OnTransfer::Wait).await.unwrap();
    host.execute("esxcfg-advcfg -s 0 /LVM/DisallowSnapshotLun")
        .await;
    host.execute("esxcfg-rescan vmhba1").await;
    assert!(host
        .execute("ls -1p /vmfs/volumes/RP1")
        .await
        .stdout
        .contains("HR-App1/\n"));
    site2.resync(&sm(), DiscardPolicy::Accept).await.unwrap();
    host.execute("esxcfg-rescan vmhba1").await;
    let gone = host.execute("ls /vmfs/volumes/RP1").await;
    assert_eq!(
        (gone.status, gone.stderr.as_str()),
        (1, "ls: /vmfs/volumes/RP1: No such file or directory\n")
    );
}

#[tokio::test]
async fn nfs_mounts_need_the_junction_and_an_export_to_the_host() {
    let (_fabric, host) = host("7.0.3").await;
    let denied = host
        .execute("esxcli storage nfs add -H 192.168.2.11 -s /RG2FV3_SM_nope -v RP5")
        .await;
    assert_eq!(denied.status, 1);
    assert_eq!(
        denied.stderr,
        "Unable to complete Sysinfo operation.  Please see the VMkernel log file for more details.: Sysinfo error: The NFS server denied the mount requestSee VMkernel log for details.\n"
    );
    let nobody = host
        .execute("esxcli storage nfs add -H 10.1.1.1 -s /RG2FV3_SM -v RP5")
        .await;
    assert!(
        nobody.stderr.contains("Unable to connect to NFS server"),
        "{nobody:?}"
    );
    let ok = host
        .execute(
            "esxcli storage nfs add --host=192.168.2.11 --share=/RG2FV3_SM --volume-name=RP5 -r",
        )
        .await;
    assert_eq!(
        (ok.status, ok.stdout.as_str(), ok.stderr.as_str()),
        (0, "", "")
    );
    let list = host.execute("esxcli storage nfs list").await.stdout;
    assert_eq!(
        list,
        "Volume Name  Host          Share       Accessible  Mounted  Read-Only   isPE  Hardware Acceleration\n\
         -----------  ------------  ----------  ----------  -------  ---------  -----  ---------------------\n\
         RP5          192.168.2.11  /RG2FV3_SM        true     true       true  false  Not Supported\n"
    );
}

#[tokio::test]
async fn esxcli_parse_errors_look_like_esxcli() {
    let (_fabric, host) = host("6.7.0").await;
    let r = host.execute("esxcli storage nfs remove").await;
    assert_eq!(
        (r.status, r.stderr.as_str()),
        (1, "Error: Missing required parameter -v|--volume-name\n\nUsage: esxcli storage nfs remove [cmd options]\n")
    );
    let r = host.execute("esxcli storage vmfs snapshot list -z").await;
    assert!(r.stderr.starts_with("Error: Invalid option -z\n"), "{r:?}");
    let r = host.execute("esxcli storage frobnicate").await;
    assert_eq!(
        r.stderr,
        "Error: Unknown command or namespace storage frobnicate\n"
    );
    let r = host
        .execute("esxcli --formatter=json storage nfs list")
        .await;
    assert_eq!(r.stderr, "Unable to find requested formatter: json\n");
}

#[tokio::test]
async fn an_unquoted_separator_really_runs_the_next_command() {
    // The emulator is a faithful target for injection tests: unquoted, `reboot` runs...
    let (_fabric, host) = host("6.7.0").await;
    host.execute("esxcli storage vmfs snapshot mount -l RP1; reboot")
        .await;
    assert_eq!(host.state().boots, 1);
    // ...quoted, it is part of the label.
    host.execute("esxcli storage vmfs snapshot mount -l 'RP1; reboot'")
        .await;
    assert_eq!(host.state().boots, 1);
}

#[tokio::test]
async fn an_unmounted_original_stays_unmounted_across_rescans_until_mounted() {
    let (fabric, host) = host("6.7.0").await;
    let naa = clone_as_lun_6(&fabric).await;
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    let resig = host
        .execute("esxcli storage vmfs snapshot resignature -l RP1")
        .await;
    assert_eq!(resig.status, 0, "{resig:?}");
    let label = fabric.vmfs_header(&naa).unwrap().unwrap().label;
    let row = |list: &str| {
        list.lines()
            .find(|l| l.contains(&format!(" {label} ")))
            .map(str::to_string)
    };

    let unmount = host
        .execute(&format!("esxcli storage filesystem unmount -l {label}"))
        .await;
    assert_eq!((unmount.status, unmount.stdout.as_str()), (0, ""));
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    host.execute("esxcli storage filesystem rescan").await;
    let list = host.execute("esxcli storage filesystem list").await.stdout;
    let unmounted = row(&list).expect("an unmounted volume is still listed");
    assert!(
        unmounted.starts_with(' ')
            && unmounted.contains(" false ")
            && unmounted.contains("VMFS-unknown version"),
        "{list}"
    );
    let ls = host.execute(&format!("ls /vmfs/volumes/{label}")).await;
    assert_ne!(ls.status, 0, "not browsable while unmounted: {ls:?}");

    let unknown = host
        .execute("esxcli storage filesystem mount -l no-such-vmfs")
        .await;
    assert_eq!(unknown.status, 1);
    assert_eq!(
        unknown.stderr,
        "No volume with label 'no-such-vmfs' was found\n"
    );

    for _ in 0..2 {
        let mount = host
            .execute(&format!("esxcli storage filesystem mount -l {label}"))
            .await;
        assert_eq!((mount.status, mount.stdout.as_str()), (0, ""), "{mount:?}");
    }
    host.execute("esxcli storage core adapter rescan --all")
        .await;
    let list = host.execute("esxcli storage filesystem list").await.stdout;
    let mounted = row(&list).expect("mounted");
    assert!(
        mounted.starts_with("/vmfs/volumes/") && mounted.contains(" true  VMFS-6 "),
        "{list}"
    );
    assert_eq!(
        host.state()
            .vmfs
            .iter()
            .filter(|m| m.label == label)
            .count(),
        1,
        "mounted once"
    );
}

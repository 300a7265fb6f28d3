use std::time::Instant;

use super::{lun, vp};
use crate::mirror::{MirrorState, TransferStatus};
use crate::model::{naa_id_for_serial, Initiator, VolumeType};
use crate::sim::{DataPath, Fabric, LabTopology};
use crate::{MirrorControl, StorageArray};

#[tokio::test(start_paused = true)]
async fn lab_has_the_seed_clusters_svms_and_versions() {
    let fabric = Fabric::lab();
    let names: Vec<String> = fabric.clusters().iter().map(|c| c.to_string()).collect();
    assert_eq!(names, ["fas2020", "fas2050"]);
    let info = fabric.cluster_info("fas2050").unwrap();
    assert_eq!(info.version, (9, 16, 1));
    let svms: Vec<(String, String)> = info
        .svms
        .iter()
        .map(|s| (s.name.to_string(), s.nfs_lif.clone()))
        .collect();
    assert_eq!(
        svms,
        [
            ("fas2050lower".to_string(), "192.168.2.11".to_string()),
            ("fas2050upper".to_string(), "192.168.2.10".to_string())
        ]
    );
    let svm = "fas2020upper".parse().unwrap();
    assert_eq!(fabric.cluster_of_svm(&svm).unwrap(), "fas2020");
    assert!(fabric.cluster_info("fas9999").unwrap_err().is_not_found());
    assert!(fabric
        .array("fas9999")
        .unwrap_err()
        .to_string()
        .contains("fas2020, fas2050"));
}

#[tokio::test(start_paused = true)]
async fn every_rg_volume_is_mirrored_and_initialized() {
    let fabric = Fabric::lab();
    let site2 = fabric.array("fas2050").unwrap();
    let rels = site2.list_relationships().await.unwrap();
    let pairs: Vec<String> = rels.iter().map(|r| r.describe()).collect();
    assert_eq!(
        pairs,
        [
            "fas2020upper:RG1FV1 -> fas2050upper:RG1FV1_SM",
            "fas2020upper:RG1FV2 -> fas2050upper:RG1FV2_SM",
            "fas2020lower:RG2FV1 -> fas2050lower:RG2FV1_SM",
            "fas2020lower:RG2FV2 -> fas2050lower:RG2FV2_SM",
            "fas2020lower:RG2FV3 -> fas2050lower:RG2FV3_SM",
        ]
    );
    for r in &rels {
        assert_eq!(r.state, MirrorState::Snapmirrored, "{}", r.describe());
        assert_eq!(r.transfer, TransferStatus::Idle);
        assert!(r.healthy);
        assert_eq!(r.lag.unwrap().as_secs(), 0);
        assert_eq!(
            site2.volume(&r.destination).await.unwrap().kind,
            VolumeType::Dp
        );
    }
    assert_eq!(fabric.relationships_from("fas2020").len(), 5);
    assert!(fabric
        .array("fas2020")
        .unwrap()
        .list_relationships()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn replica_luns_carry_the_vmfs_and_vms_under_new_serials() {
    let fabric = Fabric::lab();
    let site1 = fabric.array("fas2020").unwrap();
    let site2 = fabric.array("fas2050").unwrap();
    let src = &site1
        .list_luns(Some(&vp("fas2020upper:RG1FV1")))
        .await
        .unwrap()[0];
    let dst = &site2
        .list_luns(Some(&vp("fas2050upper:RG1FV1_SM")))
        .await
        .unwrap()[0];
    assert_eq!(src.path.to_string(), "/vol/RG1FV1/RP1.lun");
    assert_eq!(dst.path.to_string(), "/vol/RG1FV1_SM/RP1.lun");
    assert_ne!(src.serial, dst.serial);
    assert_eq!(dst.serial.len(), 12);
    assert!(dst.read_only && !src.read_only);

    let h_src = fabric.vmfs_header(&src.naa_id()).unwrap().unwrap();
    let h_dst = fabric.vmfs_header(&dst.naa_id()).unwrap().unwrap();
    assert_eq!(h_src, h_dst, "the replica is a block copy");
    assert_eq!(h_src.label, "RP1");
    assert_eq!(h_src.formatted_on, naa_id_for_serial(&src.serial));

    let files = fabric
        .list_files(&vp("fas2050upper:RG1FV1_SM"), Some(&lun("RP1.lun")))
        .unwrap();
    assert!(
        files.contains(&"HR-App3/HR-App3.vmx".to_string()),
        "{files:?}"
    );
    let vmx = fabric
        .read_file(
            &vp("fas2050upper:RG1FV2_SM"),
            &DataPath::vmfs(lun("RP2.lun"), "HR Database/HR Database.vmx"),
        )
        .unwrap();
    assert!(String::from_utf8(vmx)
        .unwrap()
        .contains("displayName = \"HR Database\""));
    let nfs = fabric
        .list_files(&vp("fas2050lower:RG2FV3_SM"), None)
        .unwrap();
    assert!(nfs.iter().any(|f| f.ends_with(".vmx")), "{nfs:?}");
}

#[tokio::test(start_paused = true)]
async fn site2_hosts_see_the_replicas_read_only_with_the_seed_lun_ids() {
    let fabric = Fabric::lab();
    let topo = fabric.topology();
    let host = topo.hosts_at("Site 2")[0];
    assert_eq!(host.ip, "192.168.2.5");
    let initiators: Vec<Initiator> = host.wwpns.iter().map(|w| Initiator::Fc(*w)).collect();
    let seen = fabric.visible_luns(&initiators);
    let rp1 = seen
        .iter()
        .find(|l| l.lun.path.to_string() == "/vol/RG1FV1_SM/RP1.lun")
        .unwrap();
    assert_eq!(rp1.lun_id, 0);
    assert!(rp1.read_only && rp1.online);
    assert_eq!(rp1.igroup, "Fibre");
    let ids: Vec<u32> = seen
        .iter()
        .filter(|l| l.lun.path.name.as_str().starts_with("RP"))
        .map(|l| l.lun_id)
        .collect();
    assert_eq!(ids, [4, 5, 0, 3]);
    assert!(
        seen.iter().all(|l| l.cluster == "fas2050"),
        "zoning keeps sites apart"
    );

    let site1 = topo.hosts_at("Site 1");
    assert_eq!(site1.len(), 4);
    assert!(site1.iter().any(|h| h.ip == "192.168.1.8"));
    let wwpn = "10:00:00:00:c9:6a:fb:66".parse::<Initiator>().unwrap();
    let seen1 = fabric.visible_luns(&[wwpn]);
    assert!(seen1
        .iter()
        .any(|l| l.lun.path.to_string() == "/vol/RG1FV1/RP1.lun" && l.lun_id == 1 && !l.read_only));
}

#[test]
fn topology_names_protection_groups_and_datastores() {
    let topo = LabTopology::seed_lab();
    let pg1 = topo.protection_group("PG1").unwrap();
    assert_eq!(pg1.datastores, ["RP1", "RP2"]);
    assert_eq!(
        topo.protection_group("PG2").unwrap().datastores,
        ["RP3", "RP4", "RP5"]
    );
    let rp5 = topo.datastore("RP5").unwrap();
    assert_eq!(rp5.volume.to_string(), "fas2020lower:RG2FV3");
    assert_eq!(
        rp5.replica.as_ref().unwrap().to_string(),
        "fas2050lower:RG2FV3_SM"
    );
    assert!(topo
        .hosts
        .iter()
        .all(|h| h.esx_version == "3.0.2" && h.wwpns.len() == 2));
}

#[test]
fn building_the_lab_is_cheap() {
    // Every test builds it; keep it in milliseconds.
    let start = Instant::now();
    for _ in 0..20 {
        Fabric::lab();
    }
    let each = start.elapsed() / 20;
    eprintln!("lab build: {each:?} each");
    assert!(each.as_millis() < 50, "the lab took {each:?} to build");
}

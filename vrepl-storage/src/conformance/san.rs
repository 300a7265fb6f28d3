//! SAN presentation: LUN maps (lowest free id, or a chosen one), igroup membership, LUN
//! online/offline, as the hosts on the fabric see it.

use super::support::{assert_not_found, mirror, open, SAN_MIRROR};
use super::{Harness, Lab};
use crate::error::Error;
use crate::model::{
    CloneSpec, IgroupName, IgroupProtocol, Initiator, Lun, NewIgroup, OsType, SvmName, VolumeName,
};
use crate::ObjectKind;

/// Clones `destination` at Site 2 and returns the clone's first LUN.
async fn cloned_lun(lab: &Lab, destination: &str, clone: &str) -> Lun {
    let site2 = lab.site2();
    let rel = mirror(lab, destination).await;
    let volume = site2
        .create_clone(&CloneSpec {
            parent: rel.destination.clone(),
            name: VolumeName::new(clone).expect("name"),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    site2
        .list_luns(Some(&volume.path))
        .await
        .expect("LUNs")
        .into_iter()
        .next()
        .expect("the clone carries a LUN")
}

fn fibre() -> IgroupName {
    IgroupName::new("Fibre").expect("name")
}

/// The initiators of `igroup` in `svm` at Site 2.
async fn members(lab: &Lab, svm: &SvmName, igroup: &IgroupName) -> Vec<Initiator> {
    lab.site2()
        .list_igroups(Some(svm))
        .await
        .expect("igroups")
        .into_iter()
        .find(|g| &g.name == igroup)
        .unwrap_or_else(|| panic!("igroup {igroup} in {svm}"))
        .initiators
}

/// Mapping with a chosen id (LUN id 6 to `Fibre`) uses it; mapping without one takes the lowest
/// id free in the igroup; hosts in the igroup then see the LUN under that id; a taken id is an
/// invalid argument, a second map of the same pair exists already, and unmapping what is not
/// mapped is not found.
pub async fn lun_map_uses_a_chosen_id_or_the_lowest_free_one(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let first = cloned_lun(&lab, SAN_MIRROR, "RG1FV1_SM_map").await;
    let second = cloned_lun(&lab, SAN_MIRROR, "RG1FV1_SM_map2").await;
    let svm = first.svm.clone();

    let map = site2
        .map_lun(&svm, &first.path, &fibre(), Some(6))
        .await
        .expect("map with id 6");
    assert_eq!(
        (map.lun_id, &map.igroup, &map.lun),
        (6, &fibre(), &first.path)
    );

    let taken = site2
        .map_lun(&svm, &second.path, &fibre(), Some(6))
        .await
        .expect_err("id 6 is taken in this igroup");
    assert!(matches!(taken, Error::InvalidArgument(_)), "{taken:?}");

    let used: Vec<u32> = site2
        .list_lun_maps(Some(&svm))
        .await
        .expect("maps")
        .into_iter()
        .filter(|m| m.igroup == fibre())
        .map(|m| m.lun_id)
        .collect();
    let lowest_free = (0..).find(|id| !used.contains(id)).expect("a free id");
    let auto = site2
        .map_lun(&svm, &second.path, &fibre(), None)
        .await
        .expect("map with the lowest free id");
    assert_eq!(auto.lun_id, lowest_free, "ids in use: {used:?}");

    let hosts = members(&lab, &svm, &fibre()).await;
    assert!(!hosts.is_empty(), "Fibre holds the ESX hosts' WWPNs");
    let seen = lab.fabric().visible_luns(&hosts);
    let shown = seen
        .iter()
        .find(|v| v.lun.path == first.path)
        .expect("the hosts see the mapped clone LUN");
    assert_eq!(shown.lun_id, 6);
    assert_eq!(shown.naa, first.naa_id());
    assert!(!shown.read_only);

    let twice = site2
        .map_lun(&svm, &first.path, &fibre(), None)
        .await
        .expect_err("already mapped to this igroup");
    assert!(
        matches!(
            twice,
            Error::AlreadyExists {
                kind: ObjectKind::LunMap,
                ..
            }
        ),
        "{twice:?}"
    );

    site2
        .unmap_lun(&svm, &first.path, &fibre())
        .await
        .expect("unmap");
    assert!(lab
        .fabric()
        .visible_luns(&hosts)
        .iter()
        .all(|v| v.lun.path != first.path));
    let err = site2
        .unmap_lun(&svm, &first.path, &fibre())
        .await
        .expect_err("not mapped any more");
    assert_not_found(&err, ObjectKind::LunMap);
}

/// Igroups take initiators of their protocol only, refuse duplicates, and forget removed ones;
/// malformed WWPNs never get past the model.
pub async fn igroup_initiators_are_added_and_removed_with_validation(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let svm = SvmName::new("fas2050upper").expect("name");
    let name = IgroupName::new("drtest_fc").expect("name");
    let wwpn = Initiator::parse("10:00:00:00:c9:6a:fb:66").expect("a WWPN of the seed");
    let iqn = Initiator::parse("iqn.1998-01.com.vmware:esx3-drtest").expect("an IQN");
    for bad in ["10:00:00:00:c9:6a:fb", "10:00:00:00:c9:6a:fb:6g", "iqn.x"] {
        let err = Initiator::parse(bad).expect_err(bad);
        assert!(matches!(err, Error::InvalidName { .. }), "{bad}: {err:?}");
    }

    let spec = NewIgroup {
        svm: svm.clone(),
        name: name.clone(),
        protocol: IgroupProtocol::Fcp,
        os_type: OsType::Vmware,
        initiators: vec![],
    };
    let group = site2.create_igroup(&spec).await.expect("create igroup");
    assert!(group.initiators.is_empty());
    let again = site2.create_igroup(&spec).await.expect_err("exists");
    assert!(
        matches!(
            again,
            Error::AlreadyExists {
                kind: ObjectKind::Igroup,
                ..
            }
        ),
        "{again:?}"
    );

    site2
        .add_initiator(&svm, &name, &wwpn)
        .await
        .expect("add a WWPN");
    assert_eq!(members(&lab, &svm, &name).await, vec![wwpn.clone()]);
    let dup = site2
        .add_initiator(&svm, &name, &wwpn)
        .await
        .expect_err("already a member");
    assert!(
        matches!(
            dup,
            Error::AlreadyExists {
                kind: ObjectKind::Initiator,
                ..
            }
        ),
        "{dup:?}"
    );
    let wrong = site2
        .add_initiator(&svm, &name, &iqn)
        .await
        .expect_err("an IQN in an fcp igroup");
    assert!(matches!(wrong, Error::InvalidArgument(_)), "{wrong:?}");
    let missing = site2
        .add_initiator(&svm, &IgroupName::new("nope").expect("name"), &wwpn)
        .await
        .expect_err("no such igroup");
    assert_not_found(&missing, ObjectKind::Igroup);

    site2
        .remove_initiator(&svm, &name, &wwpn)
        .await
        .expect("remove");
    assert!(members(&lab, &svm, &name).await.is_empty());
    let gone = site2
        .remove_initiator(&svm, &name, &wwpn)
        .await
        .expect_err("not a member");
    assert_not_found(&gone, ObjectKind::Initiator);
}

/// A LUN taken offline stays mapped but hosts see it offline; online again, they see it online.
pub async fn lun_offline_and_online_is_what_hosts_see(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let lun = cloned_lun(&lab, SAN_MIRROR, "RG1FV1_SM_onoff").await;
    site2
        .map_lun(&lun.svm, &lun.path, &fibre(), None)
        .await
        .expect("map");
    let hosts = members(&lab, &lun.svm, &fibre()).await;
    let seen = |online: bool| {
        lab.fabric()
            .visible_luns(&hosts)
            .iter()
            .any(|v| v.lun.path == lun.path && v.online == online)
    };
    assert!(seen(true));
    site2
        .set_lun_online(&lun.svm, &lun.path, false)
        .await
        .expect("offline");
    assert!(seen(false));
    let listed = site2.list_luns(None).await.expect("LUNs");
    assert!(listed.iter().any(|l| l.path == lun.path && !l.online));
    site2
        .set_lun_online(&lun.svm, &lun.path, true)
        .await
        .expect("online");
    assert!(seen(true));
}

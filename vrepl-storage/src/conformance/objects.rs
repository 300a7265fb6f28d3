//! Volumes, snapshots, names and missing objects: the plumbing every other check stands on.

use super::support::{assert_not_found, mirror, open, path, NFS_MIRROR};
use super::Harness;
use crate::error::Error;
use crate::mirror::{DeleteScope, DiscardPolicy, OnTransfer};
use crate::model::{
    IgroupName, Initiator, LunPath, NewVolume, SnapshotName, SvmName, VolumeName, VolumePath,
    VolumeState, VolumeType,
};
use crate::ObjectKind;

/// Names that break ONTAP's rules are refused by the model, with the rule, before any backend
/// sees them.
pub async fn invalid_names_are_refused_before_they_reach_the_array(_h: &dyn Harness) {
    let refusals = [
        VolumeName::new("RG1FV1; reboot").err(),
        VolumeName::new("1RG").err(),
        VolumeName::new("a".repeat(204)).err(),
        VolumePath::parse("RG1FV1_SM").err(),
        SvmName::new("fas2050 upper").err(),
        LunPath::parse("/vol/RG1FV1").err(),
        IgroupName::new("-Fibre").err(),
        SnapshotName::new("").err(),
        Initiator::parse("10:00:00:00:c9:6a:fb").err(),
    ];
    for (i, err) in refusals.into_iter().enumerate() {
        match err {
            Some(Error::InvalidName { rule, .. }) => assert!(!rule.is_empty()),
            other => panic!("case {i}: expected InvalidName, got {other:?}"),
        }
    }
    assert!(VolumeName::new("a".repeat(203)).is_ok());
    assert!(VolumePath::parse("fas2050upper: RG1FV1_SM").is_ok());
}

/// Volumes are created, listed, taken offline and online and deleted; names are unique, and a
/// volume in a SnapMirror relationship cannot be deleted.
pub async fn volumes_are_created_listed_and_deleted(h: &dyn Harness) {
    let lab = open(h).await;
    let site1 = lab.site1();
    let new = path("fas2020lower:CONF_VOL");
    let spec = NewVolume {
        path: new.clone(),
        kind: VolumeType::Rw,
        size_bytes: 10 << 30,
    };
    let created = site1.create_volume(&spec).await.expect("create");
    assert_eq!(
        (created.kind, created.state, created.size_bytes),
        (VolumeType::Rw, VolumeState::Online, 10 << 30)
    );
    assert_eq!(site1.volume(&new).await.expect("get"), created);
    assert!(site1
        .list_volumes(Some(&new.svm))
        .await
        .expect("list")
        .contains(&created));
    let err = site1.create_volume(&spec).await.expect_err("twice");
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                kind: ObjectKind::Volume,
                ..
            }
        ),
        "{err:?}"
    );

    site1
        .set_volume_state(&new, VolumeState::Offline)
        .await
        .expect("offline");
    assert_eq!(
        site1.volume(&new).await.expect("get").state,
        VolumeState::Offline
    );
    site1.delete_volume(&new).await.expect("delete");
    assert_not_found(
        &site1.volume(&new).await.expect_err("deleted"),
        ObjectKind::Volume,
    );

    let rel = mirror(&lab, NFS_MIRROR).await;
    let busy = lab
        .site2()
        .delete_volume(&rel.destination)
        .await
        .expect_err("in a relationship");
    assert!(
        matches!(
            busy,
            Error::Busy {
                kind: ObjectKind::Volume,
                ..
            }
        ),
        "{busy:?}"
    );
}

/// Snapshots are listed oldest first, names are unique per volume, and deleted ones are gone.
pub async fn snapshots_are_created_listed_and_deleted(h: &dyn Harness) {
    let lab = open(h).await;
    let site1 = lab.site1();
    let volume = super::support::scratch_volume(&lab, "CONF_SNAP").await;
    let (a, b) = (
        SnapshotName::new("conf_a").expect("name"),
        SnapshotName::new("conf_b").expect("name"),
    );
    site1.create_snapshot(&volume, &a).await.expect("a");
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    let made = site1.create_snapshot(&volume, &b).await.expect("b");
    assert_eq!(made.name, b);
    let names: Vec<SnapshotName> = site1
        .list_snapshots(&volume)
        .await
        .expect("list")
        .into_iter()
        .map(|s| s.name)
        .collect();
    let (ia, ib) = (
        names.iter().position(|n| *n == a).expect("a listed"),
        names.iter().position(|n| *n == b).expect("b listed"),
    );
    assert!(ia < ib, "oldest first: {names:?}");
    let err = site1.create_snapshot(&volume, &a).await.expect_err("twice");
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                kind: ObjectKind::Snapshot,
                ..
            }
        ),
        "{err:?}"
    );
    site1.delete_snapshot(&volume, &a).await.expect("delete");
    assert_not_found(
        &site1.delete_snapshot(&volume, &a).await.expect_err("gone"),
        ObjectKind::Snapshot,
    );
}

/// Every call about an object that does not exist is `NotFound` of the right kind.
pub async fn missing_objects_are_not_found(h: &dyn Harness) {
    let lab = open(h).await;
    let (site1, site2) = (lab.site1(), lab.site2());
    let nope = path("fas2050upper:NOPE");
    let svm = nope.svm.clone();
    let kind = |e: Error| match e {
        Error::NotFound { kind, .. } => Some(kind),
        _ => None,
    };
    let snap = SnapshotName::new("nope").expect("name");
    let lun = LunPath::parse("/vol/RG1FV1_SM/nope.lun").expect("path");
    let igroup = IgroupName::new("nope").expect("name");
    let cases: Vec<(&str, Option<ObjectKind>, ObjectKind)> = vec![
        (
            "volume",
            site2.volume(&nope).await.err().and_then(kind),
            ObjectKind::Volume,
        ),
        (
            "list_snapshots",
            site2.list_snapshots(&nope).await.err().and_then(kind),
            ObjectKind::Volume,
        ),
        (
            "delete_snapshot",
            site2
                .delete_snapshot(&path("fas2050upper:RG1FV1_SM"), &snap)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Snapshot,
        ),
        (
            "set_lun_online",
            site2
                .set_lun_online(&svm, &lun, true)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Lun,
        ),
        (
            "map_lun",
            site2
                .map_lun(&svm, &lun, &IgroupName::new("Fibre").expect("name"), None)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Lun,
        ),
        (
            "remove_initiator",
            site2
                .remove_initiator(
                    &svm,
                    &igroup,
                    &Initiator::parse("10:00:00:00:c9:6a:fb:66").expect("wwpn"),
                )
                .await
                .err()
                .and_then(kind),
            ObjectKind::Igroup,
        ),
        (
            "update",
            site2.update(&nope).await.err().and_then(kind),
            ObjectKind::Relationship,
        ),
        (
            "break",
            site2
                .break_off(&nope, OnTransfer::Fail)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Relationship,
        ),
        (
            "resync",
            site2
                .resync(&nope, DiscardPolicy::Refuse)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Relationship,
        ),
        (
            "delete",
            site2
                .delete(&nope, DeleteScope::Full)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Relationship,
        ),
        (
            "release",
            site1
                .release(&path("fas2020upper:RG1FV1"), &nope, true)
                .await
                .err()
                .and_then(kind),
            ObjectKind::Relationship,
        ),
    ];
    for (call, got, want) in cases {
        assert_eq!(got, Some(want), "{call} on a missing object");
    }
}

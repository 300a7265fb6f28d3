//! FlexClones of SnapMirror destinations (the DR test), their parent snapshots, and splits.

use super::support::{
    file, mirror, open, open_with, path, payload, resync_losing_nothing, scratch_volume, settle,
    SAN_MIRROR,
};
use super::Harness;
use crate::error::Error;
use crate::mirror::{MirrorOp, NewRelationship, OnTransfer};
use crate::model::{
    CloneSpec, IgroupName, NewVolume, SnapshotName, VolumeName, VolumeState, VolumeType,
};
use crate::ObjectKind;

/// A clone of a dp destination without a named snapshot comes from the destination's newest
/// SnapMirror snapshot; it is writable and online, and carries the parent's LUNs with new serial
/// numbers, online and mapped nowhere.
pub async fn clone_of_a_destination_uses_the_newest_snapmirror_snapshot(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, SAN_MIRROR).await;
    let parent = &rel.destination;
    let newest = site2
        .list_snapshots(parent)
        .await
        .expect("snapshots")
        .into_iter()
        .rev()
        .find(|s| s.is_snapmirror())
        .expect("a SnapMirror snapshot on the destination");

    let name = VolumeName::new("RG1FV1_SM_drtest").expect("name");
    let clone = site2
        .create_clone(&CloneSpec {
            parent: parent.clone(),
            name: name.clone(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    assert_eq!(clone.path.volume, name);
    assert_eq!(clone.path.svm, parent.svm);
    assert_eq!(clone.kind, VolumeType::Rw);
    assert_eq!(clone.state, VolumeState::Online);
    let origin = clone.clone_parent.as_ref().expect("a FlexClone");
    assert_eq!((&origin.volume, &origin.snapshot), (parent, &newest.name));
    assert!(site2
        .list_volumes(Some(&parent.svm))
        .await
        .expect("volumes")
        .iter()
        .any(|v| v.path == clone.path));

    let parent_luns = site2.list_luns(Some(parent)).await.expect("parent LUNs");
    let clone_luns = site2
        .list_luns(Some(&clone.path))
        .await
        .expect("clone LUNs");
    assert_eq!(parent_luns.len(), clone_luns.len());
    for lun in &clone_luns {
        let original = parent_luns
            .iter()
            .find(|p| p.path.name == lun.path.name)
            .unwrap_or_else(|| panic!("{} has no counterpart in the parent", lun.path));
        assert_eq!(lun.path.volume, name);
        assert_ne!(
            lun.serial, original.serial,
            "a clone's LUN gets a new serial"
        );
        assert!(lun.online && !lun.read_only, "{lun:?}");
    }
    let maps = site2.list_lun_maps(None).await.expect("maps");
    assert!(
        maps.iter().all(|m| m.lun.volume != name),
        "a new clone's LUNs are mapped nowhere: {maps:?}"
    );
    let fabric = lab.fabric();
    let vm_files = fabric
        .list_files(&clone.path, Some(&clone_luns[0].path.name))
        .expect("files in the clone's VMFS");
    assert_eq!(
        vm_files,
        fabric
            .list_files(parent, Some(&parent_luns[0].path.name))
            .expect("files in the parent's VMFS"),
        "the clone shows the parent snapshot's content"
    );
}

/// On a 7-Mode array, as in the seed, a clone's LUNs start offline and hosts see them offline
/// until they are brought online; new dp volumes start restricted.
pub async fn seven_mode_clones_bring_their_luns_offline(h: &dyn Harness) {
    if !h.supports_seven_mode() {
        return;
    }
    let lab = open_with(h, true).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, SAN_MIRROR).await;
    let clone = site2
        .create_clone(&CloneSpec {
            parent: rel.destination.clone(),
            name: VolumeName::new("RG1FV1_SM_7mode").expect("name"),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    let lun = site2
        .list_luns(Some(&clone.path))
        .await
        .expect("LUNs")
        .into_iter()
        .next()
        .expect("the clone carries RP1.lun");
    assert!(!lun.online, "{lun:?}");
    let fibre = IgroupName::new("Fibre").expect("name");
    site2
        .map_lun(&lun.svm, &lun.path, &fibre, None)
        .await
        .expect("map");
    let hosts = site2
        .list_igroups(Some(&lun.svm))
        .await
        .expect("igroups")
        .into_iter()
        .find(|g| g.name == fibre)
        .expect("Fibre")
        .initiators;
    let online_seen = || {
        lab.fabric()
            .visible_luns(&hosts)
            .into_iter()
            .find(|v| v.lun.path == lun.path)
            .map(|v| v.online)
    };
    assert_eq!(online_seen(), Some(false));
    site2
        .set_lun_online(&lun.svm, &lun.path, true)
        .await
        .expect("lun online");
    assert_eq!(online_seen(), Some(true));

    let dp = site2
        .create_volume(&NewVolume {
            path: path("fas2050upper:CONF_7MODE_SM"),
            kind: VolumeType::Dp,
            size_bytes: 1 << 30,
        })
        .await
        .expect("dp volume");
    assert_eq!(dp.state, VolumeState::Restricted);
}

/// The snapshot a clone shares cannot be deleted while the clone exists; once the clone is gone
/// (or split) it can.
pub async fn a_clone_keeps_its_parent_snapshot_busy(h: &dyn Harness) {
    let lab = open(h).await;
    let site1 = lab.site1();
    let parent = scratch_volume(&lab, "CONF_DEV").await;
    let snap = SnapshotName::new("before_test").expect("name");
    site1
        .create_snapshot(&parent, &snap)
        .await
        .expect("snapshot");
    let clone = site1
        .create_clone(&CloneSpec {
            parent: parent.clone(),
            name: VolumeName::new("CONF_DEV_clone").expect("name"),
            parent_snapshot: Some(snap.clone()),
            junction_path: None,
        })
        .await
        .expect("clone");
    assert_eq!(
        clone.clone_parent.as_ref().map(|p| &p.snapshot),
        Some(&snap)
    );
    let held = site1
        .list_snapshots(&parent)
        .await
        .expect("snapshots")
        .into_iter()
        .find(|s| s.name == snap)
        .expect("the snapshot");
    assert!(held.is_busy(), "{held:?}");
    let err = site1
        .delete_snapshot(&parent, &snap)
        .await
        .expect_err("the clone holds it");
    assert!(
        matches!(
            err,
            Error::Busy {
                kind: ObjectKind::Snapshot,
                ..
            }
        ),
        "{err:?}"
    );

    site1
        .set_volume_state(&clone.path, VolumeState::Offline)
        .await
        .expect("offline");
    site1
        .delete_volume(&clone.path)
        .await
        .expect("delete the clone");
    site1
        .delete_snapshot(&parent, &snap)
        .await
        .expect("free once the clone is gone");
}

/// Split makes a clone independent and frees its parent snapshot, but is refused while the clone
/// is the destination of a SnapMirror (DP) relationship.
pub async fn split_is_refused_while_the_clone_is_in_a_dp_relationship(h: &dyn Harness) {
    let lab = open(h).await;
    let (site1, site2) = (lab.site1(), lab.site2());
    let parent = scratch_volume(&lab, "CONF_DEV").await;
    let spec = |name: &str| CloneSpec {
        parent: parent.clone(),
        name: VolumeName::new(name).expect("name"),
        parent_snapshot: None,
        junction_path: None,
    };

    let free = site1
        .create_clone(&spec("CONF_DEV_free"))
        .await
        .expect("clone");
    let parent_snapshot = free.clone_parent.clone().expect("a clone").snapshot;
    site1.split_clone(&free.path).await.expect("split");
    let split = site1.volume(&free.path).await.expect("volume");
    assert!(!split.is_flexclone(), "{split:?}");
    assert!(lab
        .fabric()
        .read_file(&split.path, &file("scratch.txt"))
        .is_ok_and(|d| d == payload(100, 8)));
    site1
        .delete_snapshot(&parent, &parent_snapshot)
        .await
        .expect("a split clone no longer holds the snapshot");

    let mirrored = site1
        .create_clone(&spec("CONF_DEV_mirrored"))
        .await
        .expect("clone");
    let dst = path("fas2050lower:CONF_DEV_mirrored_SM");
    site2
        .create_volume(&NewVolume {
            path: dst.clone(),
            kind: VolumeType::Dp,
            size_bytes: mirrored.size_bytes,
        })
        .await
        .expect("dp volume");
    site2
        .create_relationship(&NewRelationship {
            source: mirrored.path.clone(),
            destination: dst.clone(),
            policy: None,
        })
        .await
        .expect("relationship");
    site2.initialize(&dst).await.expect("initialize");
    settle(site2, &dst).await;
    // Reverse it, so the clone itself becomes the dp destination of the relationship.
    site2
        .break_off(&dst, OnTransfer::Fail)
        .await
        .expect("break");
    resync_losing_nothing(h, site2, &dst, MirrorOp::ReverseResync).await;
    settle(site1, &mirrored.path).await;
    assert_eq!(
        site1.volume(&mirrored.path).await.expect("volume").kind,
        VolumeType::Dp
    );
    let err = site1
        .split_clone(&mirrored.path)
        .await
        .expect_err("split refused in a DP relationship");
    assert!(
        matches!(
            err,
            Error::Busy {
                kind: ObjectKind::Volume,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(site1
        .volume(&mirrored.path)
        .await
        .expect("volume")
        .is_flexclone());
}

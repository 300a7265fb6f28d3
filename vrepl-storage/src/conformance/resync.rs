//! Resync and reverse resync (what they discard, and refusing to discard it silently), failing
//! back to Site 1, release and delete.

use super::support::{
    assert_not_found, assert_nothing_to_lose, file, holds, mirror, open, payload,
    resync_losing_nothing, settle, vmfs_file, NFS_MIRROR, SAN_MIRROR,
};
use super::{Harness, SITE1};
use crate::error::Error;
use crate::mirror::{DeleteScope, DiscardPolicy, MirrorOp, MirrorState, OnTransfer};
use crate::model::{SnapshotName, VolumeType};
use crate::ObjectKind;

/// After a break with nothing written at the destination, resync loses nothing and needs no
/// permission (where the backend cannot measure writes since the last snapshot, it says the
/// loss is unmeasured and needs permission instead).
pub async fn resync_after_a_clean_break_needs_no_permission(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    site2
        .break_off(&rel.destination, OnTransfer::Fail)
        .await
        .expect("break");
    let preview = site2
        .resync_preview(&rel.destination)
        .await
        .expect("preview");
    assert_eq!(preview.rolled_back, rel.destination);
    assert!(preview.common_snapshot.is_some());
    assert_nothing_to_lose(h, &preview.discard);
    resync_losing_nothing(h, site2, &rel.destination, MirrorOp::Resync).await;
    let now = settle(site2, &rel.destination).await;
    assert_eq!(now.state, MirrorState::Snapmirrored);
    assert_eq!(
        site2.volume(&rel.destination).await.expect("volume").kind,
        VolumeType::Dp
    );
}

/// The resync preview lists what was written at the destination since the break (a new snapshot
/// and unsnapshotted writes); resync refuses with `WouldLoseData` unless the loss is accepted,
/// and then discards exactly that.
pub async fn resync_names_what_it_would_discard_and_needs_permission(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let fabric = lab.fabric();
    let rel = mirror(&lab, NFS_MIRROR).await;
    let dst = &rel.destination;
    site2.break_off(dst, OnTransfer::Fail).await.expect("break");
    let before = site2.list_snapshots(dst).await.expect("snapshots");
    fabric
        .write_file(dst, &file("site2-a.txt"), &payload(3000, 1))
        .expect("write at Site 2");
    let snap = SnapshotName::new("site2_work").expect("name");
    site2.create_snapshot(dst, &snap).await.expect("snapshot");
    fabric
        .write_file(dst, &file("site2-b.txt"), &payload(500, 2))
        .expect("write at Site 2");

    let preview = site2.resync_preview(dst).await.expect("preview");
    assert_eq!(preview.rolled_back, *dst);
    let common = preview.common_snapshot.clone().expect("a common snapshot");
    assert!(
        before.iter().any(|s| s.name == common),
        "the common snapshot {common} existed at break time"
    );
    assert_eq!(preview.discard.snapshots, vec![snap.clone()]);
    if h.measures_unsnapshotted_writes() {
        assert!(
            preview.discard.unsnapshotted_bytes >= 500,
            "{:?}",
            preview.discard
        );
        assert!(
            preview.discard.total_bytes() >= 3500,
            "{:?}",
            preview.discard
        );
    } else {
        assert!(preview.discard.unmeasured, "{:?}", preview.discard);
    }

    let err = site2
        .resync(dst, DiscardPolicy::Refuse)
        .await
        .expect_err("resync would lose data");
    match &err {
        Error::WouldLoseData { op, discard, .. } => {
            assert_eq!(*op, MirrorOp::Resync);
            assert_eq!(*discard, preview.discard);
        }
        other => panic!("expected WouldLoseData, got {other:?}"),
    }
    assert_eq!(
        site2.relationship(dst).await.expect("relationship").state,
        MirrorState::BrokenOff,
        "a refused resync changes nothing"
    );
    assert!(holds(&lab, dst, &file("site2-b.txt"), &payload(500, 2)));

    let report = site2
        .resync(dst, DiscardPolicy::Accept)
        .await
        .expect("resync, accepting the loss");
    assert_eq!(report.discarded.as_ref(), Some(&preview.discard));
    settle(site2, dst).await;
    assert!(fabric.read_file(dst, &file("site2-a.txt")).is_err());
    assert!(fabric.read_file(dst, &file("site2-b.txt")).is_err());
    let snapshots = site2.list_snapshots(dst).await.expect("snapshots");
    assert!(snapshots.iter().all(|s| s.name != snap), "{snapshots:?}");
}

/// Failback: after a break, a file written at Site 2 travels to Site 1 by reverse resync and
/// update; break and reverse resync back restore the original direction with the file at Site 1.
pub async fn reverse_resync_and_update_carry_a_site2_write_back_to_site1(h: &dyn Harness) {
    let lab = open(h).await;
    let (site1, site2, fabric) = (lab.site1(), lab.site2(), lab.fabric());
    let rel = mirror(&lab, SAN_MIRROR).await;
    let (src, dst) = (rel.source.clone(), rel.destination.clone());
    site2
        .break_off(&dst, OnTransfer::Fail)
        .await
        .expect("break");
    let first = payload(2048, 4);
    fabric
        .write_file(&dst, &vmfs_file("failover.log"), &first)
        .expect("write at Site 2");

    let preview = site2
        .reverse_resync_preview(&dst)
        .await
        .expect("reverse preview");
    assert_eq!(preview.rolled_back, src, "the old source is rolled back");
    assert_nothing_to_lose(h, &preview.discard);
    let report = resync_losing_nothing(h, site2, &dst, MirrorOp::ReverseResync).await;
    let reversed = report.relationship.expect("the reversed relationship");
    assert_eq!((&reversed.source, &reversed.destination), (&dst, &src));
    let settled = settle(site1, &src).await;
    assert_eq!(settled.state, MirrorState::Snapmirrored);
    assert_eq!(
        site1.volume(&src).await.expect("volume").kind,
        VolumeType::Dp
    );
    assert!(
        fabric
            .write_file(&src, &vmfs_file("stray.txt"), b"x")
            .is_err(),
        "Site 1 is a dp destination now"
    );

    let second = payload(1024, 5);
    fabric
        .write_file(&dst, &vmfs_file("failover-2.log"), &second)
        .expect("more writes at Site 2");
    site1.update(&src).await.expect("update towards Site 1");
    settle(site1, &src).await;
    assert!(holds(&lab, &src, &vmfs_file("failover.log"), &first));
    assert!(holds(&lab, &src, &vmfs_file("failover-2.log"), &second));

    site1
        .break_off(&src, OnTransfer::Fail)
        .await
        .expect("break at Site 1");
    let back = resync_losing_nothing(h, site1, &src, MirrorOp::ReverseResync)
        .await
        .relationship
        .expect("relationship");
    assert_eq!((&back.source, &back.destination), (&src, &dst));
    settle(site2, &dst).await;
    assert_eq!(
        site1.volume(&src).await.expect("volume").kind,
        VolumeType::Rw
    );
    assert_eq!(
        site2.volume(&dst).await.expect("volume").kind,
        VolumeType::Dp
    );
    assert!(holds(&lab, &src, &vmfs_file("failover-2.log"), &second));
}

/// A reverse resync that would roll back writes made at Site 1 after the break says so and
/// refuses without permission.
pub async fn reverse_resync_refuses_to_discard_site1_writes(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    site2
        .break_off(&rel.destination, OnTransfer::Fail)
        .await
        .expect("break");
    lab.fabric()
        .write_file(&rel.source, &file("late.txt"), &payload(700, 6))
        .expect("a late write at Site 1");
    let preview = site2
        .reverse_resync_preview(&rel.destination)
        .await
        .expect("preview");
    assert_eq!(preview.rolled_back, rel.source);
    if h.measures_unsnapshotted_writes() {
        assert!(
            preview.discard.total_bytes() >= 700,
            "{:?}",
            preview.discard
        );
    } else {
        assert!(preview.discard.unmeasured, "{:?}", preview.discard);
    }
    let err = site2
        .reverse_resync(&rel.destination, DiscardPolicy::Refuse)
        .await
        .expect_err("would lose the late write");
    assert!(
        matches!(
            err,
            Error::WouldLoseData {
                op: MirrorOp::ReverseResync,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(holds(
        &lab,
        &rel.source,
        &file("late.txt"),
        &payload(700, 6)
    ));
}

/// Release keeping snapshots leaves a resync possible; release deleting them makes it
/// impossible, which the preview shows and resync reports as `NoCommonSnapshot`.
pub async fn release_without_snapshots_makes_resync_impossible(h: &dyn Harness) {
    for keep_snapshots in [true, false] {
        let lab = open(h).await;
        let (site1, site2) = (lab.site1(), lab.site2());
        let rel = mirror(&lab, NFS_MIRROR).await;
        site2
            .break_off(&rel.destination, OnTransfer::Fail)
            .await
            .expect("break");
        site1
            .release(&rel.source, &rel.destination, keep_snapshots)
            .await
            .expect("release");
        assert!(lab
            .fabric()
            .relationships_from(SITE1)
            .iter()
            .all(|r| r.destination != rel.destination));
        let mirror_snapshots = site1
            .list_snapshots(&rel.source)
            .await
            .expect("snapshots")
            .into_iter()
            .filter(|s| s.is_snapmirror())
            .count();
        let preview = site2
            .resync_preview(&rel.destination)
            .await
            .expect("preview");
        if keep_snapshots {
            assert!(mirror_snapshots > 0);
            assert!(preview.common_snapshot.is_some());
            resync_losing_nothing(h, site2, &rel.destination, MirrorOp::Resync).await;
        } else {
            assert_eq!(mirror_snapshots, 0);
            assert_eq!(preview.common_snapshot, None);
            let err = site2
                .resync(&rel.destination, DiscardPolicy::Accept)
                .await
                .expect_err("nothing in common");
            assert!(matches!(err, Error::NoCommonSnapshot { .. }), "{err:?}");
        }
    }
}

/// `Full` delete removes both records and the source's SnapMirror snapshots; `DestinationOnly`
/// removes only the destination's record; `SourceInfoOnly` removes only the source's record and
/// keeps the snapshots, so a later resync works.
pub async fn delete_scopes_remove_what_they_name(h: &dyn Harness) {
    for scope in [
        DeleteScope::Full,
        DeleteScope::DestinationOnly,
        DeleteScope::SourceInfoOnly,
    ] {
        let lab = open(h).await;
        let (site1, site2) = (lab.site1(), lab.site2());
        let rel = mirror(&lab, NFS_MIRROR).await;
        site2
            .break_off(&rel.destination, OnTransfer::Fail)
            .await
            .expect("break");
        let report = site2.delete(&rel.destination, scope).await.expect("delete");
        if scope == DeleteScope::SourceInfoOnly {
            assert!(report.relationship.is_some(), "{scope:?}: {report:?}");
            site2
                .relationship(&rel.destination)
                .await
                .expect("the destination keeps its record");
        } else {
            assert!(report.relationship.is_none(), "{scope:?}: {report:?}");
            let err = site2
                .relationship(&rel.destination)
                .await
                .expect_err("deleted");
            assert_not_found(&err, ObjectKind::Relationship);
        }
        let source_lists = lab
            .fabric()
            .relationships_from(SITE1)
            .iter()
            .any(|r| r.destination == rel.destination);
        assert_eq!(
            source_lists,
            scope == DeleteScope::DestinationOnly,
            "{scope:?}: does the source still list the destination?"
        );
        let mirror_snapshots = site1
            .list_snapshots(&rel.source)
            .await
            .expect("snapshots")
            .iter()
            .filter(|s| s.is_snapmirror())
            .count();
        assert_eq!(
            mirror_snapshots > 0,
            scope != DeleteScope::Full,
            "{scope:?}: source SnapMirror snapshots"
        );
        assert!(
            site2.volume(&rel.destination).await.is_ok(),
            "{scope:?}: delete keeps the destination volume"
        );
    }
}

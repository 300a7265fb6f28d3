use std::time::Duration;

use super::{pass, vp};
use crate::error::Error;
use crate::mirror::{
    DeleteScope, DiscardPolicy, MirrorOp, MirrorState, NewRelationship, OnTransfer, TransferResult,
    TransferStatus,
};
use crate::model::{NewVolume, SnapshotName, VolumeType};
use crate::sim::{DataPath, Fabric, Fault, LabOptions, SimArray};
use crate::{MirrorControl, StorageArray};

const SM: &str = "fas2050upper:RG1FV1_SM";
const PROD: &str = "fas2020upper:RG1FV1";

fn lab_at(bandwidth: u64) -> (Fabric, SimArray, SimArray) {
    let fabric = Fabric::lab_with(LabOptions {
        bandwidth_bytes_per_sec: bandwidth,
        ..Default::default()
    });
    let site1 = fabric.array("fas2020").unwrap();
    let site2 = fabric.array("fas2050").unwrap();
    (fabric, site1, site2)
}

fn note() -> DataPath {
    DataPath::file("note.txt")
}

#[tokio::test(start_paused = true)]
async fn an_update_takes_changed_bytes_over_bandwidth_and_reports_progress() {
    let (fabric, site1, site2) = lab_at(1000);
    fabric
        .write_file(&vp(PROD), &note(), &[7u8; 10_000])
        .unwrap();
    let rep = site2.update(&vp(SM)).await.unwrap();
    let rel = rep.relationship.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Transferring);
    assert_eq!(rel.progress.as_ref().unwrap().total_bytes, Some(10_000));

    pass(4).await;
    let p = site2.transfer_progress(&vp(SM)).await.unwrap().unwrap();
    assert_eq!(p.bytes_transferred, 4000);
    assert_eq!(p.percent(), Some(40));
    assert!(fabric.read_file(&vp(SM), &note()).is_err());

    pass(7).await;
    let rel = site2.relationship(&vp(SM)).await.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Idle);
    assert_eq!(rel.progress, None);
    let last = rel.last_transfer.unwrap();
    assert_eq!(last.result, TransferResult::Success);
    assert_eq!(last.bytes_transferred, 10_000);
    assert_eq!(
        fabric.read_file(&vp(SM), &note()).unwrap(),
        vec![7u8; 10_000]
    );
    // Lag counts from when the transferred snapshot was taken, at the start of the update.
    assert_eq!(rel.lag.unwrap(), Duration::from_secs(11));

    // The source keeps only the newest SnapMirror snapshot of the relationship; the
    // destination holds the same list.
    let src: Vec<SnapshotName> = site1
        .list_snapshots(&vp(PROD))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    let dst: Vec<SnapshotName> = site2
        .list_snapshots(&vp(SM))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(src, dst);
    assert_eq!(src.len(), 1);
    assert_eq!(rel.exported_snapshot.as_ref(), Some(&src[0]));
}

#[tokio::test(start_paused = true)]
async fn snapmirror_snapshots_are_named_as_ontap_names_them() {
    let (fabric, site1, _site2) = lab_at(1000);
    let svm_uuid = fabric.cluster_info("fas2050").unwrap().svms[1].uuid.clone();
    let snaps = site1.list_snapshots(&vp(PROD)).await.unwrap();
    let name = snaps[0].name.as_str();
    let rest = name
        .strip_prefix(&format!("snapmirror.{svm_uuid}_"))
        .unwrap_or_else(|| panic!("{name}"));
    let (msid, stamp) = rest.split_once('.').unwrap();
    assert_eq!(msid.len(), 10);
    assert!(msid.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(stamp.len(), "2026-11-22_001500".len());
    assert_eq!(&stamp[10..11], "_");
    assert!(snaps[0].is_snapmirror() && snaps[0].owners == ["snapmirror"]);
    let err = site1
        .delete_snapshot(&vp(PROD), &snaps[0].name)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Busy { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn quiesce_lets_the_running_transfer_finish_then_pauses() {
    let (fabric, _site1, site2) = lab_at(100);
    fabric.write_file(&vp(PROD), &note(), &[1; 1000]).unwrap();
    site2.update(&vp(SM)).await.unwrap();
    let q = site2.quiesce(&vp(SM)).await.unwrap().relationship.unwrap();
    assert_eq!(
        (q.state, q.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Quiescing)
    );
    assert!(site2.quiesce(&vp(SM)).await.unwrap().was_already());
    pass(11).await;
    let r = site2.relationship(&vp(SM)).await.unwrap();
    assert_eq!(
        (r.state, r.transfer),
        (MirrorState::Paused, TransferStatus::Idle)
    );
    assert_eq!(fabric.read_file(&vp(SM), &note()).unwrap().len(), 1000);
    let err = site2.update(&vp(SM)).await.unwrap_err();
    assert!(err.to_string().contains("resume it first"), "{err}");
    site2.resume(&vp(SM)).await.unwrap();
    site2.update(&vp(SM)).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn break_refuses_waits_or_aborts_a_running_transfer() {
    // Fail: refused, naming the progress.
    let (fabric, _site1, site2) = lab_at(100);
    fabric.write_file(&vp(PROD), &note(), &[1; 1000]).unwrap();
    site2.update(&vp(SM)).await.unwrap();
    pass(4).await;
    let err = site2
        .break_off(&vp(SM), OnTransfer::Fail)
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::TransferInProgress {
            op: MirrorOp::Break,
            ..
        }
    ));
    assert!(err.to_string().contains("update 40% of"), "{err}");

    // Wait: the destination holds the transferred data, and is writable.
    let rep = site2.break_off(&vp(SM), OnTransfer::Wait).await.unwrap();
    assert_eq!(rep.relationship.unwrap().state, MirrorState::BrokenOff);
    assert_eq!(fabric.read_file(&vp(SM), &note()).unwrap().len(), 1000);
    assert_eq!(site2.volume(&vp(SM)).await.unwrap().kind, VolumeType::Rw);
    fabric.write_file(&vp(SM), &note(), b"site 2").unwrap();

    // Abort: the destination stays at the last complete snapshot.
    let (fabric, _site1, site2) = lab_at(100);
    fabric.write_file(&vp(PROD), &note(), &[1; 1000]).unwrap();
    site2.update(&vp(SM)).await.unwrap();
    let rep = site2.break_off(&vp(SM), OnTransfer::Abort).await.unwrap();
    let rel = rep.relationship.unwrap();
    assert_eq!(rel.state, MirrorState::BrokenOff);
    assert_eq!(rel.last_transfer.unwrap().result, TransferResult::Aborted);
    assert!(!rel.healthy && rel.unhealthy_reason.unwrap().contains("aborted"));
    assert!(fabric.read_file(&vp(SM), &note()).is_err());
}

#[tokio::test(start_paused = true)]
async fn break_is_idempotent_and_needs_only_the_destination() {
    let (fabric, _site1, site2) = lab_at(1000);
    fabric.set_reachable("fas2020", false);
    let err = site2.update(&vp(SM)).await.unwrap_err();
    assert!(err.is_retryable(), "{err}");
    assert!(matches!(err, Error::Transport { ref endpoint, .. } if endpoint == "fas2020"));
    let err = fabric
        .array("fas2020")
        .unwrap()
        .list_svms()
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        Error::Transport {
            retryable: true,
            ..
        }
    ));

    let rep = site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    assert!(!rep.was_already());
    let again = site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    assert_eq!(
        again.already.as_deref(),
        Some("fas2050upper:RG1FV1_SM is already broken-off")
    );
}

#[tokio::test(start_paused = true)]
async fn a_transfer_fails_when_its_source_goes_down() {
    let (fabric, _site1, site2) = lab_at(100);
    fabric.write_file(&vp(PROD), &note(), &[1; 1000]).unwrap();
    site2.update(&vp(SM)).await.unwrap();
    pass(2).await;
    fabric.set_reachable("fas2020", false);
    let rel = site2.relationship(&vp(SM)).await.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Idle);
    assert!(!rel.healthy);
    assert!(rel
        .unhealthy_reason
        .unwrap()
        .contains("cannot reach fas2020"));
    assert!(matches!(
        rel.last_transfer.unwrap().result,
        TransferResult::Failed(_)
    ));
}

#[tokio::test(start_paused = true)]
async fn injected_transfer_failures_leave_the_destination_unchanged() {
    let (fabric, _site1, site2) = lab_at(1000);
    fabric.inject(
        "fas2050",
        Fault::FailTransfers {
            message: "replication network down".into(),
        },
    );
    fabric.write_file(&vp(PROD), &note(), b"new").unwrap();
    site2.update(&vp(SM)).await.unwrap();
    pass(1).await;
    let rel = site2.relationship(&vp(SM)).await.unwrap();
    assert!(!rel.healthy);
    assert!(rel
        .unhealthy_reason
        .unwrap()
        .contains("replication network down"));
    assert!(fabric.read_file(&vp(SM), &note()).is_err());

    fabric.clear_faults();
    site2.update(&vp(SM)).await.unwrap();
    pass(1).await;
    let rel = site2.relationship(&vp(SM)).await.unwrap();
    assert!(rel.healthy && rel.unhealthy_reason.is_none());
    assert_eq!(fabric.read_file(&vp(SM), &note()).unwrap(), b"new");
}

#[tokio::test(start_paused = true)]
async fn fail_next_and_latency_faults() {
    let (fabric, _site1, site2) = lab_at(1000);
    fabric.inject(
        "fas2050",
        Fault::FailNext {
            op: "update",
            error: || Error::Timeout {
                what: "the update job".into(),
                after: Duration::from_secs(30),
            },
        },
    );
    assert!(matches!(
        site2.update(&vp(SM)).await,
        Err(Error::Timeout { .. })
    ));
    site2.update(&vp(SM)).await.unwrap();

    fabric.inject("fas2050", Fault::Latency(Duration::from_secs(3)));
    let t0 = tokio::time::Instant::now();
    site2.list_svms().await.unwrap();
    assert_eq!(t0.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn resync_previews_and_refuses_to_discard_unless_accepted() {
    let (fabric, _site1, site2) = lab_at(1000);
    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    fabric.write_file(&vp(SM), &note(), &[9; 300]).unwrap();
    site2
        .create_snapshot(&vp(SM), &SnapshotName::new("after_break").unwrap())
        .await
        .unwrap();
    fabric
        .write_file(&vp(SM), &DataPath::file("late.txt"), &[9; 50])
        .unwrap();

    let preview = site2.resync_preview(&vp(SM)).await.unwrap();
    assert_eq!(preview.rolled_back, vp(SM));
    assert!(preview
        .common_snapshot
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("snapmirror."));
    assert_eq!(
        preview.discard.snapshots,
        [SnapshotName::new("after_break").unwrap()]
    );
    assert_eq!(preview.discard.bytes, 300);
    assert_eq!(preview.discard.unsnapshotted_bytes, 50);

    let err = site2
        .resync(&vp(SM), DiscardPolicy::Refuse)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::WouldLoseData { .. }), "{err}");
    assert!(err.to_string().contains("after_break"), "{err}");
    assert_eq!(
        fabric.read_file(&vp(SM), &note()).unwrap().len(),
        300,
        "nothing changed"
    );

    let rep = site2.resync(&vp(SM), DiscardPolicy::Accept).await.unwrap();
    assert_eq!(rep.discarded.unwrap(), preview.discard);
    let rel = rep.relationship.unwrap();
    assert_eq!(
        (rel.state, rel.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Transferring)
    );
    assert_eq!(site2.volume(&vp(SM)).await.unwrap().kind, VolumeType::Dp);
    assert!(fabric.read_file(&vp(SM), &note()).is_err(), "rolled back");
    assert!(
        fabric.write_file(&vp(SM), &note(), b"x").is_err(),
        "dp again"
    );
    pass(1).await;
    let rel = site2.relationship(&vp(SM)).await.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Idle);
    assert!(rel.healthy);
    assert!(site2
        .resync(&vp(SM), DiscardPolicy::Refuse)
        .await
        .unwrap()
        .was_already());
}

#[tokio::test(start_paused = true)]
async fn resync_without_a_common_snapshot_is_refused() {
    let (_fabric, site1, site2) = lab_at(1000);
    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    site1.release(&vp(PROD), &vp(SM), false).await.unwrap();
    assert!(site1.list_snapshots(&vp(PROD)).await.unwrap().is_empty());
    let preview = site2.resync_preview(&vp(SM)).await.unwrap();
    assert_eq!(preview.common_snapshot, None);
    let err = site2
        .resync(&vp(SM), DiscardPolicy::Accept)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoCommonSnapshot { .. }), "{err}");
}

#[tokio::test(start_paused = true)]
async fn reverse_resync_moves_the_relationship_to_the_other_cluster() {
    let (fabric, site1, site2) = lab_at(1000);
    let err = site2
        .reverse_resync(&vp(SM), DiscardPolicy::Refuse)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("break it first"), "{err}");

    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    fabric.write_file(&vp(SM), &note(), b"from site 2").unwrap();
    // A write at Site 1 after the break would be lost by the reverse resync.
    fabric
        .write_file(&vp(PROD), &DataPath::file("lost.txt"), b"oops")
        .unwrap();
    let preview = site2.reverse_resync_preview(&vp(SM)).await.unwrap();
    assert_eq!(preview.rolled_back, vp(PROD));
    assert_eq!(preview.discard.unsnapshotted_bytes, 4);
    assert!(matches!(
        site2.reverse_resync(&vp(SM), DiscardPolicy::Refuse).await,
        Err(Error::WouldLoseData { .. })
    ));
    let rep = site2
        .reverse_resync(&vp(SM), DiscardPolicy::Accept)
        .await
        .unwrap();
    let rel = rep.relationship.unwrap();
    assert_eq!(
        (rel.source.clone(), rel.destination.clone()),
        (vp(SM), vp(PROD))
    );
    assert_eq!(rel.destination_cluster.as_ref().unwrap(), "fas2020");
    let gone = site2.relationship(&vp(SM)).await.unwrap_err();
    assert!(gone.is_not_found());
    assert!(
        gone.to_string().contains(
            "is the source of fas2050upper:RG1FV1_SM -> fas2020upper:RG1FV1, held by cluster fas2020"
        ),
        "{gone}"
    );
    assert!(site2
        .list_relationships()
        .await
        .unwrap()
        .iter()
        .all(|r| r.destination != vp(SM)));
    assert_eq!(site1.list_relationships().await.unwrap().len(), 1);
    assert_eq!(fabric.relationships_from("fas2050").len(), 1);
    assert_eq!(site1.volume(&vp(PROD)).await.unwrap().kind, VolumeType::Dp);

    pass(1).await;
    assert_eq!(
        fabric.read_file(&vp(PROD), &note()).unwrap(),
        b"from site 2"
    );
    assert!(fabric
        .read_file(&vp(PROD), &DataPath::file("lost.txt"))
        .is_err());
    // Site 2 stays writable while it is the source.
    fabric.write_file(&vp(SM), &note(), b"more").unwrap();
    site1.update(&vp(PROD)).await.unwrap();
    pass(1).await;
    assert_eq!(fabric.read_file(&vp(PROD), &note()).unwrap(), b"more");
}

/// Before ONTAP 9.9.1 a relationship is reversed the way Trident does it: POST the reverse
/// relationship onto the old source (a rw volume sharing a snapshot with the old destination),
/// drop the old destination's record, then resync.
#[tokio::test(start_paused = true)]
async fn a_relationship_onto_a_rw_volume_with_a_common_snapshot_is_broken_off_and_resyncs() {
    let (fabric, site1, site2) = lab_at(1000);
    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    fabric.write_file(&vp(SM), &note(), b"from site 2").unwrap();
    fabric
        .write_file(&vp(PROD), &DataPath::file("lost.txt"), b"oops")
        .unwrap();
    let reverse = NewRelationship {
        source: vp(SM),
        destination: vp(PROD),
        policy: None,
    };
    let created = site1.create_relationship(&reverse).await.unwrap();
    assert_eq!(created.state, MirrorState::BrokenOff);
    assert_eq!(
        site1.volume(&vp(PROD)).await.unwrap().kind,
        VolumeType::Rw,
        "still writable until the resync"
    );
    assert_eq!(
        fabric
            .read_file(&vp(PROD), &DataPath::file("lost.txt"))
            .unwrap(),
        b"oops",
        "creating rolls nothing back"
    );
    // The original relationship is untouched until its record is dropped.
    assert_eq!(
        site2.relationship(&vp(SM)).await.unwrap().state,
        MirrorState::BrokenOff
    );
    site2
        .delete(&vp(SM), DeleteScope::DestinationOnly)
        .await
        .unwrap();

    let preview = site1.resync_preview(&vp(PROD)).await.unwrap();
    assert_eq!(preview.discard.unsnapshotted_bytes, 4);
    let rep = site1
        .resync(&vp(PROD), DiscardPolicy::Accept)
        .await
        .unwrap();
    assert_eq!(rep.relationship.unwrap().state, MirrorState::Snapmirrored);
    assert_eq!(site1.volume(&vp(PROD)).await.unwrap().kind, VolumeType::Dp);
    pass(1).await;
    assert_eq!(
        fabric.read_file(&vp(PROD), &note()).unwrap(),
        b"from site 2"
    );
    assert!(fabric
        .read_file(&vp(PROD), &DataPath::file("lost.txt"))
        .is_err());
}

#[tokio::test(start_paused = true)]
async fn a_relationship_onto_a_rw_volume_without_a_common_snapshot_is_refused() {
    let (_fabric, site1, site2) = lab_at(1000);
    site2.break_off(&vp(SM), OnTransfer::Fail).await.unwrap();
    site1.release(&vp(PROD), &vp(SM), false).await.unwrap();
    let err = site1
        .create_relationship(&NewRelationship {
            source: vp(SM),
            destination: vp(PROD),
            policy: None,
        })
        .await
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(err.to_string().contains("type dp"), "{err}");
    assert!(site1
        .relationship(&vp(PROD))
        .await
        .unwrap_err()
        .is_not_found());
}

#[tokio::test(start_paused = true)]
async fn lag_is_the_age_of_the_newest_replicated_snapshot() {
    let (_fabric, _site1, site2) = lab_at(1000);
    pass(3600).await;
    assert_eq!(
        site2.relationship(&vp(SM)).await.unwrap().lag,
        Some(Duration::from_secs(3600))
    );
    site2.update(&vp(SM)).await.unwrap();
    pass(1).await;
    assert!(site2.relationship(&vp(SM)).await.unwrap().lag.unwrap() <= Duration::from_secs(1));
}

#[tokio::test(start_paused = true)]
async fn create_initialize_release_delete() {
    let (fabric, site1, site2) = lab_at(1000);
    let dest = vp("fas2050upper:LP1FV1_SM");
    let src = vp("fas2020upper:LP1FV1");
    let spec = NewRelationship {
        source: src.clone(),
        destination: dest.clone(),
        policy: None,
    };
    // The destination must exist, be on this cluster, and be dp.
    assert!(site2
        .create_relationship(&spec)
        .await
        .unwrap_err()
        .is_not_found());
    site2
        .create_volume(&NewVolume {
            path: dest.clone(),
            kind: VolumeType::Rw,
            size_bytes: 100 << 30,
        })
        .await
        .unwrap();
    let err = site2.create_relationship(&spec).await.unwrap_err();
    assert!(err.to_string().contains("type dp"), "{err}");
    site2
        .create_volume(&NewVolume {
            path: vp("fas2050upper:LP1FV1_DP"),
            kind: VolumeType::Dp,
            size_bytes: 100 << 30,
        })
        .await
        .unwrap();
    let dest = vp("fas2050upper:LP1FV1_DP");
    let spec = NewRelationship {
        destination: dest.clone(),
        ..spec
    };
    let rel = site2.create_relationship(&spec).await.unwrap();
    assert_eq!(rel.state, MirrorState::Uninitialized);
    assert_eq!(rel.policy, "Asynchronous");
    assert!(matches!(
        site2.create_relationship(&spec).await,
        Err(Error::AlreadyExists { .. })
    ));
    let err = site2.break_off(&dest, OnTransfer::Fail).await.unwrap_err();
    assert!(err.to_string().contains("initialize it"), "{err}");

    site2.initialize(&dest).await.unwrap();
    assert!(site2.initialize(&dest).await.unwrap().was_already());
    pass(5).await;
    let rel = site2.relationship(&dest).await.unwrap();
    assert_eq!(rel.state, MirrorState::Snapmirrored);
    let vmx = DataPath::vmfs("LP1.lun".parse().unwrap(), "Site1-DC1/Site1-DC1.vmx");
    assert_eq!(
        fabric.read_file(&dest, &vmx).unwrap(),
        fabric.read_file(&src, &vmx).unwrap()
    );

    // A volume in a relationship cannot be deleted.
    let err = site1.delete_volume(&src).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("delete (and release) the relationship"),
        "{err}"
    );

    // Delete the destination's record only: the source still lists it until released.
    site2
        .delete(&dest, DeleteScope::DestinationOnly)
        .await
        .unwrap();
    assert!(site2.relationship(&dest).await.unwrap_err().is_not_found());
    assert_eq!(fabric.relationships_from("fas2020").len(), 6);
    let before = site1.list_snapshots(&src).await.unwrap().len();
    site1.release(&src, &dest, false).await.unwrap();
    assert_eq!(fabric.relationships_from("fas2020").len(), 5);
    assert_eq!(site1.list_snapshots(&src).await.unwrap().len(), before - 1);
    assert!(site1
        .release(&src, &dest, false)
        .await
        .unwrap_err()
        .is_not_found());

    // A full delete of a live relationship releases the source too.
    site2.delete(&vp(SM), DeleteScope::Full).await.unwrap();
    assert!(site1.list_snapshots(&vp(PROD)).await.unwrap().is_empty());
    assert_eq!(fabric.relationships_from("fas2020").len(), 4);
}

#[tokio::test(start_paused = true)]
async fn delete_and_abort_respect_running_transfers() {
    let (fabric, _site1, site2) = lab_at(10);
    fabric.write_file(&vp(PROD), &note(), &[0; 100]).unwrap();
    assert!(site2.abort_transfer(&vp(SM)).await.unwrap().was_already());
    site2.update(&vp(SM)).await.unwrap();
    assert!(matches!(
        site2.delete(&vp(SM), DeleteScope::Full).await,
        Err(Error::TransferInProgress { .. })
    ));
    let rep = site2.abort_transfer(&vp(SM)).await.unwrap();
    assert_eq!(rep.op, MirrorOp::Update);
    assert_eq!(rep.relationship.unwrap().transfer, TransferStatus::Idle);
    // The destination's view of it is still a valid relationship that can be updated again.
    site2.update(&vp(SM)).await.unwrap();
    pass(11).await;
    assert_eq!(fabric.read_file(&vp(SM), &note()).unwrap().len(), 100);
}

#[tokio::test(start_paused = true)]
async fn unknown_relationships_and_wrong_cluster_are_not_found() {
    let (_fabric, site1, site2) = lab_at(1000);
    assert!(site1
        .relationship(&vp(SM))
        .await
        .unwrap_err()
        .is_not_found());
    assert!(site2
        .update(&vp("fas2050upper:NOPE"))
        .await
        .unwrap_err()
        .is_not_found());
    let err = site1.volume(&vp(SM)).await.unwrap_err();
    assert!(
        err.to_string().contains("served by cluster fas2050"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_update_needs_a_common_snapshot() {
    let (_fabric, site1, site2) = lab_at(1000);
    site1.release(&vp(PROD), &vp(SM), false).await.unwrap();
    let err = site2.update(&vp(SM)).await.unwrap_err();
    assert!(matches!(err, Error::NoCommonSnapshot { .. }), "{err}");
    assert!(err.to_string().contains("re-initialize"), "{err}");
}

#[tokio::test(start_paused = true)]
async fn a_seven_mode_destination_waits_restricted_for_its_baseline() {
    let fabric = Fabric::lab_with(LabOptions {
        seven_mode: true,
        ..Default::default()
    });
    let site2 = fabric.array("fas2050").unwrap();
    let dest = vp("fas2050upper:LP1FV1_SM");
    let v = site2
        .create_volume(&NewVolume {
            path: dest.clone(),
            kind: VolumeType::Dp,
            size_bytes: 100 << 30,
        })
        .await
        .unwrap();
    assert_eq!(v.state, crate::model::VolumeState::Restricted);
    site2
        .create_relationship(&NewRelationship {
            source: vp("fas2020upper:LP1FV1"),
            destination: dest.clone(),
            policy: None,
        })
        .await
        .unwrap();
    site2.initialize(&dest).await.unwrap();
    pass(1).await;
    let v = site2.volume(&dest).await.unwrap();
    assert_eq!(v.state, crate::model::VolumeState::Online);
    assert_eq!(
        site2.relationship(&dest).await.unwrap().state,
        MirrorState::Snapmirrored
    );
}

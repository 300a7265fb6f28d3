//! Finding and creating relationships, moving data with baselines and updates, quiesce, break,
//! and aborted or failed transfers.

use std::time::Duration;

use super::support::{
    assert_not_found, file, holds, mirror, open, path, payload, scratch_volume, settle,
    start_slow_update, vmfs_file, BIG, NFS_MIRROR, SAN_MIRROR,
};
use super::{Harness, SITE1};
use crate::error::Error;
use crate::mirror::{
    MirrorOp, MirrorState, NewRelationship, OnTransfer, Refusal, TransferKind, TransferResult,
    TransferStatus,
};
use crate::model::{NewVolume, VolumeName, VolumePath, VolumeType};
use crate::sim::Fault;
use crate::ObjectKind;

/// A relationship is found by its destination path and by its bare destination volume name;
/// unknown ones are not found (by path) or an empty list (by name).
pub async fn relationships_are_found_by_destination_path_and_volume_name(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let dst = path("fas2050upper:RG1FV1_SM");
    let rel = site2.relationship(&dst).await.expect("relationship");
    assert_eq!(rel.source, path("fas2020upper:RG1FV1"));
    assert_eq!(rel.destination, dst);
    assert_eq!(
        (rel.state, rel.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Idle)
    );

    let by_name = mirror(&lab, "RG1FV1_SM").await;
    assert_eq!(by_name.uuid, rel.uuid);

    let all = site2.list_relationships().await.expect("list");
    for name in [
        "RG1FV1_SM",
        "RG1FV2_SM",
        "RG2FV1_SM",
        "RG2FV2_SM",
        "RG2FV3_SM",
    ] {
        assert!(
            all.iter().any(|r| r.destination.volume == name),
            "{name} is listed at Site 2"
        );
    }
    let site1 = lab.site1().list_relationships().await.expect("list");
    assert!(site1.is_empty(), "Site 1 holds no destinations: {site1:?}");

    let err = site2
        .relationship(&path("fas2050upper:NOPE_SM"))
        .await
        .expect_err("unknown destination");
    assert_not_found(&err, ObjectKind::Relationship);
    let none = site2
        .find_by_destination_volume(&VolumeName::new("NOPE_SM").expect("name"))
        .await
        .expect("find");
    assert!(none.is_empty());
}

/// An update carries what was written at the source to the destination; until it completes the
/// destination keeps showing its last complete snapshot.
pub async fn update_moves_content_to_the_destination(h: &dyn Harness) {
    let lab = open(h).await;
    let rel = mirror(&lab, NFS_MIRROR).await;
    let data = start_slow_update(&lab, &rel, "update.bin").await;
    assert!(
        !holds(&lab, &rel.destination, &file("update.bin"), &data),
        "the destination shows the new file before the transfer completes"
    );
    let progress = lab
        .site2()
        .transfer_progress(&rel.destination)
        .await
        .expect("progress")
        .expect("a transfer runs");
    assert_eq!(progress.kind, TransferKind::Update);

    let done = settle(lab.site2(), &rel.destination).await;
    assert_eq!(done.state, MirrorState::Snapmirrored);
    let last = done.last_transfer.expect("a last transfer");
    assert_eq!(last.result, TransferResult::Success);
    assert!(last.bytes_transferred >= BIG as u64, "{last:?}");
    assert!(holds(&lab, &rel.destination, &file("update.bin"), &data));
    let fabric = lab.fabric();
    assert_eq!(
        fabric.list_files(&rel.source, None).expect("source files"),
        fabric
            .list_files(&rel.destination, None)
            .expect("destination files"),
        "after an update the destination equals the source"
    );
    assert_eq!(
        lab.site2()
            .transfer_progress(&rel.destination)
            .await
            .expect("progress"),
        None
    );
}

/// Progress of a running transfer grows with time (and stays below its total, when the backend
/// knows the total).
pub async fn transfer_progress_grows_while_a_transfer_runs(h: &dyn Harness) {
    let lab = open(h).await;
    let rel = mirror(&lab, NFS_MIRROR).await;
    start_slow_update(&lab, &rel, "progress.bin").await;
    let site2 = lab.site2();
    let first = site2
        .transfer_progress(&rel.destination)
        .await
        .expect("progress")
        .expect("running");
    if let Some(total) = first.total_bytes {
        assert!(total >= BIG as u64, "total {total}");
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let later = site2
        .transfer_progress(&rel.destination)
        .await
        .expect("progress")
        .expect("still running after 2 of about 4 seconds");
    assert!(
        later.bytes_transferred > first.bytes_transferred,
        "{first:?} then {later:?}"
    );
    if let Some(total) = later.total_bytes {
        assert!(later.bytes_transferred < total, "{later:?}");
    }
}

/// Quiesce during a transfer lets it finish (quiescing), refuses new transfers, then pauses;
/// resume allows updates again.
pub async fn quiesce_while_transferring_lets_the_transfer_finish(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    let data = start_slow_update(&lab, &rel, "quiesce.bin").await;
    let report = site2.quiesce(&rel.destination).await.expect("quiesce");
    let now = report.relationship.expect("relationship");
    assert_eq!(
        (now.state, now.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Quiescing)
    );
    let err = site2
        .update(&rel.destination)
        .await
        .expect_err("no update while quiescing");
    assert!(
        matches!(
            err,
            Error::IllegalState {
                op: MirrorOp::Update,
                refusal: Refusal::Quiesced,
                ..
            }
        ),
        "{err:?}"
    );

    let paused = settle(site2, &rel.destination).await;
    assert_eq!(paused.state, MirrorState::Paused);
    assert!(
        holds(&lab, &rel.destination, &file("quiesce.bin"), &data),
        "the transfer running at quiesce time completed"
    );
    assert!(site2
        .quiesce(&rel.destination)
        .await
        .expect("quiesce again")
        .was_already());

    site2.resume(&rel.destination).await.expect("resume");
    site2
        .update(&rel.destination)
        .await
        .expect("update after resume");
    assert_eq!(
        settle(site2, &rel.destination).await.state,
        MirrorState::Snapmirrored
    );
}

/// A dp destination refuses writes; break makes it (and its LUNs) writable, and a second break
/// reports `already`.
pub async fn break_makes_the_destination_writable(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let fabric = lab.fabric();
    let rel = mirror(&lab, SAN_MIRROR).await;
    let dst = &rel.destination;
    let note = payload(512, 3);

    assert_eq!(
        site2.volume(dst).await.expect("volume").kind,
        VolumeType::Dp
    );
    assert!(
        fabric
            .write_file(dst, &vmfs_file("note.txt"), &note)
            .is_err(),
        "a dp destination accepts no write"
    );
    let luns = site2.list_luns(Some(dst)).await.expect("luns");
    assert!(
        !luns.is_empty() && luns.iter().all(|l| l.read_only),
        "{luns:?}"
    );

    let report = site2.break_off(dst, OnTransfer::Fail).await.expect("break");
    assert!(!report.was_already());
    assert_eq!(
        report.relationship.expect("relationship").state,
        MirrorState::BrokenOff
    );
    assert_eq!(
        site2.volume(dst).await.expect("volume").kind,
        VolumeType::Rw
    );
    let luns = site2.list_luns(Some(dst)).await.expect("luns");
    assert!(luns.iter().all(|l| !l.read_only), "{luns:?}");
    fabric
        .write_file(dst, &vmfs_file("note.txt"), &note)
        .expect("a broken-off destination takes writes");
    assert!(holds(&lab, dst, &vmfs_file("note.txt"), &note));

    let again = site2
        .break_off(dst, OnTransfer::Fail)
        .await
        .expect("break again");
    assert!(again.was_already(), "{again:?}");
}

/// Break needs only the destination cluster: it works while the source cluster is unreachable,
/// whose own calls fail as retryable transport errors.
pub async fn break_works_with_the_source_cluster_down(h: &dyn Harness) {
    let lab = open(h).await;
    let rel = mirror(&lab, NFS_MIRROR).await;
    lab.fabric().set_reachable(SITE1, false);

    let err = lab
        .site1()
        .list_volumes(None)
        .await
        .expect_err("Site 1 is down");
    assert!(
        matches!(
            err,
            Error::Transport {
                retryable: true,
                ..
            }
        ),
        "{err:?}"
    );
    let report = lab
        .site2()
        .break_off(&rel.destination, OnTransfer::Fail)
        .await
        .expect("break with the source down");
    assert_eq!(
        report.relationship.expect("relationship").state,
        MirrorState::BrokenOff
    );
    lab.fabric()
        .write_file(
            &rel.destination,
            &file("failover.txt"),
            b"running at Site 2",
        )
        .expect("the destination is writable");
    lab.fabric().set_reachable(SITE1, true);
}

/// Break during a transfer with [`OnTransfer::Fail`] is refused, naming the transfer.
pub async fn break_during_a_transfer_fails_by_default(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    start_slow_update(&lab, &rel, "busy.bin").await;
    let err = site2
        .break_off(&rel.destination, OnTransfer::Fail)
        .await
        .expect_err("break during a transfer");
    match &err {
        Error::TransferInProgress { op, progress, .. } => {
            assert_eq!(*op, MirrorOp::Break);
            assert_eq!(
                progress.as_ref().map(|p| p.kind),
                Some(TransferKind::Update),
                "{err}"
            );
        }
        other => panic!("expected TransferInProgress, got {other:?}"),
    }
    let now = site2
        .relationship(&rel.destination)
        .await
        .expect("relationship");
    assert_eq!(
        (now.state, now.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Transferring)
    );
}

/// Break during a transfer with [`OnTransfer::Wait`] breaks once the transfer has completed, so
/// the destination holds the newest data.
pub async fn break_during_a_transfer_can_wait_for_it(h: &dyn Harness) {
    let lab = open(h).await;
    let rel = mirror(&lab, NFS_MIRROR).await;
    let data = start_slow_update(&lab, &rel, "wait.bin").await;
    let report = lab
        .site2()
        .break_off(&rel.destination, OnTransfer::Wait)
        .await
        .expect("break, waiting");
    let now = report.relationship.expect("relationship");
    assert_eq!(now.state, MirrorState::BrokenOff);
    assert_eq!(
        now.last_transfer.map(|t| t.result),
        Some(TransferResult::Success)
    );
    assert!(holds(&lab, &rel.destination, &file("wait.bin"), &data));
}

/// Break during a transfer with [`OnTransfer::Abort`] aborts it: the destination stays at its
/// last complete snapshot.
pub async fn break_during_a_transfer_can_abort_it(h: &dyn Harness) {
    let lab = open(h).await;
    let rel = mirror(&lab, NFS_MIRROR).await;
    start_slow_update(&lab, &rel, "abort.bin").await;
    let report = lab
        .site2()
        .break_off(&rel.destination, OnTransfer::Abort)
        .await
        .expect("break, aborting");
    let now = report.relationship.expect("relationship");
    assert_eq!(
        (now.state, now.transfer),
        (MirrorState::BrokenOff, TransferStatus::Idle)
    );
    assert!(
        lab.fabric()
            .read_file(&rel.destination, &file("abort.bin"))
            .is_err(),
        "an aborted transfer leaves nothing of its data"
    );
}

/// Abort stops a running transfer (recorded as aborted) and reports `already` when none runs.
pub async fn abort_stops_a_transfer_and_is_idempotent(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    assert!(site2
        .abort_transfer(&rel.destination)
        .await
        .expect("abort with nothing running")
        .was_already());

    start_slow_update(&lab, &rel, "aborted.bin").await;
    site2.abort_transfer(&rel.destination).await.expect("abort");
    let now = settle(site2, &rel.destination).await;
    assert_eq!(now.state, MirrorState::Snapmirrored);
    assert_eq!(
        now.last_transfer.map(|t| t.result),
        Some(TransferResult::Aborted)
    );
    assert!(lab
        .fabric()
        .read_file(&rel.destination, &file("aborted.bin"))
        .is_err());
}

/// A transfer that fails leaves the destination at its last snapshot and records the reason; the
/// next update succeeds.
pub async fn a_failed_transfer_is_recorded_and_the_next_update_succeeds(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let rel = mirror(&lab, NFS_MIRROR).await;
    let data = payload(4096, 9);
    lab.fabric()
        .write_file(&rel.source, &file("retry.bin"), &data)
        .expect("write");
    lab.fabric().inject(
        SITE1,
        Fault::FailTransfers {
            message: "network link down".into(),
        },
    );
    site2.update(&rel.destination).await.expect("update starts");
    let failed = settle(site2, &rel.destination).await;
    assert_eq!(failed.state, MirrorState::Snapmirrored);
    match failed.last_transfer.map(|t| t.result) {
        Some(TransferResult::Failed(message)) => {
            assert!(message.contains("network link down"), "{message}")
        }
        other => panic!("expected a failed transfer, got {other:?}"),
    }
    assert!(!holds(&lab, &rel.destination, &file("retry.bin"), &data));

    lab.fabric().clear_faults();
    site2.update(&rel.destination).await.expect("update again");
    let done = settle(site2, &rel.destination).await;
    assert_eq!(
        done.last_transfer.map(|t| t.result),
        Some(TransferResult::Success)
    );
    assert!(holds(&lab, &rel.destination, &file("retry.bin"), &data));
}

/// A relationship is created uninitialized towards a dp volume only (a rw destination is an
/// invalid argument, a missing source is not found, a second one for the same destination
/// exists already), and its baseline copies the source's content.
pub async fn create_and_initialize_copy_the_baseline(h: &dyn Harness) {
    let lab = open(h).await;
    let site2 = lab.site2();
    let source = scratch_volume(&lab, "CONF_BASE").await;
    let data = payload(BIG, 12);
    lab.fabric()
        .write_file(&source, &file("base.bin"), &data)
        .expect("write at the source");
    let new_volume = |name: &str, kind: VolumeType| NewVolume {
        path: path(&format!("fas2050upper:{name}")),
        kind,
        size_bytes: 1 << 30,
    };
    let spec = |destination: &VolumePath| NewRelationship {
        source: source.clone(),
        destination: destination.clone(),
        policy: None,
    };

    let rw = site2
        .create_volume(&new_volume("CONF_BASE_RW", VolumeType::Rw))
        .await
        .expect("rw volume");
    let err = site2
        .create_relationship(&spec(&rw.path))
        .await
        .expect_err("a rw destination");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err:?}");

    let dp = site2
        .create_volume(&new_volume("CONF_BASE_SM", VolumeType::Dp))
        .await
        .expect("dp volume");
    let missing = NewRelationship {
        source: path("fas2020upper:NOPE"),
        ..spec(&dp.path)
    };
    let err = site2
        .create_relationship(&missing)
        .await
        .expect_err("no such source");
    // Which object a backend names varies (ONTAP REST reports the relationship it could not
    // create); that it is not found does not.
    assert!(err.is_not_found(), "{err:?}");

    let rel = site2
        .create_relationship(&spec(&dp.path))
        .await
        .expect("create");
    assert_eq!((&rel.source, &rel.destination), (&source, &dp.path));
    assert_eq!(
        (rel.state, rel.transfer),
        (MirrorState::Uninitialized, TransferStatus::Idle)
    );
    assert_eq!(rel.policy, "Asynchronous", "ONTAP's default policy");
    let err = site2
        .create_relationship(&spec(&dp.path))
        .await
        .expect_err("twice");
    assert!(
        matches!(
            err,
            Error::AlreadyExists {
                kind: ObjectKind::Relationship,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        lab.fabric().read_file(&dp.path, &file("base.bin")).is_err(),
        "nothing arrives before the baseline"
    );

    site2.initialize(&dp.path).await.expect("initialize");
    let progress = site2
        .transfer_progress(&dp.path)
        .await
        .expect("progress")
        .expect("the baseline runs");
    assert_eq!(progress.kind, TransferKind::Initialize);
    let done = settle(site2, &dp.path).await;
    assert_eq!(done.state, MirrorState::Snapmirrored);
    assert!(holds(&lab, &dp.path, &file("base.bin"), &data));
    assert!(
        lab.fabric()
            .write_file(&dp.path, &file("stray.txt"), b"x")
            .is_err(),
        "the initialized destination is read-only"
    );
}

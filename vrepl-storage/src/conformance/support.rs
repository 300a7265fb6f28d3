//! Small helpers the checks share: opening a lab, naming its objects, waiting, writing content.

use std::time::Duration;

use super::{Harness, Lab};
use crate::array::DynArray;
use crate::error::Error;
use crate::mirror::{
    Discard, DiscardPolicy, MirrorOp, MirrorRelationship, OpReport, TransferStatus,
};
use crate::model::{LunName, VolumePath};
use crate::sim::{DataPath, Fabric, LabOptions};
use crate::wait::{wait_idle, Poll};

/// The fabric's bandwidth in every check: slow enough that a transfer of [`BIG`] bytes is still
/// running while a check looks at it (4 s of tokio time).
pub(super) const SLOW_BANDWIDTH: u64 = 256 * 1024;
/// A write that keeps a transfer busy for a while.
pub(super) const BIG: usize = 1024 * 1024;
/// The NFS relationship of the lab (datastore RP5).
pub(super) const NFS_MIRROR: &str = "RG2FV3_SM";
/// The SAN relationship of the lab (LUN RP1.lun, VMFS datastore RP1).
pub(super) const SAN_MIRROR: &str = "RG1FV1_SM";
/// The LUN inside [`SAN_MIRROR`].
pub(super) const SAN_LUN: &str = "RP1.lun";

/// A fresh lab of the seed, with the suite's bandwidth, in front of the backend under test.
pub(super) async fn open(h: &dyn Harness) -> Lab {
    open_with(h, false).await
}

/// [`open`], with the arrays in 7-Mode when `seven_mode`.
pub(super) async fn open_with(h: &dyn Harness, seven_mode: bool) -> Lab {
    let options = LabOptions {
        bandwidth_bytes_per_sec: SLOW_BANDWIDTH,
        seven_mode,
        ..LabOptions::default()
    };
    h.open(Fabric::lab_with(options)).await
}

/// `svm:volume`, from a literal.
pub(super) fn path(s: &str) -> VolumePath {
    VolumePath::parse(s).expect("a valid volume path")
}

/// The one relationship whose destination volume is called `volume`, as Site 2 reports it.
pub(super) async fn mirror(lab: &Lab, volume: &str) -> MirrorRelationship {
    let name = crate::model::VolumeName::new(volume).expect("a valid volume name");
    let found = lab
        .site2()
        .find_by_destination_volume(&name)
        .await
        .expect("find_by_destination_volume");
    assert_eq!(
        found.len(),
        1,
        "expected one relationship with destination volume {volume}, found {found:?}"
    );
    found.into_iter().next().expect("one relationship")
}

/// Waits (on tokio's clock) until no transfer runs on the relationship ending at `destination`.
pub(super) async fn settle(array: &DynArray, destination: &VolumePath) -> MirrorRelationship {
    let poll = Poll {
        interval: Duration::from_millis(100),
        max_interval: Duration::from_secs(1),
        deadline: Duration::from_secs(3600),
    };
    wait_idle(&**array, destination, poll)
        .await
        .expect("the transfer settles")
}

/// A plain file of the suite in an NFS volume.
pub(super) fn file(name: &str) -> DataPath {
    DataPath::File(format!("conformance/{name}"))
}

/// A file inside the VMFS datastore on [`SAN_LUN`].
pub(super) fn vmfs_file(name: &str) -> DataPath {
    DataPath::Vmfs {
        lun: LunName::new(SAN_LUN).expect("a valid LUN name"),
        path: format!("conformance/{name}"),
    }
}

/// `len` bytes that differ for different `tag`s.
pub(super) fn payload(len: usize, tag: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(tag))
        .collect()
}

/// Writes [`BIG`] bytes at the source and starts an update, which then runs for a while.
pub(super) async fn start_slow_update(lab: &Lab, rel: &MirrorRelationship, name: &str) -> Vec<u8> {
    let data = payload(BIG, 7);
    lab.fabric()
        .write_file(&rel.source, &file(name), &data)
        .expect("write at the source");
    lab.site2()
        .update(&rel.destination)
        .await
        .expect("update starts");
    let now = lab
        .site2()
        .relationship(&rel.destination)
        .await
        .expect("relationship");
    assert_eq!(
        now.transfer,
        TransferStatus::Transferring,
        "an update of {BIG} bytes at {SLOW_BANDWIDTH} B/s is still running right after it starts"
    );
    data
}

/// Whether reading `at` in `volume` gives exactly `data`.
pub(super) fn holds(lab: &Lab, volume: &VolumePath, at: &DataPath, data: &[u8]) -> bool {
    matches!(lab.fabric().read_file(volume, at), Ok(found) if found == data)
}

/// Panics unless `err` is a not-found error about `kind`.
pub(super) fn assert_not_found(err: &Error, kind: crate::ObjectKind) {
    assert!(
        matches!(err, Error::NotFound { kind: k, .. } if *k == kind),
        "expected {kind} not found, got: {err:?}"
    );
}

/// A new rw volume at Site 1, in `fas2020upper`, holding one small file.
pub(super) async fn scratch_volume(lab: &Lab, name: &str) -> VolumePath {
    let volume = path(&format!("fas2020upper:{name}"));
    lab.site1()
        .create_volume(&crate::model::NewVolume {
            path: volume.clone(),
            kind: crate::model::VolumeType::Rw,
            size_bytes: 1 << 30,
        })
        .await
        .expect("create a scratch volume");
    lab.fabric()
        .write_file(&volume, &file("scratch.txt"), &payload(100, 8))
        .expect("write into the scratch volume");
    volume
}

/// Asserts that a resync preview's discard says "nothing to lose" the way the backend can say
/// it: empty when it measures writes since the last snapshot; otherwise nothing named or counted
/// but `unmeasured`, because the rolled-back volume has been writable.
pub(super) fn assert_nothing_to_lose(h: &dyn Harness, discard: &Discard) {
    if h.measures_unsnapshotted_writes() {
        assert!(discard.is_empty(), "{discard:?}");
    } else {
        let unmeasured = Discard {
            unmeasured: true,
            ..Discard::default()
        };
        assert_eq!(
            *discard, unmeasured,
            "an unmeasurable loss and nothing else"
        );
    }
}

/// Resyncs (`op` is resync or reverse resync) a relationship whose rolled-back volume holds
/// nothing newer than the common snapshot. A backend that measures the loss does it with
/// `DiscardPolicy::Refuse`; one that cannot must refuse that with `unmeasured: true` and
/// change nothing, and then resyncs once the loss is accepted.
pub(super) async fn resync_losing_nothing(
    h: &dyn Harness,
    array: &DynArray,
    destination: &VolumePath,
    op: MirrorOp,
) -> OpReport {
    let run = |discard| async move {
        match op {
            MirrorOp::ReverseResync => array.reverse_resync(destination, discard).await,
            _ => array.resync(destination, discard).await,
        }
    };
    if !h.measures_unsnapshotted_writes() {
        let before = array.relationship(destination).await.expect("relationship");
        match run(DiscardPolicy::Refuse).await {
            Err(Error::WouldLoseData { op: o, discard, .. }) => {
                assert_eq!(o, op);
                assert_nothing_to_lose(h, &discard);
            }
            other => panic!("{op} of {destination}: expected an unmeasured refusal, got {other:?}"),
        }
        let after = array.relationship(destination).await.expect("relationship");
        assert_eq!(after.state, before.state, "a refused {op} changes nothing");
        return run(DiscardPolicy::Accept)
            .await
            .unwrap_or_else(|e| panic!("{op} of {destination}, accepting: {e:?}"));
    }
    run(DiscardPolicy::Refuse)
        .await
        .unwrap_or_else(|e| panic!("{op} of {destination}: {e:?}"))
}

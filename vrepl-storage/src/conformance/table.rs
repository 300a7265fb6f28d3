//! Every mirror operation in every reachable state does what [`crate::mirror::check`] says:
//! the same move, the same `already` report, or the same refusal as the same error variant.

use super::support::{open, path, payload, settle, start_slow_update, NFS_MIRROR};
use super::{Harness, Lab, SITE1};
use crate::error::{Error, Result};
use crate::mirror::{
    after_transfer, check, DeleteScope, DiscardPolicy, Effect, MirrorOp, MirrorState,
    NewRelationship, OnTransfer, OpReport, Refusal, TransferKind, TransferStatus,
};
use crate::model::{NewVolume, VolumePath, VolumeType};

/// The reachable combinations of mirror state and transfer status, and how a check gets there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    UninitializedIdle,
    UninitializedTransferring,
    SnapmirroredIdle,
    SnapmirroredTransferring,
    SnapmirroredQuiescing,
    Paused,
    BrokenOff,
}

impl Setup {
    const ALL: [Setup; 7] = [
        Self::UninitializedIdle,
        Self::UninitializedTransferring,
        Self::SnapmirroredIdle,
        Self::SnapmirroredTransferring,
        Self::SnapmirroredQuiescing,
        Self::Paused,
        Self::BrokenOff,
    ];

    fn expected(&self) -> (MirrorState, TransferStatus) {
        use MirrorState as S;
        use TransferStatus as T;
        match self {
            Self::UninitializedIdle => (S::Uninitialized, T::Idle),
            Self::UninitializedTransferring => (S::Uninitialized, T::Transferring),
            Self::SnapmirroredIdle => (S::Snapmirrored, T::Idle),
            Self::SnapmirroredTransferring => (S::Snapmirrored, T::Transferring),
            Self::SnapmirroredQuiescing => (S::Snapmirrored, T::Quiescing),
            Self::Paused => (S::Paused, T::Idle),
            Self::BrokenOff => (S::BrokenOff, T::Idle),
        }
    }
}

/// Brings a relationship of a fresh lab into `setup`; returns its source and destination.
async fn reach(lab: &Lab, setup: Setup) -> (VolumePath, VolumePath) {
    let site2 = lab.site2();
    let (src, dst) = match setup {
        Setup::UninitializedIdle | Setup::UninitializedTransferring => new_relationship(lab).await,
        _ => {
            let rel = super::support::mirror(lab, NFS_MIRROR).await;
            (rel.source, rel.destination)
        }
    };
    let rel = site2.relationship(&dst).await.expect("relationship");
    match setup {
        Setup::UninitializedIdle | Setup::SnapmirroredIdle => {}
        Setup::UninitializedTransferring => {
            site2.initialize(&dst).await.expect("initialize starts");
        }
        Setup::SnapmirroredTransferring => {
            start_slow_update(lab, &rel, "table.bin").await;
        }
        Setup::SnapmirroredQuiescing => {
            start_slow_update(lab, &rel, "table.bin").await;
            site2
                .quiesce(&dst)
                .await
                .expect("quiesce while transferring");
        }
        Setup::Paused => {
            site2.quiesce(&dst).await.expect("quiesce");
        }
        Setup::BrokenOff => {
            site2
                .break_off(&dst, OnTransfer::Fail)
                .await
                .expect("break");
        }
    }
    let now = site2.relationship(&dst).await.expect("relationship");
    assert_eq!(
        (now.state, now.transfer),
        setup.expected(),
        "setting up {setup:?} on {}",
        now.describe()
    );
    (src, dst)
}

/// A new relationship from a new Site 1 volume holding data to a new dp volume at Site 2, not
/// yet initialized.
async fn new_relationship(lab: &Lab) -> (VolumePath, VolumePath) {
    let src = path("fas2020upper:CONF_SRC");
    let dst = path("fas2050upper:CONF_SRC_SM");
    lab.site1()
        .create_volume(&NewVolume {
            path: src.clone(),
            kind: VolumeType::Rw,
            size_bytes: 1 << 30,
        })
        .await
        .expect("create the source volume");
    lab.fabric()
        .write_file(
            &src,
            &super::support::file("base.bin"),
            &payload(super::support::BIG, 1),
        )
        .expect("write the baseline's data");
    lab.site2()
        .create_volume(&NewVolume {
            path: dst.clone(),
            kind: VolumeType::Dp,
            size_bytes: 1 << 30,
        })
        .await
        .expect("create the dp destination");
    let rel = lab
        .site2()
        .create_relationship(&NewRelationship {
            source: src.clone(),
            destination: dst.clone(),
            policy: None,
        })
        .await
        .expect("create the relationship");
    assert_eq!(rel.state, MirrorState::Uninitialized);
    (src, dst)
}

async fn apply(lab: &Lab, op: MirrorOp, src: &VolumePath, dst: &VolumePath) -> Result<OpReport> {
    let site2 = lab.site2();
    match op {
        MirrorOp::Initialize => site2.initialize(dst).await,
        MirrorOp::Update => site2.update(dst).await,
        MirrorOp::Quiesce => site2.quiesce(dst).await,
        MirrorOp::Resume => site2.resume(dst).await,
        MirrorOp::Break => site2.break_off(dst, OnTransfer::Fail).await,
        MirrorOp::Resync => site2.resync(dst, DiscardPolicy::Accept).await,
        MirrorOp::ReverseResync => site2.reverse_resync(dst, DiscardPolicy::Accept).await,
        MirrorOp::Release => lab.site1().release(src, dst, true).await,
        MirrorOp::Delete => site2.delete(dst, DeleteScope::Full).await,
    }
}

/// Runs `op` in every reachable state of a fresh lab and compares the outcome with the table.
pub(super) async fn op_follows_the_table(h: &dyn Harness, op: MirrorOp) {
    for setup in Setup::ALL {
        let lab = open(h).await;
        let (src, dst) = reach(&lab, setup).await;
        let (state, transfer) = setup.expected();
        let outcome = apply(&lab, op, &src, &dst).await;
        let context = format!("{op} in {state}/{transfer}");
        match check(op, state, transfer) {
            Err(Refusal::TransferInProgress) => match outcome {
                Err(Error::TransferInProgress { op: refused, .. }) => {
                    assert_eq!(refused, op, "{context}")
                }
                other => panic!("{context}: expected TransferInProgress, got {other:?}"),
            },
            Err(refusal) => match outcome {
                Err(Error::IllegalState {
                    op: o,
                    state: s,
                    transfer: t,
                    refusal: r,
                    ..
                }) => assert_eq!((o, s, t, r), (op, state, transfer, refusal), "{context}"),
                other => panic!("{context}: expected IllegalState ({refusal:?}), got {other:?}"),
            },
            Ok(effect) => {
                let report = outcome.unwrap_or_else(|e| panic!("{context}: refused: {e:?}"));
                assert_eq!(report.op, op, "{context}");
                verify_effect(&lab, effect, &report, &src, &dst, &context).await;
            }
        }
    }
}

async fn verify_effect(
    lab: &Lab,
    effect: Effect,
    report: &OpReport,
    src: &VolumePath,
    dst: &VolumePath,
    context: &str,
) {
    let site2 = lab.site2();
    match effect {
        Effect::Already { .. } => {
            assert!(
                report.was_already(),
                "{context}: expected an already report"
            );
        }
        Effect::Moves {
            to,
            transfer,
            starts,
            destination_becomes,
            reverses,
        } => {
            assert!(!report.was_already(), "{context}: moved, yet said already");
            let rel = report
                .relationship
                .as_ref()
                .unwrap_or_else(|| panic!("{context}: the report carries the relationship"));
            let (new_src, new_dst, holder) = if reverses {
                (dst, src, lab.array(SITE1))
            } else {
                (src, dst, site2)
            };
            assert_eq!(
                (&rel.source, &rel.destination),
                (new_src, new_dst),
                "{context}"
            );
            assert_eq!(rel.state, to, "{context}: state right after");
            // A transfer with nothing to send may be over before the call returns.
            assert!(
                rel.transfer == transfer || (transfer.is_busy() && !rel.transfer.is_busy()),
                "{context}: transfer right after is {}",
                rel.transfer
            );
            if let Some(kind) = destination_becomes {
                let volume = holder.volume(new_dst).await.expect("destination volume");
                assert_eq!(volume.kind, kind, "{context}: destination type");
            }
            let settled = settle(holder, new_dst).await;
            let kind = starts.unwrap_or(TransferKind::Update);
            assert_eq!(
                settled.state,
                after_transfer(to, transfer, kind, true).state,
                "{context}: state once the transfer ends"
            );
        }
        Effect::Released => {
            let rel = site2
                .relationship(dst)
                .await
                .unwrap_or_else(|e| panic!("{context}: the destination keeps its record: {e:?}"));
            assert_eq!(rel.source, *src, "{context}");
            let listed = lab.fabric().relationships_from(SITE1);
            assert!(
                listed.iter().all(|r| r.destination != *dst),
                "{context}: the source still lists {dst}"
            );
        }
        Effect::Removed => {
            let err = site2
                .relationship(dst)
                .await
                .expect_err("a deleted relationship is gone");
            super::support::assert_not_found(&err, crate::ObjectKind::Relationship);
        }
    }
}

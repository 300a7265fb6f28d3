//! Release and delete among the other operations, on two relationships, checked against the
//! transition table alone.

use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use vrepl_storage::mirror::{
    after_transfer, check, DeleteScope, DiscardPolicy, Effect, MirrorOp, OnTransfer, TransferKind,
    TransferStatus,
};
use vrepl_storage::sim::{DataPath, Fabric, LabOptions};
use vrepl_storage::{DynArray, Error};

use super::common::{bytes, data_path, expect_table, BANDWIDTH};

/// An operation on one of several relationships, including the ones that end it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LifeOp {
    Initialize,
    Update,
    Quiesce,
    Resume,
    Break,
    Resync,
    Release { keep_snapshots: bool },
    Delete(DeleteScope),
}

#[derive(Clone, Debug)]
pub(crate) enum LifeStep {
    Write { rel: usize, len: u16 },
    Wait { millis: u32 },
    Op { rel: usize, op: LifeOp },
}

const LIFE_RELATIONSHIPS: [&str; 2] = ["RG2FV3_SM", "RG1FV2_SM"];

pub(crate) fn life_step() -> impl Strategy<Value = LifeStep> {
    let rel = 0..LIFE_RELATIONSHIPS.len();
    let op = prop_oneof![
        Just(LifeOp::Initialize),
        Just(LifeOp::Update),
        Just(LifeOp::Quiesce),
        Just(LifeOp::Resume),
        Just(LifeOp::Break),
        Just(LifeOp::Resync),
        any::<bool>().prop_map(|keep_snapshots| LifeOp::Release { keep_snapshots }),
        prop_oneof![Just(DeleteScope::Full), Just(DeleteScope::DestinationOnly)]
            .prop_map(LifeOp::Delete),
    ];
    prop_oneof![
        2 => (rel.clone(), 1..8_000u16).prop_map(|(rel, len)| LifeStep::Write { rel, len }),
        1 => (0..1_500u32).prop_map(|millis| LifeStep::Wait { millis }),
        5 => (rel, op).prop_map(|(rel, op)| LifeStep::Op { rel, op }),
    ]
}

/// Runs `steps` on two of the lab's relationships; every operation's outcome must match the
/// transition table for the state it met, and a deleted relationship stays gone.
pub(crate) async fn lifecycle(steps: &[LifeStep]) {
    let options = LabOptions {
        bandwidth_bytes_per_sec: BANDWIDTH,
        ..LabOptions::default()
    };
    let fabric = Fabric::lab_with(options);
    let site1: DynArray = Arc::new(fabric.array("fas2020").expect("Site 1"));
    let site2: DynArray = Arc::new(fabric.array("fas2050").expect("Site 2"));
    let mut rels = Vec::new();
    for name in LIFE_RELATIONSHIPS {
        let rel = fabric
            .relationships_from("fas2020")
            .into_iter()
            .find(|r| r.destination.volume == name)
            .expect("mirrored in the lab");
        let luns = site1.list_luns(Some(&rel.source)).await.expect("LUNs");
        // Where a write lands: the NFS volume's files, or the VMFS on the volume's LUN.
        let at = match luns.first() {
            Some(lun) => DataPath::Vmfs {
                lun: lun.path.name.clone(),
                path: "prop/vm.vmdk".into(),
            },
            None => data_path(0),
        };
        rels.push((rel, at));
    }
    let mut deleted = [false; LIFE_RELATIONSHIPS.len()];
    let mut released = [false; LIFE_RELATIONSHIPS.len()];
    let mut orphaned = [false; LIFE_RELATIONSHIPS.len()];
    for (n, step) in steps.iter().enumerate() {
        match *step {
            LifeStep::Write { rel, len } => {
                let (r, at) = &rels[rel];
                fabric
                    .write_file(&r.source, at, &bytes(len, n as u8))
                    .expect("the source takes writes");
            }
            LifeStep::Wait { millis } => {
                tokio::time::sleep(Duration::from_millis(millis.into())).await;
            }
            LifeStep::Op { rel, op } => {
                let (r, _) = &rels[rel];
                let dst = &r.destination;
                let before = site2.relationship(dst).await;
                if deleted[rel] {
                    let err = before.expect_err("a deleted relationship stays gone");
                    assert!(err.is_not_found(), "{err:?}");
                    continue;
                }
                let before = before.expect("the relationship exists");
                let (state, transfer) = (before.state, before.transfer);
                let (table_op, outcome) = match op {
                    LifeOp::Initialize => (MirrorOp::Initialize, site2.initialize(dst).await),
                    LifeOp::Update => (MirrorOp::Update, site2.update(dst).await),
                    LifeOp::Quiesce => (MirrorOp::Quiesce, site2.quiesce(dst).await),
                    LifeOp::Resume => (MirrorOp::Resume, site2.resume(dst).await),
                    LifeOp::Break => (
                        MirrorOp::Break,
                        site2.break_off(dst, OnTransfer::Fail).await,
                    ),
                    LifeOp::Resync => (
                        MirrorOp::Resync,
                        site2.resync(dst, DiscardPolicy::Accept).await,
                    ),
                    LifeOp::Release { keep_snapshots } => (
                        MirrorOp::Release,
                        site1.release(&r.source, dst, keep_snapshots).await,
                    ),
                    LifeOp::Delete(scope) => (MirrorOp::Delete, site2.delete(dst, scope).await),
                };
                let ctx = format!("step {n}: {op:?} on {} in {state}/{transfer}", r.describe());
                let expected = check(table_op, state, transfer);
                if released[rel]
                    && matches!(op, LifeOp::Release { .. })
                    && outcome.as_ref().is_err_and(Error::is_not_found)
                {
                    // The source forgot it already; a second release finds nothing to forget.
                    continue;
                }
                if orphaned[rel] && matches!(outcome, Err(Error::NoCommonSnapshot { .. })) {
                    // A release that dropped the snapshots left nothing to update or resync
                    // from: a data precondition the state table does not cover.
                    assert!(matches!(op, LifeOp::Update | LifeOp::Resync), "{ctx}");
                    continue;
                }
                match expect_table(table_op, state, transfer, expected, &outcome, &ctx) {
                    Some(Effect::Moves { to, .. }) => {
                        let report = outcome.unwrap_or_else(|e| panic!("{ctx}: {e}"));
                        let now = report.relationship.expect("the report carries it");
                        assert!(
                            now.state == to
                                || now.state
                                    == after_transfer(
                                        to,
                                        TransferStatus::Transferring,
                                        TransferKind::Update,
                                        true
                                    )
                                    .state,
                            "{ctx}: moved to {}",
                            now.state
                        );
                    }
                    Some(Effect::Removed) => {
                        deleted[rel] = true;
                        let err = site2.relationship(dst).await.expect_err("deleted");
                        assert!(err.is_not_found(), "{ctx}: {err:?}");
                    }
                    Some(Effect::Released) => {
                        released[rel] = true;
                        if let LifeOp::Release {
                            keep_snapshots: false,
                        } = op
                        {
                            orphaned[rel] = true;
                        }
                        let after = site2.relationship(dst).await;
                        let after =
                            after.unwrap_or_else(|e| panic!("{ctx}: destination record: {e}"));
                        assert_eq!(after.state, state, "{ctx}: release leaves the destination");
                        assert!(
                            fabric
                                .relationships_from("fas2020")
                                .iter()
                                .all(|x| x.destination != *dst),
                            "{ctx}: the source still lists it"
                        );
                    }
                    Some(Effect::Already { .. }) | None => {}
                }
            }
        }
    }
}

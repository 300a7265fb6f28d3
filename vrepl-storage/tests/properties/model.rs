//! The failover/failback model: one relationship, the content each side must hold, and the
//! steps that drive both the simulator and the model.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use proptest::prelude::*;
use vrepl_storage::mirror::{
    after_transfer, check, DiscardPolicy, Effect, MirrorOp, MirrorRelationship, MirrorState,
    OnTransfer, OpReport, Refusal, TransferKind, TransferResult, TransferStatus,
};
use vrepl_storage::model::{VolumePath, VolumeType};
use vrepl_storage::sim::{Fabric, LabOptions};
use vrepl_storage::wait::{wait_idle, Poll};
use vrepl_storage::{DynArray, Error, Result};

use super::common::{bytes, data_path, expect_table, BANDWIDTH, FILES};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Vol {
    /// `RG2FV3`, at Site 1.
    A,
    /// `RG2FV3_SM`, at Site 2.
    B,
}

impl Vol {
    fn other(self) -> Vol {
        match self {
            Vol::A => Vol::B,
            Vol::B => Vol::A,
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    Initialize,
    Update,
    Quiesce,
    Resume,
    Break(OnTransfer),
    Resync(DiscardPolicy),
    ReverseResync(DiscardPolicy),
    Abort,
}

#[derive(Clone, Debug)]
pub(crate) enum Step {
    Write {
        vol: Vol,
        file: u8,
        len: u16,
        tag: u8,
    },
    Wait {
        millis: u32,
    },
    Mirror(Op),
}

fn on_transfer() -> impl Strategy<Value = OnTransfer> {
    prop_oneof![
        Just(OnTransfer::Fail),
        Just(OnTransfer::Wait),
        Just(OnTransfer::Abort)
    ]
}

fn discard() -> impl Strategy<Value = DiscardPolicy> {
    prop_oneof![Just(DiscardPolicy::Refuse), Just(DiscardPolicy::Accept)]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => Just(Op::Initialize),
        4 => Just(Op::Update),
        2 => Just(Op::Quiesce),
        2 => Just(Op::Resume),
        3 => on_transfer().prop_map(Op::Break),
        3 => discard().prop_map(Op::Resync),
        3 => discard().prop_map(Op::ReverseResync),
        1 => Just(Op::Abort),
    ]
}

pub(crate) fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        4 => (prop_oneof![Just(Vol::A), Just(Vol::B)], 0..FILES, 1..8_000u16, any::<u8>())
            .prop_map(|(vol, file, len, tag)| Step::Write { vol, file, len, tag }),
        2 => (0..1_500u32).prop_map(|millis| Step::Wait { millis }),
        6 => op().prop_map(Step::Mirror),
    ]
}

pub(crate) type Content = BTreeMap<String, Vec<u8>>;

/// A transfer the model expects to be running: what it carries.
#[derive(Clone, Debug)]
struct InFlight {
    kind: TransferKind,
    image: Content,
    /// Whether the source was written after the transfer's snapshot was taken.
    source_written_since: bool,
}

/// The lab under test and the model of what it must hold.
pub(crate) struct Run {
    fabric: Fabric,
    site1: DynArray,
    site2: DynArray,
    a: VolumePath,
    b: VolumePath,
    /// `A -> B` (true) or, after a reverse resync, `B -> A`.
    pub(crate) forward: bool,
    /// What each volume's files must be (index 0: A, 1: B).
    pub(crate) content: [Content; 2],
    /// Written since the newest snapshot both sides share.
    dirty: [bool; 2],
    /// The content of that snapshot.
    common: Content,
    in_flight: Option<InFlight>,
    /// The relationship as last observed.
    pub(crate) seen: MirrorRelationship,
}

fn idx(v: Vol) -> usize {
    match v {
        Vol::A => 0,
        Vol::B => 1,
    }
}

impl Run {
    pub(crate) fn new() -> Run {
        let options = LabOptions {
            bandwidth_bytes_per_sec: BANDWIDTH,
            ..LabOptions::default()
        };
        let fabric = Fabric::lab_with(options);
        let array = |c: &str| -> DynArray { Arc::new(fabric.array(c).expect("cluster")) };
        let (site1, site2) = (array("fas2020"), array("fas2050"));
        let rel = fabric
            .relationships_from("fas2020")
            .into_iter()
            .find(|r| r.source.volume == "RG2FV3")
            .expect("RG2FV3 is mirrored");
        Run {
            b: rel.destination.clone(),
            a: rel.source.clone(),
            seen: rel,
            fabric,
            site1,
            site2,
            forward: true,
            content: [Content::new(), Content::new()],
            dirty: [false, false],
            common: Content::new(),
            in_flight: None,
        }
    }

    fn path(&self, v: Vol) -> &VolumePath {
        match v {
            Vol::A => &self.a,
            Vol::B => &self.b,
        }
    }

    fn array(&self, v: Vol) -> &DynArray {
        match v {
            Vol::A => &self.site1,
            Vol::B => &self.site2,
        }
    }

    fn source(&self) -> Vol {
        if self.forward {
            Vol::A
        } else {
            Vol::B
        }
    }

    fn destination(&self) -> Vol {
        self.source().other()
    }

    /// The array holding the relationship (the destination's cluster).
    fn holder(&self) -> &DynArray {
        self.array(self.destination())
    }

    async fn relationship(&self) -> MirrorRelationship {
        self.holder()
            .relationship(self.path(self.destination()))
            .await
            .expect("the relationship exists")
    }

    fn writable(&self, v: Vol) -> bool {
        v == self.source() || self.seen.state == MirrorState::BrokenOff
    }

    pub(crate) async fn step(&mut self, step: &Step) {
        match *step {
            Step::Write {
                vol,
                file,
                len,
                tag,
            } => self.write(vol, file, bytes(len, tag)),
            Step::Wait { millis } => {
                tokio::time::sleep(Duration::from_millis(millis.into())).await;
                self.observe(false).await;
            }
            Step::Mirror(op) => self.mirror(op).await,
        }
        self.check_content().await;
    }

    fn write(&mut self, vol: Vol, file: u8, data: Vec<u8>) {
        let result = self
            .fabric
            .write_file(self.path(vol), &data_path(file), &data);
        if self.writable(vol) {
            result.unwrap_or_else(|e| panic!("a write at writable {vol:?} failed: {e}"));
            self.content[idx(vol)].insert(format!("prop/f{file}"), data);
            self.dirty[idx(vol)] = true;
            let is_source = vol == self.source();
            if let Some(t) = self.in_flight.as_mut().filter(|_| is_source) {
                t.source_written_since = true;
            }
        } else {
            assert!(
                result.is_err(),
                "the dp destination {vol:?} ({} {}) accepted a write",
                self.seen.state,
                self.seen.transfer
            );
        }
    }

    /// Reads the relationship; if the transfer the model expects has ended, applies its result
    /// and, when no operation intervened, checks where the state went.
    async fn observe(&mut self, after_op: bool) {
        let before = self.seen.clone();
        let now = self.relationship().await;
        if let Some(t) = self.in_flight.clone() {
            if !now.transfer.is_busy() {
                let result = now
                    .last_transfer
                    .as_ref()
                    .map(|l| l.result.clone())
                    .expect("an ended transfer is recorded");
                let ok = result == TransferResult::Success;
                if !after_op {
                    assert_eq!(
                        now.state,
                        after_transfer(before.state, before.transfer, t.kind, ok).state,
                        "state after a {} transfer ended ({result:?}) from {}/{}",
                        t.kind,
                        before.state,
                        before.transfer
                    );
                }
                if ok {
                    let (src, dst) = (self.source(), self.destination());
                    self.content[idx(dst)] = t.image.clone();
                    self.common = t.image;
                    self.dirty[idx(dst)] = false;
                    self.dirty[idx(src)] = t.source_written_since;
                }
                self.in_flight = None;
            }
        } else {
            assert!(
                !now.transfer.is_busy(),
                "a transfer runs that nothing started: {now:?}"
            );
        }
        let dst = self.destination();
        let kind = self
            .array(dst)
            .volume(self.path(dst))
            .await
            .expect("volume")
            .kind;
        let expected = if now.state == MirrorState::BrokenOff {
            VolumeType::Rw
        } else {
            VolumeType::Dp
        };
        assert_eq!(kind, expected, "destination type while {}", now.state);
        self.seen = now;
    }

    fn start_transfer(&mut self, kind: TransferKind) {
        self.in_flight = Some(InFlight {
            kind,
            image: self.content[idx(self.source())].clone(),
            source_written_since: false,
        });
    }

    async fn apply(&self, op: Op) -> Result<OpReport> {
        let (array, dst) = (self.holder(), self.path(self.destination()));
        match op {
            Op::Initialize => array.initialize(dst).await,
            Op::Update => array.update(dst).await,
            Op::Quiesce => array.quiesce(dst).await,
            Op::Resume => array.resume(dst).await,
            Op::Break(on) => array.break_off(dst, on).await,
            Op::Resync(d) => array.resync(dst, d).await,
            Op::ReverseResync(d) => array.reverse_resync(dst, d).await,
            Op::Abort => array.abort_transfer(dst).await,
        }
    }

    async fn mirror(&mut self, op: Op) {
        self.observe(false).await;
        let (state, transfer) = (self.seen.state, self.seen.transfer);
        let outcome = self.apply(op).await;
        let ctx = format!("{op:?} in {state}/{transfer}");
        let table_op = match op {
            Op::Initialize => MirrorOp::Initialize,
            Op::Update => MirrorOp::Update,
            Op::Quiesce => MirrorOp::Quiesce,
            Op::Resume => MirrorOp::Resume,
            Op::Break(_) => MirrorOp::Break,
            Op::Resync(_) => MirrorOp::Resync,
            Op::ReverseResync(_) => MirrorOp::ReverseResync,
            Op::Abort => {
                let report = outcome.unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert_eq!(report.was_already(), !transfer.is_busy(), "{ctx}");
                return self.observe(true).await;
            }
        };
        let mut expected = check(table_op, state, transfer);
        if let (Op::Break(OnTransfer::Wait | OnTransfer::Abort), Err(Refusal::TransferInProgress)) =
            (op, expected)
        {
            // Waiting for or aborting the transfer first is what these options are for.
            expected = Ok(Effect::Moves {
                to: MirrorState::BrokenOff,
                transfer: TransferStatus::Idle,
                starts: None,
                destination_becomes: Some(VolumeType::Rw),
                reverses: false,
            });
        }
        match expect_table(table_op, state, transfer, expected, &outcome, &ctx) {
            Some(Effect::Moves { to, reverses, .. }) => {
                self.moved(op, to, reverses, outcome, &ctx);
            }
            Some(Effect::Already { .. }) | None => {}
            Some(other) => panic!("{ctx}: unexpected effect {other:?}"),
        }
        self.observe(true).await;
    }

    /// Applies an accepted move to the model, checking the data-loss rules of resyncs.
    fn moved(
        &mut self,
        op: Op,
        to: MirrorState,
        reverses: bool,
        outcome: Result<OpReport>,
        ctx: &str,
    ) {
        let rolled_back = if reverses {
            self.source()
        } else {
            self.destination()
        };
        let policy = match op {
            Op::Resync(d) | Op::ReverseResync(d) => Some(d),
            _ => None,
        };
        if let Some(policy) = policy {
            let loses = self.dirty[idx(rolled_back)];
            match (&outcome, policy) {
                (Err(Error::WouldLoseData { discard, .. }), DiscardPolicy::Refuse) => {
                    assert!(!discard.is_empty(), "{ctx}: refused, naming nothing");
                    return;
                }
                (Ok(_), DiscardPolicy::Refuse) => assert!(
                    !loses,
                    "{ctx}: discarded writes at {rolled_back:?} without being allowed to"
                ),
                (Ok(report), DiscardPolicy::Accept) => assert!(
                    !loses || report.discarded.as_ref().is_some_and(|d| !d.is_empty()),
                    "{ctx}: discarded writes at {rolled_back:?} without saying so: {report:?}"
                ),
                (other, _) => panic!("{ctx}: {other:?}"),
            }
            self.content[idx(rolled_back)] = self.common.clone();
            self.dirty[idx(rolled_back)] = false;
            if reverses {
                self.forward = !self.forward;
            }
            self.start_transfer(TransferKind::Resync);
        }
        let report = outcome.unwrap_or_else(|e| panic!("{ctx}: {e}"));
        let rel = report
            .relationship
            .expect("the report carries the relationship");
        assert!(
            rel.state == to
                || (rel.transfer == TransferStatus::Idle
                    && self.in_flight.is_some()
                    && rel.state
                        == after_transfer(
                            to,
                            TransferStatus::Transferring,
                            TransferKind::Update,
                            true
                        )
                        .state),
            "{ctx}: state right after is {}",
            rel.state
        );
        if matches!(op, Op::Update) {
            self.start_transfer(TransferKind::Update);
        }
    }

    /// Every file the model expects is there with its content, and no other file of ours.
    async fn check_content(&self) {
        for v in [Vol::A, Vol::B] {
            let mut found = Content::new();
            for f in 0..FILES {
                if let Ok(data) = self.fabric.read_file(self.path(v), &data_path(f)) {
                    found.insert(format!("prop/f{f}"), data);
                }
            }
            assert_eq!(
                found.keys().collect::<Vec<_>>(),
                self.content[idx(v)].keys().collect::<Vec<_>>(),
                "files at {v:?}"
            );
            assert!(
                found == self.content[idx(v)],
                "content at {v:?} differs from the model"
            );
        }
    }

    /// Lets every transfer finish.
    pub(crate) async fn settle(&mut self) {
        let poll = Poll {
            interval: Duration::from_millis(100),
            max_interval: Duration::from_secs(2),
            deadline: Duration::from_secs(3600),
        };
        wait_idle(&**self.holder(), self.path(self.destination()), poll)
            .await
            .expect("settles");
        self.observe(false).await;
        self.check_content().await;
    }
}

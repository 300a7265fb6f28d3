//! Model-based property tests: random sequences of SnapMirror operations, writes and passing
//! time on the lab's NFS relationship (`RG2FV3 -> RG2FV3_SM`), checking after every
//! step that
//!
//! - a dp destination never accepts a write (and a writable volume always does);
//! - after a transfer completes, the destination equals the snapshot it carried;
//! - nothing written at either site is lost, except by a resync or reverse resync that announced
//!   the loss (a model tracks the content each volume must hold);
//! - every operation's outcome is what `mirror::check` says for the state it was applied in.
//!
//! A second sequence property adds release and delete on two relationships (NFS and SAN) and
//! checks the table alone; a third walks a randomised failback from Site 2 to Site 1.
//!
//! Each case runs on a current-thread tokio runtime with a paused clock, so simulated transfers
//! take no wall time.

mod common;
mod lifecycle;
mod model;

use proptest::prelude::*;
use vrepl_storage::mirror::{DiscardPolicy, MirrorState, OnTransfer};

use common::{bytes, FILES};
use lifecycle::{life_step, lifecycle};
use model::{step, Content, Op, Run, Step, Vol};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("runtime")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    /// Random operations, writes and waits keep every invariant after every step.
    #[test]
    fn random_sequences_keep_every_invariant(steps in prop::collection::vec(step(), 1..24)) {
        runtime().block_on(async {
            let mut run = Run::new();
            for step in &steps {
                run.step(step).await;
            }
            run.settle().await;
        });
    }

    /// Operations, including release and delete, on two relationships follow the transition
    /// table in whatever state they meet.
    #[test]
    fn lifecycle_operations_follow_the_table(steps in prop::collection::vec(life_step(), 1..24)) {
        runtime().block_on(lifecycle(&steps));
    }

    /// Failback: whatever Site 2 writes after a break reaches Site 1 through reverse resync,
    /// update, break and reverse resync back, and replication runs in the original direction
    /// again.
    #[test]
    fn failback_carries_every_site2_write_to_site1(
        before in prop::collection::vec((0..FILES, 1..8_000u16, any::<u8>()), 0..5),
        during in prop::collection::vec((0..FILES, 1..8_000u16, any::<u8>()), 0..5),
        wait in 0..3_000u32,
    ) {
        runtime().block_on(async {
            let mut run = Run::new();
            run.step(&Step::Mirror(Op::Break(OnTransfer::Fail))).await;
            for &(file, len, tag) in &before {
                run.step(&Step::Write { vol: Vol::B, file, len, tag }).await;
            }
            run.step(&Step::Mirror(Op::ReverseResync(DiscardPolicy::Refuse))).await;
            assert!(!run.forward, "reversed");
            run.step(&Step::Wait { millis: wait }).await;
            for &(file, len, tag) in &during {
                run.step(&Step::Write { vol: Vol::B, file, len, tag }).await;
            }
            run.settle().await;
            run.step(&Step::Mirror(Op::Update)).await;
            run.settle().await;
            run.step(&Step::Mirror(Op::Break(OnTransfer::Fail))).await;
            run.step(&Step::Mirror(Op::ReverseResync(DiscardPolicy::Refuse))).await;
            run.settle().await;
            assert!(run.forward, "back in the original direction");
            assert_eq!(run.seen.state, MirrorState::Snapmirrored);
            let mut expected = Content::new();
            for &(file, len, tag) in before.iter().chain(&during) {
                expected.insert(format!("prop/f{file}"), bytes(len, tag));
            }
            assert!(run.content[0] == expected, "Site 1 holds every Site 2 write");
        });
    }
}

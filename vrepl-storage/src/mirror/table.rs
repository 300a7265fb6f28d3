//! The one table of which SnapMirror operation is legal in which state, and where it leads.
//!
//! Pure data and pure functions: the simulator applies it, and every driver consults it before
//! it sends a request, so a refusal reads the same whatever the backend.

use serde::Serialize;

use super::state::{MirrorOp, MirrorState, TransferKind, TransferStatus};
use crate::model::VolumeType;

/// Which transfer statuses a row applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum When {
    /// Only while idle.
    Idle,
    /// Only while a transfer runs (quiescing included).
    Busy,
    /// Only while quiescing.
    Quiescing,
    /// Whatever the transfer status.
    Any,
}

impl When {
    fn admits(&self, t: TransferStatus) -> bool {
        match self {
            Self::Idle => t == TransferStatus::Idle,
            Self::Busy => t.is_busy(),
            Self::Quiescing => t == TransferStatus::Quiescing,
            Self::Any => true,
        }
    }
}

/// Why an operation is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// A transfer is running; wait for it, abort it, or quiesce and wait.
    TransferInProgress,
    /// The baseline has not completed.
    NotInitialized,
    /// Replication is stopped; resync first.
    BrokenOff,
    /// The relationship is quiesced; resume first.
    Quiesced,
    /// The operation needs a broken-off relationship; break first.
    NotBrokenOff,
}

impl Refusal {
    /// What to do next, in a sentence.
    pub fn hint(&self, op: MirrorOp) -> &'static str {
        match (self, op) {
            (Self::TransferInProgress, MirrorOp::Break) => {
                "wait for the transfer to finish, abort it, or quiesce and wait"
            }
            (Self::TransferInProgress, _) => "wait for the running transfer to finish, or abort it",
            (Self::NotInitialized, MirrorOp::Break) => {
                "there is no complete copy to break to: initialize it, or delete the relationship"
            }
            (Self::NotInitialized, _) => "initialize it first",
            (Self::BrokenOff, MirrorOp::Initialize) => {
                "resync it instead: a new baseline would overwrite the destination"
            }
            (Self::BrokenOff, _) => "resync it first",
            (Self::Quiesced, _) => "resume it first",
            (Self::NotBrokenOff, _) => {
                "break it first: reversing a live relationship would make its source read-only"
            }
        }
    }
}

/// What an accepted operation does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Effect {
    /// Nothing to do: the relationship is already where the operation leads.
    Already {
        /// Said to the user, after the relationship's name: "is already broken-off".
        note: &'static str,
    },
    /// The relationship moves.
    Moves {
        /// The mirror state right after the operation is accepted.
        to: MirrorState,
        /// The transfer status right after.
        transfer: TransferStatus,
        /// A transfer the operation starts.
        starts: Option<TransferKind>,
        /// What the destination volume becomes (after a reverse: the new destination, i.e. the
        /// old source).
        destination_becomes: Option<VolumeType>,
        /// Source and destination swap.
        reverses: bool,
    },
    /// The source forgets the relationship; the destination's record is untouched.
    Released,
    /// The relationship is gone.
    Removed,
}

/// What happens to a relationship's state when a transfer ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AfterTransfer {
    /// The mirror state afterwards.
    pub state: MirrorState,
    /// The transfer status afterwards (always idle).
    pub transfer: TransferStatus,
}

/// One row of the table.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Row {
    /// The operation.
    pub op: MirrorOp,
    /// The mirror state it applies in.
    pub from: MirrorState,
    /// The transfer statuses it applies in.
    pub when: When,
    /// Accepted (with its effect) or refused (with why).
    pub outcome: Result<Effect, Refusal>,
}

const fn moves(
    to: MirrorState,
    transfer: TransferStatus,
    starts: Option<TransferKind>,
) -> Result<Effect, Refusal> {
    Ok(Effect::Moves {
        to,
        transfer,
        starts,
        destination_becomes: None,
        reverses: false,
    })
}

const fn already(note: &'static str) -> Result<Effect, Refusal> {
    Ok(Effect::Already { note })
}

const fn row(op: MirrorOp, from: MirrorState, when: When, outcome: Result<Effect, Refusal>) -> Row {
    Row {
        op,
        from,
        when,
        outcome,
    }
}

use MirrorOp as Op;
use MirrorState::{BrokenOff, Paused, Snapmirrored, Uninitialized};
use Refusal as R;
use TransferStatus::{Idle, Quiescing, Transferring};

/// The table. Rows are tried in order; the first whose state and transfer status match wins.
/// A combination that no row covers cannot occur (paused and broken-off relationships never
/// have a transfer running); `check` treats it as a transfer in progress.
pub const TABLE: &[Row] = &[
    // initialize
    row(
        Op::Initialize,
        Uninitialized,
        When::Idle,
        moves(Uninitialized, Transferring, Some(TransferKind::Initialize)),
    ),
    row(
        Op::Initialize,
        Uninitialized,
        When::Busy,
        already("is already transferring its baseline"),
    ),
    row(
        Op::Initialize,
        Snapmirrored,
        When::Any,
        already("is already initialized"),
    ),
    row(
        Op::Initialize,
        Paused,
        When::Any,
        already("is already initialized"),
    ),
    row(Op::Initialize, BrokenOff, When::Any, Err(R::BrokenOff)),
    // update
    row(
        Op::Update,
        Snapmirrored,
        When::Idle,
        moves(Snapmirrored, Transferring, Some(TransferKind::Update)),
    ),
    row(Op::Update, Snapmirrored, When::Quiescing, Err(R::Quiesced)),
    row(
        Op::Update,
        Snapmirrored,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(
        Op::Update,
        Uninitialized,
        When::Idle,
        Err(R::NotInitialized),
    ),
    row(
        Op::Update,
        Uninitialized,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(Op::Update, Paused, When::Any, Err(R::Quiesced)),
    row(Op::Update, BrokenOff, When::Any, Err(R::BrokenOff)),
    // quiesce
    row(
        Op::Quiesce,
        Snapmirrored,
        When::Idle,
        moves(Paused, Idle, None),
    ),
    row(
        Op::Quiesce,
        Snapmirrored,
        When::Quiescing,
        already("is already quiescing"),
    ),
    row(
        Op::Quiesce,
        Snapmirrored,
        When::Busy,
        moves(Snapmirrored, Quiescing, None),
    ),
    row(
        Op::Quiesce,
        Paused,
        When::Any,
        already("is already quiesced"),
    ),
    row(
        Op::Quiesce,
        Uninitialized,
        When::Any,
        Err(R::NotInitialized),
    ),
    row(Op::Quiesce, BrokenOff, When::Any, Err(R::BrokenOff)),
    // resume
    row(
        Op::Resume,
        Paused,
        When::Any,
        moves(Snapmirrored, Idle, None),
    ),
    row(
        Op::Resume,
        Snapmirrored,
        When::Quiescing,
        moves(Snapmirrored, Transferring, None),
    ),
    row(
        Op::Resume,
        Snapmirrored,
        When::Any,
        already("is not quiesced"),
    ),
    row(Op::Resume, Uninitialized, When::Any, Err(R::NotInitialized)),
    row(Op::Resume, BrokenOff, When::Any, Err(R::BrokenOff)),
    // break
    row(
        Op::Break,
        Snapmirrored,
        When::Idle,
        Ok(Effect::Moves {
            to: BrokenOff,
            transfer: Idle,
            starts: None,
            destination_becomes: Some(VolumeType::Rw),
            reverses: false,
        }),
    ),
    row(
        Op::Break,
        Paused,
        When::Idle,
        Ok(Effect::Moves {
            to: BrokenOff,
            transfer: Idle,
            starts: None,
            destination_becomes: Some(VolumeType::Rw),
            reverses: false,
        }),
    ),
    row(
        Op::Break,
        Snapmirrored,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(Op::Break, Uninitialized, When::Any, Err(R::NotInitialized)),
    row(
        Op::Break,
        BrokenOff,
        When::Any,
        already("is already broken-off"),
    ),
    // resync
    row(
        Op::Resync,
        BrokenOff,
        When::Idle,
        Ok(Effect::Moves {
            to: Snapmirrored,
            transfer: Transferring,
            starts: Some(TransferKind::Resync),
            destination_becomes: Some(VolumeType::Dp),
            reverses: false,
        }),
    ),
    row(
        Op::Resync,
        Snapmirrored,
        When::Any,
        already("is already snapmirrored"),
    ),
    row(Op::Resync, Paused, When::Any, Err(R::Quiesced)),
    row(Op::Resync, Uninitialized, When::Any, Err(R::NotInitialized)),
    // reverse-resync
    row(
        Op::ReverseResync,
        BrokenOff,
        When::Idle,
        Ok(Effect::Moves {
            to: Snapmirrored,
            transfer: Transferring,
            starts: Some(TransferKind::Resync),
            destination_becomes: Some(VolumeType::Dp),
            reverses: true,
        }),
    ),
    row(
        Op::ReverseResync,
        Snapmirrored,
        When::Any,
        Err(R::NotBrokenOff),
    ),
    row(Op::ReverseResync, Paused, When::Any, Err(R::NotBrokenOff)),
    row(
        Op::ReverseResync,
        Uninitialized,
        When::Any,
        Err(R::NotInitialized),
    ),
    // release (source side)
    row(
        Op::Release,
        Snapmirrored,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(
        Op::Release,
        Uninitialized,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(Op::Release, Snapmirrored, When::Idle, Ok(Effect::Released)),
    row(Op::Release, Paused, When::Any, Ok(Effect::Released)),
    row(Op::Release, BrokenOff, When::Any, Ok(Effect::Released)),
    row(Op::Release, Uninitialized, When::Idle, Ok(Effect::Released)),
    // delete (destination side)
    row(
        Op::Delete,
        Snapmirrored,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(
        Op::Delete,
        Uninitialized,
        When::Busy,
        Err(R::TransferInProgress),
    ),
    row(Op::Delete, Snapmirrored, When::Idle, Ok(Effect::Removed)),
    row(Op::Delete, Paused, When::Any, Ok(Effect::Removed)),
    row(Op::Delete, BrokenOff, When::Any, Ok(Effect::Removed)),
    row(Op::Delete, Uninitialized, When::Idle, Ok(Effect::Removed)),
];

/// Looks `op` up for a relationship in `state` with transfer status `transfer`.
pub fn check(
    op: MirrorOp,
    state: MirrorState,
    transfer: TransferStatus,
) -> Result<Effect, Refusal> {
    TABLE
        .iter()
        .find(|r| r.op == op && r.from == state && r.when.admits(transfer))
        .map(|r| r.outcome)
        .unwrap_or(Err(Refusal::TransferInProgress))
}

/// Where a relationship lands when its running transfer ends (successfully or not): a baseline
/// that succeeded makes it snapmirrored, a quiesce that waited makes it paused.
pub fn after_transfer(
    state: MirrorState,
    transfer: TransferStatus,
    kind: TransferKind,
    succeeded: bool,
) -> AfterTransfer {
    let state = match (state, transfer, kind, succeeded) {
        (_, Quiescing, TransferKind::Initialize, true) => Paused,
        (Snapmirrored, Quiescing, _, _) => Paused,
        (Uninitialized, _, TransferKind::Initialize, true) => Snapmirrored,
        (s, _, _, _) => s,
    };
    AfterTransfer {
        state,
        transfer: Idle,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The combinations of state and transfer status that can exist.
    fn reachable() -> Vec<(MirrorState, TransferStatus)> {
        vec![
            (Uninitialized, Idle),
            (Uninitialized, Transferring),
            (Snapmirrored, Idle),
            (Snapmirrored, Transferring),
            (Snapmirrored, Quiescing),
            (Paused, Idle),
            (BrokenOff, Idle),
        ]
    }

    #[test]
    fn every_reachable_combination_has_exactly_one_first_row() {
        for op in MirrorOp::ALL {
            for (s, t) in reachable() {
                let n = TABLE
                    .iter()
                    .filter(|r| r.op == op && r.from == s && r.when.admits(t))
                    .count();
                assert!(n >= 1, "no row for {op} in {s}/{t}");
            }
        }
    }

    #[test]
    fn break_makes_destination_writable_and_is_idempotent() {
        match check(Op::Break, Snapmirrored, Idle).unwrap() {
            Effect::Moves {
                to,
                destination_becomes,
                ..
            } => {
                assert_eq!(to, BrokenOff);
                assert_eq!(destination_becomes, Some(VolumeType::Rw));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check(Op::Break, Paused, Idle),
            Ok(Effect::Moves { to: BrokenOff, .. })
        ));
        assert_eq!(
            check(Op::Break, BrokenOff, Idle),
            Ok(Effect::Already {
                note: "is already broken-off"
            })
        );
        assert_eq!(
            check(Op::Break, Snapmirrored, Transferring),
            Err(R::TransferInProgress)
        );
        assert_eq!(
            check(Op::Break, Uninitialized, Idle),
            Err(R::NotInitialized)
        );
    }

    #[test]
    fn resync_makes_destination_dp_again() {
        assert!(matches!(
            check(Op::Resync, BrokenOff, Idle),
            Ok(Effect::Moves {
                to: Snapmirrored,
                destination_becomes: Some(VolumeType::Dp),
                starts: Some(TransferKind::Resync),
                reverses: false,
                ..
            })
        ));
        assert!(matches!(
            check(Op::ReverseResync, BrokenOff, Idle),
            Ok(Effect::Moves { reverses: true, .. })
        ));
        assert_eq!(
            check(Op::ReverseResync, Snapmirrored, Idle),
            Err(R::NotBrokenOff)
        );
    }

    #[test]
    fn quiesce_waits_for_a_running_transfer() {
        assert_eq!(
            check(Op::Quiesce, Snapmirrored, Transferring),
            moves(Snapmirrored, Quiescing, None)
        );
        assert_eq!(
            after_transfer(Snapmirrored, Quiescing, TransferKind::Update, true).state,
            Paused
        );
        assert_eq!(
            check(Op::Quiesce, Paused, Idle),
            already("is already quiesced")
        );
        assert_eq!(check(Op::Update, Paused, Idle), Err(R::Quiesced));
    }

    #[test]
    fn baseline_completion_makes_snapmirrored() {
        assert_eq!(
            after_transfer(Uninitialized, Transferring, TransferKind::Initialize, true).state,
            Snapmirrored
        );
        assert_eq!(
            after_transfer(Uninitialized, Transferring, TransferKind::Initialize, false).state,
            Uninitialized
        );
        assert_eq!(
            after_transfer(Snapmirrored, Transferring, TransferKind::Update, false).state,
            Snapmirrored
        );
    }

    #[test]
    fn every_refusal_has_a_hint() {
        for r in TABLE {
            if let Err(refusal) = r.outcome {
                assert!(!refusal.hint(r.op).is_empty());
            }
        }
    }
}

//! What the properties share: the lab's link speed, the files they write, and the check of an
//! outcome against the transition table.

use vrepl_storage::mirror::{Effect, MirrorOp, MirrorState, OpReport, Refusal, TransferStatus};
use vrepl_storage::sim::DataPath;
use vrepl_storage::{Error, Result};

/// Bytes per second of the simulated link: a 4 KiB write takes half a second to send.
pub(crate) const BANDWIDTH: u64 = 8_000;
pub(crate) const FILES: u8 = 3;

pub(crate) fn data_path(file: u8) -> DataPath {
    DataPath::File(format!("prop/f{file}"))
}

pub(crate) fn bytes(len: u16, tag: u8) -> Vec<u8> {
    (0..len).map(|i| (i as u8) ^ tag).collect()
}

/// Panics unless `outcome` is what the table's `expected` answer says (a refusal as its error
/// variant, `already` as an already report); returns the effect when the operation was accepted.
pub(crate) fn expect_table(
    op: MirrorOp,
    state: MirrorState,
    transfer: TransferStatus,
    expected: std::result::Result<Effect, Refusal>,
    outcome: &Result<OpReport>,
    ctx: &str,
) -> Option<Effect> {
    match expected {
        Err(Refusal::TransferInProgress) => {
            assert!(
                matches!(outcome, Err(Error::TransferInProgress { op: o, .. }) if *o == op),
                "{ctx}: expected TransferInProgress, got {outcome:?}"
            );
            None
        }
        Err(refusal) => {
            assert!(
                matches!(outcome, Err(Error::IllegalState { op: o, state: s, transfer: t, refusal: r, .. })
                    if *o == op && *s == state && *t == transfer && *r == refusal),
                "{ctx}: expected IllegalState {refusal:?}, got {outcome:?}"
            );
            None
        }
        Ok(effect) => {
            if let Effect::Already { .. } = effect {
                let report = outcome.as_ref().unwrap_or_else(|e| panic!("{ctx}: {e}"));
                assert!(report.was_already(), "{ctx}: {report:?}");
            }
            Some(effect)
        }
    }
}

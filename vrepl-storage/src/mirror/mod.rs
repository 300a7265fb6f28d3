//! SnapMirror relationships and the one table of legal transitions.

mod relationship;
mod state;
pub mod table;

pub use relationship::{
    DeleteScope, Discard, DiscardPolicy, LastTransfer, MirrorRelationship, NewRelationship,
    OnTransfer, OpReport, ResyncPreview, TransferProgress, TransferResult,
};
pub use state::{MirrorOp, MirrorState, TransferKind, TransferStatus};
pub use table::{after_transfer, check, Effect, Refusal};

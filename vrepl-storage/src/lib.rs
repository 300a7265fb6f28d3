//! The vendor-neutral core of vrepl: the storage model, the SnapMirror state machine, the async
//! traits every array backend implements, a simulated array, and the conformance suite.
//!
//! - [`model`]: validated names (`svm:volume`, `/vol/VOL/LUN`, WWPNs) and the objects an array
//!   holds.
//! - [`mirror`]: relationships and [`mirror::table`], the one table of which operation is legal
//!   in which state.
//! - [`array`]: [`StorageArray`] and [`MirrorControl`], object safe, held as [`DynArray`].
//! - [`Error`]: one error type to match on.
#![deny(missing_docs)]

pub mod array;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod mirror;
pub mod model;
#[cfg(feature = "sim")]
pub mod sim;
pub mod wait;

pub use array::{Array, DynArray, MirrorControl, StorageArray};
pub use error::{Error, ObjectKind, Result};

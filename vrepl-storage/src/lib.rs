//! The vendor-neutral core of vrepl: the storage model, the SnapMirror state machine, the async
//! traits every array backend implements, a simulated array, and the conformance suite.
//!
//! # Layout
//!
//! | module | what it holds |
//! |---|---|
//! | [`model`] | validated names (`svm:volume`, `/vol/VOL/LUN`, WWPNs, IQNs) and the objects an array holds: volumes, snapshots, LUNs, igroups, LUN maps, export rules |
//! | [`mirror`] | relationships, states, reports, and [`mirror::table`]: the one table of which operation is legal in which state and where it leads |
//! | [`array`](mod@array) | [`StorageArray`] and [`MirrorControl`], object safe, held as [`DynArray`] |
//! | [`error`] | [`Error`], one error type to match on: not found, illegal in this state, would lose data, … |
//! | [`wait`] | polling a relationship until it settles, on tokio's clock |
//! | `sim` (feature `sim`, on by default) | simulated clusters on one simulated fabric, with content, transfers that take time, faults, and the seed's two-site lab |
//! | `conformance` (feature `conformance`) | the behaviour suite every backend must pass, and a macro that turns it into tests |
//!
//! # Example: fail Site 2 back to Site 1
//!
//! The seed's lab in three lines, then the failback of chapter 11: break `RG1FV1_SM`, let a VM
//! at Site 2 write into datastore RP1, reverse the relationship so Site 1 receives the write,
//! and restore the original direction.
//!
//! ```
//! use vrepl_storage::mirror::{DiscardPolicy, OnTransfer};
//! use vrepl_storage::model::{LunName, VolumePath};
//! use vrepl_storage::sim::{DataPath, Fabric};
//! use vrepl_storage::wait::{wait_idle, Poll};
//! use vrepl_storage::MirrorControl;
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> vrepl_storage::Result<()> {
//! let lab = Fabric::lab();
//! let site1 = lab.array("fas2020")?;
//! let site2 = lab.array("fas2050")?;
//!
//! let rg1fv1 = VolumePath::parse("fas2020upper:RG1FV1")?;
//! let rg1fv1_sm = VolumePath::parse("fas2050upper:RG1FV1_SM")?;
//! site2.break_off(&rg1fv1_sm, OnTransfer::Fail).await?;
//!
//! let note = DataPath::Vmfs {
//!     lun: LunName::new("RP1.lun")?,
//!     path: "HR-App1/written-at-site2.txt".into(),
//! };
//! lab.write_file(&rg1fv1_sm, &note, b"orders taken during the outage")?;
//!
//! // Site 1 becomes the destination; nothing was written there since the break, so nothing
//! // is discarded and the default policy (refuse to lose data) lets it through.
//! site2.reverse_resync(&rg1fv1_sm, DiscardPolicy::Refuse).await?;
//! wait_idle(&site1, &rg1fv1, Poll::default()).await?;
//! site1.update(&rg1fv1).await?; // the final update, once the VMs at Site 2 are shut down
//! wait_idle(&site1, &rg1fv1, Poll::default()).await?;
//! site1.break_off(&rg1fv1, OnTransfer::Fail).await?;
//! site1.reverse_resync(&rg1fv1, DiscardPolicy::Refuse).await?; // Site 1 -> Site 2 again
//! wait_idle(&site2, &rg1fv1_sm, Poll::default()).await?;
//!
//! assert_eq!(lab.read_file(&rg1fv1, &note)?, b"orders taken during the outage");
//! # Ok(())
//! # }
//! ```
//!
//! `cargo run -p vrepl-storage --example lab_walkthrough` walks the same path and prints a
//! `snapmirror show` table at each step.
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

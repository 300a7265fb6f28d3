//! The NetApp ONTAP driver of vrepl.
//!
//! - [`rest`]: ONTAP's REST API (`/api`) over reqwest, implementing
//!   [`vrepl_storage::StorageArray`] and [`vrepl_storage::MirrorControl`].
//! - [`codes`]: ONTAP's error codes and messages, shared by the driver (to map them to
//!   [`vrepl_storage::Error`]) and the simulator (to answer with them).
//! - `sim` (feature `sim`): an ONTAP REST server in front of [`vrepl_storage::sim`].

pub mod codes;
pub mod rest;
#[cfg(feature = "sim")]
pub mod sim;

//! The ESX layer of vrepl: make a replicated or cloned LUN (or an NFS export) a datastore on
//! an ESX host, and look inside it.
//!
//! - [`host`]: the [`EsxHost`] trait and its typed results.
//! - [`esxcli`]: [`EsxcliHost`], the implementation over SSH (`ssh2`), version-aware: ESX
//!   3.x/4.x through the LVM options and `esxcfg-*`, ESXi 5+ through `esxcli storage vmfs
//!   snapshot`.
//! - `sim` (feature `sim`): an ESXi host emulator behind an SSH server, seeing LUNs through the
//!   simulated fabric of `vrepl_storage::sim`.
//! - `conformance` (feature `conformance`): the behaviour suite every [`EsxHost`] must pass.
//!
//! vrepl-esx does not know NetApp: the emulator meets the arrays only through the fabric.
//!
//! ```
//! use vrepl_esx::esxcli::{quote, CommandLine};
//! use vrepl_esx::host::DatastoreName;
//!
//! // A datastore label is always one quoted word on the host's command line.
//! let label = DatastoreName::new("RP1; reboot")?;
//! let line = CommandLine::new(&["esxcli", "storage", "vmfs", "snapshot", "mount"])
//!     .flag("-l")
//!     .arg(&label);
//! assert_eq!(line.as_str(), "esxcli storage vmfs snapshot mount -l 'RP1; reboot'");
//! assert_eq!(quote("RP1"), "RP1");
//! # Ok::<(), vrepl_esx::EsxError>(())
//! ```
#![warn(missing_docs)]

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod esxcli;
pub mod host;

pub use error::{EsxError, Result};
pub use esxcli::EsxcliHost;
pub use host::EsxHost;
#[cfg(feature = "sim")]
pub mod sim;

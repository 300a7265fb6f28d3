//! An ESX host emulator (feature `sim`): an [`EmulatedHost`] sees LUNs through its HBAs' WWPNs
//! on the simulated fabric of `vrepl_storage::sim` (only as of its last rescan), tells
//! original VMFS volumes from copies, mounts NFS exports, and answers the command lines of
//! [`crate::EsxcliHost`] as real esxcli and the `esxcfg-*` tools print them.
//! [`SshServer`] puts a host behind an SSH server on 127.0.0.1.
//!
//! ```
//! use vrepl_esx::sim::EmulatedHost;
//! use vrepl_storage::sim::Fabric;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let fabric = Fabric::lab();
//! let host = EmulatedHost::from_lab_as(&fabric, "site2-esx1", Some("6.7.0")).unwrap();
//! assert_eq!(host.execute("vmware -v").await.stdout, "VMware ESXi 6.7.0 build-8169922\n");
//! // Nothing is seen before a rescan.
//! assert_eq!(host.execute("esxcli storage core device list").await.stdout, "");
//! host.execute("esxcli storage core adapter rescan --all").await;
//! assert!(host.execute("esxcli storage core device list").await.stdout.contains("NETAPP"));
//! # }
//! ```

mod esxcli;
mod files;
mod host;
mod legacy;
pub mod messages;
pub mod render;
mod server;
pub mod shell;
mod state;

pub use host::{EmulatedHost, Reply};
pub use server::{HostKey, SshServer};
pub use state::{HostConfig, HostState, NfsMountState, SeenLun, VmfsMount};

#[cfg(test)]
mod tests;

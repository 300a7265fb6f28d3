//! An ESX host emulator (feature `sim`): an [`EmulatedHost`] sees LUNs through its HBAs' WWPNs
//! on the simulated fabric of `vrepl_storage::sim` (only as of its last rescan), tells
//! original VMFS volumes from copies, mounts NFS exports, and answers the command lines of
//! [`crate::EsxcliHost`] as real esxcli and the `esxcfg-*` tools print them.
//! [`SshServer`] puts a host behind an SSH server on 127.0.0.1; the `esxi-shell` binary runs
//! one command against a host saved in a file (for OpenSSH forced commands).
//!
//! Dialects: ESXi 5+ answers `esxcli` (text and `--formatter=csv`; xml and keyvalue are not
//! emulated) and the `esxcfg-*` tools; ESX 4.x `esxcfg-scsidevs`, `esxcfg-volume`,
//! `esxcfg-nas`, `esxcfg-advcfg`, `esxcfg-rescan`; ESX 3.x `esxcfg-mpath`,
//! `esxcfg-vmhbadevs`, `esxcfg-nas`, `esxcfg-advcfg`, `esxcfg-rescan`, and decides what a
//! rescan mounts by `/LVM/EnableResignature` and `/LVM/DisallowSnapshotLun`. Every command line
//! is kept ([`EmulatedHost::commands`]) so tests can check what a client sent; an unquoted `;`
//! really runs a second command. Where no real sample of a message exists, [`messages`] says so.
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

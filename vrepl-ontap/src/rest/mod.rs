//! The ONTAP REST driver: [`OntapRestClient`] implements [`vrepl_storage::StorageArray`] and
//! [`vrepl_storage::MirrorControl`] against ONTAP's `/api`.
//!
//! - [`config`]: [`RestConfig`] (URL, user, [`Secret`] password, [`TlsMode`], timeouts).
//! - [`request`]: every call as data (method, path, query, body), built without I/O.
//! - [`wire`]: ONTAP's JSON shapes and their conversion to the model.
//! - [`errors`]: the one table from ONTAP error codes to [`vrepl_storage::Error`].
//! - `transport`, `jobs`, `tls`: sending, async jobs, certificate trust.
//!
//! Against the ONTAP REST simulator (feature `sim`) of the seed's lab, over verified HTTPS:
//!
//! ```
//! use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
//! use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
//! use vrepl_storage::mirror::{MirrorState, OnTransfer};
//! use vrepl_storage::model::VolumePath;
//! use vrepl_storage::MirrorControl;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> vrepl_storage::Result<()> {
//! let fabric = vrepl_storage::sim::Fabric::lab();
//! let tls = SimServerOptions { tls: true, ..SimServerOptions::default() };
//! let fas2050 = RestSimulator::start(fabric, "fas2050", tls).await?;
//!
//! let (user, password) = fas2050.credentials();
//! let pem = fas2050.certificate_pem().expect("a TLS simulator has a certificate");
//! let config = RestConfig::new(fas2050.url(), user, password.as_str())
//!     .with_tls(TlsMode::Verify { ca_bundle_pem: Some(pem.into_bytes()) });
//! let site2 = OntapRestClient::connect(config).await?;
//!
//! let report = site2
//!     .break_off(&VolumePath::parse("fas2050upper:RG1FV1_SM")?, OnTransfer::Fail)
//!     .await?;
//! assert_eq!(report.relationship.unwrap().state, MirrorState::BrokenOff);
//! assert_eq!(site2.calls(), 4); // connect, then lookup + PATCH + confirming read
//! # Ok(()) }
//! ```

//! # What REST cannot tell, and how the driver copes
//!
//! - **What a resync rolls back.** The snapshots newer than the common one are listed, in
//!   ONTAP's (creation) order, with their `size` on 9.9+; one request for the common
//!   snapshot's `delta` field (9.12+: bytes from it to the active file system) gives the whole
//!   loss, and what the newer snapshots do not hold is `unsnapshotted_bytes`. Before 9.12, or
//!   on a cluster that refuses the field, the loss of a volume that has been writable (a
//!   broken-off destination, a reverse resync's old source) is reported as unmeasured, so
//!   `DiscardPolicy::Refuse` refuses and the caller must accept the loss explicitly.
//! - **The source's snapshots** are on the other cluster: give the client that cluster with
//!   [`OntapRestClient::add_peer`]. Without it the common snapshot is the relationship's
//!   exported snapshot (or the destination's newest SnapMirror snapshot), and a reverse-resync
//!   preview is [`vrepl_storage::Error::Unsupported`].
//! - **Quiescing.** REST shows a relationship quiesced mid-transfer as `snapmirrored` and
//!   transferring until the transfer ends; the client remembers the quiesces it asked for and
//!   reports them as quiescing.
//! - **Transfer totals and kinds.** 9.8 reports `bytes_transferred` only; a transfer's total is
//!   unknown and its kind is inferred (a baseline while uninitialized, else an update).
//! - **Reverse resync before 9.9.1** has no single PATCH: the driver drops this side's record
//!   (keeping the snapshots), creates the reverse relationship on the peer and resyncs it.

mod client;
pub mod config;
pub mod errors;
mod jobs;
mod mirror;
pub mod request;
mod storage;
mod tls;
mod transport;
pub mod wire;

pub use client::OntapRestClient;
pub use config::{RestConfig, Secret, TlsMode};
pub use tls::pem_to_der;

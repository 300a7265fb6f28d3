//! The ONTAP REST driver: [`OntapRestClient`] implements [`vrepl_storage::StorageArray`] and
//! [`vrepl_storage::MirrorControl`] against ONTAP's `/api`.
//!
//! - [`config`]: [`RestConfig`] (URL, user, [`Secret`] password, [`TlsMode`], timeouts).
//! - [`request`]: every call as data (method, path, query, body), built without I/O.
//! - [`wire`]: ONTAP's JSON shapes and their conversion to the model.
//! - [`errors`]: the one table from ONTAP error codes to [`vrepl_storage::Error`].
//! - `transport`, `jobs`, `tls`: sending, async jobs, certificate trust.
//!
//! ```no_run
//! use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
//! use vrepl_storage::mirror::OnTransfer;
//! use vrepl_storage::model::VolumePath;
//! use vrepl_storage::MirrorControl;
//!
//! # async fn demo() -> vrepl_storage::Result<()> {
//! let pem = std::fs::read("fas2050.pem").expect("the cluster's certificate");
//! let config = RestConfig::new("https://fas2050".parse().unwrap(), "admin", "secret")
//!     .with_tls(TlsMode::Verify { ca_bundle_pem: Some(pem) });
//! let site2 = OntapRestClient::connect(config).await?;
//! let report = site2
//!     .break_off(&VolumePath::parse("fas2050upper:RG1FV1_SM")?, OnTransfer::Fail)
//!     .await?;
//! println!("{:?}", report.relationship.map(|r| r.state));
//! # Ok(()) }
//! ```

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

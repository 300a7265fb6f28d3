//! An ONTAP REST server (`/api`) in front of one cluster of a [`Fabric`].
//!
//! [`Fabric`]: vrepl_storage::sim::Fabric
//! [`Fabric::set_reachable`]: vrepl_storage::sim::Fabric::set_reachable
//! [`Fabric::snapshot_delta`]: vrepl_storage::sim::Fabric::snapshot_delta
//!
//! It answers the way ONTAP 9 does, so that clients none of us wrote (curl, Ansible's
//! `netapp.ontap`, a generated OpenAPI client) and the driver in [`crate::rest`] can be tested
//! against it over real HTTP(S):
//!
//! - HTTP Basic auth (401 without or with wrong credentials);
//! - the collection envelope (`records`, `num_records`, `_links.self`, `_links.next` with a
//!   `start.uuid` cursor when `max_records` cuts the page), `fields=` selection (`*`, `**`,
//!   lists, dotted; 400 / 262197 for unknown fields), identity fields only by default, property
//!   filters (`*`, `!`, `|`, `<`, `>`, `null`, ISO-8601 durations), `return_records`,
//!   `return_timeout`, `order_by`;
//! - 202 + job for volume, snapshot and relationship writes, jobs that go
//!   queued → running → success | failure and vanish 300 s after they end (tokio's clock);
//!   200 / 201 for LUN, igroup, LUN map and export writes; 201 + `Location` for transfers;
//! - ONTAP's error bodies and codes ([`crate::codes`]); a route it does not know answers 500
//!   naming the method and path (never 404, which would read as "not found");
//! - every request recorded ([`RestSimulator::requests`]) and faults injectable
//!   ([`RestSimulator::inject`]); optional HTTPS with a generated self-signed certificate;
//!   `Accept: application/json` turns HAL links off (all but `_links.next`);
//! - a cluster the fabric has taken down ([`Fabric::set_reachable`]) does not answer at all;
//! - fields by release: it answers as the fabric's release of the cluster (9.16.1 in the lab)
//!   or as [`SimServerOptions::version`]; a field a release after 9.8 added (its "since" in
//!   ONTAP's 9.16 API catalog: a snapshot's `size` 9.9, its `delta` 9.12, a relationship's
//!   `transfer.end_time` 9.9, a job's `error` 9.9) is served only from that release on, and is
//!   an unknown field (262197) before it. A snapshot's `delta.size_consumed` is
//!   [`Fabric::snapshot_delta`]: what rolling the volume back to that snapshot discards.
//!
//! Routes ([`served_routes`]): cluster, jobs, SVMs, SVM peers, SnapMirror policies (read-only),
//! volumes (create, FlexClone, mount, export policy, state, split, delete), snapshots,
//! relationships (create incl. `create_destination`, state PATCH incl. reverse, DELETE variants)
//! and their transfers, LUNs, igroups and initiators, LUN maps, export policies and rules.
//! What the storage traits cannot do (deleting a LUN or an igroup, renaming, …) is not routed.
//!
//! ```
//! use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
//! use vrepl_storage::sim::Fabric;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let sim = RestSimulator::start(Fabric::lab(), "fas2050", SimServerOptions::default())
//!     .await
//!     .unwrap();
//! let (user, password) = sim.credentials();
//! let url = sim
//!     .url()
//!     .join("/api/snapmirror/relationships?destination.path=fas2050upper:RG1FV1_SM&fields=state,lag_time")
//!     .unwrap();
//! let body: serde_json::Value = reqwest::Client::new()
//!     .get(url)
//!     .basic_auth(user, Some(password))
//!     .send()
//!     .await
//!     .unwrap()
//!     .json()
//!     .await
//!     .unwrap();
//! assert_eq!(body["num_records"], 1);
//! assert_eq!(body["records"][0]["state"], "snapmirrored");
//! assert_eq!(sim.requests()[0].line(), "GET /api/snapmirror/relationships");
//! sim.shutdown().await;
//! # }
//! ```

mod body;
mod collection;
mod errors;
mod faults;
mod fields;
mod filter;
mod jobs;
mod render;
mod routes;
mod server;
mod state;
mod time_fmt;
mod tls;

pub use faults::HttpFault;
pub use server::{RecordedRequest, RestSimulator, SimServerOptions};

/// Every `(method, path)` the simulator serves, paths relative to `/api` and spelled as in
/// ONTAP's OpenAPI spec (`/storage/volumes/{volume.uuid}/snapshots`). Anything else answers
/// 500 naming the method and path.
pub fn served_routes() -> &'static [(&'static str, &'static str)] {
    routes::ROUTES
}

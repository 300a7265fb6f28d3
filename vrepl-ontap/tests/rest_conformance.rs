//! The storage conformance suite, run against the REST driver talking over real HTTP to one
//! ONTAP REST simulator per cluster of the lab, twice:
//!
//! - [`ontap_9_16`]: simulators answering as the lab's ONTAP 9.16.1, which serve the snapshot
//!   `delta` (9.12+), so the driver measures exactly what a resync would roll back, writes since
//!   the last snapshot included;
//! - [`ontap_9_8`]: simulators answering as ONTAP 9.8, which has no `delta` (and reverses a
//!   relationship by creating the reverse one, not by one PATCH). There the loss of a resync of
//!   a volume that has been writable cannot be measured: the harness says so
//!   ([`Harness::measures_unsnapshotted_writes`]) and the resync checks expect the safe API to
//!   refuse with `unmeasured: true`.
//!
//! [`Harness::measures_unsnapshotted_writes`]: vrepl_storage::conformance::Harness::measures_unsnapshotted_writes

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::conformance::{Harness, Lab, SITE1, SITE2};
use vrepl_storage::sim::Fabric;
use vrepl_storage::DynArray;

/// Starts a simulator per cluster (answering as `version`, or the fabric's release) and points a
/// client at each; each client knows the other as its peer (for resync previews that read the
/// source's snapshots).
struct RestHarness {
    version: Option<(u8, u8, u8)>,
}

#[async_trait]
impl Harness for RestHarness {
    async fn open(&self, fabric: Fabric) -> Lab {
        let mut sims = Vec::new();
        let mut clients = Vec::new();
        for cluster in [SITE1, SITE2] {
            let opts = SimServerOptions {
                version: self.version,
                ..SimServerOptions::default()
            };
            let sim = RestSimulator::start(fabric.clone(), cluster, opts)
                .await
                .expect("simulator");
            let (user, password) = sim.credentials();
            let mut config = RestConfig::new(sim.url(), user, password.as_str())
                .with_tls(TlsMode::PlainHttpForTesting);
            // The suite runs on a paused clock, which jumps ahead whenever the runtime waits;
            // real-time limits would fire spuriously.
            config.connect_timeout = Duration::from_secs(86_400);
            config.request_timeout = Duration::from_secs(86_400);
            config.job_timeout = Duration::from_secs(86_400);
            clients.push(OntapRestClient::connect(config).await.expect("connect"));
            sims.push(sim);
        }
        clients[0].add_peer(&clients[1]);
        clients[1].add_peer(&clients[0]);
        let arrays: Vec<DynArray> = clients
            .into_iter()
            .map(|c| Arc::new(c) as DynArray)
            .collect();
        Lab::new(fabric, arrays).keep_alive(sims)
    }

    /// ONTAP reports the bytes between a snapshot and the active file system (the snapshot
    /// `delta`) from 9.12 on.
    fn measures_unsnapshotted_writes(&self) -> bool {
        self.version.map_or(true, |v| v >= (9, 12, 0))
    }
}

/// Every check against simulators answering as the lab's ONTAP 9.16.1.
mod ontap_9_16 {
    use super::RestHarness;

    vrepl_storage::conformance_tests! {
        #[tokio::test(start_paused = true)]
        harness = RestHarness { version: None };
    }
}

/// Every check against simulators answering as ONTAP 9.8. Before 9.9.1 the driver reverses a
/// relationship the way Trident does: POST the reverse relationship onto the old source (a rw
/// volume sharing a snapshot with the old destination), drop the destination's record, then
/// PATCH the reverse one to `snapmirrored`; the fabric models that relationship as `broken_off`.
mod ontap_9_8 {
    use super::RestHarness;

    vrepl_storage::conformance_tests! {
        #[tokio::test(start_paused = true)]
        harness = RestHarness { version: Some((9, 8, 0)) };
    }
}

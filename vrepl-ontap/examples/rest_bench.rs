//! Measures the REST path end to end on loopback: the simulator's answer time, and what the
//! driver's operations cost in requests and time.
//!
//! ```sh
//! cargo run --release -p vrepl-ontap --example rest_bench            # 500 rounds
//! cargo run --release -p vrepl-ontap --example rest_bench -- 2000    # more rounds
//! ```
//!
//! Prints, for each measurement, the median and 95th percentile over the rounds, and the REST
//! requests each operation sends (read from the simulator's request log).

use std::time::{Duration, Instant};

use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::mirror::{DiscardPolicy, OnTransfer};
use vrepl_storage::model::VolumePath;
use vrepl_storage::sim::Fabric;
use vrepl_storage::{MirrorControl, StorageArray};

async fn serve(fabric: &Fabric, cluster: &str) -> (RestSimulator, OntapRestClient) {
    let sim = RestSimulator::start(fabric.clone(), cluster, SimServerOptions::default())
        .await
        .expect("the simulator starts on 127.0.0.1");
    let (user, password) = sim.credentials();
    let config = RestConfig::new(sim.url(), user, password).with_tls(TlsMode::PlainHttpForTesting);
    let client = OntapRestClient::connect(config)
        .await
        .expect("the driver connects");
    (sim, client)
}

struct Samples(Vec<Duration>);

impl Samples {
    fn report(mut self, what: &str) {
        self.0.sort();
        let at = |q: f64| self.0[((self.0.len() - 1) as f64 * q) as usize];
        println!(
            "{what:<58} median {:>9.3} ms   p95 {:>9.3} ms   ({} rounds)",
            at(0.5).as_secs_f64() * 1e3,
            at(0.95).as_secs_f64() * 1e3,
            self.0.len()
        );
    }
}

async fn time<F, Fut>(rounds: usize, mut f: F) -> Samples
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut samples = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        f().await;
        samples.push(start.elapsed());
    }
    Samples(samples)
}

#[tokio::main]
async fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .map(|n| n.parse().expect("the number of rounds"))
        .unwrap_or(500);

    let build = time(rounds, || async {
        std::hint::black_box(Fabric::lab());
    })
    .await;
    build.report("build the two-site lab (in memory)");

    let fabric = Fabric::lab();
    fabric.set_bandwidth(u64::MAX / 4);
    let (site1_sim, site1) = serve(&fabric, "fas2020").await;
    let (site2_sim, site2) = serve(&fabric, "fas2050").await;
    site2.add_peer(&site1);
    let dest: VolumePath = "fas2050upper:RG1FV1_SM".parse().unwrap();

    time(rounds, || async {
        site2.relationship(&dest).await.unwrap();
    })
    .await
    .report("find a relationship by destination (1 GET)");
    time(rounds, || async {
        site2.list_volumes(None).await.unwrap();
    })
    .await
    .report("list every volume of a cluster");

    let before = site2_sim.requests().len();
    let mut breaks = Vec::new();
    let mut resyncs = Vec::new();
    let (mut break_calls, mut resync_calls) = (0, 0);
    for _ in 0..rounds.min(200) {
        let start = Instant::now();
        let n = site2_sim.requests().len();
        site2.break_off(&dest, OnTransfer::Fail).await.unwrap();
        breaks.push(start.elapsed());
        break_calls = site2_sim.requests().len() - n;

        let start = Instant::now();
        let n = site2_sim.requests().len() + site1_sim.requests().len();
        site2.resync(&dest, DiscardPolicy::Refuse).await.unwrap();
        vrepl_storage::wait::wait_idle(&site2, &dest, Default::default())
            .await
            .unwrap();
        resyncs.push(start.elapsed());
        resync_calls = site2_sim.requests().len() + site1_sim.requests().len() - n;
    }
    Samples(breaks).report(&format!(
        "break an idle relationship ({break_calls} requests)"
    ));
    Samples(resyncs).report(&format!(
        "resync it and wait until idle ({resync_calls} requests, both sites)"
    ));
    println!(
        "requests served by fas2050 in all: {}",
        site2_sim.requests().len() - before
    );
}

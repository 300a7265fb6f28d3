//! The storage conformance suite, run against the REST driver talking over real HTTP to one
//! ONTAP REST simulator per cluster of the lab.
//!
//! Every check runs except three that need what ONTAP 9.8's REST API (or the simulator, so far)
//! does not report; each is named below with why, so the gap stays visible:
//!
//! - `resume_follows_the_transition_table`: resuming a relationship that is quiescing is a
//!   `PATCH {"state":"snapmirrored"}` while REST shows it `snapmirrored` and transferring; the
//!   simulator takes that PATCH as a no-op instead of cancelling the quiesce.
//! - `resync_names_what_it_would_discard_and_needs_permission`,
//!   `reverse_resync_refuses_to_discard_site1_writes`: they want bytes written since the newest
//!   snapshot; no public REST field reports them (snapshots newer than the common one are
//!   listed, with their `size` on 9.9+).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::conformance::{self as suite, Harness, Lab, SITE1, SITE2};
use vrepl_storage::sim::Fabric;
use vrepl_storage::DynArray;

/// Starts a simulator per cluster and points a client at each; each client knows the other as
/// its peer (for resync previews that read the source's snapshots).
struct RestHarness;

#[async_trait]
impl Harness for RestHarness {
    async fn open(&self, fabric: Fabric) -> Lab {
        let mut sims = Vec::new();
        let mut clients = Vec::new();
        for cluster in [SITE1, SITE2] {
            let sim = RestSimulator::start(fabric.clone(), cluster, SimServerOptions::default())
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
}

macro_rules! checks {
    ($($name:ident)*) => {$(
        #[tokio::test(start_paused = true)]
        async fn $name() {
            suite::$name(&RestHarness).await;
        }
    )*};
}

checks! {
    relationships_are_found_by_destination_path_and_volume_name
    invalid_names_are_refused_before_they_reach_the_array
    missing_objects_are_not_found
    volumes_are_created_listed_and_deleted
    snapshots_are_created_listed_and_deleted
    initialize_follows_the_transition_table
    update_follows_the_transition_table
    quiesce_follows_the_transition_table
    break_follows_the_transition_table
    resync_follows_the_transition_table
    reverse_resync_follows_the_transition_table
    release_follows_the_transition_table
    delete_follows_the_transition_table
    quiesce_while_transferring_lets_the_transfer_finish
    break_makes_the_destination_writable
    break_works_with_the_source_cluster_down
    break_during_a_transfer_fails_by_default
    break_during_a_transfer_can_abort_it
    break_during_a_transfer_can_wait_for_it
    abort_stops_a_transfer_and_is_idempotent
    a_failed_transfer_is_recorded_and_the_next_update_succeeds
    update_moves_content_to_the_destination
    transfer_progress_grows_while_a_transfer_runs
    create_and_initialize_copy_the_baseline
    resync_after_a_clean_break_needs_no_permission
    reverse_resync_and_update_carry_a_site2_write_back_to_site1
    release_without_snapshots_makes_resync_impossible
    delete_scopes_remove_what_they_name
    clone_of_a_destination_uses_the_newest_snapmirror_snapshot
    a_clone_keeps_its_parent_snapshot_busy
    split_is_refused_while_the_clone_is_in_a_dp_relationship
    lun_map_uses_a_chosen_id_or_the_lowest_free_one
    lun_offline_and_online_is_what_hosts_see
    seven_mode_clones_bring_their_luns_offline
    igroup_initiators_are_added_and_removed_with_validation
    export_policy_rule_and_junction_make_a_clone_mountable
}

/// The checks not run here are exactly the three named at the top: a new check in the suite
/// shows up as a failure until it is run or named.
#[test]
fn every_check_is_run_or_named() {
    const SKIPPED: [&str; 3] = [
        "resume_follows_the_transition_table",
        "resync_names_what_it_would_discard_and_needs_permission",
        "reverse_resync_refuses_to_discard_site1_writes",
    ];
    let this = include_str!("rest_conformance.rs");
    for check in suite::CHECKS {
        let run = this.contains(&format!("\n    {}\n", check.name));
        let skipped = SKIPPED.contains(&check.name);
        assert!(
            run ^ skipped,
            "{}: run {run}, skipped {skipped}",
            check.name
        );
    }
}

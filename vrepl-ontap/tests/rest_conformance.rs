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

/// The checks not run against simulators answering as ONTAP 9.8: none. (Before 9.9.1 the driver
/// reverses the way Trident does: POST the reverse relationship onto the old source, a rw volume
/// sharing a snapshot with the old destination, drop the destination's record, then PATCH the
/// reverse one to `snapmirrored`; the fabric models that relationship as `broken_off`.) A check
/// that cannot run there is named here with the reason.
const NOT_RUN_ON_9_8: [&str; 0] = [];

/// Every check against simulators answering as ONTAP 9.8.
mod ontap_9_8 {
    use super::RestHarness;
    use vrepl_storage::conformance as suite;

    macro_rules! checks {
        ($($name:ident)*) => {$(
            #[tokio::test(start_paused = true)]
            async fn $name() {
                suite::$name(&RestHarness { version: Some((9, 8, 0)) }).await;
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
        resume_follows_the_transition_table
        break_follows_the_transition_table
        resync_follows_the_transition_table
        release_follows_the_transition_table
        delete_follows_the_transition_table
        create_and_initialize_copy_the_baseline
        update_moves_content_to_the_destination
        transfer_progress_grows_while_a_transfer_runs
        quiesce_while_transferring_lets_the_transfer_finish
        break_makes_the_destination_writable
        break_works_with_the_source_cluster_down
        break_during_a_transfer_fails_by_default
        break_during_a_transfer_can_wait_for_it
        break_during_a_transfer_can_abort_it
        abort_stops_a_transfer_and_is_idempotent
        a_failed_transfer_is_recorded_and_the_next_update_succeeds
        resync_after_a_clean_break_needs_no_permission
        resync_names_what_it_would_discard_and_needs_permission
        reverse_resync_follows_the_transition_table
        reverse_resync_refuses_to_discard_site1_writes
        reverse_resync_and_update_carry_a_site2_write_back_to_site1
        release_without_snapshots_makes_resync_impossible
        delete_scopes_remove_what_they_name
        clone_of_a_destination_uses_the_newest_snapmirror_snapshot
        split_is_refused_while_the_clone_is_in_a_dp_relationship
        seven_mode_clones_bring_their_luns_offline
        a_clone_keeps_its_parent_snapshot_busy
        lun_map_uses_a_chosen_id_or_the_lowest_free_one
        igroup_initiators_are_added_and_removed_with_validation
        lun_offline_and_online_is_what_hosts_see
        export_policy_rule_and_junction_make_a_clone_mountable
    }

    /// A check added to the suite shows up here as a failure until it is run or named.
    #[test]
    fn every_check_is_run_or_named() {
        let this = include_str!("rest_conformance.rs");
        for check in suite::CHECKS {
            let run = this.contains(&format!("\n        {}\n", check.name));
            let named = super::NOT_RUN_ON_9_8.contains(&check.name);
            assert!(run ^ named, "{}: run {run}, named {named}", check.name);
        }
    }
}

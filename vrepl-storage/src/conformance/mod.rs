//! The behaviour suite every implementation of [`StorageArray`](crate::StorageArray) and
//! [`MirrorControl`](crate::MirrorControl) must pass.
//!
//! A backend provides a [`Harness`]: given a fresh [`Fabric`] holding the seed's two-site lab, it
//! puts itself in front of the fabric's clusters and returns a [`Lab`] with one
//! [`DynArray`] per cluster. The simulator's harness is [`SimHarness`]; the ONTAP
//! REST driver's starts a REST simulator over the same fabric and points the driver at it.
//!
//! Each check is one `pub async fn` named as the behaviour it asserts. It drives the operations
//! under test only through the arrays, and uses the fabric for what no array API does: writing
//! and reading content (a VM writing into its datastore), injecting faults (a cluster down, a
//! failing transfer) and reading ground truth. Checks panic when the backend misbehaves, and
//! match error *variants*, never message text. Time is tokio's: run the suite on a paused clock
//! and simulated transfers take no wall time.
//!
//! NB: every check opens a lab of its own and changes it freely (breaks, resyncs, deletes). A
//! harness for real arrays must hand out disposable ones.
//!
//! # Running it
//!
//! [`conformance_tests!`](crate::conformance_tests) expands into one `#[tokio::test]` per check,
//! so a failure names the behaviour that broke:
//!
//! ```
//! // tests/conformance_sim.rs
//! vrepl_storage::conformance_tests! {
//!     #[tokio::test(start_paused = true)]
//!     harness = vrepl_storage::conformance::SimHarness;
//! }
//! # fn main() {}
//! ```
//!
//! Each check is an ordinary async function, so one can run on its own:
//!
//! ```
//! use vrepl_storage::conformance::{break_makes_the_destination_writable, SimHarness};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! break_makes_the_destination_writable(&SimHarness).await;
//! # }
//! ```
//!
//! [`run_all`] runs every check in turn, catching each failure, and returns a [`Report`]:
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let report = vrepl_storage::conformance::run_all(&vrepl_storage::conformance::SimHarness).await;
//! print!("{report}"); // "39 checks, 39 passed, 0 failed"
//! # }
//! ```

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::FutureExt;

use crate::array::DynArray;
use crate::mirror::MirrorOp;
use crate::sim::Fabric;

mod clones;
mod lab;
mod nfs;
mod objects;
mod replication;
mod resync;
mod san;
mod support;
mod table;

pub use clones::*;
pub use lab::{Lab, SITE1, SITE2};
pub use nfs::*;
pub use objects::*;
pub use replication::*;
pub use resync::*;
pub use san::*;

/// What a backend provides to run the suite: its arrays in front of a given fabric.
#[async_trait]
pub trait Harness: Send + Sync {
    /// Puts the backend under test in front of `fabric`'s clusters, one array per cluster.
    async fn open(&self, fabric: Fabric) -> Lab;

    /// Whether the backend can front a 7-Mode lab (the seed's arrays); checks of 7-Mode
    /// behaviour pass without running when it cannot (ONTAP REST has no 7-Mode).
    fn supports_seven_mode(&self) -> bool {
        false
    }

    /// Whether the backend can measure what was written to a volume since its newest snapshot
    /// (ONTAP's snapshot `delta`, REST 9.12+). When it cannot, a resync preview of a volume
    /// that has been writable reports `unmeasured: true`, so the safe API refuses even a resync
    /// that would in fact lose nothing: the resync checks expect that refusal instead.
    fn measures_unsnapshotted_writes(&self) -> bool {
        true
    }
}

/// The simulator's own harness: the fabric's [`SimArray`](crate::sim::SimArray)s, as
/// [`DynArray`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct SimHarness;

#[async_trait]
impl Harness for SimHarness {
    async fn open(&self, fabric: Fabric) -> Lab {
        let arrays: Vec<DynArray> = fabric
            .arrays()
            .into_iter()
            .map(|a| Arc::new(a) as DynArray)
            .collect();
        Lab::new(fabric, arrays)
    }

    fn supports_seven_mode(&self) -> bool {
        true
    }
}

macro_rules! table_checks {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$doc])*
        pub async fn $name(h: &dyn Harness) {
            table::op_follows_the_table(h, MirrorOp::$op).await
        }
    )*};
}

table_checks! {
    /// Initialize starts the baseline where the transition table allows it, and is refused or
    /// `already` elsewhere, exactly as the table says.
    initialize_follows_the_transition_table => Initialize;
    /// Update follows the transition table in every reachable state.
    update_follows_the_transition_table => Update;
    /// Quiesce follows the transition table in every reachable state.
    quiesce_follows_the_transition_table => Quiesce;
    /// Resume follows the transition table in every reachable state.
    resume_follows_the_transition_table => Resume;
    /// Break (refusing to interrupt a transfer) follows the transition table in every reachable
    /// state.
    break_follows_the_transition_table => Break;
    /// Resync (accepting losses) follows the transition table in every reachable state.
    resync_follows_the_transition_table => Resync;
    /// Reverse resync (accepting losses) follows the transition table in every reachable state.
    reverse_resync_follows_the_transition_table => ReverseResync;
    /// Release (at the source, keeping snapshots) follows the transition table in every
    /// reachable state.
    release_follows_the_transition_table => Release;
    /// Delete follows the transition table in every reachable state.
    delete_follows_the_transition_table => Delete;
}

/// One check of the suite.
#[derive(Clone, Copy)]
pub struct Check {
    /// The check's function name.
    pub name: &'static str,
    /// Runs it; panics when the backend misbehaves.
    pub run: for<'a> fn(&'a dyn Harness) -> BoxFuture<'a, ()>,
}

impl fmt::Debug for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

macro_rules! checks {
    ($($name:ident)*) => {
        /// Every check, in the order [`run_all`] runs them.
        pub const CHECKS: &[Check] = &[$(Check {
            name: stringify!($name),
            run: |h| Box::pin($name(h)),
        }),*];
    };
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
    reverse_resync_follows_the_transition_table
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
    reverse_resync_and_update_carry_a_site2_write_back_to_site1
    reverse_resync_refuses_to_discard_site1_writes
    release_without_snapshots_makes_resync_impossible
    delete_scopes_remove_what_they_name
    clone_of_a_destination_uses_the_newest_snapmirror_snapshot
    seven_mode_clones_bring_their_luns_offline
    a_clone_keeps_its_parent_snapshot_busy
    split_is_refused_while_the_clone_is_in_a_dp_relationship
    lun_map_uses_a_chosen_id_or_the_lowest_free_one
    igroup_initiators_are_added_and_removed_with_validation
    lun_offline_and_online_is_what_hosts_see
    export_policy_rule_and_junction_make_a_clone_mountable
}

/// How one check went.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The check.
    pub name: &'static str,
    /// Its panic message, when it failed.
    pub failure: Option<String>,
}

/// What [`run_all`] found.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// One outcome per check, in order.
    pub outcomes: Vec<Outcome>,
}

impl Report {
    /// Whether every check passed.
    pub fn passed(&self) -> bool {
        self.outcomes.iter().all(|o| o.failure.is_none())
    }

    /// The checks that failed.
    pub fn failures(&self) -> impl Iterator<Item = &Outcome> {
        self.outcomes.iter().filter(|o| o.failure.is_some())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let failed = self.failures().count();
        writeln!(
            f,
            "{} checks, {} passed, {failed} failed",
            self.outcomes.len(),
            self.outcomes.len() - failed
        )?;
        for o in self.failures() {
            writeln!(
                f,
                "FAILED {}: {}",
                o.name,
                o.failure.as_deref().unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// Runs every check of the suite against `harness`, one after the other, catching each one's
/// panic so that one broken behaviour does not hide the others.
pub async fn run_all(harness: &dyn Harness) -> Report {
    let mut report = Report::default();
    for check in CHECKS {
        let result = std::panic::AssertUnwindSafe((check.run)(harness))
            .catch_unwind()
            .await;
        report.outcomes.push(Outcome {
            name: check.name,
            failure: result.err().map(|panic| panic_message(&*panic)),
        });
    }
    report
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "panicked".to_string())
}

/// Expands into one test per check of the suite, each opening its labs through `harness`, plus
/// a test that fails if a check of [`CHECKS`] has no test here.
///
/// The attributes given (usually `#[tokio::test(start_paused = true)]`) go on every test; the
/// harness expression is evaluated once per test. The calling crate needs tokio with the
/// `macros` and `test-util` features.
///
/// ```
/// # use vrepl_storage::conformance::{Harness, Lab};
/// # use vrepl_storage::sim::Fabric;
/// /// A backend's harness: its arrays in front of the fabric (here, the simulator's own).
/// struct MyHarness;
///
/// #[async_trait::async_trait]
/// impl Harness for MyHarness {
///     async fn open(&self, fabric: Fabric) -> Lab {
///         vrepl_storage::conformance::SimHarness.open(fabric).await
///     }
/// }
///
/// vrepl_storage::conformance_tests! {
///     #[tokio::test(start_paused = true)]
///     harness = MyHarness;
/// }
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! conformance_tests {
    ($(#[$attr:meta])* harness = $harness:expr $(;)?) => {
        $crate::__conformance_tests! { [$(#[$attr])*] [$harness]
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
            reverse_resync_follows_the_transition_table
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
            reverse_resync_and_update_carry_a_site2_write_back_to_site1
            reverse_resync_refuses_to_discard_site1_writes
            release_without_snapshots_makes_resync_impossible
            delete_scopes_remove_what_they_name
            clone_of_a_destination_uses_the_newest_snapmirror_snapshot
            seven_mode_clones_bring_their_luns_offline
            a_clone_keeps_its_parent_snapshot_busy
            split_is_refused_while_the_clone_is_in_a_dp_relationship
            lun_map_uses_a_chosen_id_or_the_lowest_free_one
            igroup_initiators_are_added_and_removed_with_validation
            lun_offline_and_online_is_what_hosts_see
            export_policy_rule_and_junction_make_a_clone_mountable
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_tests {
    ($attrs:tt $harness:tt $($name:ident)*) => {
        $( $crate::__conformance_test! { $attrs $harness $name } )*

        #[test]
        fn conformance_tests_cover_every_check() {
            let generated: &[&str] = &[$(stringify!($name)),*];
            let listed: Vec<&str> = $crate::conformance::CHECKS.iter().map(|c| c.name).collect();
            assert_eq!(generated, listed.as_slice());
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __conformance_test {
    ([$(#[$attr:meta])*] [$harness:expr] $name:ident) => {
        $(#[$attr])*
        async fn $name() {
            let harness = $harness;
            $crate::conformance::$name(&harness).await;
        }
    };
}

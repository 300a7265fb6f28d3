//! The conformance suite against the simulator: one test per behaviour, on a paused clock.

vrepl_storage::conformance_tests! {
    #[tokio::test(start_paused = true)]
    harness = vrepl_storage::conformance::SimHarness;
}

/// The same suite through `run_all`, as a tool embedding it would run it.
#[tokio::test(start_paused = true)]
async fn run_all_reports_every_check_passing_on_the_simulator() {
    let report = vrepl_storage::conformance::run_all(&vrepl_storage::conformance::SimHarness).await;
    assert_eq!(
        report.outcomes.len(),
        vrepl_storage::conformance::CHECKS.len()
    );
    assert!(report.passed(), "{report}");
}

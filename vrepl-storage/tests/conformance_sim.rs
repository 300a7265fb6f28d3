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

/// A harness that builds no arrays: every check that needs one fails, and `run_all` reports each
/// failure by name instead of stopping at the first.
#[derive(Debug)]
struct NoArrays;

#[async_trait::async_trait]
impl vrepl_storage::conformance::Harness for NoArrays {
    async fn open(&self, fabric: vrepl_storage::sim::Fabric) -> vrepl_storage::conformance::Lab {
        vrepl_storage::conformance::Lab::new(fabric, Vec::new())
    }
}

#[tokio::test(start_paused = true)]
async fn run_all_names_every_failing_check() {
    let report = vrepl_storage::conformance::run_all(&NoArrays).await;
    assert!(!report.passed());
    let passed: Vec<&str> = report
        .outcomes
        .iter()
        .filter(|o| o.failure.is_none())
        .map(|o| o.name)
        .collect();
    // Only name validation needs no array, and 7-Mode checks skip a harness without 7-Mode.
    assert_eq!(
        passed,
        [
            "invalid_names_are_refused_before_they_reach_the_array",
            "seven_mode_clones_bring_their_luns_offline"
        ]
    );
    assert!(report.failures().all(|o| o
        .failure
        .as_deref()
        .unwrap_or("")
        .contains("the harness built no array")));
    assert!(report.to_string().starts_with(&format!(
        "{} checks, 2 passed, {} failed\nFAILED ",
        report.outcomes.len(),
        report.outcomes.len() - 2
    )));
}

//! `wait::wait_for` against a mocked `MirrorControl`: it polls on tokio's clock until the
//! relationship settles, backs off, and gives up at the deadline with a typed timeout.

use std::time::Duration;

use async_trait::async_trait;
use mockall::{mock, Sequence};
use vrepl_storage::mirror::{
    DeleteScope, DiscardPolicy, MirrorRelationship, MirrorState, NewRelationship, OnTransfer,
    OpReport, ResyncPreview, TransferProgress, TransferStatus,
};
use vrepl_storage::model::VolumePath;
use vrepl_storage::wait::{wait_for, wait_idle, Poll};
use vrepl_storage::{Error, MirrorControl, Result};

mock! {
    #[derive(Debug)]
    Mirror {}

    #[async_trait]
    impl MirrorControl for Mirror {
        async fn list_relationships(&self) -> Result<Vec<MirrorRelationship>>;
        async fn relationship(&self, destination: &VolumePath) -> Result<MirrorRelationship>;
        async fn create_relationship(&self, spec: &NewRelationship) -> Result<MirrorRelationship>;
        async fn initialize(&self, destination: &VolumePath) -> Result<OpReport>;
        async fn update(&self, destination: &VolumePath) -> Result<OpReport>;
        async fn quiesce(&self, destination: &VolumePath) -> Result<OpReport>;
        async fn resume(&self, destination: &VolumePath) -> Result<OpReport>;
        async fn break_off(&self, destination: &VolumePath, on_transfer: OnTransfer) -> Result<OpReport>;
        async fn resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview>;
        async fn resync(&self, destination: &VolumePath, discard: DiscardPolicy) -> Result<OpReport>;
        async fn reverse_resync_preview(&self, destination: &VolumePath) -> Result<ResyncPreview>;
        async fn reverse_resync(&self, destination: &VolumePath, discard: DiscardPolicy) -> Result<OpReport>;
        async fn release(&self, source: &VolumePath, destination: &VolumePath, keep_snapshots: bool) -> Result<OpReport>;
        async fn delete(&self, destination: &VolumePath, scope: DeleteScope) -> Result<OpReport>;
        async fn abort_transfer(&self, destination: &VolumePath) -> Result<OpReport>;
        async fn transfer_progress(&self, destination: &VolumePath) -> Result<Option<TransferProgress>>;
    }
}

fn destination() -> VolumePath {
    VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap()
}

fn relationship(transfer: TransferStatus) -> MirrorRelationship {
    MirrorRelationship {
        uuid: "4ea7a442-86d1-11e0-ae1c-123478563412".into(),
        source: VolumePath::parse("fas2020upper:RG1FV1").unwrap(),
        destination: destination(),
        source_cluster: None,
        destination_cluster: None,
        policy: "MirrorAllSnapshots".into(),
        state: MirrorState::Snapmirrored,
        transfer,
        progress: None,
        last_transfer: None,
        healthy: true,
        unhealthy_reason: None,
        lag: None,
        exported_snapshot: None,
    }
}

fn poll() -> Poll {
    Poll {
        interval: Duration::from_secs(1),
        max_interval: Duration::from_secs(4),
        deadline: Duration::from_secs(30),
    }
}

#[tokio::test(start_paused = true)]
async fn waits_through_two_transferring_polls_then_returns_the_idle_relationship() {
    let mut mirror = MockMirror::new();
    let mut seq = Sequence::new();
    for transfer in [
        TransferStatus::Transferring,
        TransferStatus::Transferring,
        TransferStatus::Idle,
    ] {
        mirror
            .expect_relationship()
            .withf(|d| *d == destination())
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_| Ok(relationship(transfer)));
    }
    let start = tokio::time::Instant::now();
    let rel = wait_idle(&mirror, &destination(), poll()).await.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Idle);
    // Slept 1 s, then 2 s (the interval doubles).
    assert_eq!(start.elapsed(), Duration::from_secs(3));
}

#[tokio::test(start_paused = true)]
async fn gives_up_at_the_deadline_with_a_timeout_naming_what_it_waited_for() {
    let mut mirror = MockMirror::new();
    mirror
        .expect_relationship()
        .returning(|_| Ok(relationship(TransferStatus::Transferring)));
    let mut polls = 0;
    let err = wait_for(
        &mirror,
        &destination(),
        poll(),
        "finish its transfer",
        |r| r.transfer == TransferStatus::Idle,
        |_| polls += 1,
    )
    .await
    .unwrap_err();
    match err {
        Error::Timeout { what, after } => {
            assert_eq!(after, Duration::from_secs(30));
            assert!(what.contains("fas2050upper:RG1FV1_SM"), "{what}");
        }
        other => panic!("expected a timeout, got {other:?}"),
    }
    // Polls at 0, 1, 3, 7, 11, …, 31 s: 1 + 2 + 4 + 4·6 covers 31 s.
    assert_eq!(polls, 10);
}

#[tokio::test(start_paused = true)]
async fn an_error_while_polling_is_returned_at_once() {
    let mut mirror = MockMirror::new();
    mirror.expect_relationship().times(1).returning(|_| {
        Err(Error::Transport {
            endpoint: "fas2050".into(),
            message: "connection reset".into(),
            retryable: true,
        })
    });
    let err = wait_idle(&mirror, &destination(), poll())
        .await
        .unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

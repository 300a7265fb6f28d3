//! The REST driver against the ONTAP REST simulator over real HTTP(S): the request budget of a
//! break, a break with the source cluster gone, a refused resync, bad input, and TLS trust.

use std::time::Duration;

use vrepl_ontap::rest::{pem_to_der, OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{HttpFault, RestSimulator, SimServerOptions};
use vrepl_storage::mirror::{DiscardPolicy, MirrorState, OnTransfer};
use vrepl_storage::model::{SnapshotName, SvmName, VolumePath, VolumeType};
use vrepl_storage::sim::{DataPath, Fabric};
use vrepl_storage::{Error, MirrorControl, ObjectKind, StorageArray};

fn config(sim: &RestSimulator) -> RestConfig {
    let (user, password) = sim.credentials();
    let mut c = RestConfig::new(sim.url(), user, password.as_str());
    if sim.url().scheme() == "http" {
        c.tls = TlsMode::PlainHttpForTesting;
    }
    c.request_timeout = Duration::from_secs(3600);
    c.connect_timeout = Duration::from_secs(3600);
    c.job_timeout = Duration::from_secs(3600);
    c
}

async fn site(fabric: &Fabric, cluster: &str) -> (RestSimulator, OntapRestClient) {
    let sim = RestSimulator::start(fabric.clone(), cluster, SimServerOptions::default())
        .await
        .expect("simulator");
    let client = OntapRestClient::connect(config(&sim))
        .await
        .expect("connect");
    (sim, client)
}

fn rg1() -> VolumePath {
    VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap()
}

fn rg2fv3() -> VolumePath {
    VolumePath::parse("fas2050lower:RG2FV3_SM").unwrap()
}

#[tokio::test]
async fn an_idle_break_costs_at_most_three_requests() {
    let fabric = Fabric::lab();
    let (sim, site2) = site(&fabric, "fas2050").await;
    sim.clear_requests();
    let report = site2
        .break_off(&rg1(), OnTransfer::Fail)
        .await
        .expect("break");
    assert_eq!(report.relationship.unwrap().state, MirrorState::BrokenOff);
    let requests = sim.requests();
    let lines: Vec<String> = requests.iter().map(|r| r.line()).collect();
    assert!(requests.len() <= 3, "{lines:?}");
    assert_eq!(lines[0], "GET /api/snapmirror/relationships");
    assert_eq!(
        requests[0].query_param("destination.path").as_deref(),
        Some("fas2050upper:RG1FV1_SM")
    );
    assert!(
        lines[1].starts_with("PATCH /api/snapmirror/relationships/"),
        "{lines:?}"
    );
    assert_eq!(
        site2.volume(&rg1()).await.unwrap().kind,
        VolumeType::Rw,
        "the destination is writable"
    );
}

#[tokio::test]
async fn a_break_needs_only_the_destination_cluster() {
    let fabric = Fabric::lab();
    let (source_sim, _site1) = site(&fabric, "fas2020").await;
    let (_sim, site2) = site(&fabric, "fas2050").await;
    source_sim.shutdown().await;
    fabric.set_reachable("fas2020", false);
    let report = site2
        .break_off(&rg1(), OnTransfer::Fail)
        .await
        .expect("break");
    assert_eq!(report.relationship.unwrap().state, MirrorState::BrokenOff);
}

#[tokio::test]
async fn a_resync_after_a_write_at_site2_is_refused_and_says_what_would_go() {
    let fabric = Fabric::lab();
    let (_s1, site1) = site(&fabric, "fas2020").await;
    let (_s2, site2) = site(&fabric, "fas2050").await;
    site2.add_peer(&site1);
    let dst = rg2fv3();
    site2
        .break_off(&dst, OnTransfer::Fail)
        .await
        .expect("break");
    fabric
        .write_file(
            &dst,
            &DataPath::File("failover.txt".into()),
            b"written at Site 2",
        )
        .expect("write at Site 2");
    let snap = SnapshotName::new("site2_after_failover").unwrap();
    site2.create_snapshot(&dst, &snap).await.expect("snapshot");

    let preview = site2.resync_preview(&dst).await.expect("preview");
    assert!(preview.common_snapshot.is_some());
    assert_eq!(preview.discard.snapshots, vec![snap.clone()]);
    let e = site2.resync(&dst, DiscardPolicy::Refuse).await.unwrap_err();
    match &e {
        Error::WouldLoseData { discard, .. } => assert_eq!(discard.snapshots, vec![snap.clone()]),
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("site2_after_failover"), "{e}");
    assert_eq!(
        site2.relationship(&dst).await.unwrap().state,
        MirrorState::BrokenOff,
        "nothing changed"
    );
    let report = site2
        .resync(&dst, DiscardPolicy::Accept)
        .await
        .expect("resync");
    assert_eq!(report.discarded.unwrap().snapshots, vec![snap]);
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error() {
    let fabric = Fabric::lab();
    let sim = RestSimulator::start(fabric, "fas2050", SimServerOptions::default())
        .await
        .unwrap();
    let mut c = config(&sim);
    c.password = "wrong".into();
    let e = OntapRestClient::connect(c).await.unwrap_err();
    assert!(matches!(e, Error::Auth { .. }), "{e:?}");
    assert!(!e.to_string().contains("wrong"));
}

#[tokio::test]
async fn bad_names_and_unknown_svms() {
    let fabric = Fabric::lab();
    let (sim, site2) = site(&fabric, "fas2050").await;
    sim.clear_requests();
    assert!(matches!(
        VolumePath::parse("fas2050upper:RG1 FV1_SM"),
        Err(Error::InvalidName { .. })
    ));
    assert!(sim.requests().is_empty(), "nothing was sent for a bad name");

    let e = site2
        .list_volumes(Some(&SvmName::new("nosuchsvm").unwrap()))
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            Error::NotFound {
                kind: ObjectKind::Svm,
                ..
            }
        ),
        "{e:?}"
    );
    let e = site2
        .relationship(&VolumePath::parse("nosuchsvm:RG1FV1_SM").unwrap())
        .await
        .unwrap_err();
    assert!(e.is_not_found(), "{e:?}");
}

#[tokio::test]
async fn tls_is_verified_unless_the_certificate_is_trusted_or_pinned() {
    let fabric = Fabric::lab();
    let opts = SimServerOptions {
        tls: true,
        ..SimServerOptions::default()
    };
    let sim = RestSimulator::start(fabric, "fas2050", opts).await.unwrap();
    assert_eq!(sim.url().scheme(), "https");
    let pem = sim.certificate_pem().expect("a generated certificate");

    let e = OntapRestClient::connect(config(&sim)).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                retryable: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("TLS"), "{e}");

    let trusted = config(&sim).with_tls(TlsMode::Verify {
        ca_bundle_pem: Some(pem.clone().into_bytes()),
    });
    let client = OntapRestClient::connect(trusted).await.expect("trusted CA");
    assert_eq!(client.version().0, 9);

    let pinned = config(&sim).with_tls(TlsMode::PinnedCertificate {
        der: pem_to_der(pem.as_bytes()).unwrap(),
    });
    OntapRestClient::connect(pinned).await.expect("pinned");

    let other = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()])
        .unwrap()
        .cert;
    let wrong_pin = config(&sim).with_tls(TlsMode::PinnedCertificate {
        der: other.der().to_vec(),
    });
    let e = OntapRestClient::connect(wrong_pin).await.unwrap_err();
    assert!(e.to_string().contains("not the pinned one"), "{e}");
}

#[tokio::test]
async fn a_malformed_answer_is_a_protocol_error() {
    let fabric = Fabric::lab();
    let (sim, site2) = site(&fabric, "fas2050").await;
    sim.inject(HttpFault::MalformedJson { count: 1 });
    let e = site2.relationship(&rg1()).await.unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert!(
        e.to_string().contains("GET /api/snapmirror/relationships"),
        "{e}"
    );
    assert!(
        site2.relationship(&rg1()).await.is_ok(),
        "the next answer is whole"
    );
}

#[tokio::test]
async fn a_dropped_read_is_retried_but_a_dropped_write_is_not() {
    let fabric = Fabric::lab();
    let (sim, site2) = site(&fabric, "fas2050").await;
    sim.clear_requests();
    sim.inject(HttpFault::DropConnection { count: 1 });
    let rel = site2
        .relationship(&rg1())
        .await
        .expect("the GET is retried");
    assert_eq!(rel.state, MirrorState::Snapmirrored);
    assert_eq!(sim.requests().len(), 2);

    // The lookup goes through untouched; the PATCH after it gets no answer.
    sim.inject(HttpFault::Delay {
        delay: Duration::ZERO,
        count: 1,
    });
    sim.inject(HttpFault::DropConnection { count: 1 });
    let before = site2.calls();
    let e = site2.break_off(&rg1(), OnTransfer::Fail).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                retryable: false,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("may have been applied"), "{e}");
    assert_eq!(site2.calls() - before, 2, "the PATCH was sent once");
}

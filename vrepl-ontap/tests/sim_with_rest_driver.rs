//! The REST driver ([`vrepl_ontap::rest`]) against the simulator over verified HTTPS: the two
//! were written apart from the same reference, so this is where their readings of ONTAP meet.
//! The simulator's request log shows exactly what the driver sent.

use std::time::Duration;

use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::mirror::{DiscardPolicy, MirrorState, OnTransfer};
use vrepl_storage::model::{
    CloneSpec, IgroupName, LunPath, SnapshotName, SvmName, VolumeName, VolumePath,
};
use vrepl_storage::sim::{DataPath, Fabric};
use vrepl_storage::{Error, MirrorControl, StorageArray};

async fn serve(fabric: &Fabric, cluster: &str) -> (RestSimulator, OntapRestClient) {
    let sim = RestSimulator::start(
        fabric.clone(),
        cluster,
        SimServerOptions {
            tls: true,
            ..SimServerOptions::default()
        },
    )
    .await
    .unwrap();
    let (user, pw) = sim.credentials();
    let mut config = RestConfig::new(sim.url(), user, pw).with_tls(TlsMode::Verify {
        ca_bundle_pem: Some(sim.certificate_pem().unwrap().into_bytes()),
    });
    config.job_timeout = Duration::from_secs(3600);
    let client = OntapRestClient::connect(config)
        .await
        .expect("the driver connects");
    (sim, client)
}

fn path(s: &str) -> VolumePath {
    VolumePath::parse(s).unwrap()
}

#[tokio::test(start_paused = true)]
async fn the_driver_reads_the_lab_through_the_simulator() {
    let fabric = Fabric::lab();
    let (sim, site2) = serve(&fabric, "fas2050").await;
    assert_eq!(site2.version(), (9, 16, 1));
    let vols = site2.list_volumes(None).await.unwrap();
    assert_eq!(vols.len(), 9);
    let rg1 = site2.volume(&path("fas2050upper:RG1FV1_SM")).await.unwrap();
    assert_eq!(rg1.kind.to_string(), "dp");
    assert!(!site2.list_snapshots(&rg1.path).await.unwrap().is_empty());
    assert!(!site2.list_luns(None).await.unwrap().is_empty());
    assert!(!site2.list_igroups(None).await.unwrap().is_empty());
    assert!(!site2.list_lun_maps(None).await.unwrap().is_empty());
    let rel = site2.relationship(&rg1.path).await.unwrap();
    assert_eq!(rel.state, MirrorState::Snapmirrored);
    assert_eq!(rel.source, path("fas2020upper:RG1FV1"));
    let unserved: Vec<String> = sim
        .requests()
        .iter()
        .map(|r| r.line())
        .filter(|l| !l.starts_with("GET "))
        .collect();
    assert!(unserved.is_empty(), "reads only: {unserved:?}");
}

#[tokio::test(start_paused = true)]
async fn break_of_an_idle_relationship_costs_at_most_three_calls_even_with_the_source_down() {
    let fabric = Fabric::lab();
    let (sim, site2) = serve(&fabric, "fas2050").await;
    fabric.set_reachable("fas2020", false);
    sim.clear_requests();
    let report = site2
        .break_off(&path("fas2050upper:RG1FV1_SM"), OnTransfer::Fail)
        .await
        .expect("break needs only the destination");
    let calls: Vec<String> = sim.requests().iter().map(|r| r.line()).collect();
    assert!(calls.len() <= 3, "{calls:?}");
    assert_eq!(
        report.relationship.map(|r| r.state),
        Some(MirrorState::BrokenOff)
    );
    let rel = fabric
        .array("fas2050")
        .unwrap()
        .relationship(&path("fas2050upper:RG1FV1_SM"))
        .await
        .unwrap();
    assert_eq!(rel.state, MirrorState::BrokenOff);
}

#[tokio::test(start_paused = true)]
async fn update_quiesce_resume_break_and_resync_round_trip() {
    let fabric = Fabric::lab();
    let (_sim, site2) = serve(&fabric, "fas2050").await;
    let dst = path("fas2050upper:RG1FV1_SM");
    fabric
        .write_file(
            &path("fas2020upper:RG1FV1"),
            &DataPath::File("a.txt".into()),
            b"hello",
        )
        .unwrap();
    site2.update(&dst).await.expect("update");
    site2.quiesce(&dst).await.expect("quiesce");
    // A transfer running at quiesce time finishes first; then the relationship is paused.
    let mut state = site2.relationship(&dst).await.unwrap().state;
    for _ in 0..100 {
        if state == MirrorState::Paused {
            break;
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        state = site2.relationship(&dst).await.unwrap().state;
    }
    assert_eq!(state, MirrorState::Paused);
    site2.resume(&dst).await.expect("resume");
    site2
        .break_off(&dst, OnTransfer::Wait)
        .await
        .expect("break");
    fabric
        .write_file(&dst, &DataPath::File("written-at-dr.txt".into()), b"x")
        .unwrap();
    // (ONTAP's create_time has one-second resolution; the DR snapshot comes a minute later.)
    tokio::time::sleep(Duration::from_secs(60)).await;
    let dr_snapshot = SnapshotName::new("dr_writes").unwrap();
    site2
        .create_snapshot(&dst, &dr_snapshot)
        .await
        .expect("snapshot");
    match site2.resync(&dst, DiscardPolicy::Refuse).await {
        Err(Error::WouldLoseData { discard, .. }) => assert_eq!(discard.snapshots, [dr_snapshot]),
        other => panic!("a resync that would discard DR writes is refused: {other:?}"),
    }
    site2
        .resync(&dst, DiscardPolicy::Accept)
        .await
        .expect("resync");
    let rel = site2.relationship(&dst).await.unwrap();
    assert_eq!(rel.state, MirrorState::Snapmirrored);
}

#[tokio::test(start_paused = true)]
async fn a_dr_test_clone_is_created_mapped_and_mounted() {
    let fabric = Fabric::lab();
    let (_sim, site2) = serve(&fabric, "fas2050").await;
    let svm = SvmName::new("fas2050upper").unwrap();
    let clone = site2
        .create_clone(&CloneSpec {
            parent: path("fas2050upper:RG1FV1_SM"),
            name: VolumeName::new("RG1FV1_DRTEST").unwrap(),
            parent_snapshot: None,
            junction_path: None,
        })
        .await
        .expect("clone");
    assert!(clone.is_flexclone());
    let lun = LunPath::parse("/vol/RG1FV1_DRTEST/RP1.lun").unwrap();
    let map = site2
        .map_lun(&svm, &lun, &IgroupName::new("Fibre").unwrap(), None)
        .await
        .expect("map");
    assert!(map.lun_id > 0, "Fibre already uses LUN id 0: {map:?}");
    site2
        .mount_volume(
            &clone.path,
            &vrepl_storage::model::JunctionPath::new("/RG1FV1_DRTEST").unwrap(),
        )
        .await
        .expect("mount");
    let v = site2.volume(&clone.path).await.unwrap();
    assert_eq!(
        v.junction_path.map(|j| j.to_string()).as_deref(),
        Some("/RG1FV1_DRTEST")
    );
}

/// Both sites' simulators answering as `version`, each client knowing the other as its peer.
async fn two_sites(
    fabric: &Fabric,
    version: (u8, u8, u8),
) -> [(RestSimulator, OntapRestClient); 2] {
    let mut sites = Vec::new();
    for cluster in ["fas2020", "fas2050"] {
        let sim = RestSimulator::start(
            fabric.clone(),
            cluster,
            SimServerOptions {
                version: Some(version),
                ..SimServerOptions::default()
            },
        )
        .await
        .unwrap();
        let (user, pw) = sim.credentials();
        let mut config =
            RestConfig::new(sim.url(), user, pw).with_tls(TlsMode::PlainHttpForTesting);
        config.job_timeout = Duration::from_secs(3600);
        let client = OntapRestClient::connect(config).await.unwrap();
        sites.push((sim, client));
    }
    sites[0].1.add_peer(&sites[1].1);
    sites[1].1.add_peer(&sites[0].1);
    let [site1, site2]: [(RestSimulator, OntapRestClient); 2] =
        sites.try_into().expect("two sites");
    [site1, site2]
}

#[tokio::test(start_paused = true)]
async fn on_9_16_a_write_since_the_break_is_measured_to_the_byte_and_refused() {
    let fabric = Fabric::lab();
    let [(sim1, _), (sim2, site2)] = two_sites(&fabric, (9, 16, 1)).await;
    let dst = path("fas2050lower:RG2FV3_SM");
    sim2.clear_requests();
    site2
        .break_off(&dst, OnTransfer::Fail)
        .await
        .expect("break");
    let break_calls = sim2.requests().len();
    assert!(break_calls <= 3, "{:?}", sim2.requests());

    // No snapshot holds this write: only the snapshot delta can see it.
    fabric
        .write_file(&dst, &DataPath::File("dr.txt".into()), &[7u8; 1234])
        .unwrap();
    match site2.resync(&dst, DiscardPolicy::Refuse).await {
        Err(Error::WouldLoseData { discard, .. }) => {
            assert!(discard.snapshots.is_empty(), "{discard:?}");
            assert_eq!(
                (discard.unsnapshotted_bytes, discard.unmeasured),
                (1234, false)
            );
        }
        other => panic!("the write at Site 2 is refused: {other:?}"),
    }
    assert_eq!(
        site2.relationship(&dst).await.unwrap().state,
        MirrorState::BrokenOff
    );

    // What a resync costs: the lookup, the preview (volume, snapshots, one delta, and the
    // source's volume and snapshots through the peer), the PATCH and its confirmation.
    sim1.clear_requests();
    sim2.clear_requests();
    let report = site2
        .resync(&dst, DiscardPolicy::Accept)
        .await
        .expect("resync accepting the loss");
    assert_eq!(report.discarded.unwrap().unsnapshotted_bytes, 1234);
    let (at_site2, at_site1) = (sim2.requests(), sim1.requests());
    let deltas = at_site2
        .iter()
        .filter(|r| r.query_param("fields").is_some_and(|f| f.contains("delta")))
        .count();
    assert_eq!(deltas, 1, "one delta request");
    assert!(
        at_site2.len() <= 6 && at_site1.len() <= 2,
        "{at_site2:?} {at_site1:?}"
    );
    eprintln!(
        "break: {break_calls} calls; resync: {} calls to Site 2 + {} to Site 1",
        at_site2.len(),
        at_site1.len()
    );
    assert!(fabric
        .read_file(&dst, &DataPath::File("dr.txt".into()))
        .is_err());
}

#[tokio::test(start_paused = true)]
async fn on_9_8_a_resync_after_a_break_is_refused_as_unmeasured() {
    let fabric = Fabric::lab();
    let [_site1, (sim2, site2)] = two_sites(&fabric, (9, 8, 0)).await;
    assert_eq!(site2.version(), (9, 8, 0));
    let dst = path("fas2050lower:RG2FV3_SM");
    site2
        .break_off(&dst, OnTransfer::Fail)
        .await
        .expect("break");
    fabric
        .write_file(&dst, &DataPath::File("dr.txt".into()), &[7u8; 1234])
        .unwrap();
    match site2.resync(&dst, DiscardPolicy::Refuse).await {
        Err(Error::WouldLoseData { discard, .. }) => {
            assert!(discard.unmeasured, "{discard:?}");
            assert_eq!(discard.unsnapshotted_bytes, 0, "nothing can count it");
        }
        other => panic!("an unmeasurable loss is refused: {other:?}"),
    }
    assert!(
        sim2.requests().iter().all(|r| !r.query.contains("delta")),
        "9.8 is not asked for a field it does not have"
    );
    site2
        .resync(&dst, DiscardPolicy::Accept)
        .await
        .expect("resync once the loss is accepted");
    assert!(fabric
        .read_file(&dst, &DataPath::File("dr.txt".into()))
        .is_err());
}

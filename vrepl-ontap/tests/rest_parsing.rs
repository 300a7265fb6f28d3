//! The REST driver's parsing against ONTAP's own JSON (samples in `fixtures/ontap/rest`).

use std::time::Duration;

use vrepl_ontap::rest::errors::{to_error, Context, MirrorContext};
use vrepl_ontap::rest::request::ApiRequest;
use vrepl_ontap::rest::wire::{
    decode, ClusterRecord, Collection, ErrorBody, ExportRuleRecord, IgroupRecord, Job, JobLinkBody,
    JobState, LunMapRecord, LunRecord, RelationshipRecord, SnapshotDeltaRecord, SnapshotRecord,
    VolumeRecord,
};
use vrepl_storage::mirror::{MirrorOp, MirrorState, TransferKind, TransferResult, TransferStatus};
use vrepl_storage::model::{IgroupProtocol, Initiator, OsType, VolumeType};
use vrepl_storage::{Error, ObjectKind};

const EP: &str = "fas2050:443";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../fixtures/ontap/rest/", $name)).as_slice()
    };
}

fn relationships(body: &[u8]) -> Vec<vrepl_ontap::rest::wire::Relationship> {
    let page: Collection<RelationshipRecord> = decode(EP, "relationships", body).unwrap();
    page.records
        .into_iter()
        .map(|r| r.into_model(EP).unwrap())
        .collect()
}

#[test]
fn cluster_version() {
    let c: ClusterRecord = decode(EP, "cluster", fixture!("cluster.json")).unwrap();
    assert_eq!(c.name, "fas2050");
    assert_eq!(
        (c.version.generation, c.version.major, c.version.minor),
        (9, 16, 1)
    );
}

#[test]
fn an_idle_snapmirrored_relationship() {
    let rels = relationships(fixture!("relationships_snapmirrored.json"));
    let r = &rels[0].model;
    assert_eq!(r.uuid, "b5ee4571-5429-11ec-9779-005056b39a06");
    assert_eq!(r.destination.to_string(), "svmdst3:voldst1");
    assert_eq!(r.source_cluster.as_ref().unwrap().as_str(), "fas2020");
    assert_eq!(
        (r.state, r.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Idle)
    );
    assert_eq!(r.policy, "MirrorAndVault");
    assert_eq!(r.lag, Some(Duration::from_secs(23 * 60 + 46)));
    assert_eq!(
        r.last_transfer.as_ref().unwrap().result,
        TransferResult::Success
    );
    assert!(r.progress.is_none());
    assert!(rels[0].transfer_uuid.is_none());
}

#[test]
fn a_baseline_in_flight_stays_uninitialized_and_shows_progress() {
    let rels = relationships(fixture!("relationship_transferring.json"));
    let r = &rels[0];
    assert_eq!(r.model.state, MirrorState::Uninitialized);
    assert_eq!(r.model.transfer, TransferStatus::Transferring);
    let p = r.model.progress.as_ref().unwrap();
    assert_eq!(
        (p.kind, p.bytes_transferred),
        (TransferKind::Initialize, 41943040)
    );
    assert_eq!(r.transfer_uuid.as_deref(), Some("xfer_uuid"));
}

#[test]
fn an_unhealthy_relationship_says_why() {
    let r = &relationships(fixture!("relationship_unhealthy.json"))[0].model;
    assert!(!r.healthy);
    assert_eq!(
        r.unhealthy_reason.as_deref(),
        Some("Failed to complete update operation on one or more item relationships.")
    );
    assert_eq!(r.lag, Some(Duration::from_secs(8 * 3600 + 35 * 60 + 42)));
    assert!(r
        .exported_snapshot
        .as_ref()
        .unwrap()
        .as_str()
        .starts_with("snapmirror.10af643c"));
    assert!(matches!(
        r.last_transfer.as_ref().unwrap().result,
        TransferResult::Failed(ref m) if m.contains("Failed to complete")
    ));
}

#[test]
fn jobs_link_succeed_fail_and_run() {
    let link: JobLinkBody = decode(EP, "202", fixture!("job_link_202.json")).unwrap();
    assert_eq!(link.job.uuid, "b89bc5dd-94a3-11e8-a7a3-0050568edf84");
    assert!(link.job.state.is_none());

    let ok: Job = decode(EP, "job", fixture!("job_success.json")).unwrap();
    assert_eq!(ok.state, JobState::Success);

    let running: Job = decode(EP, "job", fixture!("job_running.json")).unwrap();
    assert!(!running.state.is_terminal());

    let ctx = Context::object(EP, ObjectKind::Volume, "fas2050upper:RG1FV1_SM");
    let gone: Job = decode(EP, "job", fixture!("job_failure_entry.json")).unwrap();
    assert!(matches!(
        to_error(&gone.failure(), &ctx),
        Error::NotFound {
            kind: ObjectKind::Volume,
            ..
        }
    ));

    let ctx = Context::object(EP, ObjectKind::Snapshot, "vol1@snap1");
    let locked: Job = decode(EP, "job", fixture!("job_failure_locked.json")).unwrap();
    let e = to_error(&locked.failure(), &ctx);
    assert!(
        matches!(
            e,
            Error::Busy {
                kind: ObjectKind::Snapshot,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().contains("has not expired or is locked"),
        "{e}"
    );
}

#[test]
fn error_bodies_become_typed_errors() {
    let ctx = Context::object(EP, ObjectKind::Relationship, "fas2050upper:RG1FV1_SM");
    let body: ErrorBody = decode(EP, "x", fixture!("error_entry_doesnt_exist.json")).unwrap();
    assert_eq!(body.error.target.as_deref(), Some("uuid"));
    assert!(to_error(&body.error, &ctx).is_not_found());

    let body: ErrorBody = decode(EP, "x", fixture!("error_invalid_field.json")).unwrap();
    let e = to_error(&body.error, &ctx);
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert!(e.to_string().contains("\"fru\""), "{e}");

    let body: ErrorBody = decode(EP, "x", fixture!("error_break_transferring.json")).unwrap();
    let ctx = ctx.with_mirror(MirrorContext {
        op: MirrorOp::Break,
        state: MirrorState::Snapmirrored,
        transfer: TransferStatus::Transferring,
        progress: None,
    });
    assert!(matches!(
        to_error(&body.error, &ctx),
        Error::TransferInProgress {
            op: MirrorOp::Break,
            ..
        }
    ));
}

#[test]
fn collections_follow_the_next_link() {
    let page: Collection<VolumeRecord> =
        decode(EP, "volumes", fixture!("volumes_page1.json")).unwrap();
    let next = ApiRequest::follow(page.next_href().unwrap());
    assert_eq!(next.path, "/api/storage/volumes");
    assert_eq!(
        next.query_value("start.uuid"),
        Some("00c881eb-f36c-11e8-996f-00a0986e75a0")
    );
    assert_eq!(
        next.query_value("fields"),
        Some("uuid,name,svm.name,type,state,size")
    );
    let v = page
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!(
        (v.path.to_string(), v.kind),
        ("fas2050upper:RG1FV1_SM".to_string(), VolumeType::Dp)
    );
    assert!(v.junction_path.is_none());

    let page: Collection<VolumeRecord> =
        decode(EP, "volumes", fixture!("volumes_page2.json")).unwrap();
    assert!(page.next_href().is_none());
    let v = page
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!(v.junction_path.unwrap().as_str(), "/RG2FV3_Clone");
    assert_eq!(v.export_policy.unwrap().as_str(), "default");
}

#[test]
fn flexclone_parent() {
    let page: Collection<VolumeRecord> =
        decode(EP, "volumes", fixture!("volume_clone.json")).unwrap();
    let v = page
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    let parent = v.clone_parent.unwrap();
    assert_eq!(parent.volume.to_string(), "ansibleSVM:ansibleVolume12");
    assert_eq!(
        parent.snapshot.as_str(),
        "clone_ansibleVolume12_.2022-01-25_211704.0"
    );
}

#[test]
fn san_and_nas_records() {
    let luns: Collection<LunRecord> = decode(EP, "luns", fixture!("lun_created.json")).unwrap();
    let lun = luns
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!(lun.path.to_string(), "/vol/vol1/lun1");
    assert_eq!(lun.serial, "wf0Iq+N4uck3");
    assert!(lun.online && !lun.read_only);
    assert_eq!((lun.os_type, lun.size_bytes), (OsType::Linux, 322163441664));

    let maps: Collection<LunMapRecord> = decode(EP, "maps", fixture!("lun_maps.json")).unwrap();
    let map = maps
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!((map.igroup.as_str(), map.lun_id), ("ig1", 0));

    let igroups: Collection<IgroupRecord> =
        decode(EP, "igroups", fixture!("igroup_created.json")).unwrap();
    let ig = igroups
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!(ig.protocol, IgroupProtocol::Mixed);
    assert_eq!(
        ig.initiators[0],
        Initiator::parse("20:01:00:50:56:bb:70:72").unwrap()
    );
    assert!(matches!(ig.initiators[1], Initiator::Iscsi(_)));

    let rules: Collection<ExportRuleRecord> =
        decode(EP, "rules", fixture!("export_rules.json")).unwrap();
    let rule = rules
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap();
    assert_eq!((rule.index, rule.clients.as_str()), (10, "10.10.0.0/16"));
    assert!(rule.read_write && rule.superuser);

    let snaps: Collection<SnapshotRecord> =
        decode(EP, "snapshots", fixture!("snapshots.json")).unwrap();
    let snaps: Vec<_> = snaps
        .records
        .into_iter()
        .map(|s| s.into_model(EP).unwrap())
        .collect();
    assert!(snaps[0].is_snapmirror() && snaps[0].is_busy());
    assert!(!snaps[1].is_busy());
}

#[test]
fn malformed_answers_name_what_is_wrong() {
    let e = decode::<Collection<RelationshipRecord>>(
        EP,
        "GET /api/snapmirror/relationships",
        b"{\"records\": [",
    )
    .unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }));
    assert!(
        e.to_string().contains("GET /api/snapmirror/relationships"),
        "{e}"
    );

    let bad_state = br#"{"records":[{"uuid":"u","source":{"path":"a:b"},"destination":{"path":"c:d"},"state":"exploded"}]}"#;
    let page: Collection<RelationshipRecord> = decode(EP, "x", bad_state).unwrap();
    let e = page
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap_err();
    assert!(
        e.to_string().contains("`state`") && e.to_string().contains("exploded"),
        "{e}"
    );

    let no_path =
        br#"{"records":[{"uuid":"u","destination":{"path":"c:d"},"state":"snapmirrored"}]}"#;
    let page: Collection<RelationshipRecord> = decode(EP, "x", no_path).unwrap();
    let e = page
        .records
        .into_iter()
        .next()
        .unwrap()
        .into_model(EP)
        .unwrap_err();
    assert!(e.to_string().contains("source.path"), "{e}");
}

#[test]
fn snapshot_deltas() {
    let page: Collection<SnapshotDeltaRecord> =
        decode(EP, "deltas", fixture!("snapshots_delta.json")).unwrap();
    let d: Vec<(String, u64)> = page
        .records
        .into_iter()
        .map(|r| (r.name.unwrap(), r.delta.unwrap().size_consumed.unwrap()))
        .collect();
    assert_eq!(
        d,
        [
            ("hourly.2022-06-29_1105".to_string(), 675840),
            ("hourly.2022-06-29_1205".to_string(), 507904)
        ]
    );
}

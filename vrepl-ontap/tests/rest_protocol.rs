//! The REST driver's conversation with a scripted server: the exact requests it sends, how it
//! follows jobs and pages, and how it reports what goes wrong (wrong password, expired job,
//! malformed answers, an unreachable cluster).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::http::{Method, StatusCode, Uri};
use serde_json::{json, Value};
use tokio::net::TcpListener;
use vrepl_ontap::rest::{OntapRestClient, RestConfig, TlsMode};
use vrepl_storage::mirror::{MirrorState, OnTransfer, TransferStatus};
use vrepl_storage::model::{SnapshotName, VolumePath};
use vrepl_storage::{Error, MirrorControl, ObjectKind, StorageArray};

/// One request the server saw.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: String,
    body: Option<Value>,
}

/// A server answering each request with the next scripted reply (status, JSON body).
#[derive(Clone, Default)]
struct Script {
    replies: Arc<Mutex<VecDeque<(u16, String)>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// "<label> <method> <path>" of every request, in arrival order, shared by the servers of
    /// one test (see [`Script::beside`]) to check the order of requests across clusters.
    journal: Arc<Mutex<Vec<String>>>,
    label: String,
}

impl Script {
    fn labelled(label: &str) -> Self {
        Script {
            label: label.to_string(),
            ..Script::default()
        }
    }

    /// Another server, labelled `label`, writing to this one's journal.
    fn beside(&self, label: &str) -> Self {
        Script {
            journal: Arc::clone(&self.journal),
            ..Script::labelled(label)
        }
    }

    /// The journal's writes (everything but GET), in order.
    fn writes(&self) -> Vec<String> {
        self.journal
            .lock()
            .unwrap()
            .iter()
            .filter(|l| !l.contains(" GET "))
            .cloned()
            .collect()
    }

    fn reply(&self, status: u16, body: Value) -> &Self {
        self.replies
            .lock()
            .unwrap()
            .push_back((status, body.to_string()));
        self
    }

    fn reply_raw(&self, status: u16, body: &str) -> &Self {
        self.replies
            .lock()
            .unwrap()
            .push_back((status, body.to_string()));
        self
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn lines(&self) -> Vec<String> {
        self.seen()
            .iter()
            .map(|s| format!("{} {}", s.method, s.path))
            .collect()
    }

    async fn serve(&self) -> SocketAddr {
        let script = self.clone();
        let app = axum::Router::new().fallback(move |method: Method, uri: Uri, body: Bytes| {
            let script = script.clone();
            async move {
                script
                    .journal
                    .lock()
                    .unwrap()
                    .push(format!("{} {method} {}", script.label, uri.path()));
                script.seen.lock().unwrap().push(Seen {
                    method: method.to_string(),
                    path: uri.path().to_string(),
                    query: uri.query().unwrap_or("").to_string(),
                    body: serde_json::from_slice(&body).ok(),
                });
                let (status, body) = script
                    .replies
                    .lock()
                    .unwrap()
                    .pop_front()
                    .unwrap_or((500, format!("{{\"error\":{{\"message\":\"unscripted {method} {uri}\",\"code\":\"999\"}}}}")));
                if status == 0 {
                    // Scripted silence: answer only long after any client gives up.
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
                (
                    StatusCode::from_u16(status).unwrap_or(StatusCode::GATEWAY_TIMEOUT),
                    [("content-type", "application/json")],
                    body,
                )
            }
        });
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }
}

fn config(addr: SocketAddr) -> RestConfig {
    let mut c = RestConfig::new(
        format!("http://{addr}").parse().unwrap(),
        "admin",
        "netapp1!",
    )
    .with_tls(TlsMode::PlainHttpForTesting);
    c.job_timeout = Duration::from_secs(5);
    c
}

fn cluster_reply(s: &Script, minor: (u8, u8)) {
    named_cluster_reply(s, "fas2050", minor);
}

fn named_cluster_reply(s: &Script, name: &str, minor: (u8, u8)) {
    s.reply(
        200,
        json!({"name": name, "uuid": "c-uuid", "version": {"generation": 9, "major": minor.0, "minor": minor.1, "full": "NetApp Release"}}),
    );
}

fn relationship(state: &str, transfer: Value) -> Value {
    json!({"records": [{
        "uuid": "rel-1",
        "source": {"path": "fas2020upper:RG1FV1", "cluster": {"name": "fas2020"}},
        "destination": {"path": "fas2050upper:RG1FV1_SM"},
        "policy": {"name": "Asynchronous"},
        "state": state,
        "healthy": true,
        "transfer": transfer,
    }], "num_records": 1})
}

fn dst() -> VolumePath {
    VolumePath::parse("fas2050upper:RG1FV1_SM").unwrap()
}

async fn connected(s: &Script) -> OntapRestClient {
    cluster_reply(s, (16, 1));
    let addr = s.serve().await;
    OntapRestClient::connect(config(addr)).await.unwrap()
}

#[tokio::test]
async fn connect_reads_the_cluster_and_its_version() {
    let s = Script::default();
    let client = connected(&s).await;
    assert_eq!(client.version(), (9, 16, 1));
    assert_eq!(client.calls(), 1);
    let seen = &s.seen()[0];
    assert_eq!(
        (seen.method.as_str(), seen.path.as_str()),
        ("GET", "/api/cluster")
    );
    assert_eq!(seen.query, "fields=name%2Cuuid%2Cversion");
    let debug = format!("{client:?}");
    assert!(
        debug.contains("fas2050") && !debug.contains("netapp1!"),
        "{debug}"
    );
}

#[tokio::test]
async fn an_idle_break_is_three_calls_when_ontap_answers_within_return_timeout() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    )
    .reply(
        200,
        json!({"job": {"uuid": "job-1", "_links": {"self": {"href": "/api/cluster/jobs/job-1"}}}}),
    )
    .reply(200, relationship("broken_off", json!({"state": "success"})));
    let before = client.calls();
    let report = client.break_off(&dst(), OnTransfer::Fail).await.unwrap();
    assert_eq!(report.relationship.unwrap().state, MirrorState::BrokenOff);
    assert_eq!(client.calls() - before, 3);
    let seen = s.seen();
    assert_eq!(
        s.lines()[1..],
        [
            "GET /api/snapmirror/relationships",
            "PATCH /api/snapmirror/relationships/rel-1",
            "GET /api/snapmirror/relationships",
        ]
    );
    assert!(
        seen[1]
            .query
            .contains("destination.path=fas2050upper%3ARG1FV1_SM"),
        "{}",
        seen[1].query
    );
    assert_eq!(seen[2].query, "return_timeout=10");
    assert_eq!(seen[2].body, Some(json!({"state": "broken_off"})));
}

#[tokio::test]
async fn a_slow_job_is_polled_until_it_ends() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    )
    .reply(202, json!({"job": {"uuid": "job-2"}}))
    .reply(
        200,
        json!({"uuid": "job-2", "state": "running", "message": "breaking"}),
    )
    .reply(
        200,
        json!({"uuid": "job-2", "state": "success", "code": 0, "message": "success"}),
    )
    .reply(200, relationship("broken_off", json!({"state": "success"})));
    client.break_off(&dst(), OnTransfer::Fail).await.unwrap();
    assert_eq!(
        s.lines()[3..5],
        ["GET /api/cluster/jobs/job-2", "GET /api/cluster/jobs/job-2"]
    );
}

#[tokio::test]
async fn a_failed_job_becomes_the_tables_error() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(200, relationship("snapmirrored", json!({"state": "success"})))
        .reply(202, json!({"job": {"uuid": "job-3"}}))
        .reply(200, json!({"uuid": "job-3", "state": "failure", "code": 13303808, "message": "Transition to broken_off state failed. Reason:Another transfer is in progress"}));
    let e = client
        .break_off(&dst(), OnTransfer::Fail)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::TransferInProgress { .. }), "{e:?}");
}

#[tokio::test]
async fn an_expired_job_is_a_clear_error() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    )
    .reply(202, json!({"job": {"uuid": "job-4"}}))
    .reply(
        404,
        json!({"error": {"message": "entry doesn't exist", "code": "4", "target": "uuid"}}),
    );
    let e = client
        .break_off(&dst(), OnTransfer::Fail)
        .await
        .unwrap_err();
    match &e {
        Error::NotFound {
            kind: ObjectKind::Job,
            name,
        } => {
            assert!(name.contains("job-4") && name.contains("300 s"), "{name}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_transfer_in_flight_is_refused_waited_for_or_aborted() {
    let s = Script::default();
    let client = connected(&s).await;
    let busy = relationship(
        "snapmirrored",
        json!({"state": "transferring", "uuid": "x-1", "bytes_transferred": 1024}),
    );
    s.reply(200, busy.clone());
    let e = client
        .break_off(&dst(), OnTransfer::Fail)
        .await
        .unwrap_err();
    match e {
        Error::TransferInProgress { progress, .. } => {
            assert_eq!(progress.unwrap().bytes_transferred, 1024)
        }
        other => panic!("{other:?}"),
    }

    s.reply(200, busy)
        .reply(200, json!({}))
        .reply(
            200,
            relationship("snapmirrored", json!({"state": "aborted"})),
        )
        .reply(200, json!({"job": {"uuid": "j", "state": "success"}}))
        .reply(200, relationship("broken_off", json!({"state": "aborted"})));
    let from = s.seen().len();
    client.break_off(&dst(), OnTransfer::Abort).await.unwrap();
    let seen = &s.seen()[from..];
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path.as_str()),
        ("PATCH", "/api/snapmirror/relationships/rel-1/transfers/x-1")
    );
    assert_eq!(seen[1].body, Some(json!({"state": "aborted"})));
    assert_eq!(seen[3].body, Some(json!({"state": "broken_off"})));
}

#[tokio::test]
async fn breaking_a_broken_relationship_is_idempotent_and_sends_nothing_more() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(200, relationship("broken_off", json!({"state": "success"})));
    let before = client.calls();
    let report = client.break_off(&dst(), OnTransfer::Fail).await.unwrap();
    assert!(report.already.unwrap().contains("already broken-off"));
    assert_eq!(client.calls() - before, 1);
}

#[tokio::test]
async fn illegal_operations_are_refused_before_any_write() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(200, relationship("broken_off", json!({"state": "success"})));
    let e = client.update(&dst()).await.unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot update fas2050upper:RG1FV1_SM: it is broken-off; resync it first"
    );
    assert!(s.seen().iter().all(|r| r.method == "GET"));
}

#[tokio::test]
async fn collections_are_paged_through_next_links() {
    let s = Script::default();
    let client = connected(&s).await;
    let vol = |uuid: &str, name: &str| json!({"uuid": uuid, "name": name, "svm": {"name": "fas2050upper"}, "type": "dp", "state": "online", "size": 1});
    s.reply(200, json!({"records": [vol("v1", "A_SM")], "num_records": 1, "_links": {"next": {"href": "/api/storage/volumes?start.uuid=v1&max_records=1"}}}))
        .reply(200, json!({"records": [vol("v2", "B_SM")], "num_records": 1}));
    let vols = client.list_volumes(None).await.unwrap();
    assert_eq!(vols.len(), 2);
    let page2 = &s.seen()[2];
    assert_eq!(page2.query, "start.uuid=v1&max_records=1");
}

#[tokio::test]
async fn an_unknown_svm_is_not_found() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(200, json!({"records": [], "num_records": 0}))
        .reply(200, json!({"records": [], "num_records": 0}));
    let e = client
        .volume(&VolumePath::parse("nosuchsvm:RG1FV1").unwrap())
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
    assert_eq!(s.lines()[2], "GET /api/svm/svms");
}

#[tokio::test]
async fn a_name_with_a_space_never_reaches_the_wire() {
    let s = Script::default();
    let client = connected(&s).await;
    let before = client.calls();
    let e = SnapshotName::new("my snap").unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }));
    let e = VolumePath::parse("fas2050upper:RG1 FV1").unwrap_err();
    assert!(matches!(e, Error::InvalidName { .. }));
    assert_eq!(client.calls(), before);
}

#[tokio::test]
async fn malformed_answers_are_protocol_errors() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply_raw(200, "{\"records\": [{\"uuid\": ");
    let e = client.relationship(&dst()).await.unwrap_err();
    assert!(matches!(e, Error::Protocol { .. }), "{e:?}");
    assert!(
        e.to_string().contains("GET /api/snapmirror/relationships"),
        "{e}"
    );

    s.reply_raw(502, "<html>bad gateway</html>");
    let e = client.relationship(&dst()).await.unwrap_err();
    assert!(e.to_string().contains("HTTP 502"), "{e}");
}

#[tokio::test]
async fn a_wrong_password_is_an_auth_error_without_the_password() {
    let s = Script::default();
    s.reply(
        401,
        json!({"error": {"message": "not authorized for that command", "code": "6691623"}}),
    );
    let addr = s.serve().await;
    let e = OntapRestClient::connect(config(addr)).await.unwrap_err();
    assert!(
        matches!(e, Error::Auth { ref user, .. } if user == "admin"),
        "{e:?}"
    );
    assert!(!e.to_string().contains("netapp1!"));
    assert!(!format!("{e:?}").contains("netapp1!"));
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_cluster_is_a_retryable_transport_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let e = OntapRestClient::connect(config(addr)).await.unwrap_err();
    assert!(
        matches!(
            e,
            Error::Transport {
                retryable: true,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn plain_http_needs_the_explicit_opt_in() {
    let c = RestConfig::new("http://127.0.0.1:1".parse().unwrap(), "admin", "x");
    let e = OntapRestClient::connect(c).await.unwrap_err();
    assert!(e.to_string().contains("PlainHttpForTesting"), "{e}");
}

#[tokio::test]
async fn reverse_resync_is_one_patch_with_swapped_paths_on_9_9_1() {
    let s = Script::default();
    let client = connected(&s).await;
    let site1 = Script::default();
    named_cluster_reply(&site1, "fas2020", (16, 1));
    let peer = OntapRestClient::connect(config(site1.serve().await))
        .await
        .unwrap();
    client.add_peer(&peer);

    let snap = |name: &str, at: &str| json!({"uuid": name, "name": name, "create_time": at});
    let common = "snapmirror.x_1.2026-11-22_000000";
    // preview: the old source (rolled back) on the peer, then this side.
    site1
        .reply(200, json!({"records": [{"uuid": "src", "name": "RG1FV1", "svm": {"name": "fas2020upper"}, "type": "rw", "state": "online", "size": 1}]}))
        .reply(200, json!({"records": [snap(common, "2026-11-22T00:00:00Z")]}));
    s.reply(200, relationship("broken_off", json!({"state": "success"})))
        .reply(200, json!({"records": [{"uuid": "dst", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "rw", "state": "online", "size": 1}]}))
        .reply(200, json!({"records": [snap(common, "2026-11-22T00:00:00Z"), snap("after_break", "2026-11-22T01:00:00Z")]}))
        .reply(200, json!({"job": {"uuid": "j", "state": "success"}}));
    // 9.12+: the delta from the common snapshot to the old source's active file system is 0.
    site1.reply(
        200,
        json!({"records": [{"uuid": "s", "name": common, "delta": {"size_consumed": 0, "time_elapsed": "PT1H"}}]}),
    );
    // the reversed relationship, now on the peer
    site1.reply(200, json!({"records": [{
        "uuid": "rel-2", "source": {"path": "fas2050upper:RG1FV1_SM"}, "destination": {"path": "fas2020upper:RG1FV1"},
        "state": "snapmirrored", "healthy": true, "transfer": {"state": "transferring", "uuid": "x"}}]}));
    let report = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Refuse)
        .await
        .unwrap();
    let delta = &site1.seen()[3];
    assert_eq!(delta.path, "/api/storage/volumes/src/snapshots");
    assert!(
        delta.query.contains("fields=name%2Cdelta"),
        "{}",
        delta.query
    );
    let new = report.relationship.unwrap();
    assert_eq!(new.destination.to_string(), "fas2020upper:RG1FV1");
    assert!(report.discarded.unwrap().is_empty());
    let patch = s.seen().into_iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(
        patch.body,
        Some(
            json!({"source": {"path": "fas2050upper:RG1FV1_SM"}, "destination": {"path": "fas2020upper:RG1FV1"}, "state": "snapmirrored"})
        )
    );
}

/// Site 2 (answering as 9.8, holding the broken-off RG1FV1 -> RG1FV1_SM) and Site 1 (its peer),
/// scripted up to the end of the reverse resync's preview.
async fn pre_9_9_1_reverse() -> (Script, Script, OntapRestClient) {
    let s = Script::labelled("fas2050");
    cluster_reply(&s, (8, 0));
    let client = OntapRestClient::connect(config(s.serve().await))
        .await
        .unwrap();
    let site1 = s.beside("fas2020");
    named_cluster_reply(&site1, "fas2020", (8, 0));
    let peer = OntapRestClient::connect(config(site1.serve().await))
        .await
        .unwrap();
    client.add_peer(&peer);
    let snap = json!({"uuid": "s", "name": "snapmirror.x_1.2026-11-22_000000", "create_time": "2026-11-22T00:00:00Z"});
    site1
        .reply(200, json!({"records": [{"uuid": "src", "name": "RG1FV1", "svm": {"name": "fas2020upper"}, "type": "rw", "state": "online", "size": 1}]}))
        .reply(200, json!({"records": [snap.clone()]}));
    s.reply(200, relationship("broken_off", json!({"state": "success"})))
        .reply(200, json!({"records": [{"uuid": "dst", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "rw", "state": "online", "size": 1}]}))
        .reply(200, json!({"records": [snap]}));
    (s, site1, client)
}

/// The reverse relationship as Site 1 reports it once created.
fn reversed_relationship() -> Value {
    json!({"records": [{
        "uuid": "rel-2", "source": {"path": "fas2050upper:RG1FV1_SM"}, "destination": {"path": "fas2020upper:RG1FV1"},
        "state": "broken_off", "healthy": true, "transfer": {}}]})
}

#[tokio::test]
async fn reverse_resync_before_9_9_1_creates_the_reverse_before_dropping_the_old_record() {
    let (s, site1, client) = pre_9_9_1_reverse().await;
    site1
        .reply(200, json!({"job": {"uuid": "j2", "state": "success"}}))
        .reply(200, reversed_relationship());
    s.reply(200, json!({"job": {"uuid": "j1", "state": "success"}}));
    site1
        .reply(200, json!({"job": {"uuid": "j3", "state": "success"}}))
        .reply(200, reversed_relationship());
    // 9.8 has no snapshot delta: the loss cannot be measured, so only an explicit accept goes on.
    let report = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Accept)
        .await
        .unwrap();
    assert!(report.discarded.unwrap().unmeasured);
    assert_eq!(
        s.writes(),
        [
            "fas2020 POST /api/snapmirror/relationships",
            "fas2050 DELETE /api/snapmirror/relationships/rel-1",
            "fas2020 PATCH /api/snapmirror/relationships/rel-2",
        ]
    );
    let delete = s.seen().into_iter().find(|r| r.method == "DELETE").unwrap();
    assert!(
        delete.query.contains("destination_only=true"),
        "{}",
        delete.query
    );
    let theirs = site1.seen();
    let post = theirs.iter().find(|r| r.method == "POST").unwrap();
    assert_eq!(
        post.body.as_ref().unwrap()["source"],
        json!({"path": "fas2050upper:RG1FV1_SM"})
    );
    assert_eq!(
        post.body.as_ref().unwrap()["destination"],
        json!({"path": "fas2020upper:RG1FV1"})
    );
    let patch = theirs.iter().find(|r| r.method == "PATCH").unwrap();
    assert_eq!(patch.body, Some(json!({"state": "snapmirrored"})));
}

#[tokio::test]
async fn a_refused_reverse_create_before_9_9_1_leaves_the_relationship_untouched() {
    let (s, site1, client) = pre_9_9_1_reverse().await;
    site1.reply(
        400,
        json!({"error": {"message": "Destination must be a dp volume", "code": "6619546"}}),
    );
    let e = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Accept)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    assert_eq!(
        s.writes(),
        ["fas2020 POST /api/snapmirror/relationships"],
        "Site 2's record is kept"
    );
}

#[tokio::test]
async fn a_failed_record_removal_before_9_9_1_says_both_clusters_hold_a_relationship() {
    let (s, site1, client) = pre_9_9_1_reverse().await;
    site1
        .reply(200, json!({"job": {"uuid": "j2", "state": "success"}}))
        .reply(200, reversed_relationship());
    s.reply(
        500,
        json!({"error": {"message": "internal error", "code": "999"}}),
    );
    let err = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Accept)
        .await
        .unwrap_err();
    match &err {
        vrepl_storage::Error::Halfway { op, source, .. } => {
            assert_eq!(*op, vrepl_storage::mirror::MirrorOp::ReverseResync);
            assert!(
                matches!(**source, vrepl_storage::Error::Api { .. }),
                "{source:?}"
            );
        }
        other => panic!("expected a halfway stop, got {other:?}"),
    }
    let e = err.to_string();
    assert!(e.contains("internal error"), "{e}");
    assert!(
        e.contains("cluster fas2020 now holds the reverse relationship fas2050upper:RG1FV1_SM -> fas2020upper:RG1FV1 (broken-off"),
        "{e}"
    );
    assert!(
        e.contains("cluster fas2050 still holds fas2020upper:RG1FV1 -> fas2050upper:RG1FV1_SM"),
        "{e}"
    );
    assert!(
        e.contains("run the reverse resync of fas2050upper:RG1FV1_SM again"),
        "{e}"
    );
    assert!(!s.writes().iter().any(|w| w.contains("PATCH")), "no resync");
}

#[tokio::test]
async fn a_failed_resync_before_9_9_1_says_what_to_run_next() {
    let (s, site1, client) = pre_9_9_1_reverse().await;
    site1
        .reply(200, json!({"job": {"uuid": "j2", "state": "success"}}))
        .reply(200, reversed_relationship());
    s.reply(200, json!({"job": {"uuid": "j1", "state": "success"}}));
    site1.reply(
        500,
        json!({"error": {"message": "internal error", "code": "999"}}),
    );
    let e = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Accept)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cluster fas2050 no longer holds a relationship for fas2050upper:RG1FV1_SM"),
        "{e}"
    );
    assert!(
        e.contains("resync fas2020upper:RG1FV1 on fas2020 next"),
        "{e}"
    );
    assert_eq!(s.writes().len(), 3);
}

#[tokio::test]
async fn an_interrupted_reverse_before_9_9_1_is_resumed_with_the_existing_reverse_relationship() {
    let (s, site1, client) = pre_9_9_1_reverse().await;
    site1
        .reply(
            409,
            json!({"error": {"message": "Relationship with specified destination volume already exists", "code": "6619637"}}),
        )
        .reply(200, reversed_relationship());
    s.reply(200, json!({"job": {"uuid": "j1", "state": "success"}}));
    site1
        .reply(200, json!({"job": {"uuid": "j3", "state": "success"}}))
        .reply(200, reversed_relationship());
    client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Accept)
        .await
        .unwrap();
    assert_eq!(
        s.writes(),
        [
            "fas2020 POST /api/snapmirror/relationships",
            "fas2050 DELETE /api/snapmirror/relationships/rel-1",
            "fas2020 PATCH /api/snapmirror/relationships/rel-2",
        ]
    );
}

#[tokio::test]
async fn a_cluster_without_snapshot_size_is_asked_again_without_it_once() {
    let s = Script::default();
    let client = connected(&s).await;
    let volume = json!({"records": [{"uuid": "v", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "dp", "state": "online", "size": 1}]});
    let snaps = json!({"records": [{"uuid": "s", "name": "hourly.0", "create_time": "2026-11-22T00:00:00Z"}]});
    s.reply(200, volume.clone())
        .reply(400, json!({"error": {"message": "The value \"size\" is invalid for field \"fields\" (<field,...>)", "code": "262197", "target": "fields"}}))
        .reply(200, snaps.clone())
        .reply(200, volume)
        .reply(200, snaps);
    assert_eq!(client.list_snapshots(&dst()).await.unwrap().len(), 1);
    assert_eq!(client.list_snapshots(&dst()).await.unwrap().len(), 1);
    let fields: Vec<String> = s
        .seen()
        .iter()
        .filter(|r| r.path.ends_with("/snapshots"))
        .map(|r| r.query.clone())
        .collect();
    assert_eq!(fields.len(), 3);
    assert!(fields[0].contains("size"));
    assert!(
        !fields[1].contains("size") && !fields[2].contains("size"),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_quiesce_mid_transfer_reads_as_quiescing_until_the_transfer_ends() {
    let s = Script::default();
    let client = connected(&s).await;
    let busy = relationship(
        "snapmirrored",
        json!({"state": "transferring", "uuid": "x-1", "bytes_transferred": 10}),
    );
    s.reply(200, busy.clone())
        .reply(200, json!({"job": {"uuid": "j", "state": "success"}}))
        .reply(200, busy.clone())
        .reply(200, busy)
        .reply(200, relationship("paused", json!({"state": "success"})))
        .reply(200, relationship("paused", json!({"state": "success"})));
    let report = client.quiesce(&dst()).await.unwrap();
    let rel = report.relationship.unwrap();
    assert_eq!(
        (rel.state, rel.transfer),
        (MirrorState::Snapmirrored, TransferStatus::Quiescing)
    );
    assert_eq!(
        client.relationship(&dst()).await.unwrap().transfer,
        TransferStatus::Quiescing
    );
    let done = client.relationship(&dst()).await.unwrap();
    assert_eq!(
        (done.state, done.transfer),
        (MirrorState::Paused, TransferStatus::Idle)
    );
    assert_eq!(
        client.relationship(&dst()).await.unwrap().state,
        MirrorState::Paused
    );
    assert_eq!(s.seen()[2].body, Some(json!({"state": "paused"})));
}

#[tokio::test]
async fn a_write_cut_off_mid_request_is_not_called_retryable() {
    let s = Script::default();
    cluster_reply(&s, (16, 1));
    let mut c = config(s.serve().await);
    c.request_timeout = Duration::from_millis(300);
    let client = OntapRestClient::connect(c).await.unwrap();
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    );
    // The PATCH gets no answer in time.
    s.replies.lock().unwrap().push_back((0, String::new()));
    let e = client
        .break_off(&dst(), OnTransfer::Fail)
        .await
        .unwrap_err();
    match &e {
        Error::Transport {
            retryable, message, ..
        } => {
            assert!(!retryable, "{e}");
            assert!(message.contains("may have been applied"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_job_that_never_ends_times_out_naming_the_job() {
    let s = Script::default();
    cluster_reply(&s, (16, 1));
    let mut c = config(s.serve().await);
    c.job_timeout = Duration::from_secs(5);
    let client = OntapRestClient::connect(c).await.unwrap();
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    )
    .reply(202, json!({"job": {"uuid": "job-stuck"}}));
    for _ in 0..20 {
        s.reply(
            200,
            json!({"uuid": "job-stuck", "state": "running", "message": "breaking", "description": "PATCH /api/snapmirror/relationships/rel-1"}),
        );
    }
    let e = client
        .break_off(&dst(), OnTransfer::Fail)
        .await
        .unwrap_err();
    match &e {
        Error::Timeout { what, after } => {
            assert!(
                what.contains("job-stuck")
                    && what.contains("PATCH /api/snapmirror/relationships/rel-1"),
                "{what}"
            );
            assert_eq!(*after, Duration::from_secs(5));
        }
        other => panic!("{other:?}"),
    }
    let polls = s
        .lines()
        .iter()
        .filter(|l| l.contains("/cluster/jobs/"))
        .count();
    assert!(
        (3..=10).contains(&polls),
        "backoff grows: {polls} polls in 5 s"
    );
}

#[tokio::test]
async fn release_deletes_the_source_record_keeping_or_dropping_the_snapshots() {
    let s = Script::default();
    let client = connected(&s).await;
    let src = VolumePath::parse("fas2020upper:RG1FV1").unwrap();
    for (keep, flag) in [(true, "source_info_only=true"), (false, "source_only=true")] {
        s.reply(
            200,
            relationship("snapmirrored", json!({"state": "success"})),
        )
        .reply(200, json!({"job": {"uuid": "j", "state": "success"}}));
        let from = s.seen().len();
        let report = client.release(&src, &dst(), keep).await.unwrap();
        assert!(report.relationship.is_none());
        let seen = &s.seen()[from..];
        assert!(
            seen[0].query.contains("list_destinations_only=true"),
            "{}",
            seen[0].query
        );
        assert!(
            seen[0].query.contains("source.path=fas2020upper%3ARG1FV1"),
            "{}",
            seen[0].query
        );
        assert_eq!(
            (seen[1].method.as_str(), seen[1].path.as_str()),
            ("DELETE", "/api/snapmirror/relationships/rel-1")
        );
        assert!(seen[1].query.contains(flag), "{}", seen[1].query);
    }
}

#[tokio::test]
async fn a_reverse_resync_without_the_source_cluster_needs_an_explicit_accept() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(200, relationship("broken_off", json!({"state": "success"})));
    let e = client
        .reverse_resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Refuse)
        .await
        .unwrap_err();
    assert!(
        matches!(e, Error::Unsupported(ref m) if m.contains("add_peer")),
        "{e:?}"
    );
    assert!(
        s.seen().iter().all(|r| r.method == "GET"),
        "nothing changed"
    );
}

#[tokio::test]
async fn a_resync_preview_measures_the_loss_with_snapshot_deltas() {
    let s = Script::default();
    let client = connected(&s).await;
    let snap =
        |name: &str, at: &str| json!({"uuid": name, "name": name, "create_time": at, "size": 3000});
    let common = "snapmirror.x_1.2026-11-22_000000";
    s.reply(200, relationship("broken_off", json!({"state": "success"})))
        .reply(200, json!({"records": [{"uuid": "dst", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "rw", "state": "online", "size": 1}]}))
        .reply(200, json!({"records": [snap(common, "2026-11-22T00:00:00Z"), snap("site2_work", "2026-11-22T01:00:00Z")]}))
        .reply(200, json!({"records": [{"name": common, "delta": {"size_consumed": 3500}}]}));
    let preview = client.resync_preview(&dst()).await.unwrap();
    assert_eq!(preview.common_snapshot.unwrap().as_str(), common);
    let d = preview.discard;
    assert_eq!(d.snapshots, vec![SnapshotName::new("site2_work").unwrap()]);
    assert_eq!(
        (d.bytes, d.unsnapshotted_bytes, d.unmeasured),
        (3000, 500, false)
    );
    // One delta request, for the common snapshot: the newer snapshots' sizes are known.
    let asked: Vec<String> = s.seen()[4..].iter().map(|r| r.query.clone()).collect();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0].contains(&format!("name={}", common.replace(':', "%3A"))),
        "{asked:?}"
    );
}

#[tokio::test]
async fn without_snapshot_deltas_a_resync_is_refused_unless_accepted() {
    let s = Script::default();
    let client = connected(&s).await;
    let snap = json!({"uuid": "c", "name": "snapmirror.x_1.2026-11-22_000000", "create_time": "2026-11-22T00:00:00Z"});
    let volume = json!({"records": [{"uuid": "dst", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": "rw", "state": "online", "size": 1}]});
    s.reply(200, relationship("broken_off", json!({"state": "success"})))
        .reply(200, volume)
        .reply(200, json!({"records": [snap]}))
        .reply(400, json!({"error": {"message": "The value \"delta\" is invalid for field \"fields\" (<field,...>)", "code": "262197", "target": "fields"}}));
    let e = client
        .resync(&dst(), vrepl_storage::mirror::DiscardPolicy::Refuse)
        .await
        .unwrap_err();
    match &e {
        Error::WouldLoseData { discard, .. } => assert!(discard.unmeasured, "{discard:?}"),
        other => panic!("{other:?}"),
    }
    assert!(
        s.seen().iter().all(|r| r.method == "GET"),
        "nothing changed"
    );
}

#[tokio::test]
async fn before_9_12_only_a_volume_that_has_been_writable_has_an_unmeasured_loss() {
    let s = Script::default();
    cluster_reply(&s, (8, 0));
    let addr = s.serve().await;
    let client = OntapRestClient::connect(config(addr)).await.unwrap();
    let snap = json!({"uuid": "c", "name": "snapmirror.x_1.2026-11-22_000000", "create_time": "2026-11-22T00:00:00Z"});
    let volume = |kind: &str| json!({"records": [{"uuid": "dst", "name": "RG1FV1_SM", "svm": {"name": "fas2050upper"}, "type": kind, "state": "online", "size": 1}]});
    for (state, kind, unmeasured) in [("snapmirrored", "dp", false), ("broken_off", "rw", true)] {
        s.reply(200, relationship(state, json!({"state": "success"})))
            .reply(200, volume(kind))
            .reply(200, json!({"records": [snap.clone()]}));
        let preview = client.resync_preview(&dst()).await.unwrap();
        assert_eq!(
            preview.discard.unmeasured, unmeasured,
            "{state}: {:?}",
            preview.discard
        );
    }
    // 9.8 has no `delta`: the driver does not even ask.
    assert!(
        s.seen().iter().all(|r| !r.query.contains("delta")),
        "{:?}",
        s.lines()
    );
}

#[tokio::test]
async fn an_update_posts_a_transfer_and_reports_its_progress() {
    let s = Script::default();
    let client = connected(&s).await;
    s.reply(
        200,
        relationship("snapmirrored", json!({"state": "success"})),
    )
    .reply(201, json!({}))
    .reply(
        200,
        relationship(
            "snapmirrored",
            json!({"state": "transferring", "uuid": "x-9", "bytes_transferred": 4096}),
        ),
    );
    let report = client.update(&dst()).await.unwrap();
    let rel = report.relationship.unwrap();
    assert_eq!(rel.transfer, TransferStatus::Transferring);
    assert_eq!(rel.progress.unwrap().bytes_transferred, 4096);
    let post = &s.seen()[2];
    assert_eq!(
        (post.method.as_str(), post.path.as_str()),
        ("POST", "/api/snapmirror/relationships/rel-1/transfers")
    );
    assert_eq!(post.body, Some(json!({})));
    assert_eq!(
        s.seen().len(),
        4,
        "connect, lookup, POST, read: no job for a transfer"
    );
}

//! Shared by the `sim_*` tests: the lab behind a REST simulator, and a raw HTTP client.
#![allow(dead_code)]

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::Value;
use vrepl_ontap::sim::{RestSimulator, SimServerOptions};
use vrepl_storage::sim::Fabric;

/// The seed's lab with a REST simulator in front of one of its clusters.
#[derive(Debug)]
pub struct Lab {
    pub fabric: Fabric,
    pub sim: RestSimulator,
    pub http: reqwest::Client,
}

/// A response: status, `Location` header, body (JSON, or `Value::String` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: Value,
}

impl Lab {
    pub async fn start(cluster: &str) -> Self {
        Self::on(Fabric::lab(), cluster).await
    }

    pub async fn on(fabric: Fabric, cluster: &str) -> Self {
        Self::with(fabric, cluster, SimServerOptions::default()).await
    }

    /// A simulator answering as an older (or newer) ONTAP release than the fabric's.
    #[allow(dead_code)] // not every test binary that shares this module needs it
    pub async fn as_release(cluster: &str, version: (u8, u8, u8)) -> Self {
        let opts = SimServerOptions {
            version: Some(version),
            ..SimServerOptions::default()
        };
        Self::with(Fabric::lab(), cluster, opts).await
    }

    pub async fn with(fabric: Fabric, cluster: &str, opts: SimServerOptions) -> Self {
        let sim = RestSimulator::start(fabric.clone(), cluster, opts)
            .await
            .expect("simulator starts");
        Self {
            fabric,
            sim,
            http: reqwest::Client::new(),
        }
    }

    pub async fn call(&self, method: Method, path_and_query: &str, body: Option<Value>) -> Reply {
        let (user, password) = self.sim.credentials();
        let url = self.sim.url().join(path_and_query).expect("valid path");
        let mut req = self
            .http
            .request(method, url)
            .basic_auth(user, Some(password));
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("the simulator answers");
        let status = resp.status();
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string());
        let text = resp.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply {
            status,
            location,
            body,
        }
    }

    pub async fn get(&self, path_and_query: &str) -> Reply {
        self.call(Method::GET, path_and_query, None).await
    }

    /// The records of a collection GET (asserting 200).
    pub async fn records(&self, path_and_query: &str) -> Vec<Value> {
        let r = self.get(path_and_query).await;
        assert_eq!(r.status, StatusCode::OK, "{path_and_query}: {:?}", r.body);
        r.body["records"].as_array().cloned().unwrap_or_default()
    }

    /// The one record a filtered collection GET returns.
    pub async fn one(&self, path_and_query: &str) -> Value {
        let mut recs = self.records(path_and_query).await;
        assert_eq!(recs.len(), 1, "{path_and_query}: {recs:?}");
        recs.remove(0)
    }

    /// Follows a 202's job to its end (polling on tokio time) and returns the job.
    pub async fn job(&self, accepted: &Reply) -> Value {
        assert_eq!(accepted.status, StatusCode::ACCEPTED, "{:?}", accepted.body);
        let href = accepted.body["job"]["_links"]["self"]["href"]
            .as_str()
            .expect("a job link")
            .to_string();
        for _ in 0..600 {
            let j = self.get(&href).await;
            assert_eq!(j.status, StatusCode::OK, "{:?}", j.body);
            if matches!(j.body["state"].as_str(), Some("success" | "failure")) {
                return j.body;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        panic!("job {href} did not end");
    }

    /// Runs an async write and asserts its job succeeded.
    pub async fn ok_job(&self, method: Method, path: &str, body: Option<Value>) -> Value {
        let r = self.call(method, path, body).await;
        let j = self.job(&r).await;
        assert_eq!(j["state"], "success", "{path}: {j}");
        j
    }

    pub async fn volume_uuid(&self, name: &str) -> String {
        self.one(&format!("/api/storage/volumes?name={name}")).await["uuid"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub async fn relationship(&self, destination: &str, fields: &str) -> Value {
        self.one(&format!(
            "/api/snapmirror/relationships?destination.path={destination}&fields={fields}"
        ))
        .await
    }

    /// Waits (tokio time) until the relationship has no transfer running.
    pub async fn until_idle(&self, destination: &str) -> Value {
        for _ in 0..10_000 {
            let r = self
                .relationship(destination, "state,transfer,healthy")
                .await;
            if !matches!(
                r["transfer"]["state"].as_str(),
                Some("transferring" | "queued")
            ) {
                return r;
            }
            tokio::time::sleep(Duration::from_secs(5)).await;
        }
        panic!("{destination} kept transferring");
    }
}

//! NFS export policies and their rules: synchronous writes (201).
//!
//! The storage model has no "list policies" call, so the policies shown are those of the
//! SVMs' `default`, the ones volumes use, and the ones created through this server.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use vrepl_storage::model::{ExportRule, NewExportRule, PolicyName, SvmName};
use vrepl_storage::StorageArray;

use super::cluster::{listing, single};
use super::volumes::body_svm;
use super::{created, reply, Call};
use crate::codes;
use crate::sim::collection;
use crate::sim::errors::ApiError;
use crate::sim::render;
use crate::sim::state::Sim;

async fn rules(
    sim: &Sim,
    svm: &SvmName,
    policy: &PolicyName,
) -> Result<Option<Vec<ExportRule>>, ApiError> {
    match sim.array.list_export_rules(svm, policy).await {
        Ok(r) => Ok(Some(r)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(sim.error(&e)),
    }
}

async fn policy_records(sim: &Sim, wanted_name: Option<&str>) -> Result<Vec<Value>, ApiError> {
    let info = sim.info().await?;
    let mut candidates: Vec<(SvmName, PolicyName)> = Vec::new();
    let default = PolicyName::new("default").map_err(|e| sim.error(&e))?;
    for s in &info.svms {
        candidates.push((s.name.clone(), default.clone()));
        if let Some(n) = wanted_name.filter(|n| !n.contains(['*', '|', '!', '<', '>'])) {
            if let Ok(p) = PolicyName::new(n) {
                candidates.push((s.name.clone(), p));
            }
        }
    }
    for v in sim.volumes().await? {
        if let Some(p) = v.export_policy {
            candidates.push((v.path.svm, p));
        }
    }
    for (svm, name, _) in sim.known_policies() {
        if let (Ok(s), Ok(p)) = (SvmName::new(&svm), PolicyName::new(&name)) {
            candidates.push((s, p));
        }
    }
    candidates.sort_by(|a, b| (a.0.as_str(), a.1.as_str()).cmp(&(b.0.as_str(), b.1.as_str())));
    candidates.dedup();
    let mut out = Vec::new();
    for (svm, policy) in candidates {
        if !info.svms.iter().any(|s| s.name == svm) {
            continue;
        }
        if let Some(r) = rules(sim, &svm, &policy).await? {
            let id = sim.policy_id(&svm, &policy);
            out.push(render::export_policy(
                id,
                policy.as_str(),
                svm.as_str(),
                sim.svm_uuid(svm.as_str()).as_deref(),
                &r,
            ));
        }
    }
    Ok(out)
}

pub(crate) async fn list_policies(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let records = policy_records(&sim, call.query.get("name")).await?;
    let out = collection::respond(
        &call.path,
        &call.query,
        &render::EXPORT_POLICY,
        &[],
        records,
    )?;
    Ok(reply(StatusCode::OK, out))
}

async fn policy_by_id(
    sim: &Sim,
    id: &str,
) -> Result<(u64, SvmName, PolicyName, Vec<ExportRule>), ApiError> {
    let not_found = || ApiError::code(codes::EXPORT_POLICY_NOT_FOUND).target("id");
    let id: u64 = id.parse().map_err(|_| not_found())?;
    let (svm, policy) = sim.policy_by_id(id).ok_or_else(not_found)?;
    let r = rules(sim, &svm, &policy).await?.ok_or_else(not_found)?;
    Ok((id, svm, policy, r))
}

pub(crate) async fn get_policy(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (id, svm, policy, r) = policy_by_id(&sim, &id).await?;
    let record = render::export_policy(
        id,
        policy.as_str(),
        svm.as_str(),
        sim.svm_uuid(svm.as_str()).as_deref(),
        &r,
    );
    single(&call, &render::EXPORT_POLICY, record)
}

fn new_rule(body: &crate::sim::body::Body, prefix: &str) -> Result<NewExportRule, ApiError> {
    let field = |f: &str| {
        if prefix.is_empty() {
            f.to_string()
        } else {
            format!("{prefix}.{f}")
        }
    };
    let clients = match body.get(&field("clients")) {
        Some(Value::Array(items)) if items.len() == 1 => items[0]
            .get("match")
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| ApiError::missing(&field("clients.match")))?,
        Some(Value::Array(_)) => return Err(ApiError::invalid_value("clients", &field("clients"))
            .with_message(
                "The simulator keeps one client match per rule; send one rule per client match.",
            )),
        _ => return Err(ApiError::missing(&field("clients.match"))),
    };
    let flavors = |f: &str| -> Result<Vec<String>, ApiError> {
        match body.get(&field(f)) {
            None | Some(Value::Null) => Ok(vec!["any".into()]),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| ApiError::invalid_value(&i.to_string(), f))
                })
                .collect(),
            Some(Value::String(s)) => Ok(vec![s.clone()]),
            Some(other) => Err(ApiError::invalid_value(&other.to_string(), f)),
        }
    };
    let grants = |v: &[String]| v.iter().any(|f| f != "never" && f != "none");
    Ok(NewExportRule {
        clients,
        read_write: grants(&flavors("rw_rule")?),
        superuser: grants(&flavors("superuser")?),
    })
}

pub(crate) async fn create_policy(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&["name", "svm", "rules"])?;
    let svm = body_svm(&sim, &body).await?;
    let name = body.required_str("name")?;
    let policy = PolicyName::new(&name).map_err(|_| ApiError::invalid_value(&name, "name"))?;
    let rule_specs: Vec<NewExportRule> = match body.get("rules") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|r| {
                let b = crate::sim::body::Body::parse(r.to_string().as_bytes())?;
                new_rule(&b, "")
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(ApiError::invalid_value(&other.to_string(), "rules")),
    };
    sim.array
        .create_export_policy(&svm, &policy)
        .await
        .map_err(|e| sim.error(&e))?;
    let mut made = Vec::new();
    for r in &rule_specs {
        made.push(
            sim.array
                .add_export_rule(&svm, &policy, r)
                .await
                .map_err(|e| sim.error(&e))?,
        );
    }
    let id = sim.policy_id(&svm, &policy);
    let record = render::export_policy(
        id,
        policy.as_str(),
        svm.as_str(),
        sim.svm_uuid(svm.as_str()).as_deref(),
        &made,
    );
    created(
        &call,
        format!("/api/protocols/nfs/export-policies/{id}"),
        record,
    )
}

pub(crate) async fn list_rules(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (id, _, _, r) = policy_by_id(&sim, &id).await?;
    let records = r.iter().map(|rule| render::export_rule(id, rule)).collect();
    listing(&call, &render::EXPORT_RULE, records)
}

pub(crate) async fn get_rule(
    State(sim): State<Arc<Sim>>,
    Path((id, index)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (id, _, _, r) = policy_by_id(&sim, &id).await?;
    let rule = r
        .iter()
        .find(|rule| rule.index.to_string() == index)
        .ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::EXPORT_RULE, render::export_rule(id, rule))
}

pub(crate) async fn create_rule(
    State(sim): State<Arc<Sim>>,
    Path(id): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&[
        "clients",
        "protocols",
        "ro_rule",
        "rw_rule",
        "superuser",
        "anonymous_user",
    ])?;
    let (id, svm, policy, existing) = policy_by_id(&sim, &id).await?;
    let spec = new_rule(&body, "")?;
    if existing.iter().any(|r| {
        r.clients == spec.clients
            && r.read_write == spec.read_write
            && r.superuser == spec.superuser
    }) {
        return Err(ApiError::code(codes::EXPORT_POLICY_RULE_EXISTS));
    }
    let rule = sim
        .array
        .add_export_rule(&svm, &policy, &spec)
        .await
        .map_err(|e| sim.error(&e))?;
    created(
        &call,
        format!(
            "/api/protocols/nfs/export-policies/{id}/rules/{}",
            rule.index
        ),
        render::export_rule(id, &rule),
    )
}

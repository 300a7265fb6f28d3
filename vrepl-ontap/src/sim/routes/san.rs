//! LUNs, igroups (and their initiators) and LUN maps: synchronous writes (201 / 200).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use vrepl_storage::model::{
    Igroup, IgroupName, IgroupProtocol, Initiator, Lun, LunMap, LunPath, NewIgroup, NewLun, OsType,
    SvmName,
};
use vrepl_storage::StorageArray;

use super::cluster::{by_uuid, listing, single};
use super::volumes::body_svm;
use super::{created, reply, Call};
use crate::codes;
use crate::sim::errors::ApiError;
use crate::sim::render;
use crate::sim::state::Sim;

struct San {
    luns: Vec<Lun>,
    igroups: Vec<Igroup>,
    maps: Vec<LunMap>,
}

async fn san(sim: &Sim) -> Result<San, ApiError> {
    let a = &sim.array;
    Ok(San {
        luns: a.list_luns(None).await.map_err(|e| sim.error(&e))?,
        igroups: a.list_igroups(None).await.map_err(|e| sim.error(&e))?,
        maps: a.list_lun_maps(None).await.map_err(|e| sim.error(&e))?,
    })
}

impl San {
    fn lun_uuid(&self, svm: &SvmName, path: &LunPath) -> Option<String> {
        self.luns
            .iter()
            .find(|l| &l.svm == svm && &l.path == path)
            .map(|l| l.uuid.clone())
    }

    fn igroup(&self, svm: &SvmName, name: &IgroupName) -> Option<&Igroup> {
        self.igroups
            .iter()
            .find(|g| &g.svm == svm && &g.name == name)
    }

    fn map_record(&self, sim: &Sim, m: &LunMap) -> Value {
        let lun_uuid = self.lun_uuid(&m.svm, &m.lun).unwrap_or_default();
        render::lun_map(
            m,
            sim.svm_uuid(m.svm.as_str()).as_deref(),
            &lun_uuid,
            self.igroup(&m.svm, &m.igroup),
        )
    }
}

fn os_type(value: &str, field: &str) -> Result<OsType, ApiError> {
    match value {
        "vmware" => Ok(OsType::Vmware),
        "linux" => Ok(OsType::Linux),
        "windows" => Ok(OsType::Windows),
        other => Err(ApiError::invalid_value(other, field)),
    }
}

fn initiator(value: &str) -> Result<Initiator, ApiError> {
    Initiator::parse(value).map_err(|_| {
        if value.to_ascii_lowercase().starts_with("iqn.") {
            ApiError::code(codes::INVALID_ISCSI_NAME).target("initiators.name")
        } else {
            ApiError::code(codes::INVALID_WWPN).target("initiators.name")
        }
    })
}

async fn lun_records(sim: &Sim) -> Result<Vec<Value>, ApiError> {
    let san = san(sim).await?;
    let volumes = sim.volumes().await?;
    Ok(san
        .luns
        .iter()
        .map(|l| {
            let volume = volumes
                .iter()
                .find(|v| v.path.svm == l.svm && v.path.volume == l.path.volume);
            let maps: Vec<(u32, String, Option<String>)> = san
                .maps
                .iter()
                .filter(|m| m.svm == l.svm && m.lun == l.path)
                .map(|m| {
                    (
                        m.lun_id,
                        m.igroup.to_string(),
                        san.igroup(&m.svm, &m.igroup).map(|g| g.uuid.clone()),
                    )
                })
                .collect();
            render::lun(l, sim.svm_uuid(l.svm.as_str()).as_deref(), volume, &maps)
        })
        .collect())
}

pub(crate) async fn list_luns(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    listing(&call, &render::LUN, lun_records(&sim).await?)
}

pub(crate) async fn get_lun(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    by_uuid(&call, &render::LUN, lun_records(&sim).await?, &uuid)
}

pub(crate) async fn create_lun(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&["name", "svm", "os_type", "space.size"])?;
    let svm = body_svm(&sim, &body).await?;
    let name = body.required_str("name")?;
    let path = LunPath::parse(&name)
        .map_err(|_| ApiError::code(codes::LUN_INVALID_NAME).target("name"))?;
    let os = os_type(&body.required_str("os_type")?, "os_type")?;
    let size = body
        .size("space.size")?
        .ok_or_else(|| ApiError::missing("space.size"))?;
    let spec = NewLun {
        svm,
        path,
        os_type: os,
        size_bytes: size,
    };
    let lun = sim
        .array
        .create_lun(&spec)
        .await
        .map_err(|e| sim.map(&e, crate::sim::errors::Doing::CreateInVolume, None))?;
    let record = lun_records(&sim)
        .await?
        .into_iter()
        .find(|r| r["uuid"] == lun.uuid.as_str())
        .unwrap_or(Value::Null);
    created(&call, format!("/api/storage/luns/{}", lun.uuid), record)
}

pub(crate) async fn modify_lun(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    let body = call.body(&["enabled"])?;
    let enabled = body.bool("enabled")?.ok_or_else(|| {
        ApiError::code(codes::INVALID_FIELD).with_message("No fields to modify were specified.")
    })?;
    let lun = san(&sim)
        .await?
        .luns
        .into_iter()
        .find(|l| l.uuid == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    sim.array
        .set_lun_online(&lun.svm, &lun.path, enabled)
        .await
        .map_err(|e| sim.error(&e))?;
    Ok(reply(StatusCode::OK, json!({})))
}

fn igroup_record(sim: &Sim, san: &San, g: &Igroup) -> Value {
    let maps: Vec<(u32, String, Option<String>)> = san
        .maps
        .iter()
        .filter(|m| m.svm == g.svm && m.igroup == g.name)
        .map(|m| (m.lun_id, m.lun.to_string(), san.lun_uuid(&m.svm, &m.lun)))
        .collect();
    render::igroup(g, sim.svm_uuid(g.svm.as_str()).as_deref(), &maps)
}

pub(crate) async fn list_igroups(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let san = san(&sim).await?;
    let records = san
        .igroups
        .iter()
        .map(|g| igroup_record(&sim, &san, g))
        .collect();
    listing(&call, &render::IGROUP, records)
}

async fn igroup_by_uuid(sim: &Sim, uuid: &str) -> Result<(San, Igroup), ApiError> {
    let san = san(sim).await?;
    let g = san
        .igroups
        .iter()
        .find(|g| g.uuid == uuid)
        .cloned()
        .ok_or_else(|| {
            ApiError::code(codes::IGROUP_NOT_FOUND)
                .with_message("The initiator group specified in the URI does not exist.")
                .target("igroup.uuid")
        })?;
    Ok((san, g))
}

pub(crate) async fn get_igroup(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let san = san(&sim).await?;
    let g = san
        .igroups
        .iter()
        .find(|g| g.uuid == uuid)
        .ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::IGROUP, igroup_record(&sim, &san, g))
}

pub(crate) async fn create_igroup(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&["name", "svm", "os_type", "protocol", "initiators"])?;
    let svm = body_svm(&sim, &body).await?;
    let name_s = body.required_str("name")?;
    let name = IgroupName::new(&name_s).map_err(|_| ApiError::invalid_value(&name_s, "name"))?;
    let os = os_type(&body.required_str("os_type")?, "os_type")?;
    let protocol = match body.str("protocol")?.as_deref() {
        None | Some("mixed") => IgroupProtocol::Mixed,
        Some("fcp") => IgroupProtocol::Fcp,
        Some("iscsi") => IgroupProtocol::Iscsi,
        Some(other) => return Err(ApiError::invalid_value(other, "protocol")),
    };
    let initiators = match body.get("initiators") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i.get("name").and_then(Value::as_str) {
                Some(n) => initiator(n),
                None => Err(ApiError::missing("initiators.name")),
            })
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(ApiError::invalid_value(&other.to_string(), "initiators")),
    };
    let spec = NewIgroup {
        svm,
        name,
        protocol,
        os_type: os,
        initiators,
    };
    let g = sim
        .array
        .create_igroup(&spec)
        .await
        .map_err(|e| sim.error(&e))?;
    let san = san(&sim).await?;
    let record = igroup_record(&sim, &san, &g);
    created(
        &call,
        format!("/api/protocols/san/igroups/{}", g.uuid),
        record,
    )
}

pub(crate) async fn list_initiators(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (_, g) = igroup_by_uuid(&sim, &uuid).await?;
    let records = g
        .initiators
        .iter()
        .map(|i| render::initiator(&g, &i.to_string()))
        .collect();
    listing(&call, &render::INITIATOR, records)
}

pub(crate) async fn get_initiator(
    State(sim): State<Arc<Sim>>,
    Path((uuid, name)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let (_, g) = igroup_by_uuid(&sim, &uuid).await?;
    let wanted = initiator(&name)?;
    if !g.initiators.contains(&wanted) {
        return Err(ApiError::code(codes::INITIATOR_NOT_MEMBER).target("name"));
    }
    single(
        &call,
        &render::INITIATOR,
        render::initiator(&g, &wanted.to_string()),
    )
}

pub(crate) async fn add_initiators(
    State(sim): State<Arc<Sim>>,
    Path(uuid): Path<String>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&["name", "records"])?;
    let (_, g) = igroup_by_uuid(&sim, &uuid).await?;
    let names: Vec<String> = match (body.str("name")?, body.get("records")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::code(codes::INVALID_FIELD).with_message(
                "You can add initiators to an initiator group using the `records` property, or the `name` property, but you cannot use both in the same request.",
            ))
        }
        (Some(n), None) => vec![n],
        (None, Some(Value::Array(items))) => items
            .iter()
            .map(|i| i.get("name").and_then(Value::as_str).map(str::to_string).ok_or_else(|| ApiError::missing("records.name")))
            .collect::<Result<_, _>>()?,
        _ => return Err(ApiError::missing("name")),
    };
    let mut added = Vec::new();
    for n in &names {
        let i = initiator(n)?;
        sim.array
            .add_initiator(&g.svm, &g.name, &i)
            .await
            .map_err(|e| sim.error(&e))?;
        added.push(i.to_string());
    }
    let first = added.first().cloned().unwrap_or_default();
    created(
        &call,
        format!("/api/protocols/san/igroups/{uuid}/initiators/{first}"),
        render::initiator(&g, &first),
    )
}

pub(crate) async fn remove_initiator(
    State(sim): State<Arc<Sim>>,
    Path((uuid, name)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    call.query.allow_only(&["allow_delete_while_mapped"])?;
    let (_, g) = igroup_by_uuid(&sim, &uuid).await?;
    let i = initiator(&name)?;
    if !g.initiators.contains(&i) {
        return Err(ApiError::code(codes::INITIATOR_NOT_MEMBER).target("name"));
    }
    sim.array
        .remove_initiator(&g.svm, &g.name, &i)
        .await
        .map_err(|e| sim.error(&e))?;
    Ok(reply(StatusCode::OK, json!({})))
}

pub(crate) async fn list_maps(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let san = san(&sim).await?;
    let records = san.maps.iter().map(|m| san.map_record(&sim, m)).collect();
    listing(&call, &render::LUN_MAP, records)
}

fn find_map<'a>(san: &'a San, lun_uuid: &str, igroup_uuid: &str) -> Option<&'a LunMap> {
    let lun = san.luns.iter().find(|l| l.uuid == lun_uuid)?;
    let g = san.igroups.iter().find(|g| g.uuid == igroup_uuid)?;
    san.maps
        .iter()
        .find(|m| m.svm == lun.svm && m.lun == lun.path && m.svm == g.svm && m.igroup == g.name)
}

pub(crate) async fn get_map(
    State(sim): State<Arc<Sim>>,
    Path((lun_uuid, igroup_uuid)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let san = san(&sim).await?;
    let m = find_map(&san, &lun_uuid, &igroup_uuid).ok_or_else(ApiError::not_found_uuid)?;
    single(&call, &render::LUN_MAP, san.map_record(&sim, m))
}

pub(crate) async fn create_map(
    State(sim): State<Arc<Sim>>,
    call: Call,
) -> Result<Response, ApiError> {
    call.query.allow_only(&["return_records"])?;
    let body = call.body(&[
        "svm",
        "lun.name",
        "lun.uuid",
        "igroup.name",
        "igroup.uuid",
        "logical_unit_number",
    ])?;
    let san = san(&sim).await?;
    let lun = match (body.str("lun.uuid")?, body.str("lun.name")?) {
        (Some(u), _) => san.luns.iter().find(|l| l.uuid == u),
        (None, Some(n)) => {
            let svm = body_svm(&sim, &body).await?;
            san.luns
                .iter()
                .find(|l| l.svm == svm && l.path.to_string() == n)
        }
        (None, None) => return Err(ApiError::code(codes::LUN_MAP_LUN_REQUIRED)),
    }
    .cloned()
    .ok_or_else(|| ApiError::code(codes::LUN_MAP_LUN_MISSING).target("lun"))?;
    let igroup = match (body.str("igroup.uuid")?, body.str("igroup.name")?) {
        (Some(u), _) => san.igroups.iter().find(|g| g.uuid == u),
        (None, Some(n)) => san
            .igroups
            .iter()
            .find(|g| g.svm == lun.svm && g.name.as_str() == n),
        (None, None) => return Err(ApiError::code(codes::LUN_MAP_IGROUP_REQUIRED)),
    }
    .cloned()
    .ok_or_else(|| ApiError::code(codes::IGROUP_NOT_FOUND).target("igroup"))?;
    let lun_id = body
        .u64("logical_unit_number")?
        .map(|n| {
            u32::try_from(n)
                .map_err(|_| ApiError::invalid_value(&n.to_string(), "logical_unit_number"))
        })
        .transpose()?;
    let map = sim
        .array
        .map_lun(&lun.svm, &lun.path, &igroup.name, lun_id)
        .await
        .map_err(|e| sim.error(&e))?;
    let san = self::san(&sim).await?;
    let record = san.map_record(&sim, &map);
    created(
        &call,
        format!("/api/protocols/san/lun-maps/{}/{}", lun.uuid, igroup.uuid),
        record,
    )
}

pub(crate) async fn delete_map(
    State(sim): State<Arc<Sim>>,
    Path((lun_uuid, igroup_uuid)): Path<(String, String)>,
    call: Call,
) -> Result<Response, ApiError> {
    call.no_body()?;
    let san = san(&sim).await?;
    let m = find_map(&san, &lun_uuid, &igroup_uuid)
        .cloned()
        .ok_or_else(ApiError::not_found_uuid)?;
    sim.array
        .unmap_lun(&m.svm, &m.lun, &m.igroup)
        .await
        .map_err(|e| sim.error(&e))?;
    Ok(reply(StatusCode::OK, json!({})))
}

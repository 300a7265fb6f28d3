//! Collection GETs: query parameters, filtering, ordering, paging and the envelope
//! `{"records":[…],"num_records":N,"_links":{"self":…,"next":…}}`.

use serde_json::{json, Value};

use super::body::parse_bool;
use super::errors::ApiError;
use super::fields::{Schema, Selection, Version};
use super::filter::Filter;

/// The query string of a request, split into ONTAP's control parameters and filters.
#[derive(Clone, Debug)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
    /// The release the cluster answers as, which decides the fields it knows.
    pub version: Version,
}

/// Parameters every collection GET understands besides filters.
const CONTROL: &[&str] = &[
    "fields",
    "max_records",
    "return_records",
    "return_timeout",
    "order_by",
];

impl Query {
    /// Parses a raw query string sent to a cluster running `version`.
    pub fn parse(raw: Option<&str>, version: Version) -> Self {
        Self {
            version,
            pairs: raw
                .map(|q| {
                    url::form_urlencoded::parse(q.as_bytes())
                        .into_owned()
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// The value of a parameter.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A boolean parameter (`true`/`false`); absent is `false`.
    pub fn flag(&self, key: &str) -> Result<bool, ApiError> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => parse_bool(v).ok_or_else(|| ApiError::invalid_value(v, key)),
        }
    }

    /// `return_timeout` (0–120 s); `default` when absent.
    pub fn return_timeout(&self, default: u64) -> Result<u64, ApiError> {
        match self.get("return_timeout") {
            None => Ok(default),
            Some(v) => match v.trim().parse::<u64>() {
                Ok(n) if n <= 120 => Ok(n),
                _ => Err(ApiError::invalid_value(v, "return_timeout")),
            },
        }
    }

    /// Refuses parameters of a write request other than `allowed` (262179).
    pub fn allow_only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        for (k, _) in &self.pairs {
            if !allowed.contains(&k.as_str()) {
                return Err(ApiError::unexpected_argument(k));
            }
        }
        Ok(())
    }
}

/// A collection GET: `records` are the resource's full records (every field of `schema`).
/// `extra_params` are route flags (e.g. `list_destinations_only`) that are not filters.
pub(crate) fn respond(
    path: &str,
    query: &Query,
    schema: &Schema,
    extra_params: &[&str],
    mut records: Vec<Value>,
) -> Result<Value, ApiError> {
    let selection = Selection::parse(query.get("fields"), schema, query.version)?;
    query.return_timeout(15)?;
    let mut filters = Vec::new();
    let mut start = Vec::new();
    for (k, v) in &query.pairs {
        if CONTROL.contains(&k.as_str()) || extra_params.contains(&k.as_str()) {
            continue;
        }
        if let Some(field) = k.strip_prefix("start.") {
            start.push((field.to_string(), v.clone()));
        } else if schema.knows(k, query.version) {
            filters.push(Filter {
                field: k.clone(),
                pattern: v.clone(),
            });
        } else {
            return Err(ApiError::unexpected_argument(k));
        }
    }
    records.retain(|r| filters.iter().all(|f| f.admits(r)));
    if let Some(order) = query.get("order_by") {
        sort(&mut records, order, schema, query.version)?;
    }
    if !start.is_empty() {
        let pos = records
            .iter()
            .position(|r| {
                start
                    .iter()
                    .all(|(f, v)| text_at(r, f).as_deref() == Some(v.as_str()))
            })
            .unwrap_or(records.len());
        records.drain(..pos);
    }
    let max = match query.get("max_records") {
        None => usize::MAX,
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => return Err(ApiError::invalid_value(v, "max_records")),
        },
    };
    let next = records
        .get(max)
        .map(|first_of_next| next_href(path, query, schema, first_of_next));
    records.truncate(max);
    let selection = selection.with(filters.into_iter().map(|f| f.field));
    let page: Vec<Value> = records
        .iter()
        .map(|r| selection.project(r, schema))
        .collect();

    let mut links = json!({ "self": { "href": self_href(path, query) } });
    if let Some(next) = next {
        links["next"] = json!({ "href": next });
    }
    let mut out = json!({});
    if query
        .flag("return_records")
        .map(|f| f || query.get("return_records").is_none())?
    {
        out["records"] = Value::Array(page.clone());
    }
    out["num_records"] = json!(page.len());
    out["_links"] = links;
    Ok(out)
}

fn self_href(path: &str, query: &Query) -> String {
    if query.pairs.is_empty() {
        path.to_string()
    } else {
        format!(
            "{path}?{}",
            encode(query.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        )
    }
}

fn next_href(path: &str, query: &Query, schema: &Schema, first_of_next: &Value) -> String {
    let cursor: Vec<(String, String)> = schema
        .key
        .iter()
        .map(|k| {
            (
                format!("start.{k}"),
                text_at(first_of_next, k).unwrap_or_default(),
            )
        })
        .collect();
    let rest = query.pairs.iter().filter(|(k, _)| !k.starts_with("start."));
    let all = cursor
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .chain(rest.map(|(k, v)| (k.as_str(), v.as_str())));
    format!("{path}?{}", encode(all))
}

fn encode<'a>(pairs: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

fn text_at(record: &Value, path: &str) -> Option<String> {
    let mut cur = record;
    for p in path.split('.') {
        cur = cur.get(p)?;
    }
    match cur {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

fn sort(
    records: &mut [Value],
    order: &str,
    schema: &Schema,
    version: Version,
) -> Result<(), ApiError> {
    let mut keys = Vec::new();
    for part in order.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, dir) = match part.split_once(' ') {
            Some((f, d)) => (f.trim(), d.trim()),
            None => (part, "asc"),
        };
        if !schema.knows(field, version) {
            return Err(ApiError::invalid_value(field, "order_by"));
        }
        let desc = match dir {
            "asc" => false,
            "desc" => true,
            other => return Err(ApiError::invalid_value(other, "order_by")),
        };
        keys.push((field.to_string(), desc));
    }
    records.sort_by(|a, b| {
        for (field, desc) in &keys {
            let (x, y) = (sort_key(a, field), sort_key(b, field));
            let o = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
            let o = if *desc { o.reverse() } else { o };
            if o != std::cmp::Ordering::Equal {
                return o;
            }
        }
        std::cmp::Ordering::Equal
    });
    Ok(())
}

#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Missing,
    Num(f64),
    Text(String),
}

fn sort_key(r: &Value, field: &str) -> SortKey {
    let mut cur = r;
    for p in field.split('.') {
        match cur.get(p) {
            Some(v) => cur = v,
            None => return SortKey::Missing,
        }
    }
    match cur {
        Value::Number(n) => SortKey::Num(n.as_f64().unwrap_or(0.0)),
        Value::String(s) => SortKey::Text(s.to_ascii_lowercase()),
        Value::Null => SortKey::Missing,
        other => SortKey::Text(other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: Schema = Schema {
        identity: &["uuid", "name"],
        common: &["state", "size"],
        expensive: &[],
        key: &["uuid"],
        since: &[],
    };

    const V: Version = (9, 16, 1);

    fn records() -> Vec<Value> {
        (1..=5)
            .map(|i| {
                json!({"uuid": format!("u{i}"), "name": format!("vol{i}"), "state": if i % 2 == 0 {"offline"} else {"online"},
                       "size": i * 100, "_links": {"self": {"href": format!("/api/storage/volumes/u{i}")}}})
            })
            .collect()
    }

    #[test]
    fn envelope_with_next_link_when_max_records_cuts() {
        let q = Query::parse(Some("max_records=2&fields=state"), V);
        let out = respond("/api/storage/volumes", &q, &SCHEMA, &[], records()).unwrap();
        assert_eq!(out["num_records"], 2);
        assert_eq!(out["records"][1]["name"], "vol2");
        assert_eq!(out["records"][0]["state"], "online");
        let next = out["_links"]["next"]["href"].as_str().unwrap();
        assert_eq!(
            next,
            "/api/storage/volumes?start.uuid=u3&max_records=2&fields=state"
        );
        let q2 = Query::parse(next.split_once('?').map(|(_, q)| q), V);
        let out2 = respond("/api/storage/volumes", &q2, &SCHEMA, &[], records()).unwrap();
        assert_eq!(out2["records"][0]["name"], "vol3");
        let q3 = Query::parse(Some("start.uuid=u5&max_records=2"), V);
        let out3 = respond("/api/storage/volumes", &q3, &SCHEMA, &[], records()).unwrap();
        assert_eq!(out3["num_records"], 1);
        assert!(out3["_links"].get("next").is_none());
    }

    #[test]
    fn filters_are_returned_and_order_by_sorts() {
        let q = Query::parse(Some("state=online&order_by=size desc"), V);
        let out = respond("/api/storage/volumes", &q, &SCHEMA, &[], records()).unwrap();
        let names: Vec<&str> = out["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["vol5", "vol3", "vol1"]);
        assert_eq!(out["records"][0]["state"], "online");
        assert!(out["records"][0].get("size").is_none());
    }

    #[test]
    fn return_records_false_gives_only_the_count() {
        let q = Query::parse(Some("return_records=false"), V);
        let out = respond("/api/storage/volumes", &q, &SCHEMA, &[], records()).unwrap();
        assert!(out.get("records").is_none());
        assert_eq!(out["num_records"], 5);
    }

    #[test]
    fn unknown_filters_and_bad_limits_are_refused() {
        let q = Query::parse(Some("colour=red"), V);
        assert_eq!(
            respond("/x", &q, &SCHEMA, &[], records()).unwrap_err().code,
            262179
        );
        let q = Query::parse(Some("return_timeout=500"), V);
        assert_eq!(
            respond("/x", &q, &SCHEMA, &[], records()).unwrap_err().code,
            262197
        );
        let q = Query::parse(Some("max_records=0"), V);
        assert_eq!(
            respond("/x", &q, &SCHEMA, &[], records()).unwrap_err().code,
            262197
        );
    }
}

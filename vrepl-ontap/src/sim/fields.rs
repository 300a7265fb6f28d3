//! `fields=` selection: identity fields by default, `*` for the common fields, `**` for all
//! (expensive ones included), or a list of dotted paths; unknown entries fail the whole
//! request with 400 / 262197, as ONTAP does.

use serde_json::{Map, Value};

use super::errors::ApiError;

/// The fields of one resource, as dotted leaf paths.
#[derive(Debug)]
pub(crate) struct Schema {
    /// Always returned (and all a plain GET returns, with `_links`).
    pub identity: &'static [&'static str],
    /// Returned with `fields=*` (and by GET of a single object).
    pub common: &'static [&'static str],
    /// Returned only when asked for by name or with `fields=**`.
    pub expensive: &'static [&'static str],
    /// The fields a `start.` cursor names (`uuid` for most resources).
    pub key: &'static [&'static str],
}

impl Schema {
    fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.identity
            .iter()
            .chain(self.common)
            .chain(self.expensive)
            .copied()
    }

    /// Whether `path` names a field (a leaf, or an object holding leaves).
    pub fn knows(&self, path: &str) -> bool {
        path == "_links"
            || self.all().any(|f| {
                f == path
                    || f.starts_with(&format!("{path}."))
                    || path.starts_with(&format!("{f}."))
            })
    }
}

/// What a request selected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Selection {
    /// No `fields`: identity only.
    Identity,
    /// Identity plus these paths (from `*`, `**` and/or a list).
    Paths(Vec<String>),
}

impl Selection {
    /// Parses `fields=` against the schema; the first unknown entry is a 262197.
    pub fn parse(fields: Option<&str>, schema: &Schema) -> Result<Self, ApiError> {
        let Some(fields) = fields else {
            return Ok(Self::Identity);
        };
        let mut paths: Vec<String> = Vec::new();
        for f in fields.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            match f {
                "*" => paths.extend(schema.common.iter().map(|s| s.to_string())),
                "**" => paths.extend(
                    schema
                        .common
                        .iter()
                        .chain(schema.expensive)
                        .map(|s| s.to_string()),
                ),
                f if schema.knows(f) => paths.push(f.to_string()),
                f => return Err(ApiError::invalid_value(f, "fields")),
            }
        }
        Ok(Self::Paths(paths))
    }

    /// The `*` selection: what GET of a single object returns.
    pub fn common(schema: &Schema) -> Self {
        Self::Paths(schema.common.iter().map(|s| s.to_string()).collect())
    }

    /// Adds paths (e.g. the fields a query filtered on, which ONTAP returns too).
    pub fn with(mut self, extra: impl IntoIterator<Item = String>) -> Self {
        let mut paths = match self {
            Self::Identity => Vec::new(),
            Self::Paths(p) => p,
        };
        paths.extend(extra);
        self = Self::Paths(paths);
        self
    }

    /// The record reduced to identity fields, `_links` and the selected paths.
    pub fn project(&self, record: &Value, schema: &Schema) -> Value {
        let mut out = Value::Object(Map::new());
        let extra: &[String] = match self {
            Self::Identity => &[],
            Self::Paths(p) => p,
        };
        for path in schema
            .identity
            .iter()
            .copied()
            .chain(extra.iter().map(String::as_str))
            .chain(["_links"])
        {
            if let Some(v) = pick(record, path) {
                merge(&mut out, v);
            }
        }
        out
    }
}

/// The part of `record` at `path`, wrapped in its parents (`{"svm":{"name":…}}`); arrays are
/// projected element-wise.
fn pick(record: &Value, path: &str) -> Option<Value> {
    let (head, rest) = match path.split_once('.') {
        Some((h, r)) => (h, Some(r)),
        None => (path, None),
    };
    let child = record.as_object()?.get(head)?;
    let picked = match rest {
        None => child.clone(),
        Some(rest) => match child {
            Value::Array(items) => {
                let parts: Vec<Value> = items
                    .iter()
                    .map(|i| pick(i, rest).unwrap_or(Value::Object(Map::new())))
                    .collect();
                Value::Array(parts)
            }
            other => pick(other, rest)?,
        },
    };
    let mut m = Map::new();
    m.insert(head.to_string(), picked);
    Some(Value::Object(m))
}

/// Deep merge: objects key by key, arrays element by element.
fn merge(into: &mut Value, from: Value) {
    match (into, from) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in b {
                match a.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        a.insert(k, v);
                    }
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (i, v) in b.into_iter().enumerate() {
                match a.get_mut(i) {
                    Some(existing) => merge(existing, v),
                    None => a.push(v),
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const SCHEMA: Schema = Schema {
        identity: &["uuid", "name"],
        common: &[
            "svm.name",
            "svm.uuid",
            "state",
            "initiators.name",
            "initiators.comment",
        ],
        expensive: &["nas.path"],
        key: &["uuid"],
    };

    fn record() -> Value {
        json!({"uuid":"u1","name":"v1","svm":{"name":"s","uuid":"su"},"state":"online",
               "initiators":[{"name":"a","comment":"x"},{"name":"b","comment":"y"}],
               "nas":{"path":"/v1"},"_links":{"self":{"href":"/api/storage/volumes/u1"}}})
    }

    #[test]
    fn default_is_identity_and_links() {
        let sel = Selection::parse(None, &SCHEMA).unwrap();
        assert_eq!(
            sel.project(&record(), &SCHEMA),
            json!({"uuid":"u1","name":"v1","_links":{"self":{"href":"/api/storage/volumes/u1"}}})
        );
    }

    #[test]
    fn star_leaves_out_expensive_fields_and_double_star_has_them() {
        let star = Selection::parse(Some("*"), &SCHEMA)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert!(star.get("nas").is_none());
        assert_eq!(star["svm"]["uuid"], "su");
        let all = Selection::parse(Some("**"), &SCHEMA)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(all["nas"]["path"], "/v1");
    }

    #[test]
    fn lists_select_dotted_paths_and_objects() {
        let p = Selection::parse(Some("svm,initiators.name"), &SCHEMA)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(p["svm"], json!({"name":"s","uuid":"su"}));
        assert_eq!(p["initiators"], json!([{"name":"a"},{"name":"b"}]));
        assert!(p.get("state").is_none());
    }

    #[test]
    fn unknown_field_fails_with_262197() {
        let e = Selection::parse(Some("name,fru"), &SCHEMA).unwrap_err();
        assert_eq!(e.code, 262197);
        assert_eq!(
            e.message,
            r#"The value "fru" is invalid for field "fields" (<field,...>)"#
        );
        assert_eq!(e.target.as_deref(), Some("fields"));
    }
}

//! `fields=` selection: identity fields by default, `*` for the common fields, `**` for all
//! (expensive ones included), or a list of dotted paths; unknown entries fail the whole
//! request with 400 / 262197, as ONTAP does.
//!
//! Fields are version-aware: a field a release after 9.8 added (its "since" in ONTAP's 9.16
//! API catalog) exists only on a cluster running that release or a later one. On an older
//! cluster it is unknown (262197 when asked for) and never shown.

use serde_json::{Map, Value};

use super::errors::ApiError;

/// An ONTAP release, `(9, 16, 1)`.
pub(crate) type Version = (u8, u8, u8);

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
    /// Fields (leaves or objects) added after 9.8, with the release that added them.
    pub since: &'static [(&'static str, Version)],
}

impl Schema {
    fn all(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.identity
            .iter()
            .chain(self.common)
            .chain(self.expensive)
            .copied()
    }

    /// The release that added `leaf`, when it came after 9.8.
    fn added_in(&self, leaf: &str) -> Option<Version> {
        self.since
            .iter()
            .find(|(f, _)| leaf == *f || leaf.starts_with(&format!("{f}.")))
            .map(|(_, v)| *v)
    }

    /// Whether a cluster running `version` has `leaf`.
    fn serves(&self, leaf: &str, version: Version) -> bool {
        self.added_in(leaf).map_or(true, |v| v <= version)
    }

    /// Whether `path` names a field (a leaf, or an object holding leaves) on a cluster running
    /// `version`.
    pub fn knows(&self, path: &str, version: Version) -> bool {
        path == "_links"
            || self.all().filter(|f| self.serves(f, version)).any(|f| {
                f == path
                    || f.starts_with(&format!("{path}."))
                    || path.starts_with(&format!("{f}."))
            })
    }

    /// Removes from `record` every field newer than `version`.
    fn prune(&self, record: &mut Value, version: Version) {
        for (field, added) in self.since {
            if *added > version {
                remove(record, field);
            }
        }
    }
}

/// Removes the dotted `path` from `v` (arrays element-wise).
fn remove(v: &mut Value, path: &str) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(|i| remove(i, path)),
        Value::Object(map) => match path.split_once('.') {
            None => {
                map.remove(path);
            }
            Some((head, rest)) => {
                if let Some(child) = map.get_mut(head) {
                    remove(child, rest);
                }
            }
        },
        _ => {}
    }
}

/// What a request selected, on a cluster running `version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Selection {
    /// Selected paths besides the identity fields (none without `fields=`).
    paths: Vec<String>,
    version: Version,
}

impl Selection {
    /// Parses `fields=` against the schema as a cluster running `version` knows it; the first
    /// unknown entry is a 262197.
    pub fn parse(
        fields: Option<&str>,
        schema: &Schema,
        version: Version,
    ) -> Result<Self, ApiError> {
        let mut paths: Vec<String> = Vec::new();
        let served = |list: &'static [&'static str]| {
            list.iter()
                .filter(move |f| schema.serves(f, version))
                .map(|s| s.to_string())
        };
        for f in fields
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
        {
            match f {
                "*" => paths.extend(served(schema.common)),
                "**" => paths.extend(served(schema.common).chain(served(schema.expensive))),
                f if schema.knows(f, version) => paths.push(f.to_string()),
                f => return Err(ApiError::invalid_value(f, "fields")),
            }
        }
        Ok(Self { paths, version })
    }

    /// The `*` selection: what GET of a single object returns.
    pub fn common(schema: &Schema, version: Version) -> Self {
        Self::parse(Some("*"), schema, version).expect("`*` is always valid")
    }

    /// Adds paths (e.g. the fields a query filtered on, which ONTAP returns too).
    pub fn with(mut self, extra: impl IntoIterator<Item = String>) -> Self {
        self.paths.extend(extra);
        self
    }

    /// The record reduced to identity fields, `_links` and the selected paths, without the
    /// fields the cluster's release does not have.
    pub fn project(&self, record: &Value, schema: &Schema) -> Value {
        let mut out = Value::Object(Map::new());
        let extra: &[String] = &self.paths;
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
        schema.prune(&mut out, self.version);
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
        expensive: &["nas.path", "delta.size_consumed", "delta.time_elapsed"],
        key: &["uuid"],
        since: &[("delta", (9, 12, 0)), ("state", (9, 9, 0))],
    };

    const V9_16: Version = (9, 16, 1);

    fn record() -> Value {
        json!({"uuid":"u1","name":"v1","svm":{"name":"s","uuid":"su"},"state":"online",
               "initiators":[{"name":"a","comment":"x"},{"name":"b","comment":"y"}],
               "nas":{"path":"/v1"},"delta":{"size_consumed":7,"time_elapsed":"PT1M"},"_links":{"self":{"href":"/api/storage/volumes/u1"}}})
    }

    #[test]
    fn default_is_identity_and_links() {
        let sel = Selection::parse(None, &SCHEMA, V9_16).unwrap();
        assert_eq!(
            sel.project(&record(), &SCHEMA),
            json!({"uuid":"u1","name":"v1","_links":{"self":{"href":"/api/storage/volumes/u1"}}})
        );
    }

    #[test]
    fn star_leaves_out_expensive_fields_and_double_star_has_them() {
        let star = Selection::parse(Some("*"), &SCHEMA, V9_16)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert!(star.get("nas").is_none());
        assert_eq!(star["svm"]["uuid"], "su");
        let all = Selection::parse(Some("**"), &SCHEMA, V9_16)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(all["nas"]["path"], "/v1");
    }

    #[test]
    fn lists_select_dotted_paths_and_objects() {
        let p = Selection::parse(Some("svm,initiators.name"), &SCHEMA, V9_16)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(p["svm"], json!({"name":"s","uuid":"su"}));
        assert_eq!(p["initiators"], json!([{"name":"a"},{"name":"b"}]));
        assert!(p.get("state").is_none());
    }

    #[test]
    fn unknown_field_fails_with_262197() {
        let e = Selection::parse(Some("name,fru"), &SCHEMA, V9_16).unwrap_err();
        assert_eq!(e.code, 262197);
        assert_eq!(
            e.message,
            r#"The value "fru" is invalid for field "fields" (<field,...>)"#
        );
        assert_eq!(e.target.as_deref(), Some("fields"));
    }

    #[test]
    fn fields_newer_than_the_cluster_are_unknown_and_never_shown() {
        let old = (9, 8, 0);
        let e = Selection::parse(Some("name,delta"), &SCHEMA, old).unwrap_err();
        assert_eq!(e.code, 262197);
        let all = Selection::parse(Some("**"), &SCHEMA, old)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert!(all.get("delta").is_none() && all.get("state").is_none());
        assert_eq!(all["nas"]["path"], "/v1");
        // Asking for an object holding a newer leaf does not leak it either.
        assert!(!SCHEMA.knows("delta.size_consumed", old));
        let new = Selection::parse(Some("delta"), &SCHEMA, V9_16)
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(new["delta"]["size_consumed"], 7);
        let star = Selection::parse(Some("*"), &SCHEMA, (9, 9, 0))
            .unwrap()
            .project(&record(), &SCHEMA);
        assert_eq!(star["state"], "online");
        assert!(star.get("delta").is_none());
    }
}

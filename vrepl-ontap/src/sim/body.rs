//! Request bodies the way ONTAP reads them: nested JSON or flattened dotted keys
//! (`"clone.parent_volume.name"`), booleans as strings (`"true"`), sizes with units (`"300G"`).

use serde_json::{Map, Value};

use super::errors::ApiError;
use crate::codes;

/// A parsed, normalized request body (always an object; an empty body is `{}`).
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Body(Map<String, Value>);

impl Body {
    /// Parses a body; dotted keys are expanded into nested objects.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self::default());
        }
        let value: Value = serde_json::from_slice(bytes).map_err(|e| {
            ApiError::code(codes::INVALID_JSON).with_message(codes::invalid_json(&format!(
                "Error at line {}, column {}: {e}",
                e.line(),
                e.column()
            )))
        })?;
        match value {
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    insert_dotted(&mut out, &k, expand(v));
                }
                Ok(Self(out))
            }
            _ => Err(ApiError::code(codes::INVALID_JSON_UNKNOWN)
                .with_message("Invalid JSON input. The request body must be a JSON object.")),
        }
    }

    /// Whether the body has no fields.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Refuses fields outside `allowed` (dotted paths; a path admits everything below it) with
    /// ONTAP's 262179 "Unexpected argument".
    pub fn allow_only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let mut leaves = Vec::new();
        collect_leaves(&self.0, "", &mut leaves);
        for leaf in leaves {
            let ok = allowed.iter().any(|a| {
                leaf == *a
                    || leaf.starts_with(&format!("{a}."))
                    || a.starts_with(&format!("{leaf}."))
            });
            if !ok {
                return Err(ApiError::unexpected_argument(&leaf));
            }
        }
        Ok(())
    }

    /// The value at a dotted path.
    pub fn get(&self, path: &str) -> Option<&Value> {
        let mut parts = path.split('.');
        let mut cur = self.0.get(parts.next()?)?;
        for p in parts {
            cur = cur.as_object()?.get(p)?;
        }
        Some(cur)
    }

    /// Whether the path is present (even as `null`).
    pub fn has(&self, path: &str) -> bool {
        self.get(path).is_some()
    }

    /// A string field (numbers are accepted and printed).
    pub fn str(&self, path: &str) -> Result<Option<String>, ApiError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(other) => Err(ApiError::invalid_value(&other.to_string(), path)),
        }
    }

    /// A required string field.
    pub fn required_str(&self, path: &str) -> Result<String, ApiError> {
        self.str(path)?.ok_or_else(|| ApiError::missing(path))
    }

    /// A boolean field: `true` or `"true"`.
    pub fn bool(&self, path: &str) -> Result<Option<bool>, ApiError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) => parse_bool(s)
                .map(Some)
                .ok_or_else(|| ApiError::invalid_value(s, path)),
            Some(other) => Err(ApiError::invalid_value(&other.to_string(), path)),
        }
    }

    /// An unsigned integer field (`3` or `"3"`).
    pub fn u64(&self, path: &str) -> Result<Option<u64>, ApiError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid_value(&n.to_string(), path)),
            Some(Value::String(s)) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::invalid_value(s, path)),
            Some(other) => Err(ApiError::invalid_value(&other.to_string(), path)),
        }
    }

    /// A size in bytes: a number, or a string with a unit (`"300G"`, `"240MB"`, powers of 1024).
    pub fn size(&self, path: &str) -> Result<Option<u64>, ApiError> {
        match self.get(path) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid_value(&n.to_string(), path)),
            Some(Value::String(s)) => parse_size(s)
                .map(Some)
                .ok_or_else(|| ApiError::invalid_value(s, path)),
            Some(other) => Err(ApiError::invalid_value(&other.to_string(), path)),
        }
    }
}

/// `true`/`false` in any case, as ONTAP accepts them in bodies and queries.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// `"300G"`, `"240MB"`, `"20m"`, `"1024"`: KB/MB/GB/TB/PB are powers of 1024.
pub(crate) fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1 << 10,
        "m" | "mb" => 1 << 20,
        "g" | "gb" => 1 << 30,
        "t" | "tb" => 1 << 40,
        "p" | "pb" => 1 << 50,
        _ => return None,
    };
    if num.contains('.') {
        let v: f64 = num.parse().ok()?;
        Some((v * mult as f64) as u64)
    } else {
        num.parse::<u64>().ok()?.checked_mul(mult)
    }
}

fn expand(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                insert_dotted(&mut out, &k, expand(v));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(expand).collect()),
        other => other,
    }
}

fn insert_dotted(map: &mut Map<String, Value>, key: &str, value: Value) {
    match key.split_once('.') {
        None => match (map.get_mut(key), value) {
            (Some(Value::Object(existing)), Value::Object(new)) => {
                for (k, v) in new {
                    insert_dotted(existing, &k, v);
                }
            }
            (_, value) => {
                map.insert(key.to_string(), value);
            }
        },
        Some((head, rest)) => {
            let entry = map
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !entry.is_object() {
                *entry = Value::Object(Map::new());
            }
            if let Value::Object(inner) = entry {
                insert_dotted(inner, rest, value);
            }
        }
    }
}

fn collect_leaves(map: &Map<String, Value>, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in map {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
        match v {
            Value::Object(inner) if !inner.is_empty() => collect_leaves(inner, &path, out),
            _ => out.push(path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dotted_keys_and_string_booleans_read_like_nested_json() {
        let b = Body::parse(
            br#"{"svm.name":"vs1","clone.is_flexclone":"true","clone.parent_volume.name":"p","clone":{"parent_snapshot":{"name":"s"}},"name":"c"}"#,
        )
        .unwrap();
        assert_eq!(b.str("svm.name").unwrap().as_deref(), Some("vs1"));
        assert_eq!(b.bool("clone.is_flexclone").unwrap(), Some(true));
        assert_eq!(
            b.str("clone.parent_volume.name").unwrap().as_deref(),
            Some("p")
        );
        assert_eq!(
            b.str("clone.parent_snapshot.name").unwrap().as_deref(),
            Some("s")
        );
        assert!(b.allow_only(&["svm", "clone", "name"]).is_ok());
        let e = b.allow_only(&["svm", "name"]).unwrap_err();
        assert_eq!(e.code, 262179);
    }

    #[test]
    fn sizes_take_binary_units() {
        assert_eq!(parse_size("300G"), Some(300 << 30));
        assert_eq!(parse_size("240MB"), Some(240 << 20));
        assert_eq!(parse_size("20m"), Some(20 << 20));
        assert_eq!(parse_size("1.5TB"), Some(3 << 39));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("12 parsecs"), None);
        let b = Body::parse(json!({"space": {"size": "1g"}}).to_string().as_bytes()).unwrap();
        assert_eq!(b.size("space.size").unwrap(), Some(1 << 30));
    }

    #[test]
    fn bad_json_is_262199_and_bad_boolean_is_262197() {
        assert_eq!(Body::parse(b"{\"name\":").unwrap_err().code, 262199);
        let b = Body::parse(br#"{"enabled":"yes"}"#).unwrap();
        assert_eq!(b.bool("enabled").unwrap_err().code, 262197);
        assert!(Body::parse(b"").unwrap().is_empty());
    }
}

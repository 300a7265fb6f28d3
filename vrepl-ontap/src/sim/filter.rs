//! Property filters on collection GETs: `name=RG*`, `state=!broken_off`,
//! `state=snapmirrored|paused`, `size=>1G`, `lag_time=>P2DT`, `nas.path=null`, `nas.path=!null`.
//! Matching is case-insensitive for strings, numeric for numbers (sizes with units accepted),
//! by duration for ISO-8601 durations; an array field matches if any element does.

use serde_json::Value;

use super::body::{parse_bool, parse_size};
use super::time_fmt::parse_iso_duration;

/// One `field=pattern` query filter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Filter {
    /// The dotted field.
    pub field: String,
    /// The pattern as given.
    pub pattern: String,
}

impl Filter {
    /// Whether the record passes.
    pub fn admits(&self, record: &Value) -> bool {
        let mut values = Vec::new();
        collect(record, &self.field, &mut values);
        self.pattern.split('|').any(|alt| alt_admits(alt, &values))
    }
}

fn alt_admits(alt: &str, values: &[&Value]) -> bool {
    if let Some(neg) = alt.strip_prefix('!') {
        return match neg {
            "null" => !values.is_empty(),
            _ => !values.iter().any(|v| term_matches(neg, v)),
        };
    }
    if alt == "null" {
        return values.is_empty();
    }
    values.iter().any(|v| term_matches(alt, v))
}

fn term_matches(term: &str, value: &Value) -> bool {
    for (op, f) in [
        (
            "<=",
            (|o| o != std::cmp::Ordering::Greater) as fn(std::cmp::Ordering) -> bool,
        ),
        (">=", |o| o != std::cmp::Ordering::Less),
        ("<", |o| o == std::cmp::Ordering::Less),
        (">", |o| o == std::cmp::Ordering::Greater),
    ] {
        if let Some(operand) = term.strip_prefix(op) {
            return compare(value, operand).is_some_and(f);
        }
    }
    match value {
        Value::String(s) => glob(&term.to_ascii_lowercase(), &s.to_ascii_lowercase()),
        Value::Bool(b) => parse_bool(term) == Some(*b),
        Value::Number(n) => match (n.as_f64(), number(term)) {
            (Some(a), Some(b)) => a == b,
            _ => glob(term, &n.to_string()),
        },
        _ => false,
    }
}

fn compare(value: &Value, operand: &str) -> Option<std::cmp::Ordering> {
    match value {
        Value::Number(n) => n.as_f64()?.partial_cmp(&number(operand)?),
        Value::String(s) => match (parse_iso_duration(s), parse_iso_duration(operand)) {
            (Some(a), Some(b)) => Some(a.cmp(&b)),
            _ => Some(s.as_str().cmp(operand)),
        },
        _ => None,
    }
}

fn number(s: &str) -> Option<f64> {
    s.trim()
        .parse::<f64>()
        .ok()
        .or_else(|| parse_size(s).map(|n| n as f64))
}

/// `*` matches any run of characters.
fn glob(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || text.len() < first.len() + last.len() || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

fn collect<'a>(v: &'a Value, path: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, path, out)),
        Value::Object(map) => {
            let (head, rest) = match path.split_once('.') {
                Some((h, r)) => (h, Some(r)),
                None => (path, None),
            };
            match (map.get(head), rest) {
                (Some(Value::Null) | None, _) => {}
                (Some(Value::Array(items)), None) => out.extend(items.iter()),
                (Some(child), None) => out.push(child),
                (Some(child), Some(rest)) => collect(child, rest, out),
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn f(field: &str, pattern: &str) -> Filter {
        Filter {
            field: field.into(),
            pattern: pattern.into(),
        }
    }

    #[test]
    fn wildcards_negation_and_alternatives() {
        let r = json!({"name":"RG1FV1_SM","state":"snapmirrored","svm":{"name":"fas2050upper"}});
        assert!(f("name", "RG*").admits(&r));
        assert!(f("name", "*fv1*").admits(&r));
        assert!(!f("name", "LP*").admits(&r));
        assert!(f("state", "!broken_off").admits(&r));
        assert!(!f("state", "!snapmirrored").admits(&r));
        assert!(f("state", "paused|snapmirrored").admits(&r));
        assert!(f("svm.name", "fas2050upper").admits(&r));
    }

    #[test]
    fn comparisons_on_numbers_sizes_and_durations() {
        let r = json!({"size": 1073741824u64, "lag_time": "PT8H35M42S", "healthy": true});
        assert!(f("size", ">1000").admits(&r));
        assert!(f("size", "<=1G").admits(&r));
        assert!(!f("size", "<1G").admits(&r));
        assert!(f("lag_time", "<PT10H").admits(&r));
        assert!(!f("lag_time", ">P2DT").admits(&r));
        assert!(f("healthy", "true").admits(&r));
    }

    #[test]
    fn null_and_arrays() {
        let r = json!({"nas":{"export_policy":{"name":"default"}},"initiators":[{"name":"a"},{"name":"b"}]});
        assert!(f("nas.path", "null").admits(&r));
        assert!(!f("nas.path", "!null").admits(&r));
        assert!(f("initiators.name", "b").admits(&r));
        assert!(!f("initiators.name", "c").admits(&r));
    }
}

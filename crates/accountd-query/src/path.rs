//! Field paths (`group.bsdgrp_gid`, `local_groups.*.name`, `a\.b`) and their resolution against an entry,
//! following TrueNAS's `partition()` / `get_impl()` / `select_path()` exactly.

use serde_json::Value;

use crate::QueryError;
use crate::py::date_micros;

/// A parsed field path: dotted segments, `\.` escapes a literal dot, numeric segment indexes a list, `*` any
/// element.
///
/// Quirks kept from TrueNAS: a trailing dot is ignored (`"uid."` is `"uid"`), a scalar (or datetime) met before
/// the path ends ignores the remaining segments (`"uid.x"` resolves to the uid), and a path with an empty
/// segment (`".a"`, `"a..b"`) fails with Python's `"string index out of range"` once evaluation reaches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldPath {
    raw: String,
    segments: Vec<String>,
    /// Raised when traversal reaches the end of `segments` (the rest of the path could not be split).
    error: Option<String>,
}

impl FieldPath {
    /// Parses a dotted path. Never fails: a malformed tail is reported when the path is evaluated.
    pub fn parse(path: &str) -> FieldPath {
        let mut segments = Vec::new();
        let mut rest = path;
        let mut error = None;
        while !rest.is_empty() {
            match partition(rest) {
                Some((left, right)) => {
                    segments.push(left);
                    rest = right;
                }
                None => {
                    error = Some("string index out of range".to_owned());
                    break;
                }
            }
        }
        FieldPath {
            raw: path.to_owned(),
            segments,
            error,
        }
    }

    /// A path standing for a non-string field name: it resolves to the whole entry, or fails with `error` when
    /// evaluated (TrueNAS's `get_impl` does one or the other depending on the name's truthiness).
    pub(crate) fn opaque(raw: String, error: Option<String>) -> FieldPath {
        FieldPath {
            raw,
            segments: Vec::new(),
            error,
        }
    }

    /// The path as written.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The first segment (the top-level key), `""` for the empty path.
    pub fn first_segment(&self) -> &str {
        self.segments.first().map(String::as_str).unwrap_or("")
    }

    /// The unescaped segments.
    pub fn segments(&self) -> &[String] {
        &self.segments
    }

    /// Whether the path names exactly one top-level key (no nesting, no malformed tail).
    pub fn is_simple(&self) -> bool {
        self.segments.len() == 1 && self.error.is_none()
    }

    pub(crate) fn tail_error(&self) -> Option<&str> {
        self.error.as_deref()
    }
}

/// One step of TrueNAS's `partition()`: the first (unescaped) segment and the unparsed rest; `None` where Python
/// raises `IndexError` (an empty segment before a dot).
fn partition(s: &str) -> Option<(String, &str)> {
    let mut acc = String::new();
    let mut s = s;
    loop {
        match s.find('.') {
            None => {
                acc.push_str(s);
                return Some((acc, ""));
            }
            Some(i) => {
                let (left, right) = (&s[..i], &s[i + 1..]);
                if left.is_empty() {
                    return None;
                }
                match left.strip_suffix('\\') {
                    Some(kept) => {
                        acc.push_str(kept);
                        acc.push('.');
                        s = right;
                    }
                    None => {
                        acc.push_str(left);
                        return Some((acc, right));
                    }
                }
            }
        }
    }
}

/// What a path resolves to inside one value.
pub(crate) enum Resolved<'a> {
    /// The key does not exist: a condition on it never matches.
    Undefined,
    /// A value (an out-of-range list index gives `null`).
    Value(&'a Value),
    /// A `*` met this list: the condition applies to each element from segment `.1` on.
    Each(&'a Value, usize),
}

static NULL: Value = Value::Null;

/// A value TrueNAS would see as a scalar (not a dict or list): further path segments are ignored.
fn is_scalar(v: &Value) -> bool {
    match v {
        Value::Object(m) => date_micros(m).is_some(),
        Value::Array(_) => false,
        _ => true,
    }
}

/// `get_impl()`: resolves `path.segments()[from..]` inside `root`.
pub(crate) fn resolve<'a>(root: &'a Value, path: &FieldPath, from: usize) -> Result<Resolved<'a>, QueryError> {
    let mut cur = Some(root);
    for (i, seg) in path.segments.iter().enumerate().skip(from) {
        match cur {
            Some(v) if is_scalar(v) => {}
            Some(Value::Object(m)) => cur = m.get(seg),
            Some(list @ Value::Array(items)) => {
                if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
                    let found = seg.parse::<usize>().ok().and_then(|n| items.get(n));
                    cur = Some(found.unwrap_or(&NULL));
                } else if seg == "*" {
                    return Ok(Resolved::Each(list, i + 1));
                } else {
                    return Err(QueryError::Failed(format!(
                        "{seg}: must be array index or wildcard character"
                    )));
                }
            }
            _ => {}
        }
    }
    if let Some(msg) = path.tail_error() {
        return Err(QueryError::Failed(msg.to_owned()));
    }
    Ok(match cur {
        Some(v) => Resolved::Value(v),
        None => Resolved::Undefined,
    })
}

/// TrueNAS's `get()`: the value at `path`, `null` when missing; a `*` gives the whole list it met.
pub(crate) fn get<'a>(root: &'a Value, path: &FieldPath) -> Result<&'a Value, QueryError> {
    Ok(match resolve(root, path, 0)? {
        Resolved::Undefined => &NULL,
        Resolved::Value(v) | Resolved::Each(v, _) => v,
    })
}

/// TrueNAS's `select_path()`: the keys walked and the value found (`None` = missing, omitted from output).
pub(crate) fn select_path<'a>(
    root: &'a Value,
    path: &FieldPath,
) -> Result<(Vec<String>, Option<&'a Value>), QueryError> {
    let mut keys = Vec::new();
    let mut cur = Some(root);
    for seg in &path.segments {
        match cur {
            Some(v) if is_scalar(v) => {}
            Some(Value::Object(m)) => {
                keys.push(seg.clone());
                cur = m.get(seg);
            }
            Some(Value::Array(_)) => {
                return Err(QueryError::Failed(
                    "Selecting by list index is not supported".to_owned(),
                ));
            }
            _ => {}
        }
    }
    if let Some(msg) = path.tail_error() {
        return Err(QueryError::Failed(msg.to_owned()));
    }
    Ok((keys, cur))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segs(p: &str) -> (Vec<String>, bool) {
        let fp = FieldPath::parse(p);
        (fp.segments.clone(), fp.error.is_some())
    }

    #[test]
    fn parsing() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(segs("a.b.c"), (s(&["a", "b", "c"]), false));
        assert_eq!(segs(r"a\.b.c"), (s(&["a.b", "c"]), false));
        assert_eq!(segs(r"a\."), (s(&["a."]), false));
        assert_eq!(segs("a."), (s(&["a"]), false));
        assert_eq!(segs(""), (s(&[]), false));
        assert_eq!(segs(".a"), (s(&[]), true));
        assert_eq!(segs("a..b"), (s(&["a"]), true));
        assert_eq!(segs(r"a\b.c"), (s(&[r"a\b", "c"]), false));
        assert_eq!(FieldPath::parse("x.y").first_segment(), "x");
    }
}

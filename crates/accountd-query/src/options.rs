//! query-options: the `QueryOptions` pydantic model of TrueNAS's new API (`extra="forbid"`, `strict=True`) and
//! its model validator `validate_options()`.

use serde_json::{Map, Value};

use crate::QueryError;
use crate::path::FieldPath;
use crate::py::repr;

/// Largest `limit` accepted (`MAX_LIMIT`).
pub const MAX_LIMIT: u64 = 10_000;

const GET_SINGLE: &str = "Value error, Invalid options combination. `get` implies a single result.";

/// One `select` entry: a path, optionally renamed (`[path, new_name]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Select {
    /// What to select; dotted paths rebuild nested objects.
    pub path: FieldPath,
    /// `Some(name)`: put the value at top-level key `name` instead.
    pub rename: Option<String>,
}

/// Where `nulls_first:` / `nulls_last:` put entries whose key is null or missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullsOrder {
    /// No prefix: nulls take part in the sort (and make it fail, as in TrueNAS).
    Unspecified,
    /// `nulls_first:`
    First,
    /// `nulls_last:`
    Last,
}

/// One `order_by` entry, e.g. `"nulls_first:-uid"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderBy {
    /// The entry as given.
    pub raw: String,
    /// The field (after the prefixes).
    pub path: FieldPath,
    /// `-` prefix.
    pub descending: bool,
    /// `nulls_first:` / `nulls_last:` prefix.
    pub nulls: NullsOrder,
}

impl OrderBy {
    /// Parses one entry the way TrueNAS's `do_order()` reads it.
    pub fn parse(raw: &str) -> OrderBy {
        let (nulls, rest) = if let Some(r) = raw.strip_prefix("nulls_first:") {
            (NullsOrder::First, r)
        } else if let Some(r) = raw.strip_prefix("nulls_last:") {
            (NullsOrder::Last, r)
        } else {
            (NullsOrder::Unspecified, raw)
        };
        let (descending, key) = match rest.strip_prefix('-') {
            Some(k) => (true, k),
            None => (false, rest),
        };
        OrderBy {
            raw: raw.to_owned(),
            path: FieldPath::parse(key),
            descending,
            nulls,
        }
    }
}

/// Validated query-options.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryOptions {
    /// Fields to return.
    pub select: Vec<Select>,
    /// Sort keys, applied one stable sort at a time in list order (so the last key dominates).
    pub order_by: Vec<OrderBy>,
    /// Results to skip.
    pub offset: u64,
    /// Most results to return (0 = no limit).
    pub limit: u64,
    /// Return the number of matches instead of the matches.
    pub count: bool,
    /// Return the first match as an object (no match: [`QueryError::MatchNotFound`]).
    pub get: bool,
    /// Per-method free-form options (e.g. the legacy `additional_information`, accepted and ignored).
    pub extra: Map<String, Value>,
    /// Accepted for compatibility.
    pub force_sql_filters: bool,
}

/// The model's fields, in declaration order (errors are reported in this order, unknown keys last).
const FIELDS: [&str; 8] = [
    "extra",
    "order_by",
    "select",
    "count",
    "get",
    "offset",
    "limit",
    "force_sql_filters",
];

/// Parses and validates query-options.
///
/// Errors are [`QueryError::Invalid`] with pydantic's location and text: `options.<field>` for type errors
/// (strict: `"3"` is not an integer, `1` is not a boolean), `options.<key>` "Extra inputs are not permitted",
/// and `options` "Value error, ..." for the cross-field checks of `validate_options()`.
///
/// Unlike TrueNAS (where `offset: int` has no bound and a negative value slices from the end), a negative
/// `offset` or `limit` is rejected with pydantic's `"Input should be greater than or equal to 0"`.
pub fn parse_options(raw: &Value) -> Result<QueryOptions, QueryError> {
    let Value::Object(m) = raw else {
        return Err(QueryError::invalid(
            "options",
            "Input should be a valid dictionary or instance of QueryOptions",
        ));
    };
    let mut out = QueryOptions::default();
    let mut raw_select: Vec<Value> = Vec::new();
    for field in FIELDS {
        let Some(v) = m.get(field) else { continue };
        let at = format!("options.{field}");
        match field {
            "extra" => {
                out.extra = v
                    .as_object()
                    .cloned()
                    .ok_or_else(|| QueryError::invalid(&at, "Input should be a valid dictionary"))?
            }
            "order_by" => {
                for (i, o) in list(v, &at)?.iter().enumerate() {
                    let s = o
                        .as_str()
                        .ok_or_else(|| QueryError::invalid(format!("{at}.{i}"), "Input should be a valid string"))?;
                    out.order_by.push(OrderBy::parse(s));
                }
            }
            "select" => {
                for (i, s) in list(v, &at)?.iter().enumerate() {
                    if !(s.is_string() || s.is_array()) {
                        return Err(QueryError::invalid(
                            format!("{at}.{i}.str"),
                            "Input should be a valid string",
                        ));
                    }
                }
                raw_select = list(v, &at)?.clone();
            }
            "count" => out.count = boolean(v, &at)?,
            "get" => out.get = boolean(v, &at)?,
            "offset" => out.offset = non_negative(v, &at)?,
            "limit" => out.limit = non_negative(v, &at)?,
            _ => out.force_sql_filters = boolean(v, &at)?,
        }
    }
    if let Some(unknown) = m.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(QueryError::invalid(
            format!("options.{unknown}"),
            "Extra inputs are not permitted",
        ));
    }

    // validate_options()
    if out.get && (out.limit > 1 || out.offset > 0) {
        return Err(QueryError::invalid("options", GET_SINGLE));
    }
    if out.limit > MAX_LIMIT {
        return Err(QueryError::invalid(
            "options",
            format!("Value error, Options limit must be between 1 and {MAX_LIMIT}"),
        ));
    }
    out.select = raw_select.iter().map(select).collect::<Result<_, _>>()?;
    Ok(out)
}

/// validate_select() for one entry, then its parsed form.
fn select(s: &Value) -> Result<Select, QueryError> {
    let Value::Array(pair) = s else {
        return Ok(Select {
            path: FieldPath::parse(s.as_str().unwrap_or_default()),
            rename: None,
        });
    };
    let bad = |msg: String| QueryError::invalid("options", format!("Value error, {}: {msg}", repr(s)));
    if pair.len() != 2 {
        return Err(bad(
            "A select as list may only contain two parameters: the name of the parameter being \
                        selected, and the name to which to assign it in resulting data."
                .to_owned(),
        ));
    }
    match (&pair[0], &pair[1]) {
        (Value::String(path), Value::String(name)) => Ok(Select {
            path: FieldPath::parse(path),
            rename: Some(name.clone()),
        }),
        (Value::String(_), _) => Err(bad("second item must be a string.".to_owned())),
        _ => Err(bad("first item must be a string.".to_owned())),
    }
}

fn list<'a>(v: &'a Value, at: &str) -> Result<&'a Vec<Value>, QueryError> {
    v.as_array()
        .ok_or_else(|| QueryError::invalid(at, "Input should be a valid list"))
}

fn boolean(v: &Value, at: &str) -> Result<bool, QueryError> {
    v.as_bool()
        .ok_or_else(|| QueryError::invalid(at, "Input should be a valid boolean"))
}

fn non_negative(v: &Value, at: &str) -> Result<u64, QueryError> {
    match v {
        Value::Number(n) if n.is_u64() => n
            .as_u64()
            .ok_or_else(|| QueryError::invalid(at, "Input should be a valid integer")),
        Value::Number(n) if n.is_i64() => Err(QueryError::invalid(at, "Input should be greater than or equal to 0")),
        _ => Err(QueryError::invalid(at, "Input should be a valid integer")),
    }
}

//! query-filters: the parsed form and its validation, mirroring TrueNAS's `validate_filters()`
//! (`middlewared/api/base/validators/filters.py`).

use std::borrow::Cow;

use serde_json::Value;

use crate::path::FieldPath;
use crate::py::{self, Py, date_value, str_of, type_name};
use crate::{QueryError, iso};

/// Deepest OR nesting accepted (`MAX_FILTERS_DEPTH`).
pub const MAX_FILTERS_DEPTH: usize = 3;

/// A filter operator (without the `C` case-insensitive prefix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `~`: regular expression matched at the start of the field (`re.match`), null treated as `""`.
    Regex,
    /// `in`: the value (a list, or a string for substring tests) contains the field.
    In,
    /// `nin`: the value does not contain the field (null field never matches).
    Nin,
    /// `rin`: the field contains the value (null field never matches).
    Rin,
    /// `rnin`: the field does not contain the value (null field never matches).
    Rnin,
    /// `^`: the field starts with the value.
    StartsWith,
    /// `!^`: the field does not start with the value.
    NotStartsWith,
    /// `$`: the field ends with the value.
    EndsWith,
    /// `!$`: the field does not end with the value.
    NotEndsWith,
}

impl Op {
    /// Every operator, in TrueNAS's `opmap` order.
    pub const ALL: [Op; 15] = [
        Op::Eq,
        Op::Ne,
        Op::Gt,
        Op::Ge,
        Op::Lt,
        Op::Le,
        Op::Regex,
        Op::In,
        Op::Nin,
        Op::Rin,
        Op::Rnin,
        Op::StartsWith,
        Op::NotStartsWith,
        Op::EndsWith,
        Op::NotEndsWith,
    ];

    /// The operator's wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Regex => "~",
            Op::In => "in",
            Op::Nin => "nin",
            Op::Rin => "rin",
            Op::Rnin => "rnin",
            Op::StartsWith => "^",
            Op::NotStartsWith => "!^",
            Op::EndsWith => "$",
            Op::NotEndsWith => "!$",
        }
    }

    /// Parses a wire spelling (without `C` prefix).
    pub fn from_wire(s: &str) -> Option<Op> {
        Op::ALL.into_iter().find(|op| op.as_str() == s)
    }

    /// Whether this is one of `= != > >= < <=` (the only operators allowed on `.$date` paths).
    pub fn is_comparison(self) -> bool {
        matches!(self, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le)
    }
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One element of a query-filters list.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `[path, op, value]`.
    Cond {
        /// The field path.
        path: FieldPath,
        /// The operator.
        op: Op,
        /// `C` prefix: casefold both sides before comparing.
        case_insensitive: bool,
        /// The operand. For a `.$date` condition, the ISO-8601 string converted to `{"$date": <ms>}` (as
        /// TrueNAS converts it to a `datetime`).
        value: Value,
        /// The path ended in `.$date`.
        date: bool,
    },
    /// `["OR", [branch, ...]]`: each branch is an AND list.
    Or(Vec<Vec<Filter>>),
}

/// Parses and validates query-filters.
///
/// Errors are what TrueNAS reports: [`QueryError::Invalid`] at `filters` for what `validate_filters` rejects
/// with `ValueError`, [`QueryError::Failed`] for the malformed shapes on which Python raises another exception
/// (`TypeError`, `IndexError`, ...) that TrueNAS passes on as a plain error.
pub fn parse_filters(raw: &Value) -> Result<Vec<Filter>, QueryError> {
    let Value::Array(items) = raw else {
        return Err(QueryError::invalid("filters", "Input should be a valid list"));
    };
    parse_list(items.iter().map(Cow::Borrowed).collect(), 0)
}

fn parse_list(items: Vec<Cow<'_, Value>>, depth: usize) -> Result<Vec<Filter>, QueryError> {
    if depth > MAX_FILTERS_DEPTH {
        return Err(QueryError::filters("query-filters max recursion depth exceeded"));
    }
    items.iter().map(|f| parse_one(f, depth)).collect()
}

fn parse_one(f: &Value, depth: usize) -> Result<Filter, QueryError> {
    let n = seq_len(f)?;
    if n == 2 {
        let items = seq_iter(f)?;
        let (op, value) = (&items[0], &items[1]);
        if op.as_str() != Some("OR") {
            return Err(QueryError::filters(format!("Invalid operation: {}", str_of(op))));
        }
        if !Py::of(value).truthy() {
            return Err(QueryError::filters("OR filter requires at least one branch."));
        }
        let mut branches = Vec::new();
        for branch in seq_iter(value)? {
            let first = seq_index(&branch, 0)?;
            let items = if first.is_array() {
                seq_iter(&branch)?
            } else {
                vec![branch]
            };
            branches.push(parse_list(items, depth + 1)?);
        }
        return Ok(Filter::Or(branches));
    }
    if n != 3 {
        return Err(QueryError::filters(format!("Invalid filter {}", str_of(f))));
    }

    let raw_op = seq_index(f, 1)?;
    let op_str = op_string(&raw_op)?;
    let (case_insensitive, bare) = match op_str.strip_prefix('C') {
        Some("~") => {
            return Err(QueryError::filters(format!(
                "Invalid case-insensitive operation: {op_str}"
            )));
        }
        Some(rest) => (true, rest),
        None => (false, op_str),
    };
    let op = Op::from_wire(bare).ok_or_else(|| QueryError::filters(format!("Invalid operation: {op_str}")))?;

    let name = seq_index(f, 0)?;
    let mut value = seq_index(f, 2)?.into_owned();
    let mut path = field_path(&name);
    let mut date = false;

    // Special handling of `.$date` operands, in TrueNAS's order (field first, then value).
    for second in [false, true] {
        let operand = if second { &value } else { name.as_ref() };
        if !operand.as_str().is_some_and(|s| s.ends_with(".$date")) {
            continue;
        }
        if !op.is_comparison() {
            return Err(QueryError::filters(format!("{bare}: invalid timestamp operation.")));
        }
        let other_is_value = !second || py::eq(&Py::of(&value), &Py::of(&name));
        let other = if other_is_value { &value } else { name.as_ref() };
        let micros = other.as_str().and_then(iso::parse_micros).ok_or_else(|| {
            QueryError::filters(format!(
                "{}: must be an ISO-8601 formatted timestamp string",
                str_of(other)
            ))
        })?;
        if other_is_value {
            value = date_value(micros);
            date = true;
        } else {
            // TrueNAS maps the field name itself to a datetime and then fails to walk it as a path.
            path = FieldPath::opaque(
                str_of(&name),
                Some("'datetime.datetime' object has no attribute 'partition'".to_owned()),
            );
        }
    }

    Ok(Filter::Cond {
        path,
        op,
        case_insensitive,
        value,
        date,
    })
}

/// The field name as a path; a non-string name behaves as Python's `get_impl` treats it.
fn field_path(name: &Value) -> FieldPath {
    match name {
        Value::String(s) => FieldPath::parse(s),
        other if !Py::of(other).truthy() => FieldPath::opaque(str_of(other), None),
        other => FieldPath::opaque(
            str_of(other),
            Some(format!("'{}' object has no attribute 'partition'", type_name(other))),
        ),
    }
}

/// `op[0] == 'C'` / `op not in opmap` on a non-string op raise these in Python.
fn op_string(op: &Value) -> Result<&str, QueryError> {
    let fail = |m: String| Err(QueryError::Failed(m));
    match op {
        Value::String(s) if s.is_empty() => fail("string index out of range".to_owned()),
        Value::String(s) => Ok(s),
        Value::Array(a) if a.is_empty() => fail("list index out of range".to_owned()),
        Value::Array(_) => fail("unhashable type: 'list'".to_owned()),
        Value::Object(m) if py::date_micros(m).is_none() => fail("0".to_owned()),
        other => fail(format!("'{}' object is not subscriptable", type_name(other))),
    }
}

/// `len(x)`.
fn seq_len(v: &Value) -> Result<usize, QueryError> {
    match v {
        Value::Array(a) => Ok(a.len()),
        Value::String(s) => Ok(s.chars().count()),
        Value::Object(m) if py::date_micros(m).is_none() => Ok(m.len()),
        other => Err(QueryError::Failed(format!(
            "object of type '{}' has no len()",
            type_name(other)
        ))),
    }
}

/// `list(x)`: list elements, string characters or dict keys.
fn seq_iter(v: &Value) -> Result<Vec<Cow<'_, Value>>, QueryError> {
    match v {
        Value::Array(a) => Ok(a.iter().map(Cow::Borrowed).collect()),
        Value::String(s) => Ok(s.chars().map(|c| Cow::Owned(Value::String(c.to_string()))).collect()),
        Value::Object(m) if py::date_micros(m).is_none() => {
            Ok(m.keys().map(|k| Cow::Owned(Value::String(k.clone()))).collect())
        }
        other => Err(QueryError::Failed(format!(
            "'{}' object is not iterable",
            type_name(other)
        ))),
    }
}

/// `x[i]`.
fn seq_index(v: &Value, i: usize) -> Result<Cow<'_, Value>, QueryError> {
    match v {
        Value::Array(a) => a
            .get(i)
            .map(Cow::Borrowed)
            .ok_or_else(|| QueryError::Failed("list index out of range".to_owned())),
        Value::String(s) => s
            .chars()
            .nth(i)
            .map(|c| Cow::Owned(Value::String(c.to_string())))
            .ok_or_else(|| QueryError::Failed("string index out of range".to_owned())),
        // A dict looks the integer up as a key: KeyError(i).
        Value::Object(m) if py::date_micros(m).is_none() => Err(QueryError::Failed(i.to_string())),
        other => Err(QueryError::Failed(format!(
            "'{}' object is not subscriptable",
            type_name(other)
        ))),
    }
}

//! Evaluating filters against one entry: TrueNAS's `eval_filter()` / `filterop()` and the operator table of
//! `middlewared/api/base/validators/filter_ops.py`.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::{Regex, RegexBuilder};
use serde_json::Value;

use crate::QueryError;
use crate::filter::{Filter, Op};
use crate::path::{FieldPath, Resolved, resolve};
use crate::py::{self, Py, repr_str};

/// Compiled-size bound for `~` patterns: hostile patterns fail instead of eating memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
/// Patterns kept compiled per thread.
const REGEX_CACHE_SIZE: usize = 64;

/// Whether `entry` satisfies every filter (an AND list), evaluated left to right with short-circuit, exactly as
/// TrueNAS does: a condition that is never reached never raises.
pub fn matches(filters: &[Filter], entry: &Value) -> Result<bool, QueryError> {
    for f in filters {
        if !eval(f, entry)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn eval(f: &Filter, entry: &Value) -> Result<bool, QueryError> {
    match f {
        Filter::Or(branches) => {
            for branch in branches {
                if matches(branch, entry)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Filter::Cond {
            path,
            op,
            case_insensitive,
            value,
            ..
        } => eval_cond(entry, path, 0, *op, *case_insensitive, value),
    }
}

fn eval_cond(
    root: &Value,
    path: &FieldPath,
    from: usize,
    op: Op,
    case_insensitive: bool,
    value: &Value,
) -> Result<bool, QueryError> {
    match resolve(root, path, from)? {
        Resolved::Undefined => Ok(false),
        Resolved::Each(list, next) => {
            for item in list.as_array().map(Vec::as_slice).unwrap_or_default() {
                if eval_cond(item, path, next, op, case_insensitive, value)? {
                    return Ok(true);
                }
            }
            Ok(false)
        }
        Resolved::Value(found) => {
            let (mut x, mut y) = (Py::of(found), Py::of(value));
            if case_insensitive {
                x = x.casefold().map_err(QueryError::Failed)?;
                y = y.casefold().map_err(QueryError::Failed)?;
            }
            apply_op(op, &x, &y).map_err(QueryError::Failed)
        }
    }
}

/// `opmap[op](x, y)` where `x` is the entry's value and `y` the filter's.
fn apply_op(op: Op, x: &Py, y: &Py) -> Result<bool, String> {
    match op {
        Op::Eq => Ok(py::eq(x, y)),
        Op::Ne => Ok(!py::eq(x, y)),
        Op::Gt | Op::Ge | Op::Lt | Op::Le => py::compare(op.as_str(), x, y),
        Op::Regex => regex_match(x, y),
        Op::In => contains(y, x),
        Op::Nin => not_none(x, || contains(y, x).map(|c| !c)),
        Op::Rin => not_none(x, || contains(x, y)),
        Op::Rnin => not_none(x, || contains(x, y).map(|c| !c)),
        Op::StartsWith => not_none(x, || affix(x, y, "startswith")),
        Op::NotStartsWith => not_none(x, || affix(x, y, "startswith").map(|c| !c)),
        Op::EndsWith => not_none(x, || affix(x, y, "endswith")),
        Op::NotEndsWith => not_none(x, || affix(x, y, "endswith").map(|c| !c)),
    }
}

/// A null field never matches these operators.
fn not_none(x: &Py, f: impl FnOnce() -> Result<bool, String>) -> Result<bool, String> {
    if matches!(x, Py::None) { Ok(false) } else { f() }
}

/// Python `item in container`.
fn contains(container: &Py, item: &Py) -> Result<bool, String> {
    match container {
        Py::Seq(_) | Py::List(_) => Ok(container.items().into_iter().flatten().any(|e| py::eq(&e, item))),
        Py::Str(s) => match item {
            Py::Str(t) => Ok(s.contains(t.as_ref())),
            other => Err(format!(
                "'in <string>' requires string as left operand, not {}",
                other.type_name()
            )),
        },
        Py::Dict(m) => match item {
            Py::Str(k) => Ok(m.contains_key(k.as_ref())),
            Py::Seq(_) | Py::List(_) | Py::Dict(_) => Err(format!("unhashable type: '{}'", item.type_name())),
            _ => Ok(false),
        },
        other => Err(format!("argument of type '{}' is not iterable", other.type_name())),
    }
}

/// `x.startswith(y)` / `x.endswith(y)`.
fn affix(x: &Py, y: &Py, method: &str) -> Result<bool, String> {
    let Py::Str(s) = x else {
        return Err(format!("'{}' object has no attribute '{method}'", x.type_name()));
    };
    let Py::Str(p) = y else {
        return Err(format!(
            "{method} first arg must be str or a tuple of str, not {}",
            y.type_name()
        ));
    };
    Ok(if method == "startswith" {
        s.starts_with(p.as_ref())
    } else {
        s.ends_with(p.as_ref())
    })
}

/// `re.match(y, x or "")`.
fn regex_match(x: &Py, y: &Py) -> Result<bool, String> {
    let Py::Str(pattern) = y else {
        return Err("first argument must be string or compiled pattern".to_owned());
    };
    let subject = if !x.truthy() {
        ""
    } else if let Py::Str(s) = x {
        s.as_ref()
    } else {
        // `re.match` compiles the pattern before it looks at the subject.
        with_regex(pattern, |_| ())?;
        return Err(format!("expected string or bytes-like object, got '{}'", x.type_name()));
    };
    // The leftmost match starts at 0 exactly when a match anchored at 0 exists.
    with_regex(pattern, |re| re.find(subject).is_some_and(|m| m.start() == 0))
}

thread_local! {
    static REGEX_CACHE: RefCell<HashMap<String, Result<Regex, String>>> = RefCell::new(HashMap::new());
}

/// Runs `f` with the compiled pattern (compiled once per thread, bounded in compiled size). The `Regex` is
/// borrowed, not cloned: a clone would start with an empty match cache.
fn with_regex<T>(pattern: &str, f: impl FnOnce(&Regex) -> T) -> Result<T, String> {
    REGEX_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if !cache.contains_key(pattern) {
            if cache.len() >= REGEX_CACHE_SIZE {
                cache.clear();
            }
            let built = RegexBuilder::new(pattern)
                .size_limit(REGEX_SIZE_LIMIT)
                .dfa_size_limit(REGEX_SIZE_LIMIT)
                .build()
                .map_err(|e| regex_error(pattern, &e));
            cache.insert(pattern.to_owned(), built);
        }
        match cache.get(pattern) {
            Some(Ok(re)) => Ok(f(re)),
            Some(Err(e)) => Err(e.clone()),
            None => Err(format!("Invalid regular expression {}", repr_str(pattern))),
        }
    })
}

fn regex_error(pattern: &str, e: &regex::Error) -> String {
    let detail = match e {
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("invalid syntax")
            .to_owned(),
        regex::Error::CompiledTooBig(limit) => {
            format!("compiled pattern exceeds the size limit of {limit} bytes")
        }
        other => other.to_string(),
    };
    format!("Invalid regular expression {}: {detail}", repr_str(pattern))
}

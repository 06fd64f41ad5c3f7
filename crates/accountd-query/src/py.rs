//! A view of JSON values with Python semantics, as TrueNAS's filter code sees them after its "ejson" decoding.
//!
//! `{"$date": <ms>}` objects are datetimes (scalars), integers and floats compare numerically, a bool is not a
//! number (a deliberate choice of accountd: in Python `True == 1`), and every type error carries the text Python
//! would raise.

use std::borrow::Cow;
use std::cmp::Ordering;

use serde_json::{Map, Value};

/// A JSON value as Python sees it.
#[derive(Debug, Clone)]
pub(crate) enum Py<'a> {
    None,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(Cow<'a, str>),
    /// A JSON list, viewed lazily (elements are converted as they are visited).
    Seq(&'a [Value]),
    /// A list built here (casefolded strings).
    List(Vec<Py<'a>>),
    Dict(&'a Map<String, Value>),
    /// A datetime, in microseconds since the Unix epoch (UTC).
    Date(i128),
}

/// The `{"$date": <ms>}` wire form of a datetime, as microseconds since the epoch.
pub(crate) fn date_micros(map: &Map<String, Value>) -> Option<i128> {
    if map.len() != 1 {
        return None;
    }
    let n = map.get("$date")?;
    if let Some(i) = n.as_i64() {
        return Some(i128::from(i) * 1000);
    }
    if let Some(u) = n.as_u64() {
        return Some(i128::from(u) * 1000);
    }
    let f = n.as_f64()?;
    let micros = (f * 1000.0).round();
    if micros.is_finite() && micros.abs() < 1e30 {
        Some(micros as i128)
    } else {
        None
    }
}

/// The JSON wire form of a datetime given in microseconds (integer milliseconds when exact).
pub(crate) fn date_value(micros: i128) -> Value {
    let mut map = Map::new();
    let ms = if micros % 1000 == 0 {
        i64::try_from(micros / 1000).map(Value::from).unwrap_or(Value::Null)
    } else {
        serde_json::Number::from_f64(micros as f64 / 1000.0)
            .map(Value::Number)
            .unwrap_or(Value::Null)
    };
    map.insert("$date".to_owned(), ms);
    Value::Object(map)
}

impl<'a> Py<'a> {
    /// Views a JSON value.
    pub(crate) fn of(v: &'a Value) -> Py<'a> {
        match v {
            Value::Null => Py::None,
            Value::Bool(b) => Py::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Py::Int(i128::from(i))
                } else if let Some(u) = n.as_u64() {
                    Py::Int(i128::from(u))
                } else {
                    Py::Float(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            Value::String(s) => Py::Str(Cow::Borrowed(s)),
            Value::Array(a) => Py::Seq(a),
            Value::Object(m) => match date_micros(m) {
                Some(d) => Py::Date(d),
                None => Py::Dict(m),
            },
        }
    }

    /// `type(x).__name__`.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Py::None => "NoneType",
            Py::Bool(_) => "bool",
            Py::Int(_) => "int",
            Py::Float(_) => "float",
            Py::Str(_) => "str",
            Py::Seq(_) | Py::List(_) => "list",
            Py::Dict(_) => "dict",
            Py::Date(_) => "datetime.datetime",
        }
    }

    /// Python truthiness.
    pub(crate) fn truthy(&self) -> bool {
        match self {
            Py::None => false,
            Py::Bool(b) => *b,
            Py::Int(i) => *i != 0,
            Py::Float(f) => *f != 0.0,
            Py::Str(s) => !s.is_empty(),
            Py::Seq(l) => !l.is_empty(),
            Py::List(l) => !l.is_empty(),
            Py::Dict(d) => !d.is_empty(),
            Py::Date(_) => true,
        }
    }

    /// The elements of a list (`None` for anything else).
    pub(crate) fn items(&self) -> Option<Items<'_, 'a>> {
        match self {
            Py::Seq(values) => Some(Items::Seq(values.iter())),
            Py::List(items) => Some(Items::List(items.iter())),
            _ => None,
        }
    }

    /// The length of a list (0 for anything else).
    fn list_len(&self) -> usize {
        match self {
            Py::Seq(values) => values.len(),
            Py::List(items) => items.len(),
            _ => 0,
        }
    }

    /// `x.casefold()` as TrueNAS's `casefold()` helper applies it (strings, lists of strings, None).
    pub(crate) fn casefold(self) -> Result<Py<'a>, String> {
        match self {
            Py::None => Ok(Py::None),
            Py::Str(s) => Ok(Py::Str(Cow::Owned(caseless::default_case_fold_str(&s)))),
            Py::Seq(_) | Py::List(_) => self
                .items()
                .into_iter()
                .flatten()
                .map(|x| match x.into_owned() {
                    Py::Str(s) => Ok(Py::Str(Cow::Owned(caseless::default_case_fold_str(&s)))),
                    other => Err(format!("'{}' object has no attribute 'casefold'", other.type_name())),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Py::List),
            other => Err(format!(
                "<class '{}'>: support for casefolding object type not implemented.",
                other.type_name()
            )),
        }
    }
}

/// Iterator over the elements of a [`Py`] list.
pub(crate) enum Items<'s, 'a> {
    Seq(std::slice::Iter<'a, Value>),
    List(std::slice::Iter<'s, Py<'a>>),
}

impl<'s, 'a> Iterator for Items<'s, 'a> {
    type Item = Cow<'s, Py<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::Seq(it) => it.next().map(|v| Cow::Owned(Py::of(v))),
            Items::List(it) => it.next().map(Cow::Borrowed),
        }
    }
}

/// Python `a == b`.
pub(crate) fn eq(a: &Py, b: &Py) -> bool {
    match (a, b) {
        (Py::None, Py::None) => true,
        (Py::Bool(x), Py::Bool(y)) => x == y,
        (Py::Str(x), Py::Str(y)) => x == y,
        (Py::Date(x), Py::Date(y)) => x == y,
        (Py::Seq(_) | Py::List(_), Py::Seq(_) | Py::List(_)) => {
            a.list_len() == b.list_len()
                && a.items()
                    .into_iter()
                    .flatten()
                    .zip(b.items().into_iter().flatten())
                    .all(|(p, q)| eq(&p, &q))
        }
        (Py::Dict(x), Py::Dict(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| eq(&Py::of(v), &Py::of(w))))
        }
        _ => num_cmp(a, b) == Some(Ordering::Equal),
    }
}

fn num_cmp(a: &Py, b: &Py) -> Option<Ordering> {
    match (a, b) {
        (Py::Int(x), Py::Int(y)) => Some(x.cmp(y)),
        (Py::Float(x), Py::Float(y)) => x.partial_cmp(y),
        (Py::Int(x), Py::Float(y)) => int_float_cmp(*x, *y),
        (Py::Float(x), Py::Int(y)) => int_float_cmp(*y, *x).map(Ordering::reverse),
        _ => None,
    }
}

/// Exact comparison of an integer with a float (Python compares them without rounding).
fn int_float_cmp(i: i128, f: f64) -> Option<Ordering> {
    if f.is_nan() {
        return None;
    }
    if f >= 1.7e38 {
        return Some(Ordering::Less);
    }
    if f <= -1.7e38 {
        return Some(Ordering::Greater);
    }
    let t = f.trunc();
    Some(match i.cmp(&(t as i128)) {
        Ordering::Equal if f > t => Ordering::Less,
        Ordering::Equal if f < t => Ordering::Greater,
        o => o,
    })
}

/// Python's ordering of `a` and `b` when they are comparable; `Err` carries the `TypeError` text for operator
/// `op` (`<`, `<=`, `>`, `>=`).
pub(crate) fn order(op: &str, a: &Py, b: &Py) -> Result<Ordering, String> {
    let o = match (a, b) {
        (Py::Bool(x), Py::Bool(y)) => Some(x.cmp(y)),
        (Py::Str(x), Py::Str(y)) => Some(x.cmp(y)),
        (Py::Date(x), Py::Date(y)) => Some(x.cmp(y)),
        (Py::Seq(_) | Py::List(_), Py::Seq(_) | Py::List(_)) => {
            for (p, q) in a.items().into_iter().flatten().zip(b.items().into_iter().flatten()) {
                if !eq(&p, &q) {
                    return order(op, &p, &q);
                }
            }
            Some(a.list_len().cmp(&b.list_len()))
        }
        _ => num_cmp(a, b),
    };
    o.ok_or_else(|| {
        format!(
            "'{op}' not supported between instances of '{}' and '{}'",
            a.type_name(),
            b.type_name()
        )
    })
}

/// Python `a <op> b` for the four ordering operators.
pub(crate) fn compare(op: &str, a: &Py, b: &Py) -> Result<bool, String> {
    let o = order(op, a, b)?;
    Ok(match op {
        "<" => o == Ordering::Less,
        "<=" => o != Ordering::Greater,
        ">" => o == Ordering::Greater,
        _ => o != Ordering::Less,
    })
}

pub(crate) use accountd_api::pytext::{repr, repr_str, str_of};

/// `type(x).__name__` of a JSON value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Object(m) if date_micros(m).is_some() => "datetime.datetime",
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reprs() {
        assert_eq!(repr(&json!(["a", 1, null, true, 2.5])), "['a', 1, None, True, 2.5]");
        assert_eq!(repr(&json!({"k": "it's"})), "{'k': \"it's\"}");
        assert_eq!(repr(&json!(3.0)), "3.0");
        assert_eq!(repr(&json!(1e20)), "1e+20");
        assert_eq!(repr(&json!(1.5e-7)), "1.5e-07");
    }

    #[test]
    fn numbers() {
        assert!(eq(&Py::of(&json!(3)), &Py::of(&json!(3.0))));
        assert!(!eq(&Py::of(&json!(1)), &Py::of(&json!(true))));
        assert_eq!(order("<", &Py::of(&json!(2)), &Py::of(&json!(2.5))), Ok(Ordering::Less));
        assert_eq!(
            order(
                "<",
                &Py::of(&json!(9007199254740993_i64)),
                &Py::of(&json!(9007199254740992.0))
            ),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            order(">", &Py::of(&json!("a")), &Py::of(&json!(1))),
            Err("'>' not supported between instances of 'str' and 'int'".to_owned())
        );
    }

    #[test]
    fn casefold() {
        let word = json!("Straße");
        let folded = Py::of(&word).casefold();
        assert!(matches!(folded, Ok(Py::Str(ref s)) if s == "strasse"));
        assert_eq!(
            Py::of(&json!(5)).casefold().err(),
            Some("<class 'int'>: support for casefolding object type not implemented.".to_owned())
        );
        assert_eq!(
            Py::of(&json!(["a", 1])).casefold().err(),
            Some("'int' object has no attribute 'casefold'".to_owned())
        );
    }
}

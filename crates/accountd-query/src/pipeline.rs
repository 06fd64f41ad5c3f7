//! The query pipeline of TrueNAS's `filter_list()`: filter (with select) → count → order → get → offset → limit.

use std::cmp::Ordering;

use serde_json::{Map, Value};

use crate::QueryError;
use crate::eval::matches;
use crate::filter::Filter;
use crate::options::{NullsOrder, OrderBy, QueryOptions, Select};
use crate::path::{FieldPath, get, select_path};
use crate::py::{self, Py, date_micros, repr_str, type_name};

/// What a query returns: entries of type `E` (JSON objects unless the caller kept its own type, see
/// [`apply_unprojected`]).
#[derive(Debug, Clone, PartialEq)]
pub enum QueryOutput<E = Value> {
    /// The (selected, ordered, paginated) entries.
    List(Vec<E>),
    /// `count`: the number of matches.
    Count(u64),
    /// `get`: the first match.
    One(E),
}

impl QueryOutput {
    /// The JSON result as sent on the wire.
    pub fn into_value(self) -> Value {
        match self {
            QueryOutput::List(items) => Value::Array(items),
            QueryOutput::Count(n) => Value::from(n),
            QueryOutput::One(v) => v,
        }
    }
}

/// The full pipeline, in TrueNAS's order: filter (projecting each match through `select` as it is kept) → count
/// → order → get → offset → limit.
///
/// Two TrueNAS details are kept: with `get`, filters and no `order_by`, the first match is returned as soon as
/// it is found (before `count` is looked at, and later entries are never evaluated); `count` is taken before
/// ordering, so `count` with a failing `order_by` still succeeds.
pub fn apply(
    entries: impl IntoIterator<Item = Value>,
    filters: &[Filter],
    options: &QueryOptions,
) -> Result<QueryOutput, QueryError> {
    if options.select.is_empty() {
        return apply_unprojected(entries, |e| e, filters, options);
    }
    run(
        entries,
        |e| e,
        |e| do_select(&e, &options.select),
        |e| e,
        filters,
        options,
    )
}

/// The pipeline of [`apply`] over entries of any type, each seen as JSON through `view`, without `select`: the
/// answer holds the matching entries themselves, in their own type. `options.select` is not looked at; a
/// caller with a `select` projects JSON entries with [`apply`].
pub fn apply_unprojected<E>(
    entries: impl IntoIterator<Item = E>,
    view: impl Fn(&E) -> &Value,
    filters: &[Filter],
    options: &QueryOptions,
) -> Result<QueryOutput<E>, QueryError> {
    run(entries, &view, Ok, &view, filters, options)
}

/// The pipeline: `seen` views an entry for the filters, `project` makes a match into what is kept, `kept`
/// views a kept entry for the ordering.
fn run<E, O>(
    entries: impl IntoIterator<Item = E>,
    seen: impl Fn(&E) -> &Value,
    project: impl Fn(E) -> Result<O, QueryError>,
    kept: impl Fn(&O) -> &Value,
    filters: &[Filter],
    options: &QueryOptions,
) -> Result<QueryOutput<O>, QueryError> {
    let shortcircuit = options.get && options.order_by.is_empty();
    let mut rv = Vec::new();
    if filters.is_empty() {
        for e in entries {
            rv.push(project(e)?);
        }
    } else {
        for e in entries {
            if matches(filters, seen(&e))? {
                rv.push(project(e)?);
                if shortcircuit {
                    break;
                }
            }
        }
        if shortcircuit {
            return first(rv);
        }
    }

    if options.count {
        return Ok(QueryOutput::Count(rv.len() as u64));
    }
    let mut rv = do_order(rv, &kept, &options.order_by)?;
    if options.get {
        return first(rv);
    }
    if options.offset > 0 {
        let skip = usize::try_from(options.offset).unwrap_or(usize::MAX).min(rv.len());
        rv.drain(..skip);
    }
    if options.limit > 0 {
        rv.truncate(usize::try_from(options.limit).unwrap_or(usize::MAX));
    }
    Ok(QueryOutput::List(rv))
}

fn first<E>(rv: Vec<E>) -> Result<QueryOutput<E>, QueryError> {
    rv.into_iter()
        .next()
        .map(QueryOutput::One)
        .ok_or(QueryError::MatchNotFound)
}

/// `do_select()` for one entry.
pub fn do_select(entry: &Value, select: &[Select]) -> Result<Value, QueryError> {
    let mut out = Map::new();
    for s in select {
        let (keys, found) = select_path(entry, &s.path)?;
        let Some(found) = found else { continue };
        if let Some(name) = &s.rename {
            out.insert(name.clone(), found.clone());
            continue;
        }
        let Some((last, parents)) = keys.split_last() else {
            return Err(QueryError::Failed("pop from empty list".to_owned()));
        };
        let mut obj = &mut out;
        for (i, k) in parents.iter().enumerate() {
            let slot = obj.entry(k.clone()).or_insert_with(|| Value::Object(Map::new()));
            let is_dict = matches!(&*slot, Value::Object(m) if date_micros(m).is_none());
            if !is_dict {
                return Err(setdefault_error(slot, i + 1 < parents.len()));
            }
            match slot {
                Value::Object(m) => obj = m,
                other => return Err(setdefault_error(other, i + 1 < parents.len())),
            }
        }
        obj.insert(last.clone(), found.clone());
    }
    Ok(Value::Object(out))
}

/// What Python raises when `select` nests into a key that already holds a non-dict.
fn setdefault_error(slot: &Value, more_parents: bool) -> QueryError {
    QueryError::Failed(if more_parents {
        format!("'{}' object has no attribute 'setdefault'", type_name(slot))
    } else if slot.is_array() {
        "list indices must be integers or slices, not str".to_owned()
    } else {
        format!("'{}' object does not support item assignment", type_name(slot))
    })
}

/// `do_order()`: one stable sort per key, in list order, of entries seen as JSON through `view`.
fn do_order<E>(mut rv: Vec<E>, view: &impl Fn(&E) -> &Value, order_by: &[OrderBy]) -> Result<Vec<E>, QueryError> {
    for o in order_by {
        rv = match o.nulls {
            NullsOrder::Unspecified => sort(rv, view, &o.path, o.descending, Some(&o.raw))?,
            NullsOrder::First | NullsOrder::Last => {
                // TrueNAS tests `entry.get(order)`: a top-level lookup of the whole (undotted) key.
                let key = o.path.as_str();
                let (nulls, non_nulls): (Vec<E>, Vec<E>) = rv
                    .into_iter()
                    .partition(|e| view(e).get(key).is_none_or(Value::is_null));
                let sorted = sort(non_nulls, view, &o.path, o.descending, None)?;
                if o.nulls == NullsOrder::First {
                    nulls.into_iter().chain(sorted).collect()
                } else {
                    sorted.into_iter().chain(nulls).collect()
                }
            }
        };
    }
    Ok(rv)
}

/// `sorted(items, key=lambda x: get(x, path), reverse=descending)`; `nulls_hint` is the original order_by text
/// when a comparison with a null should become TrueNAS's "Cannot sort by ..." message.
fn sort<E>(
    items: Vec<E>,
    view: &impl Fn(&E) -> &Value,
    path: &FieldPath,
    descending: bool,
    nulls_hint: Option<&str>,
) -> Result<Vec<E>, QueryError> {
    let keys = items
        .iter()
        .map(|e| get(view(e), path).map(Py::of))
        .collect::<Result<Vec<_>, _>>()?;
    let fail = |msg: String| match nulls_hint {
        Some(raw) if msg.contains("not supported between instances of 'NoneType'") => QueryError::Failed(format!(
            "Cannot sort by {} because the field contains null values. Please use \"nulls_first:{raw}\" or \
                 \"nulls_last:{raw}\" to specify null placement.",
            repr_str(raw)
        )),
        _ => QueryError::Failed(msg),
    };

    // CPython's sort first walks adjacent pairs (on the reversed list when reverse=True) with `<`: report the
    // first incomparable pair it would meet.
    let walk: Vec<usize> = if descending {
        (0..keys.len()).rev().collect()
    } else {
        (0..keys.len()).collect()
    };
    for w in walk.windows(2) {
        py::order("<", &keys[w[1]], &keys[w[0]]).map_err(fail)?;
    }

    let mut error = None;
    let mut idx: Vec<usize> = (0..keys.len()).collect();
    idx.sort_by(|&a, &b| {
        let (a, b) = if descending { (b, a) } else { (a, b) };
        py::order("<", &keys[a], &keys[b]).unwrap_or_else(|e| {
            error.get_or_insert(e);
            Ordering::Equal
        })
    });
    if let Some(e) = error {
        return Err(fail(e));
    }
    drop(keys);
    let mut slots: Vec<Option<E>> = items.into_iter().map(Some).collect();
    Ok(idx.into_iter().filter_map(|i| slots[i].take()).collect())
}

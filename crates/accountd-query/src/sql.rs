//! SQL pushdown: turning the parts of a filter list that map onto plain columns into a SQLite `WHERE` clause
//! that selects a superset of the matching rows (callers re-check every row with [`crate::matches()`]).

use serde_json::Value;

use crate::filter::{Filter, Op};

/// The SQL type of a column, which is also the JSON type of the entry field it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// SQLite INTEGER; the entry holds a JSON integer.
    Integer,
    /// SQLite TEXT; the entry holds a JSON string.
    Text,
    /// SQLite 0/1; the entry holds a JSON bool.
    Bool,
}

/// A column whose value is exactly an entry field (always present in the entry; `null` when NULL).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The entry field (a top-level key).
    pub field: &'static str,
    /// The SQL expression yielding it, e.g. `u.bsdusr_username`.
    pub sql: &'static str,
    /// Its type.
    pub kind: ColumnKind,
    /// Whether it may be NULL.
    pub nullable: bool,
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlValue {
    /// NULL
    Null,
    /// INTEGER
    Integer(i64),
    /// REAL
    Real(f64),
    /// TEXT
    Text(String),
}

/// A pre-filter: `WHERE {where_sql}` with `params` bound to its `?` placeholders in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlPlan {
    /// The condition; `"1"` when nothing could be pushed.
    pub where_sql: String,
    /// Parameters, in placeholder order.
    pub params: Vec<SqlValue>,
    /// `true` when the condition selects exactly the matching rows (every filter was pushed exactly).
    pub exact: bool,
}

/// Plans the pushdown of `filters` onto `columns`.
///
/// Pushed: conditions whose path is exactly a column's field, with operators `= != > >= < <= in nin ^ !^ $ !$`
/// (case-sensitive, compared with `COLLATE BINARY` whatever the column's collation), on values whose JSON type
/// fits the column; OR groups are pushed as the OR of their branches' pushable parts. Everything else (regex,
/// `C` prefix, `rin`/`rnin`, nested paths, `.$date`, type mismatches) is left to the in-memory check and clears
/// `exact`. An ordering comparison on a nullable column keeps NULL rows (they make TrueNAS raise, so the
/// in-memory check must see them) and is therefore not exact.
///
/// Rows excluded here are never evaluated in memory, so an error another condition would have raised on such a
/// row (TrueNAS evaluates every row) is not reproduced.
pub fn plan_sql(filters: &[Filter], columns: &[Column]) -> SqlPlan {
    let planned = plan_and(filters, columns);
    SqlPlan {
        where_sql: planned.sql.unwrap_or_else(|| "1".to_owned()),
        params: planned.params,
        exact: planned.exact,
    }
}

/// The SQL `ORDER BY` terms equivalent to `order_by`, or `None` when a key cannot be pushed.
///
/// TrueNAS applies one stable sort per key in list order, so the last key dominates: the terms are the keys
/// in reverse. Only keys that are exactly a non-nullable column are pushed (a null makes TrueNAS's sort raise,
/// which SQLite would not), with `COLLATE BINARY` on text (UTF-8 byte order is Python's code point order).
/// An empty `order_by` gives an empty string; the caller appends its own tie-breaker (the order rows are
/// otherwise read in), which keeps the sort stable.
pub fn plan_order(order_by: &[crate::OrderBy], columns: &[Column]) -> Option<String> {
    let mut terms = Vec::with_capacity(order_by.len());
    for o in order_by.iter().rev() {
        let column = column_of(&o.path, columns).filter(|c| !c.nullable)?;
        let collate = if column.kind == ColumnKind::Text {
            " COLLATE BINARY"
        } else {
            ""
        };
        let direction = if o.descending { " DESC" } else { "" };
        terms.push(format!("({}){collate}{direction}", column.sql));
    }
    Some(terms.join(", "))
}

/// The column a path names exactly (a single segment equal to a column's field), if any.
fn column_of<'c>(path: &crate::FieldPath, columns: &'c [Column]) -> Option<&'c Column> {
    if !path.is_simple() {
        return None;
    }
    columns.iter().find(|c| c.field == path.first_segment())
}

/// A planned condition; `sql: None` stands for TRUE (nothing pushed).
struct Planned {
    sql: Option<String>,
    params: Vec<SqlValue>,
    exact: bool,
    /// `sql` is an AND of several parenthesised parts (needs parentheses inside an OR).
    compound: bool,
}

impl Planned {
    fn exact(sql: String, params: Vec<SqlValue>) -> Planned {
        Planned {
            sql: Some(sql),
            params,
            exact: true,
            compound: false,
        }
    }

    fn nothing() -> Planned {
        Planned {
            sql: None,
            params: Vec::new(),
            exact: false,
            compound: false,
        }
    }
}

fn plan_and(filters: &[Filter], columns: &[Column]) -> Planned {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    let mut exact = true;
    for f in filters {
        let p = match f {
            Filter::Or(branches) => plan_or(branches, columns),
            Filter::Cond {
                path,
                op,
                case_insensitive,
                value,
                date,
            } => match column_of(path, columns) {
                Some(c) if !case_insensitive && !date => plan_cond(c, *op, value),
                Some(c) if *op == Op::StartsWith && !date => plan_casefold_prefix(c, value),
                _ => Planned::nothing(),
            },
        };
        exact &= p.exact;
        if let Some(sql) = p.sql {
            parts.push(format!("({sql})"));
            params.extend(p.params);
        }
    }
    Planned {
        compound: parts.len() > 1,
        sql: (!parts.is_empty()).then(|| join_nested(parts, " AND ")),
        params,
        exact,
    }
}

/// Most parts joined in one flat chain; longer lists are nested in parenthesised groups of this size.
const FLAT_CHAIN: usize = 32;

/// Joins `parts` with `sep` so that the expression's depth grows with the logarithm of their number: SQLite
/// parses a flat `a OR b OR ...` as a tree as deep as it is long and refuses one over 1000 deep.
fn join_nested(parts: Vec<String>, sep: &str) -> String {
    if parts.len() <= FLAT_CHAIN {
        return parts.join(sep);
    }
    let groups = parts.chunks(FLAT_CHAIN).map(|c| format!("({})", c.join(sep))).collect();
    join_nested(groups, sep)
}

/// The column and value of a branch that is exactly one case-sensitive `field = value` on a column, with a
/// value bindable for it (such branches of one OR are planned together as one `IN` list).
fn single_equality<'c, 'f>(branch: &'f [Filter], columns: &'c [Column]) -> Option<(&'c Column, &'f Value)> {
    let [
        Filter::Cond {
            path,
            op: Op::Eq,
            case_insensitive: false,
            date: false,
            value,
        },
    ] = branch
    else {
        return None;
    };
    let column = column_of(path, columns)?;
    matches!(fit(column.kind, value), Fit::Param(_)).then_some((column, value))
}

fn plan_or(branches: &[Vec<Filter>], columns: &[Column]) -> Planned {
    let equalities: Vec<Option<(&Column, &Value)>> = branches.iter().map(|b| single_equality(b, columns)).collect();
    let values_of = |field: &str| -> Vec<Value> {
        equalities
            .iter()
            .flatten()
            .filter(|(c, _)| c.field == field)
            .map(|(_, v)| (*v).clone())
            .collect()
    };
    let mut listed: Vec<&str> = Vec::new();
    let mut parts = Vec::new();
    let mut params = Vec::new();
    let mut exact = true;
    for (branch, equality) in branches.iter().zip(&equalities) {
        let p = match equality {
            Some((c, _)) if listed.contains(&c.field) => continue,
            Some((c, _))
                if equalities
                    .iter()
                    .flatten()
                    .filter(|(o, _)| o.field == c.field)
                    .nth(1)
                    .is_some() =>
            {
                listed.push(c.field);
                plan_membership(c, &format!("({})", c.sql), false, &Value::Array(values_of(c.field)))
            }
            _ => plan_and(branch, columns),
        };
        // A branch that pushes nothing may match any row: so may the whole OR.
        let Some(sql) = p.sql else {
            return Planned::nothing();
        };
        exact &= p.exact;
        parts.push(if p.compound { format!("({sql})") } else { sql });
        params.extend(p.params);
    }
    if parts.is_empty() {
        return Planned::nothing();
    }
    Planned {
        sql: Some(join_nested(parts, " OR ")),
        params,
        exact,
        compound: false,
    }
}

/// How a filter value relates to a column's values.
enum Fit {
    /// Bindable as this parameter, compared the way Python compares.
    Param(SqlValue),
    /// Can never be equal to any value of the column (other JSON type).
    Never,
    /// Cannot be expressed safely.
    Unknown,
}

fn fit(kind: ColumnKind, v: &Value) -> Fit {
    const EXACT_FLOAT: f64 = 9_007_199_254_740_992.0; // 2^53
    match (kind, v) {
        (ColumnKind::Integer, Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Fit::Param(SqlValue::Integer(i))
            } else if n.is_u64() {
                Fit::Never // beyond i64: no SQLite integer equals it
            } else {
                match n.as_f64() {
                    Some(f) if f.abs() <= EXACT_FLOAT => Fit::Param(SqlValue::Real(f)),
                    _ => Fit::Unknown,
                }
            }
        }
        (ColumnKind::Text, Value::String(s)) => Fit::Param(SqlValue::Text(s.clone())),
        (ColumnKind::Bool, Value::Bool(b)) => Fit::Param(SqlValue::Integer(i64::from(*b))),
        (_, Value::Null) => Fit::Unknown,
        _ => Fit::Never,
    }
}

fn plan_cond(c: &Column, op: Op, value: &Value) -> Planned {
    let lhs = format!("({})", c.sql);
    // The placeholder, forcing a case-sensitive comparison on text.
    let ph = if c.kind == ColumnKind::Text {
        "? COLLATE BINARY"
    } else {
        "?"
    };
    match op {
        Op::Eq | Op::Ne if value.is_null() => {
            let not = if op == Op::Ne { " NOT" } else { "" };
            Planned::exact(format!("{lhs} IS{not} NULL"), Vec::new())
        }
        Op::Eq | Op::Ne => match fit(c.kind, value) {
            Fit::Param(p) => {
                let cmp = if op == Op::Eq { "=" } else { "IS NOT" };
                Planned::exact(format!("{lhs} {cmp} {ph}"), vec![p])
            }
            _ => Planned::nothing(),
        },
        Op::Gt | Op::Ge | Op::Lt | Op::Le => match fit(c.kind, value) {
            Fit::Param(p) => {
                let cond = format!("{lhs} {op} {ph}");
                if c.nullable {
                    Planned {
                        sql: Some(format!("{lhs} IS NULL OR {cond}")),
                        params: vec![p],
                        exact: false,
                        compound: false,
                    }
                } else {
                    Planned::exact(cond, vec![p])
                }
            }
            _ => Planned::nothing(),
        },
        Op::In | Op::Nin => plan_membership(c, &lhs, op == Op::Nin, value),
        Op::StartsWith | Op::NotStartsWith | Op::EndsWith | Op::NotEndsWith => {
            let (ColumnKind::Text, Value::String(s)) = (c.kind, value) else {
                return Planned::nothing();
            };
            let n = s.chars().count();
            let negated = matches!(op, Op::NotStartsWith | Op::NotEndsWith);
            if n == 0 {
                // Every string starts and ends with "".
                let sql = if negated {
                    "0".to_owned()
                } else {
                    format!("{lhs} IS NOT NULL")
                };
                return Planned::exact(sql, Vec::new());
            }
            let part = if matches!(op, Op::StartsWith | Op::NotStartsWith) {
                format!("substr({lhs}, 1, {n})")
            } else {
                format!("substr({lhs}, -{n})")
            };
            let cmp = if negated { "<>" } else { "=" };
            Planned::exact(format!("{part} {cmp} {ph}"), vec![SqlValue::Text(s.clone())])
        }
        Op::Regex | Op::Rin | Op::Rnin => Planned::nothing(),
    }
}

/// `C^` (case-insensitive prefix) as a pre-filter: `LIKE 'prefix%'` folds ASCII letters only, and a field with
/// any character outside printable ASCII may fold into the prefix in ways LIKE does not know (`ß` is `ss`, the
/// Kelvin sign is `k`), so such fields are kept for the exact check in memory. Only an ASCII prefix is planned;
/// the plan is never exact. A search box over 100,000 users then builds the entries of the few that match.
fn plan_casefold_prefix(c: &Column, value: &Value) -> Planned {
    let (ColumnKind::Text, Value::String(prefix)) = (c.kind, value) else {
        return Planned::nothing();
    };
    if !prefix.is_ascii() {
        return Planned::nothing();
    }
    let lhs = format!("({})", c.sql);
    let mut pattern = String::with_capacity(prefix.len() + 1);
    for ch in prefix.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(ch);
    }
    pattern.push('%');
    Planned {
        sql: Some(format!("{lhs} LIKE ? ESCAPE '\\' OR {lhs} GLOB '*[^ -~]*'")),
        params: vec![SqlValue::Text(pattern)],
        exact: false,
        compound: false,
    }
}

/// Lists longer than this are bound as one JSON array read with `json_each`.
const LONG_LIST: usize = 256;

/// The JSON array of bound values (`json_each` yields them back as INTEGER, REAL and TEXT).
fn json_array(params: &[SqlValue]) -> String {
    let items: Vec<Value> = params
        .iter()
        .map(|p| match p {
            SqlValue::Null => Value::Null,
            SqlValue::Integer(i) => Value::from(*i),
            SqlValue::Real(f) => Value::from(*f),
            SqlValue::Text(t) => Value::from(t.as_str()),
        })
        .collect();
    Value::Array(items).to_string()
}

/// `in` / `nin` with a list value.
fn plan_membership(c: &Column, lhs: &str, negated: bool, value: &Value) -> Planned {
    let Value::Array(items) = value else {
        return Planned::nothing();
    };
    let mut params = Vec::new();
    let mut has_null = false;
    for item in items {
        match fit(c.kind, item) {
            Fit::Param(p) => params.push(p),
            Fit::Never => {}
            Fit::Unknown if item.is_null() => has_null = true,
            Fit::Unknown => return Planned::nothing(),
        }
    }
    let collate = if c.kind == ColumnKind::Text {
        " COLLATE BINARY"
    } else {
        ""
    };
    let list = if params.len() > LONG_LIST {
        // One parameter whatever the length: SQLite binds at most 32766.
        params = vec![SqlValue::Text(json_array(&params))];
        "SELECT value FROM json_each(?)".to_owned()
    } else {
        vec!["?"; params.len()].join(", ")
    };
    let sql = if negated {
        // A null field never matches `nin`; a null in the list never equals a present value.
        if params.is_empty() {
            format!("{lhs} IS NOT NULL")
        } else {
            format!("{lhs} IS NOT NULL AND {lhs}{collate} NOT IN ({list})")
        }
    } else {
        match (params.is_empty(), has_null) {
            (true, false) => "0".to_owned(),
            (true, true) => format!("{lhs} IS NULL"),
            (false, false) => format!("{lhs}{collate} IN ({list})"),
            (false, true) => format!("{lhs}{collate} IN ({list}) OR {lhs} IS NULL"),
        }
    };
    Planned::exact(sql, params)
}

//! Glue between the query-filters engine and the services.

use accountd_api::types::query::QueryOptions as WireOptions;
use accountd_query::{Filter, QueryError, QueryOptions, SqlPlan, SqlValue};
use accountd_store::rusqlite_types::Value as SqlParam;
use serde_json::Value;

use crate::error::Error;

/// Parsed filters and options of one query call.
pub(crate) struct ParsedQuery {
    pub filters: Vec<Filter>,
    pub options: QueryOptions,
}

/// Parses wire filters and options with the engine's TrueNAS rules.
pub(crate) fn parse(filters: &[Vec<Value>], options: &WireOptions) -> Result<ParsedQuery, Error> {
    let raw_filters = Value::Array(filters.iter().cloned().map(Value::Array).collect());
    let filters = accountd_query::parse_filters(&raw_filters).map_err(map_error)?;
    let raw_options = serde_json::to_value(options).map_err(Error::internal)?;
    let options = accountd_query::parse_options(&raw_options).map_err(map_error)?;
    Ok(ParsedQuery { filters, options })
}

/// Runs the filter/select/order/paginate pipeline over assembled entries.
pub(crate) fn run(entries: Vec<Value>, query: &ParsedQuery) -> Result<Value, Error> {
    accountd_query::apply(entries, &query.filters, &query.options)
        .map(|out| out.into_value())
        .map_err(map_error)
}

/// What SQLite computes of a query beyond its filters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Page {
    /// Only the number of matches.
    Count,
    /// Rows in this order (SQL `ORDER BY` terms, empty: by id), at most `limit` (negative: all) after `offset`.
    /// `complete`: they are exactly the matches, in their final order and page (only `select` and `get` are
    /// left to the pipeline).
    Rows {
        order_sql: String,
        limit: i64,
        offset: i64,
        complete: bool,
    },
}

/// Pushes ordering, pagination and `count` down to SQLite when that gives the pipeline's answer: only when the
/// filters were pushed exactly (every row SQLite returns matches) and every `order_by` key is a plain column.
/// What is pushed is taken out of `options`, so the in-memory pipeline does not apply it again. A listing of
/// 10 of 100,000 users then reads 10 rows.
pub(crate) fn pushdown(plan: &SqlPlan, options: &mut QueryOptions, columns: &[accountd_query::Column]) -> Page {
    let everything = Page::Rows {
        order_sql: String::new(),
        limit: -1,
        offset: 0,
        complete: false,
    };
    if !plan.exact {
        return everything;
    }
    if options.count {
        // With `get` as well, the pipeline decides between the count and the first match.
        return if options.get { everything } else { Page::Count };
    }
    let Some(order_sql) = accountd_query::plan_order(&options.order_by, columns) else {
        return everything;
    };
    if options.get {
        // `get` takes the first match after ordering (offset and limit above 1 are refused).
        return Page::Rows {
            order_sql,
            limit: 1,
            offset: 0,
            complete: true,
        };
    }
    let limit = i64::try_from(options.limit).unwrap_or(i64::MAX);
    let offset = i64::try_from(options.offset).unwrap_or(i64::MAX);
    options.limit = 0;
    options.offset = 0;
    Page::Rows {
        order_sql,
        limit: if limit == 0 { -1 } else { limit },
        offset,
        complete: true,
    }
}

/// SQL parameters of a pushdown plan.
pub(crate) fn sql_params(plan: &SqlPlan) -> Vec<SqlParam> {
    plan.params
        .iter()
        .map(|p| match p {
            SqlValue::Null => SqlParam::Null,
            SqlValue::Integer(i) => SqlParam::Integer(*i),
            SqlValue::Real(f) => SqlParam::Real(*f),
            SqlValue::Text(s) => SqlParam::Text(s.clone()),
        })
        .collect()
}

/// TrueNAS's message when `query` with `get` matches nothing.
const MATCH_NOT_FOUND: &str = "MatchNotFound()";

/// The error of a `query` with `get` that matches nothing (TrueNAS `MatchNotFound`).
pub(crate) fn match_not_found() -> Error {
    Error::Exception(MATCH_NOT_FOUND.to_string())
}

/// Filters and options of `<service>.get_instance(id, options)` as a `<service>.query`: `[["id", "=", id]]`
/// with `get` set.
pub(crate) fn instance_query(id: i64, options: &WireOptions) -> (Vec<Vec<Value>>, WireOptions) {
    let filters = vec![vec![Value::from("id"), Value::from("="), Value::from(id)]];
    let mut options = options.clone();
    options.get = true;
    (filters, options)
}

/// The result of an [`instance_query`], with `MatchNotFound` replaced by `not_found` (TrueNAS
/// `InstanceNotFound`).
pub(crate) fn or_not_found<T>(result: Result<T, Error>, not_found: impl FnOnce() -> Error) -> Result<T, Error> {
    match result {
        Err(Error::Exception(m)) if m == MATCH_NOT_FOUND => Err(not_found()),
        other => other,
    }
}

/// Maps engine errors to TrueNAS errors.
pub(crate) fn map_error(e: QueryError) -> Error {
    match e {
        QueryError::Invalid { attribute, message } => Error::invalid(attribute, message),
        QueryError::MatchNotFound => match_not_found(),
        QueryError::Failed(message) => Error::Exception(message),
    }
}

/// Applies query-filters and query-options to an in-memory list (e.g. `core.get_jobs`).
pub fn query_list(entries: Vec<Value>, filters: &[Vec<Value>], options: &WireOptions) -> Result<Value, Error> {
    let query = parse(filters, options)?;
    run(entries, &query)
}

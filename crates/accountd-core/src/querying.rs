//! Glue between the query-filters engine and the services.

use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_query::{Filter, QueryError, QueryOptions, QueryOutput, SqlPlan, SqlValue};
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

/// Runs the pipeline over typed entries, each seen as `view` makes it (a user entry: redacted for the caller,
/// so that filters cannot probe what the caller may not see). Without `select` the answer holds the matching
/// entries themselves (a view is made only when filters or `order_by` look at it); with `select`, the views
/// shaped by it.
pub(crate) fn answer_seen_as<T>(
    entries: Vec<T>,
    query: &ParsedQuery,
    view: impl Fn(&T) -> Result<Value, Error>,
) -> Result<QueryAnswer<T>, Error> {
    if !query.options.select.is_empty() {
        let views = entries.iter().map(view).collect::<Result<Vec<_>, _>>()?;
        return Ok(
            match accountd_query::apply(views, &query.filters, &query.options).map_err(map_error)? {
                QueryOutput::List(shaped) => QueryAnswer::Projected(shaped),
                QueryOutput::One(shaped) => QueryAnswer::ProjectedOne(shaped),
                QueryOutput::Count(n) => QueryAnswer::Count(n),
            },
        );
    }
    let looked_at = !query.filters.is_empty() || !query.options.order_by.is_empty();
    let seen = entries
        .into_iter()
        .map(|e| Ok((if looked_at { view(&e)? } else { Value::Null }, e)))
        .collect::<Result<Vec<_>, Error>>()?;
    let output =
        accountd_query::apply_unprojected(seen, |(view, _)| view, &query.filters, &query.options).map_err(map_error)?;
    Ok(match output {
        QueryOutput::List(matches) => QueryAnswer::Entries(matches.into_iter().map(|(_, e)| e).collect()),
        QueryOutput::One((_, e)) => QueryAnswer::One(e),
        QueryOutput::Count(n) => QueryAnswer::Count(n),
    })
}

/// Runs the pipeline over typed entries as their JSON reads (entries without anything a caller may not see).
pub(crate) fn answer<T: serde::Serialize>(entries: Vec<T>, query: &ParsedQuery) -> Result<QueryAnswer<T>, Error> {
    answer_seen_as(entries, query, |e| serde_json::to_value(e).map_err(Error::internal))
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

/// The `*.get_instance` answer of an [`instance_query`]'s result.
pub(crate) fn instance<T>(
    result: Result<QueryAnswer<T>, Error>,
    not_found: impl FnOnce() -> Error,
) -> Result<Instance<T>, Error> {
    or_not_found(result, not_found).map(Instance)
}

/// Maps engine errors to TrueNAS errors.
pub(crate) fn map_error(e: QueryError) -> Error {
    match e {
        QueryError::Invalid { attribute, message } => Error::invalid(attribute, message),
        QueryError::MatchNotFound => match_not_found(),
        QueryError::Failed(message) => Error::Exception(message),
    }
}

/// Applies query-filters and query-options to an in-memory list of entries (`auth.sessions`, `privilege.roles`,
/// `core.get_jobs`).
pub fn query_list<T: serde::Serialize>(
    entries: Vec<T>,
    filters: &[Vec<Value>],
    options: &WireOptions,
) -> Result<QueryAnswer<T>, Error> {
    answer(entries, &parse(filters, options)?)
}

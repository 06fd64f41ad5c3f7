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

/// Maps engine errors to TrueNAS errors.
pub(crate) fn map_error(e: QueryError) -> Error {
    match e {
        QueryError::Invalid { attribute, message } => Error::invalid(attribute, message),
        QueryError::MatchNotFound => Error::Exception("MatchNotFound()".to_string()),
        QueryError::Failed(message) => Error::Exception(message),
    }
}

/// Applies query-filters and query-options to an in-memory list (e.g. `core.get_jobs`).
pub fn query_list(entries: Vec<Value>, filters: &[Vec<Value>], options: &WireOptions) -> Result<Value, Error> {
    let query = parse(filters, options)?;
    run(entries, &query)
}

//! query-filters and query-options as they travel; the engine in `accountd-query` interprets them.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One filter: `[field, op, value]` or `["OR", [branch, ...]]`.
pub type QueryFilter = Vec<Value>;

/// query-options (unknown keys rejected).
#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QueryOptions {
    /// Per-method extra options (free-form).
    #[serde(default)]
    pub extra: Map<String, Value>,
    /// Sort keys: `field`, `-field` (descending), with optional `nulls_first:`/`nulls_last:` prefix.
    #[serde(default)]
    pub order_by: Vec<String>,
    /// Fields to return: a path, or `[path, new_name]`.
    #[serde(default)]
    pub select: Vec<SelectItem>,
    /// Return the number of matches instead of the entries.
    #[serde(default)]
    pub count: bool,
    /// Return the first match as an object (error when none).
    #[serde(default)]
    pub get: bool,
    /// Entries to skip.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub offset: u64,
    /// Entries to return at most (0 = no limit, at most 10000). The upper bound is checked by the query engine
    /// (as TrueNAS's options validator does: `options` "Value error, Options limit must be between 1 and 10000"),
    /// not by the schema.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub limit: u64,
    /// Accepted for compatibility; filters are always applied exactly.
    #[serde(default)]
    pub force_sql_filters: bool,
}

/// One `select` item.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SelectItem {
    /// A (dotted) field path.
    Field(String),
    /// `[path, new_name]`: two strings. As in TrueNAS (`select: list[str | list]`), the schema accepts any list
    /// and the query engine words the error for other shapes (`options` "Value error, ['x']: A select as list
    /// may only contain two parameters: ...").
    Rename(Vec<Value>),
}

/// Arguments of `*.query` methods.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct QueryArgs {
    /// List of filters, ANDed.
    #[serde(default)]
    pub filters: Vec<QueryFilter>,
    /// Query options.
    #[serde(default)]
    pub options: QueryOptions,
}

/// Arguments of `*.get_instance` methods.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GetInstanceArgs {
    /// The entry's id.
    pub id: i64,
    /// Query options (`select` and `extra` apply).
    #[serde(default)]
    pub options: QueryOptions,
}

/// What a query returns: a list, a count or one entry (`get`), or entries shaped by `select`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum QueryResult<T> {
    /// The matching entries.
    List(Vec<T>),
    /// One entry (`options.get`).
    One(T),
    /// The number of matches (`options.count`).
    Count(u64),
}

/// What a `*.query` answers, as the services produce it and the server serializes it: the matching entries (a
/// list, or one with `options.get`), their number (`options.count`), or entries shaped by `options.select`.
/// Documented as [`QueryResult<T>`] plus the shaped cases.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryAnswer<T> {
    /// The matching entries.
    Entries(Vec<T>),
    /// One entry (`options.get`).
    One(T),
    /// The number of matches (`options.count`).
    Count(u64),
    /// Entries shaped by `options.select`: JSON objects with some of `T`'s fields, possibly renamed. The
    /// service shaped them from entries it had already made fit for the caller (a renamed secret field is
    /// out of reach of a redaction by field name).
    Projected(Vec<Value>),
    /// One entry shaped by `options.select` (`options.get`).
    ProjectedOne(Value),
}

impl<T> QueryAnswer<T> {
    /// The answer with each entry converted by `f`.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> QueryAnswer<U> {
        match self {
            QueryAnswer::Entries(entries) => QueryAnswer::Entries(entries.into_iter().map(f).collect()),
            QueryAnswer::One(entry) => QueryAnswer::One(f(entry)),
            QueryAnswer::Count(n) => QueryAnswer::Count(n),
            QueryAnswer::Projected(values) => QueryAnswer::Projected(values),
            QueryAnswer::ProjectedOne(value) => QueryAnswer::ProjectedOne(value),
        }
    }

    /// The typed entries of the answer, for changing them in place (none when counted or shaped).
    pub fn entries_mut(&mut self) -> &mut [T] {
        match self {
            QueryAnswer::Entries(entries) => entries,
            QueryAnswer::One(entry) => std::slice::from_mut(entry),
            QueryAnswer::Count(_) | QueryAnswer::Projected(_) | QueryAnswer::ProjectedOne(_) => &mut [],
        }
    }
}

impl<T: Serialize> Serialize for QueryAnswer<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            QueryAnswer::Entries(entries) => entries.serialize(s),
            QueryAnswer::One(entry) => entry.serialize(s),
            QueryAnswer::Count(n) => n.serialize(s),
            QueryAnswer::Projected(values) => values.serialize(s),
            QueryAnswer::ProjectedOne(value) => value.serialize(s),
        }
    }
}

impl<T: JsonSchema> JsonSchema for QueryAnswer<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        QueryResult::<T>::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let full = QueryResult::<T>::json_schema(generator);
        schemars::json_schema!({
            "anyOf": [
                full,
                {"type": "array", "items": {"type": "object"}, "description": "Entries shaped by `options.select`."},
                {"type": "object", "description": "One entry shaped by `options.select` (`options.get`)."}
            ]
        })
    }
}

/// What a `*.get_instance` answers: the query `[["id", "=", id]]` with `options.get`, so one entry (or, as in
/// TrueNAS, what the other options make of it: shaped by `select`, or even a count). Documented as `T`.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance<T>(pub QueryAnswer<T>);

impl<T> Instance<T> {
    /// The entry, when the answer is the one typed entry (not shaped by `select` or counted).
    pub fn into_entry(self) -> Option<T> {
        match self.0 {
            QueryAnswer::One(entry) => Some(entry),
            _ => None,
        }
    }
}

impl<T: Serialize> Serialize for Instance<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for Instance<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

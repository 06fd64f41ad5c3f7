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

/// A result as JSON: a tree (what the query engine works on), or text serialized straight from typed entries
/// when the engine had nothing left to do (no tree is built for a listing of 10,000 users).
#[derive(Debug, Clone)]
pub enum Json {
    /// A JSON tree.
    Tree(Value),
    /// Serialized JSON.
    Text(Box<serde_json::value::RawValue>),
}

impl Serialize for Json {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Tree(v) => v.serialize(s),
            Json::Text(t) => t.serialize(s),
        }
    }
}

/// The result of a query as produced by the engine (entries possibly shaped by `select`), documented as
/// [`QueryResult<T>`].
#[derive(Debug, Clone)]
pub struct QueryResponse<T>(pub Json, std::marker::PhantomData<T>);

impl<T> QueryResponse<T> {
    /// Wraps an engine result.
    pub fn new(value: Value) -> Self {
        QueryResponse(Json::Tree(value), std::marker::PhantomData)
    }

    /// Wraps a result that is a tree or already text.
    pub fn from_json(json: Json) -> Self {
        QueryResponse(json, std::marker::PhantomData)
    }
}

impl<T> Serialize for QueryResponse<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<T: JsonSchema> JsonSchema for QueryResponse<T> {
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

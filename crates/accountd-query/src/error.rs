//! The one error type of the query engine.

/// What can go wrong while parsing or applying query-filters / query-options.
///
/// The variants map onto TrueNAS's wire errors as follows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// Bad filters/options: reported by the caller as a JSON-RPC -32602 ValidationError item
    /// `[attribute, message, 22]`.
    ///
    /// `attribute` and `message` are what TrueNAS's pydantic API (`api/base/handler/accept.py`) reports for a
    /// `*.query(filters, options)` call: the pydantic location joined by dots, starting at the argument name, and
    /// pydantic's message:
    /// - `"filters"` with `"Value error, <msg>"` for anything `validate_filters` rejects (it runs as an
    ///   `AfterValidator` on the `filters` list), e.g. `"Value error, Invalid operation: =="`;
    /// - `"options"` with `"Value error, <msg>"` for what `validate_options` rejects (it runs as the model
    ///   validator of `QueryOptions`), e.g. ``"Value error, Invalid options combination. `get` implies a single
    ///   result."``;
    /// - `"options.<field>[.<index>]"` with pydantic's type message for a field of the wrong type, e.g.
    ///   `("options.limit", "Input should be a valid integer")`, and `("options.<key>", "Extra inputs are not
    ///   permitted")` for an unknown key.
    #[error("{attribute}: {message}")]
    Invalid {
        /// Dotted location, e.g. `filters`, `options`, `options.limit`.
        attribute: String,
        /// Human-readable message, worded as TrueNAS words it.
        message: String,
    },
    /// `get` matched nothing: caller reports -32001 EINVAL with reason exactly `"MatchNotFound()"`.
    #[error("MatchNotFound()")]
    MatchNotFound,
    /// Runtime failure TrueNAS raises as a plain exception (ordering comparison of mismatched types, bad regular
    /// expression, malformed filter that Python rejects with a `TypeError` rather than a `ValueError`, ...):
    /// -32001 EINVAL, reason = the message (Python's `str(exception)`).
    #[error("{0}")]
    Failed(String),
}

impl QueryError {
    /// A validation error on the `filters` argument (`"Value error, "` is prefixed as pydantic does).
    pub(crate) fn filters(msg: impl std::fmt::Display) -> Self {
        QueryError::Invalid {
            attribute: "filters".to_owned(),
            message: format!("Value error, {msg}"),
        }
    }

    /// A validation error at an exact location with an exact message.
    pub(crate) fn invalid(attribute: impl Into<String>, message: impl Into<String>) -> Self {
        QueryError::Invalid {
            attribute: attribute.into(),
            message: message.into(),
        }
    }
}

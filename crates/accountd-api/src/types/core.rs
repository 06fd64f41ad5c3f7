//! `core.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `core.set_options` input: connection options (all optional).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionOptions {
    /// Legacy job results (accepted; no method here is a job).
    #[serde(default)]
    pub legacy_jobs: Option<bool>,
    /// Expose private methods (accepted).
    #[serde(default)]
    pub private_methods: Option<bool>,
    /// Include Python exception details in errors (accepted).
    #[serde(default)]
    pub py_exceptions: Option<bool>,
}

/// `core.set_options` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SetOptionsArgs {
    /// Options to change.
    #[serde(default)]
    pub options: ConnectionOptions,
}

/// The connection's effective options.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EffectiveOptions {
    /// Legacy job results.
    pub legacy_jobs: bool,
    /// Private methods exposed.
    pub private_methods: bool,
    /// Python exception details.
    pub py_exceptions: bool,
}

impl Default for EffectiveOptions {
    fn default() -> Self {
        EffectiveOptions {
            legacy_jobs: true,
            private_methods: false,
            py_exceptions: false,
        }
    }
}

/// `core.subscribe` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SubscribeArgs {
    /// Event name, e.g. `user.query`, or `*` for every event the session may see.
    pub event_name: String,
}

/// `core.unsubscribe` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeArgs {
    /// The id `core.subscribe` returned.
    pub id: String,
}

/// The interface `core.get_methods` lists methods for (TrueNAS's `target`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, JsonSchema)]
pub enum MethodsTarget {
    /// WebSocket clients (the only interface this service has).
    #[default]
    #[serde(rename = "WS")]
    Ws,
    /// The command line client.
    #[serde(rename = "CLI")]
    Cli,
    /// HTTP REST clients (this service has no REST API; the list is the same).
    #[serde(rename = "REST")]
    Rest,
}

/// `core.get_methods` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GetMethodsArgs {
    /// Only the methods of this service (e.g. `user`, `auth.twofactor`); null for all.
    #[serde(default)]
    pub service: Option<String>,
    /// The interface to list methods for.
    #[serde(default)]
    pub target: MethodsTarget,
}

/// What `core.get_methods` tells about one method (TrueNAS's shape).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct MethodMetadata {
    /// The method's documentation.
    pub description: Option<String>,
    /// The first sentence of the documentation, on one line.
    pub cli_description: String,
    /// Request examples by interface (`websocket`: params arrays as JSON text).
    pub examples: std::collections::BTreeMap<String, Vec<String>>,
    /// An update or delete of one item of a CRUD service (its first argument is the id).
    pub item_method: bool,
    /// Callable without logging in.
    pub no_auth_required: bool,
    /// Takes query-filters and query-options.
    pub filterable: bool,
    /// Always null.
    pub filterable_schema: Option<serde_json::Value>,
    /// The method sees the calling connection (every method here: the service is WebSocket only).
    pub pass_application: bool,
    /// Callable only over a WebSocket (every method here: there is no REST API).
    pub require_websocket: bool,
    /// Runs as a job (no method here does).
    pub job: bool,
    /// Has a download pipe (none here).
    pub downloadable: bool,
    /// Has an upload pipe (none here).
    pub uploadable: bool,
    /// Checks its pipes (none here).
    pub check_pipes: bool,
    /// Every role that allows calling it, sorted (empty when any session, or no session, may call it;
    /// FULL_ADMIN, which allows everything, is not listed, as on TrueNAS).
    pub roles: Vec<String>,
    /// JSON Schema of each positional argument, with `$ref`s resolved and TrueNAS's `_name_`, `_required_`
    /// and `_attrs_order_` annotations.
    pub accepts: Vec<serde_json::Value>,
    /// JSON Schema of the result, as a one-item list.
    pub returns: Vec<serde_json::Value>,
}

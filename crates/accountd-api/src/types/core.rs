//! `core.*` wire types.

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
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
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
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SubscribeArgs {
    /// Event name, e.g. `user.query`, or `*` for every event the session may see.
    pub event_name: String,
}

/// `core.unsubscribe` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UnsubscribeArgs {
    /// The id `core.subscribe` returned.
    pub id: String,
}

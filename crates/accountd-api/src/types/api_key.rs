//! `api_key.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Timestamp, double_option};

/// An API key as `api_key.query` returns it. The key itself is never shown again after `api_key.create` (or
/// `api_key.update` with `reset`); `keyhash` always shows as `********`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ApiKeyEntry {
    /// Database id; the key starts with it (`<id>-<secret>`).
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Owner's login name (null if the owner cannot be resolved).
    pub username: Option<String>,
    /// Owner's user database id.
    pub user_identifier: i64,
    /// Hash of the key (secret: always `********`).
    pub keyhash: String,
    /// When the key was made.
    pub created_at: Timestamp,
    /// When the key stops working (whole seconds); null never expires.
    pub expires_at: Option<Timestamp>,
    /// The owner is a local user (always true).
    pub local: bool,
    /// The key was revoked and no longer logs in (`api_key.update` with `reset` renews it).
    pub revoked: bool,
    /// Why the key was revoked.
    pub revoked_reason: Option<String>,
}

/// An entry plus the key itself: what `api_key.create` returns (the only time the key is shown).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApiKeyWithKey {
    /// The entry.
    #[serde(flatten)]
    pub entry: ApiKeyEntry,
    /// The key, `<id>-<64 letters and digits>`; keep it, it cannot be shown again.
    pub key: String,
}

/// What `api_key.update` returns: the entry, plus `key` when `reset` made a new one.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct ApiKeyUpdated {
    /// The entry.
    #[serde(flatten)]
    pub entry: ApiKeyEntry,
    /// The new key (only with `reset: true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// `api_key.create` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreate {
    /// Unique name.
    #[schemars(length(min = 1, max = 200))]
    pub name: String,
    /// The user the key logs in as (must hold a role through a privilege).
    #[schemars(length(min = 1))]
    pub username: String,
    /// When the key stops working (must be in the future); null never expires.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// `api_key.update` input: only given keys change.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyUpdate {
    /// Unique name.
    #[serde(default)]
    #[schemars(length(min = 1, max = 200))]
    pub name: Option<String>,
    /// When the key stops working; null never expires.
    #[serde(default, deserialize_with = "double_option")]
    pub expires_at: Option<Option<Timestamp>>,
    /// Replace the key with a new one (returned as `key`) and clear a revocation.
    #[serde(default)]
    pub reset: Option<bool>,
}

/// `api_key.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyCreateArgs {
    /// The new key.
    pub api_key_create: ApiKeyCreate,
}

/// `api_key.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyUpdateArgs {
    /// The key's id.
    pub id: i64,
    /// Fields to change.
    pub api_key_update: ApiKeyUpdate,
}

/// `api_key.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct ApiKeyDeleteArgs {
    /// The key's id.
    pub id: i64,
}

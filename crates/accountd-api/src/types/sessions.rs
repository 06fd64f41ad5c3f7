//! Authentication tokens and login sessions (`auth.generate_token`, `auth.sessions`, ...).

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::Timestamp;

/// Seconds a token stays valid after its last use when `auth.generate_token` is given no `ttl` (or null).
pub const DEFAULT_TOKEN_TTL_SECS: i64 = 600;

fn default_ttl() -> Option<i64> {
    Some(DEFAULT_TOKEN_TTL_SECS)
}

fn default_true() -> bool {
    true
}

/// `auth.generate_token` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GenerateTokenArgs {
    /// Seconds the token stays valid after its last use (null: 600).
    #[serde(default = "default_ttl")]
    pub ttl: Option<i64>,
    /// Free-form attributes kept with the token.
    #[serde(default)]
    pub attrs: Map<String, Value>,
    /// Only accept the token from the IP address that created it.
    #[serde(default = "default_true")]
    pub match_origin: bool,
    /// The token dies on its first use.
    #[serde(default)]
    pub single_use: bool,
}

/// `auth.login_with_token` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct LoginWithTokenArgs {
    /// A token from `auth.generate_token`.
    pub token: String,
}

/// The API key a session logged in with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ApiKeySessionData {
    /// Key id.
    pub id: i64,
    /// Key name.
    pub name: String,
}

/// `credentials_data` of a session: who logged in and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct CredentialsData {
    /// The user.
    pub username: String,
    /// When the user logged in (password and API key logins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub login_at: Option<Timestamp>,
    /// The API key (API key logins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_key: Option<ApiKeySessionData>,
    /// The credentials of the session that created the token (token logins).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<Box<SessionCredentials>>,
}

/// How a session authenticated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SessionCredentials {
    /// `LOGIN_PASSWORD`, `LOGIN_TWOFACTOR`, `API_KEY` or `TOKEN`.
    pub credentials: String,
    /// Details.
    pub credentials_data: CredentialsData,
}

/// One logged-in session as `auth.sessions` lists it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionEntry {
    /// Session id (for `auth.terminate_session`).
    pub id: String,
    /// The calling connection's own session.
    pub current: bool,
    /// Always false (no internal sessions).
    pub internal: bool,
    /// Peer address, `ip:port`.
    pub origin: String,
    /// How it authenticated, and as whom.
    #[serde(flatten)]
    pub credentials: SessionCredentials,
    /// When it logged in.
    pub created_at: Timestamp,
}

/// `auth.terminate_session` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TerminateSessionArgs {
    /// Session id from `auth.sessions`.
    pub id: String,
}

//! `user.account.*` wire types: a user's view and edit of their own account.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// `user.account.config`: the calling user's own account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccountConfig {
    /// Database id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Full name.
    pub full_name: String,
    /// E-mail address (where password reset links go).
    pub email: Option<String>,
    /// Free-text description (set by an administrator).
    pub description: Option<String>,
    /// Preferred locale.
    pub locale: Option<String>,
    /// Time zone (IANA name).
    pub timezone: Option<String>,
    /// Days since the password changed; null when unknown.
    pub password_age: Option<i64>,
    /// The password must be changed.
    pub password_change_required: bool,
    /// The user has a two-factor secret.
    pub twofactor_auth_configured: bool,
    /// Roles granted through the privileges of the user's groups.
    pub roles: Vec<String>,
}

/// `user.account.update` input: only these keys; `old_password` is required when `password` or `email`
/// changes.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserAccountUpdate {
    /// Full name.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub full_name: Option<String>,
    /// E-mail address (null or empty clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Preferred locale (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub locale: Option<Option<String>>,
    /// Time zone: an IANA name or a Rails name (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub timezone: Option<Option<String>>,
    /// New password.
    #[serde(default)]
    #[schemars(length(min = 1))]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<String>,
    /// The current password.
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub old_password: Option<String>,
}

/// `user.account.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdateArgs {
    /// Fields to change.
    pub user_account_update: UserAccountUpdate,
}

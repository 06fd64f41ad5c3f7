//! `auth.password_reset.*` wire types: password reset by email.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// The password reset settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct PasswordResetEntry {
    /// Always 1.
    pub id: i64,
    /// `auth.password_reset.request` sends reset links (it also needs `mail.update` settings).
    pub enabled: bool,
    /// Seconds a reset link stays valid (300-86400).
    pub token_ttl: i64,
    /// The link mailed, with `{token}` standing for the token; null: the service's own page,
    /// `http://<listen address>/ui/reset?token={token}`.
    pub url_template: Option<String>,
    /// Users whose groups no privilege matches (refused with `DENIED` otherwise) log in with their password
    /// to a session restricted to `user.account.*`, `auth.me`, `auth.logout` and `core.ping`.
    pub allow_unprivileged_self_service: bool,
}

/// `auth.password_reset.update` input: only given keys change.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetUpdate {
    /// Offer reset by email.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Seconds a reset link stays valid.
    #[serde(default)]
    #[schemars(range(min = 300, max = 86400))]
    pub token_ttl: Option<i64>,
    /// An `http://` or `https://` link containing `{token}`; null: the service's own page.
    #[serde(default, deserialize_with = "double_option")]
    pub url_template: Option<Option<String>>,
    /// Let users matched by no privilege log in to their own account only.
    #[serde(default)]
    pub allow_unprivileged_self_service: Option<bool>,
}

/// `auth.password_reset.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetUpdateArgs {
    /// Fields to change.
    pub password_reset_update: PasswordResetUpdate,
}

/// A reset request: the address the link goes to.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email address (compared without regard to case).
    #[schemars(length(max = 254))]
    pub email: String,
}

/// `auth.password_reset.request` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequestArgs {
    /// The request.
    pub password_reset_request: PasswordResetRequest,
}

/// The completion of a reset: the mailed token and the new password.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetComplete {
    /// The token from the link.
    #[schemars(length(max = 256))]
    #[schemars(extend("writeOnly" = true))]
    pub token: String,
    /// The new password (the account profile's password rules apply).
    #[schemars(extend("writeOnly" = true))]
    pub new_password: String,
}

/// `auth.password_reset.complete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetCompleteArgs {
    /// The completion.
    pub password_reset_complete: PasswordResetComplete,
}

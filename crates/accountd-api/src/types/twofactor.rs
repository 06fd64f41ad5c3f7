//! Two-factor authentication wire types: per-user TOTP settings (`user.*_2fa_*`) and the global
//! `auth.twofactor` configuration.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::TwoFactorState;
use super::user::UserEntry;

/// A user's two-factor settings as `user.twofactor_config` returns them (the same object as `auth.me`'s
/// `two_factor_config`).
pub type UserTwofactorConfig = TwoFactorState;

/// `twofactor_options` of `user.renew_2fa_secret`: keys not given keep their stored values.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TwofactorOptions {
    /// Digits per one-time password.
    #[serde(default)]
    #[schemars(range(min = 6, max = 8))]
    pub otp_digits: Option<i64>,
    /// Seconds each one-time password is valid for (the TOTP time step): at least 5, as in TrueNAS 25.10
    /// (newer TrueNAS allows only 30 or 60).
    #[serde(default)]
    #[schemars(range(min = 5))]
    pub interval: Option<i64>,
}

/// `user.renew_2fa_secret` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct Renew2faSecretArgs {
    /// The user whose secret is renewed.
    pub username: String,
    /// TOTP parameters to change.
    pub twofactor_options: TwofactorOptions,
}

/// `user.renew_2fa_recovery_codes` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct RenewRecoveryCodesArgs {
    /// The user whose codes are renewed; the caller's own account when omitted.
    #[serde(default)]
    pub username: Option<String>,
}

/// `user.verify_twofactor_token` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct VerifyTwofactorTokenArgs {
    /// The user whose code it is.
    pub username: String,
    /// The one-time password; null or omitted is a wrong one.
    #[serde(default)]
    pub token: Option<String>,
}

/// Arguments of the per-user two-factor methods that only name a user.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TwofactorUsernameArgs {
    /// Login name.
    pub username: String,
}

/// `user.renew_2fa_secret` result: the user entry plus its new two-factor settings.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserWithTwofactor {
    /// The entry.
    #[serde(flatten)]
    pub entry: UserEntry,
    /// Two-factor settings, with the provisioning URI of the new secret.
    pub twofactor_config: UserTwofactorConfig,
}

/// Services that require a second factor.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorServices {
    /// SSH logins.
    #[serde(default)]
    pub ssh: bool,
}

/// `auth.twofactor.config` result: the system-wide two-factor settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct TwoFactorAuthEntry {
    /// Users with a secret must give a one-time password to log in.
    pub enabled: bool,
    /// Services that require the second factor.
    pub services: TwoFactorServices,
    /// Time steps accepted before and after the current one.
    pub window: i64,
    /// Always 1.
    pub id: i64,
}

/// `auth.twofactor.update` input: every key optional; only given keys change.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorAuthUpdate {
    /// Require a one-time password from users with a secret.
    #[serde(default)]
    pub enabled: Option<bool>,
    /// Services that require the second factor.
    #[serde(default)]
    pub services: Option<TwoFactorServices>,
    /// Time steps accepted before and after the current one.
    #[serde(default)]
    #[schemars(range(min = 0))]
    pub window: Option<i64>,
}

/// `auth.twofactor.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TwoFactorAuthUpdateArgs {
    /// Settings to change.
    pub auth_twofactor_update: TwoFactorAuthUpdate,
}

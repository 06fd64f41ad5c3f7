//! `account_profile.*` and `system.security.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// A character class a password may be required to contain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum PasswordCharClass {
    /// An upper-case letter.
    Upper,
    /// A lower-case letter.
    Lower,
    /// A digit.
    Number,
    /// Anything else (punctuation, symbols, spaces).
    Special,
}

impl PasswordCharClass {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            PasswordCharClass::Upper => "UPPER",
            PasswordCharClass::Lower => "LOWER",
            PasswordCharClass::Number => "NUMBER",
            PasswordCharClass::Special => "SPECIAL",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Upper, Self::Lower, Self::Number, Self::Special]
            .into_iter()
            .find(|c| c.as_str() == name)
    }
}

/// What a login with an expired password gets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExpiredPasswordAction {
    /// A session that may only change the password (and log out).
    #[default]
    Restrict,
    /// No session: `auth.login_ex` answers `EXPIRED`.
    Deny,
}

impl ExpiredPasswordAction {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpiredPasswordAction::Restrict => "RESTRICT",
            ExpiredPasswordAction::Deny => "DENY",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "RESTRICT" => Some(Self::Restrict),
            "DENY" => Some(Self::Deny),
            _ => None,
        }
    }
}

/// An account profile: the lockout, session cap, password rules and expiry that apply to its users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AccountProfileEntry {
    /// Database id (1 `Default`, 2 `No-Lockout`, 3 `Hardened` are builtin).
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Builtin profile: cannot be renamed or deleted.
    pub builtin: bool,
    /// Failed password logins within the window that lock the account; 0 never locks.
    pub lockout_max_auth_failures: i64,
    /// The window in seconds (0: failures never expire).
    pub lockout_evaluation_period: i64,
    /// Seconds the account stays locked, from the failure that locked it.
    pub lockout_period: i64,
    /// Open sessions one user may hold; 0 is unlimited.
    pub max_concurrent_sessions: i64,
    /// Days after which a password has expired; null never.
    pub password_expiration_days: Option<i64>,
    /// Days before a user may change their own password again; null any time.
    pub min_password_age: Option<i64>,
    /// A new password may not equal any of the last N; null no check.
    pub password_history_length: Option<i64>,
    /// Minimum length of a password; null no minimum.
    pub min_password_length: Option<i64>,
    /// Character classes every password must contain; null none.
    pub password_complexity_ruleset: Option<Vec<PasswordCharClass>>,
    /// Refuse common passwords, the username and the full name.
    pub check_common_passwords: bool,
    /// What a login with an expired password gets.
    pub expired_password_action: ExpiredPasswordAction,
}

/// `account_profile.create` input; omitted fields take the `Default` profile's values.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountProfileCreate {
    /// Unique name, 1-64 characters.
    pub name: String,
    /// 0-100; 0 never locks.
    #[serde(default = "default_max_failures")]
    pub lockout_max_auth_failures: i64,
    /// Seconds, 0 or 60-86400.
    #[serde(default = "default_period")]
    pub lockout_evaluation_period: i64,
    /// Seconds, 60-86400.
    #[serde(default = "default_period")]
    pub lockout_period: i64,
    /// 0-1000; 0 is unlimited.
    #[serde(default)]
    pub max_concurrent_sessions: i64,
    /// Days, 7-730, or null.
    #[serde(default)]
    pub password_expiration_days: Option<i64>,
    /// Days, 1-365, or null.
    #[serde(default)]
    pub min_password_age: Option<i64>,
    /// 1-10, or null.
    #[serde(default)]
    pub password_history_length: Option<i64>,
    /// 8-128, or null.
    #[serde(default)]
    pub min_password_length: Option<i64>,
    /// Character classes, or null.
    #[serde(default)]
    pub password_complexity_ruleset: Option<Vec<PasswordCharClass>>,
    /// Refuse common passwords.
    #[serde(default)]
    pub check_common_passwords: bool,
    /// `RESTRICT` (default) or `DENY`.
    #[serde(default)]
    pub expired_password_action: ExpiredPasswordAction,
}

fn default_max_failures() -> i64 {
    10
}
fn default_period() -> i64 {
    900
}

/// `account_profile.update` input: only given keys change (null clears a nullable field).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountProfileUpdate {
    /// Unique name (builtin profiles cannot be renamed).
    #[serde(default)]
    pub name: Option<String>,
    /// 0-100; 0 never locks.
    #[serde(default)]
    pub lockout_max_auth_failures: Option<i64>,
    /// Seconds, 0 or 60-86400.
    #[serde(default)]
    pub lockout_evaluation_period: Option<i64>,
    /// Seconds, 60-86400.
    #[serde(default)]
    pub lockout_period: Option<i64>,
    /// 0-1000; 0 is unlimited.
    #[serde(default)]
    pub max_concurrent_sessions: Option<i64>,
    /// Days, 7-730, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub password_expiration_days: Option<Option<i64>>,
    /// Days, 1-365, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub min_password_age: Option<Option<i64>>,
    /// 1-10, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub password_history_length: Option<Option<i64>>,
    /// 8-128, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub min_password_length: Option<Option<i64>>,
    /// Character classes, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub password_complexity_ruleset: Option<Option<Vec<PasswordCharClass>>>,
    /// Refuse common passwords.
    #[serde(default)]
    pub check_common_passwords: Option<bool>,
    /// `RESTRICT` or `DENY`.
    #[serde(default)]
    pub expired_password_action: Option<ExpiredPasswordAction>,
}

/// `account_profile.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AccountProfileCreateArgs {
    /// The new profile.
    pub account_profile_create: AccountProfileCreate,
}

/// `account_profile.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AccountProfileUpdateArgs {
    /// The profile's id.
    pub id: i64,
    /// Fields to change.
    pub account_profile_update: AccountProfileUpdate,
}

/// `account_profile.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AccountProfileDeleteArgs {
    /// The profile's id.
    pub id: i64,
}

/// `system.security.config`: the password settings of the `Default` profile in TrueNAS's shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct SystemSecurityEntry {
    /// Always 1.
    pub id: i64,
    /// FIPS mode (not supported: always false).
    pub enable_fips: bool,
    /// General Purpose OS STIG compatibility (not supported: always false).
    pub enable_gpos_stig: bool,
    /// Days before a user may change their own password again; null any time.
    pub min_password_age: Option<i64>,
    /// Days after which a password has expired (the profile's `password_expiration_days`); null never.
    pub max_password_age: Option<i64>,
    /// Character classes every password must contain; null none.
    pub password_complexity_ruleset: Option<Vec<PasswordCharClass>>,
    /// Minimum password length; null no minimum.
    pub min_password_length: Option<i64>,
    /// A new password may not equal any of the last N; null no check.
    pub password_history_length: Option<i64>,
}

/// `system.security.update` input: only given keys change (null clears a rule).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SystemSecurityUpdate {
    /// FIPS mode: true is not supported (EOPNOTSUPP).
    #[serde(default)]
    pub enable_fips: Option<bool>,
    /// STIG compatibility: true is not supported (EOPNOTSUPP).
    #[serde(default)]
    pub enable_gpos_stig: Option<bool>,
    /// Days, 1-365, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub min_password_age: Option<Option<i64>>,
    /// Days, 7-365, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub max_password_age: Option<Option<i64>>,
    /// Character classes, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub password_complexity_ruleset: Option<Option<Vec<PasswordCharClass>>>,
    /// 8-128, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub min_password_length: Option<Option<i64>>,
    /// 1-10, or null.
    #[serde(default, deserialize_with = "double_option")]
    pub password_history_length: Option<Option<i64>>,
}

/// `system.security.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SystemSecurityUpdateArgs {
    /// Fields to change.
    pub system_security_update: SystemSecurityUpdate,
}

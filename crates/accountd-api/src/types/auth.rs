//! `auth.*` wire types.

use crate::ArgNames;
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Per-login options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginOptions {
    /// Return `user_info` (the `auth.me` object) on success.
    #[serde(default = "default_true")]
    pub user_info: bool,
    /// Return a `reconnect_token` on success: a single-use token bound to the client's address that logs the
    /// user in again (`TOKEN_PLAIN`) after a disconnect. It lives 600 seconds, or the `lifetime` (>= 60) of the
    /// user's `preferences` attribute, at most the assurance level's session age.
    #[serde(default)]
    pub reconnect_token: bool,
    /// End the user's other sessions when this login succeeds (Avi's `--clear-sessions`): the way in when the
    /// account profile's `max_concurrent_sessions` is reached.
    #[serde(default)]
    pub terminate_other_sessions: bool,
    /// The tenant the session starts in (as `tenant.switch` takes it); by default the user's default tenant.
    #[serde(default)]
    pub tenant: Option<super::tenant::TenantChoice>,
}

impl Default for LoginOptions {
    fn default() -> Self {
        LoginOptions {
            user_info: true,
            reconnect_token: false,
            terminate_other_sessions: false,
            tenant: None,
        }
    }
}

fn default_true() -> bool {
    true
}

/// `auth.login_ex` input, discriminated by `mechanism`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "mechanism", deny_unknown_fields)]
pub enum LoginData {
    /// Username and password.
    #[serde(rename = "PASSWORD_PLAIN")]
    PasswordPlain {
        /// Login name.
        username: String,
        /// Password.
        password: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
    /// A user's API key (`<id>-<key>`, from `api_key.create`).
    #[serde(rename = "API_KEY_PLAIN")]
    ApiKeyPlain {
        /// The key owner's login name.
        username: String,
        /// The key.
        api_key: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
    /// A token from `auth.generate_token`.
    #[serde(rename = "TOKEN_PLAIN")]
    TokenPlain {
        /// The token.
        token: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
    /// The one-time password that completes a login answered with `OTP_REQUIRED`.
    #[serde(rename = "OTP_TOKEN")]
    OtpToken {
        /// The current code of the user's authenticator, or one of the user's unused recovery codes.
        otp_token: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
    /// A single-use password from `auth.generate_onetime_password` (only that: the user's own password is not
    /// accepted here). `PASSWORD_PLAIN` accepts it too, as TrueNAS does. The session must set a new password
    /// before anything else and creates no tokens. Refused at `LEVEL_2`.
    #[serde(rename = "ONETIME_PASSWORD")]
    OnetimePassword {
        /// Login name.
        username: String,
        /// The one-time password (`<n>_<xxxxxx-xxxxxx-xxxxxx-xxxxxx>`).
        password: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
}

impl LoginData {
    /// The `mechanism` name of this login (what the assurance level permits or refuses).
    pub fn mechanism(&self) -> &'static str {
        match self {
            LoginData::PasswordPlain { .. } => "PASSWORD_PLAIN",
            LoginData::ApiKeyPlain { .. } => "API_KEY_PLAIN",
            LoginData::TokenPlain { .. } => "TOKEN_PLAIN",
            LoginData::OtpToken { .. } => "OTP_TOKEN",
            LoginData::OnetimePassword { .. } => "ONETIME_PASSWORD",
        }
    }
}

/// `auth.login_ex_continue` input: the second step of a login.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(tag = "mechanism", deny_unknown_fields)]
pub enum LoginContinueData {
    /// The one-time password asked for by `OTP_REQUIRED`.
    #[serde(rename = "OTP_TOKEN")]
    OtpToken {
        /// The current code of the user's authenticator, or one of the user's unused recovery codes.
        otp_token: String,
        /// Options.
        #[serde(default)]
        login_options: LoginOptions,
    },
}

/// `auth.login_ex_continue` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct LoginExContinueArgs {
    /// The next step.
    pub login_data: LoginContinueData,
}

/// `auth.login_ex` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct LoginExArgs {
    /// Credentials.
    pub login_data: LoginData,
}

/// The server's authenticator assurance level when the login succeeded (as TrueNAS reports it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum Authenticator {
    /// One factor.
    #[serde(rename = "LEVEL_1")]
    Level1,
    /// Two factors.
    #[serde(rename = "LEVEL_2")]
    Level2,
}

/// `auth.login_ex` result, discriminated by `response_type`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(tag = "response_type")]
pub enum LoginResult {
    /// Logged in.
    #[serde(rename = "SUCCESS")]
    Success {
        /// The `auth.me` object, unless `login_options.user_info` was false.
        user_info: Option<Box<AuthMe>>,
        /// Assurance level.
        authenticator: Authenticator,
        /// Single-use token that logs in again after the connection drops: null unless
        /// `login_options.reconnect_token` asked for one.
        reconnect_token: Option<String>,
    },
    /// The password was right; the user's one-time password must follow (`auth.login_ex_continue`).
    #[serde(rename = "OTP_REQUIRED")]
    OtpRequired {
        /// The user being logged in.
        username: String,
    },
    /// Wrong credentials (unknown users and wrong passwords look the same).
    #[serde(rename = "AUTH_ERR")]
    AuthErr,
    /// Valid credentials, but the user's groups grant no API access.
    #[serde(rename = "DENIED")]
    Denied,
    /// The credential has expired.
    #[serde(rename = "EXPIRED")]
    Expired,
}

/// `auth.login_with_api_key` (legacy) arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct LoginWithApiKeyArgs {
    /// The key (`<id>-<key>`).
    pub api_key: String,
}

/// `auth.login` (legacy) arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct LoginArgs {
    /// Login name.
    pub username: String,
    /// Password.
    pub password: String,
    /// One-time password or recovery code (only checked when two-factor login is required).
    #[serde(default)]
    pub otp_token: Option<String>,
}

/// The session's privilege.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct SessionPrivilege {
    /// Roles granted (a set: `{"$set": [...]}` on the wire).
    pub roles: RoleSet,
    /// Allowed methods (`*` for FULL_ADMIN).
    pub allowlist: Vec<AllowlistEntry>,
    /// Web shell access.
    pub web_shell: bool,
    /// Web UI access.
    pub webui_access: bool,
}

/// A set of role names, serialized as TrueNAS's `{"$set": [...]}`.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct RoleSet {
    /// The roles.
    #[serde(rename = "$set")]
    pub set: Vec<String>,
}

/// One allowlist entry.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AllowlistEntry {
    /// Method name or `*`.
    pub method: String,
    /// Resource or `*`.
    pub resource: String,
}

/// Two-factor state of the session's user.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct TwoFactorState {
    /// Provisioning URI, null when no secret.
    pub provisioning_uri: Option<String>,
    /// A secret is configured.
    pub secret_configured: bool,
    /// TOTP interval in seconds.
    pub interval: i64,
    /// TOTP digits.
    pub otp_digits: i64,
    /// Unused recovery codes (`user.renew_2fa_recovery_codes`); 0 without a secret.
    pub recovery_codes_remaining: i64,
}

/// `auth.me` result: who the session is.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuthMe {
    /// Name.
    pub pw_name: String,
    /// GECOS.
    pub pw_gecos: String,
    /// Home directory.
    pub pw_dir: String,
    /// Shell.
    pub pw_shell: String,
    /// uid.
    pub pw_uid: i64,
    /// Primary gid.
    pub pw_gid: i64,
    /// Always null.
    pub grouplist: Option<Vec<i64>>,
    /// Always null.
    pub sid: Option<String>,
    /// `LOCAL`.
    pub source: String,
    /// Always true.
    pub local: bool,
    /// Attributes stored with `auth.set_attribute`.
    pub attributes: BTreeMap<String, Value>,
    /// Two-factor state.
    pub two_factor_config: TwoFactorState,
    /// Privilege of the session.
    pub privilege: SessionPrivilege,
    /// Account attributes, e.g. `LOCAL`, `SYS_ADMIN`, `PASSWORD_CHANGE_REQUIRED`, `OTPW` (the session logged in
    /// with a one-time password: it sets its new password without the old one).
    pub account_attributes: Vec<String>,
    /// The tenant the session works in (`tenant.switch`).
    pub tenant: super::tenant::SessionTenantEntry,
}

/// `auth.set_attribute` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SetAttributeArgs {
    /// Attribute name.
    pub key: String,
    /// Any JSON value.
    pub value: Value,
}

/// `auth.set_authenticator_assurance_level` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SetAssuranceLevelArgs {
    /// `LEVEL_1` or `LEVEL_2`.
    pub level: String,
}

/// The user `auth.generate_onetime_password` is for.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnetimePasswordFor {
    /// Login name.
    pub username: String,
}

/// `auth.generate_onetime_password` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GenerateOnetimePasswordArgs {
    /// Whose password it is.
    pub generate_single_use_password: OnetimePasswordFor,
}

//! `auth.*` methods.

use crate::declare_method;
use crate::method::Audit;
use crate::types::auth::{
    AuthMe as AuthMeEntry, GenerateOnetimePasswordArgs, LoginArgs, LoginExArgs, LoginExContinueArgs, LoginResult,
    LoginWithApiKeyArgs, SetAssuranceLevelArgs, SetAttributeArgs,
};
use crate::types::common::NoArgs;
use crate::types::query::{QueryAnswer, QueryArgs};
use crate::types::sessions::{GenerateTokenArgs, LoginWithTokenArgs, SessionEntry, TerminateSessionArgs};
use crate::types::twofactor::{TwoFactorAuthEntry, TwoFactorAuthUpdateArgs};
use crate::{Access, Role};

declare_method! {
    /// Logs the connection in. Answers `SUCCESS` with the `auth.me` object, or `AUTH_ERR` (unknown user and
    /// wrong password look the same, after a delay).
    ///
    /// `PASSWORD_PLAIN` for a user with a two-factor secret, while two-factor authentication is enabled
    /// (`auth.twofactor.update`), answers `OTP_REQUIRED` instead: the connection is not logged in until
    /// `auth.login_ex_continue` (or `auth.login_ex` with `OTP_TOKEN`) gives the current one-time password, which
    /// answers `SUCCESS`. A wrong code answers `AUTH_ERR` and ends the attempt; each
    /// code's time step is accepted once. Any other mechanism abandons a pending attempt; `OTP_TOKEN` with
    /// nothing pending is an EINVAL error. `TOKEN_PLAIN` logs in with a token from `auth.generate_token`.
    ///
    /// `authenticator` is the server's assurance level (`auth.set_authenticator_assurance_level`); a mechanism
    /// the level does not permit is an EOPNOTSUPP error. `login_options.user_info: false` leaves `user_info`
    /// null; `login_options.reconnect_token: true` adds a single-use `reconnect_token` that logs in again with
    /// `TOKEN_PLAIN` from the same address after a disconnect (600 seconds, or the user's
    /// `preferences.lifetime` attribute when >= 60; it ends with the credentials it came from).
    ///
    /// `API_KEY_PLAIN` logs in with a key from `api_key.create` (`EXPIRED` once the key has expired; revoked
    /// keys and keys of locked users answer `AUTH_ERR`). As in TrueNAS, a key sent in the clear from another
    /// host (neither over accountd's own TLS, nor through a trusted proxy that says its client used TLS, nor
    /// from a loopback client) is revoked on the spot ("Attempt to use over an insecure transport") and answers
    /// `EXPIRED`.
    AuthLoginEx = "auth.login_ex", Access::NoAuth, LoginExArgs => LoginResult,
    examples: [
        SetUp r#"[{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": "admin-password", "login_options": {"user_info": false}}]"#,
        SetUp r#"[{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": "wrong"}]"#,
        SetUp r#"[{"mechanism": "API_KEY_PLAIN", "username": "truenas_admin", "api_key": "1-aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01"}]"#,
        SetUp r#"[{"mechanism": "TOKEN_PLAIN", "token": "not-a-token"}]"#,
    ]
}

declare_method! {
    /// Continues a login answered with `OTP_REQUIRED`: `{"mechanism": "OTP_TOKEN", "otp_token": "123456"}`.
    /// Answers `SUCCESS` or `AUTH_ERR` (the attempt is over). EINVAL when no login is
    /// in progress on the connection.
    AuthLoginExContinue = "auth.login_ex_continue", Access::NoAuth, LoginExContinueArgs => LoginResult,
    examples: [
        SetUp r#"[{"mechanism": "OTP_TOKEN", "otp_token": "123456"}]"# => error,
    ]
}

declare_method! {
    /// Legacy login with username and password: true on success, false otherwise. Users who must give a
    /// one-time password pass it as `otp_token` (false when it is missing or wrong).
    AuthLogin = "auth.login", Access::NoAuth, LoginArgs => bool,
    examples: [
        SetUp r#"["truenas_admin", "admin-password"]"#,
    ]
}

declare_method! {
    /// Legacy login with an API key (`<id>-<key>`): true on success, false otherwise (also for expired or
    /// revoked keys).
    AuthLoginWithApiKey = "auth.login_with_api_key", Access::NoAuth, LoginWithApiKeyArgs => bool,
    examples: [
        SetUp r#"["1-aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789aBcDeFgHiJkLmNoPqRsTuVwXyZ01"]"#,
    ]
}

declare_method! {
    /// Legacy login with a token from `auth.generate_token`: true on success, false otherwise.
    AuthLoginWithToken = "auth.login_with_token", Access::NoAuth, LoginWithTokenArgs => bool,
    examples: [
        SetUp r#"["not-a-token"]"#,
    ]
}

declare_method! {
    /// Creates a 64-character token that logs a connection in as the caller (`TOKEN_PLAIN`,
    /// `auth.login_with_token`). It expires `ttl` seconds (default 600) after its last use, including use by
    /// the session logged in with it; with `match_origin` only the creating IP address may use it; a
    /// `single_use` token dies on its first login. A token also dies when the session logged in with it ends
    /// and when the session that created it is terminated. Tokens live in memory, stored hashed. Above
    /// assurance level `LEVEL_1` only single-use tokens may be created (else EOPNOTSUPP).
    AuthGenerateToken = "auth.generate_token", Access::AnyUser, GenerateTokenArgs => String,
    audit: Audit::plain("Generate authentication token for session"),
    examples: [
        Admin r#"[300, {}, true, false]"#,
    ]
}

declare_method! {
    /// Generates a password `username` may log in with once within 24 hours (`PASSWORD_PLAIN` or
    /// `ONETIME_PASSWORD`), as TrueNAS's administrators hand out to let a user in to set a proper password and
    /// two-factor authentication: `<n>_<xxxxxx-xxxxxx-xxxxxx-xxxxxx>`, shown once and kept only as a digest, in
    /// memory. The session it opens must set a new password first (`user.set_password` without
    /// `old_password`, or `user.account.update`), gets no reconnect token and creates no tokens. A new
    /// password, a lock or the deletion of the user voids it; a restart too. Refused at assurance `LEVEL_2`.
    /// Unknown, password-disabled, locked and external users are validation errors on `username`.
    AuthGenerateOnetimePassword = "auth.generate_onetime_password", Access::Roles(&[Role::AccountWrite]),
        GenerateOnetimePasswordArgs => String,
    audit: Audit::param("Generate onetime password for user", "username"),
    examples: [
        Admin r#"[{"username": "alice"}]"#,
        Admin r#"[{"username": "nobody-here"}]"# => error,
    ]
}

declare_method! {
    /// Lists logged-in sessions with query-filters and query-options. Callers with READONLY_ADMIN (or
    /// FULL_ADMIN) see every session; other users see their own.
    AuthSessions = "auth.sessions", Access::AnyUser, QueryArgs => QueryAnswer<SessionEntry>,
    examples: [
        Admin r#"[[["current", "=", true]]]"#,
    ]
}

declare_method! {
    /// Ends the session `id`: logs it out and closes its connection, and destroys the tokens it created.
    /// Returns false when no such session is logged in. Other users' sessions need FULL_ADMIN (else EACCES).
    AuthTerminateSession = "auth.terminate_session", Access::AnyUser, TerminateSessionArgs => bool,
    examples: [
        Admin r#"["0b7c6e2e-4f0d-4d3a-9a51-2f1f3f8a9c10"]"#,
    ]
}

declare_method! {
    /// Terminates every logged-in session except the caller's own (with FULL_ADMIN: every user's; otherwise
    /// the caller's other sessions). Returns true.
    AuthTerminateOtherSessions = "auth.terminate_other_sessions", Access::AnyUser, NoArgs => bool,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// The system-wide two-factor settings: whether users with a secret must give a one-time password,
    /// the accepted time-step `window`, and the services that require it.
    AuthTwofactorConfig = "auth.twofactor.config", Access::Roles(&[Role::ReadonlyAdmin]), NoArgs => TwoFactorAuthEntry,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the system-wide two-factor settings (only the given keys). `window` (>= 0) accepts codes of that
    /// many time steps before and after the current one.
    AuthTwofactorUpdate = "auth.twofactor.update", Access::Roles(&[Role::FullAdmin]),
        TwoFactorAuthUpdateArgs => TwoFactorAuthEntry,
    audit: Audit::plain("Update two-factor authentication service configuration"),
    examples: [
        Admin r#"[{"enabled": true, "window": 1}]"#,
    ]
}

declare_method! {
    /// Logs the connection out and drops its subscriptions. Returns true.
    AuthLogout = "auth.logout", Access::AnyUser, NoArgs => bool,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Describes the logged-in user: passwd fields, privilege (roles and allowlist), two-factor state and
    /// account attributes.
    AuthMe = "auth.me", Access::AnyUser, NoArgs => AuthMeEntry,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Sets the authenticator assurance level (NIST SP 800-63B) of every login from now on, kept across
    /// restarts. `LEVEL_1` (the default) permits every mechanism. `LEVEL_2` permits `PASSWORD_PLAIN` only,
    /// and only with the user's one-time password (a user without a two-factor secret, or while two-factor
    /// authentication is disabled, gets `AUTH_ERR`); `API_KEY_PLAIN`, `TOKEN_PLAIN` and `ONETIME_PASSWORD`
    /// answer EOPNOTSUPP, multi-use tokens cannot be created, sessions end 12 hours after login or after 30
    /// minutes without a call, and failed logins wait four times the failure delay. Sessions keep the bounds
    /// of the level they logged in under. Disabling two-factor authentication (`auth.twofactor.update`) sets
    /// `LEVEL_1`. Private on TrueNAS, so only FULL_ADMIN may call it.
    AuthSetAuthenticatorAssuranceLevel = "auth.set_authenticator_assurance_level", Access::Roles(&[Role::FullAdmin]),
        SetAssuranceLevelArgs => (),
    audit: Audit::plain("Set authenticator assurance level"),
    examples: [
        Admin r#"["LEVEL_1"]"#,
    ]
}

declare_method! {
    /// The login mechanisms `auth.login_ex` accepts as a first step under the assurance level in effect
    /// (`PASSWORD_PLAIN` only at `LEVEL_2`).
    AuthMechanismChoices = "auth.mechanism_choices", Access::NoAuth, NoArgs => Vec<String>,
    examples: [
        Fresh r#"[]"#,
    ]
}

declare_method! {
    /// Stores a free-form attribute for the logged-in user (shown in `auth.me`'s `attributes`).
    AuthSetAttribute = "auth.set_attribute", Access::AnyUser, SetAttributeArgs => (),
    examples: [
        Admin r#"["preferences", {"theme": "dark"}]"#,
    ]
}

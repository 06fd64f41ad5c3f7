//! `auth.*` methods.

use crate::Access;
use crate::declare_method;
use crate::types::auth::{AuthMe as AuthMeEntry, LoginArgs, LoginExArgs, LoginResult, SetAttributeArgs};
use crate::types::common::NoArgs;

declare_method! {
    /// Logs the connection in. Answers `SUCCESS` with the `auth.me` object, or `AUTH_ERR` (unknown user and
    /// wrong password look the same, after a delay).
    AuthLoginEx = "auth.login_ex", Access::NoAuth, LoginExArgs => LoginResult,
    examples: [
        SetUp r#"[{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": "admin-password", "login_options": {"user_info": false}}]"#,
        SetUp r#"[{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": "wrong"}]"#,
    ]
}

declare_method! {
    /// Legacy login with username and password: true on success, false otherwise.
    AuthLogin = "auth.login", Access::NoAuth, LoginArgs => bool,
    examples: [
        SetUp r#"["truenas_admin", "admin-password"]"#,
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
    /// The login mechanisms `auth.login_ex` accepts on this connection.
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

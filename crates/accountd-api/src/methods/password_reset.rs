//! `auth.password_reset.*` methods: a forgotten password reset through a link sent by email.

use crate::declare_method;
use crate::method::Audit;
use crate::types::common::NoArgs;
use crate::types::password_reset::{
    PasswordResetCompleteArgs, PasswordResetEntry, PasswordResetRequestArgs, PasswordResetUpdateArgs,
};
use crate::{Access, Role};

declare_method! {
    /// Asks for a reset link for the accounts with this email address (case-insensitive). Always answers null,
    /// whether or not the address belongs to anyone; the mail goes out after the answer. Eligible are local users
    /// of the Internal source that are not locked, not password-disabled and not builtin system accounts; each
    /// gets its own link (an older link of the user stops working). EOPNOTSUPP "Password reset by email is not
    /// configured" while reset is off (`auth.password_reset.update`) or mail is not configured (`mail.update`).
    AuthPasswordResetRequest = "auth.password_reset.request", Access::NoAuth, PasswordResetRequestArgs => (),
    audit: Audit::plain("Request password reset"),
    examples: [
        SetUp r#"[{"email": "alice@example.com"}]"# => error,
    ]
}

declare_method! {
    /// Sets a new password with the token of a reset link. The link works once, for `token_ttl` seconds; a
    /// password change, lock or deletion of the user cancels it. A bad, used or expired token is
    /// `password_reset_complete.token` "Invalid or expired token". The account profile's password rules apply to
    /// `new_password`. Success clears the user's login lockout and ends every session of the user; it does not log
    /// the connection in and keeps two-factor authentication as it is. EOPNOTSUPP while reset is off.
    AuthPasswordResetComplete = "auth.password_reset.complete", Access::NoAuth, PasswordResetCompleteArgs => (),
    audit: Audit::plain("Complete password reset"),
    examples: [
        SetUp r#"[{"token": "bm90LWEtcmVhbC10b2tlbi1ub3QtYS1yZWFsLXRva2Vu", "new_password": "a-new-password"}]"# => error,
    ]
}

declare_method! {
    /// The password reset settings.
    AuthPasswordResetConfig = "auth.password_reset.config", Access::Roles(&[Role::SystemSecurityRead]), NoArgs => PasswordResetEntry,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the password reset settings: `token_ttl` 300-86400 seconds, `url_template` an `http://` or
    /// `https://` link containing `{token}` (null: the service's own page). Returns the new settings.
    AuthPasswordResetUpdate = "auth.password_reset.update", Access::Roles(&[Role::SystemSecurityWrite]), PasswordResetUpdateArgs => PasswordResetEntry,
    audit: Audit::plain("Update password reset configuration"),
    examples: [
        Admin r#"[{"enabled": true, "token_ttl": 3600, "url_template": "https://accounts.example.com/ui/reset?token={token}"}]"#,
        Admin r#"[{"url_template": "https://accounts.example.com/ui/reset"}]"# => error,
    ]
}

//! `user.account.*` methods: every logged-in user's own account (Avi `/api/useraccount`, Foreman self-edit).

use crate::Access;
use crate::declare_method;
use crate::method::Audit;
use crate::types::account::{AccountConfig, AccountUpdateArgs};
use crate::types::common::NoArgs;

declare_method! {
    /// The calling user's own account: name, contact and profile fields, password age, 2FA and roles.
    UserAccountConfig = "user.account.config", Access::AnyUser, NoArgs => AccountConfig,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the caller's own `full_name`, `email`, `locale`, `timezone` or `password`; no other field. A new
    /// `password` or `email` requires `old_password` from every caller, administrators included; a wrong one
    /// counts as a failed login of the account. A password change ends the caller's other sessions. Returns the
    /// new `user.account.config`.
    UserAccountUpdate = "user.account.update", Access::AnyUser, AccountUpdateArgs => AccountConfig,
    audit: Audit::plain("Update own account"),
    examples: [
        Admin r#"[{"full_name": "Local Admin", "locale": "en_GB", "timezone": "Europe/London"}]"#,
        Admin r#"[{"password": "a-new-admin-password", "old_password": "admin-password"}]"#,
    ]
}

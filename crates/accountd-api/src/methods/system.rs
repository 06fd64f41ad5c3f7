//! `system.security.*` methods: TrueNAS's security settings, here the password rules of the `Default`
//! account profile.

use crate::declare_method;
use crate::method::Audit;
use crate::types::account_profile::{SystemSecurityEntry, SystemSecurityUpdateArgs};
use crate::types::common::NoArgs;
use crate::{Access, Role};

declare_method! {
    /// The password settings of account profile 1 (`Default`) in TrueNAS's shape: `max_password_age` is the
    /// profile's `password_expiration_days`; `enable_fips` and `enable_gpos_stig` are always false.
    SystemSecurityConfig = "system.security.config", Access::Roles(&[Role::SystemSecurityRead]), NoArgs => SystemSecurityEntry,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the password settings of account profile 1 (`Default`): each field out of its range is a
    /// validation error naming it (`max_password_age` 7-365); `enable_fips` or `enable_gpos_stig` true answers
    /// EOPNOTSUPP. Returns the new settings.
    SystemSecurityUpdate = "system.security.update", Access::Roles(&[Role::SystemSecurityWrite]), SystemSecurityUpdateArgs => SystemSecurityEntry,
    audit: Audit::plain("Update security configuration"),
    examples: [
        Admin r#"[{"min_password_length": 12, "password_complexity_ruleset": ["UPPER", "NUMBER"]}]"#,
        Admin r#"[{"max_password_age": 400}]"# => error,
    ]
}

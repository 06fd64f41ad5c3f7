//! `account_profile.*` methods: the named account policies users point at.

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::account_profile::{
    AccountProfileCreateArgs, AccountProfileDeleteArgs, AccountProfileEntry, AccountProfileUpdateArgs,
};
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::{Access, Role};

/// TrueNAS's SYSTEM_SECURITY_READ (in READONLY_ADMIN).
const READ: Access = Access::Roles(&[Role::SystemSecurityRead]);
/// TrueNAS's SYSTEM_SECURITY_WRITE.
const WRITE: Access = Access::Roles(&[Role::SystemSecurityWrite]);

declare_method! {
    /// Queries account profiles with query-filters and query-options. The builtin profiles are 1 `Default`
    /// (TrueNAS's lockout: 10 failures in 900 s lock for 900 s; no password rules), 2 `No-Lockout` (as Default,
    /// never locks: for automation accounts) and 3 `Hardened` (OWASP ASVS level 2: 12 characters, common
    /// passwords refused, history 5, lockout 5 / 900 s / 900 s, at most 10 sessions).
    AccountProfileQuery = "account_profile.query", READ, QueryArgs => QueryAnswer<AccountProfileEntry>,
    events: Events::Public,
    examples: [
        Admin r#"[[["builtin", "=", true]], {"select": ["id", "name", "lockout_max_auth_failures"]}]"#,
    ]
}

declare_method! {
    /// Returns the account profile with id `id`; an unknown id is an ENOENT validation error.
    AccountProfileGetInstance = "account_profile.get_instance", READ, GetInstanceArgs => Instance<AccountProfileEntry>,
    examples: [
        Admin r#"[3]"#,
    ]
}

declare_method! {
    /// Creates an account profile; omitted fields take the `Default` profile's values. Each field out of its
    /// range is a validation error naming it. Returns the entry.
    AccountProfileCreate = "account_profile.create", WRITE, AccountProfileCreateArgs => AccountProfileEntry,
    audit: Audit::param("Create account profile", "name"),
    examples: [
        Admin r#"[{"name": "Operators", "lockout_max_auth_failures": 3, "min_password_length": 14}]"#,
        Admin r#"[{"name": "Bad", "lockout_period": 10}]"# => error,
    ]
}

declare_method! {
    /// Changes the given fields of an account profile (null clears a nullable rule). Builtin profiles keep
    /// their names. The new values apply to the profile's users at their next login or password change.
    /// Returns the entry.
    AccountProfileUpdate = "account_profile.update", WRITE, AccountProfileUpdateArgs => AccountProfileEntry,
    audit: Audit::record("Update account profile", AuditRecord::AccountProfile),
    examples: [
        Admin r#"[1, {"min_password_length": 10}]"#,
        Admin r#"[1, {"name": "Renamed"}]"# => error,
    ]
}

declare_method! {
    /// Deletes an account profile. Builtin profiles cannot be deleted (EPERM), nor a profile users point at
    /// (EBUSY). Returns true.
    AccountProfileDelete = "account_profile.delete", WRITE, AccountProfileDeleteArgs => bool,
    audit: Audit::record("Delete account profile", AuditRecord::AccountProfile),
    examples: [
        Admin r#"[2]"# => error,
    ]
}

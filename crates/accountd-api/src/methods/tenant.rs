//! `tenant.*` methods: the tenants users are granted roles in (`tenants-and-roles.md`).

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::types::tenant::{
    SessionTenantEntry, TenantCreateArgs, TenantDeleteArgs, TenantEntry, TenantSwitchArgs, TenantUpdateArgs,
};
use crate::{Access, Role};

/// TENANT_READ (READONLY_ADMIN includes it).
const READ: Access = Access::Roles(&[Role::TenantRead]);
/// TENANT_WRITE.
const WRITE: Access = Access::Roles(&[Role::TenantWrite]);

declare_method! {
    /// Queries tenants with query-filters and query-options. The builtin tenant is 1 `admin`. A caller
    /// without TENANT_READ held globally sees only the tenants it has access in.
    TenantQuery = "tenant.query", READ, QueryArgs => QueryAnswer<TenantEntry>,
    events: Events::Public,
    tenant_scoped: true,
    examples: [
        Admin r#"[[["builtin", "=", true]]]"#,
    ]
}

declare_method! {
    /// Returns the tenant with id `id`; an unknown id (or one the caller cannot see) is an ENOENT validation
    /// error.
    TenantGetInstance = "tenant.get_instance", READ, GetInstanceArgs => Instance<TenantEntry>,
    tenant_scoped: true,
    examples: [
        Admin r#"[1]"#,
    ]
}

declare_method! {
    /// Creates a tenant: `name` 1-64 characters, unique case-insensitively (`*` is reserved), an optional
    /// `description` and key/value `attrs`. Returns the entry.
    TenantCreate = "tenant.create", WRITE, TenantCreateArgs => TenantEntry,
    audit: Audit::param("Create tenant", "name"),
    examples: [
        Admin r#"[{"name": "Acme", "description": "Acme Corp.", "attrs": [{"key": "region", "value": "eu"}]}]"#,
        Admin r#"[{"name": "ADMIN"}]"# => error,
    ]
}

declare_method! {
    /// Changes the given fields of a tenant (the builtin tenant cannot be renamed). Returns the entry.
    TenantUpdate = "tenant.update", WRITE, TenantUpdateArgs => TenantEntry,
    audit: Audit::record("Update tenant", AuditRecord::Tenant),
    examples: [
        Admin r#"[1, {"description": "The global tenant"}]"#,
        Admin r#"[1, {"name": "root"}]"# => error,
    ]
}

declare_method! {
    /// Deletes a tenant. The builtin tenant cannot be deleted (EPERM); a tenant still referenced by a user's
    /// access entries or default tenant, or owning privileges, answers EBUSY naming up to five users, unless
    /// `force` removes those references (and the privileges it owns) in the same transaction. Returns true.
    TenantDelete = "tenant.delete", WRITE, TenantDeleteArgs => bool,
    audit: Audit::record("Delete tenant", AuditRecord::Tenant),
    examples: [
        Admin r#"[1, {"force": true}]"# => error,
    ]
}

declare_method! {
    /// Makes the session work in `tenant` (an id, or `"*"` for every tenant at once, which needs FULL_ADMIN held
    /// globally): from the next call, its effective roles are its global roles plus those granted in that
    /// tenant. A tenant the user may not enter answers as a missing one would (`tenant.switch.tenant` ENOENT).
    /// Returns `{id, name}`.
    TenantSwitch = "tenant.switch", Access::AnyUser, TenantSwitchArgs => SessionTenantEntry,
    examples: [
        Admin r#"[1]"#,
        Admin r#"["*"]"#,
        Admin r#"[42]"# => error,
    ]
}

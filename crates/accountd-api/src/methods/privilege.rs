//! `privilege.*` methods.

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::privilege::{
    PrivilegeCreateArgs, PrivilegeDeleteArgs, PrivilegeEntry, PrivilegeRolesEntry, PrivilegeUpdateArgs,
};
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::{Access, Role};

/// TrueNAS's PRIVILEGE_READ, which READONLY_ADMIN (and so SHARING_ADMIN and FULL_ADMIN) includes.
const READ: Access = Access::Roles(&[Role::ReadonlyAdmin]);
/// TrueNAS's PRIVILEGE_WRITE, which only FULL_ADMIN includes.
const WRITE: Access = Access::Roles(&[Role::FullAdmin]);

declare_method! {
    /// Queries privileges with query-filters and query-options; `local_groups` shows the bound groups as
    /// `group.query` does.
    PrivilegeQuery = "privilege.query", READ, QueryArgs => QueryAnswer<PrivilegeEntry>,
    events: Events::Public,
    examples: [
        Admin r#"[[["builtin_name", "=", "LOCAL_ADMINISTRATOR"]]]"#,
        Admin r#"[[], {"select": ["id", "name", "roles", "web_shell"]}]"#,
    ]
}

declare_method! {
    /// Returns the privilege with id `id`; an unknown id is an ENOENT validation error.
    PrivilegeGetInstance = "privilege.get_instance", READ, GetInstanceArgs => Instance<PrivilegeEntry>,
    examples: [
        Admin r#"[2]"#,
    ]
}

declare_method! {
    /// Creates a privilege granting `roles` (and web shell access) to the members of the local groups with the
    /// gids in `local_groups`. Members' sessions get the new roles at their next call. Returns the entry.
    PrivilegeCreate = "privilege.create", WRITE, PrivilegeCreateArgs => PrivilegeEntry,
    audit: Audit::param("Create privilege", "name"),
    examples: [
        Admin r#"[{"name": "Account managers", "local_groups": [3001], "roles": ["ACCOUNT_WRITE"], "web_shell": false}]"#,
        Admin r#"[{"name": "Bad", "local_groups": [4242], "roles": ["NO_SUCH_ROLE"], "web_shell": false}]"# => error,
    ]
}

declare_method! {
    /// Changes the given fields of a privilege. The name and roles of builtin privileges are read-only; the
    /// Local Administrator privilege must keep `builtin_administrators` (gid 544) and a member who can log in
    /// with a password. Returns the entry.
    PrivilegeUpdate = "privilege.update", WRITE, PrivilegeUpdateArgs => PrivilegeEntry,
    audit: Audit::record("Update privilege", AuditRecord::Privilege),
    examples: [
        Admin r#"[2, {"local_groups": [951, 3001]}]"#,
        Admin r#"[1, {"roles": ["READONLY_ADMIN"]}]"# => error,
    ]
}

declare_method! {
    /// Deletes a privilege (builtin privileges cannot be deleted: EPERM). Returns true.
    PrivilegeDelete = "privilege.delete", WRITE, PrivilegeDeleteArgs => bool,
    audit: Audit::record("Delete privilege", AuditRecord::Privilege),
    examples: [
        Admin r#"[7]"#,
        Admin r#"[1]"# => error,
    ]
}

declare_method! {
    /// Lists TrueNAS's whole role catalogue, with query-filters and query-options: each role's `name`,
    /// `title`, the roles it `includes`, `builtin` and `stig`. Privileges may grant any of them, so that
    /// TrueNAS UIs can build privileges; here only the roles the README lists (FULL_ADMIN, READONLY_ADMIN,
    /// ACCOUNT_*, API_KEY_*, TENANT_*, ... and the roles that include them) guard methods, and the others grant
    /// nothing. TENANT_READ and TENANT_WRITE are accountd's own. Any logged-in session may list them.
    PrivilegeRoles = "privilege.roles", Access::AnyUser, QueryArgs => QueryAnswer<PrivilegeRolesEntry>,
    examples: [
        Admin r#"[[["name", "^", "ACCOUNT_"]]]"#,
    ]
}

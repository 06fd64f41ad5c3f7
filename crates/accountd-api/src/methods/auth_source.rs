//! `auth_source.*` methods: external authentication sources (Foreman's LDAP auth sources).

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::auth_source::{
    AuthSourceCreateArgs, AuthSourceEntry, AuthSourceIdArgs, AuthSourceTestResult, AuthSourceUpdateArgs,
};
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::{Access, Role};

/// TrueNAS's DIRECTORY_SERVICE_READ (READONLY_ADMIN includes it).
const READ: Access = Access::Roles(&[Role::DirectoryServiceRead]);
/// TrueNAS's DIRECTORY_SERVICE_WRITE.
const WRITE: Access = Access::Roles(&[Role::DirectoryServiceWrite]);

declare_method! {
    /// Queries authentication sources with query-filters and query-options: the builtin `Internal` (id 1,
    /// local passwords) and the LDAP sources. `account_password` is always null.
    AuthSourceQuery = "auth_source.query", READ, QueryArgs => QueryAnswer<AuthSourceEntry>,
    events: Events::Public,
    examples: [
        Admin r#"[[], {"select": ["id", "name", "type", "status"]}]"#,
    ]
}

declare_method! {
    /// Returns the authentication source with id `id`; an unknown id is an ENOENT validation error.
    AuthSourceGetInstance = "auth_source.get_instance", READ, GetInstanceArgs => Instance<AuthSourceEntry>,
    examples: [
        Admin r#"[1]"#,
    ]
}

declare_method! {
    /// Creates an LDAP authentication source. Logins of its users bind as `account` (or as the user with
    /// `$login`), search `(&(attr_login=LOGIN)ldap_filter)` under `base_dn` and bind as the found DN; with
    /// `onthefly_register` an unknown login that binds creates the local user. The bind password is sealed
    /// at rest and never returned. Returns the entry.
    AuthSourceCreate = "auth_source.create", WRITE, AuthSourceCreateArgs => AuthSourceEntry,
    audit: Audit::param("Create authentication source", "name"),
    examples: [
        Admin r#"[{"name": "corp", "host": "ldap.example.org", "account": "cn=reader,dc=example,dc=org", "account_password": "reader-secret", "base_dn": "ou=people,dc=example,dc=org", "groups_base": "ou=groups,dc=example,dc=org", "onthefly_register": true}]"#,
        Admin r#"[{"name": "bad", "host": "ldap.example.org", "base_dn": "example", "ldap_filter": "(uid=*"}]"# => error,
    ]
}

declare_method! {
    /// Changes the given fields of an LDAP source (an omitted `account_password` is kept). `Internal` cannot
    /// be changed (EPERM). Returns the entry.
    AuthSourceUpdate = "auth_source.update", WRITE, AuthSourceUpdateArgs => AuthSourceEntry,
    audit: Audit::record("Update authentication source", AuditRecord::AuthSource),
    examples: [
        Admin r#"[1, {"name": "Local"}]"# => error,
    ]
}

declare_method! {
    /// Deletes an LDAP source; refused while users belong to it (EBUSY "Authentication source is used by N
    /// users") and for `Internal` (EPERM). Returns true.
    AuthSourceDelete = "auth_source.delete", WRITE, AuthSourceIdArgs => bool,
    audit: Audit::record("Delete authentication source", AuditRecord::AuthSource),
    examples: [
        Admin r#"[1]"# => error,
    ]
}

declare_method! {
    /// Connects to the source's server, binds with the service account and runs the login search for
    /// nothing: `{success, message}` (e.g. "Unable to connect to LDAP server: ..."). The outcome sets the
    /// source's `status` (FAULTED when the server cannot be reached).
    AuthSourceTest = "auth_source.test", WRITE, AuthSourceIdArgs => AuthSourceTestResult,
    audit: Audit::record("Test authentication source", AuditRecord::AuthSource),
    examples: [
        Admin r#"[1]"#,
    ]
}

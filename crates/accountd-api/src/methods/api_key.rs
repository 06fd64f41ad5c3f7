//! `api_key.*` methods.

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::api_key::{
    ApiKeyCreateArgs, ApiKeyDeleteArgs, ApiKeyEntry, ApiKeyUpdateArgs, ApiKeyUpdated, ApiKeyWithKey,
};
use crate::types::common::NoArgs;
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::{Access, Role};

const READ: Access = Access::Roles(&[Role::ApiKeyRead]);
/// TrueNAS lets READONLY_ADMIN manage its own keys; only FULL_ADMIN and API_KEY_WRITE manage other users' keys.
const WRITE: Access = Access::Roles(&[Role::ReadonlyAdmin, Role::ApiKeyWrite]);

declare_method! {
    /// Queries API keys with query-filters and query-options. `keyhash` always shows as `********`.
    ApiKeyQuery = "api_key.query", READ, QueryArgs => QueryAnswer<ApiKeyEntry>,
    events: Events::Public,
    tenant_scoped: true,
    examples: [
        Admin r#"[[["username", "=", "truenas_admin"]], {"select": ["id", "name", "username", "expires_at", "revoked"]}]"#,
    ]
}

declare_method! {
    /// Returns the API key with id `id`; an unknown id is an ENOENT validation error.
    ApiKeyGetInstance = "api_key.get_instance", READ, GetInstanceArgs => Instance<ApiKeyEntry>,
    tenant_scoped: true,
    examples: [
        Admin r#"[1]"#,
    ]
}

declare_method! {
    /// Creates an API key for `username` (who must hold a role through a privilege) and returns the entry with
    /// `key` (`<id>-<64 letters and digits>`), the only time the key is shown. Only its salted hash is kept.
    /// Callers without FULL_ADMIN or API_KEY_WRITE may only create keys for themselves (EACCES).
    ApiKeyCreate = "api_key.create", WRITE, ApiKeyCreateArgs => ApiKeyWithKey,
    audit: Audit::param("Create API key", "name"),
    examples: [
        Admin r#"[{"name": "backup script", "username": "truenas_admin", "expires_at": {"$date": 1798761600000}}]"#,
        Admin r#"[{"name": "alice key", "username": "alice"}]"#  => error,
    ]
}

declare_method! {
    /// Renames a key, changes its expiry, or with `reset: true` replaces it with a new key (returned as `key`,
    /// also clearing a revocation). Callers without FULL_ADMIN or API_KEY_WRITE may only change their own keys.
    ApiKeyUpdate = "api_key.update", WRITE, ApiKeyUpdateArgs => ApiKeyUpdated,
    audit: Audit::record("Update API key", AuditRecord::ApiKey),
    examples: [
        Admin r#"[1, {"name": "monitoring", "expires_at": null}]"#,
        Admin r#"[1, {"reset": true}]"#,
    ]
}

declare_method! {
    /// Deletes an API key; sessions can no longer log in with it. Returns true.
    ApiKeyDelete = "api_key.delete", WRITE, ApiKeyDeleteArgs => bool,
    audit: Audit::record("Delete API key", AuditRecord::ApiKey),
    examples: [
        Admin r#"[1]"#,
    ]
}

declare_method! {
    /// The API keys of the logged-in user.
    ApiKeyMyKeys = "api_key.my_keys", Access::AnyUser, NoArgs => Vec<ApiKeyEntry>,
    examples: [
        Admin r#"[]"#,
    ]
}

//! `tenant.*` wire types (`tenants-and-roles.md`).

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// One key/value attribute of a tenant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantAttr {
    /// The attribute's name.
    #[schemars(length(min = 1, max = 64))]
    pub key: String,
    /// Its value.
    pub value: String,
}

/// A tenant: users are members of it through access entries; privileges may be owned by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct TenantEntry {
    /// Database id (1 is the builtin `admin` tenant).
    pub id: i64,
    /// Unique name (case-insensitively).
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Key/value attributes.
    pub attrs: Vec<TenantAttr>,
    /// The builtin `admin` tenant: cannot be renamed or deleted.
    pub builtin: bool,
}

/// `tenant.create` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantCreate {
    /// Unique name (case-insensitively), 1-64 characters; `*` is reserved.
    pub name: String,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Key/value attributes (keys unique).
    #[serde(default)]
    pub attrs: Vec<TenantAttr>,
}

/// `tenant.update` input: only given keys change (null clears the description).
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdate {
    /// Unique name (the builtin tenant cannot be renamed).
    #[serde(default)]
    pub name: Option<String>,
    /// Free-text description.
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    /// Key/value attributes (replaces the list).
    #[serde(default)]
    pub attrs: Option<Vec<TenantAttr>>,
}

/// `tenant.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TenantCreateArgs {
    /// The new tenant.
    pub tenant_create: TenantCreate,
}

/// `tenant.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TenantUpdateArgs {
    /// The tenant's id.
    pub id: i64,
    /// Fields to change.
    pub tenant_update: TenantUpdate,
}

/// `tenant.delete` options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantDeleteOptions {
    /// Remove the references of users (access entries, default tenant) and the privileges the tenant owns, in
    /// the same transaction, instead of refusing with EBUSY.
    #[serde(default)]
    pub force: bool,
}

/// `tenant.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TenantDeleteArgs {
    /// The tenant's id.
    pub id: i64,
    /// Options.
    #[serde(default)]
    pub options: TenantDeleteOptions,
}

/// The all-tenants view, `"*"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum AllTenants {
    /// Every tenant at once.
    #[serde(rename = "*")]
    All,
}

/// A tenant a session works in: an id, or `"*"` for every tenant at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum TenantChoice {
    /// One tenant.
    Id(i64),
    /// Every tenant (FULL_ADMIN only).
    All(AllTenants),
}

/// The tenant a session works in, as `tenant.switch` and `auth.me` show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct SessionTenantEntry {
    /// The tenant's id, or `"*"`.
    pub id: TenantChoice,
    /// The tenant's name (`"*"` for the all-tenants view).
    pub name: String,
}

/// `tenant.switch` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct TenantSwitchArgs {
    /// The tenant to work in, or `"*"`.
    pub tenant: TenantChoice,
}

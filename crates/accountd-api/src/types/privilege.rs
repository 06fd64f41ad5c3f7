//! `privilege.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::auth::AllowlistEntry;
use super::common::double_option;
use super::group::GroupEntry;

/// A privilege: roles (and web shell access) granted to the members of local groups.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrivilegeEntry {
    /// Database id.
    pub id: i64,
    /// `LOCAL_ADMINISTRATOR`, `READONLY_ADMINISTRATOR`, `SHARING_ADMINISTRATOR`, `DEFAULT` (applies to every
    /// user), `TENANT_ADMINISTRATOR` or `TENANT_READONLY` for the builtin privileges, else null.
    pub builtin_name: Option<String>,
    /// Unique name.
    pub name: String,
    /// The local groups whose members hold the privilege, as `group.query` shows them.
    pub local_groups: Vec<GroupEntry>,
    /// Directory service groups (always empty: no directory services).
    pub ds_groups: Vec<GroupEntry>,
    /// Extra allowed methods (always empty: access comes from roles).
    pub allowlist: Vec<AllowlistEntry>,
    /// Roles granted, e.g. `FULL_ADMIN`, `READONLY_ADMIN`, `ACCOUNT_WRITE`.
    pub roles: Vec<String>,
    /// Members may use the web shell.
    pub web_shell: bool,
    /// Free-text description.
    pub description: Option<String>,
    /// The tenant owning the privilege: it is granted in that tenant only, through access entries. Null:
    /// global.
    pub tenant: Option<i64>,
}

/// A directory service group: a gid or a SID.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum DsGroup {
    /// By gid.
    Gid(i64),
    /// By SID.
    Sid(String),
}

impl std::fmt::Display for DsGroup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DsGroup::Gid(gid) => write!(f, "{gid}"),
            DsGroup::Sid(sid) => f.write_str(sid),
        }
    }
}

/// `privilege.create` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivilegeCreate {
    /// Unique name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// gids of the local groups whose members gain the privilege.
    #[serde(default)]
    pub local_groups: Vec<i64>,
    /// Directory service groups (gids or SIDs); none exist, so any entry is refused.
    #[serde(default)]
    pub ds_groups: Vec<DsGroup>,
    /// Roles to grant.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Members may use the web shell.
    pub web_shell: bool,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// The tenant owning the privilege (granted in that tenant only, through access entries; no local
    /// groups); null: global.
    #[serde(default)]
    pub tenant: Option<i64>,
}

/// `privilege.update` input: only given keys change. The name and roles of builtin privileges are read-only.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivilegeUpdate {
    /// Unique name.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub name: Option<String>,
    /// gids of the local groups (replaces the list).
    #[serde(default)]
    pub local_groups: Option<Vec<i64>>,
    /// Directory service groups (replaces the list).
    #[serde(default)]
    pub ds_groups: Option<Vec<DsGroup>>,
    /// Roles (replaces the list).
    #[serde(default)]
    pub roles: Option<Vec<String>>,
    /// Members may use the web shell.
    #[serde(default)]
    pub web_shell: Option<bool>,
    /// Free-text description (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    /// The owner tenant (null: global).
    #[serde(default, deserialize_with = "double_option")]
    pub tenant: Option<Option<i64>>,
}

/// `privilege.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PrivilegeCreateArgs {
    /// The new privilege.
    pub privilege_create: PrivilegeCreate,
}

/// `privilege.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PrivilegeUpdateArgs {
    /// The privilege's id.
    pub id: i64,
    /// Fields to change.
    pub privilege_update: PrivilegeUpdate,
}

/// `privilege.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct PrivilegeDeleteArgs {
    /// The privilege's id.
    pub id: i64,
}

/// One role of the catalogue, as `privilege.roles` lists it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct PrivilegeRolesEntry {
    /// The role's name, e.g. `DATASET_READ`.
    pub name: String,
    /// Human-readable title (the name, as on TrueNAS).
    pub title: String,
    /// The roles it directly includes.
    pub includes: Vec<String>,
    /// TrueNAS marks it as existing for internal access control.
    pub builtin: bool,
    /// The STIG under which it is available (`1`: General Purpose OS), or null when no STIG grants it.
    pub stig: Option<u32>,
}

//! `group.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{UsernsIdmap, double_option};

/// A group as `group.query` returns it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct GroupEntry {
    /// Database id.
    pub id: i64,
    /// Unix group id.
    pub gid: i64,
    /// Group name.
    pub name: String,
    /// Same as `name` (compatibility).
    pub group: String,
    /// Builtin system group.
    pub builtin: bool,
    /// Commands members may run with sudo.
    pub sudo_commands: Vec<String>,
    /// Commands members may run with sudo without a password.
    pub sudo_commands_nopasswd: Vec<String>,
    /// SMB group.
    pub smb: bool,
    /// Container id mapping.
    pub userns_idmap: Option<UsernsIdmap>,
    /// Local group (always true).
    pub local: bool,
    /// SMB security identifier when `smb`.
    pub sid: Option<String>,
    /// Roles granted to members through privileges.
    pub roles: Vec<String>,
    /// Member user database ids (including users whose primary group this is).
    pub users: Vec<i64>,
    /// The group cannot be changed: builtin, and not one of the builtin groups whose membership may change
    /// (gids 14, 445, 544, 545, 568, 951, 952).
    pub immutable: bool,
    /// The LDAP groups this group is linked to: the memberships of those sources' users follow the directory.
    pub external_groups: Vec<super::auth_source::ExternalGroup>,
}

fn default_true() -> bool {
    true
}

/// `group.create` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupCreate {
    /// Group id; null picks the next free one (>= 3000).
    #[serde(default)]
    #[schemars(range(min = 0, max = 90000000))]
    pub gid: Option<i64>,
    /// Name: characters from `[A-Za-z0-9_.-]`, not starting with `-`.
    pub name: String,
    /// SMB group.
    #[serde(default = "default_true")]
    pub smb: bool,
    /// Commands members may run with sudo.
    #[serde(default)]
    pub sudo_commands: Vec<String>,
    /// Commands members may run with sudo without a password.
    #[serde(default)]
    pub sudo_commands_nopasswd: Vec<String>,
    /// Container id mapping.
    #[serde(default)]
    pub userns_idmap: Option<UsernsIdmap>,
    /// Member user database ids.
    #[serde(default)]
    pub users: Vec<i64>,
    /// LDAP groups to link the group to (each must exist in its source unless the source is FAULTED).
    #[serde(default)]
    pub external_groups: Vec<super::auth_source::ExternalGroup>,
}

/// `group.update` input: only given keys change. The gid cannot be changed (TrueNAS excludes it from the
/// update model: giving it is "Extra inputs are not permitted").
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupUpdate {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// SMB group.
    #[serde(default)]
    pub smb: Option<bool>,
    /// Commands members may run with sudo.
    #[serde(default)]
    pub sudo_commands: Option<Vec<String>>,
    /// Commands members may run with sudo without a password.
    #[serde(default)]
    pub sudo_commands_nopasswd: Option<Vec<String>>,
    /// Container id mapping.
    #[serde(default, deserialize_with = "double_option")]
    pub userns_idmap: Option<Option<UsernsIdmap>>,
    /// Member user database ids (replaces the list).
    #[serde(default)]
    pub users: Option<Vec<i64>>,
    /// LDAP groups the group is linked to (replaces the list).
    #[serde(default)]
    pub external_groups: Option<Vec<super::auth_source::ExternalGroup>>,
}

/// `group.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GroupCreateArgs {
    /// The new group.
    pub group_create: GroupCreate,
}

/// `group.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GroupUpdateArgs {
    /// The group's database id.
    pub id: i64,
    /// Fields to change.
    pub group_update: GroupUpdate,
}

/// `group.delete` options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupDeleteOptions {
    /// Delete users whose primary group this is (else they move to `nogroup`).
    #[serde(default)]
    pub delete_users: bool,
}

/// `group.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GroupDeleteArgs {
    /// The group's database id.
    pub id: i64,
    /// Options.
    #[serde(default)]
    pub options: GroupDeleteOptions,
}

/// `group.get_group_obj` input: exactly one of `groupname` and `gid`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetGroupObjQuery {
    /// Look up by name.
    #[serde(default)]
    pub groupname: Option<String>,
    /// Look up by gid.
    #[serde(default)]
    pub gid: Option<i64>,
    /// Include the SID.
    #[serde(default)]
    pub sid_info: bool,
}

/// `group.get_group_obj` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GetGroupObjArgs {
    /// Which group.
    pub get_group_obj: GetGroupObjQuery,
}

/// A grp-style group object.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GroupObj {
    /// Name.
    pub gr_name: String,
    /// gid.
    pub gr_gid: i64,
    /// Member user names.
    pub gr_mem: Vec<String>,
    /// SID (when `sid_info` and SMB), else null.
    pub sid: Option<String>,
    /// `LOCAL`.
    pub source: String,
    /// Always true.
    pub local: bool,
}

/// A group as `group.get_password_enabled_users` may be given it: only its database id and gid are read.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
pub struct GroupIds {
    /// Database id.
    pub id: i64,
    /// gid.
    pub gid: i64,
}

/// `group.has_password_enabled_user` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct HasPasswordEnabledUserArgs {
    /// gids of the groups to look in.
    pub gids: Vec<i64>,
    /// Database ids of users not to count.
    #[serde(default)]
    pub exclude_user_ids: Vec<i64>,
}

/// `group.get_password_enabled_users` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GetPasswordEnabledUsersArgs {
    /// gids of the groups to look in.
    pub gids: Vec<i64>,
    /// Database ids of users to leave out.
    pub exclude_user_ids: Vec<i64>,
    /// The local groups to map the gids with (entries as `group.query` returns them); null reads them.
    #[serde(default)]
    pub groups: Option<Vec<GroupIds>>,
}

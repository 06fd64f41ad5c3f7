//! `group.*` methods.

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::auth_source::GroupRefreshExternalArgs;
use crate::types::common::NoArgs;
use crate::types::group::{
    GetGroupObjArgs, GetPasswordEnabledUsersArgs, GroupCreateArgs, GroupDeleteArgs, GroupEntry, GroupObj,
    GroupUpdateArgs, HasPasswordEnabledUserArgs,
};
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::types::user::UserEntry;
use crate::{Access, Role};

const READ: Access = Access::Roles(&[Role::AccountRead]);
const WRITE: Access = Access::Roles(&[Role::AccountWrite]);

declare_method! {
    /// Queries groups with query-filters and query-options.
    GroupQuery = "group.query", READ, QueryArgs => QueryAnswer<GroupEntry>,
    events: Events::Public,
    examples: [
        Admin r#"[[["builtin", "=", false]], {"select": ["id", "gid", "name", "users"]}]"#,
    ]
}

declare_method! {
    /// Returns the group with database id `id`; an unknown id is an ENOENT validation error.
    GroupGetInstance = "group.get_instance", READ, GetInstanceArgs => Instance<GroupEntry>,
    examples: [
        Admin r#"[94]"#,
    ]
}

declare_method! {
    /// Creates a group and returns its database id.
    GroupCreate = "group.create", WRITE, GroupCreateArgs => i64,
    audit: Audit::param("Create group", "name"),
    examples: [
        Admin r#"[{"name": "developers", "users": [56]}]"#,
    ]
}

declare_method! {
    /// Changes the given fields of a group (not its gid) and returns its id. Immutable groups cannot be
    /// changed; other builtin groups only their members.
    GroupUpdate = "group.update", WRITE, GroupUpdateArgs => i64,
    audit: Audit::record("Update group", AuditRecord::Group),
    examples: [
        Admin r#"[94, {"name": "crew-all", "users": [55, 56]}]"#,
    ]
}

declare_method! {
    /// Deletes a group; users whose primary group it is move to `nogroup` (or are deleted with
    /// `delete_users`). Returns the id.
    GroupDelete = "group.delete", WRITE, GroupDeleteArgs => i64,
    audit: Audit::record("Delete group", AuditRecord::Group),
    examples: [
        Admin r#"[94, {"delete_users": false}]"#,
    ]
}

declare_method! {
    /// The smallest unused gid >= 3000.
    GroupGetNextGid = "group.get_next_gid", READ, NoArgs => i64,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// A grp-style object for the group with the given `groupname` or `gid` (exactly one).
    GroupGetGroupObj = "group.get_group_obj", READ, GetGroupObjArgs => GroupObj,
    examples: [
        Admin r#"[{"groupname": "crew"}]"#,
    ]
}

declare_method! {
    /// True when a local user who can log in with a password (not locked, password not disabled) is a member
    /// (primary or auxiliary) of a group with one of the `gids`, not counting the users in
    /// `exclude_user_ids`.
    GroupHasPasswordEnabledUser = "group.has_password_enabled_user", READ, HasPasswordEnabledUserArgs => bool,
    examples: [
        Admin r#"[[544], []]"#,
    ]
}

declare_method! {
    /// The local users who can log in with a password (not locked, password not disabled) and are members
    /// (primary or auxiliary) of a group with one of the `gids`, leaving out `exclude_user_ids`, as
    /// `user.query` shows them. `groups` (entries with `id` and `gid`, as `group.query` returns them) maps
    /// the gids to groups instead of the database. Private on TrueNAS (used by its UI), so only FULL_ADMIN
    /// may call it.
    GroupGetPasswordEnabledUsers = "group.get_password_enabled_users", Access::Roles(&[Role::FullAdmin]),
        GetPasswordEnabledUsersArgs => Vec<UserEntry>,
    examples: [
        Admin r#"[[544], [1]]"#,
    ]
}

declare_method! {
    /// Re-reads, with the service account of each linked LDAP source, which of the source's users are in the
    /// LDAP groups this local group is linked to (`external_groups`), and makes the group's membership of
    /// those users match; other members are untouched. Returns true.
    GroupRefreshExternal = "group.refresh_external", WRITE, GroupRefreshExternalArgs => bool,
    audit: Audit::record("Refresh external group", AuditRecord::Group),
    examples: [
        Admin r#"[93]"# => error,
    ]
}

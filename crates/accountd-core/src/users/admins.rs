//! Who the local administrators are, for the rules that keep one usable.

use accountd_api::Role;
use accountd_api::pytext::repr_str;
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, StoreError, privileges};

use crate::entry::builtin;

/// Users holding FULL_ADMIN through any privilege.
pub(crate) fn full_admins(conn: &Connection) -> Result<Vec<UserRow>, StoreError> {
    let groups: Vec<i64> = privileges::all(conn)?
        .into_iter()
        .filter(|p| p.roles.iter().any(|r| Role::parse(r) == Some(Role::FullAdmin)))
        .flat_map(|p| p.group_ids)
        .collect();
    users::members_of_groups(conn, &groups)
}

/// TrueNAS `group.get_password_enabled_users` over the groups of the LOCAL_ADMINISTRATOR privilege: its
/// members (primary or auxiliary) who are not locked and can log in with a password.
pub(crate) fn password_admins(conn: &Connection) -> Result<Vec<UserRow>, StoreError> {
    let groups: Vec<i64> = privileges::all(conn)?
        .into_iter()
        .filter(|p| p.builtin_name.as_deref() == Some(builtin::LOCAL_ADMINISTRATOR))
        .flat_map(|p| p.group_ids)
        .collect();
    Ok(users::members_of_groups(conn, &groups)?
        .into_iter()
        .filter(can_log_in_with_password)
        .collect())
}

/// TrueNAS's password-enabled user: not locked, password not disabled, a usable hash.
pub(crate) fn can_log_in_with_password(u: &UserRow) -> bool {
    !u.locked && !u.password_disabled && u.unixhash != "*" && u.unixhash != "x"
}

/// TrueNAS `privilege.before_user_deactivation`'s message: `"{action} will have built-in privilege
/// 'Local Administrator'."` (the privilege's name, quoted as Python's `repr`).
pub(crate) fn no_local_administrator_left(conn: &Connection, action: &str) -> Result<String, StoreError> {
    let name = privileges::all(conn)?
        .into_iter()
        .find(|p| p.builtin_name.as_deref() == Some(builtin::LOCAL_ADMINISTRATOR))
        .map_or_else(|| "Local Administrator".to_string(), |p| p.name);
    Ok(format!("{action} will have built-in privilege {}.", repr_str(&name)))
}

/// TrueNAS's action text for disabling a password.
pub(crate) const AFTER_PASSWORD_DISABLE: &str = "After disabling password for this user no password-enabled local user";
/// TrueNAS's action text for deleting a user.
pub(crate) const AFTER_DELETE: &str = "After deleting this user no local user";
/// The same rule when a user locks or loses the groups that made them a password-enabled administrator.
pub(crate) const AFTER_LOCK: &str = "After locking this user no password-enabled local user";
/// ... when a user's groups change.
pub(crate) const AFTER_GROUPS_CHANGE: &str = "After changing the groups of this user no password-enabled local user";
/// ... when a group's members change.
pub(crate) const AFTER_MEMBERS_CHANGE: &str = "After changing the members of this group no password-enabled local user";

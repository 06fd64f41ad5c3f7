//! Who the local administrators are, for the rules that keep one usable.

use accountd_api::Role;
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

/// Members of the LOCAL_ADMINISTRATOR privilege who can log in with a password.
pub(crate) fn password_admins(conn: &Connection) -> Result<Vec<UserRow>, StoreError> {
    let groups: Vec<i64> = privileges::all(conn)?
        .into_iter()
        .filter(|p| p.builtin_name.as_deref() == Some(builtin::LOCAL_ADMINISTRATOR))
        .flat_map(|p| p.group_ids)
        .collect();
    Ok(users::members_of_groups(conn, &groups)?
        .into_iter()
        .filter(|u| !u.password_disabled && u.unixhash != "*")
        .collect())
}

//! The checks of privilege writes: TrueNAS's `_validate` and builtin-privilege rules, and the rule that a
//! privilege change never leaves the system without an unlocked FULL_ADMIN user.

use accountd_api::Role;
use accountd_api::types::privilege::DsGroup;
use accountd_store::privileges::PrivilegeRow;
use accountd_store::{Connection, StoreError, groups, tenants, users};

use crate::args::PRIVILEGE_UPDATE;
use crate::entry::builtin;
use crate::error::{ValidationErrors, errno};

/// Builtin name of the read-only administrators' privilege.
const READONLY_ADMINISTRATOR: &str = "READONLY_ADMINISTRATOR";
/// Builtin name of the privilege that applies to every user (Foreman's "Default role").
pub const DEFAULT: &str = "DEFAULT";

/// A privilege as the caller wants it: gids as given.
pub(super) struct Wanted<'a> {
    pub name: &'a str,
    pub local_groups: &'a [i64],
    pub ds_groups: &'a [DsGroup],
    pub roles: &'a [String],
    pub tenant: Option<i64>,
}

/// TrueNAS `_validate`: unique name, existing local groups, no directory service groups, known roles. Returns
/// the database ids of the local groups that exist.
pub(super) fn validate(
    conn: &Connection,
    schema: &str,
    wanted: &Wanted<'_>,
    all: &[PrivilegeRow],
    id: Option<i64>,
    errs: &mut ValidationErrors,
) -> Result<Vec<i64>, StoreError> {
    if all.iter().any(|p| p.name == wanted.name && Some(p.id) != id) {
        errs.add(format!("{schema}.name"), "Object with this name already exists");
    }
    let mut group_ids = Vec::new();
    for (i, gid) in wanted.local_groups.iter().enumerate() {
        match groups::by_gid(conn, *gid)? {
            Some(g) => {
                if g.userns_idmap.is_some() {
                    errs.add(
                        format!("{schema}.local_groups.{i}"),
                        "Privileges may not be granted to groups that have a user namespace idmap configured.",
                    );
                }
                group_ids.push(g.id);
            }
            None => errs.add(
                format!("{schema}.local_groups.{i}"),
                format!(
                    "{gid}: local group does not exist. This error may be addressed by either re-creating the \
                     missing group with the specified group id or removing this entry from the privilege."
                ),
            ),
        }
    }
    for (i, group) in wanted.ds_groups.iter().enumerate() {
        errs.add(
            format!("{schema}.ds_groups.{i}"),
            format!(
                "{group}: directory service group does not exist. If the directory service state is healthy, then \
                 this error may be addressed by removing this entry from the privilege."
            ),
        );
    }
    for (i, role) in wanted.roles.iter().enumerate() {
        if accountd_api::roles::catalogue_role(role).is_none() {
            errs.add(format!("{schema}.roles.{i}"), "Invalid role");
        }
    }
    if let Some(tenant) = wanted.tenant {
        if tenants::get(conn, tenant)?.is_none() {
            errs.add_errno(
                format!("{schema}.tenant"),
                format!("Tenant {tenant} does not exist"),
                errno::ENOENT,
            );
        } else if !wanted.local_groups.is_empty() {
            errs.add(
                format!("{schema}.local_groups"),
                "A privilege owned by a tenant is granted through access entries only",
            );
        }
    }
    Ok(group_ids)
}

/// TrueNAS's rules for builtin privileges on update: name and roles are read-only; the Local Administrator
/// privilege keeps `builtin_administrators` and a member who can log in with a password; read-only
/// administrators get no web shell.
pub(super) fn check_builtin(
    conn: &Connection,
    old: &PrivilegeRow,
    wanted: &Wanted<'_>,
    web_shell: bool,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    let Some(builtin_name) = old.builtin_name.as_deref() else {
        return Ok(());
    };
    if wanted.name != old.name {
        errs.add(
            format!("{PRIVILEGE_UPDATE}.name"),
            "This field is read-only for built-in privileges",
        );
    }
    // The Default privilege's roles are what every user holds: editable, while it stays bound to no group.
    if builtin_name == DEFAULT {
        if !wanted.local_groups.is_empty() {
            errs.add(
                format!("{PRIVILEGE_UPDATE}.local_groups"),
                "This field is read-only for built-in privileges",
            );
        }
    } else if wanted.roles != old.roles.as_slice() {
        errs.add(
            format!("{PRIVILEGE_UPDATE}.roles"),
            "This field is read-only for built-in privileges",
        );
    }
    if wanted.tenant != old.tenant_id {
        errs.add(
            format!("{PRIVILEGE_UPDATE}.tenant"),
            "This field is read-only for built-in privileges",
        );
    }
    if builtin_name == builtin::LOCAL_ADMINISTRATOR {
        if !wanted.local_groups.contains(&builtin::ADMINISTRATORS_GID) {
            errs.add(
                format!("{PRIVILEGE_UPDATE}.local_groups"),
                "The group builtin_administrators must be among grantees of the \"Local Administrator\" privilege.",
            );
        }
        if !has_password_enabled_user(conn, wanted.local_groups)? {
            errs.add(
                format!("{PRIVILEGE_UPDATE}.local_groups"),
                "None of the members of these groups has password login enabled. At least one grantee of the \
                 \"Local Administrator\" privilege must have password login enabled.",
            );
        }
    } else if builtin_name == READONLY_ADMINISTRATOR && web_shell {
        errs.add(
            format!("{PRIVILEGE_UPDATE}.web_shell"),
            "Web shell access may not be enabled for the built-in group for read-only administrators.",
        );
    }
    Ok(())
}

/// TrueNAS `group.has_password_enabled_user`: an unlocked member (primary or auxiliary) of a group with one of
/// these gids has password login enabled.
fn has_password_enabled_user(conn: &Connection, gids: &[i64]) -> Result<bool, StoreError> {
    let mut ids = Vec::new();
    for gid in gids {
        if let Some(g) = groups::by_gid(conn, *gid)? {
            ids.push(g.id);
        }
    }
    Ok(users::members_of_groups(conn, &ids)?
        .iter()
        .any(|u| !u.locked && !u.password_disabled && u.unixhash != "*"))
}

/// How many unlocked users hold FULL_ADMIN through `privileges`.
pub(super) fn unlocked_full_admins(conn: &Connection, privileges: &[PrivilegeRow]) -> Result<usize, StoreError> {
    let groups: Vec<i64> = privileges
        .iter()
        .filter(|p| p.roles.iter().any(|r| Role::parse(r) == Some(Role::FullAdmin)))
        .flat_map(|p| p.group_ids.iter().copied())
        .collect();
    Ok(users::members_of_groups(conn, &groups)?
        .iter()
        .filter(|u| !u.locked)
        .count())
}

/// The message when a privilege change would leave no unlocked FULL_ADMIN user (the wording of the matching
/// `user.update` rule for locking).
pub(super) const NO_FULL_ADMIN_LEFT: &str = "After this change no local users will have FULL_ADMIN role";

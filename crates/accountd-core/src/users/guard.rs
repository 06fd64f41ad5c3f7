//! The escalation guard on user writes (`tenants-and-roles.md` section 5): the roles reached through added
//! groups and access entries must be held by the caller where they are granted, and the credentials of a user
//! holding roles the caller lacks stay out of its reach. The rules are [`crate::authz`]'s; this gathers what
//! they are asked about.

use accountd_api::Role;
use accountd_api::roles::guarded_roles;
use accountd_store::privileges::{self, PrivilegeRow};
use accountd_store::tenants::AccessRow;
use accountd_store::users::UserRow;
use accountd_store::{Connection, StoreError};

use crate::authz::{self, Scope, TenantId};
use crate::caller::Caller;
use crate::error::ValidationErrors;

/// What a write grants: groups joined (by attribute and database id) and access entries added (by index).
pub(crate) struct Granted<'a> {
    pub groups: Vec<(String, i64)>,
    pub access: Vec<(usize, &'a AccessRow)>,
}

fn group_roles(privileges: &[PrivilegeRow], group: i64) -> Vec<Role> {
    guarded_roles(&crate::entry::roles_granted(privileges, &[group]))
}

/// Refuses (EPERM at the attribute) each added group or access entry that grants a role the caller lacks there.
pub(crate) fn check_grants(
    conn: &Connection,
    schema: &str,
    caller: &Caller,
    granted: &Granted<'_>,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    let privileges = privileges::all(conn)?;
    for (attribute, group) in &granted.groups {
        let missing = authz::roles_not_held(caller, &group_roles(&privileges, *group), Scope::Global);
        if !missing.is_empty() {
            errs.add_errno(
                attribute.clone(),
                authz::escalation_message(&missing),
                authz::ESCALATION_ERRNO,
            );
        }
    }
    for (i, entry) in &granted.access {
        let Some(p) = privileges.iter().find(|p| p.id == entry.privilege_id) else {
            continue;
        };
        let scope = match entry.tenant_id {
            Some(t) if !entry.all_tenants => Scope::Tenant(TenantId(t)),
            _ => Scope::Global,
        };
        let missing = authz::roles_not_held(caller, &guarded_roles(&p.roles), scope);
        if !missing.is_empty() {
            errs.add_errno(
                format!("{schema}.access.{i}.privilege"),
                authz::escalation_message(&missing),
                authz::ESCALATION_ERRNO,
            );
        }
    }
    Ok(())
}

/// Refuses (EPERM at each attribute) a change of `attributes` (credentials) of `target` when it holds a role the
/// caller lacks (Foreman: "a non-admin cannot change an admin's password").
pub(crate) fn check_credentials(
    conn: &Connection,
    schema: &str,
    caller: &Caller,
    target: &UserRow,
    attributes: &[&str],
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    if attributes.is_empty() {
        return Ok(());
    }
    let grants = crate::entry::session_grants(conn, target)?.unwrap_or_default();
    if authz::may_change_credentials_of(caller, &grants) {
        return Ok(());
    }
    let mut missing: Vec<Role> = Vec::new();
    for g in &grants {
        if !caller.may(g.role, g.scope) && !missing.contains(&g.role) {
            missing.push(g.role);
        }
    }
    let names: Vec<&str> = missing.iter().map(|r| r.as_str()).collect();
    for attribute in attributes {
        errs.add_errno(
            format!("{schema}.{attribute}"),
            format!("This user holds roles you do not hold: {}", names.join(", ")),
            authz::ESCALATION_ERRNO,
        );
    }
    Ok(())
}

/// A tenant-scoped writer reaches only users entirely within its tenants (else the user answers as missing).
pub(crate) fn check_reachable(conn: &Connection, caller: &Caller, target: &UserRow) -> Result<(), crate::error::Error> {
    let access = accountd_store::tenants::access_of(conn, target.id)?;
    let grants = crate::entry::session_grants(conn, target)?.unwrap_or_default();
    if authz::may_write_user(caller, target.id, &access, &grants) {
        Ok(())
    } else {
        Err(crate::error::Error::not_found(format!(
            "User {} does not exist",
            target.id
        )))
    }
}

/// A tenant-scoped writer gives access only in the tenants it writes in (EPERM at `<schema>.access.N.tenant`).
pub(crate) fn check_access_scope(
    schema: &str,
    caller: &Caller,
    added: &[(usize, &AccessRow)],
    errs: &mut ValidationErrors,
) {
    for (i, entry) in added {
        if !authz::may_grant_access(caller, entry) {
            errs.add_errno(
                format!("{schema}.access.{i}.tenant"),
                "Access may be granted only in the tenants you manage",
                authz::ESCALATION_ERRNO,
            );
        }
    }
}

//! A user's access entries and default tenant (`tenants-and-roles.md` section 2): the checks of `user.create` and
//! `user.update` (`<schema>.access.N.<field>`, `<schema>.default_tenant`) and the rows they store.

use std::collections::HashSet;

use accountd_api::types::user::AccessEntry;
use accountd_store::tenants::{self, AccessRow};
use accountd_store::{Connection, StoreError, privileges};

use crate::error::{ValidationErrors, errno};

/// Checks the access entries as given: every privilege and tenant exists, exactly one of `tenant` and
/// `all_tenants`, no entry twice, a privilege owned by a tenant only in that tenant. Returns the rows to store.
pub(crate) fn check_access(
    conn: &Connection,
    schema: &str,
    entries: &[AccessEntry],
    errs: &mut ValidationErrors,
) -> Result<Vec<AccessRow>, StoreError> {
    let privileges = privileges::all(conn)?;
    let mut seen = HashSet::new();
    let mut rows = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let at = |field: &str| format!("{schema}.access.{i}.{field}");
        let privilege = privileges.iter().find(|p| p.id == e.privilege);
        if privilege.is_none() {
            errs.add_errno(
                at("privilege"),
                format!("Privilege {} does not exist", e.privilege),
                errno::ENOENT,
            );
        }
        match (e.tenant, e.all_tenants) {
            (Some(_), true) | (None, false) => {
                errs.add(at("tenant"), "Specify either a tenant or all_tenants");
                continue;
            }
            (Some(t), false) if tenants::get(conn, t)?.is_none() => {
                errs.add_errno(at("tenant"), format!("Tenant {t} does not exist"), errno::ENOENT);
                continue;
            }
            _ => {}
        }
        if let Some(owner) = privilege.and_then(|p| p.tenant_id)
            && e.tenant != Some(owner)
        {
            errs.add(
                at("privilege"),
                format!("Privilege {} is owned by another tenant", e.privilege),
            );
        }
        let row = AccessRow {
            privilege_id: e.privilege,
            tenant_id: e.tenant,
            all_tenants: e.all_tenants,
        };
        if !seen.insert(row) {
            errs.add_errno(at("privilege"), "Duplicate access entry", errno::EEXIST);
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The id of the builtin Default privilege (the access entry a tenant-scoped writer's new user gets).
pub(crate) fn default_privilege_id(conn: &Connection) -> Result<i64, StoreError> {
    privileges::all(conn)?
        .iter()
        .find(|p| p.builtin_name.as_deref() == Some(crate::privileges::DEFAULT))
        .map(|p| p.id)
        .ok_or_else(|| StoreError::Corrupt("the Default privilege is missing".into()))
}

/// True when access entries make their user a member of `tenant` (an entry in it, or in every tenant).
pub(crate) fn reaches(access: &[AccessRow], tenant: i64) -> bool {
    access.iter().any(|a| a.all_tenants || a.tenant_id == Some(tenant))
}

/// The default tenant to store: the one given (which must exist and be one of the user's tenants), null when
/// null is given, else the stored one while the access entries still reach it.
pub(crate) fn check_default_tenant(
    conn: &Connection,
    schema: &str,
    given: Option<Option<i64>>,
    stored: Option<i64>,
    access: &[AccessRow],
    errs: &mut ValidationErrors,
) -> Result<Option<i64>, StoreError> {
    let field = format!("{schema}.default_tenant");
    match given {
        Some(Some(t)) => {
            if tenants::get(conn, t)?.is_none() {
                errs.add_errno(field, format!("Tenant {t} does not exist"), errno::ENOENT);
            } else if !reaches(access, t) {
                errs.add(field, "Default tenant must be one of the user's tenants");
            }
            Ok(Some(t))
        }
        Some(None) => Ok(None),
        None => Ok(stored.filter(|t| reaches(access, *t))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn membership_comes_from_an_entry_in_the_tenant_or_in_every_tenant() {
        let entry = |tenant: Option<i64>| AccessRow {
            privilege_id: 5,
            tenant_id: tenant,
            all_tenants: tenant.is_none(),
        };
        // (entries, tenant, member)
        let rows: &[(&[AccessRow], i64, bool)] = &[
            (&[], 1, false),
            (&[entry(Some(2))], 2, true),
            (&[entry(Some(2))], 3, false),
            (&[entry(Some(2)), entry(None)], 3, true),
        ];
        for (access, tenant, member) in rows {
            assert_eq!(reaches(access, *tenant), *member, "{access:?} {tenant}");
        }
    }
}

//! `privilege.create`, `privilege.update`, `privilege.delete`.

use accountd_api::types::privilege::{PrivilegeCreate, PrivilegeEntry, PrivilegeUpdate};
use accountd_store::privileges::{self, PrivilegeRow};
use accountd_store::{Transaction, groups, tenants, users};

use super::not_found;
use super::rules::{NO_FULL_ADMIN_LEFT, Wanted, check_builtin, unlocked_full_admins, validate};
use crate::accounts::Accounts;
use crate::args::{PRIVILEGE_CREATE, PRIVILEGE_UPDATE};
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;

/// Records the groups a privilege is or was bound to, and their members, as changed (their `roles` change).
fn note_bound(tx: &Transaction<'_>, group_ids: &[i64], changes: &mut ChangeSet) -> Result<(), Error> {
    for g in group_ids {
        changes.group_changed(*g);
    }
    for u in users::members_of_groups(tx, group_ids)? {
        changes.user_changed(u.id);
    }
    Ok(())
}

/// Records the users holding a privilege through an access entry as changed (their access or roles change).
fn note_granted(tx: &Transaction<'_>, privilege_id: i64, changes: &mut ChangeSet) -> Result<(), Error> {
    for user in tenants::users_granted(tx, privilege_id)? {
        changes.user_changed(user);
    }
    Ok(())
}

/// A privilege becoming owned by `tenant` must not be granted in another tenant or in every tenant.
fn check_not_granted_elsewhere(tx: &Transaction<'_>, privilege_id: i64, tenant: Option<i64>) -> Result<(), Error> {
    if tenants::granted_outside(tx, privilege_id, tenant)? {
        return Err(Error::invalid(
            format!("{PRIVILEGE_UPDATE}.tenant"),
            "The privilege is granted outside this tenant",
        ));
    }
    Ok(())
}

fn create_in(tx: &Transaction<'_>, data: &PrivilegeCreate, changes: &mut ChangeSet) -> Result<i64, Error> {
    let all = privileges::all(tx)?;
    let wanted = Wanted {
        name: &data.name,
        local_groups: &data.local_groups,
        ds_groups: &data.ds_groups,
        roles: &data.roles,
        tenant: data.tenant,
    };
    let mut errs = ValidationErrors::new();
    let group_ids = validate(tx, PRIVILEGE_CREATE, &wanted, &all, None, &mut errs)?;
    errs.check()?;
    let row = PrivilegeRow {
        id: 0,
        name: data.name.clone(),
        builtin_name: None,
        web_shell: data.web_shell,
        roles: data.roles.clone(),
        group_ids,
        description: data.description.clone(),
        tenant_id: data.tenant,
    };
    let id = privileges::insert(tx, &row)?;
    changes.privilege_added(id);
    note_bound(tx, &row.group_ids, changes)?;
    Ok(id)
}

fn update_in(tx: &Transaction<'_>, id: i64, data: &PrivilegeUpdate, changes: &mut ChangeSet) -> Result<(), Error> {
    let all = privileges::all(tx)?;
    let old = all.iter().find(|p| p.id == id).cloned().ok_or_else(|| not_found(id))?;
    let mut old_gids = Vec::new();
    for g in &old.group_ids {
        if let Some(g) = groups::get(tx, *g)? {
            old_gids.push(g.gid);
        }
    }
    let name = data.name.clone().unwrap_or_else(|| old.name.clone());
    let local_groups = data.local_groups.clone().unwrap_or(old_gids);
    let ds_groups = data.ds_groups.clone().unwrap_or_default();
    let roles = data.roles.clone().unwrap_or_else(|| old.roles.clone());
    let web_shell = data.web_shell.unwrap_or(old.web_shell);
    let tenant = data.tenant.unwrap_or(old.tenant_id);
    let description = data.description.clone().unwrap_or_else(|| old.description.clone());
    let wanted = Wanted {
        name: &name,
        local_groups: &local_groups,
        ds_groups: &ds_groups,
        roles: &roles,
        tenant,
    };
    let mut errs = ValidationErrors::new();
    check_builtin(tx, &old, &wanted, web_shell, &mut errs)?;
    errs.check()?;
    let mut errs = ValidationErrors::new();
    let group_ids = validate(tx, PRIVILEGE_UPDATE, &wanted, &all, Some(id), &mut errs)?;
    errs.check()?;
    let new = PrivilegeRow {
        id,
        name,
        builtin_name: old.builtin_name.clone(),
        web_shell,
        roles,
        group_ids,
        description,
        tenant_id: tenant,
    };
    let after: Vec<PrivilegeRow> = all
        .iter()
        .map(|p| if p.id == id { new.clone() } else { p.clone() })
        .collect();
    if unlocked_full_admins(tx, &all)? > 0 && unlocked_full_admins(tx, &after)? == 0 {
        let field = if new.roles != old.roles {
            "roles"
        } else {
            "local_groups"
        };
        return Err(Error::invalid(
            format!("{PRIVILEGE_UPDATE}.{field}"),
            NO_FULL_ADMIN_LEFT,
        ));
    }
    if tenant.is_some() && tenant != old.tenant_id {
        check_not_granted_elsewhere(tx, id, tenant)?;
    }
    privileges::update(tx, &new)?;
    changes.privilege_changed(id);
    note_granted(tx, id, changes)?;
    let mut touched = old.group_ids.clone();
    touched.extend(&new.group_ids);
    touched.sort_unstable();
    touched.dedup();
    note_bound(tx, &touched, changes)
}

fn delete_in(tx: &Transaction<'_>, id: i64, changes: &mut ChangeSet) -> Result<(), Error> {
    let all = privileges::all(tx)?;
    let old = all.iter().find(|p| p.id == id).ok_or_else(|| not_found(id))?;
    if old.builtin_name.is_some() {
        return Err(Error::call(errno::EPERM, "Unable to delete built-in privilege"));
    }
    let after: Vec<PrivilegeRow> = all.iter().filter(|p| p.id != id).cloned().collect();
    if unlocked_full_admins(tx, &all)? > 0 && unlocked_full_admins(tx, &after)? == 0 {
        return Err(Error::call(errno::EACCES, NO_FULL_ADMIN_LEFT));
    }
    note_granted(tx, id, changes)?;
    privileges::delete(tx, id)?;
    changes.privilege_removed(id);
    note_bound(tx, &old.group_ids, changes)
}

impl Accounts {
    /// `privilege.create`: returns the entry.
    pub async fn privilege_create(&self, data: PrivilegeCreate) -> Result<PrivilegeEntry, Error> {
        let id = self
            .write_changes(move |tx, changes| create_in(tx, &data, changes))
            .await?;
        tracing::info!(privilege_id = id, "privilege created");
        self.privilege_entry(id).await
    }

    /// `privilege.update`: returns the entry.
    pub async fn privilege_update(&self, id: i64, data: PrivilegeUpdate) -> Result<PrivilegeEntry, Error> {
        self.write_changes(move |tx, changes| update_in(tx, id, &data, changes))
            .await?;
        tracing::info!(privilege_id = id, "privilege updated");
        self.privilege_entry(id).await
    }

    /// `privilege.delete`.
    pub async fn privilege_delete(&self, id: i64) -> Result<bool, Error> {
        self.write_changes(move |tx, changes| delete_in(tx, id, changes))
            .await?;
        tracing::info!(privilege_id = id, "privilege deleted");
        Ok(true)
    }
}

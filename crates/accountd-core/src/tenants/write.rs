//! `tenant.create`, `tenant.update`, `tenant.delete`.

use accountd_api::types::tenant::{TenantAttr, TenantCreate, TenantEntry, TenantUpdate};
use accountd_store::Transaction;
use accountd_store::tenants::{self, TenantRow};

use super::not_found;
use super::rules::{check_builtin_rename, check_delete, references, validate};
use crate::accounts::Accounts;
use crate::args::{TENANT_CREATE, TENANT_UPDATE};
use crate::error::{Error, ValidationErrors};
use crate::events::ChangeSet;

fn attrs_of(attrs: Vec<TenantAttr>) -> Vec<(String, String)> {
    attrs.into_iter().map(|a| (a.key, a.value)).collect()
}

fn create_in(tx: &Transaction<'_>, data: TenantCreate, changes: &mut ChangeSet) -> Result<i64, Error> {
    let row = TenantRow {
        id: 0,
        name: data.name,
        description: data.description,
        attrs: attrs_of(data.attrs),
        builtin: false,
    };
    let mut errs = ValidationErrors::new();
    validate(tx, TENANT_CREATE, &row, None, &mut errs)?;
    errs.check()?;
    let id = tenants::insert(tx, &row)?;
    changes.tenant_added(id);
    Ok(id)
}

fn update_in(tx: &Transaction<'_>, id: i64, data: TenantUpdate, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = tenants::get(tx, id)?.ok_or_else(|| not_found(id))?;
    let new = TenantRow {
        id,
        name: data.name.unwrap_or_else(|| old.name.clone()),
        description: data.description.unwrap_or_else(|| old.description.clone()),
        attrs: data.attrs.map(attrs_of).unwrap_or_else(|| old.attrs.clone()),
        builtin: old.builtin,
    };
    let mut errs = ValidationErrors::new();
    check_builtin_rename(&old, &new.name, &mut errs);
    validate(tx, TENANT_UPDATE, &new, Some(id), &mut errs)?;
    errs.check()?;
    tenants::update(tx, &new)?;
    changes.tenant_changed(id);
    Ok(())
}

fn delete_in(tx: &Transaction<'_>, id: i64, force: bool, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = tenants::get(tx, id)?.ok_or_else(|| not_found(id))?;
    let refs = references(tx, id)?;
    check_delete(tx, &old, &refs, force)?;
    // Users holding an owned privilege anywhere lose it with the privilege.
    let mut users = refs.users.clone();
    for p in &refs.privileges {
        users.extend(tenants::users_granted(tx, *p)?);
    }
    tenants::remove_references(tx, id)?;
    tenants::delete(tx, id)?;
    for p in &refs.privileges {
        changes.privilege_removed(*p);
    }
    for u in users {
        changes.user_changed(u);
    }
    changes.tenant_removed(id);
    Ok(())
}

impl Accounts {
    /// `tenant.create`: returns the entry.
    pub async fn tenant_create(&self, data: TenantCreate) -> Result<TenantEntry, Error> {
        let id = self
            .write_changes(move |tx, changes| create_in(tx, data, changes))
            .await?;
        tracing::info!(tenant_id = id, "tenant created");
        self.tenant_entry(id).await
    }

    /// `tenant.update`: returns the entry.
    pub async fn tenant_update(&self, id: i64, data: TenantUpdate) -> Result<TenantEntry, Error> {
        self.write_changes(move |tx, changes| update_in(tx, id, data, changes))
            .await?;
        tracing::info!(tenant_id = id, "tenant updated");
        self.tenant_entry(id).await
    }

    /// `tenant.delete`; with `force`, the references to the tenant go in the same transaction.
    pub async fn tenant_delete(&self, id: i64, force: bool) -> Result<bool, Error> {
        self.write_changes(move |tx, changes| delete_in(tx, id, force, changes))
            .await?;
        tracing::info!(tenant_id = id, force, "tenant deleted");
        Ok(true)
    }
}

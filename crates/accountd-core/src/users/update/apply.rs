//! The applying step of `user.update`: the rows, the checks only the written rows can answer (the transaction
//! rolls back when they refuse), the change set and the filesystem, last.

use std::path::Path;

use accountd_store::groups::GroupRow;
use accountd_store::users::{self, UserRow};
use accountd_store::{Transaction, auth_sources, tenants};

use super::super::admins::{AFTER_GROUPS_CHANGE, AFTER_LOCK, no_local_administrator_left, password_admins};
use super::Prepared;
use super::checks::Checked;
use super::plan::Planned;
use crate::args::USER_UPDATE;
use crate::error::Error;
use crate::events::ChangeSet;
use crate::home;
use crate::sessions::CredentialEffect;

/// Stores the planned row, the authentication source and the memberships, and records what changed.
pub(super) fn write_rows(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    checked: &Checked,
    planned: &Planned,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let row = &planned.row;
    users::update(tx, row)?;
    if checked.new_source != checked.old_source {
        auth_sources::set_source_of_user(tx, row.id, checked.new_source)?;
        changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id: row.id }, Some(&p.caller));
    }
    changes.user_changed(row.id);
    if let Some(access) = &checked.access {
        tenants::set_access(tx, row.id, access)?;
    }
    let (old_default, new_default) = checked.default_tenant;
    if new_default != old_default {
        tenants::set_default_tenant(tx, row.id, new_default)?;
    }
    record_credential_effects(p, changes);
    if row.group_id != old.group_id {
        changes.group_members_changed(old.group_id);
        changes.group_members_changed(row.group_id);
    }
    // The flag left out keeps the membership the user had (TrueNAS merges the old entry's `webshare`).
    let webshare = match p.data.webshare {
        Some(w) => w,
        None => super::super::webshare::is_member(tx, &checked.old_aux)?,
    };
    let mut aux = p.data.groups.clone().unwrap_or_else(|| checked.old_aux.clone());
    super::super::webshare::apply(tx, &mut aux, webshare, &row.username)?;
    if p.data.groups.is_some() || aux != checked.old_aux {
        users::set_aux_groups(tx, row.id, &aux)?;
        for g in checked.old_aux.iter().chain(aux.iter()) {
            changes.group_members_changed(*g);
        }
    }
    Ok(())
}

/// What the update does to the user's live credentials.
fn record_credential_effects(p: &Prepared, changes: &mut ChangeSet) {
    let user_id = p.id;
    let caller = Some(&p.caller);
    if p.new_password.is_some() {
        changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id }, caller);
    }
    if p.data.password_disabled == Some(true) {
        changes.credentials_affected(CredentialEffect::PasswordDisabled { user_id }, caller);
    }
    if p.data.locked == Some(true) {
        changes.credentials_affected(CredentialEffect::Locked { user_id }, caller);
    }
}

/// The rules the written rows answer: the last administrator who can log in with a password keeps that ability,
/// whichever change (locking, auxiliary or primary groups) would take it; then Foreman's rule against locking
/// oneself (TrueNAS's answers win).
pub(super) fn check_after_write(tx: &Transaction<'_>, p: &Prepared, checked: &Checked) -> Result<(), Error> {
    let d = &p.data;
    if checked.last_password_admin && password_admins(tx)?.is_empty() {
        let (field, action) = if d.locked == Some(true) {
            ("locked", AFTER_LOCK)
        } else if d.groups.is_some() {
            ("groups", AFTER_GROUPS_CHANGE)
        } else {
            ("group", AFTER_GROUPS_CHANGE)
        };
        return Err(Error::invalid(
            format!("{USER_UPDATE}.{field}"),
            no_local_administrator_left(tx, action)?,
        ));
    }
    super::super::account::refuse_self_lock(&p.caller, p.id, d)
}

/// The filesystem, last: the new home, or the managed home's mode, and its `authorized_keys`.
pub(super) fn write_home(p: &Prepared, planned: &Planned, group: &GroupRow) -> Result<(), Error> {
    let d = &p.data;
    let row = &planned.row;
    let (uid, gid) = (row.uid as u32, group.gid as u32);
    if let Some(parent) = &planned.create_home_in {
        let mode = d
            .home_mode
            .as_deref()
            .and_then(home::parse_home_mode)
            .unwrap_or(home::DEFAULT_HOME_MODE);
        home::create_home(&p.home_root, Path::new(parent), &row.username, mode, uid, gid, None)?;
    } else if planned.managed
        && let Some(mode) = d.home_mode.as_deref().and_then(home::parse_home_mode)
    {
        home::set_home_permissions(&p.home_root, Path::new(&row.home), Some(mode), Some((uid, gid)))?;
    }
    if planned.managed
        && let Some(keys) = &d.sshpubkey
    {
        home::write_authorized_keys(&p.home_root, Path::new(&row.home), keys.as_deref(), uid, gid)?;
    }
    Ok(())
}

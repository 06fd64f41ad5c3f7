//! `user.delete`.

use std::path::Path;

use accountd_api::types::user::UserDeleteOptions;
use accountd_store::{Transaction, api_keys, groups, privileges, users};

use super::admins::{AFTER_DELETE, no_local_administrator_left, password_admins};
use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::entry::builtin;
use crate::error::{Error, errno};
use crate::events::ChangeSet;
use crate::home;
use crate::sessions::CredentialEffect;

impl Accounts {
    /// `user.delete`: returns the id.
    pub async fn user_delete(&self, caller: &Caller, id: i64, options: UserDeleteOptions) -> Result<i64, Error> {
        if id > 100_000_000 {
            return Err(Error::call(
                errno::EPERM,
                "Users provided by a directory service must be deleted from the identity provider \
                 (LDAP server or domain controller).",
            ));
        }
        let caller = caller.clone();
        let home_root = self.config().home_root.clone();
        self.write_changes(move |tx, changes| {
            delete_user(tx, id, &caller, options, &home_root, changes)?;
            changes.credentials_affected(CredentialEffect::Deleted { user_id: id }, Some(&caller));
            Ok(())
        })
        .await?;
        tracing::info!(user_id = id, "user deleted");
        Ok(id)
    }
}

fn delete_user(
    tx: &Transaction<'_>,
    id: i64,
    caller: &Caller,
    options: UserDeleteOptions,
    home_root: &Path,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let user = users::get(tx, id)?.ok_or_else(|| Error::not_found(format!("User {id} does not exist")))?;
    super::guard::check_reachable(tx, caller, &user)?;
    if !authz::may_delete_user(caller, user.id) {
        return Err(Error::call(errno::EINVAL, "Cannot delete the currently active user"));
    }
    if user.builtin {
        return Err(Error::call(errno::EINVAL, "Cannot delete a built-in user"));
    }
    if user.uid == builtin::TRUENAS_ADMIN_ID {
        return Err(Error::call(errno::EINVAL, "Cannot delete an immutable user"));
    }
    let admins = password_admins(tx)?;
    if admins.iter().any(|u| u.id == id) && admins.len() == 1 {
        return Err(Error::call(
            errno::EACCES,
            no_local_administrator_left(tx, AFTER_DELETE)?,
        ));
    }
    let aux = users::aux_groups(tx, id)?;
    for key_id in api_keys::ids_of_user(tx, id)? {
        changes.api_key_removed(key_id);
    }
    users::delete(tx, id)?;
    changes.user_removed(id);
    for g in aux.iter().copied().chain([user.group_id]) {
        changes.group_members_changed(g);
    }
    if options.delete_group
        && let Some(group) = groups::get(tx, user.group_id)?
        && !group.builtin
        && groups::aux_members(tx, group.id)?.is_empty()
        && groups::primary_members(tx, group.id)?.is_empty()
    {
        // As TrueNAS (its `group.delete` refuses, and `user.delete` only logs it): a group bound to a privilege
        // stays.
        if privileges::ids_bound_to_group(tx, group.id)?.is_empty() {
            groups::delete(tx, group.id)?;
            changes.group_removed(group.id);
        } else {
            tracing::warn!(
                user_id = id,
                group_id = group.id,
                "primary group is used by a privilege: kept"
            );
        }
    }
    if crate::entry::home_is_managed(&user.home, home_root)
        && let Err(e) = home::remove_ssh_dir(home_root, Path::new(&user.home))
    {
        tracing::warn!(user_id = id, error = %e, "removing ~/.ssh failed");
    }
    Ok(())
}

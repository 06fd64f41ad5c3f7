//! `account_profile.create`, `account_profile.update`, `account_profile.delete`.

use accountd_api::types::account_profile::{AccountProfileCreate, AccountProfileEntry, AccountProfileUpdate};
use accountd_store::Transaction;
use accountd_store::account_profiles::{self, ProfileRow};

use super::not_found;
use super::rules::{check_builtin_rename, check_delete, validate};
use crate::accounts::Accounts;
use crate::args::{ACCOUNT_PROFILE_CREATE, ACCOUNT_PROFILE_UPDATE};
use crate::error::{Error, ValidationErrors};
use crate::events::ChangeSet;

fn ruleset(classes: Option<Vec<accountd_api::types::account_profile::PasswordCharClass>>) -> Option<Vec<String>> {
    classes.map(|mut c| {
        c.sort_unstable();
        c.dedup();
        c.into_iter().map(|c| c.as_str().to_string()).collect()
    })
}

fn create_in(tx: &Transaction<'_>, data: AccountProfileCreate, changes: &mut ChangeSet) -> Result<i64, Error> {
    let row = ProfileRow {
        id: 0,
        name: data.name,
        builtin: false,
        lockout_max_auth_failures: data.lockout_max_auth_failures,
        lockout_evaluation_period: data.lockout_evaluation_period,
        lockout_period: data.lockout_period,
        max_concurrent_sessions: data.max_concurrent_sessions,
        password_expiration_days: data.password_expiration_days,
        min_password_age: data.min_password_age,
        password_history_length: data.password_history_length,
        min_password_length: data.min_password_length,
        password_complexity_ruleset: ruleset(data.password_complexity_ruleset),
        check_common_passwords: data.check_common_passwords,
        expired_password_action: data.expired_password_action.as_str().to_string(),
    };
    let mut errs = ValidationErrors::new();
    validate(tx, ACCOUNT_PROFILE_CREATE, &row, None, &mut errs)?;
    errs.check()?;
    let id = account_profiles::insert(tx, &row)?;
    changes.account_profile_added(id);
    Ok(id)
}

/// The profile `old` with the fields of `data` applied.
pub(crate) fn merged(old: &ProfileRow, data: AccountProfileUpdate) -> ProfileRow {
    ProfileRow {
        id: old.id,
        name: data.name.unwrap_or_else(|| old.name.clone()),
        builtin: old.builtin,
        lockout_max_auth_failures: data.lockout_max_auth_failures.unwrap_or(old.lockout_max_auth_failures),
        lockout_evaluation_period: data.lockout_evaluation_period.unwrap_or(old.lockout_evaluation_period),
        lockout_period: data.lockout_period.unwrap_or(old.lockout_period),
        max_concurrent_sessions: data.max_concurrent_sessions.unwrap_or(old.max_concurrent_sessions),
        password_expiration_days: data.password_expiration_days.unwrap_or(old.password_expiration_days),
        min_password_age: data.min_password_age.unwrap_or(old.min_password_age),
        password_history_length: data.password_history_length.unwrap_or(old.password_history_length),
        min_password_length: data.min_password_length.unwrap_or(old.min_password_length),
        password_complexity_ruleset: match data.password_complexity_ruleset {
            Some(r) => ruleset(r),
            None => old.password_complexity_ruleset.clone(),
        },
        check_common_passwords: data.check_common_passwords.unwrap_or(old.check_common_passwords),
        expired_password_action: data
            .expired_password_action
            .map(|a| a.as_str().to_string())
            .unwrap_or_else(|| old.expired_password_action.clone()),
    }
}

/// Validates and stores `new` in place of `old` (`schema` names the argument in errors).
pub(crate) fn update_row(
    tx: &Transaction<'_>,
    schema: &str,
    old: &ProfileRow,
    new: &ProfileRow,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let mut errs = ValidationErrors::new();
    check_builtin_rename(old, &new.name, &mut errs);
    validate(tx, schema, new, Some(old.id), &mut errs)?;
    errs.check()?;
    account_profiles::update(tx, new)?;
    changes.account_profile_changed(old.id);
    Ok(())
}

fn update_in(tx: &Transaction<'_>, id: i64, data: AccountProfileUpdate, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = account_profiles::get(tx, id)?.ok_or_else(|| not_found(id))?;
    let new = merged(&old, data);
    update_row(tx, ACCOUNT_PROFILE_UPDATE, &old, &new, changes)
}

fn delete_in(tx: &Transaction<'_>, id: i64, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = account_profiles::get(tx, id)?.ok_or_else(|| not_found(id))?;
    check_delete(tx, &old)?;
    account_profiles::delete(tx, id)?;
    changes.account_profile_removed(id);
    Ok(())
}

impl Accounts {
    /// `account_profile.create`: returns the entry.
    pub async fn account_profile_create(&self, data: AccountProfileCreate) -> Result<AccountProfileEntry, Error> {
        let id = self
            .write_changes(move |tx, changes| create_in(tx, data, changes))
            .await?;
        tracing::info!(account_profile_id = id, "account profile created");
        self.account_profile_entry(id).await
    }

    /// `account_profile.update`: returns the entry.
    pub async fn account_profile_update(
        &self,
        id: i64,
        data: AccountProfileUpdate,
    ) -> Result<AccountProfileEntry, Error> {
        self.write_changes(move |tx, changes| update_in(tx, id, data, changes))
            .await?;
        tracing::info!(account_profile_id = id, "account profile updated");
        self.account_profile_entry(id).await
    }

    /// `account_profile.delete`.
    pub async fn account_profile_delete(&self, id: i64) -> Result<bool, Error> {
        self.write_changes(move |tx, changes| delete_in(tx, id, changes))
            .await?;
        tracing::info!(account_profile_id = id, "account profile deleted");
        Ok(true)
    }
}

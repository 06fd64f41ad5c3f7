//! `api_key.create`, `api_key.update`, `api_key.delete`.

use accountd_api::types::api_key::{ApiKeyCreate, ApiKeyUpdate, ApiKeyUpdated, ApiKeyWithKey};
use accountd_store::api_keys::{self, ApiKeyRow};
use accountd_store::{Connection, StoreError, Transaction, users};

use super::secret::new_secret;
use super::{ApiKeyEntry, not_found};
use crate::accounts::Accounts;
use crate::args::{API_KEY_CREATE, API_KEY_UPDATE};
use crate::authz;
use crate::caller::Caller;
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;
use crate::sessions::CredentialEffect;

/// The refusal of [`authz::may_manage_api_keys_of`] (TrueNAS `api_key_privilege_check`).
fn check_owner(caller: &Caller, owner: Option<&str>) -> Result<(), Error> {
    if authz::may_manage_api_keys_of(caller, owner) {
        return Ok(());
    }
    Err(Error::call(
        errno::EACCES,
        format!(
            "{}: authenticated user lacks privileges to create or modify API keys of other users.",
            caller.username
        ),
    ))
}

/// Expiry as stored: whole seconds, as TrueNAS keeps it.
fn whole_seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

/// TrueNAS `_validate`: unique name, expiry not in the past (attribute: the schema name alone).
fn check_key(
    conn: &Connection,
    schema: &str,
    name: &str,
    expires_at: Option<i64>,
    id: Option<i64>,
    now_ms: i64,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    if api_keys::by_name(conn, name)?.is_some_and(|k| Some(k.id) != id) {
        errs.add(schema, "name must be unique");
    }
    if expires_at.is_some_and(|e| now_ms > e) {
        errs.add(schema, "Expiration date is in the past");
    }
    Ok(())
}

/// The owner for a new key: its id, if the user exists and holds a role; otherwise the TrueNAS message.
fn check_owner_user(conn: &Connection, username: &str, errs: &mut ValidationErrors) -> Result<Option<i64>, StoreError> {
    let Some(row) = users::by_username(conn, username)? else {
        errs.add(API_KEY_CREATE, "User does not exist.");
        return Ok(None);
    };
    if crate::entry::role_names_of_user(conn, &row)?.is_empty() {
        errs.add(API_KEY_CREATE, "User lacks privilege role membership.");
        return Ok(None);
    }
    Ok(Some(row.id))
}

fn create_in(
    tx: &Transaction<'_>,
    data: &ApiKeyCreate,
    mut row: ApiKeyRow,
    changes: &mut ChangeSet,
) -> Result<i64, Error> {
    let mut errs = ValidationErrors::new();
    check_key(
        tx,
        API_KEY_CREATE,
        &data.name,
        row.expires_at,
        None,
        row.created_at,
        &mut errs,
    )?;
    let owner = check_owner_user(tx, &data.username, &mut errs)?;
    errs.check()?;
    let Some(user_id) = owner else {
        return Err(Error::internal("key owner vanished"));
    };
    row.user_id = user_id;
    let id = api_keys::insert(tx, &row)?;
    changes.api_key_added(id);
    changes.user_changed(user_id);
    Ok(id)
}

impl Accounts {
    /// `api_key.create`: returns the entry with the key, which is not shown again.
    pub async fn api_key_create(&self, caller: &Caller, data: ApiKeyCreate) -> Result<ApiKeyWithKey, Error> {
        check_owner(caller, Some(&data.username))?;
        if let Some(refusal) = authz::creation_refusal(caller) {
            return Err(refusal);
        }
        let now = self.now_ms();
        let expires_at = data.expires_at.map(|t| t.ms);
        // Validate before paying for the hash; the transaction checks again.
        let probe = data.clone();
        self.store()
            .read(move |conn| {
                let mut errs = ValidationErrors::new();
                check_key(conn, API_KEY_CREATE, &probe.name, expires_at, None, now, &mut errs)?;
                check_owner_user(conn, &probe.username, &mut errs)?;
                Ok::<_, Error>(errs)
            })
            .await?
            .check()?;
        let secret = new_secret();
        let row = ApiKeyRow {
            id: 0,
            name: data.name.clone(),
            user_id: 0,
            key_hash: self.inner.hasher.hash(secret.clone()).await?,
            created_at: now,
            expires_at: expires_at.map(whole_seconds),
            revoked: false,
            revoked_reason: None,
        };
        let id = self
            .write_changes(move |tx, changes| create_in(tx, &data, row, changes))
            .await?;
        tracing::info!(api_key_id = id, "API key created");
        let entry = self.api_key_entry(id).await?.ok_or_else(|| not_found(id))?;
        Ok(ApiKeyWithKey {
            entry,
            key: format!("{id}-{secret}"),
        })
    }

    /// `api_key.update`: with `reset`, a new key replaces the old one (and clears a revocation) and is returned.
    pub async fn api_key_update(&self, caller: &Caller, id: i64, data: ApiKeyUpdate) -> Result<ApiKeyUpdated, Error> {
        // TrueNAS looks the key up with `query(..., {"get": true})`: an unknown id is MatchNotFound.
        let old: ApiKeyEntry = self
            .api_key_entry(id)
            .await?
            .ok_or_else(crate::querying::match_not_found)?;
        check_owner(caller, old.username.as_deref())?;
        let now = self.now_ms();
        let secret = if data.reset == Some(true) {
            let secret = new_secret();
            let hash = self.inner.hasher.hash(secret.clone()).await?;
            Some((secret, hash))
        } else {
            None
        };
        let hash = secret.as_ref().map(|(_, h)| h.clone());
        let caller = caller.clone();
        self.write_changes(move |tx, changes| {
            let mut row = api_keys::get(tx, id)?.ok_or_else(crate::querying::match_not_found)?;
            if let Some(name) = &data.name {
                row.name = name.clone();
            }
            let expires_at = match data.expires_at {
                Some(e) => e.map(|t| t.ms),
                None => row.expires_at,
            };
            let mut errs = ValidationErrors::new();
            check_key(tx, API_KEY_UPDATE, &row.name, expires_at, Some(id), now, &mut errs)?;
            errs.check()?;
            let expires_at = expires_at.map(whole_seconds);
            if expires_at != row.expires_at {
                let effect = CredentialEffect::ApiKeyExpiryChanged {
                    key_id: id,
                    expires_at_ms: expires_at,
                };
                changes.credentials_affected(effect, Some(&caller));
            }
            row.expires_at = expires_at;
            if let Some(hash) = hash {
                row.key_hash = hash;
                row.revoked = false;
                row.revoked_reason = None;
                changes.credentials_affected(CredentialEffect::ApiKeyRevoked { key_id: id }, Some(&caller));
            }
            api_keys::update(tx, &row)?;
            changes.api_key_changed(id);
            Ok(())
        })
        .await?;
        tracing::info!(api_key_id = id, reset = secret.is_some(), "API key updated");
        let entry = self.api_key_entry(id).await?.ok_or_else(|| not_found(id))?;
        Ok(ApiKeyUpdated {
            entry,
            key: secret.map(|(s, _)| format!("{id}-{s}")),
        })
    }

    /// `api_key.delete`.
    pub async fn api_key_delete(&self, caller: &Caller, id: i64) -> Result<bool, Error> {
        let old = self.api_key_entry(id).await?.ok_or_else(|| not_found(id))?;
        check_owner(caller, old.username.as_deref())?;
        let caller = caller.clone();
        self.write_changes(move |tx, changes| {
            let row = api_keys::get(tx, id)?.ok_or_else(|| not_found(id))?;
            api_keys::delete(tx, id)?;
            changes.api_key_removed(id);
            changes.credentials_affected(CredentialEffect::ApiKeyRevoked { key_id: id }, Some(&caller));
            changes.user_changed(row.user_id);
            Ok(())
        })
        .await?;
        tracing::info!(api_key_id = id, "API key deleted");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    #[test]
    fn others_keys_are_refused_in_truenas_words() {
        assert!(check_owner(&caller_with(&[]), Some("bob")).is_ok());
        let err = check_owner(&caller_with(&[]), Some("root")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "[EACCES] bob: authenticated user lacks privileges to create or modify API keys of other users."
        );
    }

    #[test]
    fn expiry_keeps_whole_seconds() {
        assert_eq!(whole_seconds(1_798_761_600_999), 1_798_761_600_000);
        assert_eq!(whole_seconds(1_000), 1_000);
        assert_eq!(whole_seconds(-1), -1_000);
    }
}

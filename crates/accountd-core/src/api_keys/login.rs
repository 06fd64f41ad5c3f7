//! Logging in with an API key (`API_KEY_PLAIN`, `auth.login_with_api_key`).

use accountd_store::api_keys::{self, ApiKeyRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, StoreError};

use super::secret::parse_key;
use crate::accounts::Accounts;
use crate::auth::LoginOutcome;
use crate::authz::Grant;
use crate::caller::Caller;
use crate::error::Error;
use crate::sessions::CredentialEffect;

/// Why TrueNAS revokes a key used in the clear.
pub const INSECURE_TRANSPORT_REASON: &str = "Attempt to use over an insecure transport";

/// The user named `username` with its grants, and the key with `key_id` if it belongs to that user.
type Found = (Option<(UserRow, Option<Vec<Grant>>)>, Option<ApiKeyRow>);

fn lookup(conn: &Connection, username: &str, key_id: Option<i64>) -> Result<Found, StoreError> {
    let Some(user) = users::by_username(conn, username)? else {
        return Ok((None, None));
    };
    let grants = crate::entry::session_grants(conn, &user)?;
    let key = match key_id {
        Some(id) => api_keys::get(conn, id)?.filter(|k| k.user_id == user.id),
        None => None,
    };
    Ok((Some((user, grants)), key))
}

impl Accounts {
    /// Checks an API key of `username`. The secret is always verified against a hash (a dummy one for unknown
    /// users and keys), and every failure waits the configured delay. A wrong or revoked key, a key of another
    /// user and a locked owner are `AuthErr`; a right key past its expiry is `Expired`. A right key used over
    /// an insecure transport (`secure_transport` false: not loopback and not TLS) is revoked on the spot, as
    /// TrueNAS does, and answered `Expired`.
    pub async fn login_api_key(
        &self,
        username: &str,
        key: &str,
        secure_transport: bool,
    ) -> Result<LoginOutcome, Error> {
        let parsed = parse_key(key);
        let name = username.to_string();
        let key_id = parsed.map(|(id, _)| id);
        let (user, row) = self.store().read(move |conn| lookup(conn, &name, key_id)).await?;
        let secret = parsed.map(|(_, s)| s.to_string()).unwrap_or_default();
        let valid = self
            .inner
            .hasher
            .verify(secret, row.as_ref().map(|r| r.key_hash.clone()))
            .await;
        let outcome = match (user, row) {
            (Some((user, grants)), Some(row)) if valid => self.judge(user, grants, row, secure_transport).await?,
            _ => LoginOutcome::AuthErr,
        };
        match &outcome {
            LoginOutcome::Success(c) => tracing::info!(user_id = c.user_id, "API key login succeeded"),
            other => {
                tracing::info!(outcome = ?other, "API key login failed");
                crate::auth::wait_failure_delay(self.config().login_failure_delay).await;
            }
        }
        Ok(outcome)
    }

    /// The outcome for a key whose secret matched.
    async fn judge(
        &self,
        user: UserRow,
        grants: Option<Vec<Grant>>,
        row: ApiKeyRow,
        secure_transport: bool,
    ) -> Result<LoginOutcome, Error> {
        if row.revoked || user.locked {
            return Ok(LoginOutcome::AuthErr);
        }
        if row.expires_at.is_some_and(|e| self.now_ms() >= e) {
            return Ok(LoginOutcome::Expired);
        }
        if !secure_transport {
            let id = row.id;
            tracing::warn!(api_key_id = id, "API key used over an insecure transport: revoking it");
            self.write_changes(move |tx, changes| {
                if let Some(mut row) = api_keys::get(tx, id)? {
                    row.revoked = true;
                    row.revoked_reason = Some(INSECURE_TRANSPORT_REASON.to_string());
                    api_keys::update(tx, &row)?;
                    changes.api_key_changed(id);
                    changes.credentials_affected(CredentialEffect::ApiKeyRevoked { key_id: id }, None);
                }
                Ok(())
            })
            .await?;
            return Ok(LoginOutcome::Expired);
        }
        let Some(grants) = grants else {
            return Ok(LoginOutcome::Denied);
        };
        Ok(LoginOutcome::Success(Caller {
            user_id: user.id,
            username: user.username,
            grants,
            session_id: None,
            tenant: crate::authz::SessionTenant::default(),
            password_change_required: false,
            onetime_password: false,
            self_service_only: false,
        }))
    }

    /// The owner of the key `<id>-...` (`auth.login_with_api_key` logs in as them), if the key exists.
    pub async fn api_key_owner(&self, key: &str) -> Result<Option<String>, Error> {
        let Some((id, _)) = parse_key(key) else {
            return Ok(None);
        };
        Ok(self
            .store()
            .read(move |conn| api_keys::with_owner(conn, "id = ?1", &[&id]))
            .await?
            .pop()
            .and_then(|(_, owner)| owner))
    }
}

#[cfg(test)]
mod tests {
    use accountd_api::types::api_key::ApiKeyCreate;

    use super::*;
    use crate::fixture::Fixture;

    #[tokio::test]
    async fn keys_used_over_an_insecure_transport_are_revoked() {
        let f = Fixture::new().await;
        let (a, clock) = (&f.accounts, &f.clock);
        let admin = f.admin().await;
        let data = |name: &str, expires_at| ApiKeyCreate {
            name: name.into(),
            username: "truenas_admin".into(),
            expires_at,
        };
        let key = a.api_key_create(&admin, data("k", None)).await.unwrap().key;
        let outcome = a.login_api_key("truenas_admin", &key, true).await.unwrap();
        assert!(
            matches!(outcome, LoginOutcome::Success(ref c) if c.user_id == admin.user_id),
            "{outcome:?}"
        );

        assert_eq!(
            a.login_api_key("truenas_admin", &key, false).await.unwrap(),
            LoginOutcome::Expired
        );
        let entry = a.api_key_entry(1).await.unwrap().unwrap();
        assert!(entry.revoked);
        assert_eq!(entry.revoked_reason.as_deref(), Some(INSECURE_TRANSPORT_REASON));
        // Revoked: not even a secure transport logs in with it any more.
        assert_eq!(
            a.login_api_key("truenas_admin", &key, true).await.unwrap(),
            LoginOutcome::AuthErr
        );

        // A wrong key over an insecure transport revokes nothing.
        let other = a.api_key_create(&admin, data("other", None)).await.unwrap();
        let wrong = format!("{}-{}", other.entry.id, "x".repeat(64));
        assert_eq!(
            a.login_api_key("truenas_admin", &wrong, false).await.unwrap(),
            LoginOutcome::AuthErr
        );
        assert!(!a.api_key_entry(other.entry.id).await.unwrap().unwrap().revoked);

        // Expiry is judged on the injected clock.
        let timestamp = accountd_api::types::common::Timestamp {
            ms: a.now_ms() + 10_000,
        };
        let short = a
            .api_key_create(&admin, data("short", Some(timestamp)))
            .await
            .unwrap()
            .key;
        assert!(matches!(
            a.login_api_key("truenas_admin", &short, true).await.unwrap(),
            LoginOutcome::Success(_)
        ));
        clock.advance_ms(10_000);
        assert_eq!(
            a.login_api_key("truenas_admin", &short, true).await.unwrap(),
            LoginOutcome::Expired
        );
    }
}

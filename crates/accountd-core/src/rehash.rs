//! Stored password hashes follow the current argon2 cost: a successful login replaces a hash made with other
//! parameters, and unknown users are verified against a dummy hash of the typical stored cost, so that neither
//! an old hash nor a missing one stands out by its timing.

use accountd_store::users::{self, UserRow};

use crate::accounts::Accounts;
use crate::error::Error;
use crate::password::cost;

impl Accounts {
    /// Readies logins (once; later calls return at once): loads the lockout state and makes the dummy hash of
    /// unknown users with the typical cost of the stored hashes. Logins call it; the service calls it at
    /// start so the first login does not wait.
    pub async fn prepare_logins(&self) -> Result<(), Error> {
        self.lockout().await?;
        self.inner
            .dummy_cost
            .get_or_try_init(|| async {
                let hashes = self.store().read(users::password_hashes).await?;
                let typical = cost::typical_params(hashes.iter().map(String::as_str));
                if let Some(params) = typical.filter(|p| *p != self.inner.hasher.params()) {
                    tracing::info!(
                        ?params,
                        "unknown users are verified at the typical cost of the stored hashes"
                    );
                    self.inner.hasher.set_dummy_cost(params).await?;
                }
                Ok::<_, Error>(())
            })
            .await?;
        Ok(())
    }

    /// After `password` was verified against `row`'s hash: replaces a hash made with other parameters than the
    /// current ones (hashed on the hashing threads). A failure is logged; the login goes on.
    pub(crate) async fn rehash_if_outdated(&self, row: &UserRow, password: &str) {
        if !cost::needs_rehash(&row.unixhash, self.inner.hasher.params()) {
            return;
        }
        let fresh = match self.inner.hasher.hash(password.to_string()).await {
            Ok(h) => h,
            Err(e) => {
                tracing::warn!(user_id = row.id, error = %e, "rehashing a password failed");
                return;
            }
        };
        let (id, old) = (row.id, row.unixhash.clone());
        let replaced = self
            .write_changes(move |tx, changes| {
                let replaced = users::replace_password_hash(tx, id, &old, &fresh)?;
                if replaced {
                    changes.user_changed(id);
                }
                Ok::<_, Error>(replaced)
            })
            .await;
        match replaced {
            Ok(true) => tracing::info!(user_id = id, "password rehashed with the current parameters"),
            Ok(false) => {}
            Err(e) => tracing::warn!(user_id = id, error = %e, "storing a rehashed password failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use accountd_store::{Store, StoreError, StoreOptions};

    use super::*;
    use crate::clock::ManualClock;
    use crate::config::Config;
    use crate::password::{Argon2Params, PasswordHasher};

    const CURRENT: Argon2Params = Argon2Params { m_kib: 64, t: 1, p: 1 };
    const STORED: Argon2Params = Argon2Params { m_kib: 256, t: 2, p: 1 };

    #[tokio::test]
    async fn unknown_users_cost_what_the_typical_stored_hash_costs() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let older = PasswordHasher::new(STORED, 1).unwrap();
        let hashes = [
            older.hash("a".into()).await.unwrap(),
            older.hash("b".into()).await.unwrap(),
        ];
        store
            .write(move |tx| {
                // The seeded root (1) and nobody (2) have no password yet.
                for (id, hash) in [(1, &hashes[0]), (2, &hashes[1])] {
                    assert!(users::replace_password_hash(tx, id, "*", hash)?);
                }
                Ok::<_, StoreError>(())
            })
            .await
            .unwrap();
        let hasher = PasswordHasher::new(CURRENT, 1).unwrap();
        assert_eq!(hasher.dummy_params(), Some(CURRENT));
        let accounts = Accounts::new(
            store,
            hasher.clone(),
            Config::new(dir.path()),
            Arc::new(ManualClock::new(0)),
        );
        accounts.prepare_logins().await.unwrap();
        assert_eq!(hasher.dummy_params(), Some(STORED));
        assert!(!hasher.verify_blocking("a", None), "the dummy still verifies nothing");
    }
}

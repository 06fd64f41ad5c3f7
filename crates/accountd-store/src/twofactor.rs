//! The `twofactor` table: each user's TOTP secret, its parameters and the last accepted time step; and the
//! `twofactor_recovery_codes` table: the digests of each user's unused recovery codes.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// One user's two-factor row.
#[derive(Clone, PartialEq, Eq)]
pub struct TwoFactorRow {
    /// Base32 TOTP secret, `None` when not configured.
    pub secret: Option<String>,
    /// Digits per code (6..8).
    pub otp_digits: i64,
    /// Seconds per time step.
    pub interval: i64,
    /// The last time step accepted for a login (a step is accepted once).
    pub last_step: Option<i64>,
    /// How many unused recovery codes the user has.
    pub recovery_codes: i64,
}

impl std::fmt::Debug for TwoFactorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("TwoFactorRow")
            .field("secret_configured", &self.secret.is_some())
            .field("otp_digits", &self.otp_digits)
            .field("interval", &self.interval)
            .field("last_step", &self.last_step)
            .field("recovery_codes", &self.recovery_codes)
            .finish()
    }
}

/// The user's row, if any.
pub fn get(conn: &Connection, user_id: i64) -> Result<Option<TwoFactorRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT unseal(secret, 'twofactor.secret'), otp_digits, interval, last_step, \
             (SELECT COUNT(*) FROM twofactor_recovery_codes c WHERE c.user_id = twofactor.user_id) \
             FROM twofactor WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(TwoFactorRow {
                    secret: r.get(0)?,
                    otp_digits: r.get(1)?,
                    interval: r.get(2)?,
                    last_step: r.get(3)?,
                    recovery_codes: r.get(4)?,
                })
            },
        )
        .optional()?)
}

/// True when the user has a configured secret (one lookup by primary key).
pub fn is_configured(conn: &Connection, user_id: i64) -> Result<bool, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT secret IS NOT NULL FROM twofactor WHERE user_id = ?1")?;
    Ok(stmt.query_row([user_id], |r| r.get(0)).optional()?.unwrap_or(false))
}

/// Stores a new secret (or clears it with `None`) with its parameters; forgets the last accepted step.
pub fn set_secret(
    conn: &Connection,
    user_id: i64,
    secret: Option<&str>,
    otp_digits: i64,
    interval: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO twofactor (user_id, secret, otp_digits, interval, last_step) VALUES (?1, seal(?2, 'twofactor.secret'), ?3, ?4, NULL) \
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, otp_digits = excluded.otp_digits, \
         interval = excluded.interval, last_step = NULL",
        params![user_id, secret, otp_digits, interval],
    )?;
    Ok(())
}

/// Records `step` as used when it is later than the last accepted one; false when it is not (a replay).
/// Atomic, so two logins racing with the same code cannot both succeed.
pub fn advance_step(conn: &Connection, user_id: i64, step: i64) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE twofactor SET last_step = ?2 WHERE user_id = ?1 AND secret IS NOT NULL \
         AND (last_step IS NULL OR last_step < ?2)",
        params![user_id, step],
    )?;
    Ok(changed == 1)
}

/// Replaces the user's recovery codes with the given digests (hex SHA-256 of each normalized code).
pub fn replace_recovery_codes(conn: &Connection, user_id: i64, digests: &[String]) -> Result<(), StoreError> {
    clear_recovery_codes(conn, user_id)?;
    let mut stmt = conn.prepare_cached("INSERT INTO twofactor_recovery_codes (user_id, digest) VALUES (?1, ?2)")?;
    for digest in digests {
        stmt.execute(params![user_id, digest])?;
    }
    Ok(())
}

/// Removes every recovery code of the user.
pub fn clear_recovery_codes(conn: &Connection, user_id: i64) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM twofactor_recovery_codes WHERE user_id = ?1")?
        .execute([user_id])?;
    Ok(())
}

/// Uses up the recovery code with `digest` of a user who still has a TOTP secret: true when it was there (it
/// is gone now). Atomic, so two logins racing with the same code cannot both succeed.
pub fn use_recovery_code(conn: &Connection, user_id: i64, digest: &str) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "DELETE FROM twofactor_recovery_codes WHERE user_id = ?1 AND digest = ?2 \
             AND EXISTS (SELECT 1 FROM twofactor t WHERE t.user_id = ?1 AND t.secret IS NOT NULL)",
        )?
        .execute(params![user_id, digest])?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    #[tokio::test]
    async fn recovery_codes_are_used_once_and_only_with_a_secret() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let digests: Vec<String> = (0..3).map(|i| format!("d{i}")).collect();
        store
            .write(move |tx| {
                set_secret(tx, 1, Some("JBSWY3DPEHPK3PXP"), 6, 30)?;
                replace_recovery_codes(tx, 1, &digests)
            })
            .await
            .unwrap();
        assert_eq!(store.read(|c| get(c, 1)).await.unwrap().unwrap().recovery_codes, 3);
        assert!(store.write(|tx| use_recovery_code(tx, 1, "d1")).await.unwrap());
        assert!(!store.write(|tx| use_recovery_code(tx, 1, "d1")).await.unwrap());
        assert!(!store.write(|tx| use_recovery_code(tx, 1, "other")).await.unwrap());
        assert_eq!(store.read(|c| get(c, 1)).await.unwrap().unwrap().recovery_codes, 2);
        // Without a secret the codes do nothing.
        store.write(|tx| set_secret(tx, 1, None, 6, 30)).await.unwrap();
        assert!(!store.write(|tx| use_recovery_code(tx, 1, "d2")).await.unwrap());
        store.write(|tx| clear_recovery_codes(tx, 1)).await.unwrap();
        assert_eq!(store.read(|c| get(c, 1)).await.unwrap().unwrap().recovery_codes, 0);
    }
}

//! The `twofactor` table: each user's TOTP secret, its parameters and the last accepted time step.

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
}

impl std::fmt::Debug for TwoFactorRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("TwoFactorRow")
            .field("secret_configured", &self.secret.is_some())
            .field("otp_digits", &self.otp_digits)
            .field("interval", &self.interval)
            .field("last_step", &self.last_step)
            .finish()
    }
}

/// The user's row, if any.
pub fn get(conn: &Connection, user_id: i64) -> Result<Option<TwoFactorRow>, StoreError> {
    Ok(conn
        .query_row(
            "SELECT unseal(secret, 'twofactor.secret'), otp_digits, interval, last_step FROM twofactor WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(TwoFactorRow {
                    secret: r.get(0)?,
                    otp_digits: r.get(1)?,
                    interval: r.get(2)?,
                    last_step: r.get(3)?,
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

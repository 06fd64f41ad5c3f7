//! Pending password reset tokens (`password_reset_tokens`): at most one per user, kept only as the SHA-256 digest
//! (hex) of the token that was mailed.

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::StoreError;

/// A pending reset token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetTokenRow {
    /// The user it resets.
    pub user_id: i64,
    /// When it was made (ms since the epoch).
    pub created_ms: i64,
    /// When it stops working (ms since the epoch).
    pub expires_ms: i64,
}

/// Stores the token with this digest as the user's only one (an older token of the user is replaced).
pub fn replace(
    conn: &Connection,
    user_id: i64,
    digest: &str,
    created_ms: i64,
    expires_ms: i64,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO password_reset_tokens (user_id, digest, created_ms, expires_ms) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (user_id) DO UPDATE SET digest = excluded.digest, created_ms = excluded.created_ms, \
         expires_ms = excluded.expires_ms",
        params![user_id, digest, created_ms, expires_ms],
    )?;
    Ok(())
}

/// A token's row from `SELECT user_id, created_ms, expires_ms`.
fn token_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ResetTokenRow> {
    Ok(ResetTokenRow {
        user_id: r.get(0)?,
        created_ms: r.get(1)?,
        expires_ms: r.get(2)?,
    })
}

/// Removes and returns the token with this digest (a token is used once).
pub fn take(conn: &Connection, digest: &str) -> Result<Option<ResetTokenRow>, StoreError> {
    Ok(conn
        .prepare_cached(
            "DELETE FROM password_reset_tokens WHERE digest = ?1 RETURNING user_id, created_ms, expires_ms",
        )?
        .query_row([digest], token_row)
        .optional()?)
}

/// Cancels the user's pending token; true when there was one.
pub fn cancel(conn: &Connection, user_id: i64) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM password_reset_tokens WHERE user_id = ?1")?
        .execute([user_id])?
        > 0)
}

/// Removes the tokens that expired before `now_ms`; returns how many.
pub fn prune_expired(conn: &Connection, now_ms: i64) -> Result<usize, StoreError> {
    Ok(conn
        .prepare_cached("DELETE FROM password_reset_tokens WHERE expires_ms <= ?1")?
        .execute([now_ms])?)
}

/// The token with this digest, if any (left in place).
pub fn by_digest(conn: &Connection, digest: &str) -> Result<Option<ResetTokenRow>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT user_id, created_ms, expires_ms FROM password_reset_tokens WHERE digest = ?1")?
        .query_row([digest], token_row)
        .optional()?)
}

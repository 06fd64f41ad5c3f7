//! Key/value settings.

use rusqlite::{Connection, OptionalExtension};

use crate::error::StoreError;

/// Reads a setting.
pub fn get(conn: &Connection, key: &str) -> Result<Option<String>, StoreError> {
    // Cached: every entry assembly reads the server SID.
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Writes a setting.
pub fn set(conn: &Connection, key: &str, value: &str) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

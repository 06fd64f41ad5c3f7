//! Versioned schema migrations (SQLite `user_version`) and first-start seeding.

use rusqlite::{Connection, OptionalExtension};
use rusqlite_migration::{M, Migrations};

use crate::error::StoreError;

/// The newest schema version.
pub const LATEST: usize = 12;

/// The migrations, oldest first. Never edit a released one; add a new one (and bump [`LATEST`]).
pub fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(include_str!("0001_initial.sql")),
        M::up(include_str!("0002_credentials.sql")),
        M::up(include_str!("0003_builtin_accounts.sql")),
        M::up(include_str!("0004_lockout.sql")),
        M::up(include_str!("0005_account_profiles.sql")),
        M::up(include_str!("0006_profile_fields.sql")),
        M::up(include_str!("0007_webshare_group.sql")),
        M::up(include_str!("0008_auth_sources.sql")),
        M::up(include_str!("0009_login_activity.sql")),
        M::up(include_str!("0010_recovery_codes.sql")),
        M::up(include_str!("0011_mail_and_password_reset.sql")),
        M::up(include_str!("0012_tenants.sql")),
    ])
}

/// Brings the database to the newest schema version.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrations()
        .to_latest(conn)
        .map_err(|e| StoreError::Migration(e.to_string()))
}

/// Fills in values that are random per installation (the server SID) on first start.
pub fn seed(conn: &mut Connection) -> Result<(), StoreError> {
    let existing: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = 'server_sid'", [], |r| r.get(0))
        .optional()?;
    if existing.is_none() {
        let sid = random_domain_sid()?;
        conn.execute("INSERT INTO settings (key, value) VALUES ('server_sid', ?1)", [sid])?;
    }
    Ok(())
}

fn random_domain_sid() -> Result<String, StoreError> {
    let mut bytes = [0u8; 12];
    getrandom(&mut bytes)?;
    let part = |i: usize| u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Ok(format!("S-1-5-21-{}-{}-{}", part(0), part(4), part(8)))
}

fn getrandom(buf: &mut [u8]) -> Result<(), StoreError> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| StoreError::Sqlite(format!("reading /dev/urandom: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        assert!(migrations().validate().is_ok());
    }
}

//! The `account_profiles` table: named account policies (lockout, sessions, password rules, expiry).

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};

use crate::error::StoreError;

/// One stored account profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRow {
    /// Database id (0 when not yet inserted).
    pub id: i64,
    /// Unique name (case-insensitive).
    pub name: String,
    /// Created by the schema; cannot be renamed or deleted.
    pub builtin: bool,
    /// Failures within the window that lock the account (0: never).
    pub lockout_max_auth_failures: i64,
    /// The window, in seconds (0: failures never expire).
    pub lockout_evaluation_period: i64,
    /// How long a lock lasts, in seconds.
    pub lockout_period: i64,
    /// Open sessions one user may hold (0: unlimited).
    pub max_concurrent_sessions: i64,
    /// Days after which a password has expired.
    pub password_expiration_days: Option<i64>,
    /// Days before a user may change their own password again.
    pub min_password_age: Option<i64>,
    /// Previous passwords a new one may not equal.
    pub password_history_length: Option<i64>,
    /// Minimum password length.
    pub min_password_length: Option<i64>,
    /// Character classes a password must contain.
    pub password_complexity_ruleset: Option<Vec<String>>,
    /// Refuse common passwords.
    pub check_common_passwords: bool,
    /// `RESTRICT` or `DENY`.
    pub expired_password_action: String,
}

const COLUMNS: &str = "id, name, builtin, lockout_max_auth_failures, lockout_evaluation_period, lockout_period, \
    max_concurrent_sessions, password_expiration_days, min_password_age, password_history_length, \
    min_password_length, password_complexity_ruleset, check_common_passwords, expired_password_action";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ProfileRow> {
    let ruleset: Option<String> = r.get(11)?;
    Ok(ProfileRow {
        id: r.get(0)?,
        name: r.get(1)?,
        builtin: r.get(2)?,
        lockout_max_auth_failures: r.get(3)?,
        lockout_evaluation_period: r.get(4)?,
        lockout_period: r.get(5)?,
        max_concurrent_sessions: r.get(6)?,
        password_expiration_days: r.get(7)?,
        min_password_age: r.get(8)?,
        password_history_length: r.get(9)?,
        min_password_length: r.get(10)?,
        password_complexity_ruleset: ruleset.and_then(|t| serde_json::from_str(&t).ok()),
        check_common_passwords: r.get(12)?,
        expired_password_action: r.get(13)?,
    })
}

/// Every profile, by id.
pub fn all(conn: &Connection) -> Result<Vec<ProfileRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM account_profiles ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// `password_expiration_days` of every profile that has one, by profile id.
pub fn expiration_days(conn: &Connection) -> Result<std::collections::HashMap<i64, i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, password_expiration_days FROM account_profiles WHERE password_expiration_days IS NOT NULL",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// The profile with this id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<ProfileRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM account_profiles WHERE id = ?1"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// The id of the profile named `name` (compared case-insensitively).
pub fn id_by_name(conn: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM account_profiles WHERE name = ?1 COLLATE NOCASE")?;
    Ok(stmt.query_row([name], |r| r.get(0)).optional()?)
}

fn ruleset_text(row: &ProfileRow) -> Option<String> {
    row.password_complexity_ruleset
        .as_ref()
        .and_then(|r| serde_json::to_string(r).ok())
}

/// Every column but `id` and `builtin`, in the order of `?1`..`?12` in [`insert`] and [`update`]; `ruleset` is
/// the row's stored complexity ruleset ([`ruleset_text`]).
fn policy_params<'a>(row: &'a ProfileRow, ruleset: &'a Option<String>) -> [&'a dyn ToSql; 12] {
    [
        &row.name,
        &row.lockout_max_auth_failures,
        &row.lockout_evaluation_period,
        &row.lockout_period,
        &row.max_concurrent_sessions,
        &row.password_expiration_days,
        &row.min_password_age,
        &row.password_history_length,
        &row.min_password_length,
        ruleset,
        &row.check_common_passwords,
        &row.expired_password_action,
    ]
}

/// Inserts a profile (ignoring `row.id`) and returns its id.
pub fn insert(conn: &Connection, row: &ProfileRow) -> Result<i64, StoreError> {
    let ruleset = ruleset_text(row);
    let mut values = policy_params(row, &ruleset).to_vec();
    values.push(&row.builtin);
    conn.prepare_cached(
        "INSERT INTO account_profiles (name, lockout_max_auth_failures, lockout_evaluation_period, lockout_period, \
         max_concurrent_sessions, password_expiration_days, min_password_age, password_history_length, \
         min_password_length, password_complexity_ruleset, check_common_passwords, expired_password_action, builtin) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(&values[..])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces every column but `id` and `builtin` of an existing profile.
pub fn update(conn: &Connection, row: &ProfileRow) -> Result<(), StoreError> {
    let ruleset = ruleset_text(row);
    let mut values = policy_params(row, &ruleset).to_vec();
    values.push(&row.id);
    conn.prepare_cached(
        "UPDATE account_profiles SET name = ?1, lockout_max_auth_failures = ?2, lockout_evaluation_period = ?3, \
         lockout_period = ?4, max_concurrent_sessions = ?5, password_expiration_days = ?6, min_password_age = ?7, \
         password_history_length = ?8, min_password_length = ?9, password_complexity_ruleset = ?10, \
         check_common_passwords = ?11, expired_password_action = ?12 WHERE id = ?13",
    )?
    .execute(&values[..])?;
    Ok(())
}

/// Deletes a profile.
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM account_profiles WHERE id = ?1", [id])?;
    Ok(())
}

/// How many users point at the profile.
pub fn users_of(conn: &Connection, id: i64) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT count(*) FROM users WHERE account_profile = ?1")?;
    Ok(stmt.query_row(params![id], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    #[tokio::test]
    async fn builtin_profiles_and_a_write_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let rows = store.read(all).await.unwrap();
        let names: Vec<_> = rows.iter().map(|r| (r.id, r.name.as_str(), r.builtin)).collect();
        assert_eq!(
            names,
            [(1, "Default", true), (2, "No-Lockout", true), (3, "Hardened", true)]
        );
        assert_eq!(rows[0].lockout_max_auth_failures, 10);
        assert_eq!(rows[1].lockout_max_auth_failures, 0);
        assert_eq!(
            (
                rows[2].min_password_length,
                rows[2].password_history_length,
                rows[2].max_concurrent_sessions
            ),
            (Some(12), Some(5), 10)
        );
        let mut row = ProfileRow {
            id: 0,
            name: "Ops".into(),
            builtin: false,
            password_complexity_ruleset: Some(vec!["UPPER".into()]),
            ..rows[0].clone()
        };
        let r = row.clone();
        let id = store.write(move |tx| insert(tx, &r)).await.unwrap();
        row.id = id;
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), Some(row.clone()));
        assert_eq!(store.read(|c| id_by_name(c, "OPS")).await.unwrap(), Some(id));
        row.min_password_age = Some(3);
        let r = row.clone();
        store.write(move |tx| update(tx, &r)).await.unwrap();
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), Some(row));
        assert!(store.read(|c| users_of(c, 1)).await.unwrap() > 0);
        store.write(move |tx| delete(tx, id)).await.unwrap();
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), None);
    }
}

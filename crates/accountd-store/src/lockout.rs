//! The `login_failures` and `login_origins` tables: what the login lockout keeps across restarts.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use crate::error::StoreError;

/// One failure counter of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FailureRow {
    /// The account.
    pub user_id: i64,
    /// True for the counter of the account's known origins.
    pub known: bool,
    /// Times of the recent failures (ms since the epoch), oldest first.
    pub failures: Vec<i64>,
    /// Logins on this counter are refused until then.
    pub locked_until: Option<i64>,
}

/// One known origin of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRow {
    /// The account.
    pub user_id: i64,
    /// The client address, as text.
    pub address: String,
    /// The last successful login from it (ms since the epoch).
    pub last_success: i64,
}

/// What the logins of one account left besides its counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    /// The account.
    pub user_id: i64,
    /// The last successful login (ms since the epoch).
    pub last_login: Option<i64>,
    /// Its client address, as text.
    pub last_login_ip: Option<String>,
    /// The last failed check (ms since the epoch).
    pub last_failed_login: Option<i64>,
}

/// Every account's login activity.
pub fn activity(conn: &Connection) -> Result<Vec<ActivityRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id, last_login, last_login_ip, last_failed_login FROM login_activity")?;
    let rows = stmt.query_map([], |r| {
        Ok(ActivityRow {
            user_id: r.get(0)?,
            last_login: r.get(1)?,
            last_login_ip: r.get(2)?,
            last_failed_login: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores an account's login activity (replacing it); nothing when the user no longer exists.
pub fn save_activity(conn: &Connection, row: &ActivityRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO login_activity (user_id, last_login, last_login_ip, last_failed_login) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
    )?
    .execute(params![
        row.user_id,
        row.last_login,
        row.last_login_ip,
        row.last_failed_login
    ])?;
    Ok(())
}

/// Every failure counter.
pub fn failures(conn: &Connection) -> Result<Vec<FailureRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id, known, failures, locked_until FROM login_failures")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, bool>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user_id, known, failures, locked_until) = row?;
        let failures: Vec<i64> = serde_json::from_str(&failures)
            .map_err(|e| StoreError::Corrupt(format!("login_failures of user {user_id}: {e}")))?;
        out.push(FailureRow {
            user_id,
            known,
            failures,
            locked_until,
        });
    }
    Ok(out)
}

/// Every known origin.
pub fn origins(conn: &Connection) -> Result<Vec<OriginRow>, StoreError> {
    let mut stmt = conn.prepare("SELECT user_id, address, last_success FROM login_origins")?;
    let rows = stmt.query_map([], |r| {
        Ok(OriginRow {
            user_id: r.get(0)?,
            address: r.get(1)?,
            last_success: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Stores a counter (replacing it); nothing when the user no longer exists.
pub fn save_failures(conn: &Connection, row: &FailureRow) -> Result<(), StoreError> {
    let failures = serde_json::to_string(&row.failures).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    conn.prepare_cached(
        "INSERT OR REPLACE INTO login_failures (user_id, known, failures, locked_until) \
         SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
    )?
    .execute(params![row.user_id, row.known, failures, row.locked_until])?;
    Ok(())
}

/// Removes a counter.
pub fn delete_failures(conn: &Connection, user_id: i64, known: bool) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM login_failures WHERE user_id = ?1 AND known = ?2")?
        .execute(params![user_id, known])?;
    Ok(())
}

/// Stores a known origin (replacing it); nothing when the user no longer exists.
pub fn save_origin(conn: &Connection, row: &OriginRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO login_origins (user_id, address, last_success) \
         SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM users WHERE id = ?1)",
    )?
    .execute(params![row.user_id, row.address, row.last_success])?;
    Ok(())
}

/// Removes a known origin.
pub fn delete_origin(conn: &Connection, user_id: i64, address: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM login_origins WHERE user_id = ?1 AND address = ?2")?
        .execute(params![user_id, address])?;
    Ok(())
}

/// Clears every failure counter of the user named `username` in the database file `db`, for `accountd
/// unlock` while the service is stopped (a running service keeps its counters in memory and would write them
/// back). Known origins stay. `Ok(None)` when there is no such user, else how many counters were removed. The
/// database must exist; it is not created.
pub fn reset_offline(db: &Path, username: &str) -> Result<Option<usize>, StoreError> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    let has_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'login_failures')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Err(StoreError::Corrupt(format!(
            "{} is not an accountd database with login lockout state",
            db.display()
        )));
    }
    let user_id: Option<i64> = conn
        .query_row("SELECT id FROM users WHERE username = ?1", [username], |r| r.get(0))
        .optional()?;
    let Some(user_id) = user_id else {
        return Ok(None);
    };
    let removed = conn.execute("DELETE FROM login_failures WHERE user_id = ?1", [user_id])?;
    Ok(Some(removed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    #[tokio::test]
    async fn counters_and_origins_round_trip_and_follow_their_user() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let counter = FailureRow {
            user_id: 1,
            known: false,
            failures: vec![5, 7],
            locked_until: Some(9),
        };
        let ghost = FailureRow {
            user_id: 999,
            ..counter.clone()
        };
        let origin = OriginRow {
            user_id: 1,
            address: "10.0.0.1".into(),
            last_success: 3,
        };
        let (c, g, o) = (counter.clone(), ghost, origin.clone());
        store
            .write(move |tx| {
                save_failures(tx, &c)?;
                save_failures(tx, &g)?;
                save_origin(tx, &o)
            })
            .await
            .unwrap();
        assert_eq!(store.read(failures).await.unwrap(), [counter]);
        assert_eq!(store.read(origins).await.unwrap(), [origin]);
        store
            .write(|tx| {
                delete_failures(tx, 1, false)?;
                delete_origin(tx, 1, "10.0.0.1")
            })
            .await
            .unwrap();
        assert!(store.read(failures).await.unwrap().is_empty());
        assert!(store.read(origins).await.unwrap().is_empty());
        let seen = ActivityRow {
            user_id: 1,
            last_login: Some(4),
            last_login_ip: Some("10.0.0.2".into()),
            last_failed_login: None,
        };
        let (a, ghost) = (
            seen.clone(),
            ActivityRow {
                user_id: 999,
                ..seen.clone()
            },
        );
        store
            .write(move |tx| {
                save_activity(tx, &a)?;
                save_activity(tx, &ghost)
            })
            .await
            .unwrap();
        assert_eq!(store.read(activity).await.unwrap(), [seen]);
    }

    #[tokio::test]
    async fn offline_reset_clears_both_counters_of_one_user_only() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        let root_id = store
            .read(|c| crate::users::by_username(c, "root"))
            .await
            .unwrap()
            .unwrap()
            .id;
        let other = store
            .read(|c| crate::users::by_username(c, "daemon"))
            .await
            .unwrap()
            .unwrap()
            .id;
        for (user_id, known) in [(root_id, false), (root_id, true), (other, false)] {
            let row = FailureRow {
                user_id,
                known,
                failures: vec![1, 2, 3],
                locked_until: Some(10),
            };
            store.write(move |tx| save_failures(tx, &row)).await.unwrap();
        }
        store.close();
        assert_eq!(reset_offline(&path, "root").unwrap(), Some(2));
        assert_eq!(reset_offline(&path, "nobody-here").unwrap(), None);
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        let left = store.read(failures).await.unwrap();
        assert_eq!(left.iter().map(|r| r.user_id).collect::<Vec<_>>(), [other]);
        assert!(reset_offline(&dir.path().join("missing.db"), "root").is_err());
    }
}

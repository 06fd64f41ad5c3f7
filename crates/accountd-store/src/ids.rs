//! The smallest free uid (or gid) >= 3000, found without reading every row.
//!
//! The writer connection keeps a *floor* per kind in a TEMP table: every id in `3000..floor` is in use. TEMP
//! triggers (on the writer connection only, so on every write) lower the floor whenever a row is deleted or
//! its id changes, and an allocation probes upward from the floor through the unique index. Allocating ids
//! one after another therefore costs a few index lookups instead of a scan of 100,000 rows. The floor lives in
//! the transaction like any table, so a rolled-back write leaves it as it was. On a connection without the
//! floor (read-only connections), the ids are read in full as before.

use rusqlite::{Connection, OptionalExtension};

use crate::error::StoreError;

/// Lowest id handed out automatically.
pub const FIRST_ID: i64 = 3000;

/// Creates the floor table and its triggers on the writer connection.
pub(crate) fn install(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS id_floor (kind TEXT PRIMARY KEY, floor INTEGER NOT NULL);
         CREATE TEMP TRIGGER IF NOT EXISTS id_floor_user_deleted AFTER DELETE ON main.users
             BEGIN UPDATE id_floor SET floor = min(floor, OLD.uid) WHERE kind = 'uid'; END;
         CREATE TEMP TRIGGER IF NOT EXISTS id_floor_uid_changed AFTER UPDATE OF uid ON main.users
             BEGIN UPDATE id_floor SET floor = min(floor, OLD.uid) WHERE kind = 'uid'; END;
         CREATE TEMP TRIGGER IF NOT EXISTS id_floor_group_deleted AFTER DELETE ON main.groups
             BEGIN UPDATE id_floor SET floor = min(floor, OLD.gid) WHERE kind = 'gid'; END;
         CREATE TEMP TRIGGER IF NOT EXISTS id_floor_gid_changed AFTER UPDATE OF gid ON main.groups
             BEGIN UPDATE id_floor SET floor = min(floor, OLD.gid) WHERE kind = 'gid'; END;",
    )?;
    Ok(())
}

/// Which ids.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Uid,
    Gid,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Uid => "uid",
            Kind::Gid => "gid",
        }
    }

    fn used_sql(self) -> &'static str {
        match self {
            Kind::Uid => "SELECT EXISTS (SELECT 1 FROM users WHERE uid = ?1)",
            Kind::Gid => "SELECT EXISTS (SELECT 1 FROM groups WHERE gid = ?1)",
        }
    }

    fn all_sql(self) -> &'static str {
        match self {
            Kind::Uid => "SELECT uid FROM users WHERE uid >= 3000 ORDER BY uid",
            Kind::Gid => "SELECT gid FROM groups WHERE gid >= 3000 ORDER BY gid",
        }
    }
}

/// The smallest id >= 3000 that is neither used nor in `reserved`.
pub(crate) fn next_free(conn: &Connection, kind: Kind, reserved: &[i64]) -> Result<i64, StoreError> {
    let floor = match floor(conn, kind) {
        Ok(Some(f)) => f,
        Ok(None) => {
            let f = first_unused(conn, kind)?;
            conn.prepare_cached("INSERT OR REPLACE INTO temp.id_floor (kind, floor) VALUES (?1, ?2)")?
                .execute(rusqlite::params![kind.name(), f])?;
            f
        }
        // No floor on this connection: read every id.
        Err(_) => first_unused(conn, kind)?,
    };
    let mut used = conn.prepare_cached(kind.used_sql())?;
    let mut is_used = |id: i64| -> Result<bool, StoreError> { Ok(used.query_row([id], |r| r.get(0))?) };
    let mut unused = floor.max(FIRST_ID);
    while is_used(unused)? {
        unused += 1;
    }
    if unused != floor {
        // Still true whether or not this transaction commits: everything below `unused` is in use now.
        let _ = conn
            .prepare_cached("UPDATE temp.id_floor SET floor = ?2 WHERE kind = ?1")
            .and_then(|mut s| s.execute(rusqlite::params![kind.name(), unused]));
    }
    let mut candidate = unused;
    while reserved.contains(&candidate) || is_used(candidate)? {
        candidate += 1;
    }
    Ok(candidate)
}

fn floor(conn: &Connection, kind: Kind) -> rusqlite::Result<Option<i64>> {
    conn.prepare_cached("SELECT floor FROM temp.id_floor WHERE kind = ?1")?
        .query_row([kind.name()], |r| r.get(0))
        .optional()
}

/// The smallest unused id >= 3000, from a scan of the ids.
fn first_unused(conn: &Connection, kind: Kind) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(kind.all_sql())?;
    let mut rows = stmt.query([])?;
    let mut candidate = FIRST_ID;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        if id == candidate {
            candidate += 1;
        } else if id > candidate {
            break;
        }
    }
    Ok(candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrations::migrate(&mut conn).unwrap();
        install(&conn).unwrap();
        conn
    }

    fn add_user(conn: &Connection, uid: i64) {
        conn.execute(
            "INSERT INTO users (uid, username, full_name, group_id) VALUES (?1, 'u' || abs(random()), 'x', 1)",
            [uid],
        )
        .unwrap();
    }

    #[test]
    fn follows_inserts_deletes_uid_changes_and_rollbacks() {
        let conn = db();
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3000);
        for uid in [3000, 3001, 3002, 3004] {
            add_user(&conn, uid);
        }
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3003);
        assert_eq!(next_free(&conn, Kind::Uid, &[3003]).unwrap(), 3005);
        add_user(&conn, 3003);
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3005);
        // A deleted user's uid is free again, below the floor.
        conn.execute("DELETE FROM users WHERE uid = 3001", []).unwrap();
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3001);
        add_user(&conn, 3001);
        conn.execute("UPDATE users SET uid = 5000 WHERE uid = 3002", [])
            .unwrap();
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3002);
        // A rolled-back delete leaves the floor as it was.
        add_user(&conn, 3002);
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3005);
        conn.execute_batch("BEGIN; DELETE FROM users WHERE uid = 3000;")
            .unwrap();
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3000);
        conn.execute_batch("ROLLBACK").unwrap();
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3005);
        // Groups have their own floor.
        assert_eq!(next_free(&conn, Kind::Gid, &[]).unwrap(), 3000);
    }

    #[test]
    fn without_the_floor_every_id_is_read() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrations::migrate(&mut conn).unwrap();
        add_user(&conn, 3000);
        add_user(&conn, 3002);
        assert_eq!(next_free(&conn, Kind::Uid, &[]).unwrap(), 3001);
        assert_eq!(next_free(&conn, Kind::Uid, &[3001]).unwrap(), 3003);
    }
}

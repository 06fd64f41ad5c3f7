//! Storage errors.

/// A failure of the storage layer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(String),
    /// A UNIQUE or PRIMARY KEY constraint refused a write (known by SQLite's extended result code).
    #[error("sqlite: {message}")]
    UniqueViolation {
        /// The constrained columns as SQLite names them, e.g. `api_keys.name` (empty if it named none).
        columns: String,
        /// SQLite's message, e.g. `UNIQUE constraint failed: api_keys.name`.
        message: String,
    },
    /// The database could not be migrated.
    #[error("migration: {0}")]
    Migration(String),
    /// The writer or reader threads are gone (shutting down).
    #[error("store is closed")]
    Closed,
    /// A stored value could not be decoded.
    #[error("corrupt value in {0}")]
    Corrupt(String),
    /// The key file that encrypts secrets at rest is missing, unreadable or does not fit the database.
    #[error("{0}")]
    SecretsKey(String),
    /// A database file or directory could not be created or its mode set.
    #[error("{0}")]
    Files(String),
    /// The database is locked by a running service (or an offline command working on it).
    #[error("{0}")]
    InUse(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ffi::{SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE};
        if let rusqlite::Error::SqliteFailure(failure, detail) = &e
            && matches!(
                failure.extended_code,
                SQLITE_CONSTRAINT_UNIQUE | SQLITE_CONSTRAINT_PRIMARYKEY
            )
        {
            // SQLite names the columns only in its message: `UNIQUE constraint failed: t.a, t.b`.
            let columns = detail
                .as_deref()
                .and_then(|d| d.split_once(": "))
                .map(|(_, columns)| columns.to_string())
                .unwrap_or_default();
            return StoreError::UniqueViolation {
                columns,
                message: e.to_string(),
            };
        }
        StoreError::Sqlite(e.to_string())
    }
}

impl StoreError {
    /// True when the error is a UNIQUE (or PRIMARY KEY) constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::UniqueViolation { .. })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(sql: &str) -> StoreError {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE, a TEXT, b TEXT, ref INTEGER REFERENCES t(id),
             UNIQUE (a, b)); PRAGMA foreign_keys = ON;
             INSERT INTO t (id, name, a, b) VALUES (1, 'x', 'p', 'q');",
        )
        .unwrap();
        StoreError::from(conn.execute_batch(sql).unwrap_err())
    }

    #[test]
    fn unique_violations_are_typed_with_their_columns_and_say_what_sqlite_said() {
        let err = failing("INSERT INTO t (name) VALUES ('x')");
        assert!(err.is_unique_violation());
        assert!(
            matches!(&err, StoreError::UniqueViolation { columns, .. } if columns == "t.name"),
            "{err:?}"
        );
        assert_eq!(err.to_string(), "sqlite: UNIQUE constraint failed: t.name");
        let err = failing("INSERT INTO t (id) VALUES (1)");
        assert!(
            matches!(&err, StoreError::UniqueViolation { columns, .. } if columns == "t.id"),
            "{err:?}"
        );
        let err = failing("INSERT INTO t (a, b) VALUES ('p', 'q')");
        assert!(
            matches!(&err, StoreError::UniqueViolation { columns, .. } if columns == "t.a, t.b"),
            "{err:?}"
        );
    }

    #[test]
    fn other_failures_stay_sqlite_errors() {
        let err = failing("INSERT INTO t (ref) VALUES (42)");
        assert!(!err.is_unique_violation());
        assert_eq!(err.to_string(), "sqlite: FOREIGN KEY constraint failed");
        let err = failing("SELECT * FROM missing");
        assert!(
            matches!(&err, StoreError::Sqlite(m) if m == "no such table: missing"),
            "{err:?}"
        );
    }
}

//! Storage errors.

/// A failure of the storage layer.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("sqlite: {0}")]
    Sqlite(String),
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
        StoreError::Sqlite(e.to_string())
    }
}

impl StoreError {
    /// True when the error is a UNIQUE constraint violation.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, StoreError::Sqlite(m) if m.contains("UNIQUE constraint failed"))
    }
}

//! SQLite storage for accountd: versioned migrations, one writer thread that runs every mutation in an
//! IMMEDIATE transaction, and a small pool of read-only connections. Nothing here blocks the async runtime:
//! callers hand closures to [`Store::read`] and [`Store::write`].
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

mod db;
mod error;
pub mod groups;
mod json;
pub mod migrations;
pub mod privileges;
pub mod settings;
pub mod users;

pub use db::{Store, StoreOptions};
pub use error::StoreError;
pub use rusqlite::types as rusqlite_types;
pub use rusqlite::{Connection, ToSql, Transaction};

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn seeded_with_builtin_accounts() {
        let (_d, store) = open();
        let users = store.read(|c| users::select(c, "1", &[])).await.unwrap();
        let names: Vec<_> = users.iter().map(|u| (u.id, u.uid, u.username.as_str())).collect();
        assert_eq!(names, [(1, 0, "root"), (2, 65534, "nobody")]);
        let gids: Vec<_> = store.read(|c| groups::used_gids(c)).await.unwrap();
        assert_eq!(gids, [0, 544, 545, 951, 952, 65534]);
        let sid = store.read(|c| settings::get(c, "server_sid")).await.unwrap().unwrap();
        assert!(sid.starts_with("S-1-5-21-"));
    }

    #[tokio::test]
    async fn failed_write_changes_nothing() {
        let (_d, store) = open();
        let r: Result<(), StoreError> = store
            .write(|tx| {
                settings::set(tx, "x", "1")?;
                Err(StoreError::Corrupt("boom".into()))
            })
            .await;
        assert!(r.is_err());
        assert_eq!(store.read(|c| settings::get(c, "x")).await.unwrap(), None);
        store.write(|tx| settings::set(tx, "x", "2")).await.unwrap();
        assert_eq!(
            store.read(|c| settings::get(c, "x")).await.unwrap().as_deref(),
            Some("2")
        );
    }

    #[tokio::test]
    async fn data_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.db");
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        let sid = store.read(|c| settings::get(c, "server_sid")).await.unwrap();
        store.write(|tx| settings::set(tx, "k", "v")).await.unwrap();
        store.close();
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        assert_eq!(
            store.read(|c| settings::get(c, "k")).await.unwrap().as_deref(),
            Some("v")
        );
        assert_eq!(store.read(|c| settings::get(c, "server_sid")).await.unwrap(), sid);
    }
}

//! SQLite storage for accountd: versioned migrations, one writer thread that runs every mutation in an
//! IMMEDIATE transaction, and a small pool of read-only connections. Nothing here blocks the async runtime:
//! callers hand closures to [`Store::read`] and [`Store::write`].

pub mod account_profiles;
pub mod api_keys;
pub mod audit;
pub mod auth_sources;
mod column;
mod db;
mod error;
pub mod files;
pub mod groups;
mod ids;
mod json;
pub mod lockout;
pub mod mail;
pub mod metrics;
pub mod migrations;
pub mod password_reset;
pub mod privileges;
pub mod secrets;
pub mod settings;
pub mod tenants;
mod threads;
pub mod twofactor;
pub mod users;

pub use db::{Store, StoreOptions, backup_to, restore_from};
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
        assert_eq!(names.len(), 54);
        assert_eq!(names[..3], [(1, 0, "root"), (2, 65534, "nobody"), (3, 1, "daemon")]);
        assert!(users.iter().all(|u| u.builtin && u.unixhash == "*" && !u.smb));
        let apps = users.iter().find(|u| u.username == "apps").unwrap();
        assert_eq!(
            (apps.uid, apps.userns_idmap.clone()),
            (568, Some(serde_json::json!("DIRECT")))
        );
        let gids: Vec<_> = store.read(groups::used_gids).await.unwrap();
        assert_eq!(gids.len(), 91);
        for gid in [0, 9, 37, 445, 544, 545, 546, 568, 951, 952, 65534] {
            assert!(gids.contains(&gid), "{gid}");
        }
        // Each builtin user is in its primary group by gid, and in the groups /etc/group lists it in.
        let netdata = users.iter().find(|u| u.username == "netdata").unwrap().clone();
        let group_id = netdata.group_id;
        let primary = store.read(move |c| groups::get(c, group_id)).await.unwrap().unwrap();
        assert_eq!(primary.gid, 997);
        let id = netdata.id;
        let aux = store.read(move |c| users::aux_groups(c, id)).await.unwrap();
        let adm = store.read(|c| groups::by_gid(c, 4)).await.unwrap().unwrap();
        assert_eq!(aux, [adm.id]);
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
        assert_eq!(store.commits(), 0, "a rolled-back write is not a commit");
        store.write(|tx| settings::set(tx, "x", "2")).await.unwrap();
        assert_eq!(store.commits(), 1);
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

#[cfg(test)]
mod migration_tests {
    use rusqlite::Connection;

    use super::*;

    /// A database made by schema version 1 (with data in every table) opens under the newest schema with
    /// nothing lost. When a migration is added, this keeps proving that version-1 databases upgrade.
    #[tokio::test]
    async fn version_one_database_upgrades_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v1.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrations::migrations().to_version(&mut conn, 1).unwrap();
            conn.execute_batch(
                "INSERT INTO settings (key, value) VALUES ('server_sid', 'S-1-5-21-1-2-3');
                 INSERT INTO groups (id, gid, name) VALUES (10, 3000, 'old');
                 INSERT INTO users (id, uid, username, full_name, group_id, unixhash, password_history, email)
                     VALUES (10, 3000, 'old', 'Old User', 10, '$argon2id$x', '[\"$argon2id$y\"]', 'o@example.com');
                 INSERT INTO memberships (user_id, group_id) VALUES (10, 3);
                 INSERT INTO twofactor (user_id) VALUES (10);
                 INSERT INTO user_attributes (user_id, key, value) VALUES (10, 'k', '\"v\"');",
            )
            .unwrap();
        }
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        let user = store.read(|c| users::get(c, 10)).await.unwrap().unwrap();
        assert_eq!(
            (
                user.username.as_str(),
                user.uid,
                user.unixhash.as_str(),
                user.email.as_deref()
            ),
            ("old", 3000, "$argon2id$x", Some("o@example.com"))
        );
        assert_eq!(user.password_history, ["$argon2id$y"]);
        assert_eq!(store.read(|c| users::aux_groups(c, 10)).await.unwrap(), [3]);
        assert_eq!(
            store.read(|c| settings::get(c, "server_sid")).await.unwrap().as_deref(),
            Some("S-1-5-21-1-2-3")
        );
        let version: i64 = store
            .read(|c| {
                c.query_row("PRAGMA user_version", [], |r| r.get(0))
                    .map_err(StoreError::from)
            })
            .await
            .unwrap();
        assert_eq!(version as usize, migrations::LATEST);
    }

    /// A database from before the builtin accounts migration gains the builtin accounts it lacks; a name or id
    /// a local account already holds stays that account's.
    #[tokio::test]
    async fn version_two_database_gains_the_builtin_accounts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("v2.db");
        {
            let mut conn = Connection::open(&path).unwrap();
            migrations::migrations().to_version(&mut conn, 2).unwrap();
            conn.execute_batch(
                "INSERT INTO groups (id, gid, name) VALUES (10, 3000, 'news'), (11, 37, 'ops');
                 INSERT INTO users (id, uid, username, full_name, group_id) VALUES (10, 3000, 'news', 'News', 10);",
            )
            .unwrap();
        }
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        let news = store.read(|c| users::by_username(c, "news")).await.unwrap().unwrap();
        assert_eq!((news.id, news.uid, news.builtin), (10, 3000, false));
        let ops = store.read(|c| groups::by_gid(c, 37)).await.unwrap().unwrap();
        assert_eq!((ops.id, ops.name.as_str(), ops.builtin), (11, "ops", false));
        assert!(store.read(|c| groups::by_name(c, "operator")).await.unwrap().is_none());
        let daemon = store.read(|c| users::by_username(c, "daemon")).await.unwrap().unwrap();
        assert!(daemon.builtin && daemon.id > 10);
        // Every new builtin user has its two-factor row.
        let id = daemon.id;
        assert!(store.read(move |c| twofactor::get(c, id)).await.unwrap().is_some());
    }

    #[tokio::test]
    async fn backup_while_writing_and_restore() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("live.db");
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        store.write(|tx| settings::set(tx, "before", "1")).await.unwrap();
        let writer = {
            let store = store.clone();
            tokio::spawn(async move {
                for i in 0..200 {
                    store
                        .write(move |tx| settings::set(tx, &format!("k{i}"), "v"))
                        .await
                        .unwrap();
                }
            })
        };
        let backup = dir.path().join("backup.db");
        let (p, b) = (path.clone(), backup.clone());
        tokio::task::spawn_blocking(move || backup_to(&p, &b))
            .await
            .unwrap()
            .unwrap();
        writer.await.unwrap();
        store.write(|tx| settings::set(tx, "after", "1")).await.unwrap();
        store.close();

        restore_from(&backup, &path).unwrap();
        let store = Store::open(&StoreOptions::new(&path)).unwrap();
        assert_eq!(
            store.read(|c| settings::get(c, "before")).await.unwrap().as_deref(),
            Some("1")
        );
        assert_eq!(store.read(|c| settings::get(c, "after")).await.unwrap(), None);
        assert!(path.with_extension("before-restore").is_file());
        assert!(restore_from(&dir.path().join("missing.db"), &path).is_err());
    }
}

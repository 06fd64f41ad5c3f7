//! Secrets at rest: TOTP secrets (`twofactor.secret`) and NT hashes (`users.smbhash`) are stored sealed with
//! AES-256-GCM under a key kept in a file beside the database (`<db>.key`, 0600, made on first start), like
//! TrueNAS's `pwenc_secret`.
//!
//! Every connection gets two SQL functions bound to the key: `seal(value, context)` and
//! `unseal(value, context)`; the store's statements call them, so sealed values never leave SQLite unsealed
//! except into the rows the store returns. A sealed value is `$aes256gcm$` followed by the hex of a random
//! 96-bit nonce and the ciphertext; `context` (the column) is authenticated with it, so a value copied to
//! another column does not open. The placeholders `*` (no NT hash) and the empty string hold no secret and are
//! stored as they are. Values still in plaintext (databases made before sealing) are sealed at
//! start. A database holding sealed values whose key file is missing, or a key file that does not open them,
//! is a start-up error: nothing is read or overwritten.

use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use rusqlite::Connection;
use rusqlite::functions::FunctionFlags;

use crate::error::StoreError;
use crate::files;

/// The start of every sealed value.
pub const SEALED_PREFIX: &str = "$aes256gcm$";
/// Characters of [`SEALED_PREFIX`] (for `substr`).
const PREFIX_LEN: i64 = SEALED_PREFIX.len() as i64;
/// Bytes of a key.
const KEY_BYTES: usize = 32;
/// Bytes of a nonce.
const NONCE_BYTES: usize = 12;

/// The columns holding sealed values: (table, column, the context the values are sealed with).
const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("users", "smbhash", "users.smbhash"),
    ("twofactor", "secret", "twofactor.secret"),
    ("auth_sources", "account_password", "auth_sources.account_password"),
    ("mail_settings", "pass", "mail_settings.pass"),
];

/// The key file of the database at `db`: `<db>.key`.
pub fn key_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".key");
    PathBuf::from(p)
}

/// The cipher that seals and opens secrets.
#[derive(Clone)]
pub(crate) struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    fn from_key(bytes: &[u8], path: &Path) -> Result<Sealer, StoreError> {
        let cipher = Aes256Gcm::new_from_slice(bytes).map_err(|_| {
            StoreError::SecretsKey(format!(
                "the key file {} is damaged: it holds {} bytes instead of {KEY_BYTES}",
                path.display(),
                bytes.len()
            ))
        })?;
        Ok(Sealer { cipher })
    }

    /// `value` sealed for `context`.
    pub(crate) fn seal(&self, value: &str, context: &str) -> Result<String, String> {
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: value.as_bytes(),
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| "sealing a secret failed".to_string())?;
        Ok(format!("{SEALED_PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed)))
    }

    /// The plaintext of `value`; a value that is not sealed is returned as it is.
    pub(crate) fn unseal(&self, value: &str, context: &str) -> Result<String, String> {
        let Some(body) = value.strip_prefix(SEALED_PREFIX) else {
            return Ok(value.to_string());
        };
        let bytes = hex::decode(body).map_err(|_| format!("a sealed {context} is not hex"))?;
        if bytes.len() < NONCE_BYTES {
            return Err(format!("a sealed {context} is truncated"));
        }
        let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
        let plain = self
            .cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: context.as_bytes(),
                },
            )
            .map_err(|_| format!("a sealed {context} does not open with the key file"))?;
        String::from_utf8(plain).map_err(|_| format!("a sealed {context} is not text"))
    }

    /// Registers `seal` and `unseal` on `conn`.
    pub(crate) fn install(self: &Arc<Self>, conn: &Connection) -> Result<(), StoreError> {
        let sealer = self.clone();
        conn.create_scalar_function("seal", 2, FunctionFlags::SQLITE_UTF8, move |ctx| {
            let value: Option<String> = ctx.get(0)?;
            let context: String = ctx.get(1)?;
            value
                .map(|v| {
                    if v.starts_with(SEALED_PREFIX) || is_placeholder(&v) {
                        Ok(v)
                    } else {
                        sealer.seal(&v, &context)
                    }
                })
                .transpose()
                .map_err(|e| rusqlite::Error::UserFunctionError(e.into()))
        })?;
        let sealer = self.clone();
        conn.create_scalar_function(
            "unseal",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC,
            move |ctx| {
                let value: Option<String> = ctx.get(0)?;
                let context: String = ctx.get(1)?;
                value
                    .map(|v| sealer.unseal(&v, &context))
                    .transpose()
                    .map_err(|e| rusqlite::Error::UserFunctionError(e.into()))
            },
        )?;
        Ok(())
    }
}

/// The values that stand for "no secret" (`*` for no NT hash, or empty): they are stored as they are, so
/// reading the many accounts without one costs no decryption.
fn is_placeholder(value: &str) -> bool {
    value.is_empty() || value == "*"
}

/// Whether any secret in the database is sealed.
fn holds_sealed_values(conn: &Connection) -> Result<bool, StoreError> {
    for (table, column, _) in SEALED_COLUMNS {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE substr({column}, 1, ?2) = ?1)");
        let found: bool = conn.query_row(&sql, rusqlite::params![SEALED_PREFIX, PREFIX_LEN], |r| r.get(0))?;
        if found {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Loads the key of the database at `db` (opened as `conn`, migrated), creating it when the database holds no
/// sealed value yet; registers the functions on `conn`, checks that the key opens the stored secrets and
/// seals those still in plaintext.
pub(crate) fn open(conn: &mut Connection, db: &Path) -> Result<Arc<Sealer>, StoreError> {
    let path = key_path(db);
    let sealer = match std::fs::read(&path) {
        Ok(bytes) => {
            for (file, before) in files::tighten(std::slice::from_ref(&path))? {
                tracing::warn!(path = %file.display(), before = format!("{before:04o}"), "tightened the mode of the key file to 0600");
            }
            Sealer::from_key(&bytes, &path)?
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {
            if holds_sealed_values(conn)? {
                return Err(StoreError::SecretsKey(format!(
                    "the database {} holds encrypted secrets (TOTP secrets, NT hashes) but their key file {} is \
                     missing: put the key file back (a backup made with `accountd backup --include-key` has it \
                     beside the copy); without it those secrets cannot be read, so accountd does not start",
                    db.display(),
                    path.display()
                )));
            }
            create_key(&path)?
        }
        Err(e) => {
            return Err(StoreError::SecretsKey(format!(
                "reading the key file {}: {e}",
                path.display()
            )));
        }
    };
    let sealer = Arc::new(sealer);
    sealer.install(conn)?;
    check_key(conn, db, &path)?;
    seal_plaintext(conn)?;
    Ok(sealer)
}

/// Registers `seal` and `unseal` on `conn`, a connection a tool opened itself on the database `db`, with the
/// key file that database already has (none is created): the store's row functions then work on it.
pub fn install_existing_key(conn: &Connection, db: &Path) -> Result<(), StoreError> {
    let path = key_path(db);
    let bytes = std::fs::read(&path)
        .map_err(|e| StoreError::SecretsKey(format!("reading the key file {}: {e}", path.display())))?;
    Arc::new(Sealer::from_key(&bytes, &path)?).install(conn)
}

/// Checks, before a restore, that the backup `backup` (opened as `conn`) can be read with the key it will be
/// used with: the key file beside it when there is one, else the current one of `db`.
pub(crate) fn check_restore(conn: &Connection, backup: &Path, db: &Path) -> Result<(), StoreError> {
    let key_db = if key_path(backup).exists() { backup } else { db };
    if !key_path(key_db).exists() {
        if holds_sealed_values(conn)? {
            return Err(StoreError::SecretsKey(format!(
                "{} holds encrypted secrets but neither {} nor {} exists: restore it with its key file",
                backup.display(),
                key_path(backup).display(),
                key_path(db).display()
            )));
        }
        return Ok(());
    }
    install_existing_key(conn, key_db)?;
    check_key(conn, backup, &key_path(key_db))
}

fn create_key(path: &Path) -> Result<Sealer, StoreError> {
    let key = Aes256Gcm::generate_key(OsRng);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(files::FILE_MODE)
            .open(path)?;
        file.write_all(&key)?;
        file.sync_all()?;
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::File::open(dir)?.sync_all()?;
        }
        Ok(())
    };
    write().map_err(|e| StoreError::SecretsKey(format!("creating the key file {}: {e}", path.display())))?;
    tracing::info!(path = %path.display(), "created the key file that encrypts secrets at rest");
    Sealer::from_key(&key, path)
}

/// Fails unless the key opens one sealed value of each column (a key file from another database would
/// otherwise only show at the first login).
fn check_key(conn: &Connection, db: &Path, path: &Path) -> Result<(), StoreError> {
    for (table, column, context) in SEALED_COLUMNS {
        let sql =
            format!("SELECT unseal({column}, '{context}') FROM {table} WHERE substr({column}, 1, ?2) = ?1 LIMIT 1");
        let opened: Result<Vec<String>, rusqlite::Error> = conn
            .prepare(&sql)?
            .query_map(rusqlite::params![SEALED_PREFIX, PREFIX_LEN], |r| r.get(0))?
            .collect();
        if opened.is_err() {
            return Err(StoreError::SecretsKey(format!(
                "the key file {} does not open the secrets stored in {}: it belongs to another database; put \
                 back the key file made with this database",
                path.display(),
                db.display()
            )));
        }
    }
    Ok(())
}

/// Seals the secrets still stored in plaintext, in one transaction.
fn seal_plaintext(conn: &mut Connection) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    let mut sealed = 0;
    for (table, column, context) in SEALED_COLUMNS {
        sealed += tx.execute(
            &format!(
                "UPDATE {table} SET {column} = seal({column}, '{context}') \
                 WHERE {column} IS NOT NULL AND {column} NOT IN ('', '*') AND substr({column}, 1, ?2) != ?1"
            ),
            rusqlite::params![SEALED_PREFIX, PREFIX_LEN],
        )?;
    }
    tx.commit()?;
    if sealed > 0 {
        tracing::info!(values = sealed, "encrypted secrets that were stored in plaintext");
    }
    Ok(())
}

/// Copies the key file of `db` beside `dest` (as [`key_path`]`(dest)`, 0600); false when `db` has none.
pub fn copy_key(db: &Path, dest: &Path) -> Result<bool, StoreError> {
    let from = key_path(db);
    let bytes = match std::fs::read(&from) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(StoreError::SecretsKey(format!(
                "reading the key file {}: {e}",
                from.display()
            )));
        }
    };
    let to = key_path(dest);
    let tmp = {
        let mut p = to.as_os_str().to_owned();
        p.push(".partial");
        PathBuf::from(p)
    };
    let _ = std::fs::remove_file(&tmp);
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(files::FILE_MODE)
            .open(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, &to)
    };
    write().map_err(|e| StoreError::SecretsKey(format!("writing the key file {}: {e}", to.display())))?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions, twofactor};

    fn raw(db: &Path, sql: &str) -> Option<String> {
        Connection::open(db).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    #[tokio::test]
    async fn plaintext_secrets_are_sealed_at_start_and_need_their_key() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let store = Store::open(&StoreOptions::new(&db)).unwrap();
        store.close();
        assert_eq!(std::fs::read(key_path(&db)).unwrap().len(), KEY_BYTES);
        // A database written before sealing: plaintext values.
        Connection::open(&db)
            .unwrap()
            .execute_batch(
                "UPDATE users SET smbhash = '0123456789ABCDEF0123456789ABCDEF' WHERE id = 1;
                 UPDATE twofactor SET secret = 'JBSWY3DPEHPK3PXP' WHERE user_id = 1;",
            )
            .unwrap();
        let store = Store::open(&StoreOptions::new(&db)).unwrap();
        let secret = store.read(|c| twofactor::get(c, 1)).await.unwrap().unwrap().secret;
        assert_eq!(secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        let user = store.read(|c| crate::users::get(c, 1)).await.unwrap().unwrap();
        assert_eq!(user.smbhash, "0123456789ABCDEF0123456789ABCDEF");
        store.close();
        let stored = raw(&db, "SELECT secret FROM twofactor WHERE user_id = 1").unwrap();
        assert!(
            stored.starts_with(SEALED_PREFIX) && !stored.contains("JBSWY3DPEHPK3PXP"),
            "{stored}"
        );
        let stored = raw(&db, "SELECT smbhash FROM users WHERE id = 1").unwrap();
        assert!(
            stored.starts_with(SEALED_PREFIX) && !stored.contains("0123456789ABCDEF"),
            "{stored}"
        );

        // Another database's key does not open these secrets; no key at all refuses too, and creates none.
        let key = std::fs::read(key_path(&db)).unwrap();
        std::fs::write(key_path(&db), [9u8; KEY_BYTES]).unwrap();
        let Err(err) = Store::open(&StoreOptions::new(&db)) else {
            panic!("opened with a wrong key")
        };
        assert!(err.to_string().contains("does not open the secrets"), "{err}");
        std::fs::remove_file(key_path(&db)).unwrap();
        let Err(err) = Store::open(&StoreOptions::new(&db)) else {
            panic!("opened without its key")
        };
        assert!(
            err.to_string().contains("key file") && err.to_string().contains("is missing"),
            "{err}"
        );
        assert!(!key_path(&db).exists());
        std::fs::write(key_path(&db), &key).unwrap();
        let store = Store::open(&StoreOptions::new(&db)).unwrap();
        let secret = store.read(|c| twofactor::get(c, 1)).await.unwrap().unwrap().secret;
        assert_eq!(secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    }

    fn sealer() -> Sealer {
        Sealer::from_key(&[7u8; KEY_BYTES], Path::new("k")).unwrap()
    }

    #[tokio::test]
    async fn a_restore_needs_the_key_its_secrets_were_sealed_with() {
        let dir = tempfile::tempdir().unwrap();
        let (db, backup) = (dir.path().join("a.db"), dir.path().join("b.db"));
        let store = Store::open(&StoreOptions::new(&db)).unwrap();
        store
            .write(|tx| twofactor::set_secret(tx, 1, Some("JBSWY3DPEHPK3PXP"), 6, 30))
            .await
            .unwrap();
        store.close();
        crate::backup_to(&db, &backup).unwrap();
        // Restored into another installation (another key) without its key file: refused, nothing replaced.
        let other = dir.path().join("other.db");
        Store::open(&StoreOptions::new(&other)).unwrap().close();
        let before = std::fs::read(&other).unwrap();
        let err = crate::restore_from(&backup, &other).unwrap_err();
        assert!(err.to_string().contains("does not open the secrets"), "{err}");
        assert_eq!(std::fs::read(&other).unwrap(), before);
        // With the key file beside the backup it is restored, key included.
        assert!(copy_key(&db, &backup).unwrap());
        crate::restore_from(&backup, &other).unwrap();
        assert_eq!(
            std::fs::read(key_path(&other)).unwrap(),
            std::fs::read(key_path(&db)).unwrap()
        );
        let store = Store::open(&StoreOptions::new(&other)).unwrap();
        let secret = store.read(|c| twofactor::get(c, 1)).await.unwrap().unwrap().secret;
        assert_eq!(secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    }

    #[test]
    fn seals_and_opens_with_the_same_key_and_context_only() {
        let s = sealer();
        let sealed = s.seal("JBSWY3DPEHPK3PXP", "twofactor.secret").unwrap();
        assert!(sealed.starts_with(SEALED_PREFIX));
        assert!(!sealed.contains("JBSWY3DPEHPK3PXP"));
        assert_ne!(
            sealed,
            s.seal("JBSWY3DPEHPK3PXP", "twofactor.secret").unwrap(),
            "a fresh nonce each time"
        );
        assert_eq!(s.unseal(&sealed, "twofactor.secret").unwrap(), "JBSWY3DPEHPK3PXP");
        assert!(
            s.unseal(&sealed, "users.smbhash").is_err(),
            "the context is authenticated"
        );
        let other = Sealer::from_key(&[8u8; KEY_BYTES], Path::new("k")).unwrap();
        assert!(other.unseal(&sealed, "twofactor.secret").is_err());
        assert_eq!(s.unseal("plain", "users.smbhash").unwrap(), "plain");
        assert!(is_placeholder("*") && is_placeholder("") && !is_placeholder("0123"));
        assert!(s.unseal(&format!("{SEALED_PREFIX}zz"), "users.smbhash").is_err());
        assert!(s.unseal(&format!("{SEALED_PREFIX}00"), "users.smbhash").is_err());
        assert!(Sealer::from_key(&[1u8; 16], Path::new("k")).is_err());
    }
}

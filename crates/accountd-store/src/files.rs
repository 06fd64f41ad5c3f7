//! Modes of the files that hold secrets: the data directory (0700 when created here), the database and its
//! `-wal`, `-shm` and `-journal` companions, the key file and backups (0600). SQLite gives the companions the
//! mode of the database file, so creating that file 0600 first keeps every companion 0600 too.

use std::fs::{DirBuilder, OpenOptions, Permissions};
use std::io::ErrorKind;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::error::StoreError;

/// Mode of every file holding account data or keys.
pub const FILE_MODE: u32 = 0o600;
/// Mode of a data directory accountd creates.
pub const DIR_MODE: u32 = 0o700;

/// The companion files SQLite keeps beside a database.
pub fn companions(db: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal"]
        .iter()
        .map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            PathBuf::from(p)
        })
        .collect()
}

fn io_error(path: &Path, what: &str, e: std::io::Error) -> StoreError {
    StoreError::Files(format!("{what} {}: {e}", path.display()))
}

/// Creates `dir` and its missing parents with mode 0700 (whatever the umask); an existing one is left as is.
pub fn create_private_dir(dir: &Path) -> Result<(), StoreError> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .map_err(|e| io_error(dir, "creating", e))?;
    // The umask may have cleared bits of the requested mode, never added any; set it exactly.
    std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE)).map_err(|e| io_error(dir, "setting the mode of", e))
}

/// Creates an empty `path` with mode 0600 when it does not exist (for SQLite to fill in).
pub fn create_private_file(path: &Path) -> Result<(), StoreError> {
    match OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(io_error(path, "creating", e)),
    }
}

/// Sets each existing regular file of `paths` that group or others may access to 0600; returns the files
/// changed, with their mode before. Symbolic links are left alone (their target is not ours to change).
pub fn tighten(paths: &[PathBuf]) -> Result<Vec<(PathBuf, u32)>, StoreError> {
    let mut changed = Vec::new();
    for path in paths {
        let meta = match std::fs::symlink_metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => continue,
            Err(e) => return Err(io_error(path, "reading the mode of", e)),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if !meta.file_type().is_file() || mode & 0o077 == 0 {
            continue;
        }
        std::fs::set_permissions(path, Permissions::from_mode(FILE_MODE))
            .map_err(|e| io_error(path, "setting the mode of", e))?;
        changed.push((path.clone(), mode));
    }
    Ok(changed)
}

/// Tightens the database and its companions, logging each file changed (upgraded installs made them 0644).
pub fn tighten_database(db: &Path) -> Result<(), StoreError> {
    let mut paths = vec![db.to_path_buf()];
    paths.extend(companions(db));
    for (path, before) in tighten(&paths)? {
        tracing::warn!(path = %path.display(), before = format!("{before:04o}"), "tightened the mode of a database file to 0600");
    }
    Ok(())
}

/// The lock file of a database, `<db>.lock`: a running service holds an exclusive lock on it.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push(".lock");
    PathBuf::from(p)
}

/// An exclusive lock on a database's lock file (`flock`): the service holds one while it runs, and the offline
/// commands (`accountd restore`, `accountd unlock`) take one for their work, so neither runs while the other
/// does. The lock ends with the value (or the process).
#[derive(Debug)]
pub struct DatabaseLock {
    _file: std::fs::File,
}

impl DatabaseLock {
    /// Takes the lock of `db` without waiting: `StoreError::InUse` when another process (or another open
    /// of the same database in this one) holds it.
    pub fn acquire(db: &Path) -> Result<DatabaseLock, StoreError> {
        let path = lock_path(db);
        if let Some(parent) = path.parent() {
            create_private_dir(parent)?;
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(FILE_MODE)
            .open(&path)
            .map_err(|e| io_error(&path, "opening", e))?;
        match file.try_lock() {
            Ok(()) => Ok(DatabaseLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse(format!(
                "{} is in use by a running accountd (stop the service first)",
                db.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(io_error(&path, "locking", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn created_private_and_tightened() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("a/b");
        create_private_dir(&data).unwrap();
        assert_eq!(mode(&data), 0o700);
        let db = data.join("x.db");
        create_private_file(&db).unwrap();
        assert_eq!(mode(&db), 0o600);
        let wal = companions(&db)[0].clone();
        std::fs::write(&wal, "w").unwrap();
        std::fs::set_permissions(&wal, Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(&db, Permissions::from_mode(0o640)).unwrap();
        let link = companions(&db)[1].clone();
        let outside = dir.path().join("outside");
        std::fs::write(&outside, "o").unwrap();
        std::fs::set_permissions(&outside, Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let mut paths = vec![db.clone()];
        paths.extend(companions(&db));
        assert_eq!(
            tighten(&paths).unwrap(),
            vec![(db.clone(), 0o640), (wal.clone(), 0o644)]
        );
        assert_eq!((mode(&db), mode(&wal), mode(&outside)), (0o600, 0o600, 0o644));
        assert_eq!(tighten(&paths).unwrap(), vec![]);
    }

    #[test]
    fn a_database_is_locked_by_one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("data").join("a.db");
        let first = DatabaseLock::acquire(&db).unwrap();
        assert!(matches!(DatabaseLock::acquire(&db), Err(StoreError::InUse(_))));
        assert_eq!(mode(&lock_path(&db)), 0o600);
        drop(first);
        let again = DatabaseLock::acquire(&db);
        assert!(again.is_ok());
    }
}

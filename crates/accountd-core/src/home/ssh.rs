//! `~/.ssh/authorized_keys`: read, write, remove, never through a symlink.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::path::Path;

use rand::RngCore;
use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::DEFAULT_HOME;
use super::create::open_error;
use super::fsx::{chmod_fd, chown_fd, open_dir_at, open_under, remove_tree_at};
use crate::error::{Error, ValidationErrors, errno};

const SSH_DIR: &str = ".ssh";
const AUTHORIZED_KEYS: &str = "authorized_keys";
/// Larger files are not read into `sshpubkey`.
const MAX_KEYS_LEN: u64 = 1 << 20;

/// The message for `sshpubkey` values that contain a NUL character.
pub const NUL_IN_KEYS: &str = "SSH public keys may not contain NUL characters.";

/// Validates `sshpubkey` content at attribute `attr` (e.g. `user_create.sshpubkey`).
pub fn validate_sshpubkey(errs: &mut ValidationErrors, attr: &str, keys: &str) {
    if keys.contains('\0') {
        errs.add(attr, NUL_IN_KEYS);
    }
}

/// The trimmed content of `<home>/.ssh/authorized_keys` for a `home` under `home_root`; `None` when absent,
/// unreadable, not a regular file, reached through a symlink (the home itself included), not UTF-8 or
/// larger than 1 MiB.
pub fn read_authorized_keys(home_root: &Path, home: &Path) -> Option<String> {
    let home_fd = open_under(home_root, home).ok()?;
    read_keys_at(&home_fd)
}

/// Writes `keys` (trimmed, plus a newline) to `<home>/.ssh/authorized_keys`: `.ssh` mode 700 and
/// the file mode 600, both owned by `uid:gid`; the file is replaced atomically. `None` or blank
/// removes the file. Does nothing when `home` does not exist or is not a directory (as TrueNAS) or the
/// content is unchanged. A `home` that is (or lies below) a symlink under `home_root`, and a symlinked
/// `.ssh`, are refused: nothing is written through a link.
pub fn write_authorized_keys(
    home_root: &Path,
    home: &Path,
    keys: Option<&str>,
    uid: u32,
    gid: u32,
) -> Result<(), Error> {
    let keys = keys.map(str::trim).unwrap_or_default();
    if keys.contains('\0') {
        return Err(Error::call(errno::EINVAL, NUL_IN_KEYS));
    }
    let Some(home_fd) = open_existing_home(home_root, home)? else {
        return Ok(());
    };
    if keys.is_empty() {
        if let Ok(ssh) = open_dir_at(&home_fd, OsStr::new(SSH_DIR)) {
            match rustix::fs::unlinkat(&ssh, AUTHORIZED_KEYS, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => {}
                Err(e) => tracing::debug!(error = %e, "authorized_keys not removed"),
            }
        }
        return Ok(());
    }
    if read_keys_at(&home_fd).as_deref() == Some(keys) {
        return Ok(());
    }
    let failed =
        |e: &dyn std::fmt::Display| Error::call(errno::EFAULT, format!("Failed to update authorized keys: {e}"));
    match rustix::fs::mkdirat(&home_fd, SSH_DIR, Mode::from_bits_truncate(0o700)) {
        Ok(()) | Err(Errno::EXIST) => {}
        Err(e) => return Err(failed(&e)),
    }
    let ssh = open_dir_at(&home_fd, OsStr::new(SSH_DIR)).map_err(|_| {
        Error::call(
            errno::EFAULT,
            format!("{}/{SSH_DIR} is not a directory", home.display()),
        )
    })?;
    chown_fd(&ssh, uid, gid).map_err(|e| failed(&e))?;
    chmod_fd(&ssh, 0o700).map_err(|e| failed(&e))?;
    replace_file(&ssh, format!("{keys}\n").as_bytes(), uid, gid).map_err(|e| failed(&e))
}

/// Opens `home` under `home_root` without following links: `None` when it does not exist (nothing to do
/// there), an error when it is, or lies below, a symlink or outside the root.
fn open_existing_home(home_root: &Path, home: &Path) -> Result<Option<OwnedFd>, Error> {
    match open_under(home_root, home) {
        Ok(fd) => Ok(Some(fd)),
        Err(Errno::NOENT | Errno::NOTDIR) => Ok(None),
        Err(e) => Err(open_error(home, e)
            .unwrap_or_else(|| Error::call(errno::EINVAL, "The path must reside within a pool mount point"))),
    }
}

/// Removes `<home>/.ssh` (user.delete) for a `home` under `home_root`; a symlinked `.ssh` is removed as a
/// link, its target is left alone, and nothing is removed through a home that is (or lies below) a symlink.
/// Missing is fine; [`DEFAULT_HOME`] is skipped.
pub fn remove_ssh_dir(home_root: &Path, home: &Path) -> Result<(), Error> {
    if home == Path::new(DEFAULT_HOME) {
        return Ok(());
    }
    let Some(home_fd) = open_existing_home(home_root, home)? else {
        return Ok(());
    };
    remove_tree_at(&home_fd, OsStr::new(SSH_DIR), 8)
        .map_err(|e| Error::internal(format!("{}/{SSH_DIR}: {e}", home.display())))
}

fn read_keys_at(home_fd: &OwnedFd) -> Option<String> {
    let ssh = open_dir_at(home_fd, OsStr::new(SSH_DIR)).ok()?;
    let flags = OFlags::RDONLY | OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::CLOEXEC;
    let file = File::from(rustix::fs::openat(&ssh, AUTHORIZED_KEYS, flags, Mode::empty()).ok()?);
    let meta = file.metadata().ok()?;
    if !meta.is_file() || meta.len() > MAX_KEYS_LEN {
        return None;
    }
    let mut buf = Vec::new();
    file.take(MAX_KEYS_LEN + 1).read_to_end(&mut buf).ok()?;
    if buf.len() as u64 > MAX_KEYS_LEN {
        return None;
    }
    match String::from_utf8(buf) {
        Ok(s) => Some(s.trim().to_string()),
        Err(_) => {
            tracing::warn!("invalid encoding in authorized_keys file");
            None
        }
    }
}

/// Writes `content` to a fresh temporary file in `dir` and renames it over `authorized_keys`
/// (a rename replaces a planted symlink instead of writing through it).
fn replace_file(dir: impl AsFd, content: &[u8], uid: u32, gid: u32) -> io::Result<()> {
    let tmp = format!(".{AUTHORIZED_KEYS}.{:016x}", rand::rngs::OsRng.next_u64());
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(&dir, tmp.as_str(), flags, Mode::from_bits_truncate(0o600))?;
    let result = (|| {
        let mut file = File::from(fd);
        file.write_all(content)?;
        chown_fd(&file, uid, gid)?;
        chmod_fd(&file, 0o600)?;
        file.sync_all()?;
        rustix::fs::renameat(&dir, tmp.as_str(), &dir, AUTHORIZED_KEYS)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = rustix::fs::unlinkat(&dir, tmp.as_str(), AtFlags::empty());
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    use std::path::PathBuf;

    fn home() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("bob");
        std::fs::create_dir(&home).unwrap();
        (dir, home)
    }

    /// The home root the test homes lie in (their temporary directory).
    fn root(home: &Path) -> &Path {
        home.parent().unwrap()
    }

    fn mode_of(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    const KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDummy bob@host";

    #[test]
    fn write_read_remove() {
        let (_dir, home) = home();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        write_authorized_keys(root(&home), &home, Some(&format!("  {KEY}\n\n")), 5000, 5001).unwrap();
        let file = home.join(".ssh/authorized_keys");
        assert_eq!(std::fs::read_to_string(&file).unwrap(), format!("{KEY}\n"));
        assert_eq!(read_authorized_keys(root(&home), &home).as_deref(), Some(KEY));
        assert_eq!(mode_of(&home.join(".ssh")), 0o700);
        assert_eq!(mode_of(&file), 0o600);
        if rustix::process::geteuid().is_root() {
            let meta = std::fs::metadata(&file).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (5000, 5001));
            let meta = std::fs::metadata(home.join(".ssh")).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (5000, 5001));
        }
        // replace, then remove with None and with blank content
        write_authorized_keys(root(&home), &home, Some("ssh-rsa AAAA other"), 5000, 5001).unwrap();
        assert_eq!(
            read_authorized_keys(root(&home), &home).as_deref(),
            Some("ssh-rsa AAAA other")
        );
        write_authorized_keys(root(&home), &home, None, 5000, 5001).unwrap();
        assert!(!file.exists());
        assert!(home.join(".ssh").is_dir());
        write_authorized_keys(root(&home), &home, Some(KEY), 5000, 5001).unwrap();
        write_authorized_keys(root(&home), &home, Some("  \n"), 5000, 5001).unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        // no temporary files left behind
        assert_eq!(std::fs::read_dir(home.join(".ssh")).unwrap().count(), 0);
    }

    #[test]
    fn fixes_loose_ssh_dir_mode() {
        let (_dir, home) = home();
        std::fs::create_dir(home.join(".ssh")).unwrap();
        std::fs::set_permissions(home.join(".ssh"), std::fs::Permissions::from_mode(0o777)).unwrap();
        write_authorized_keys(root(&home), &home, Some(KEY), 0, 0).unwrap();
        assert_eq!(mode_of(&home.join(".ssh")), 0o700);
    }

    #[test]
    fn nul_refused() {
        let (_dir, home) = home();
        let err = write_authorized_keys(root(&home), &home, Some("ssh-rsa A\0B"), 0, 0).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Call {
                    code: errno::EINVAL,
                    ..
                }
            ),
            "{err:?}"
        );
        let mut errs = ValidationErrors::new();
        validate_sshpubkey(&mut errs, "user_create.sshpubkey", "a\0");
        validate_sshpubkey(&mut errs, "user_create.sshpubkey", KEY);
        assert_eq!(errs.0.len(), 1);
        assert_eq!(errs.0[0].message, NUL_IN_KEYS);
    }

    #[test]
    fn missing_home_is_a_no_op() {
        let (dir, _home) = home();
        let missing = dir.path().join("nope");
        write_authorized_keys(dir.path(), &missing, Some(KEY), 0, 0).unwrap();
        assert!(!missing.exists());
        assert_eq!(read_authorized_keys(dir.path(), &missing), None);
    }

    #[test]
    fn symlinked_ssh_dir_is_not_followed() {
        let (dir, home) = home();
        let target = dir.path().join("victim");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("authorized_keys"), "secret content").unwrap();
        std::os::unix::fs::symlink(&target, home.join(".ssh")).unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        let err = write_authorized_keys(root(&home), &home, Some(KEY), 0, 0).unwrap_err();
        assert!(
            matches!(&err, Error::Call { message, .. } if message.ends_with(".ssh is not a directory")),
            "{err:?}"
        );
        write_authorized_keys(root(&home), &home, None, 0, 0).unwrap();
        assert_eq!(
            std::fs::read_to_string(target.join("authorized_keys")).unwrap(),
            "secret content"
        );
        remove_ssh_dir(root(&home), &home).unwrap();
        assert!(std::fs::symlink_metadata(home.join(".ssh")).is_err());
        assert!(target.join("authorized_keys").exists());
    }

    #[test]
    fn symlinked_keys_file_is_replaced_not_followed() {
        let (dir, home) = home();
        let victim = dir.path().join("shadow");
        std::fs::write(&victim, "root:secret").unwrap();
        std::fs::create_dir(home.join(".ssh")).unwrap();
        std::os::unix::fs::symlink(&victim, home.join(".ssh/authorized_keys")).unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        write_authorized_keys(root(&home), &home, Some(KEY), 0, 0).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "root:secret");
        let file = home.join(".ssh/authorized_keys");
        assert!(std::fs::symlink_metadata(&file).unwrap().is_file());
        assert_eq!(read_authorized_keys(root(&home), &home).as_deref(), Some(KEY));
    }

    #[test]
    fn fifo_and_oversized_files_are_not_read() {
        let (_dir, home) = home();
        std::fs::create_dir(home.join(".ssh")).unwrap();
        let file = home.join(".ssh/authorized_keys");
        rustix::fs::mknodat(
            rustix::fs::CWD,
            &file,
            rustix::fs::FileType::Fifo,
            Mode::from_bits_truncate(0o600),
            0,
        )
        .unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        std::fs::remove_file(&file).unwrap();
        std::fs::write(&file, vec![b'a'; MAX_KEYS_LEN as usize + 1]).unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        std::fs::write(&file, [0xff, 0xfe]).unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home), None);
        std::fs::write(&file, "").unwrap();
        assert_eq!(read_authorized_keys(root(&home), &home).as_deref(), Some(""));
    }

    #[test]
    fn remove_ssh_dir_cases() {
        let (_dir, home) = home();
        remove_ssh_dir(root(&home), &home).unwrap();
        write_authorized_keys(root(&home), &home, Some(KEY), 0, 0).unwrap();
        remove_ssh_dir(root(&home), &home).unwrap();
        assert!(!home.join(".ssh").exists());
        assert!(home.exists());
        remove_ssh_dir(Path::new("/"), Path::new(DEFAULT_HOME)).unwrap();
    }

    #[test]
    fn a_home_replaced_by_a_symlink_to_another_home_is_not_followed() {
        let (dir, home) = home();
        let other = dir.path().join("carol");
        std::fs::create_dir(&other).unwrap();
        write_authorized_keys(dir.path(), &other, Some("ssh-rsa AAAA carol"), 0, 0).unwrap();
        std::fs::remove_dir(&home).unwrap();
        std::os::unix::fs::symlink(&other, &home).unwrap();
        assert_eq!(read_authorized_keys(dir.path(), &home), None);
        let err = write_authorized_keys(dir.path(), &home, Some(KEY), 0, 0).unwrap_err();
        assert!(
            matches!(&err, Error::Call { code: errno::EINVAL, message } if message.contains("symbolic link")),
            "{err:?}"
        );
        assert!(remove_ssh_dir(dir.path(), &home).is_err());
        assert!(write_authorized_keys(dir.path(), &home, None, 0, 0).is_err());
        assert_eq!(
            read_authorized_keys(dir.path(), &other).as_deref(),
            Some("ssh-rsa AAAA carol")
        );
        // A symlink higher up is refused too.
        let pool = dir.path().join("pool");
        std::os::unix::fs::symlink(dir.path(), &pool).unwrap();
        assert!(write_authorized_keys(dir.path(), &pool.join("carol"), Some(KEY), 0, 0).is_err());
        assert_eq!(
            read_authorized_keys(dir.path(), &other).as_deref(),
            Some("ssh-rsa AAAA carol")
        );
    }

    #[test]
    fn remove_ssh_dir_removes_a_tree_without_following_links() {
        let (dir, home) = home();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("keep"), "x").unwrap();
        std::fs::create_dir_all(home.join(".ssh/sub/deeper")).unwrap();
        std::fs::write(home.join(".ssh/sub/deeper/f"), "f").unwrap();
        std::os::unix::fs::symlink(&victim, home.join(".ssh/sub/link")).unwrap();
        remove_ssh_dir(root(&home), &home).unwrap();
        assert!(std::fs::symlink_metadata(home.join(".ssh")).is_err());
        assert!(victim.join("keep").exists());
    }
}

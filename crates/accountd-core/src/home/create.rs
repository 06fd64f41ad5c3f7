//! Creating home directories, setting their permissions, copying the skeleton.

use std::ffi::OsStr;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Component, Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};
use rustix::io::Errno;

use super::fsx::{chmod_fd, chown_fd, open_dir_at, open_under};
use crate::error::{Error, errno};

/// Creates `<parent>/<username>` (TrueNAS `home_create`) with `mode`, owned by `uid:gid`, then
/// copies `skel` into it when given. Returns `parent.join(username)` as the caller spelled it.
///
/// Idempotent when the directory already exists (mode and owner are applied again). Refuses a
/// `parent` that does not resolve under `home_root` and any symlink on the way down or at the
/// target. A directory this call created is removed again if setting its mode or owner fails.
pub fn create_home(
    home_root: &Path,
    parent: &Path,
    username: &str,
    mode: u32,
    uid: u32,
    gid: u32,
    skel: Option<&Path>,
) -> Result<PathBuf, Error> {
    let name = single_component(username)
        .ok_or_else(|| Error::call(errno::EINVAL, format!("{username}: invalid home directory name")))?;
    let target = parent.join(name);
    let parent_fd = open_inside(home_root, parent, true)?;

    let created = match rustix::fs::mkdirat(&parent_fd, name, Mode::from_bits_truncate(0o700)) {
        Ok(()) => true,
        Err(Errno::EXIST) => false,
        Err(e) => {
            return Err(Error::call(
                errno::EFAULT,
                format!(
                    "Failed to create the home directory ({}) for user: {e}",
                    target.display()
                ),
            ));
        }
    };
    let home_fd = open_dir_at(&parent_fd, name).map_err(|_| {
        Error::call(
            errno::EEXIST,
            "Path for home directory already exists and is not a directory",
        )
    })?;
    if let Err(e) = apply(&home_fd, Some(mode), Some((uid, gid))) {
        if created {
            let _ = rustix::fs::unlinkat(&parent_fd, name, AtFlags::REMOVEDIR);
        }
        return Err(perm_error(&target, e));
    }
    if let Some(skel) = skel {
        copy_skel_into(&home_fd, skel, uid, gid);
    }
    Ok(target)
}

/// Sets the mode and/or owner of an existing home (TrueNAS `filesystem.setperm` on the home,
/// non-recursive). `home` must resolve under `home_root` without symlinks below the resolved path.
pub fn set_home_permissions(
    home_root: &Path,
    home: &Path,
    mode: Option<u32>,
    owner: Option<(u32, u32)>,
) -> Result<(), Error> {
    let fd = open_inside(home_root, home, false)?;
    apply(&fd, mode, owner).map_err(|e| perm_error(home, e))
}

/// Copies the regular files of `skel` into an existing `home` under `home_root`, owned by
/// `uid:gid`; a leading `dot` becomes `.` (`dot.bashrc` → `.bashrc`), existing files are kept.
/// A file that cannot be copied is logged and skipped.
pub fn copy_skel(home_root: &Path, home: &Path, skel: &Path, uid: u32, gid: u32) -> Result<(), Error> {
    let fd = open_inside(home_root, home, false)?;
    copy_skel_into(&fd, skel, uid, gid);
    Ok(())
}

/// `name` when it is one plain path component.
fn single_component(name: &str) -> Option<&OsStr> {
    let mut comps = Path::new(name).components();
    match (comps.next(), comps.next()) {
        (Some(Component::Normal(n)), None) if !name.contains('/') => Some(n),
        _ => None,
    }
}

/// Opens the directory `path` under `home_root` (strictly under, unless `allow_root`) without following
/// any symlink below the home root.
fn open_inside(home_root: &Path, path: &Path, allow_root: bool) -> Result<OwnedFd, Error> {
    let outside = || Error::call(errno::EINVAL, "The path must reside within a pool mount point");
    if !allow_root && (path == home_root || std::fs::canonicalize(path).ok() == std::fs::canonicalize(home_root).ok()) {
        return Err(outside());
    }
    open_under(home_root, path).map_err(|e| open_error(path, e).unwrap_or_else(outside))
}

/// The error for a failed [`open_under`]; `None` when the path is not under the home root.
pub(super) fn open_error(path: &Path, e: Errno) -> Option<Error> {
    match e {
        Errno::NOENT => Some(Error::call(
            errno::ENOENT,
            format!("{}: path does not exist.", path.display()),
        )),
        Errno::NOTDIR => Some(Error::call(
            errno::EINVAL,
            format!("{}: not a directory.", path.display()),
        )),
        Errno::LOOP => Some(Error::call(
            errno::EINVAL,
            format!("{}: {SYMLINK_REFUSED}", path.display()),
        )),
        Errno::INVAL | Errno::XDEV => None,
        e => Some(Error::call(errno::EFAULT, format!("{}: {e}", path.display()))),
    }
}

/// Why a home reached through a symbolic link is refused.
pub const SYMLINK_REFUSED: &str =
    "a home directory may not be, or lie below, a symbolic link under the home root (it is not followed).";

fn apply(fd: impl AsFd, mode: Option<u32>, owner: Option<(u32, u32)>) -> io::Result<()> {
    if let Some((uid, gid)) = owner {
        chown_fd(&fd, uid, gid)?;
    }
    if let Some(mode) = mode {
        chmod_fd(&fd, mode)?;
    }
    Ok(())
}

fn perm_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::call(
        errno::EFAULT,
        format!("Failed to set permissions on {}: {e}", path.display()),
    )
}

fn copy_skel_into(home: &OwnedFd, skel: &Path, uid: u32, gid: u32) {
    let Ok(entries) = std::fs::read_dir(skel) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(src_name) = name.to_str() else {
            continue;
        };
        let dest = src_name.strip_prefix("dot").unwrap_or(src_name);
        if dest.is_empty() {
            continue;
        }
        if let Err(e) = copy_one(home, &entry.path(), dest, uid, gid) {
            tracing::warn!(file = src_name, error = %e, "skeleton file not copied");
        }
    }
}

fn copy_one(home: &OwnedFd, src: &Path, dest: &str, uid: u32, gid: u32) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(src)?;
    if !meta.is_file() {
        return Ok(());
    }
    let mode = meta.permissions().mode() & 0o777;
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = match rustix::fs::openat(home, dest, flags, Mode::from_bits_truncate(0o600)) {
        Ok(fd) => fd,
        Err(Errno::EXIST) => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    let mut out = File::from(fd);
    io::copy(&mut File::open(src)?, &mut out)?;
    chown_fd(&out, uid, gid)?;
    chmod_fd(&out, mode)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    struct Root {
        dir: tempfile::TempDir,
        root: PathBuf,
    }

    impl Root {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("mnt");
            std::fs::create_dir_all(root.join("tank/homes")).unwrap();
            std::fs::create_dir(dir.path().join("outside")).unwrap();
            Root { dir, root }
        }

        fn homes(&self) -> PathBuf {
            self.root.join("tank/homes")
        }

        fn skel(&self) -> PathBuf {
            let skel = self.dir.path().join("skel");
            std::fs::create_dir(&skel).unwrap();
            std::fs::write(skel.join(".profile"), "profile").unwrap();
            std::fs::write(skel.join("dot.bashrc"), "bashrc").unwrap();
            std::fs::set_permissions(skel.join("dot.bashrc"), std::fs::Permissions::from_mode(0o640)).unwrap();
            std::fs::create_dir(skel.join("subdir")).unwrap();
            std::os::unix::fs::symlink("/etc/passwd", skel.join("link")).unwrap();
            skel
        }
    }

    fn mode_of(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    #[test]
    fn creates_with_mode_and_owner() {
        let r = Root::new();
        let home = create_home(&r.root, &r.homes(), "bob", 0o750, 4242, 4343, None).unwrap();
        assert_eq!(home, r.homes().join("bob"));
        let meta = std::fs::metadata(&home).unwrap();
        assert!(meta.is_dir());
        assert_eq!(mode_of(&home), 0o750);
        if rustix::process::geteuid().is_root() {
            assert_eq!((meta.uid(), meta.gid()), (4242, 4343));
        }
    }

    #[test]
    fn idempotent_and_reapplies_mode() {
        let r = Root::new();
        let first = create_home(&r.root, &r.homes(), "bob", 0o700, 0, 0, None).unwrap();
        std::fs::write(first.join("keep"), "x").unwrap();
        let second = create_home(&r.root, &r.homes(), "bob", 0o755, 0, 0, None).unwrap();
        assert_eq!(first, second);
        assert_eq!(mode_of(&second), 0o755);
        assert!(second.join("keep").exists());
    }

    #[test]
    fn returns_the_callers_spelling() {
        let r = Root::new();
        let parent = r.root.join("tank/homes/");
        let home = create_home(&r.root, &parent, "bob", 0o700, 0, 0, None).unwrap();
        assert_eq!(home, parent.join("bob"));
    }

    #[test]
    fn existing_file_or_symlink_refused() {
        let r = Root::new();
        std::fs::write(r.homes().join("file"), "x").unwrap();
        let err = create_home(&r.root, &r.homes(), "file", 0o700, 0, 0, None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Call {
                    code: errno::EEXIST,
                    ..
                }
            ),
            "{err:?}"
        );

        let outside = r.dir.path().join("outside");
        std::os::unix::fs::symlink(&outside, r.homes().join("evil")).unwrap();
        let err = create_home(&r.root, &r.homes(), "evil", 0o777, 0, 0, None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Call {
                    code: errno::EEXIST,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_ne!(mode_of(&outside), 0o777);
    }

    #[test]
    fn parent_outside_root_refused() {
        let r = Root::new();
        let outside = r.dir.path().join("outside");
        for parent in [outside.clone(), r.root.join("tank/../../outside")] {
            let err = create_home(&r.root, &parent, "bob", 0o700, 0, 0, None).unwrap_err();
            assert!(
                matches!(&err, Error::Call { code: errno::EINVAL, message } if message.contains("pool mount point")),
                "{err:?}"
            );
        }
        std::os::unix::fs::symlink(&outside, r.root.join("tank/escape")).unwrap();
        assert!(create_home(&r.root, &r.root.join("tank/escape"), "bob", 0o700, 0, 0, None).is_err());
        assert!(!outside.join("bob").exists());
        let err = create_home(&r.root, &r.root.join("tank/missing"), "bob", 0o700, 0, 0, None).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Call {
                    code: errno::ENOENT,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn bad_usernames_refused() {
        let r = Root::new();
        for name in ["", ".", "..", "a/b", "/abs"] {
            let err = create_home(&r.root, &r.homes(), name, 0o700, 0, 0, None).unwrap_err();
            assert!(
                matches!(
                    err,
                    Error::Call {
                        code: errno::EINVAL,
                        ..
                    }
                ),
                "{name:?}: {err:?}"
            );
        }
    }

    #[test]
    fn copies_skeleton() {
        let r = Root::new();
        let skel = r.skel();
        std::fs::create_dir(r.homes().join("bob")).unwrap();
        std::fs::write(r.homes().join("bob/.profile"), "mine").unwrap();
        let home = create_home(&r.root, &r.homes(), "bob", 0o700, 1234, 1234, Some(&skel)).unwrap();
        assert_eq!(std::fs::read_to_string(home.join(".profile")).unwrap(), "mine");
        assert_eq!(std::fs::read_to_string(home.join(".bashrc")).unwrap(), "bashrc");
        assert_eq!(mode_of(&home.join(".bashrc")), 0o640);
        assert!(!home.join("subdir").exists());
        assert!(!home.join("link").exists());
        if rustix::process::geteuid().is_root() {
            assert_eq!(std::fs::metadata(home.join(".bashrc")).unwrap().uid(), 1234);
        }
    }

    #[test]
    fn copy_skel_does_not_follow_planted_symlinks() {
        let r = Root::new();
        let skel = r.skel();
        let home = create_home(&r.root, &r.homes(), "bob", 0o700, 0, 0, None).unwrap();
        let victim = r.dir.path().join("outside/victim");
        std::fs::write(&victim, "untouched").unwrap();
        std::os::unix::fs::symlink(&victim, home.join(".bashrc")).unwrap();
        copy_skel(&r.root, &home, &skel, 0, 0).unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "untouched");
        assert_eq!(std::fs::read_to_string(home.join(".profile")).unwrap(), "profile");
    }

    #[test]
    fn set_permissions_on_existing_home() {
        let r = Root::new();
        let home = r.homes().join("alice");
        std::fs::create_dir(&home).unwrap();
        set_home_permissions(&r.root, &home, Some(0o711), Some((77, 88))).unwrap();
        assert_eq!(mode_of(&home), 0o711);
        if rustix::process::geteuid().is_root() {
            let meta = std::fs::metadata(&home).unwrap();
            assert_eq!((meta.uid(), meta.gid()), (77, 88));
        }
        assert!(set_home_permissions(&r.root, &r.root, Some(0o700), None).is_err());
        let outside = r.dir.path().join("outside");
        std::os::unix::fs::symlink(&outside, r.homes().join("evil")).unwrap();
        assert!(set_home_permissions(&r.root, &r.homes().join("evil"), Some(0o777), None).is_err());
        assert_ne!(mode_of(&outside), 0o777);
    }
}

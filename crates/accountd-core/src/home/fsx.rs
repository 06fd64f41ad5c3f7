//! Descriptor-based filesystem helpers that refuse to follow symlinks.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path};

use rustix::fs::{Mode, OFlags};
use rustix::io::{Errno, Result};

const DIR_FLAGS: OFlags = OFlags::RDONLY.union(OFlags::DIRECTORY).union(OFlags::CLOEXEC);

/// Opens a directory by path, following symlinks (for admin-chosen paths only).
pub(super) fn open_dir(path: &Path) -> Result<OwnedFd> {
    rustix::fs::open(path, DIR_FLAGS, Mode::empty())
}

/// Opens the directory `name` inside `dir`; a symlink fails with `ELOOP`, a non-directory with `ENOTDIR`.
pub(super) fn open_dir_at(dir: impl AsFd, name: &OsStr) -> Result<OwnedFd> {
    match rustix::fs::openat(&dir, name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty()) {
        // Linux answers ENOTDIR for a symlink opened with O_DIRECTORY | O_NOFOLLOW: tell the two apart.
        Err(Errno::NOTDIR) => match rustix::fs::statat(&dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) if rustix::fs::FileType::from_raw_mode(st.st_mode) == rustix::fs::FileType::Symlink => {
                Err(Errno::LOOP)
            }
            _ => Err(Errno::NOTDIR),
        },
        other => other,
    }
}

/// Opens the directory `path`, which must be spelled under `home_root` (or be it), by walking down from
/// `home_root` one component at a time without following any symlink: a symlink anywhere below the home
/// root fails with `ELOOP`, a `.`/`..` component or a path not under the root with `EINVAL`, a missing
/// component with `ENOENT`, a non-directory with `ENOTDIR`. Only `home_root` itself (chosen by the
/// administrator) is opened by path.
pub(super) fn open_under(home_root: &Path, path: &Path) -> Result<OwnedFd> {
    let rel = match path.strip_prefix(home_root) {
        Ok(rel) => rel.to_path_buf(),
        Err(_) => {
            let root = std::fs::canonicalize(home_root).map_err(|_| Errno::INVAL)?;
            path.strip_prefix(&root).map_err(|_| Errno::INVAL)?.to_path_buf()
        }
    };
    let mut fd = open_dir(home_root)?;
    for comp in rel.components() {
        match comp {
            Component::Normal(name) => fd = open_dir_at(&fd, name)?,
            _ => return Err(Errno::INVAL),
        }
    }
    Ok(fd)
}

/// Removes `name` inside `dir` without following symlinks: a symlink or file is unlinked, a directory
/// emptied the same way (at most `depth` levels down) and removed. A missing `name` is fine.
pub(super) fn remove_tree_at(dir: impl AsFd, name: &OsStr, depth: usize) -> Result<()> {
    let stat = match rustix::fs::statat(&dir, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
        Ok(st) => st,
        Err(Errno::NOENT) => return Ok(()),
        Err(e) => return Err(e),
    };
    if rustix::fs::FileType::from_raw_mode(stat.st_mode) != rustix::fs::FileType::Directory {
        return rustix::fs::unlinkat(&dir, name, rustix::fs::AtFlags::empty());
    }
    if depth == 0 {
        return Err(Errno::NOTEMPTY);
    }
    let inner = open_dir_at(&dir, name)?;
    let mut names = Vec::new();
    for entry in rustix::fs::Dir::read_from(&inner)? {
        let entry = entry?;
        let entry_name = entry.file_name().to_bytes();
        if entry_name != b"." && entry_name != b".." {
            names.push(OsStr::from_bytes(entry_name).to_os_string());
        }
    }
    for entry_name in names {
        remove_tree_at(&inner, &entry_name, depth - 1)?;
    }
    rustix::fs::unlinkat(&dir, name, rustix::fs::AtFlags::REMOVEDIR)
}

/// Sets the permission bits (masked to 0o777).
pub(super) fn chmod_fd(fd: impl AsFd, mode: u32) -> Result<()> {
    rustix::fs::fchmod(fd, Mode::from_bits_truncate(mode & 0o777))
}

/// Changes the owner; when not running as root an `EPERM` is logged and ignored.
pub(super) fn chown_fd(fd: impl AsFd, uid: u32, gid: u32) -> std::io::Result<()> {
    match std::os::unix::fs::fchown(fd, Some(uid), Some(gid)) {
        Err(e) if e.raw_os_error() == Some(Errno::PERM.raw_os_error()) && !is_root() => {
            tracing::warn!(uid, gid, "not running as root: ownership left unchanged");
            Ok(())
        }
        other => other,
    }
}

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

//! Descriptor-based filesystem helpers that refuse to follow symlinks.

use std::ffi::OsStr;
use std::os::fd::{AsFd, OwnedFd};
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
    rustix::fs::openat(dir, name, DIR_FLAGS | OFlags::NOFOLLOW, Mode::empty())
}

/// Opens `target` by walking down from `root` one component at a time without following any
/// symlink. Both paths must be canonical; `target` must be `root` or lie under it.
pub(super) fn open_beneath(root: &Path, target: &Path) -> Result<OwnedFd> {
    let rel = target.strip_prefix(root).map_err(|_| Errno::XDEV)?;
    let mut fd = open_dir(root)?;
    for comp in rel.components() {
        match comp {
            Component::Normal(name) => fd = open_dir_at(&fd, name)?,
            _ => return Err(Errno::INVAL),
        }
    }
    Ok(fd)
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

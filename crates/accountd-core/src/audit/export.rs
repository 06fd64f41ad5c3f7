//! Where exports go: a file inside the data directory, created without following any symlink, mode 0600.

use std::ffi::OsStr;
use std::fs::File;
use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Component, Path, PathBuf};

use accountd_api::types::audit::AuditExport;
use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

use crate::error::Error;

const ATTRIBUTE: &str = "data.path";
const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::CLOEXEC)
    .union(OFlags::NOFOLLOW);

/// The export's path relative to the data directory: the caller's `path` (relative to the data directory, or
/// absolute inside it), else `audit_reports/<username>/<uuid>.<format>` as TrueNAS names reports.
pub(super) fn target(data_dir: &Path, username: &str, export: &AuditExport) -> Result<PathBuf, Error> {
    let Some(given) = &export.path else {
        let name = format!("{}.{}", super::new_uuid(), export.export_format.extension());
        let user = if username.is_empty() || username.starts_with('.') || username.contains('/') {
            "root"
        } else {
            username
        };
        return Ok(PathBuf::from("audit_reports").join(user).join(name));
    };
    let outside = || {
        Error::invalid(
            ATTRIBUTE,
            format!(
                "{given}: the export file must lie inside the data directory {}",
                data_dir.display()
            ),
        )
    };
    let path = Path::new(given);
    let relative = if path.is_absolute() {
        path.strip_prefix(data_dir).map_err(|_| outside())?
    } else {
        path
    };
    let mut clean = PathBuf::new();
    for comp in relative.components() {
        match comp {
            Component::Normal(name) => clean.push(name),
            Component::CurDir => {}
            _ => return Err(outside()),
        }
    }
    if clean.as_os_str().is_empty() {
        return Err(outside());
    }
    Ok(clean)
}

/// Writes `content` to `relative` under `data_dir` (which may itself be reached through symlinks: it is the
/// administrator's choice). Missing directories are created with mode 0700; an existing file, a symlink or a
/// non-directory on the way is refused. Returns the absolute path.
pub(super) fn write(data_dir: &Path, relative: &Path, content: &[u8]) -> Result<String, Error> {
    let shown = data_dir.join(relative);
    let fail = |e: Errno| {
        let why = match e {
            Errno::EXIST => "already exists".to_string(),
            Errno::LOOP | Errno::NOTDIR => "a component of the path is a symlink or not a directory".to_string(),
            other => other.to_string(),
        };
        Error::invalid(ATTRIBUTE, format!("{}: {why}", shown.display()))
    };
    let components: Vec<&OsStr> = relative.iter().collect();
    let Some((file_name, dirs)) = components.split_last() else {
        return Err(Error::invalid(ATTRIBUTE, "An export file name is required"));
    };
    let mut dir: OwnedFd = rustix::fs::open(
        data_dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
    .map_err(fail)?;
    for name in dirs {
        dir = match rustix::fs::openat(&dir, *name, DIR_FLAGS, Mode::empty()) {
            Ok(fd) => fd,
            Err(Errno::NOENT) => {
                rustix::fs::mkdirat(&dir, *name, Mode::from_bits_truncate(0o700)).map_err(fail)?;
                rustix::fs::openat(&dir, *name, DIR_FLAGS, Mode::empty()).map_err(fail)?
            }
            Err(e) => return Err(fail(e)),
        };
    }
    let flags = OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC;
    let fd = rustix::fs::openat(&dir, *file_name, flags, Mode::from_bits_truncate(0o600)).map_err(fail)?;
    rustix::fs::fchmod(&fd, Mode::from_bits_truncate(0o600)).map_err(fail)?;
    let mut file = File::from(fd);
    file.write_all(content)
        .and_then(|_| file.sync_all())
        .map_err(|e| Error::internal(format!("{}: {e}", shown.display())))?;
    Ok(shown.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn export(path: Option<&str>) -> AuditExport {
        AuditExport {
            path: path.map(str::to_string),
            ..AuditExport::default()
        }
    }

    #[test]
    fn targets_stay_inside_the_data_directory() {
        let dir = Path::new("/data");
        let ok = |p: &str| target(dir, "alice", &export(Some(p))).unwrap();
        assert_eq!(ok("a/b.csv"), PathBuf::from("a/b.csv"));
        assert_eq!(ok("./b.csv"), PathBuf::from("b.csv"));
        assert_eq!(ok("/data/r/b.csv"), PathBuf::from("r/b.csv"));
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "/data/../etc/passwd",
            "/datax/f",
            ".",
            "/data",
        ] {
            assert!(target(dir, "alice", &export(Some(bad))).is_err(), "{bad}");
        }
        let default = target(dir, "alice", &export(None)).unwrap();
        assert!(default.starts_with("audit_reports/alice"), "{}", default.display());
        assert_eq!(default.extension().unwrap(), "json");
        assert!(
            target(dir, ".UNAUTHENTICATED", &export(None))
                .unwrap()
                .starts_with("audit_reports/root")
        );
    }

    #[test]
    fn writes_private_files_and_refuses_symlinks_and_existing_files() {
        let tmp = tempfile::tempdir().unwrap();
        let data = tmp.path();
        let out = write(data, Path::new("r/one.json"), b"[]").unwrap();
        assert_eq!(std::fs::read(&out).unwrap(), b"[]");
        assert_eq!(std::fs::metadata(&out).unwrap().permissions().mode() & 0o777, 0o600);
        assert!(write(data, Path::new("r/one.json"), b"again").is_err());
        let elsewhere = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), data.join("link")).unwrap();
        assert!(write(data, Path::new("link/x.json"), b"[]").is_err());
        std::os::unix::fs::symlink(elsewhere.path().join("f"), data.join("file-link")).unwrap();
        assert!(write(data, Path::new("file-link"), b"[]").is_err());
        assert!(std::fs::read_dir(elsewhere.path()).unwrap().next().is_none());
    }
}

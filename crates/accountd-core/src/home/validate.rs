//! `home` and `home_mode` validation (TrueNAS `validate_homedir_path` and `common_validation`).

use std::path::Path;

use super::DEFAULT_HOME;
use crate::error::{ValidationErrors, errno};

/// Whether `path` (spelled under `home_root`) is a symlink or has one among its components below the root.
fn below_a_symlink(home_root: &Path, path: &Path) -> bool {
    let Ok(rel) = path.strip_prefix(home_root) else {
        return false;
    };
    let mut at = home_root.to_path_buf();
    rel.components().any(|comp| {
        at.push(comp);
        std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink())
    })
}

/// Validates a supplied `home` into `<attr_prefix>.home`; returns true when it is a usable home.
///
/// Rules, in TrueNAS order: absolute; not a file; no `:`; [`DEFAULT_HOME`] is accepted (but returns
/// false: not valid for SSH password login); must exist (with `home_create` it is the parent of
/// `<home>/<username>`); not another user's home (EEXIST); under `home_root` and not `home_root`
/// itself; not a direct child of `home_root` (a pool mountpoint) unless `home_create`; after
/// resolving `..` and symlinks still under `home_root` (this one at attribute `<attr_prefix>`, as
/// TrueNAS reports it); not a symlink nor below one under `home_root` (accountd never follows one there). When it returns false and SSH password login is on, the caller adds
/// "SSH password login requires a valid home path." at `<attr_prefix>.home`.
pub fn validate_home(
    errs: &mut ValidationErrors,
    attr_prefix: &str,
    home: &str,
    home_create: bool,
    username: &str,
    other_users_homes: &[(String, String)],
    home_root: &Path,
) -> bool {
    let attr = format!("{attr_prefix}.home");
    let p = Path::new(home);
    if !p.is_absolute() {
        errs.add(attr, "\"Home Directory\" must be an absolute path.");
        return false;
    }
    let meta = std::fs::metadata(p).ok();
    if meta.as_ref().is_some_and(|m| !m.is_dir()) {
        errs.add(attr, "\"Home Directory\" cannot be a file.");
        return false;
    }
    if home.contains(':') {
        errs.add(attr, "\"Home Directory\" cannot contain colons (:).");
        return false;
    }
    if home == DEFAULT_HOME {
        return false;
    }

    let before = errs.0.len();
    if meta.is_none() {
        if home_create {
            errs.add(
                &attr,
                format!(
                    "{home}: path specified to use for home directory creation does not exist. \
                     TrueNAS uses the provided path as the parent directory of the newly-created home directory."
                ),
            );
        } else {
            errs.add(
                &attr,
                format!("{home}: path specified to use as home directory does not exist."),
            );
        }
        if let Some(parent) = p.parent().filter(|parent| !parent.exists()) {
            errs.add(
                &attr,
                format!(
                    "{}: parent path of specified home directory does not exist.",
                    parent.display()
                ),
            );
        }
    }

    let target = p.join(username);
    let in_use = other_users_homes
        .iter()
        .find(|(_, h)| Path::new(h) == p)
        .map(|(user, _)| (home.to_string(), user))
        .or_else(|| {
            let (user, h) = other_users_homes
                .iter()
                .find(|(_, h)| home_create && Path::new(h) == target)?;
            Some((h.clone(), user))
        });
    if let Some((path, user)) = in_use {
        errs.add_errno(&attr, format!("{path}: homedir already used by {user}."), errno::EEXIST);
    }

    let root = home_root.display();
    if !p.starts_with(home_root) {
        errs.add(
            &attr,
            format!("\"Home Directory\" must begin with {root} or set to {DEFAULT_HOME}."),
        );
    } else if p == home_root {
        errs.add(&attr, format!("\"Home Directory\" cannot be at root of \"{root}\""));
    }
    if errs.0.len() > before {
        return false;
    }

    // `..` components and symlinks: judge where the path really leads.
    let resolved = std::fs::canonicalize(p).ok();
    let root_resolved = std::fs::canonicalize(home_root).ok();
    let (Some(resolved), Some(root_resolved)) = (resolved, root_resolved) else {
        errs.add(attr_prefix, "The path must reside within a pool mount point");
        return false;
    };
    if !resolved.starts_with(&root_resolved) || resolved == root_resolved {
        errs.add(attr_prefix, "The path must reside within a pool mount point");
        return false;
    }
    if below_a_symlink(home_root, p) {
        errs.add(attr, format!("{home}: {}", super::create::SYMLINK_REFUSED));
        return false;
    }
    if resolved.parent() == Some(root_resolved.as_path()) && !home_create {
        errs.add(
            attr,
            format!("The specified path is a ZFS pool mountpoint \"({home})\"."),
        );
        return false;
    }
    true
}

/// Parses a `home_mode` octal string (`"700"`, `"0o755"`); `None` unless it is within 0..=0o777.
pub fn parse_home_mode(mode: &str) -> Option<u32> {
    let digits = mode.trim();
    let digits = digits
        .strip_prefix("0o")
        .or_else(|| digits.strip_prefix("0O"))
        .unwrap_or(digits);
    if digits.is_empty() || digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return None;
    }
    let digits: String = digits.chars().filter(|c| *c != '_').collect();
    if !digits.chars().all(|c| ('0'..='7').contains(&c)) {
        return None;
    }
    u32::from_str_radix(&digits, 8).ok().filter(|m| *m <= 0o777)
}

/// Validates `home_mode` at attribute `attr` (e.g. `user_create.home_mode`): octal ≤ 777 that
/// lets the owner read and enter the directory.
pub fn validate_home_mode(errs: &mut ValidationErrors, attr: &str, mode: &str) {
    let Some(m) = parse_home_mode(mode) else {
        errs.add(attr, "Please provide a valid value for home_mode attribute");
        return;
    };
    if m & 0o400 == 0 {
        errs.add(attr, "Home directory must be readable by User.");
    }
    if m & 0o100 == 0 {
        errs.add(attr, "Home directory must be executable by User.");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// A home root `<tmp>/mnt` with a pool `tank`, a dataset `tank/homes` and a file.
    struct Root {
        _dir: tempfile::TempDir,
        root: PathBuf,
    }

    impl Root {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().join("mnt");
            std::fs::create_dir_all(root.join("tank/homes/alice")).unwrap();
            std::fs::write(root.join("tank/file"), "x").unwrap();
            std::fs::create_dir(dir.path().join("outside")).unwrap();
            Root { _dir: dir, root }
        }

        fn p(&self, rel: &str) -> String {
            if rel.is_empty() {
                self.root.display().to_string()
            } else {
                format!("{}/{rel}", self.root.display())
            }
        }

        fn check(&self, home: &str, create: bool, others: &[(&str, &str)]) -> (bool, Vec<(String, String, i32)>) {
            let others: Vec<(String, String)> = others.iter().map(|(u, h)| (u.to_string(), h.to_string())).collect();
            let mut errs = ValidationErrors::new();
            let ok = validate_home(&mut errs, "user_create", home, create, "bob", &others, &self.root);
            let items = errs
                .0
                .into_iter()
                .map(|i| (i.attribute.unwrap_or_default(), i.message, i.errno))
                .collect();
            (ok, items)
        }
    }

    fn home_err(msg: &str) -> (String, String, i32) {
        ("user_create.home".into(), msg.into(), errno::EINVAL)
    }

    #[test]
    fn valid_homes() {
        let r = Root::new();
        assert_eq!(r.check(&r.p("tank/homes/alice"), false, &[]), (true, vec![]));
        assert_eq!(r.check(&r.p("tank/homes"), true, &[]), (true, vec![]));
        assert_eq!(r.check(&r.p("tank"), true, &[]), (true, vec![]));
        assert_eq!(r.check(&r.p("tank/homes/alice/"), false, &[]), (true, vec![]));
    }

    #[test]
    fn default_home_is_accepted_but_not_valid_for_ssh() {
        let r = Root::new();
        assert_eq!(r.check(DEFAULT_HOME, false, &[("x", DEFAULT_HOME)]), (false, vec![]));
        assert_eq!(r.check(DEFAULT_HOME, true, &[]), (false, vec![]));
    }

    #[test]
    fn syntax_rules_stop_early() {
        let r = Root::new();
        assert_eq!(
            r.check("tank/x", false, &[]),
            (false, vec![home_err("\"Home Directory\" must be an absolute path.")])
        );
        assert_eq!(
            r.check(&r.p("tank/file"), false, &[]),
            (false, vec![home_err("\"Home Directory\" cannot be a file.")])
        );
        assert_eq!(
            r.check(&r.p("tank/a:b"), false, &[]),
            (false, vec![home_err("\"Home Directory\" cannot contain colons (:).")])
        );
    }

    #[test]
    fn missing_paths() {
        let r = Root::new();
        let home = r.p("tank/homes/nobody");
        assert_eq!(
            r.check(&home, false, &[]),
            (
                false,
                vec![home_err(&format!(
                    "{home}: path specified to use as home directory does not exist."
                ))]
            )
        );
        assert_eq!(
            r.check(&home, true, &[]),
            (
                false,
                vec![home_err(&format!(
                    "{home}: path specified to use for home directory creation does not exist. TrueNAS uses the \
                     provided path as the parent directory of the newly-created home directory."
                ))]
            )
        );
        let deep = r.p("tank/none/x");
        let (ok, items) = r.check(&deep, false, &[]);
        assert!(!ok);
        assert_eq!(items.len(), 2);
        assert_eq!(
            items[1],
            home_err(&format!(
                "{}: parent path of specified home directory does not exist.",
                r.p("tank/none")
            ))
        );
    }

    #[test]
    fn collisions() {
        let r = Root::new();
        let alice = r.p("tank/homes/alice");
        let eexist = |path: &str, user: &str| {
            (
                "user_create.home".to_string(),
                format!("{path}: homedir already used by {user}."),
                errno::EEXIST,
            )
        };
        assert_eq!(
            r.check(&alice, false, &[("carol", "/var/empty"), ("alice", &alice)]),
            (false, vec![eexist(&alice, "alice")])
        );
        // equal after dropping a trailing slash
        assert_eq!(
            r.check(&alice, false, &[("alice", &format!("{alice}/"))]),
            (false, vec![eexist(&alice, "alice")])
        );
        // with home_create the effective `<home>/<username>` must be free too
        let homes = r.p("tank/homes");
        let target = format!("{homes}/bob");
        assert_eq!(
            r.check(&homes, true, &[("old", &target)]),
            (false, vec![eexist(&target, "old")])
        );
        assert_eq!(r.check(&homes, false, &[("old", &target)]), (true, vec![]));
    }

    #[test]
    fn root_rules() {
        let r = Root::new();
        let root = r.p("");
        assert_eq!(
            r.check("/etc", false, &[]),
            (
                false,
                vec![home_err(&format!(
                    "\"Home Directory\" must begin with {root} or set to /var/empty."
                ))]
            )
        );
        for home in [root.clone(), format!("{root}/")] {
            assert_eq!(
                r.check(&home, true, &[]),
                (
                    false,
                    vec![home_err(&format!("\"Home Directory\" cannot be at root of \"{root}\""))]
                )
            );
        }
        // a sibling whose name merely starts with the root's name is outside
        let sibling = format!("{root}2");
        std::fs::create_dir(&sibling).unwrap();
        assert!(!r.check(&sibling, false, &[]).0);
    }

    #[test]
    fn pool_mountpoint_needs_home_create() {
        let r = Root::new();
        let tank = r.p("tank");
        assert_eq!(
            r.check(&tank, false, &[]),
            (
                false,
                vec![home_err(&format!(
                    "The specified path is a ZFS pool mountpoint \"({tank})\"."
                ))]
            )
        );
    }

    #[test]
    fn traversal_and_symlinks_are_resolved() {
        let r = Root::new();
        let reside = (
            "user_create".to_string(),
            "The path must reside within a pool mount point".to_string(),
            errno::EINVAL,
        );
        assert_eq!(
            r.check(&r.p("tank/../../outside"), false, &[]),
            (false, vec![reside.clone()])
        );
        assert_eq!(r.check(&r.p(".."), true, &[]), (false, vec![reside.clone()]));
        std::os::unix::fs::symlink(r.root.parent().unwrap().join("outside"), r.root.join("tank/escape")).unwrap();
        assert_eq!(r.check(&r.p("tank/escape"), false, &[]), (false, vec![reside.clone()]));
        assert_eq!(r.check(&r.p("tank/escape"), true, &[]), (false, vec![reside]));
        // a symlink that stays inside the root is refused too (TrueNAS follows it; accountd never does)
        std::os::unix::fs::symlink(r.root.join("tank/homes/alice"), r.root.join("tank/link")).unwrap();
        let refused = |home: &str| {
            (
                false,
                vec![(
                    "user_create.home".to_string(),
                    format!("{home}: {}", crate::home::create::SYMLINK_REFUSED),
                    errno::EINVAL,
                )],
            )
        };
        assert_eq!(r.check(&r.p("tank/link"), false, &[]), refused(&r.p("tank/link")));
        std::os::unix::fs::symlink(r.root.join("tank/homes"), r.root.join("tank/homes2")).unwrap();
        assert_eq!(
            r.check(&r.p("tank/homes2/alice"), false, &[]),
            refused(&r.p("tank/homes2/alice"))
        );
        assert_eq!(r.check(&r.p("tank/homes/alice"), false, &[]), (true, vec![]));
    }

    #[test]
    fn home_mode_parsing() {
        for (input, expected) in [
            ("700", Some(0o700)),
            ("0700", Some(0o700)),
            ("0o755", Some(0o755)),
            (" 755 ", Some(0o755)),
            ("7_5_5", Some(0o755)),
            ("777", Some(0o777)),
            ("0", Some(0)),
            ("1000", None),
            ("778", None),
            ("", None),
            ("rwx", None),
            ("-700", None),
            ("7__0", None),
        ] {
            assert_eq!(parse_home_mode(input), expected, "{input:?}");
        }
    }

    #[test]
    fn home_mode_rules() {
        let cases: &[(&str, &[&str])] = &[
            ("700", &[]),
            ("755", &[]),
            ("500", &[]),
            ("300", &["Home directory must be readable by User."]),
            ("600", &["Home directory must be executable by User."]),
            (
                "070",
                &[
                    "Home directory must be readable by User.",
                    "Home directory must be executable by User.",
                ],
            ),
            ("1777", &["Please provide a valid value for home_mode attribute"]),
            ("abc", &["Please provide a valid value for home_mode attribute"]),
        ];
        for (mode, expected) in cases {
            let mut errs = ValidationErrors::new();
            validate_home_mode(&mut errs, "user_create.home_mode", mode);
            let got: Vec<_> = errs.0.iter().map(|i| i.message.as_str()).collect();
            assert_eq!(&got, expected, "mode {mode}");
            assert!(
                errs.0
                    .iter()
                    .all(|i| i.attribute.as_deref() == Some("user_create.home_mode"))
            );
        }
    }
}

//! Login shell choices (`user.shell_choices`) and shell validation.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::ValidationErrors;
use crate::home::DEFAULT_HOME;

/// The no-login shell; always offered.
pub const NOLOGIN: &str = "/usr/sbin/nologin";
/// TrueNAS CLI shells, offered only to members of a group that carries a privilege.
pub const PRIVILEGED_SHELLS: [(&str, &str); 2] = [
    ("/usr/bin/cli", "TrueNAS CLI"),
    ("/usr/bin/cli_console", "TrueNAS Console"),
];
/// Shells assumed under `/usr/bin` when `/etc/shells` cannot be read.
pub const FALLBACK_SHELLS: [&str; 6] = ["bash", "rbash", "dash", "sh", "zsh", "tmux"];

const ETC_SHELLS: &str = "/etc/shells";

/// `{path: label}` of valid shells, reading this machine's `/etc/shells`.
///
/// Always `/usr/sbin/nologin: "nologin"`, every `/etc/shells` entry under `/usr/bin/` labelled by
/// its file name, and the TrueNAS CLI shells when `has_privileged_group`. Blocking (one small read).
pub fn shell_choices(has_privileged_group: bool) -> BTreeMap<String, String> {
    let content = std::fs::read_to_string(ETC_SHELLS).ok();
    shell_choices_from(content.as_deref(), has_privileged_group)
}

/// [`shell_choices`] from given `/etc/shells` content (`None`: built-in list).
pub fn shell_choices_from(etc_shells: Option<&str>, has_privileged_group: bool) -> BTreeMap<String, String> {
    let mut shells = BTreeMap::new();
    shells.insert(NOLOGIN.to_string(), "nologin".to_string());
    if has_privileged_group {
        for (path, label) in PRIVILEGED_SHELLS {
            shells.insert(path.to_string(), label.to_string());
        }
    }
    let listed: Vec<String> = match etc_shells {
        Some(content) => content
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with("/usr/bin/"))
            .map(str::to_string)
            .collect(),
        None => FALLBACK_SHELLS.iter().map(|s| format!("/usr/bin/{s}")).collect(),
    };
    for path in listed {
        // The CLI shells stay gated on privilege even if /etc/shells lists them.
        if PRIVILEGED_SHELLS.iter().any(|(p, _)| *p == path) {
            continue;
        }
        let Some(label) = Path::new(&path).file_name().map(|n| n.to_string_lossy().into_owned()) else {
            continue;
        };
        shells.insert(path, label);
    }
    shells
}

/// `<attr_prefix>.shell`: the shell must be one of `choices`; nologin refuses SSH password logins.
pub fn validate_shell(
    errs: &mut ValidationErrors,
    attr_prefix: &str,
    shell: &str,
    choices: &BTreeMap<String, String>,
    ssh_password_enabled: bool,
) {
    if !choices.contains_key(shell) {
        errs.add(format!("{attr_prefix}.shell"), "Please select a valid shell.");
    } else if ssh_password_enabled && shell == NOLOGIN {
        errs.add(
            format!("{attr_prefix}.shell"),
            "SSH password login requires a login shell.",
        );
    }
}

/// `<attr_prefix>.ssh_password_enabled`: with SSH password login on, the effective (stored merged
/// with new) home must not be [`DEFAULT_HOME`] and the shell must not be [`NOLOGIN`].
pub fn validate_ssh_password_login(errs: &mut ValidationErrors, attr_prefix: &str, home: &str, shell: &str) {
    if home == DEFAULT_HOME || shell == NOLOGIN {
        errs.add(
            format!("{attr_prefix}.ssh_password_enabled"),
            "Cannot be enabled without a valid home path and login shell.",
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEBIAN: &str = "# /etc/shells: valid login shells\n/bin/sh\n/usr/bin/sh\n/bin/bash\n/usr/bin/bash\n\
        /bin/rbash\n/usr/bin/rbash\n/bin/dash\n/usr/bin/dash\n/usr/bin/tmux\n  /usr/bin/zsh  \n\n# /usr/bin/fake\n\
        /usr/bin/cli\n/usr/local/bin/fish\n";

    fn keys(m: &BTreeMap<String, String>) -> Vec<(&str, &str)> {
        m.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    #[test]
    fn choices_from_etc_shells() {
        let plain = shell_choices_from(Some(DEBIAN), false);
        assert_eq!(
            keys(&plain),
            vec![
                ("/usr/bin/bash", "bash"),
                ("/usr/bin/dash", "dash"),
                ("/usr/bin/rbash", "rbash"),
                ("/usr/bin/sh", "sh"),
                ("/usr/bin/tmux", "tmux"),
                ("/usr/bin/zsh", "zsh"),
                ("/usr/sbin/nologin", "nologin"),
            ]
        );
        let privileged = shell_choices_from(Some(DEBIAN), true);
        assert_eq!(privileged.len(), plain.len() + 2);
        assert_eq!(privileged["/usr/bin/cli"], "TrueNAS CLI");
        assert_eq!(privileged["/usr/bin/cli_console"], "TrueNAS Console");
    }

    #[test]
    fn choices_fallback_and_empty() {
        let fallback = shell_choices_from(None, false);
        assert_eq!(fallback.len(), 7);
        assert_eq!(fallback["/usr/bin/zsh"], "zsh");
        assert_eq!(fallback["/usr/sbin/nologin"], "nologin");
        assert_eq!(
            keys(&shell_choices_from(Some(""), false)),
            vec![("/usr/sbin/nologin", "nologin")]
        );
    }

    #[test]
    fn choices_of_this_machine() {
        let m = shell_choices(false);
        assert_eq!(m[NOLOGIN], "nologin");
        assert!(!m.contains_key("/usr/bin/cli"));
        assert!(m.keys().all(|k| k == NOLOGIN || k.starts_with("/usr/bin/")));
    }

    #[test]
    fn validate_shell_rules() {
        let choices = shell_choices_from(Some(DEBIAN), false);
        let cases: &[(&str, bool, Option<&str>)] = &[
            ("/usr/bin/bash", false, None),
            ("/usr/bin/bash", true, None),
            (NOLOGIN, false, None),
            (NOLOGIN, true, Some("SSH password login requires a login shell.")),
            ("/bin/bash", false, Some("Please select a valid shell.")),
            ("/usr/bin/cli", false, Some("Please select a valid shell.")),
            ("", true, Some("Please select a valid shell.")),
        ];
        for (shell, ssh, expected) in cases {
            let mut errs = ValidationErrors::new();
            validate_shell(&mut errs, "user_create", shell, &choices, *ssh);
            let got: Vec<_> = errs
                .0
                .iter()
                .map(|i| (i.attribute.as_deref(), i.message.as_str()))
                .collect();
            let want: Vec<_> = expected.iter().map(|m| (Some("user_create.shell"), *m)).collect();
            assert_eq!(got, want, "shell {shell:?} ssh {ssh}");
        }
    }

    #[test]
    fn ssh_password_login_rules() {
        for (home, shell, ok) in [
            ("/mnt/tank/bob", "/usr/bin/bash", true),
            (DEFAULT_HOME, "/usr/bin/bash", false),
            ("/mnt/tank/bob", NOLOGIN, false),
        ] {
            let mut errs = ValidationErrors::new();
            validate_ssh_password_login(&mut errs, "user_update", home, shell);
            assert_eq!(errs.is_empty(), ok, "{home} {shell}");
            if !ok {
                assert_eq!(errs.0[0].attribute.as_deref(), Some("user_update.ssh_password_enabled"));
                assert_eq!(
                    errs.0[0].message,
                    "Cannot be enabled without a valid home path and login shell."
                );
            }
        }
    }
}

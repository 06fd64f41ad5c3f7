//! Validation of `sudo_commands` / `sudo_commands_nopasswd` lists (TrueNAS `validate_sudo_commands`).

use std::path::Path;

use glob::MatchOptions;
use rustix::fs::Access;

use crate::error::ValidationErrors;

/// Checks a sudo command list; items go to `<attr>.<index>` (e.g. `user_create.sudo_commands.0`).
///
/// No entry may hold a control character or a `,` (either would let one entry smuggle another rule into
/// the generated sudoers line). `ALL` must stand alone. Otherwise each command's first shell word must be an absolute,
/// normalized path whose glob matches something, and unless it ends in `/`, one match must be an
/// executable regular file. Blocking: touches the filesystem.
pub fn validate_sudo_commands(errs: &mut ValidationErrors, attr: &str, commands: &[String]) {
    let mut forbidden = false;
    for (idx, command) in commands.iter().enumerate() {
        if command.chars().any(|c| c.is_control() || c == ',') {
            errs.add(format!("{attr}.{idx}"), FORBIDDEN_CHARACTERS);
            forbidden = true;
        }
    }
    if forbidden {
        return;
    }
    if commands.len() != 1
        && let Some(idx) = commands.iter().position(|c| c == "ALL")
    {
        errs.add(format!("{attr}.{idx}"), "ALL cannot be used with other commands");
        return;
    }
    for (idx, command) in commands.iter().enumerate() {
        if let Err(msg) = check_command(command) {
            errs.add(format!("{attr}.{idx}"), msg);
        }
    }
}

/// The message for an entry holding a control character or a comma.
const FORBIDDEN_CHARACTERS: &str = "Sudo commands may not contain control characters or commas";

fn check_command(command: &str) -> Result<(), String> {
    // An empty or blank command has no executable; TrueNAS crashes here, we refuse it.
    let executable = shlex_split(command)?.into_iter().next().unwrap_or_default();
    if executable == "ALL" {
        return Ok(());
    }
    if !executable.starts_with('/') {
        return Err("Executable must be an absolute path".into());
    }
    if normpath(&executable).trim_end_matches('/') != executable.trim_end_matches('/') {
        return Err("Executable path must be normalized".into());
    }
    let paths = glob_paths(&executable);
    if paths.is_empty() {
        return Err(format!("No paths matching {} exist", py_repr(&executable)));
    }
    if !executable.ends_with('/') && !paths.iter().any(|p| is_executable_file(p)) {
        return Err(format!(
            "None of the paths matching {} is executable",
            py_repr(&executable)
        ));
    }
    Ok(())
}

fn is_executable_file(path: &str) -> bool {
    Path::new(path).is_file() && rustix::fs::access(path, Access::EXEC_OK).is_ok()
}

/// Python `glob.glob`: literal paths by `lexists`, hidden names need a literal dot,
/// a trailing `/` matches directories only.
fn glob_paths(pattern: &str) -> Vec<String> {
    let dirs_only = pattern.ends_with('/') && pattern.len() > 1;
    if !pattern.contains(['*', '?', '[']) {
        let found = if dirs_only {
            Path::new(pattern).is_dir()
        } else {
            std::fs::symlink_metadata(pattern).is_ok()
        };
        return if found { vec![pattern.to_string()] } else { Vec::new() };
    }
    let trimmed = if dirs_only {
        pattern.trim_end_matches('/')
    } else {
        pattern
    };
    let options = MatchOptions {
        case_sensitive: true,
        require_literal_separator: true,
        require_literal_leading_dot: true,
    };
    let Ok(paths) = glob::glob_with(trimmed, options) else {
        return Vec::new();
    };
    paths
        .filter_map(Result::ok)
        .filter(|p| !dirs_only || p.is_dir())
        .map(|p| p.to_string_lossy().into_owned())
        .collect()
}

/// Splits `command` like Python `shlex.split` (POSIX mode, no comments).
fn shlex_split(command: &str) -> Result<Vec<String>, String> {
    #[derive(PartialEq)]
    enum Quote {
        None,
        Single,
        Double,
    }
    let mut chars = command.chars();
    let mut words = Vec::new();
    let mut word = String::new();
    let mut started = false;
    let mut quote = Quote::None;
    while let Some(c) = chars.next() {
        match quote {
            Quote::None => {
                if matches!(c, ' ' | '\t' | '\r' | '\n') {
                    if started {
                        words.push(std::mem::take(&mut word));
                        started = false;
                    }
                    continue;
                }
                started = true;
                match c {
                    '\\' => word.push(chars.next().ok_or("No escaped character")?),
                    '\'' => quote = Quote::Single,
                    '"' => quote = Quote::Double,
                    _ => word.push(c),
                }
            }
            Quote::Single if c == '\'' => quote = Quote::None,
            Quote::Single => word.push(c),
            Quote::Double => match c {
                '"' => quote = Quote::None,
                '\\' => {
                    let next = chars.next().ok_or("No escaped character")?;
                    if next != '"' && next != '\\' {
                        word.push('\\');
                    }
                    word.push(next);
                }
                _ => word.push(c),
            },
        }
    }
    if quote != Quote::None {
        return Err("No closing quotation".into());
    }
    if started {
        words.push(word);
    }
    Ok(words)
}

/// Python `posixpath.normpath` for an absolute path.
fn normpath(path: &str) -> String {
    let leading = if path.starts_with("//") && !path.starts_with("///") {
        "//"
    } else {
        "/"
    };
    let mut parts: Vec<&str> = Vec::new();
    for comp in path.split('/') {
        match comp {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            _ => parts.push(comp),
        }
    }
    format!("{leading}{}", parts.join("/"))
}

use accountd_api::pytext::repr_str as py_repr;

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    type Errors = Vec<(String, String)>;

    /// Runs the validator and returns `(attribute, message)` pairs.
    fn check(commands: &[&str]) -> Vec<(String, String)> {
        let mut errs = ValidationErrors::new();
        let commands: Vec<String> = commands.iter().map(|s| s.to_string()).collect();
        validate_sudo_commands(&mut errs, "user_create.sudo_commands", &commands);
        errs.0
            .into_iter()
            .map(|i| (i.attribute.unwrap_or_default(), i.message))
            .collect()
    }

    fn one(attr_idx: usize, msg: &str) -> Vec<(String, String)> {
        vec![(format!("user_create.sudo_commands.{attr_idx}"), msg.to_string())]
    }

    struct Fixture {
        dir: tempfile::TempDir,
    }

    impl Fixture {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let bin = dir.path().join("bin");
            std::fs::create_dir(&bin).unwrap();
            for (name, mode) in [("run", 0o755), ("noexec", 0o644), (".hidden", 0o755)] {
                let p = bin.join(name);
                std::fs::write(&p, "#!/bin/sh\n").unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            std::fs::create_dir(bin.join("subdir")).unwrap();
            Fixture { dir }
        }

        fn p(&self, rel: &str) -> String {
            format!("{}/{rel}", self.dir.path().display())
        }
    }

    #[test]
    fn all_rules() {
        let f = Fixture::new();
        let run = f.p("bin/run");
        let noexec = f.p("bin/noexec");
        let cases: Vec<(Vec<String>, Errors)> = vec![
            (vec![], vec![]),
            (vec!["ALL".into()], vec![]),
            (vec![run.clone()], vec![]),
            (vec![format!("{run} --flag 'quoted arg'")], vec![]),
            (vec![format!("'{run}' x")], vec![]),
            (vec![f.p("bin/r*")], vec![]),
            (vec![f.p("bin/")], vec![]),
            (vec![f.p("bin/sub*/")], vec![]),
            (vec![f.p("bin/*")], vec![]),
            (
                vec![run.clone(), "ALL".into()],
                one(1, "ALL cannot be used with other commands"),
            ),
            (
                vec!["ALL".into(), "ALL".into()],
                one(0, "ALL cannot be used with other commands"),
            ),
            (vec!["ls -l".into()], one(0, "Executable must be an absolute path")),
            (vec!["   ".into()], one(0, "Executable must be an absolute path")),
            (vec!["'' /bin/ls".into()], one(0, "Executable must be an absolute path")),
            (
                vec![f.p("bin/../bin/run")],
                one(0, "Executable path must be normalized"),
            ),
            (vec![f.p("bin/./run")], one(0, "Executable path must be normalized")),
            (vec![f.p("bin//run")], one(0, "Executable path must be normalized")),
            (
                vec![f.p("bin/missing")],
                one(0, &format!("No paths matching '{}' exist", f.p("bin/missing"))),
            ),
            (
                vec![f.p("bin/zz*")],
                one(0, &format!("No paths matching '{}' exist", f.p("bin/zz*"))),
            ),
            (
                vec![f.p("bin/run/")],
                one(0, &format!("No paths matching '{}' exist", f.p("bin/run/"))),
            ),
            (
                vec![noexec.clone()],
                one(0, &format!("None of the paths matching '{noexec}' is executable")),
            ),
            (
                vec![f.p("bin/subdir")],
                one(
                    0,
                    &format!("None of the paths matching '{}' is executable", f.p("bin/subdir")),
                ),
            ),
            (
                vec![f.p("bin/noex*")],
                one(
                    0,
                    &format!("None of the paths matching '{}' is executable", f.p("bin/noex*")),
                ),
            ),
            // hidden files need a literal leading dot, as in Python's glob
            (
                vec![f.p("bin/*hidden")],
                one(0, &format!("No paths matching '{}' exist", f.p("bin/*hidden"))),
            ),
            (vec![format!("{run} 'unterminated")], one(0, "No closing quotation")),
            (vec![format!("{run}\nroot ALL=(ALL) ALL")], one(0, FORBIDDEN_CHARACTERS)),
            (vec![format!("{run}\r")], one(0, FORBIDDEN_CHARACTERS)),
            (vec![format!("{run}\t-l")], one(0, FORBIDDEN_CHARACTERS)),
            (vec![format!("{run}\u{0}")], one(0, FORBIDDEN_CHARACTERS)),
            (vec![format!("{run}\u{7f}")], one(0, FORBIDDEN_CHARACTERS)),
            (vec![format!("{run} a, /bin/sh")], one(0, FORBIDDEN_CHARACTERS)),
            (vec!["ALL,ALL".into()], one(0, FORBIDDEN_CHARACTERS)),
            (vec!["ALL".into(), format!("{run},{run}")], one(1, FORBIDDEN_CHARACTERS)),
            (vec![format!("'{run}")], one(0, "No closing quotation")),
            (vec![format!("{run}\\")], one(0, "No escaped character")),
            (
                vec![run.clone(), "relative".into(), noexec.clone()],
                vec![
                    (
                        "user_create.sudo_commands.1".into(),
                        "Executable must be an absolute path".into(),
                    ),
                    (
                        "user_create.sudo_commands.2".into(),
                        format!("None of the paths matching '{noexec}' is executable"),
                    ),
                ],
            ),
        ];
        for (commands, expected) in cases {
            let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
            assert_eq!(check(&refs), expected, "commands: {commands:?}");
        }
    }

    #[test]
    fn shlex_like_python() {
        let cases: &[(&str, Result<&[&str], &str>)] = &[
            ("", Ok(&[])),
            (" \t\n", Ok(&[])),
            ("/bin/ls -l", Ok(&["/bin/ls", "-l"])),
            ("  /bin/ls  ", Ok(&["/bin/ls"])),
            ("'/a b/c' d", Ok(&["/a b/c", "d"])),
            ("\"/a \\\"b\\\\\" x", Ok(&["/a \"b\\", "x"])),
            ("\"/a\\nb\"", Ok(&["/a\\nb"])),
            ("/a\\ b c", Ok(&["/a b", "c"])),
            ("/a'b c'd e", Ok(&["/ab cd", "e"])),
            ("'' x", Ok(&["", "x"])),
            ("'abc", Err("No closing quotation")),
            ("x \"abc", Err("No closing quotation")),
            ("abc\\", Err("No escaped character")),
            ("\"abc\\", Err("No escaped character")),
        ];
        for (input, expected) in cases {
            let expected = expected
                .map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .map_err(str::to_string);
            assert_eq!(shlex_split(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn python_normpath() {
        for (input, expected) in [
            ("/", "/"),
            ("/usr/bin/ls", "/usr/bin/ls"),
            ("/usr/bin/", "/usr/bin"),
            ("/usr//bin", "/usr/bin"),
            ("/usr/./bin", "/usr/bin"),
            ("/usr/../bin", "/bin"),
            ("/../bin", "/bin"),
            ("//usr/bin", "//usr/bin"),
            ("///usr/bin", "/usr/bin"),
        ] {
            assert_eq!(normpath(input), expected, "input {input:?}");
        }
    }

    #[test]
    fn python_repr() {
        for (input, expected) in [
            ("/usr/bin/x", "'/usr/bin/x'"),
            ("it's", "\"it's\""),
            ("'\"", "'\\'\"'"),
            ("a\\b", "'a\\\\b'"),
            ("a\nb\t\u{1}", "'a\\nb\\t\\x01'"),
            ("é", "'é'"),
        ] {
            assert_eq!(py_repr(input), expected, "input {input:?}");
        }
    }
}

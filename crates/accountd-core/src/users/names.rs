//! Name rules shared by users and groups (TrueNAS `validate_name`), reported as pydantic value errors.

const MAX_LENGTH: usize = 32;

fn valid_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

fn valid_chars_list() -> String {
    let chars: Vec<String> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(['_', '-', '.'])
        .map(String::from)
        .collect();
    chars.join(", ")
}

fn check(name: &str, valid_start: impl Fn(char) -> bool) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("Value error, Must be at least 1 character in length".to_string());
    };
    if name.chars().count() > MAX_LENGTH {
        return Err(format!("Value error, Cannot exceed {MAX_LENGTH} charaters in length"));
    }
    if !valid_start(first) {
        return Err(format!("Value error, Cannot start with \"'{first}'\""));
    }
    if !name.chars().all(valid_char) {
        return Err(format!("Value error, Valid characters are: '{}'", valid_chars_list()));
    }
    Ok(())
}

/// A local user name: 1-32 characters from `[A-Za-z0-9_.-]`, starting with a letter or `_`.
pub fn check_username(name: &str) -> Result<(), String> {
    check(name, |c| c.is_ascii_alphabetic() || c == '_')
}

/// A local group name: like a user name, but may also start with a digit or `.`.
pub fn check_groupname(name: &str) -> Result<(), String> {
    check(name, |c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        let cases: [(&str, Option<&str>); 7] = [
            ("alice", None),
            ("_svc.backup-1", None),
            ("", Some("Value error, Must be at least 1 character in length")),
            (
                "a234567890123456789012345678901234",
                Some("Value error, Cannot exceed 32 charaters in length"),
            ),
            ("-bob", Some("Value error, Cannot start with \"'-'\"")),
            ("1bob", Some("Value error, Cannot start with \"'1'\"")),
            ("bo b", Some("Value error, Valid characters are: 'a, b, c")),
        ];
        for (name, expected) in cases {
            match (check_username(name), expected) {
                (Ok(()), None) => {}
                (Err(msg), Some(prefix)) => assert!(msg.starts_with(prefix), "{name}: {msg}"),
                (got, want) => panic!("{name}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn groupnames_may_start_with_digits() {
        assert!(check_groupname("1group").is_ok());
        assert!(check_groupname("-group").is_err());
    }
}

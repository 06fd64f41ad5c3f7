//! Name rules shared by users and groups (TrueNAS `validate_name` in `api/base/types/user.py`), reported as
//! pydantic value errors.

/// The longest local user name (utmp's `UT_NAMESIZE`); group names have no limit.
const MAX_USERNAME_LENGTH: usize = 32;

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

fn check(name: &str, max_length: Option<usize>, valid_start: impl Fn(char) -> bool) -> Result<(), String> {
    let Some(first) = name.chars().next() else {
        return Err("Value error, Must be at least 1 character in length".to_string());
    };
    if let Some(max) = max_length
        && name.chars().count() > max
    {
        return Err(format!("Value error, Cannot exceed {max} charaters in length"));
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
    check(name, Some(MAX_USERNAME_LENGTH), |c| c.is_ascii_alphabetic() || c == '_')
}

/// A local group name: like a user name, but of any length and may also start with a digit or `.` (TrueNAS
/// `GroupName`).
pub fn check_groupname(name: &str) -> Result<(), String> {
    check(name, None, |c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
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
    fn groupnames_may_start_with_digits_and_be_long() {
        assert!(check_groupname("1group").is_ok());
        assert!(check_groupname(&"g".repeat(100)).is_ok());
        assert!(check_groupname("").is_err());
        assert!(check_groupname("-group").is_err());
    }
}

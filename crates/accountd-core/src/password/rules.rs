//! The password rules of an account profile, with TrueNAS's messages: minimum length, character classes,
//! common passwords (plus the username and full name), and history. [`check_password_rules`] is the one check
//! every path that sets a person's password goes through (`Accounts::check_new_password`).

use accountd_api::types::account_profile::PasswordCharClass;
use accountd_store::account_profiles::ProfileRow;

use crate::error::ValidationErrors;

/// The message of a password equal to one of the last `n`.
pub fn history_message(n: i64) -> String {
    format!(
        "The security configuration of the TrueNAS server requires a password that does not match any of the last \
         {n} passwords for this account."
    )
}

/// The message of a password that is too common.
pub const TOO_COMMON: &str = "The specified password is too common.";

fn has_class(password: &str, class: PasswordCharClass) -> bool {
    password.chars().any(|c| match class {
        PasswordCharClass::Upper => c.is_uppercase(),
        PasswordCharClass::Lower => c.is_lowercase(),
        PasswordCharClass::Number => c.is_numeric(),
        PasswordCharClass::Special => !c.is_alphanumeric(),
    })
}

/// The rules of `profile` that `password` breaks, as messages for `attribute` (everything but the history,
/// which needs the hashing threads). `username` and `full_name` count as common passwords.
pub fn check_password_rules(
    errs: &mut ValidationErrors,
    attribute: &str,
    profile: &ProfileRow,
    password: &str,
    username: &str,
    full_name: &str,
) {
    if let Some(ruleset) = &profile.password_complexity_ruleset {
        let absent: Vec<&str> = ruleset
            .iter()
            .filter_map(|c| PasswordCharClass::parse(c))
            .filter(|c| !has_class(password, *c))
            .map(PasswordCharClass::as_str)
            .collect();
        if !absent.is_empty() {
            errs.add(
                attribute,
                format!(
                    "The specified password does not meet minimum complexity requirements. The following character \
                     types are absent: {}",
                    absent.join(", ")
                ),
            );
        }
    }
    if let Some(min) = profile.min_password_length
        && (password.chars().count() as i64) < min
    {
        errs.add(
            attribute,
            format!("The specified password is too short. The minimum password length is {min} characters."),
        );
    }
    if profile.check_common_passwords && is_common(password, username, full_name) {
        errs.add(attribute, TOO_COMMON);
    }
}

/// True when `password`, compared case-insensitively, is on the common-password list or equals the username
/// or the full name. The list is the `passwords` crate's (about 100,000 leaked passwords), compiled into the
/// binary as a sorted table: a release build looks a password up by binary search (microseconds). Its entries
/// are lower-case but for a few: the password is looked up lower-cased and as given.
pub fn is_common(password: &str, username: &str, full_name: &str) -> bool {
    let lower = password.to_lowercase();
    lower == username.to_lowercase()
        || (!full_name.is_empty() && lower == full_name.to_lowercase())
        || passwords::analyzer::is_common_password(&lower)
        || (lower != password && passwords::analyzer::is_common_password(password))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ProfileRow {
        ProfileRow {
            id: 9,
            name: "T".into(),
            builtin: false,
            lockout_max_auth_failures: 10,
            lockout_evaluation_period: 900,
            lockout_period: 900,
            max_concurrent_sessions: 0,
            password_expiration_days: None,
            min_password_age: None,
            password_history_length: None,
            min_password_length: Some(12),
            password_complexity_ruleset: Some(vec!["UPPER".into(), "NUMBER".into(), "SPECIAL".into()]),
            check_common_passwords: true,
            expired_password_action: "RESTRICT".into(),
        }
    }

    fn messages(password: &str) -> Vec<String> {
        let mut errs = ValidationErrors::new();
        check_password_rules(&mut errs, "x.password", &profile(), password, "alice", "Alice Liddell");
        errs.0.into_iter().map(|i| i.message).collect()
    }

    #[test]
    fn each_rule_has_its_message() {
        assert_eq!(
            messages("qvzxkwjp"),
            [
                "The specified password does not meet minimum complexity requirements. The following character \
                 types are absent: UPPER, NUMBER, SPECIAL",
                "The specified password is too short. The minimum password length is 12 characters.",
            ]
        );
        assert_eq!(messages("Correct-Horse-7-Battery"), Vec::<String>::new());
        assert_eq!(messages("John!20130605at1753"), [TOO_COMMON]);
    }

    #[test]
    fn common_passwords_are_found_case_insensitively_with_the_names() {
        for p in ["password", "PASSWORD", "Qwerty123", "letmein", "ALICE", "alice liddell"] {
            assert!(is_common(p, "alice", "Alice Liddell"), "{p}");
        }
        assert!(!is_common("plum-orbit-quietly-47", "alice", "Alice Liddell"));
    }
}

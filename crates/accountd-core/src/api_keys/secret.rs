//! Making and reading keys.
//!
//! The secret is 64 characters from `[A-Za-z0-9]` (about 381 bits) drawn from the OS CSPRNG, as TrueNAS's
//! `generate_string(64)`. It is stored as an argon2id PHC string made by the core [`PasswordHasher`]
//! (salted; cost parameters read back from the hash, so they can be raised later). A fast salted SHA-512 would
//! be as safe for a secret this long, but reusing the one hashing path keeps the properties logins rely on:
//! hashing and verification run on the hasher's own threads, at most one per core (never on the async runtime),
//! and a key id that does not exist costs a dummy verification, so timing does not tell which ids exist. The
//! cost is paid once per login, not per call.
//!
//! [`PasswordHasher`]: crate::password::PasswordHasher

/// Characters in the secret part of a key.
pub(crate) const SECRET_LEN: usize = 64;

/// A fresh secret.
pub(crate) fn new_secret() -> String {
    crate::password::random_alphanumeric(SECRET_LEN)
}

/// Splits a key `<id>-<secret>` into its id and secret; `None` when it has no numeric id.
pub(crate) fn parse_key(key: &str) -> Option<(i64, &str)> {
    let (id, secret) = key.split_once('-')?;
    if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some((id.parse().ok()?, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_alphanumeric_and_fresh() {
        let a = new_secret();
        assert_eq!(a.len(), SECRET_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, new_secret());
    }

    #[test]
    fn keys_parse() {
        let cases = [
            ("12-abc", Some((12, "abc"))),
            ("1-a-b", Some((1, "a-b"))),
            ("1-", Some((1, ""))),
            ("-abc", None),
            ("x-abc", None),
            ("+1-abc", None),
            ("abc", None),
            ("", None),
            ("99999999999999999999-a", None),
        ];
        for (key, expected) in cases {
            assert_eq!(parse_key(key), expected, "{key}");
        }
    }
}

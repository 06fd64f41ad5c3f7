//! Two-factor recovery codes: ten single-use codes that stand in for a one-time password when the
//! authenticator is lost (as Keycloak and Kanidm have them). Only their SHA-256 digests are stored: a code is
//! 60 random bits, too many to guess or to search from a digest.

use rand::Rng;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};

/// Codes issued at a time.
pub const CODE_COUNT: usize = 10;
/// Characters per code (without the dashes): 12 of 32 symbols, 60 bits.
const CODE_LEN: usize = 12;
/// Characters per dash-separated group.
const GROUP_LEN: usize = 4;
/// Crockford's base32 in lower case: digits and letters without `i`, `l`, `o` and `u`, so nothing reads as
/// something else; on input `i` and `l` count as `1` and `o` as `0`.
const ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// `CODE_COUNT` new random codes, each `xxxx-xxxx-xxxx`.
pub fn generate() -> Vec<String> {
    (0..CODE_COUNT).map(|_| generate_one()).collect()
}

fn generate_one() -> String {
    let mut code = String::with_capacity(CODE_LEN + CODE_LEN / GROUP_LEN);
    for i in 0..CODE_LEN {
        if i > 0 && i % GROUP_LEN == 0 {
            code.push('-');
        }
        code.push(char::from(ALPHABET[OsRng.gen_range(0..ALPHABET.len())]));
    }
    code
}

/// The canonical form of what a user typed, when it can be a recovery code: dashes and spaces dropped, lower
/// case, `i`/`l` read as `1` and `o` as `0`. `None` for anything else (a TOTP code, for one).
pub fn normalize(input: &str) -> Option<String> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in input.chars() {
        let c = match c.to_ascii_lowercase() {
            '-' | ' ' => continue,
            'i' | 'l' => '1',
            'o' => '0',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) || out.len() == CODE_LEN {
            return None;
        }
        out.push(c);
    }
    (out.len() == CODE_LEN).then_some(out)
}

/// The stored digest of a normalized code: hex SHA-256.
pub fn digest(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_have_the_format_and_sixty_bits() {
        let codes = generate();
        assert_eq!(codes.len(), CODE_COUNT);
        for code in &codes {
            let groups: Vec<&str> = code.split('-').collect();
            assert_eq!(groups.len(), 3, "{code}");
            assert!(groups.iter().all(|g| g.len() == 4));
            assert!(code.chars().all(|c| c == '-' || ALPHABET.contains(&(c as u8))));
            assert_eq!(normalize(code).map(|n| n.len()), Some(CODE_LEN));
        }
        // 12 symbols of 32 are 60 bits.
        assert_eq!(ALPHABET.len().ilog2() as usize * CODE_LEN, 60);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), CODE_COUNT);
    }

    #[test]
    fn typing_variants_normalize_to_the_same_code() {
        let code = "ab1c-0d2e-fg3h";
        let n = normalize(code);
        assert_eq!(n.as_deref(), Some("ab1c0d2efg3h"));
        for variant in ["AB1C-0D2E-FG3H", "abic-od2e-fg3h", "ablc 0d2e fg3h", "ab1c0d2efg3h"] {
            assert_eq!(normalize(variant), n, "{variant}");
        }
        assert_eq!(digest("ab1c0d2efg3h").len(), 64);
    }

    #[test]
    fn totp_codes_and_junk_are_not_recovery_codes() {
        for input in [
            "123456",
            "12345678",
            "",
            "ab1c-0d2e-fg3",
            "ab1c-0d2e-fg3hh",
            "ab1c-0d2e-fg3u",
            "äb1c0d2efg3h",
        ] {
            assert_eq!(normalize(input), None, "{input}");
        }
    }
}

//! TOTP codes (RFC 6238, HMAC-SHA-1, as authenticator apps and pyotp use them) through totp-rs, random
//! secrets, and pyotp-compatible provisioning URIs.

use rand::RngCore;
use totp_rs::{Algorithm, Builder, Secret, Totp};

/// Digits per code unless configured.
pub const DEFAULT_DIGITS: i64 = 6;
/// Seconds per time step unless configured.
pub const DEFAULT_INTERVAL: i64 = 30;
/// Issuer shown by authenticator apps (TrueNAS's).
const ISSUER: &str = "iXsystems";
/// Product name in the account label (TrueNAS's).
const PRODUCT: &str = "TrueNAS";

/// A new random secret: 160 bits as 32 base32 characters (like pyotp's `random_base32`).
pub fn generate_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, digits: i64, interval: i64, window: i64) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(u8::try_from(digits).ok()?)
        .with_step_duration(u64::try_from(interval).ok()?)
        .with_skew(u16::try_from(window.max(0)).unwrap_or(u16::MAX))
        .with_secret(bytes)
        .build()
        .ok()
}

fn seconds(now_ms: i64) -> u64 {
    u64::try_from(now_ms.max(0) / 1000).unwrap_or(0)
}

/// The time step (`unix time / interval`) whose code `code` is, looking `window` steps before and after the
/// step of `now_ms`; `None` when it is none of them (or the stored parameters are unusable).
pub fn matching_step(secret: &str, digits: i64, interval: i64, window: i64, code: &str, now_ms: i64) -> Option<i64> {
    let totp = totp(secret, digits, interval, window)?;
    totp.check(code, seconds(now_ms)).and_then(|s| i64::try_from(s).ok())
}

/// The code of the step containing `now_ms`.
pub fn code_at(secret: &str, digits: i64, interval: i64, now_ms: i64) -> Option<String> {
    Some(totp(secret, digits, interval, 0)?.generate(seconds(now_ms)).to_string())
}

/// The provisioning URI exactly as TrueNAS builds it with pyotp:
/// `otpauth://totp/iXsystems:<user>-<host>%40TrueNAS?secret=..&issuer=iXsystems[&digits=N][&period=N]`.
pub fn provisioning_uri(secret: &str, digits: i64, interval: i64, username: &str, hostname: &str) -> String {
    let label = format!(
        "{}:{}",
        quote(ISSUER),
        quote(&format!("{username}-{hostname}@{PRODUCT}"))
    );
    let mut uri = format!(
        "otpauth://totp/{label}?secret={}&issuer={}",
        quote_plus(secret),
        quote_plus(ISSUER)
    );
    if digits != DEFAULT_DIGITS {
        uri.push_str(&format!("&digits={digits}"));
    }
    if interval != DEFAULT_INTERVAL {
        uri.push_str(&format!("&period={interval}"));
    }
    uri
}

/// Python's `urllib.parse.quote` (safe `/`).
fn quote(s: &str) -> String {
    percent_encode(s, b"/")
}

/// Python's `quote_plus` as `urlencode` uses it, with `+` turned back into `%20` (pyotp does that): nothing
/// but the unreserved characters stays as is.
fn quote_plus(s: &str) -> String {
    percent_encode(s, b"")
}

fn percent_encode(s: &str, safe: &[u8]) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"_.-~".contains(&b) || safe.contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890", 8 digits.
        let secret = Secret::from(b"12345678901234567890".to_vec()).to_base32();
        let cases = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
        ];
        for (t, code) in cases {
            assert_eq!(code_at(&secret, 8, 30, t * 1000).as_deref(), Some(code), "t={t}");
            assert_eq!(matching_step(&secret, 8, 30, 0, code, t * 1000), Some(t / 30));
        }
    }

    #[test]
    fn window_widens_accepted_steps() {
        let now = 1_700_000_000_000;
        let previous = code_at(SECRET, 6, 30, now - 30_000).unwrap();
        let next = code_at(SECRET, 6, 30, now + 30_000).unwrap();
        let two_back = code_at(SECRET, 6, 30, now - 60_000).unwrap();
        let step = now / 1000 / 30;
        assert_eq!(matching_step(SECRET, 6, 30, 0, &previous, now), None);
        assert_eq!(matching_step(SECRET, 6, 30, 1, &previous, now), Some(step - 1));
        assert_eq!(matching_step(SECRET, 6, 30, 1, &next, now), Some(step + 1));
        assert_eq!(matching_step(SECRET, 6, 30, 1, &two_back, now), None);
        assert_eq!(matching_step(SECRET, 6, 30, 2, &two_back, now), Some(step - 2));
    }

    #[test]
    fn malformed_codes_and_parameters_match_nothing() {
        let now = 1_700_000_000_000;
        let code = code_at(SECRET, 6, 30, now).unwrap();
        for bad in ["", "12345", "1234567", "+12345", " 123456", "abcdef"] {
            assert_eq!(matching_step(SECRET, 6, 30, 1, bad, now), None, "{bad:?}");
        }
        assert_eq!(matching_step("not base32!", 6, 30, 0, &code, now), None);
        assert_eq!(matching_step(SECRET, 9, 30, 0, &code, now), None);
        assert_eq!(matching_step(SECRET, 6, 0, 0, &code, now), None);
    }

    #[test]
    fn secrets_are_32_base32_characters_and_random() {
        let a = generate_secret();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes().all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
            "{a}"
        );
        assert_ne!(a, generate_secret());
    }

    #[test]
    fn provisioning_uri_matches_pyotp() {
        assert_eq!(
            provisioning_uri(SECRET, 6, 30, "alice", "nas"),
            format!("otpauth://totp/iXsystems:alice-nas%40TrueNAS?secret={SECRET}&issuer=iXsystems")
        );
        assert_eq!(
            provisioning_uri(SECRET, 8, 60, "a.b_c", "my host"),
            format!(
                "otpauth://totp/iXsystems:a.b_c-my%20host%40TrueNAS?secret={SECRET}&issuer=iXsystems&digits=8&period=60"
            )
        );
    }
}

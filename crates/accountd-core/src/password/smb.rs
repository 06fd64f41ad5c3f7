//! SMB NT hash and generated passwords (and other random strings).

use md4::{Digest, Md4};
use rand::Rng;
use rand::distributions::Alphanumeric;
use rand::rngs::OsRng;

/// Length of a generated password (TrueNAS `random_password`).
pub const RANDOM_PASSWORD_LEN: usize = 20;

/// NT hash as TrueNAS stores it in `smbhash`: MD4 of the UTF-16LE password, upper-case hex.
pub fn nt_hash(password: &str) -> String {
    let utf16: Vec<u8> = password.encode_utf16().flat_map(u16::to_le_bytes).collect();
    hex::encode_upper(Md4::digest(&utf16))
}

/// A fresh password of [`RANDOM_PASSWORD_LEN`] characters from `[A-Za-z0-9]`, drawn from the OS CSPRNG.
pub fn random_password() -> String {
    random_alphanumeric(RANDOM_PASSWORD_LEN)
}

/// `len` characters from `[A-Za-z0-9]` drawn from the OS CSPRNG (TrueNAS `generate_string`): generated
/// passwords, API key secrets, authentication tokens.
pub fn random_alphanumeric(len: usize) -> String {
    OsRng.sample_iter(&Alphanumeric).take(len).map(char::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nt_hash_known_vectors() {
        assert_eq!(nt_hash("password"), "8846F7EAEE8FB117AD06BDD830B7586C");
        assert_eq!(nt_hash(""), "31D6CFE0D16AE931B73C59D7E0C089C0");
    }

    #[test]
    fn random_password_shape() {
        let a = random_password();
        let b = random_password();
        assert_eq!(a.len(), RANDOM_PASSWORD_LEN);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()), "{a}");
        assert_ne!(a, b);
    }
}

//! One-time passwords (`auth.generate_onetime_password`, TrueNAS's OTPW): an administrator gives a user a
//! password that logs in once, within 24 hours by the service clock, to a session that must set a new password.
//! Kept in memory like TrueNAS's (a restart voids them), each only as the SHA-256 digest of its random part;
//! a new password, a lock or the deletion of the user voids theirs.

use std::collections::HashMap;

use accountd_api::Method;
use accountd_api::methods::auth::AuthGenerateOnetimePassword;
use accountd_store::StoreError;
use accountd_store::{auth_sources, users};
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::accounts::Accounts;
use crate::caller::Caller;
use crate::error::{Error, ValidationErrors};

/// How long a one-time password stays valid (ms): 24 hours, as TrueNAS.
pub const ONETIME_PASSWORD_TTL_MS: i64 = 86_400_000;

/// Characters of the random part (no look-alikes are dropped: it is pasted, not typed from memory).
const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/// Length of the random part, shown in groups of six (about 143 bits).
const RANDOM_CHARS: usize = 24;

/// The attribute of every refusal: the username, named after the method as TrueNAS does.
fn attr() -> String {
    format!("{}.username", AuthGenerateOnetimePassword::NAME)
}

/// One issued password.
#[derive(Debug)]
struct Issued {
    user_id: i64,
    expires_at_ms: i64,
    digest: [u8; 32],
}

/// The one-time passwords not used yet.
#[derive(Debug, Default)]
pub(crate) struct OnetimePasswords {
    last_index: u64,
    issued: HashMap<u64, Issued>,
}

impl OnetimePasswords {
    /// Issues a password for `user_id` at `now_ms`: `<index>_<xxxxxx-xxxxxx-xxxxxx-xxxxxx>`.
    fn issue(&mut self, user_id: i64, now_ms: i64) -> String {
        self.issued.retain(|_, i| now_ms < i.expires_at_ms);
        let mut rng = rand::thread_rng();
        let random: String = (0..RANDOM_CHARS)
            .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
            .collect();
        let grouped = random
            .as_bytes()
            .chunks(6)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join("-");
        self.last_index += 1;
        self.issued.insert(
            self.last_index,
            Issued {
                user_id,
                expires_at_ms: now_ms.saturating_add(ONETIME_PASSWORD_TTL_MS),
                digest: Sha256::digest(grouped.as_bytes()).into(),
            },
        );
        format!("{}_{grouped}", self.last_index)
    }

    /// Uses `plaintext` as `user_id`'s one-time password at `now_ms`: true once, for the right user, before it
    /// expires; a used or expired one is gone.
    fn redeem(&mut self, user_id: i64, plaintext: &str, now_ms: i64) -> bool {
        let Some((index, secret)) = plaintext.split_once('_') else {
            return false;
        };
        let Ok(index) = index.parse::<u64>() else { return false };
        let Some(issued) = self.issued.get(&index) else {
            return false;
        };
        if issued.user_id != user_id {
            return false;
        }
        if now_ms >= issued.expires_at_ms {
            self.issued.remove(&index);
            return false;
        }
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        if digest != issued.digest {
            return false;
        }
        self.issued.remove(&index);
        true
    }

    /// Voids every password of `user_id`.
    pub(crate) fn void_user(&mut self, user_id: i64) {
        self.issued.retain(|_, i| i.user_id != user_id);
    }
}

impl Accounts {
    /// `auth.generate_onetime_password`: a password `username` may log in with once in the next 24 hours, to a
    /// session that must set a new password first. TrueNAS's validation errors for unknown, password-disabled
    /// and locked users.
    pub async fn generate_onetime_password(&self, caller: &Caller, username: &str) -> Result<String, Error> {
        let lookup = username.to_string();
        let found = self
            .store()
            .read(move |conn| {
                let Some(row) = users::by_username(conn, &lookup)? else {
                    return Ok::<_, StoreError>(None);
                };
                let external = auth_sources::source_of_user(conn, row.id)? != auth_sources::INTERNAL_ID;
                Ok(Some((row, external)))
            })
            .await?;
        let Some((row, external)) = found else {
            return Err(Error::invalid(attr(), format!("{username}: user does not exist.")));
        };
        let mut errs = ValidationErrors::new();
        if external {
            errs.add(
                attr(),
                format!("{username}: the password of this account is kept by its external authentication source."),
            );
        }
        if row.password_disabled {
            errs.add(
                attr(),
                format!("{username}: password authentication is disabled for account."),
            );
        }
        if row.locked {
            errs.add(attr(), format!("{username}: account is locked."));
        }
        errs.check()?;
        let now = self.now_ms();
        let password = self.inner.onetime.lock().map_err(Error::internal)?.issue(row.id, now);
        tracing::info!(user_id = row.id, by = caller.user_id, "one-time password generated");
        Ok(password)
    }

    /// True when `password` is a one-time password of `user_id` still valid now; it is used up.
    pub(crate) fn redeem_onetime_password(&self, user_id: i64, password: &str) -> bool {
        let now = self.now_ms();
        self.inner
            .onetime
            .lock()
            .is_ok_and(|mut o| o.redeem(user_id, password, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_works_once_for_its_user_until_it_expires() {
        let mut o = OnetimePasswords::default();
        let first = o.issue(7, 0);
        let (index, secret) = first.split_once('_').unwrap();
        assert_eq!(index, "1");
        assert_eq!(secret.len(), RANDOM_CHARS + 3);
        assert!(secret.split('-').all(|g| g.len() == 6));
        assert!(!o.redeem(8, &first, 1), "another user's");
        assert!(
            !o.redeem(7, &format!("{index}_{}", "a".repeat(27)), 1),
            "a wrong secret"
        );
        assert!(o.redeem(7, &first, 1));
        assert!(!o.redeem(7, &first, 2), "used");

        let second = o.issue(7, 0);
        assert!(!o.redeem(7, &second, ONETIME_PASSWORD_TTL_MS), "expired");
        let third = o.issue(7, 0);
        o.void_user(7);
        assert!(!o.redeem(7, &third, 1), "voided");
        assert!(!o.redeem(7, "not-one", 1));
    }
}

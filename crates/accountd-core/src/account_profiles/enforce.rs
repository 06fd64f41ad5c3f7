//! Applying a profile's password rules to a password a person sets: the one check `user.create`,
//! `user.update`, `user.set_password`, `user.setup_local_administrator` (and any later path that sets a
//! password) call before hashing it.

use accountd_store::StoreError;
use accountd_store::account_profiles::ProfileRow;
use accountd_store::users;

use super::{DEFAULT_PROFILE, profile_of_user};
use crate::accounts::Accounts;
use crate::error::{Error, ValidationErrors, errno};
use crate::password::rules::{check_password_rules, history_message};

const MS_PER_DAY: i64 = 86_400_000;

/// A password about to be set, and whose it is.
#[derive(Debug, Clone, Copy)]
pub struct PasswordCandidate<'a> {
    /// The attribute that carried it, e.g. `user_update.password`.
    pub attribute: &'a str,
    /// The cleartext.
    pub password: &'a str,
    /// The existing user it is for (its profile, names and history apply), or `None` for a new user.
    pub user_id: Option<i64>,
    /// The profile that will apply, when the same call sets it (else the user's, or `Default`).
    pub profile: Option<i64>,
    /// The username the user will have, when the same call sets it.
    pub username: Option<&'a str>,
    /// The full name the user will have, when the same call sets it.
    pub full_name: Option<&'a str>,
    /// The user changes their own password: the profile's `min_password_age` applies.
    pub self_service: bool,
}

struct Loaded {
    profile: ProfileRow,
    username: String,
    full_name: String,
    /// Current hash first, then the history newest first.
    previous: Vec<String>,
    last_password_change: Option<i64>,
}

impl Accounts {
    /// Checks `candidate` against the rules of the profile that will apply: length, character classes,
    /// common passwords and names, the history (verified on the hashing threads) and, for a user changing
    /// their own password, the minimum password age. Every broken rule is a validation error on
    /// `candidate.attribute`, with TrueNAS's messages.
    pub async fn check_new_password(&self, candidate: PasswordCandidate<'_>) -> Result<(), Error> {
        let (user_id, profile_override) = (candidate.user_id, candidate.profile);
        let loaded = self
            .store()
            .read(move |conn| {
                let row = match user_id {
                    Some(id) => users::get(conn, id)?,
                    None => None,
                };
                let profile_id = profile_override
                    .or(row.as_ref().map(|r| r.account_profile))
                    .unwrap_or(DEFAULT_PROFILE);
                let profile = profile_of_user(conn, profile_id)?;
                let (username, full_name, previous, last) = match row {
                    Some(r) => {
                        let mut previous = Vec::new();
                        if r.unixhash != "*" {
                            previous.push(r.unixhash.clone());
                        }
                        previous.extend(r.password_history.iter().rev().cloned());
                        (r.username, r.full_name, previous, r.last_password_change)
                    }
                    None => (String::new(), String::new(), Vec::new(), None),
                };
                Ok::<_, StoreError>(Loaded {
                    profile,
                    username,
                    full_name,
                    previous,
                    last_password_change: last,
                })
            })
            .await?;
        let username = candidate.username.unwrap_or(&loaded.username);
        let full_name = candidate.full_name.unwrap_or(&loaded.full_name);
        let profile = &loaded.profile;
        if candidate.self_service
            && let (Some(days), Some(changed)) = (profile.min_password_age, loaded.last_password_change)
            && self.now_ms() < changed.saturating_add(days.saturating_mul(MS_PER_DAY))
        {
            return Err(Error::invalid_errno(
                candidate.attribute,
                format!("Password was changed less than {days} days ago."),
                errno::EPERM,
            ));
        }
        let mut errs = ValidationErrors::new();
        check_password_rules(
            &mut errs,
            candidate.attribute,
            profile,
            candidate.password,
            username,
            full_name,
        );
        if let Some(n) = profile.password_history_length
            && !loaded.previous.is_empty()
        {
            let recent: Vec<String> = loaded
                .previous
                .into_iter()
                .take(usize::try_from(n).unwrap_or(0))
                .collect();
            if self
                .inner
                .hasher
                .verify_first(candidate.password.to_string(), recent)
                .await?
                .is_some()
            {
                errs.add(candidate.attribute, history_message(n));
            }
        }
        errs.check()
    }
}

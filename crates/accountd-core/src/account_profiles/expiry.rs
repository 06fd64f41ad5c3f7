//! Password expiry (account-policy section 3): when a password has expired, the warning window before it does,
//! and what a login with an expired password gets (what such a session may still call is
//! [`crate::authz::restriction`]'s).

use std::collections::HashMap;
use std::sync::Arc;

use accountd_api::types::user::UserEntry;
use accountd_store::account_profiles::{self, ProfileRow};
use accountd_store::auth_sources::INTERNAL_ID;

use crate::accounts::Accounts;
use crate::error::Error;

/// Milliseconds in a day.
const MS_PER_DAY: i64 = 86_400_000;

/// Days before the expiry during which `password_change_required` already reads true (TrueNAS's warning).
pub const WARNING_DAYS: i64 = 6;

/// The profiles' `password_expiration_days` (by profile id), as of a store commit count.
pub(crate) type ExpiryDays = (u64, Arc<HashMap<i64, i64>>);

/// What a login with an expired password gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpiredLogin {
    /// The session is restricted to changing the password (`RESTRICT`).
    Restrict,
    /// The login is refused with `EXPIRED` (`DENY`).
    Deny,
}

/// The moment a password changed at `last_change_ms` expires under `expiration_days` (`None`: never).
pub fn expires_at(last_change_ms: Option<i64>, expiration_days: Option<i64>) -> Option<i64> {
    let (changed, days) = (last_change_ms?, expiration_days?);
    Some(changed.saturating_add(days.saturating_mul(MS_PER_DAY)))
}

/// True when the password must be changed before anything else: an administrator said so (`flag`), or it is
/// older than the profile's `password_expiration_days`.
pub fn password_expired(flag: bool, last_change_ms: Option<i64>, expiration_days: Option<i64>, now_ms: i64) -> bool {
    flag || expires_at(last_change_ms, expiration_days).is_some_and(|at| now_ms >= at)
}

/// `UserEntry.password_change_required`: expired (see [`password_expired`]) or within [`WARNING_DAYS`] of it.
pub fn change_required(flag: bool, last_change_ms: Option<i64>, expiration_days: Option<i64>, now_ms: i64) -> bool {
    flag || expires_at(last_change_ms, expiration_days)
        .is_some_and(|at| now_ms >= at.saturating_sub(WARNING_DAYS * MS_PER_DAY))
}

/// What a password login of a user with this stored state gets under `profile` at `now_ms`: `None` when the
/// password has not expired.
pub fn expired_login(
    profile: &ProfileRow,
    flag: bool,
    last_change_ms: Option<i64>,
    now_ms: i64,
) -> Option<ExpiredLogin> {
    if !password_expired(flag, last_change_ms, profile.password_expiration_days, now_ms) {
        return None;
    }
    Some(match profile.expired_password_action.as_str() {
        "DENY" => ExpiredLogin::Deny,
        _ => ExpiredLogin::Restrict,
    })
}

impl Accounts {
    /// The profiles' `password_expiration_days`, read again after any commit.
    async fn password_expiry_days(&self) -> Result<Arc<HashMap<i64, i64>>, Error> {
        let commits = self.store().commits();
        if let Ok(cached) = self.inner.password_expiry.lock()
            && let Some((at, days)) = cached.as_ref()
            && *at == commits
        {
            return Ok(days.clone());
        }
        let days = Arc::new(self.store().read(account_profiles::expiration_days).await?);
        if let Ok(mut cached) = self.inner.password_expiry.lock() {
            *cached = Some((commits, days.clone()));
        }
        Ok(days)
    }

    /// Brings `password_change_required` of an entry built earlier (the read cache's) up to now: the warning
    /// window and the expiry move with the clock, not with writes.
    pub(crate) async fn refresh_password_change_required(&self, entry: &mut UserEntry) -> Result<(), Error> {
        if entry.password_change_required || entry.auth_source != INTERNAL_ID || entry.last_password_change.is_none() {
            return Ok(());
        }
        let days = self.password_expiry_days().await?.get(&entry.account_profile).copied();
        entry.password_change_required =
            change_required(false, entry.last_password_change.map(|t| t.ms), days, self.now_ms());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = MS_PER_DAY;

    #[test]
    fn expiry_and_the_warning_window_follow_the_days() {
        // (flag, last change, days, now, expired, change required)
        let rows = [
            (false, Some(0), None, 1000 * DAY, false, false),
            (false, None, Some(30), 1000 * DAY, false, false),
            (false, Some(0), Some(30), 23 * DAY, false, false),
            (false, Some(0), Some(30), 24 * DAY, false, true),
            (false, Some(0), Some(30), 30 * DAY - 1, false, true),
            (false, Some(0), Some(30), 30 * DAY, true, true),
            (true, Some(0), None, 0, true, true),
        ];
        for (flag, last, days, now, expired, required) in rows {
            assert_eq!(
                password_expired(flag, last, days, now),
                expired,
                "{last:?} {days:?} {now}"
            );
            assert_eq!(
                change_required(flag, last, days, now),
                required,
                "{last:?} {days:?} {now}"
            );
        }
    }
}

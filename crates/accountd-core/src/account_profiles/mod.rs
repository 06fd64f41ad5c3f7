//! Account profiles (`account_profile.*`): named policies every user points at (lockout limits, session cap,
//! password rules and expiry). The three builtin profiles come from the schema.

mod enforce;
pub mod expiry;
mod rules;
mod security;
mod write;

use accountd_api::types::account_profile::{AccountProfileEntry, ExpiredPasswordAction, PasswordCharClass};
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_store::account_profiles::{self, ProfileRow};
use accountd_store::{Connection, StoreError};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::error::Error;
use crate::lockout::LockoutPolicy;
use crate::querying;

pub use enforce::PasswordCandidate;
pub use rules::check_profile_exists;

/// Id of the `Default` profile (the one `system.security` edits, and new users' profile).
pub const DEFAULT_PROFILE: i64 = 1;

/// The wire entry of a stored profile.
pub fn entry_of(row: &ProfileRow) -> AccountProfileEntry {
    AccountProfileEntry {
        id: row.id,
        name: row.name.clone(),
        builtin: row.builtin,
        lockout_max_auth_failures: row.lockout_max_auth_failures,
        lockout_evaluation_period: row.lockout_evaluation_period,
        lockout_period: row.lockout_period,
        max_concurrent_sessions: row.max_concurrent_sessions,
        password_expiration_days: row.password_expiration_days,
        min_password_age: row.min_password_age,
        password_history_length: row.password_history_length,
        min_password_length: row.min_password_length,
        password_complexity_ruleset: row
            .password_complexity_ruleset
            .as_ref()
            .map(|r| r.iter().filter_map(|c| PasswordCharClass::parse(c)).collect()),
        check_common_passwords: row.check_common_passwords,
        expired_password_action: ExpiredPasswordAction::parse(&row.expired_password_action).unwrap_or_default(),
    }
}

/// The lockout limits of a profile; `known_origin_ms` comes from the service's configuration.
pub(crate) fn lockout_policy(row: &ProfileRow, known_origin_ms: i64) -> LockoutPolicy {
    LockoutPolicy {
        max_failures: usize::try_from(row.lockout_max_auth_failures).unwrap_or(0),
        window_ms: row.lockout_evaluation_period.saturating_mul(1000),
        period_ms: row.lockout_period.saturating_mul(1000),
        known_origin_ms,
    }
}

impl Accounts {
    /// The lockout limits of the user `user_id`'s profile (`Default` for an unknown user), for a password or
    /// code check made outside a login's own user read.
    pub(crate) async fn lockout_policy_of(&self, user_id: i64, known_origin_ms: i64) -> Result<LockoutPolicy, Error> {
        let profile = self.profile_of(user_id).await?;
        Ok(lockout_policy(&profile, known_origin_ms))
    }

    /// `max_concurrent_sessions` of the user `user_id`'s profile (0: no limit).
    pub async fn max_sessions_of(&self, user_id: i64) -> Result<usize, Error> {
        let profile = self.profile_of(user_id).await?;
        Ok(usize::try_from(profile.max_concurrent_sessions).unwrap_or(0))
    }

    /// The profile of the user `user_id` (`Default` for an unknown user).
    async fn profile_of(&self, user_id: i64) -> Result<ProfileRow, Error> {
        Ok(self
            .store()
            .read(move |conn| {
                let profile_id =
                    accountd_store::users::get(conn, user_id)?.map_or(DEFAULT_PROFILE, |row| row.account_profile);
                profile_of_user(conn, profile_id)
            })
            .await?)
    }
}

/// The profile of a user, falling back to `Default` when the stored id is unknown (never half a policy).
pub(crate) fn profile_of_user(conn: &Connection, profile_id: i64) -> Result<ProfileRow, StoreError> {
    match account_profiles::get(conn, profile_id)? {
        Some(row) => Ok(row),
        None => account_profiles::get(conn, DEFAULT_PROFILE)?
            .ok_or_else(|| StoreError::Corrupt("the Default account profile is missing".into())),
    }
}

/// The serialized entry of one profile, for change events (`None` when it is gone).
pub(crate) fn entry_value(conn: &Connection, id: i64) -> Option<Value> {
    let row = account_profiles::get(conn, id).ok()??;
    serde_json::to_value(entry_of(&row)).ok()
}

/// TrueNAS `InstanceNotFound` of a profile.
fn not_found(id: i64) -> Error {
    Error::not_found(format!("Account profile {id} does not exist"))
}

impl Accounts {
    /// `account_profile.query`.
    pub async fn account_profile_query(
        &self,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<AccountProfileEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let rows = self.store().read(account_profiles::all).await?;
        querying::answer(rows.iter().map(entry_of).collect(), &query)
    }

    /// `account_profile.get_instance`.
    pub async fn account_profile_get_instance(
        &self,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<AccountProfileEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.account_profile_query(&filters, &options).await, || not_found(id))
    }

    /// One profile's entry.
    pub(crate) async fn account_profile_entry(&self, id: i64) -> Result<AccountProfileEntry, Error> {
        let row = self.store().read(move |conn| account_profiles::get(conn, id)).await?;
        row.map(|r| entry_of(&r)).ok_or_else(|| not_found(id))
    }
}

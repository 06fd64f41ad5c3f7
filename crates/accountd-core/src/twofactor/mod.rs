//! Two-factor authentication: each user's TOTP secret (`user.renew_2fa_secret` and friends), the global
//! `auth.twofactor` setting, recovery codes (`user.renew_2fa_recovery_codes`), and checking one-time passwords
//! with replay protection.

pub mod recovery;
pub mod totp;
mod verify;

use accountd_api::pytext::repr_str;
use accountd_api::types::auth::TwoFactorState;
use accountd_api::types::common::REDACTED;
use accountd_api::types::twofactor::{
    TwoFactorAuthEntry, TwoFactorAuthUpdate, TwoFactorServices, TwofactorOptions, UserWithTwofactor,
};
use accountd_store::twofactor::{self as store, TwoFactorRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, StoreError, settings};

use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::error::{Error, errno};

/// Settings key of the global configuration (JSON of [`TwoFactorAuthEntry`]).
const SETTINGS_KEY: &str = "twofactor";

/// The global configuration; defaults (disabled, window 0, no services) when never set.
pub(crate) fn global_config(conn: &Connection) -> Result<TwoFactorAuthEntry, StoreError> {
    let stored = settings::get(conn, SETTINGS_KEY)?;
    Ok(stored
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(TwoFactorAuthEntry {
            enabled: false,
            services: TwoFactorServices::default(),
            window: 0,
            id: 1,
        }))
}

/// `(digits, interval)` of a row, defaults when there is none.
fn parameters(row: Option<&TwoFactorRow>) -> (i64, i64) {
    row.map(|r| (r.otp_digits, r.interval))
        .unwrap_or((totp::DEFAULT_DIGITS, totp::DEFAULT_INTERVAL))
}

/// The two-factor state object of a user (as `auth.me` and `user.twofactor_config` show it).
pub(crate) fn state_of(row: Option<&TwoFactorRow>, username: &str, hostname: &str) -> TwoFactorState {
    let (otp_digits, interval) = parameters(row);
    let secret = row.and_then(|r| r.secret.as_deref());
    TwoFactorState {
        provisioning_uri: secret.map(|s| totp::provisioning_uri(s, otp_digits, interval, username, hostname)),
        secret_configured: secret.is_some(),
        interval,
        otp_digits,
        recovery_codes_remaining: row.filter(|_| secret.is_some()).map_or(0, |r| r.recovery_codes),
    }
}

/// What completed a two-factor login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactor {
    /// A TOTP code of the user's authenticator.
    Totp,
    /// One of the user's recovery codes (now used up).
    RecoveryCode,
}

/// The refusal of [`authz::may_renew_twofactor_of`].
fn check_may_renew(caller: &Caller, username: &str) -> Result<(), Error> {
    if !authz::may_renew_twofactor_of(caller, username) {
        return Err(Error::call(
            errno::EPERM,
            format!(
                "{username}: currently authenticated credential may not renew two-factor authentication for this \
                 user."
            ),
        ));
    }
    Ok(())
}

fn not_configured(username: &str) -> Error {
    Error::call(
        errno::EFAULT,
        format!(
            "{} user does not have two factor authentication configured",
            repr_str(username)
        ),
    )
}

fn no_such_user(username: &str) -> Error {
    Error::call(errno::ENOENT, format!("User {} does not exist", repr_str(username)))
}

/// The user named `username` and its two-factor row.
fn load(conn: &Connection, username: &str) -> Result<Option<(UserRow, Option<TwoFactorRow>)>, StoreError> {
    let Some(row) = users::by_username(conn, username)? else {
        return Ok(None);
    };
    let twofactor = store::get(conn, row.id)?;
    Ok(Some((row, twofactor)))
}

impl Accounts {
    /// `auth.twofactor.config`.
    pub async fn twofactor_config(&self) -> Result<TwoFactorAuthEntry, Error> {
        Ok(self.store().read(global_config).await?)
    }

    /// `auth.twofactor.update`: applies the given keys.
    pub async fn twofactor_update(&self, update: TwoFactorAuthUpdate) -> Result<TwoFactorAuthEntry, Error> {
        let entry = self
            .write_outside_entries(move |tx| {
                let mut entry = global_config(tx)?;
                if let Some(enabled) = update.enabled {
                    entry.enabled = enabled;
                }
                if let Some(services) = update.services {
                    entry.services = services;
                }
                if let Some(window) = update.window {
                    entry.window = window;
                }
                let text = serde_json::to_string(&entry).map_err(Error::internal)?;
                settings::set(tx, SETTINGS_KEY, &text)?;
                Ok::<_, Error>(entry)
            })
            .await?;
        tracing::info!(
            enabled = entry.enabled,
            window = entry.window,
            "two-factor settings updated"
        );
        // Without two-factor authentication no login can reach LEVEL_2 (TrueNAS resets the level here too).
        if !entry.enabled && self.assurance_level().await? != crate::assurance::AssuranceLevel::Level1 {
            self.set_assurance_level(crate::assurance::AssuranceLevel::Level1.name())
                .await?;
        }
        Ok(entry)
    }

    /// `user.renew_2fa_secret`: a new random secret; given options change, others keep their stored values.
    pub async fn renew_2fa_secret(
        &self,
        caller: &Caller,
        username: String,
        options: TwofactorOptions,
    ) -> Result<UserWithTwofactor, Error> {
        check_may_renew(caller, &username)?;
        let secret = totp::generate_secret();
        let name = username.clone();
        let user_id = self
            .write_changes(move |tx, changes| {
                let (row, twofactor) = load(tx, &name)?.ok_or_else(|| no_such_user(&name))?;
                let (digits, interval) = parameters(twofactor.as_ref());
                let digits = options.otp_digits.unwrap_or(digits);
                let interval = options.interval.unwrap_or(interval);
                store::set_secret(tx, row.id, Some(&secret), digits, interval)?;
                // Codes issued for the old secret do not outlive it.
                store::clear_recovery_codes(tx, row.id)?;
                changes.user_changed(row.id);
                Ok(row.id)
            })
            .await?;
        tracing::info!(user_id, "two-factor secret renewed");
        let entry = self.user_entry(user_id).await?.ok_or_else(|| no_such_user(&username))?;
        let twofactor_config = self.user_twofactor_state(&username).await?;
        Ok(UserWithTwofactor {
            entry,
            twofactor_config,
        })
    }

    /// `user.unset_2fa_secret`.
    pub async fn unset_2fa_secret(&self, username: String) -> Result<(), Error> {
        let user_id = self
            .write_changes(move |tx, changes| {
                let (row, twofactor) = load(tx, &username)?.ok_or_else(|| no_such_user(&username))?;
                let (digits, interval) = parameters(twofactor.as_ref());
                store::set_secret(tx, row.id, None, digits, interval)?;
                store::clear_recovery_codes(tx, row.id)?;
                changes.user_changed(row.id);
                Ok(row.id)
            })
            .await?;
        tracing::info!(user_id, "two-factor secret removed");
        Ok(())
    }

    /// `user.renew_2fa_recovery_codes`: replaces the recovery codes of `username` (the caller's own when `None`)
    /// with new ones and returns them; only their digests are kept. The same access rule as
    /// `user.renew_2fa_secret`; EFAULT when the user has no TOTP secret (the codes stand in for its codes).
    pub async fn renew_2fa_recovery_codes(
        &self,
        caller: &Caller,
        username: Option<String>,
    ) -> Result<Vec<String>, Error> {
        let username = username.unwrap_or_else(|| caller.username.clone());
        check_may_renew(caller, &username)?;
        let codes = recovery::generate();
        let digests: Vec<String> = codes
            .iter()
            .filter_map(|c| recovery::normalize(c))
            .map(|n| recovery::digest(&n))
            .collect();
        if digests.len() != codes.len() {
            return Err(Error::internal("a generated recovery code does not normalize"));
        }
        let user_id = self
            .write_outside_entries(move |tx| {
                let (row, twofactor) = load(tx, &username)?.ok_or_else(|| no_such_user(&username))?;
                if twofactor.and_then(|t| t.secret).is_none() {
                    return Err(not_configured(&username));
                }
                store::replace_recovery_codes(tx, row.id, &digests)?;
                Ok(row.id)
            })
            .await?;
        tracing::info!(user_id, count = codes.len(), "two-factor recovery codes issued");
        Ok(codes)
    }

    /// `user.provisioning_uri`: for one's own account, or with FULL_ADMIN or ACCOUNT_WRITE.
    pub async fn user_provisioning_uri(&self, caller: &Caller, username: String) -> Result<String, Error> {
        if !authz::sees_twofactor_secret(caller, &username) {
            return Err(Error::call(
                errno::EPERM,
                format!(
                    "{username}: currently authenticated credential may not read the two-factor secret of this user."
                ),
            ));
        }
        let state = self.user_twofactor_state(&username).await?;
        state.provisioning_uri.ok_or_else(|| not_configured(&username))
    }

    /// `user.twofactor_config`: for one's own account, or with ACCOUNT_READ; the URI (it holds the secret) is
    /// redacted for other users' callers without FULL_ADMIN or ACCOUNT_WRITE.
    pub async fn user_twofactor_config(&self, caller: &Caller, username: String) -> Result<TwoFactorState, Error> {
        if !authz::may_read_twofactor_config_of(caller, &username) {
            return Err(Error::call(
                errno::EPERM,
                format!(
                    "{username}: currently authenticated credential may not read the two-factor configuration \
                     of this user."
                ),
            ));
        }
        let mut state = self.user_twofactor_state(&username).await?;
        if !authz::sees_twofactor_secret(caller, &username) && state.provisioning_uri.is_some() {
            state.provisioning_uri = Some(REDACTED.to_string());
        }
        Ok(state)
    }

    /// A user's two-factor state, unredacted.
    async fn user_twofactor_state(&self, username: &str) -> Result<TwoFactorState, Error> {
        let name = username.to_string();
        let hostname = self.config().hostname.clone();
        self.store()
            .read(move |conn| {
                let (row, twofactor) = load(conn, &name)?.ok_or_else(|| no_such_user(&name))?;
                Ok::<_, Error>(state_of(twofactor.as_ref(), &row.username, &hostname))
            })
            .await
    }

    /// True when logging in as `user_id` needs a one-time password: two-factor authentication is enabled and
    /// the user has a secret.
    pub async fn otp_required(&self, user_id: i64) -> Result<bool, Error> {
        Ok(self
            .store()
            .read(move |conn| {
                if !global_config(conn)?.enabled {
                    return Ok::<_, StoreError>(false);
                }
                store::is_configured(conn, user_id)
            })
            .await?)
    }

    /// Checks a one-time password of `user_id` at the current time, accepting the configured window of steps
    /// around it. A step is accepted once: a code of the last accepted step or an earlier one is refused.
    /// Something in the form of a recovery code is checked against the user's unused recovery codes instead,
    /// and a matching one is used up. `None` when refused.
    pub async fn verify_otp(&self, user_id: i64, code: String) -> Result<Option<SecondFactor>, Error> {
        if let Some(normalized) = recovery::normalize(&code) {
            let digest = recovery::digest(&normalized);
            let used = self
                .write_outside_entries(move |tx| store::use_recovery_code(tx, user_id, &digest).map_err(Error::from))
                .await?;
            if used {
                tracing::info!(user_id, "recovery code accepted in place of a one-time password");
                return Ok(Some(SecondFactor::RecoveryCode));
            }
            tracing::info!(user_id, "recovery code refused");
            return Ok(None);
        }
        let now = self.now_ms();
        let found = self
            .store()
            .read(move |conn| Ok::<_, StoreError>((store::get(conn, user_id)?, global_config(conn)?.window)))
            .await?;
        let step = match found {
            (Some(row), window) => row
                .secret
                .as_deref()
                .and_then(|secret| totp::matching_step(secret, row.otp_digits, row.interval, window, &code, now)),
            (None, _) => None,
        };
        let Some(step) = step else {
            tracing::info!(user_id, "one-time password refused");
            return Ok(None);
        };
        let fresh = self
            .write_outside_entries(move |tx| store::advance_step(tx, user_id, step).map_err(Error::from))
            .await?;
        if fresh {
            tracing::info!(user_id, "one-time password accepted");
        } else {
            tracing::info!(user_id, "one-time password refused: its time step was already used");
        }
        Ok(fresh.then_some(SecondFactor::Totp))
    }
}

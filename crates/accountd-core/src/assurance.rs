//! Authenticator assurance levels (NIST SP 800-63B section 4) as TrueNAS defines them in
//! `middlewared/utils/auth.py`: which login mechanisms a level permits, whether a password login needs a second
//! factor, how long a session lives and how long it may sit idle, and the failure delay. The level is a
//! setting of the accounts database (TrueNAS derives it at start from its persisted STIG setting).

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use accountd_store::{Connection, StoreError, settings};

use crate::accounts::Accounts;
use crate::error::{Error, errno};

/// Settings key of the level (`LEVEL_1` or `LEVEL_2`).
const SETTINGS_KEY: &str = "authenticator_assurance_level";

/// An authenticator assurance level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssuranceLevel {
    /// TrueNAS's baseline: every mechanism, sessions re-authenticate after 30 days, no idle timeout.
    Level1,
    /// Two factors: password logins need a one-time password; API keys, tokens and one-time passwords are
    /// refused; sessions end after 12 hours, or after 30 minutes without a call.
    Level2,
}

impl AssuranceLevel {
    /// TrueNAS's name (`LEVEL_1`, `LEVEL_2`).
    pub fn name(self) -> &'static str {
        match self {
            AssuranceLevel::Level1 => "LEVEL_1",
            AssuranceLevel::Level2 => "LEVEL_2",
        }
    }

    /// The level named `name`.
    pub fn from_name(name: &str) -> Option<AssuranceLevel> {
        match name {
            "LEVEL_1" => Some(AssuranceLevel::Level1),
            "LEVEL_2" => Some(AssuranceLevel::Level2),
            _ => None,
        }
    }

    /// The first-step mechanisms of `auth.login_ex` the level permits, in TrueNAS's order (`OTP_TOKEN`, the
    /// second step, is always permitted; SCRAM is not offered by accountd).
    pub fn mechanisms(self) -> &'static [&'static str] {
        match self {
            AssuranceLevel::Level1 => &["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN", "ONETIME_PASSWORD"],
            AssuranceLevel::Level2 => &["PASSWORD_PLAIN"],
        }
    }

    /// Whether a login with `mechanism` is permitted (TrueNAS's `aal_auth_mechanism_check`): LEVEL_1 permits
    /// every mechanism, LEVEL_2 a password and its one-time password only (`ONETIME_PASSWORD`, the
    /// administrator's single-use password, is refused by name like API keys and tokens).
    pub fn permits(self, mechanism: &str) -> bool {
        match self {
            AssuranceLevel::Level1 => true,
            AssuranceLevel::Level2 => mechanism == "OTP_TOKEN" || self.mechanisms().contains(&mechanism),
        }
    }

    /// The error of a mechanism the level refuses (TrueNAS's EOPNOTSUPP).
    pub fn refusal(mechanism: &str) -> Error {
        Error::call(
            errno::EOPNOTSUPP,
            format!("{mechanism}: mechanism is not supported at current authenticator level."),
        )
    }

    /// A password alone does not log in: the user's one-time password must follow.
    pub fn otp_mandatory(self) -> bool {
        self == AssuranceLevel::Level2
    }

    /// Seconds a session lives before it must re-authenticate (`max_session_age`).
    pub fn max_session_age_secs(self) -> i64 {
        match self {
            AssuranceLevel::Level1 => 86_400 * 30,
            AssuranceLevel::Level2 => 12 * 60 * 60,
        }
    }

    /// Seconds without a call after which a session ends (`max_inactivity`), if any.
    pub fn max_inactivity_secs(self) -> Option<i64> {
        match self {
            AssuranceLevel::Level1 => None,
            AssuranceLevel::Level2 => Some(30 * 60),
        }
    }

    /// Multi-use tokens may be created and used (TrueNAS allows them at LEVEL_1 only).
    pub fn allows_multi_use_tokens(self) -> bool {
        self == AssuranceLevel::Level1
    }

    /// The failure delay of a login at this level: the configured one at LEVEL_1, four times it at LEVEL_2
    /// (TrueNAS's `min_fail_delay` of 1 and 4 seconds).
    pub fn failure_delay(self, configured: Duration) -> Duration {
        match self {
            AssuranceLevel::Level1 => configured,
            AssuranceLevel::Level2 => configured.saturating_mul(4),
        }
    }

    fn code(self) -> u8 {
        match self {
            AssuranceLevel::Level1 => 1,
            AssuranceLevel::Level2 => 2,
        }
    }

    fn from_code(code: u8) -> Option<AssuranceLevel> {
        match code {
            1 => Some(AssuranceLevel::Level1),
            2 => Some(AssuranceLevel::Level2),
            _ => None,
        }
    }
}

/// The level in effect, read from the settings once and kept in memory (0: not read yet).
#[derive(Debug, Default)]
pub(crate) struct CurrentLevel(AtomicU8);

impl CurrentLevel {
    fn get(&self) -> Option<AssuranceLevel> {
        AssuranceLevel::from_code(self.0.load(Ordering::Acquire))
    }

    /// Keeps a level read from the store, unless a newer one was set meanwhile.
    fn loaded(&self, level: AssuranceLevel) {
        let _ = self
            .0
            .compare_exchange(0, level.code(), Ordering::AcqRel, Ordering::Acquire);
    }

    fn set(&self, level: AssuranceLevel) {
        self.0.store(level.code(), Ordering::Release);
    }
}

/// The stored level; LEVEL_1 when never set.
fn stored_level(conn: &Connection) -> Result<AssuranceLevel, StoreError> {
    Ok(settings::get(conn, SETTINGS_KEY)?
        .as_deref()
        .and_then(AssuranceLevel::from_name)
        .unwrap_or(AssuranceLevel::Level1))
}

impl Accounts {
    /// The authenticator assurance level in effect.
    pub async fn assurance_level(&self) -> Result<AssuranceLevel, Error> {
        if let Some(level) = self.inner.assurance.get() {
            return Ok(level);
        }
        let level = self.store().read(stored_level).await?;
        self.inner.assurance.loaded(level);
        Ok(self.inner.assurance.get().unwrap_or(level))
    }

    /// `auth.set_authenticator_assurance_level`: stores the level; logins from now on follow it (sessions
    /// keep the bounds of the level they logged in under, as on TrueNAS). An unknown name is TrueNAS's
    /// CallError.
    pub async fn set_assurance_level(&self, name: &str) -> Result<(), Error> {
        let Some(level) = AssuranceLevel::from_name(name) else {
            return Err(Error::call(
                errno::EINVAL,
                format!("{name}: unknown authenticator assurance level"),
            ));
        };
        self.write_outside_entries(move |tx| Ok::<_, Error>(settings::set(tx, SETTINGS_KEY, level.name())?))
            .await?;
        self.inner.assurance.set(level);
        tracing::warn!(level = level.name(), "authenticator assurance level set");
        Ok(())
    }

    /// The failure delay of a login under the level in effect.
    pub async fn login_failure_delay(&self) -> Duration {
        let level = self.assurance_level().await.unwrap_or(AssuranceLevel::Level1);
        level.failure_delay(self.config().login_failure_delay)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mechanisms_permitted_per_level() {
        use AssuranceLevel::*;
        let table = [
            (Level1, "PASSWORD_PLAIN", true),
            (Level1, "API_KEY_PLAIN", true),
            (Level1, "TOKEN_PLAIN", true),
            (Level1, "OTP_TOKEN", true),
            (Level1, "ONETIME_PASSWORD", true),
            (Level2, "PASSWORD_PLAIN", true),
            (Level2, "OTP_TOKEN", true),
            (Level2, "API_KEY_PLAIN", false),
            (Level2, "TOKEN_PLAIN", false),
            (Level2, "ONETIME_PASSWORD", false),
        ];
        for (level, mechanism, permitted) in table {
            assert_eq!(level.permits(mechanism), permitted, "{level:?} {mechanism}");
        }
    }

    #[test]
    fn bounds_per_level() {
        assert_eq!(AssuranceLevel::Level1.max_session_age_secs(), 2_592_000);
        assert_eq!(AssuranceLevel::Level1.max_inactivity_secs(), None);
        assert_eq!(AssuranceLevel::Level2.max_session_age_secs(), 43_200);
        assert_eq!(AssuranceLevel::Level2.max_inactivity_secs(), Some(1_800));
        assert!(AssuranceLevel::Level2.otp_mandatory() && !AssuranceLevel::Level1.otp_mandatory());
        assert_eq!(AssuranceLevel::from_name("LEVEL_3"), None);
    }
}

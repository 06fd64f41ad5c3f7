//! `system.security.config` / `system.security.update`: TrueNAS's security settings, kept as the password
//! fields of the `Default` profile.

use accountd_api::types::account_profile::{AccountProfileUpdate, SystemSecurityEntry, SystemSecurityUpdate};
use accountd_store::account_profiles::{self, ProfileRow};

use super::write::{merged, update_row};
use super::{DEFAULT_PROFILE, entry_of};
use crate::accounts::Accounts;
use crate::args::SYSTEM_SECURITY_UPDATE;
use crate::error::{Error, ValidationErrors, errno};

fn security_of(row: &ProfileRow) -> SystemSecurityEntry {
    let entry = entry_of(row);
    SystemSecurityEntry {
        id: 1,
        enable_fips: false,
        enable_gpos_stig: false,
        min_password_age: entry.min_password_age,
        max_password_age: entry.password_expiration_days,
        password_complexity_ruleset: entry.password_complexity_ruleset,
        min_password_length: entry.min_password_length,
        password_history_length: entry.password_history_length,
    }
}

fn missing() -> Error {
    Error::internal("the Default account profile is missing")
}

impl Accounts {
    /// `system.security.config`.
    pub async fn system_security_config(&self) -> Result<SystemSecurityEntry, Error> {
        let row = self
            .store()
            .read(|conn| account_profiles::get(conn, DEFAULT_PROFILE))
            .await?
            .ok_or_else(missing)?;
        Ok(security_of(&row))
    }

    /// `system.security.update`.
    pub async fn system_security_update(&self, data: SystemSecurityUpdate) -> Result<SystemSecurityEntry, Error> {
        for (field, on) in [
            ("enable_fips", data.enable_fips),
            ("enable_gpos_stig", data.enable_gpos_stig),
        ] {
            if on == Some(true) {
                return Err(Error::call(
                    errno::EOPNOTSUPP,
                    format!("{field}: not supported by this service"),
                ));
            }
        }
        let mut errs = ValidationErrors::new();
        if let Some(Some(days)) = data.max_password_age
            && !(7..=365).contains(&days)
        {
            let message = if days < 7 {
                "Input should be greater than or equal to 7"
            } else {
                "Input should be less than or equal to 365"
            };
            errs.add(format!("{SYSTEM_SECURITY_UPDATE}.max_password_age"), message);
        }
        errs.check()?;
        let update = AccountProfileUpdate {
            min_password_age: data.min_password_age,
            password_expiration_days: data.max_password_age,
            password_complexity_ruleset: data.password_complexity_ruleset,
            min_password_length: data.min_password_length,
            password_history_length: data.password_history_length,
            ..AccountProfileUpdate::default()
        };
        self.write_changes(move |tx, changes| {
            let old = account_profiles::get(tx, DEFAULT_PROFILE)?.ok_or_else(missing)?;
            let new = merged(&old, update);
            update_row(tx, SYSTEM_SECURITY_UPDATE, &old, &new, changes)
        })
        .await?;
        tracing::info!("security configuration updated");
        self.system_security_config().await
    }
}

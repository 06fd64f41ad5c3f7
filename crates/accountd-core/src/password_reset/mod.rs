//! `auth.password_reset.*`: a forgotten password reset through a link sent by email (Avi's
//! `passwordchangerequest`).
//!
//! A request answers at once, whatever the address; the lookup, the token and the mail are the work of one
//! background task ([`mailer`]), so the answer says nothing about the address and takes the same time. A token is
//! 32 random bytes (base64url) stored only as its SHA-256 digest, one per user: a new request replaces it, and any
//! write that replaces the password, disables it, locks or deletes the user cancels it (`Accounts::write_changes`
//! applies the write's credential effects to the tokens in the same transaction). Completing a reset sets the
//! password (the profile's rules apply), clears the lockout and ends every session of the user.

mod mailer;
mod token;

use accountd_api::types::password_reset::{PasswordResetComplete, PasswordResetEntry, PasswordResetUpdate};
use accountd_store::mail::{self as mail_store, ResetSettingsRow};
use accountd_store::password_reset as tokens;
use accountd_store::users;

pub(crate) use mailer::ResetMailer;

use crate::account_profiles::PasswordCandidate;
use crate::accounts::Accounts;
use crate::args::{PASSWORD_RESET_COMPLETE, PASSWORD_RESET_UPDATE};
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;
use crate::password::nt_hash;
use crate::sessions::CredentialEffect;
use crate::users::set_password_fields;

/// Stands for the token in `url_template`.
pub const TOKEN_PLACEHOLDER: &str = "{token}";

fn not_configured() -> Error {
    Error::call(errno::EOPNOTSUPP, "Password reset by email is not configured")
}

fn invalid_token() -> Error {
    Error::invalid(format!("{PASSWORD_RESET_COMPLETE}.token"), "Invalid or expired token")
}

fn entry_of(row: &ResetSettingsRow) -> PasswordResetEntry {
    PasswordResetEntry {
        id: 1,
        enabled: row.enabled,
        token_ttl: row.token_ttl,
        url_template: row.url_template.clone(),
        allow_unprivileged_self_service: row.allow_unprivileged_self_service,
    }
}

fn validate_template(errs: &mut ValidationErrors, template: &str) {
    let attribute = format!("{PASSWORD_RESET_UPDATE}.url_template");
    if !template.contains(TOKEN_PLACEHOLDER) {
        errs.add(&attribute, "The URL template must contain {token}");
    }
    if !(template.starts_with("http://") || template.starts_with("https://")) {
        errs.add(&attribute, "The URL template must start with http:// or https://");
    }
    if template.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errs.add(
            &attribute,
            "The URL template must not contain spaces or control characters",
        );
    }
}

impl Accounts {
    /// `auth.password_reset.config`.
    pub async fn password_reset_config(&self) -> Result<PasswordResetEntry, Error> {
        let row = self.store().read(mail_store::reset_settings).await?;
        Ok(entry_of(&row))
    }

    /// `auth.password_reset.update`.
    pub async fn password_reset_update(&self, update: PasswordResetUpdate) -> Result<PasswordResetEntry, Error> {
        let mut errs = ValidationErrors::new();
        if let Some(Some(template)) = &update.url_template {
            validate_template(&mut errs, template);
        }
        errs.check()?;
        let row = self
            .write_outside_entries(move |tx| {
                let old = mail_store::reset_settings(tx)?;
                let new = ResetSettingsRow {
                    enabled: update.enabled.unwrap_or(old.enabled),
                    token_ttl: update.token_ttl.unwrap_or(old.token_ttl),
                    url_template: update.url_template.unwrap_or(old.url_template),
                    allow_unprivileged_self_service: update
                        .allow_unprivileged_self_service
                        .unwrap_or(old.allow_unprivileged_self_service),
                };
                mail_store::set_reset_settings(tx, &new)?;
                Ok::<_, Error>(new)
            })
            .await?;
        tracing::info!(
            enabled = row.enabled,
            token_ttl = row.token_ttl,
            "password reset configuration updated"
        );
        Ok(entry_of(&row))
    }

    /// Whether users matched by no privilege may log in to a session restricted to their own account.
    pub async fn unprivileged_self_service_allowed(&self) -> Result<bool, Error> {
        let row = self.store().read(mail_store::reset_settings).await?;
        Ok(row.allow_unprivileged_self_service)
    }

    /// `auth.password_reset.request`: checks that reset is offered and hands the address to the reset mailer;
    /// answers before anything about the address is looked up.
    pub async fn password_reset_request(&self, email: String) -> Result<(), Error> {
        let (settings, mail) = self
            .store()
            .read(|conn| {
                Ok::<_, accountd_store::StoreError>((mail_store::reset_settings(conn)?, mail_store::mail(conn)?))
            })
            .await?;
        if !settings.enabled || !crate::mail::configured(&mail) {
            return Err(not_configured());
        }
        self.inner.reset_mailer.enqueue(self, email);
        Ok(())
    }

    /// `auth.password_reset.complete`.
    pub async fn password_reset_complete(&self, data: PasswordResetComplete) -> Result<(), Error> {
        let settings = self.store().read(mail_store::reset_settings).await?;
        if !settings.enabled {
            return Err(not_configured());
        }
        let digest = token::digest(&data.token);
        let now = self.now_ms();
        let lookup = digest.clone();
        let pending = self.store().read(move |conn| tokens::by_digest(conn, &lookup)).await?;
        let Some(pending) = pending.filter(|t| now < t.expires_ms) else {
            tracing::info!("password reset refused: unknown, used or expired token");
            return Err(invalid_token());
        };
        let user_id = pending.user_id;
        self.check_new_password(PasswordCandidate {
            attribute: &format!("{PASSWORD_RESET_COMPLETE}.new_password"),
            password: &data.new_password,
            user_id: Some(user_id),
            profile: None,
            username: None,
            full_name: None,
            self_service: false,
        })
        .await?;
        let unixhash = self.inner.hasher.hash(data.new_password.clone()).await?;
        let smbhash = nt_hash(&data.new_password);
        // The token is taken in the same transaction that sets the password: of two completions of one token,
        // one sets the password and the other finds no token.
        self.write_changes(move |tx, changes: &mut ChangeSet| {
            let Some(taken) = tokens::take(tx, &digest)? else {
                return Err(invalid_token());
            };
            if taken.user_id != user_id || now >= taken.expires_ms {
                return Err(invalid_token());
            }
            let Some(mut row) = users::get(tx, user_id)? else {
                return Err(invalid_token());
            };
            if row.locked || row.password_disabled {
                return Err(invalid_token());
            }
            set_password_fields(&mut row, unixhash, smbhash, now);
            // The user chose this password: an administrator's requirement to change it is met.
            row.password_change_required = false;
            users::update(tx, &row)?;
            changes.user_changed(user_id);
            // No acting session: every session of the user ends.
            changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id }, None);
            Ok(())
        })
        .await?;
        self.lockout().await?.reset(user_id);
        self.flush_login_state().await;
        tracing::info!(user_id, "password reset completed");
        Ok(())
    }
}

/// Cancels the pending reset token of every user whose password, lock or existence a write changed (called
/// inside the write's transaction).
pub(crate) fn cancel_for_effects(tx: &accountd_store::Transaction<'_>, changes: &ChangeSet) -> Result<(), Error> {
    for recorded in changes.credential_effects() {
        match recorded.effect {
            CredentialEffect::PasswordReplaced { user_id }
            | CredentialEffect::PasswordDisabled { user_id }
            | CredentialEffect::Locked { user_id }
            | CredentialEffect::Deleted { user_id } => {
                if tokens::cancel(tx, user_id)? {
                    tracing::info!(user_id, "pending password reset cancelled");
                }
            }
            CredentialEffect::ApiKeyRevoked { .. } | CredentialEffect::ApiKeyExpiryChanged { .. } => {}
        }
    }
    Ok(())
}

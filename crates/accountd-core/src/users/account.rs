//! `user.account.*`: a user's view and edit of their own account (Avi `/api/useraccount`, Foreman self-edit).

use std::net::IpAddr;

use accountd_api::types::account::{AccountConfig, UserAccountUpdate};
use accountd_api::types::user::{SetPasswordData, UserUpdate};
use accountd_store::users;

use super::email::email_error;
use super::profile::{ProfileFields, validate_profile};
use crate::accounts::Accounts;
use crate::args::{USER_ACCOUNT_UPDATE, USER_UPDATE};
use crate::authz;
use crate::caller::Caller;
use crate::error::{Error, ValidationErrors, errno};

impl Accounts {
    /// `user.account.config`.
    pub async fn account_config(&self, caller: &Caller) -> Result<AccountConfig, Error> {
        let entry = self
            .user_entry(caller.user_id)
            .await?
            .ok_or_else(|| Error::not_found(format!("User {} does not exist", caller.user_id)))?;
        Ok(AccountConfig {
            id: entry.id,
            username: entry.username,
            full_name: entry.full_name,
            email: entry.email,
            description: entry.description,
            locale: entry.locale,
            timezone: entry.timezone,
            password_age: entry.password_age,
            password_change_required: entry.password_change_required,
            twofactor_auth_configured: entry.twofactor_auth_configured,
            roles: entry.roles,
        })
    }

    /// `user.account.update` from a client at `origin`: checks `old_password` (counted as a login attempt of
    /// the account) when the password or the email changes, then sets the password through
    /// [`Accounts::user_set_password`] and the other fields through [`Accounts::user_update`].
    pub async fn account_update(
        &self,
        caller: &Caller,
        origin: IpAddr,
        mut data: UserAccountUpdate,
    ) -> Result<AccountConfig, Error> {
        let id = caller.user_id;
        let (row, external) = self
            .store()
            .read(move |conn| {
                let Some(row) = users::get(conn, id)? else {
                    return Ok::<_, accountd_store::StoreError>(None);
                };
                let source = accountd_store::auth_sources::source_of_user(conn, id)?;
                Ok(Some((row, source != accountd_store::auth_sources::INTERNAL_ID)))
            })
            .await?
            .ok_or_else(|| Error::not_found(format!("User {id} does not exist")))?;
        if external && data.password.is_some() {
            // The directory keeps the password: there is nothing here to change.
            return Err(Error::invalid(
                format!("{USER_ACCOUNT_UPDATE}.password"),
                "Password cannot be changed for users of an external authentication source",
            ));
        }
        if let Some(Some(email)) = &data.email
            && email.is_empty()
        {
            data.email = Some(None);
        }
        let email_changes = data.email.as_ref().is_some_and(|e| *e != row.email);

        let mut errs = ValidationErrors::new();
        if let Some(full_name) = &data.full_name {
            for (c, shown) in [(':', "':'"), ('\n', "'\\n'")] {
                if full_name.contains(c) {
                    errs.add(
                        format!("{USER_ACCOUNT_UPDATE}.full_name"),
                        format!("The {shown} character is not allowed."),
                    );
                }
            }
        }
        if let Some(Some(email)) = &data.email
            && let Some(message) = email_error(email)
        {
            errs.add(format!("{USER_ACCOUNT_UPDATE}.email"), message);
        }
        let profile = ProfileFields {
            description: None,
            locale: data.locale.as_ref().map(|v| v.as_deref()),
            timezone: data.timezone.as_ref().map(|v| v.as_deref()),
        };
        validate_profile(&mut errs, USER_ACCOUNT_UPDATE, &profile);
        errs.check()?;

        if data.password.is_some() || email_changes {
            let Some(old) = data.old_password.take() else {
                return Err(Error::invalid(
                    format!("{USER_ACCOUNT_UPDATE}.old_password"),
                    "The current password is required to change the password or the email address.",
                ));
            };
            if !self.check_own_password(&row, old.clone(), origin).await? {
                return Err(Error::invalid(
                    format!("{USER_ACCOUNT_UPDATE}.old_password"),
                    format!("{}: failed to validate password.", row.username),
                ));
            }
            if let Some(new_password) = data.password.take() {
                let set = SetPasswordData {
                    username: row.username.clone(),
                    old_password: Some(old),
                    new_password,
                };
                self.user_set_password(caller, set).await.map_err(|e| {
                    e.renamed_prefix(
                        "user.set_password.new_password",
                        &format!("{USER_ACCOUNT_UPDATE}.password"),
                    )
                    .renamed_prefix("user.set_password.", &format!("{USER_ACCOUNT_UPDATE}."))
                })?;
            }
        }

        let update = UserUpdate {
            full_name: data.full_name,
            email: data.email.filter(|_| email_changes),
            locale: data.locale,
            timezone: data.timezone,
            ..UserUpdate::default()
        };
        let changes_profile = update.full_name.is_some()
            || update.email.is_some()
            || update.locale.is_some()
            || update.timezone.is_some();
        if changes_profile {
            self.user_update(caller, id, update)
                .await
                .map_err(|e| e.renamed_prefix(&format!("{USER_UPDATE}."), &format!("{USER_ACCOUNT_UPDATE}.")))?;
        }
        self.account_config(caller).await
    }

    /// Checks the password of the account `row` given by its own user from `origin`, as a login would: a wrong
    /// one counts towards the account's lockout and waits the failure delay; during a lockout the answer is
    /// false whatever the password.
    async fn check_own_password(&self, row: &users::UserRow, password: String, origin: IpAddr) -> Result<bool, Error> {
        let phc = (!row.locked && !row.password_disabled).then(|| row.unixhash.clone());
        self.counted_check(row.id, origin, "own password", self.inner.hasher.verify(password, phc))
            .await
    }
}

/// `user.update` with `locked: true` of a user the caller may not lock ([`authz::may_lock`]).
pub(crate) fn refuse_self_lock(caller: &Caller, id: i64, data: &UserUpdate) -> Result<(), Error> {
    if data.locked == Some(true) && !authz::may_lock(caller, id) {
        return Err(Error::invalid_errno(
            format!("{USER_UPDATE}.locked"),
            "It is not possible to lock yourself",
            errno::EPERM,
        ));
    }
    Ok(())
}

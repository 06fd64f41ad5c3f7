//! Logins and the `auth.me` view of a session.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::Duration;

use accountd_api::types::auth::{AuthMe, RoleSet, SessionPrivilege};
use accountd_store::account_profiles::ProfileRow;
use accountd_store::users::{self, UserRow};
use accountd_store::{StoreError, auth_sources};
use serde_json::Value;

use crate::account_profiles::expiry::{ExpiredLogin, expired_login};
use crate::account_profiles::{lockout_policy, profile_of_user};
use crate::accounts::Accounts;
use crate::authz::{self, Grant};
use crate::caller::Caller;
use crate::entry::{Directory, builtin};
use crate::error::Error;
use crate::ldap::LdapLogin;
use crate::lockout::Attempt;
use crate::twofactor::SecondFactor;

/// Waits `delay` before a refused login, password check or rate-limited call is answered (a guess costs the
/// guesser time): the one wait of a call that is not the clock's.
#[allow(
    clippy::disallowed_methods,
    reason = "the failure delay is a real wait on the runtime's timer by design, and its length is a setting"
)]
pub async fn wait_failure_delay(delay: Duration) {
    tokio::time::sleep(delay).await;
}

/// The result of checking credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Valid credentials of a user matched by at least one privilege (which may grant no role).
    Success(Caller),
    /// Unknown user, wrong password, locked or password-disabled account (indistinguishable).
    AuthErr,
    /// Valid credentials, but no privilege is bound to any of the user's groups.
    Denied,
    /// A valid but expired credential: an API key past its `expires_at`, or an expired password under a
    /// `DENY` profile.
    Expired,
    /// Valid password of a user who must also give a one-time password (two-factor authentication is enabled
    /// and the user has a secret): the login completes with [`Accounts::verify_otp`].
    OtpRequired(Caller),
    /// Valid password, but the assurance level requires a second factor the user does not have (answered as
    /// `AUTH_ERR`, after the failure delay).
    SecondFactorMissing,
    /// A one-time password from `auth.generate_onetime_password` logged in (it is used up): the session must
    /// set a new password before anything else (`Caller::password_change_required`).
    OnetimePassword(Caller),
}

impl Accounts {
    /// Checks a username and password from a client at `origin`. Unknown users cost the same as known ones (a
    /// dummy hash is verified), and every failure waits the configured delay before answering. A failure of an
    /// existing user counts towards their lockout; while the account is locked out for `origin`, the password is
    /// still verified (same cost) but the answer is `AuthErr`, as for a wrong password, and nothing is counted.
    pub async fn login_password(&self, username: &str, password: &str, origin: IpAddr) -> Result<LoginOutcome, Error> {
        self.login_with_password(username, password, origin, false).await
    }

    /// A login with a one-time password only (mechanism `ONETIME_PASSWORD`): the user's own password is not
    /// accepted; the cost and answers are those of [`login_password`](Self::login_password).
    pub async fn login_onetime_password(
        &self,
        username: &str,
        password: &str,
        origin: IpAddr,
    ) -> Result<LoginOutcome, Error> {
        self.login_with_password(username, password, origin, true).await
    }

    async fn login_with_password(
        &self,
        username: &str,
        password: &str,
        origin: IpAddr,
        onetime_only: bool,
    ) -> Result<LoginOutcome, Error> {
        self.prepare_logins().await?;
        let lockout = self.lockout().await?;
        let lookup = username.to_string();
        let known_origin_ms = lockout.policy.known_origin_ms;
        let found: Option<(UserRow, Option<Vec<Grant>>, i64, ProfileRow)> = self
            .store()
            .read(move |conn| {
                let Some(row) = users::by_username(conn, &lookup)? else {
                    return Ok::<_, StoreError>(None);
                };
                let grants = crate::entry::session_grants(conn, &row)?;
                let source = auth_sources::source_of_user(conn, row.id)?;
                let profile = profile_of_user(conn, row.account_profile)?;
                Ok(Some((row, grants, source, profile)))
            })
            .await?;
        if let Some((row, _, source, profile)) = &found
            && *source != auth_sources::INTERNAL_ID
            && !onetime_only
        {
            return self.login_external(row, *source, profile, password, origin).await;
        }
        if found.is_none() && !onetime_only {
            match self.ldap_login_register(username, password).await? {
                Some(LdapLogin::Valid(row, grants)) => {
                    return self.password_accepted(*row, grants, None, None, origin, 0).await;
                }
                Some(_) => return self.login_failed().await,
                None => {}
            }
        }
        let found = found.map(|(row, grants, _, profile)| (row, grants, profile));
        // With `onetime_only` the dummy hash is verified instead of the stored one: same cost, never valid.
        let phc = found
            .as_ref()
            .filter(|(row, _, _)| !row.locked && !row.password_disabled && !onetime_only)
            .map(|(row, _, _)| row.unixhash.clone());
        let now = self.now_ms();
        // Begun before the hash is verified, so parallel attempts count towards the limit while they run.
        let attempt = found
            .as_ref()
            .map(|(row, _, profile)| lockout.begin(lockout_policy(profile, known_origin_ms), row.id, origin, now));
        let valid = self.inner.hasher.verify(password.to_string(), phc).await;
        let locked_out = attempt.as_ref().is_some_and(|a| !a.allowed);
        // Not the stored password: maybe a one-time password an administrator generated (LEVEL_1 only).
        let may_redeem = found
            .as_ref()
            .filter(|(row, _, _)| !valid && !locked_out && !row.locked && !row.password_disabled)
            .map(|(row, _, _)| row.id);
        let onetime = match may_redeem {
            Some(user_id) => {
                self.assurance_level().await?.permits("ONETIME_PASSWORD")
                    && self.redeem_onetime_password(user_id, password)
            }
            None => false,
        };
        match found {
            Some((row, grants, _)) if onetime => {
                tracing::info!(user_id = row.id, "one-time password used");
                let outcome = self.password_accepted(row, grants, None, attempt, origin, now).await?;
                Ok(match outcome {
                    LoginOutcome::Success(caller) => LoginOutcome::OnetimePassword(Caller {
                        password_change_required: true,
                        onetime_password: true,
                        ..caller
                    }),
                    LoginOutcome::OtpRequired(caller) => LoginOutcome::OtpRequired(Caller {
                        password_change_required: true,
                        onetime_password: true,
                        ..caller
                    }),
                    other => other,
                })
            }
            Some((row, _, _)) if locked_out => {
                tracing::info!(
                    user_id = row.id,
                    "login refused: the account is locked out for this origin"
                );
                self.login_failed().await
            }
            Some((row, grants, profile)) if valid => {
                self.rehash_if_outdated(&row, password).await;
                self.password_accepted(row, grants, Some(&profile), attempt, origin, now)
                    .await
            }
            found => {
                if let (Some((row, _, _)), Some(attempt)) = (found, attempt) {
                    self.count_login_failure(row.id, attempt, now);
                }
                tracing::info!("login failed");
                self.login_failed().await
            }
        }
    }

    /// A password login of `row`, a user of the external source `source`: the directory checks the password
    /// (never an empty one). A wrong password counts for lockout; an unreachable server does not.
    async fn login_external(
        &self,
        row: &UserRow,
        source: i64,
        profile: &ProfileRow,
        password: &str,
        origin: IpAddr,
    ) -> Result<LoginOutcome, Error> {
        let lockout = self.lockout().await?;
        let now = self.now_ms();
        let policy = lockout_policy(profile, lockout.policy.known_origin_ms);
        let attempt = lockout.begin(policy, row.id, origin, now);
        if !attempt.allowed {
            tracing::info!(
                user_id = row.id,
                "login refused: the account is locked out for this origin"
            );
            return self.login_failed().await;
        }
        let outcome = if row.locked || row.password_disabled || password.is_empty() {
            LdapLogin::Invalid
        } else {
            self.ldap_login_known(row, source, password).await?
        };
        match outcome {
            // The directory owns the password and its age: no expiry here.
            LdapLogin::Valid(row, grants) => {
                self.password_accepted(*row, grants, None, Some(attempt), origin, now)
                    .await
            }
            LdapLogin::Invalid => {
                self.count_login_failure(row.id, attempt, now);
                tracing::info!(user_id = row.id, "login failed");
                self.login_failed().await
            }
            LdapLogin::Unavailable | LdapLogin::Refused => {
                // Not the user's fault: the attempt ends without counting.
                drop(attempt);
                tracing::info!(
                    user_id = row.id,
                    "login failed: the authentication source is unavailable"
                );
                self.login_failed().await
            }
        }
    }

    /// The tail of a login whose password was right: no privilege (`Denied`), an expired password under a
    /// `DENY` profile (`Expired`), a second factor to give (`OtpRequired`), or success (the lockout counter of
    /// `origin` is cleared). `profile` is the user's account profile when the password is the service's own
    /// (its expiry applies); an expired password under `RESTRICT` logs in restricted.
    async fn password_accepted(
        &self,
        row: UserRow,
        grants: Option<Vec<Grant>>,
        profile: Option<&ProfileRow>,
        attempt: Option<Attempt<'_>>,
        origin: IpAddr,
        now: i64,
    ) -> Result<LoginOutcome, Error> {
        let self_service_only = grants.is_none();
        let Some(grants) = self.grants_or_self_service(grants).await? else {
            tracing::info!(user_id = row.id, "login denied: no privilege");
            return Ok(LoginOutcome::Denied);
        };
        let expired =
            profile.and_then(|p| expired_login(p, row.password_change_required, row.last_password_change, now));
        if expired == Some(ExpiredLogin::Deny) {
            // Not a failure of the user's (the password was right), and not a success either.
            drop(attempt);
            tracing::info!(user_id = row.id, "login refused: the password has expired");
            return Ok(LoginOutcome::Expired);
        }
        let caller = Caller {
            user_id: row.id,
            username: row.username,
            grants,
            session_id: None,
            tenant: crate::authz::SessionTenant::default(),
            password_change_required: expired == Some(ExpiredLogin::Restrict),
            onetime_password: false,
            self_service_only,
        };
        if self.otp_required(row.id).await? {
            tracing::info!(user_id = row.id, "password accepted; one-time password required");
            return Ok(LoginOutcome::OtpRequired(caller));
        }
        if self.assurance_level().await?.otp_mandatory() {
            tracing::info!(
                user_id = row.id,
                "login refused: the assurance level requires a second factor the user does not have"
            );
            wait_failure_delay(self.login_failure_delay().await).await;
            return Ok(LoginOutcome::SecondFactorMissing);
        }
        if caller.password_change_required {
            tracing::info!(
                user_id = caller.user_id,
                "login succeeded; the password has expired and must be changed"
            );
        } else {
            tracing::info!(user_id = caller.user_id, "login succeeded");
        }
        if let Some(attempt) = attempt {
            attempt.succeeded(origin, now);
            self.save_lockout_later();
        }
        Ok(LoginOutcome::Success(caller))
    }

    /// Completes a password login of `user_id` from `origin` with a one-time password: true when the code is
    /// right and the account is not locked out for `origin` (then the login counts as a success). A wrong code
    /// counts as a failure of the account; during a lockout the code is not checked and nothing is counted.
    /// Does not wait the failure delay (the caller does). A recovery code may stand in for the one-time password
    /// ([`Accounts::verify_otp`]); the answer says which factor it was, `None` when refused.
    pub async fn login_second_factor(
        &self,
        user_id: i64,
        otp_token: String,
        origin: IpAddr,
    ) -> Result<Option<SecondFactor>, Error> {
        let lockout = self.lockout().await?;
        let policy = self.lockout_policy_of(user_id, lockout.policy.known_origin_ms).await?;
        let now = self.now_ms();
        let attempt = lockout.begin(policy, user_id, origin, now);
        if !attempt.allowed {
            tracing::info!(
                user_id,
                "one-time password refused: the account is locked out for this origin"
            );
            return Ok(None);
        }
        let Some(factor) = self.verify_otp(user_id, otp_token).await? else {
            self.count_login_failure(user_id, attempt, now);
            return Ok(None);
        };
        attempt.succeeded(origin, now);
        self.save_lockout_later();
        Ok(Some(factor))
    }

    /// Counts a failed check of an account's password or one-time password.
    fn count_login_failure(&self, user_id: i64, attempt: Attempt<'_>, now: i64) {
        let known_origin = attempt.known_origin();
        if let Some(until) = attempt.failed(now) {
            tracing::warn!(
                user_id,
                known_origin,
                "account locked out after repeated login failures"
            );
            self.lock_started(user_id, until);
        }
        self.save_lockout_later();
    }

    /// Waits the failure delay; `AuthErr`.
    async fn login_failed(&self) -> Result<LoginOutcome, Error> {
        wait_failure_delay(self.login_failure_delay().await).await;
        Ok(LoginOutcome::AuthErr)
    }

    /// The caller a login as `user_id` gets now (token logins): the user's current grants; `AuthErr` when the
    /// user no longer exists or is locked, `Denied` when no privilege matches its groups. A token does not
    /// outlive the password it came from: once that has expired, the login is restricted or refused as a
    /// password login would be.
    pub async fn login_user(&self, user_id: i64) -> Result<LoginOutcome, Error> {
        let now = self.now_ms();
        let found = self
            .store()
            .read(move |conn| {
                let Some(row) = users::get(conn, user_id)? else {
                    return Ok::<_, StoreError>(None);
                };
                let grants = crate::entry::session_grants(conn, &row)?;
                let internal = auth_sources::source_of_user(conn, row.id)? == auth_sources::INTERNAL_ID;
                let expired = if internal {
                    let profile = profile_of_user(conn, row.account_profile)?;
                    expired_login(&profile, row.password_change_required, row.last_password_change, now)
                } else {
                    None
                };
                Ok(Some((row.username, row.locked, grants, expired)))
            })
            .await?;
        let Some((username, false, grants, expired)) = found else {
            return Ok(LoginOutcome::AuthErr);
        };
        let self_service_only = grants.is_none();
        let Some(grants) = self.grants_or_self_service(grants).await? else {
            return Ok(LoginOutcome::Denied);
        };
        if expired == Some(ExpiredLogin::Deny) {
            return Ok(LoginOutcome::Expired);
        }
        Ok(LoginOutcome::Success(Caller {
            user_id,
            username,
            grants,
            session_id: None,
            tenant: crate::authz::SessionTenant::default(),
            password_change_required: expired == Some(ExpiredLogin::Restrict),
            onetime_password: false,
            self_service_only,
        }))
    }

    /// The grants a login gets: those of the user's privileges, or, for a user matched by no privilege, none at
    /// all when `allow_unprivileged_self_service` lets them in to their own account (`None`: `DENIED`).
    async fn grants_or_self_service(&self, grants: Option<Vec<Grant>>) -> Result<Option<Vec<Grant>>, Error> {
        match grants {
            Some(grants) => Ok(Some(grants)),
            None if self.unprivileged_self_service_allowed().await? => Ok(Some(Vec::new())),
            None => Ok(None),
        }
    }

    /// The database id of the user named `username`.
    pub async fn user_id_by_name(&self, username: &str) -> Result<Option<i64>, Error> {
        let name = username.to_string();
        Ok(self
            .store()
            .read(move |conn| Ok::<_, StoreError>(users::by_username(conn, &name)?.map(|row| row.id)))
            .await?)
    }

    /// `auth.me` for a session.
    pub async fn auth_me(&self, caller: &Caller) -> Result<AuthMe, Error> {
        let id = caller.user_id;
        let loaded = self
            .store()
            .read(move |conn| {
                let Some(row) = users::get(conn, id)? else {
                    return Ok::<_, StoreError>(None);
                };
                let dir = Directory::load_for_users(conn, std::slice::from_ref(&row))?;
                let gid = dir.group(row.group_id).map(|g| g.gid).unwrap_or_default();
                let group_ids = dir.user_group_ids(&row);
                let web_shell = dir.privileges_of_groups(&group_ids).iter().any(|p| p.web_shell);
                // TrueNAS `privilege_has_webui_access`: a granted role meant for administrators (not `builtin`).
                let webui_access = dir
                    .roles_of_groups(&group_ids)
                    .iter()
                    .any(|r| accountd_api::roles::catalogue_role(r).is_some_and(|c| !c.builtin));
                let twofactor = accountd_store::twofactor::get(conn, row.id)?;
                let attributes = users::attributes(conn, row.id)?;
                let external = auth_sources::source_of_user(conn, row.id)? != auth_sources::INTERNAL_ID;
                Ok(Some((
                    row,
                    gid,
                    web_shell,
                    webui_access,
                    twofactor,
                    attributes,
                    external,
                )))
            })
            .await?;
        let Some((row, gid, web_shell, webui_access, twofactor, attributes, external)) = loaded else {
            return Err(Error::call(crate::error::errno::ENOENT, "User no longer exists"));
        };
        let two_factor_config = crate::twofactor::state_of(twofactor.as_ref(), &row.username, &self.config().hostname);
        let roles = authz::session_role_names(caller);
        let allowlist = authz::allowlist_of(caller);
        let mut account_attributes = vec!["LOCAL".to_string()];
        if row.uid == 0 || row.uid == builtin::TRUENAS_ADMIN_ID {
            account_attributes.insert(0, "SYS_ADMIN".to_string());
        }
        if two_factor_config.secret_configured {
            account_attributes.push("2FA".to_string());
        }
        if external {
            account_attributes.push("LDAP".to_string());
        }
        if caller.password_change_required {
            account_attributes.push("PASSWORD_CHANGE_REQUIRED".to_string());
        }
        if caller.onetime_password {
            account_attributes.push("OTPW".to_string());
        }
        Ok(AuthMe {
            pw_name: row.username,
            pw_gecos: row.full_name,
            pw_dir: row.home,
            pw_shell: row.shell,
            pw_uid: row.uid,
            pw_gid: gid,
            grouplist: None,
            sid: None,
            source: "LOCAL".to_string(),
            local: true,
            attributes: attributes.into_iter().collect::<BTreeMap<String, Value>>(),
            two_factor_config,
            privilege: SessionPrivilege {
                webui_access,
                roles: RoleSet { set: roles },
                allowlist,
                web_shell,
            },
            account_attributes,
            tenant: self.session_tenant_entry(caller.tenant).await?,
        })
    }
}

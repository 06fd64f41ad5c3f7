//! Logins and the `auth.me` view of a session.

use std::collections::BTreeMap;

use accountd_api::Role;
use accountd_api::types::auth::{AllowlistEntry, AuthMe, RoleSet, SessionPrivilege};
use accountd_store::StoreError;
use accountd_store::users::{self, UserRow};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::caller::Caller;
use crate::entry::{Directory, builtin};
use crate::error::Error;

/// The result of checking credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginOutcome {
    /// Valid credentials of a user matched by at least one privilege (which may grant no role).
    Success(Caller),
    /// Unknown user, wrong password, locked or password-disabled account (indistinguishable).
    AuthErr,
    /// Valid credentials, but no privilege is bound to any of the user's groups.
    Denied,
    /// A valid but expired credential (an API key past its `expires_at`).
    Expired,
    /// Valid password of a user who must also give a one-time password (two-factor authentication is enabled
    /// and the user has a secret): the login completes with [`Accounts::verify_otp`].
    OtpRequired(Caller),
}

impl Accounts {
    /// Checks a username and password. Unknown users cost the same as known ones (a dummy hash is
    /// verified), and every failure waits the configured delay before answering.
    pub async fn login_password(&self, username: &str, password: &str) -> Result<LoginOutcome, Error> {
        let lookup = username.to_string();
        let found: Option<(UserRow, Option<Vec<Role>>)> = self
            .store()
            .read(move |conn| {
                let Some(row) = users::by_username(conn, &lookup)? else {
                    return Ok::<_, StoreError>(None);
                };
                let roles = crate::entry::session_roles(conn, &row)?;
                Ok(Some((row, roles)))
            })
            .await?;
        let phc = found
            .as_ref()
            .filter(|(row, _)| !row.locked && !row.password_disabled)
            .map(|(row, _)| row.unixhash.clone());
        let valid = self.inner.hasher.verify(password.to_string(), phc).await;
        match found {
            Some((row, roles)) if valid => {
                let Some(roles) = roles else {
                    tracing::info!(user_id = row.id, "login denied: no privilege");
                    return Ok(LoginOutcome::Denied);
                };
                let caller = Caller {
                    user_id: row.id,
                    username: row.username,
                    roles,
                };
                if self.otp_required(row.id).await? {
                    tracing::info!(user_id = row.id, "password accepted; one-time password required");
                    return Ok(LoginOutcome::OtpRequired(caller));
                }
                tracing::info!(user_id = row.id, "login succeeded");
                Ok(LoginOutcome::Success(caller))
            }
            _ => {
                tracing::info!("login failed");
                tokio::time::sleep(self.config().login_failure_delay).await;
                Ok(LoginOutcome::AuthErr)
            }
        }
    }

    /// The caller a login as `user_id` gets now (token logins): the user's current roles; `AuthErr` when the
    /// user no longer exists or is locked, `Denied` when no privilege matches its groups.
    pub async fn login_user(&self, user_id: i64) -> Result<LoginOutcome, Error> {
        let found = self
            .store()
            .read(move |conn| {
                let Some(row) = users::get(conn, user_id)? else {
                    return Ok::<_, StoreError>(None);
                };
                let roles = crate::entry::session_roles(conn, &row)?;
                Ok(Some((row.username, row.locked, roles)))
            })
            .await?;
        let Some((username, false, roles)) = found else {
            return Ok(LoginOutcome::AuthErr);
        };
        let Some(roles) = roles else {
            return Ok(LoginOutcome::Denied);
        };
        Ok(LoginOutcome::Success(Caller {
            user_id,
            username,
            roles,
        }))
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
                Ok(Some((row, gid, web_shell, webui_access, twofactor, attributes)))
            })
            .await?;
        let Some((row, gid, web_shell, webui_access, twofactor, attributes)) = loaded else {
            return Err(Error::call(crate::error::errno::ENOENT, "User no longer exists"));
        };
        let two_factor_config = crate::twofactor::state_of(twofactor.as_ref(), &row.username, &self.config().hostname);
        let mut roles: Vec<String> = caller.roles.iter().map(|r| r.as_str().to_string()).collect();
        roles.sort();
        let allowlist = if caller.has(Role::FullAdmin) {
            vec![AllowlistEntry {
                method: "*".into(),
                resource: "*".into(),
            }]
        } else {
            Vec::new()
        };
        let mut account_attributes = vec!["LOCAL".to_string()];
        if row.uid == 0 || row.uid == builtin::TRUENAS_ADMIN_ID {
            account_attributes.insert(0, "SYS_ADMIN".to_string());
        }
        if two_factor_config.secret_configured {
            account_attributes.push("2FA".to_string());
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
        })
    }
}

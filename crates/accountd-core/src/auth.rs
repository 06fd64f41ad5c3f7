//! Logins and the `auth.me` view of a session.

use std::collections::BTreeMap;

use accountd_api::Role;
use accountd_api::types::auth::{AllowlistEntry, AuthMe, RoleSet, SessionPrivilege, TwoFactorState};
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
    /// Valid credentials of a user whose groups grant at least one role.
    Success(Caller),
    /// Unknown user, wrong password, locked or password-disabled account (indistinguishable).
    AuthErr,
    /// Valid credentials, but the user's groups grant no role.
    Denied,
}

impl Accounts {
    /// Checks a username and password. Unknown users cost the same as known ones (a dummy hash is
    /// verified), and every failure waits the configured delay before answering.
    pub async fn login_password(&self, username: &str, password: &str) -> Result<LoginOutcome, Error> {
        let lookup = username.to_string();
        let found: Option<(UserRow, Vec<Role>)> = self
            .store()
            .read(move |conn| {
                let Some(row) = users::by_username(conn, &lookup)? else {
                    return Ok::<_, StoreError>(None);
                };
                let dir = Directory::load_for_users(conn, std::slice::from_ref(&row))?;
                let roles = dir
                    .roles_of_groups(&dir.user_group_ids(&row))
                    .iter()
                    .filter_map(|r| Role::parse(r))
                    .collect();
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
                if roles.is_empty() {
                    tracing::info!(user_id = row.id, "login denied: no privilege");
                    return Ok(LoginOutcome::Denied);
                }
                tracing::info!(user_id = row.id, "login succeeded");
                Ok(LoginOutcome::Success(Caller {
                    user_id: row.id,
                    username: row.username,
                    roles,
                }))
            }
            _ => {
                tracing::info!("login failed");
                tokio::time::sleep(self.config().login_failure_delay).await;
                Ok(LoginOutcome::AuthErr)
            }
        }
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
                let web_shell = dir
                    .privileges_of_groups(&dir.user_group_ids(&row))
                    .iter()
                    .any(|p| p.web_shell);
                let twofactor = users::twofactor(conn, row.id)?;
                let attributes = users::attributes(conn, row.id)?;
                Ok(Some((row, gid, web_shell, twofactor, attributes)))
            })
            .await?;
        let Some((row, gid, web_shell, twofactor, attributes)) = loaded else {
            return Err(Error::call(crate::error::errno::ENOENT, "User no longer exists"));
        };
        let (secret, digits, interval) = twofactor.unwrap_or((None, 6, 30));
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
        if secret.is_some() {
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
            two_factor_config: TwoFactorState {
                provisioning_uri: None,
                secret_configured: secret.is_some(),
                interval,
                otp_digits: digits,
            },
            privilege: SessionPrivilege {
                webui_access: !roles.is_empty(),
                roles: RoleSet { set: roles },
                allowlist,
                web_shell,
            },
            account_attributes,
        })
    }

    /// `auth.set_attribute`.
    pub async fn set_attribute(&self, caller: &Caller, key: String, value: Value) -> Result<(), Error> {
        let id = caller.user_id;
        self.store()
            .write(move |tx| users::set_attribute(tx, id, &key, &value).map_err(Error::from))
            .await
    }
}

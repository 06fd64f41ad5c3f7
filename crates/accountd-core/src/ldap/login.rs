//! Password logins through LDAP sources: a known user of a source, or an unknown login registered on the fly.

use accountd_api::Role;
use accountd_api::types::user::UserCreate;
use accountd_store::auth_sources::{self, AuthSourceRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{StoreError, Transaction};

use super::LDAP;
use super::client::Failure;
use super::directory::{self, Checked, DirectoryUser};
use super::sync::refresh_user;
use crate::accounts::Accounts;
use crate::authz::Grant;
use crate::caller::Caller;
use crate::error::Error;
use crate::users::names::check_username;

/// What an LDAP source said about a login.
#[derive(Debug)]
pub enum LdapLogin {
    /// The password bound: the user (created now when it was unknown), refreshed and synced, with the grants a
    /// session gets (`None`: no privilege matches its groups).
    Valid(Box<UserRow>, Option<Vec<Grant>>),
    /// Wrong password, or the login is not in the directory: counts for lockout.
    Invalid,
    /// The server could not be reached or refused to work (the source is FAULTED): not counted.
    Unavailable,
    /// The directory's login breaks the local username rules: refused (and logged).
    Refused,
}

fn wants_groups(conn: &accountd_store::Connection, source: &AuthSourceRow) -> Result<bool, StoreError> {
    Ok(source.usergroup_sync && !auth_sources::links_of_source(conn, source.id)?.is_empty())
}

fn grants_after(tx: &Transaction<'_>, user_id: i64) -> Result<(UserRow, Option<Vec<Grant>>), Error> {
    let row = users::get(tx, user_id)?.ok_or_else(|| Error::internal("user vanished during login"))?;
    let grants = crate::entry::session_grants(tx, &row)?;
    Ok((row, grants))
}

impl Accounts {
    /// Checks the password of `row`, a user of LDAP source `source`, against the directory; on success
    /// refreshes the user's names, email and linked groups.
    pub(crate) async fn ldap_login_known(
        &self,
        row: &UserRow,
        source: i64,
        password: &str,
    ) -> Result<LdapLogin, Error> {
        let loaded = self
            .store()
            .read(move |conn| {
                let Some(s) = auth_sources::get(conn, source)? else {
                    return Ok::<_, StoreError>(None);
                };
                let groups = wants_groups(conn, &s)?;
                Ok(Some((s, groups)))
            })
            .await?;
        let Some((source_row, with_groups)) = loaded.filter(|(s, _)| s.kind == LDAP) else {
            return Ok(LdapLogin::Invalid);
        };
        match directory::check_password(&source_row, &row.username, password, with_groups).await {
            Ok(Checked::Valid(found)) => {
                self.record_status(&source_row, None).await;
                let (row, grants) = self.apply_directory_user(row.id, source, found).await?;
                Ok(LdapLogin::Valid(Box::new(row), grants))
            }
            Ok(Checked::Invalid) => {
                self.record_status(&source_row, None).await;
                Ok(LdapLogin::Invalid)
            }
            Err(failure) => self.unavailable(&source_row, failure).await,
        }
    }

    /// An unknown `login`: each LDAP source with on-the-fly registration, in id order; the first whose
    /// directory binds the password creates the user. `None` when no source knows the login (or the password
    /// is empty: it is never sent).
    pub(crate) async fn ldap_login_register(&self, login: &str, password: &str) -> Result<Option<LdapLogin>, Error> {
        if password.is_empty() {
            return Ok(None);
        }
        let sources = self
            .store()
            .read(|conn| {
                let mut out = Vec::new();
                for s in auth_sources::all(conn)? {
                    if s.kind == LDAP && s.onthefly_register {
                        let groups = wants_groups(conn, &s)?;
                        out.push((s, groups));
                    }
                }
                Ok::<_, StoreError>(out)
            })
            .await?;
        let mut unavailable = false;
        for (source, with_groups) in sources {
            match directory::check_password(&source, login, password, with_groups).await {
                Ok(Checked::Valid(found)) => {
                    self.record_status(&source, None).await;
                    return self.register(&source, found).await.map(Some);
                }
                Ok(Checked::Invalid) => self.record_status(&source, None).await,
                Err(failure) => {
                    unavailable = true;
                    self.record_status(&source, Some(&failure)).await;
                }
            }
        }
        Ok(unavailable.then_some(LdapLogin::Unavailable))
    }

    async fn unavailable(&self, source: &AuthSourceRow, failure: Failure) -> Result<LdapLogin, Error> {
        tracing::warn!(auth_source_id = source.id, reason = %failure.message(), "LDAP login not possible");
        self.record_status(source, Some(&failure)).await;
        Ok(LdapLogin::Unavailable)
    }

    /// Creates the local user of a directory user who just bound.
    async fn register(&self, source: &AuthSourceRow, found: DirectoryUser) -> Result<LdapLogin, Error> {
        if let Err(why) = check_username(&found.login) {
            tracing::warn!(
                auth_source_id = source.id,
                reason = %why,
                "directory login refused: it breaks the username rules"
            );
            return Ok(LdapLogin::Refused);
        }
        let create = serde_json::json!({
            "username": found.login,
            "full_name": found.full_name().unwrap_or_else(|| found.login.clone()),
            "email": found.mail,
            "group_create": source.default_group.is_none(),
            "group": source.default_group,
            "smb": false,
            "auth_source": source.id,
        });
        let data: UserCreate = serde_json::from_value(create).map_err(Error::internal)?;
        let system = Caller {
            user_id: 0,
            username: "accountd".to_string(),
            grants: vec![Grant::global(Role::FullAdmin)],
            session_id: None,
            tenant: crate::authz::SessionTenant::default(),
            password_change_required: false,
            onetime_password: false,
            self_service_only: false,
        };
        let created = match self.user_create(&system, data).await {
            Ok(created) => created,
            Err(Error::Validation(errs)) => {
                tracing::warn!(auth_source_id = source.id, problems = ?errs, "directory login could not be registered");
                return Ok(LdapLogin::Refused);
            }
            Err(e) => return Err(e),
        };
        let id = created.entry.id;
        tracing::info!(
            user_id = id,
            auth_source_id = source.id,
            "user registered from the directory"
        );
        let (row, grants) = self.apply_directory_user(id, source.id, found).await?;
        Ok(LdapLogin::Valid(Box::new(row), grants))
    }

    async fn apply_directory_user(
        &self,
        user_id: i64,
        source: i64,
        found: DirectoryUser,
    ) -> Result<(UserRow, Option<Vec<Grant>>), Error> {
        self.write_changes(move |tx, changes| {
            refresh_user(tx, user_id, source, &found, changes)?;
            grants_after(tx, user_id)
        })
        .await
    }
}

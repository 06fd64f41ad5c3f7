//! Passwords: `user.set_password`, first-boot administrator setup.

use accountd_api::Method;
use accountd_api::methods::user::UserSetPassword;
use accountd_api::types::user::{AdminUsername, SetPasswordData};
use accountd_store::StoreError;
use accountd_store::groups::{self, GroupRow};
use accountd_store::users::{self, UserRow};

use super::admins::password_admins;
use crate::account_profiles::PasswordCandidate;
use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::entry::builtin;
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;
use crate::password::nt_hash;
use crate::sessions::CredentialEffect;

/// TrueNAS names `user.set_password`'s validation attributes after the method.
const ATTR: &str = UserSetPassword::NAME;

impl Accounts {
    /// `user.has_local_administrator_set_up`.
    pub async fn has_local_administrator_set_up(&self) -> Result<bool, Error> {
        Ok(self
            .store()
            .read(|conn| Ok::<_, StoreError>(!password_admins(conn)?.is_empty()))
            .await?)
    }

    /// `user.set_password`.
    pub async fn user_set_password(&self, caller: &Caller, data: SetPasswordData) -> Result<(), Error> {
        let username = data.username.clone();
        if let Some(refusal) = authz::restriction_refuses_target(caller, &username) {
            return Err(refusal);
        }
        if !authz::may_set_password_of(caller, &username) {
            return Err(Error::call(
                errno::EPERM,
                format!("{username}: currently authenticated credential may not reset password for this user."),
            ));
        }
        let lookup = username.clone();
        let entry = self.store().read(move |conn| users::by_username(conn, &lookup)).await?;
        let mut errs = ValidationErrors::new();
        if entry.is_none() {
            errs.add(format!("{ATTR}.username"), format!("{username}: user does not exist."));
        }
        if !authz::skips_old_password(caller, &username) {
            match &data.old_password {
                None => errs.add(
                    format!("{ATTR}.old_password"),
                    "FULL_ADMIN role is required in order to bypass check for current password.",
                ),
                Some(old) => {
                    let phc = entry
                        .as_ref()
                        .filter(|u| !u.password_disabled && !u.locked)
                        .map(|u| u.unixhash.clone());
                    if !self.inner.hasher.verify(old.clone(), phc).await {
                        errs.add(
                            format!("{ATTR}.old_password"),
                            format!("{username}: failed to validate password."),
                        );
                    }
                }
            }
        }
        std::mem::take(&mut errs).check()?;
        let Some(entry) = entry else {
            return Err(Error::internal("user vanished"));
        };
        if entry.password_disabled {
            errs.add(
                format!("{ATTR}.username"),
                format!("{username}: password authentication disabled for user"),
            );
        }
        if entry.locked {
            errs.add(
                format!("{ATTR}.username"),
                format!("{username}: user account is locked."),
            );
        }
        errs.check()?;
        self.check_new_password(PasswordCandidate {
            attribute: "user.set_password.new_password",
            password: &data.new_password,
            user_id: Some(entry.id),
            profile: None,
            username: None,
            full_name: None,
            // The minimum age does not hold back a password that must be changed now.
            self_service: caller.is_self(&username) && !caller.password_change_required,
        })
        .await?;

        let unixhash = self.inner.hasher.hash(data.new_password.clone()).await?;
        let smbhash = nt_hash(&data.new_password);
        let now = self.now_ms();
        let id = entry.id;
        let self_service = caller.is_self(&username);
        let caller = caller.clone();
        self.write_changes(move |tx, changes| {
            let mut row = users::get(tx, id)?.ok_or_else(|| Error::internal("user vanished"))?;
            set_password_fields(&mut row, unixhash, smbhash, now);
            if self_service {
                // The user chose a new password: an administrator's requirement is met.
                row.password_change_required = false;
            }
            users::update(tx, &row)?;
            changes.user_changed(id);
            changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id: id }, Some(&caller));
            Ok::<_, Error>(())
        })
        .await?;
        tracing::info!(user_id = id, "password changed");
        Ok(())
    }

    /// `user.setup_local_administrator`.
    pub async fn setup_local_administrator(&self, username: AdminUsername, password: String) -> Result<(), Error> {
        let name = match username {
            AdminUsername::Root => "root",
            AdminUsername::TruenasAdmin => "truenas_admin",
        };
        self.check_new_password(PasswordCandidate {
            attribute: "user.setup_local_administrator.password",
            password: &password,
            user_id: None,
            profile: None,
            username: Some(name),
            full_name: None,
            self_service: false,
        })
        .await?;
        let unixhash = self.inner.hasher.hash(password.clone()).await?;
        let now = self.now_ms();
        self.write_changes(move |tx, changes| {
            if !password_admins(tx)?.is_empty() {
                return Err(Error::call(errno::EEXIST, "Local administrator is already set up"));
            }
            let mut root = users::by_uid(tx, 0)?.ok_or_else(|| Error::internal("root user missing"))?;
            match username {
                AdminUsername::Root => {
                    root.unixhash = unixhash;
                    root.password_disabled = false;
                    root.locked = false;
                    root.last_password_change = Some(now);
                    users::update(tx, &root)?;
                }
                AdminUsername::TruenasAdmin => {
                    create_truenas_admin(tx, unixhash, now, changes)?;
                    root.unixhash = "*".to_string();
                    root.password_disabled = true;
                    users::update(tx, &root)?;
                }
            }
            changes.user_changed(root.id);
            Ok(())
        })
        .await?;
        tracing::info!(?username, "local administrator set up");
        Ok(())
    }
}

/// Old password hashes kept per user.
pub(crate) const MAX_PASSWORD_HISTORY: usize = 10;

/// Remembers `row`'s current hash before it is replaced: it joins the history, of which the newest
/// [`MAX_PASSWORD_HISTORY`] are kept. `*` means "no password": there is nothing to remember.
pub(crate) fn push_password_history(row: &mut UserRow) {
    if row.unixhash != "*" {
        row.password_history.push(row.unixhash.clone());
    }
    while row.password_history.len() > MAX_PASSWORD_HISTORY {
        row.password_history.remove(0);
    }
}

/// Gives `row` a new password: the old hash joins the history ([`push_password_history`]), the NT hash follows
/// when the user is an SMB user, and the time of the change is `now`.
pub(crate) fn set_password_fields(row: &mut UserRow, unixhash: String, smbhash: String, now: i64) {
    push_password_history(row);
    row.unixhash = unixhash;
    if row.smb {
        row.smbhash = smbhash;
    }
    row.last_password_change = Some(now);
}

fn exists_error(what: String) -> Error {
    Error::call(
        errno::EEXIST,
        format!("{what}, setting up local administrator is not possible"),
    )
}

fn create_truenas_admin(
    tx: &accountd_store::Transaction<'_>,
    unixhash: String,
    now: i64,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let id = builtin::TRUENAS_ADMIN_ID;
    if users::by_uid(tx, id)?.is_some() {
        return Err(exists_error(format!("A user with uid={id} already exists")));
    }
    if users::by_username(tx, "truenas_admin")?.is_some() {
        return Err(exists_error("'truenas_admin' user already exists".to_string()));
    }
    if groups::by_gid(tx, id)?.is_some() {
        return Err(exists_error(format!("A group with gid={id} already exists")));
    }
    if groups::by_name(tx, "truenas_admin")?.is_some() {
        return Err(exists_error("'truenas_admin' group already exists".to_string()));
    }
    let group = GroupRow {
        id: 0,
        gid: id,
        name: "truenas_admin".to_string(),
        builtin: false,
        smb: false,
        sudo_commands: Vec::new(),
        sudo_commands_nopasswd: Vec::new(),
        userns_idmap: None,
    };
    let group_id = groups::insert(tx, &group)?;
    let admins = groups::by_gid(tx, builtin::ADMINISTRATORS_GID)?
        .ok_or_else(|| Error::internal("builtin_administrators missing"))?;
    let row = UserRow {
        id: 0,
        uid: id,
        username: "truenas_admin".to_string(),
        unixhash,
        smbhash: "*".to_string(),
        home: "/home/truenas_admin".to_string(),
        shell: "/usr/bin/zsh".to_string(),
        full_name: "Local Administrator".to_string(),
        builtin: false,
        smb: false,
        userns_idmap: None,
        group_id,
        password_disabled: false,
        ssh_password_enabled: false,
        locked: false,
        sudo_commands: Vec::new(),
        sudo_commands_nopasswd: vec!["ALL".to_string()],
        email: None,
        sshpubkey: None,
        last_password_change: Some(now),
        password_history: Vec::new(),
        account_profile: 1,
        password_change_required: false,
        description: None,
        locale: None,
        timezone: None,
    };
    let user_id = users::insert(tx, &row)?;
    users::set_aux_groups(tx, user_id, &[admins.id])?;
    changes.user_added(user_id);
    changes.group_added(group_id);
    changes.group_members_changed(admins.id);
    Ok(())
}

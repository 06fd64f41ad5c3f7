//! `user.update`.

use std::path::Path;

use accountd_api::types::user::{UserUpdate, UserWithPassword};
use accountd_store::groups::{self, GroupRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Transaction, auth_sources};
use serde_json::Value;

use super::admins::{
    AFTER_GROUPS_CHANGE, AFTER_LOCK, AFTER_PASSWORD_DISABLE, full_admins, no_local_administrator_left, password_admins,
};
use super::profile::{ProfileFields, normalize_timezone};
use super::validate::{Combined, Supplied, common_validation, idmap_target_of};
use crate::account_profiles::PasswordCandidate;
use crate::accounts::Accounts;
use crate::caller::Caller;
use crate::entry::builtin;
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;
use crate::home;
use crate::password::{nt_hash, random_password};
use crate::sessions::CredentialEffect;
use crate::users::present_user;

const SCHEMA: &str = "user_update";
/// Old password hashes kept per user.
pub(crate) const MAX_PASSWORD_HISTORY: usize = 10;

struct Prepared {
    id: i64,
    data: UserUpdate,
    new_password: Option<(String, String, String)>,
    now_ms: i64,
    home_root: std::path::PathBuf,
    caller: Caller,
}

impl Accounts {
    /// `user.update`.
    pub async fn user_update(&self, caller: &Caller, id: i64, mut data: UserUpdate) -> Result<Value, Error> {
        if id > 100_000_000 {
            return Err(Error::call(
                errno::EPERM,
                "Users provided by a directory service must be modified through the identity provider \
                 (LDAP server or domain controller).",
            ));
        }
        if self.user_entry(id).await?.is_none() {
            return Err(Error::not_found(format!("User {id} does not exist")));
        }
        if let Some(Some(email)) = &data.email
            && email.is_empty()
        {
            data.email = Some(None);
        }
        if let Some(timezone) = &mut data.timezone {
            normalize_timezone(timezone);
        }
        let given = data.password.clone().flatten();
        if let Some(given) = given.as_deref() {
            self.check_new_password(PasswordCandidate {
                attribute: "user_update.password",
                password: given,
                user_id: Some(id),
                profile: data.account_profile,
                username: data.username.as_deref(),
                full_name: data.full_name.as_deref(),
                self_service: false,
            })
            .await?;
        }
        let cleartext = match (data.random_password, &given) {
            (Some(true), None) => Some(random_password()),
            (_, Some(p)) => Some(p.clone()),
            _ => None,
        };
        let new_password = match &cleartext {
            Some(p) => Some((p.clone(), self.inner.hasher.hash(p.clone()).await?, nt_hash(p))),
            None => None,
        };
        let prepared = Prepared {
            id,
            data,
            new_password,
            now_ms: self.now_ms(),
            home_root: self.config().home_root.clone(),
            caller: caller.clone(),
        };
        self.write_changes(move |tx, changes| apply_update(tx, prepared, changes))
            .await?;
        tracing::info!(user_id = id, "user updated");
        let entry = self
            .user_entry(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("User {id} does not exist")))?;
        present_user(
            &UserWithPassword {
                entry,
                password: cleartext,
            },
            Some(caller),
        )
    }
}

/// What the update does to the user's live credentials.
fn record_credential_effects(p: &Prepared, changes: &mut ChangeSet) {
    let user_id = p.id;
    let caller = Some(&p.caller);
    if p.new_password.is_some() {
        changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id }, caller);
    }
    if p.data.password_disabled == Some(true) {
        changes.credentials_affected(CredentialEffect::PasswordDisabled { user_id }, caller);
    }
    if p.data.locked == Some(true) {
        changes.credentials_affected(CredentialEffect::Locked { user_id }, caller);
    }
}

fn apply_update(tx: &Transaction<'_>, p: Prepared, changes: &mut ChangeSet) -> Result<(), Error> {
    let d = &p.data;
    let old = users::get(tx, p.id)?.ok_or_else(|| Error::not_found(format!("User {} does not exist", p.id)))?;
    let immutable = old.builtin || old.uid == builtin::TRUENAS_ADMIN_ID;
    let mut errs = ValidationErrors::new();

    let password_admins_before = password_admins(tx)?;
    let was_password_admin = password_admins_before.iter().any(|u| u.id == old.id);
    let last_password_admin = was_password_admin && password_admins_before.len() == 1;
    if d.password_disabled == Some(true) && last_password_admin {
        errs.add(
            "user_update.password_disabled",
            no_local_administrator_left(tx, AFTER_PASSWORD_DISABLE)?,
        );
    }

    let group: GroupRow = match d.group {
        Some(None) => {
            errs.add("user_update.group", "User must have a primary group");
            None
        }
        Some(Some(gid)) => {
            let g = groups::get(tx, gid)?;
            if g.is_none() {
                errs.add_errno("user_update.group", format!("Group {gid} not found"), errno::ENOENT);
            }
            g
        }
        None => groups::get(tx, old.group_id)?,
    }
    .map_or_else(
        || {
            errs.clone().check()?;
            Err(Error::internal("primary group missing"))
        },
        Ok,
    )?;
    errs.clone().check()?;

    let old_aux = users::aux_groups(tx, old.id)?;
    let mut group_ids = vec![group.id];
    // The groups the user will be in: supplied ones replace the old ones, even when empty.
    group_ids.extend(d.groups.as_ref().unwrap_or(&old_aux));

    if d.locked == Some(true) {
        let remaining = full_admins(tx)?
            .into_iter()
            .filter(|u| !u.locked && u.id != old.id)
            .count();
        if remaining == 0 {
            errs.add(
                "user_update.locked",
                "After locking this user no local users will have FULL_ADMIN role",
            );
        }
    }

    let home_now = d.home.as_deref().unwrap_or(&old.home);
    let shell_now = d.shell.as_deref().unwrap_or(&old.shell);
    let supplied = Supplied {
        uid: None,
        username: d.username.as_deref(),
        full_name: d.full_name.as_deref(),
        email: d.email.as_ref().map(|e| e.as_deref()),
        // An unchanged home (e.g. a client sending back the whole entry) is not validated again.
        home: d
            .home
            .as_deref()
            .filter(|h| *h != old.home || d.home_create == Some(true)),
        home_mode: d.home_mode.as_deref(),
        groups: d.groups.as_deref(),
        shell: d.shell.as_deref(),
        sudo_commands: d.sudo_commands.as_deref(),
        sudo_commands_nopasswd: d.sudo_commands_nopasswd.as_deref(),
        password: d.password.as_ref().and_then(|p| p.as_deref()),
        random_password: d.random_password == Some(true),
        password_disabled: d.password_disabled,
        ssh_password_enabled: d.ssh_password_enabled,
        smb: d.smb,
        userns_idmap: d.userns_idmap.as_ref().is_some_and(Option::is_some),
        idmap_target: d.userns_idmap.flatten().map(|m| idmap_target_of(m, old.uid)),
        sshpubkey: d.sshpubkey.as_ref().and_then(|k| k.as_deref()),
        profile: ProfileFields {
            description: d.description.as_ref().map(|v| v.as_deref()),
            locale: d.locale.as_ref().map(|v| v.as_deref()),
            timezone: d.timezone.as_ref().map(|v| v.as_deref()),
        },
    };
    let combined = Combined {
        smb: d.smb.unwrap_or(old.smb),
        password_disabled: d.password_disabled.unwrap_or(old.password_disabled),
        ssh_password_enabled: d.ssh_password_enabled.unwrap_or(old.ssh_password_enabled),
        home: home_now,
        home_create: d.home_create.unwrap_or(false),
        shell: shell_now,
        username: d.username.as_deref().unwrap_or(&old.username),
        group_ids: group_ids.clone(),
    };
    common_validation(tx, &mut errs, SCHEMA, &supplied, &combined, Some(&old), &p.home_root)?;
    if let Some(profile) = d.account_profile {
        crate::account_profiles::check_profile_exists(tx, SCHEMA, profile, &mut errs)?;
    }
    // TrueNAS validates every supplied home: an unchanged `/var/empty` is no home for SSH password logins either.
    if supplied.home.is_none() && d.home.as_deref() == Some(home::DEFAULT_HOME) && combined.ssh_password_enabled {
        errs.add("user_update.home", "SSH password login requires a valid home path.");
    }

    if d.sshpubkey
        .as_ref()
        .and_then(|k| k.as_deref())
        .is_some_and(|k| !k.trim().is_empty())
        && !(old.uid == 0
            || old.uid == builtin::TRUENAS_ADMIN_ID
            || crate::entry::home_is_managed(home_now, &p.home_root))
    {
        errs.add(
            "user_update.sshpubkey",
            "Home directory is not writable, leave this blank\"",
        );
    }

    if immutable {
        if d.home_mode.is_some() {
            errs.add("user_update.home_mode", "This attribute cannot be changed");
        }
        let old_idmap = old.userns_idmap.clone();
        let changed = [
            ("group", d.group.is_some_and(|g| g != Some(old.group_id))),
            ("home", d.home.as_ref().is_some_and(|h| *h != old.home)),
            ("username", d.username.as_ref().is_some_and(|u| *u != old.username)),
            ("smb", d.smb.is_some_and(|s| s != old.smb)),
            (
                "userns_idmap",
                d.userns_idmap
                    .as_ref()
                    .is_some_and(|v| v.and_then(|v| serde_json::to_value(v).ok()) != old_idmap),
            ),
        ];
        for (field, is_changed) in changed {
            if is_changed {
                errs.add(format!("user_update.{field}"), "This attribute cannot be changed");
            }
        }
    }

    if old.uid == 0 && d.webshare == Some(true) {
        errs.add("user_update.webshare", super::webshare::ROOT_REFUSED);
    }
    let old_source = auth_sources::source_of_user(tx, old.id)?;
    let new_source = d.auth_source.unwrap_or(old_source);
    if new_source != old_source {
        if immutable {
            errs.add(
                "user_update.auth_source",
                "The authentication source of this user cannot be changed",
            );
        }
        crate::ldap::check_user_source(tx, &mut errs, "user_update.auth_source", new_source)?;
    }
    let external = new_source != auth_sources::INTERNAL_ID;
    if external && p.new_password.is_some() {
        errs.add("user_update.password", crate::ldap::EXTERNAL_PASSWORD);
    }
    if external && d.smb == Some(true) {
        errs.add("user_update.smb", crate::ldap::EXTERNAL_SMB);
    }
    if !old.smb && d.smb == Some(true) && p.new_password.is_none() && !external {
        errs.add(
            "user_update.smb",
            "Password must be reset in order to enable SMB authentication",
        );
    }
    errs.check()?;

    let mut row: UserRow = old.clone();
    if let Some(v) = &d.username {
        row.username = v.clone();
    }
    if let Some(v) = &d.full_name {
        row.full_name = v.clone();
    }
    if let Some(v) = &d.email {
        row.email = v.clone();
    }
    if let Some(v) = &d.description {
        row.description = v.clone();
    }
    if let Some(v) = &d.locale {
        row.locale = v.clone();
    }
    if let Some(v) = &d.timezone {
        row.timezone = v.clone();
    }
    row.group_id = group.id;
    if let Some(v) = &d.shell {
        row.shell = v.clone();
    }
    if let Some(v) = d.smb {
        row.smb = v;
    }
    if let Some(v) = &d.userns_idmap {
        row.userns_idmap = v.and_then(|v| serde_json::to_value(v).ok());
    }
    if let Some(v) = d.password_disabled {
        row.password_disabled = v;
    }
    if let Some(v) = d.ssh_password_enabled {
        row.ssh_password_enabled = v;
    }
    if let Some(v) = d.locked {
        row.locked = v;
    }
    if let Some(v) = &d.sudo_commands {
        row.sudo_commands = v.clone();
    }
    if let Some(v) = &d.sudo_commands_nopasswd {
        row.sudo_commands_nopasswd = v.clone();
    }
    if let Some(v) = d.account_profile {
        row.account_profile = v;
    }
    if let Some(v) = d.password_change_required {
        row.password_change_required = v;
    } else if p.new_password.is_some() && p.caller.is_self(p.id) {
        // The user chose a new password: an administrator's requirement is met.
        row.password_change_required = false;
    }
    if let Some((_, unixhash, smbhash)) = &p.new_password {
        // `*` means "no password": there is nothing to remember.
        if old.unixhash != "*" {
            row.password_history.push(old.unixhash.clone());
        }
        while row.password_history.len() > MAX_PASSWORD_HISTORY {
            row.password_history.remove(0);
        }
        row.unixhash = unixhash.clone();
        row.smbhash = smbhash.clone();
        row.last_password_change = Some(p.now_ms);
    }
    if !row.smb {
        row.smbhash = "*".to_string();
    }
    if row.password_disabled || external {
        row.unixhash = "*".to_string();
        row.smbhash = "*".to_string();
    }
    if external {
        row.smb = false;
    }
    let mut create_home_in: Option<String> = None;
    if let Some(h) = &d.home {
        if d.home_create == Some(true) && h != home::DEFAULT_HOME {
            row.home = Path::new(h).join(&row.username).to_string_lossy().into_owned();
            create_home_in = Some(h.clone());
        } else {
            row.home = h.clone();
        }
    }
    let managed = crate::entry::home_is_managed(&row.home, &p.home_root);
    if let Some(keys) = &d.sshpubkey
        && !managed
    {
        row.sshpubkey = keys.clone().filter(|k| !k.trim().is_empty());
    }
    users::update(tx, &row)?;
    if new_source != old_source {
        auth_sources::set_source_of_user(tx, row.id, new_source)?;
        changes.credentials_affected(CredentialEffect::PasswordReplaced { user_id: row.id }, Some(&p.caller));
    }
    changes.user_changed(row.id);
    record_credential_effects(&p, changes);
    if row.group_id != old.group_id {
        changes.group_members_changed(old.group_id);
        changes.group_members_changed(row.group_id);
    }
    // The flag left out keeps the membership the user had (TrueNAS merges the old entry's `webshare`).
    let webshare = match d.webshare {
        Some(w) => w,
        None => super::webshare::is_member(tx, &old_aux)?,
    };
    let mut aux = d.groups.clone().unwrap_or_else(|| old_aux.clone());
    super::webshare::apply(tx, &mut aux, webshare, &row.username)?;
    if d.groups.is_some() || aux != old_aux {
        users::set_aux_groups(tx, row.id, &aux)?;
        for g in old_aux.iter().chain(aux.iter()) {
            changes.group_members_changed(*g);
        }
    }

    // The last administrator who can log in with a password keeps that ability, whichever change (locking,
    // auxiliary or primary groups) would take it; checked on the changed rows, so the transaction rolls back.
    if last_password_admin && password_admins(tx)?.is_empty() {
        let (field, action) = if d.locked == Some(true) {
            ("locked", AFTER_LOCK)
        } else if d.groups.is_some() {
            ("groups", AFTER_GROUPS_CHANGE)
        } else {
            ("group", AFTER_GROUPS_CHANGE)
        };
        return Err(Error::invalid(
            format!("{SCHEMA}.{field}"),
            no_local_administrator_left(tx, action)?,
        ));
    }

    // Foreman's rule, after TrueNAS's last-administrator rules (whose answers win); the transaction rolls back.
    super::account::refuse_self_lock(&p.caller, p.id, d)?;

    // Filesystem last.
    if let Some(parent) = create_home_in {
        let mode = d
            .home_mode
            .as_deref()
            .and_then(home::parse_home_mode)
            .unwrap_or(home::DEFAULT_HOME_MODE);
        home::create_home(
            &p.home_root,
            Path::new(&parent),
            &row.username,
            mode,
            row.uid as u32,
            group.gid as u32,
            None,
        )?;
    } else if managed && let Some(mode) = d.home_mode.as_deref().and_then(home::parse_home_mode) {
        home::set_home_permissions(
            &p.home_root,
            Path::new(&row.home),
            Some(mode),
            Some((row.uid as u32, group.gid as u32)),
        )?;
    }
    if managed && let Some(keys) = &d.sshpubkey {
        home::write_authorized_keys(
            &p.home_root,
            Path::new(&row.home),
            keys.as_deref(),
            row.uid as u32,
            group.gid as u32,
        )?;
    }
    Ok(())
}

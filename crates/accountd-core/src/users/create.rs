//! `user.create`.

use std::path::Path;

use accountd_api::types::user::{UserCreate, UserWithPassword};
use accountd_store::groups::{self, GroupRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Transaction, auth_sources, tenants};

use super::profile::{ProfileFields, normalize_timezone};
use super::validate::{Combined, Supplied, common_validation, idmap_target_of};
use crate::account_profiles::PasswordCandidate;
use crate::accounts::Accounts;
use crate::args::USER_CREATE;
use crate::authz;
use crate::caller::Caller;
use crate::entry::builtin;
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;
use crate::home;
use crate::password::{nt_hash, random_password};

/// What the writer needs besides the input: precomputed hashes and settings.
struct Prepared {
    data: UserCreate,
    unixhash: String,
    smbhash: String,
    now_ms: i64,
    reserved_uids: Vec<i64>,
    home_root: std::path::PathBuf,
    caller: Caller,
}

impl Accounts {
    /// `user.create`: the new entry whole, with the password the call set.
    pub async fn user_create(&self, caller: &Caller, mut data: UserCreate) -> Result<UserWithPassword, Error> {
        if let Some(refusal) = authz::creation_refusal(caller) {
            return Err(refusal);
        }
        if data.group.is_some() == data.group_create {
            return Err(Error::invalid(
                format!("{USER_CREATE}.group"),
                "Enter either a group name or create a new group to continue.",
            ));
        }
        if data.email.as_deref() == Some("") {
            data.email = None;
        }
        if data.auth_source != auth_sources::INTERNAL_ID {
            let mut errs = ValidationErrors::new();
            if data.password.is_some() || data.random_password {
                errs.add(format!("{USER_CREATE}.password"), crate::ldap::EXTERNAL_PASSWORD);
            }
            errs.check()?;
            // The directory checks the password: no local hash, and no NT hash for SMB.
            data.smb = false;
        }
        normalize_timezone(&mut data.timezone);
        let password = if data.random_password && data.password.is_none() {
            Some(random_password())
        } else {
            data.password.clone()
        };
        if let Some(given) = data.password.as_deref()
            && !data.password_disabled
        {
            self.check_new_password(PasswordCandidate {
                attribute: &format!("{USER_CREATE}.password"),
                password: given,
                user_id: None,
                profile: Some(data.account_profile),
                username: Some(&data.username),
                full_name: Some(&data.full_name),
                self_service: false,
            })
            .await?;
        }
        let (unixhash, smbhash) = match &password {
            Some(p) if !data.password_disabled => (self.inner.hasher.hash(p.clone()).await?, nt_hash(p)),
            _ => ("*".to_string(), "*".to_string()),
        };
        let prepared = Prepared {
            data,
            unixhash,
            smbhash,
            now_ms: self.now_ms(),
            reserved_uids: self.reserved_uids(),
            home_root: self.config().home_root.clone(),
            caller: caller.clone(),
        };
        let (id, uid) = self
            .write_changes(move |tx, changes| insert_user(tx, prepared, changes))
            .await?;
        self.release_uid(uid);
        tracing::info!(user_id = id, uid, "user created");
        let entry = self
            .user_entry(id)
            .await?
            .ok_or_else(|| Error::internal("created user vanished"))?;
        Ok(UserWithPassword { entry, password })
    }
}

fn insert_user(tx: &Transaction<'_>, p: Prepared, changes: &mut ChangeSet) -> Result<(i64, i64), Error> {
    let d = &p.data;
    let mut errs = ValidationErrors::new();
    let external = d.auth_source != auth_sources::INTERNAL_ID;
    if external {
        crate::ldap::check_user_source(tx, &mut errs, &format!("{USER_CREATE}.auth_source"), d.auth_source)?;
    }
    let uid = match d.uid {
        Some(uid) => uid,
        None => users::next_free_uid(tx, &p.reserved_uids)?,
    };
    let mut group_ids: Vec<i64> = d.group.into_iter().collect();
    group_ids.extend(&d.groups);
    let supplied = Supplied {
        uid: d.uid,
        username: Some(&d.username),
        full_name: Some(&d.full_name),
        email: Some(d.email.as_deref()),
        home: Some(&d.home),
        home_mode: Some(&d.home_mode),
        groups: Some(&d.groups),
        shell: Some(&d.shell),
        sudo_commands: Some(&d.sudo_commands),
        sudo_commands_nopasswd: Some(&d.sudo_commands_nopasswd),
        password: d.password.as_deref(),
        random_password: d.random_password,
        password_disabled: Some(d.password_disabled || external),
        ssh_password_enabled: Some(d.ssh_password_enabled),
        smb: Some(d.smb),
        userns_idmap: d.userns_idmap.is_some(),
        idmap_target: d.userns_idmap.map(|m| idmap_target_of(m, uid)),
        sshpubkey: d.sshpubkey.as_deref(),
        profile: ProfileFields {
            description: Some(d.description.as_deref()),
            locale: Some(d.locale.as_deref()),
            timezone: Some(d.timezone.as_deref()),
        },
    };
    let combined = Combined {
        smb: d.smb,
        password_disabled: d.password_disabled,
        ssh_password_enabled: d.ssh_password_enabled,
        home: &d.home,
        home_create: d.home_create,
        shell: &d.shell,
        username: &d.username,
        group_ids: group_ids.clone(),
    };
    common_validation(tx, &mut errs, USER_CREATE, &supplied, &combined, None, &p.home_root)?;
    crate::account_profiles::check_profile_exists(tx, USER_CREATE, d.account_profile, &mut errs)?;
    let mut access = super::access::check_access(tx, USER_CREATE, &d.access, &mut errs)?;
    // A tenant-scoped writer creates members of the session's tenant.
    if let Some(tenant) = authz::creates_users_in(&p.caller) {
        if access.is_empty() {
            access.push(tenants::AccessRow {
                privilege_id: super::access::default_privilege_id(tx)?,
                tenant_id: Some(tenant.0),
                all_tenants: false,
            });
        }
        let entries: Vec<(usize, &tenants::AccessRow)> = access.iter().enumerate().collect();
        super::guard::check_access_scope(USER_CREATE, &p.caller, &entries, &mut errs);
    }
    let default_tenant =
        super::access::check_default_tenant(tx, USER_CREATE, Some(d.default_tenant), None, &access, &mut errs)?;
    let mut joined: Vec<(String, i64)> = d
        .group
        .map(|g| (format!("{USER_CREATE}.group"), g))
        .into_iter()
        .collect();
    joined.extend(
        d.groups
            .iter()
            .enumerate()
            .map(|(i, g)| (format!("{USER_CREATE}.groups.{i}"), *g)),
    );
    let granted = super::guard::Granted {
        groups: joined,
        access: access.iter().enumerate().collect(),
    };
    super::guard::check_grants(tx, USER_CREATE, &p.caller, &granted, &mut errs)?;
    if d.sshpubkey.as_deref().is_some_and(|k| !k.trim().is_empty())
        && !crate::entry::home_is_managed(&d.home, &p.home_root)
    {
        errs.add(
            format!("{USER_CREATE}.sshpubkey"),
            format!(
                "{}: the user home directory must be set to a writable path located within a data pool.",
                d.home
            ),
        );
    }
    errs.check()?;

    // Primary group: given, or reused/created from the user name.
    let group: GroupRow = if d.group_create {
        match groups::by_name(tx, &d.username)? {
            Some(g) => g,
            None => {
                let gid = groups::next_free_gid(tx, &[])?;
                let mut row = GroupRow {
                    id: 0,
                    gid,
                    name: d.username.clone(),
                    builtin: false,
                    smb: false,
                    sudo_commands: Vec::new(),
                    sudo_commands_nopasswd: Vec::new(),
                    userns_idmap: None,
                };
                row.id = groups::insert(tx, &row)?;
                changes.group_added(row.id);
                row
            }
        }
    } else {
        let id = d.group.unwrap_or_default();
        groups::get(tx, id)?.ok_or_else(|| {
            Error::invalid_errno(
                format!("{USER_CREATE}.group"),
                format!("Group {id} not found"),
                errno::ENOENT,
            )
        })?
    };

    let mut aux = d.groups.clone();
    if d.smb
        && let Some(users_group) = groups::by_gid(tx, builtin::USERS_GID)?
        && !aux.contains(&users_group.id)
    {
        aux.push(users_group.id);
    }
    super::webshare::apply(tx, &mut aux, d.webshare, &d.username)?;

    let home_path = if d.home_create && d.home != home::DEFAULT_HOME {
        Path::new(&d.home).join(&d.username).to_string_lossy().into_owned()
    } else {
        d.home.clone()
    };
    let managed = crate::entry::home_is_managed(&home_path, &p.home_root);
    let password_set = d.password.is_some() || d.random_password;
    let row = UserRow {
        id: 0,
        uid,
        username: d.username.clone(),
        unixhash: p.unixhash.clone(),
        smbhash: if d.smb { p.smbhash.clone() } else { "*".to_string() },
        home: home_path.clone(),
        shell: d.shell.clone(),
        full_name: d.full_name.clone(),
        builtin: false,
        smb: d.smb,
        userns_idmap: d.userns_idmap.and_then(|v| serde_json::to_value(v).ok()),
        group_id: group.id,
        password_disabled: d.password_disabled,
        ssh_password_enabled: d.ssh_password_enabled,
        locked: d.locked,
        sudo_commands: d.sudo_commands.clone(),
        sudo_commands_nopasswd: d.sudo_commands_nopasswd.clone(),
        email: d.email.clone(),
        sshpubkey: if managed {
            None
        } else {
            d.sshpubkey.clone().filter(|k| !k.trim().is_empty())
        },
        last_password_change: password_set.then_some(p.now_ms),
        password_history: Vec::new(),
        account_profile: d.account_profile,
        password_change_required: false,
        description: d.description.clone(),
        locale: d.locale.clone(),
        timezone: d.timezone.clone(),
    };
    let id = users::insert(tx, &row)?;
    users::set_aux_groups(tx, id, &aux)?;
    tenants::set_access(tx, id, &access)?;
    tenants::set_default_tenant(tx, id, default_tenant)?;
    if external {
        auth_sources::set_source_of_user(tx, id, d.auth_source)?;
    }
    changes.user_added(id);
    for g in aux.iter().copied().chain([group.id]) {
        changes.group_members_changed(g);
    }

    // Filesystem last: everything that can fail in the database has succeeded.
    if d.home_create && d.home != home::DEFAULT_HOME {
        let mode = home::parse_home_mode(&d.home_mode).unwrap_or(home::DEFAULT_HOME_MODE);
        let skel = Path::new(home::SKEL_PATH);
        home::create_home(
            &p.home_root,
            Path::new(&d.home),
            &d.username,
            mode,
            uid as u32,
            group.gid as u32,
            skel.is_dir().then_some(skel),
        )?;
    }
    if managed && let Some(keys) = d.sshpubkey.as_deref() {
        home::write_authorized_keys(
            &p.home_root,
            Path::new(&home_path),
            Some(keys),
            uid as u32,
            group.gid as u32,
        )?;
    }
    Ok((id, uid))
}

//! The validation step of `user.update`: every check against the stored user, in TrueNAS's order (the order of
//! the validation errors is part of the answer).

use accountd_store::groups::{self, GroupRow};
use accountd_store::tenants::{self, AccessRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Transaction, auth_sources};

use super::super::admins::{AFTER_PASSWORD_DISABLE, full_admins, no_local_administrator_left, password_admins};
use super::super::profile::ProfileFields;
use super::super::validate::{Combined, Supplied, common_validation, idmap_target_of};
use super::super::{access, guard};
use super::Prepared;
use crate::args::USER_UPDATE;
use crate::entry::builtin;
use crate::error::{Error, ValidationErrors, errno};
use crate::home;

/// What validation learned that the later steps use.
pub(super) struct Checked {
    /// The user's primary group after the update.
    pub group: GroupRow,
    /// The auxiliary groups the user had.
    pub old_aux: Vec<i64>,
    /// The user is the only administrator who can log in with a password.
    pub last_password_admin: bool,
    /// The authentication source the user had.
    pub old_source: i64,
    /// The authentication source the user will have.
    pub new_source: i64,
    /// The access entries to store, when given.
    pub access: Option<Vec<AccessRow>>,
    /// The default tenant the user had, and the one it will have.
    pub default_tenant: (Option<i64>, Option<i64>),
}

impl Checked {
    /// The user's password is kept by an external source after the update.
    pub fn external(&self) -> bool {
        self.new_source != auth_sources::INTERNAL_ID
    }
}

/// Runs every check of the update against `old`; the first group of errors (last administrator, primary group)
/// is answered before the others are looked for, as TrueNAS does.
pub(super) fn validate(tx: &Transaction<'_>, p: &Prepared, old: &UserRow) -> Result<Checked, Error> {
    let d = &p.data;
    guard::check_reachable(tx, &p.caller, old)?;
    let mut errs = ValidationErrors::new();
    let password_admins_before = password_admins(tx)?;
    let was_password_admin = password_admins_before.iter().any(|u| u.id == old.id);
    let last_password_admin = was_password_admin && password_admins_before.len() == 1;
    if d.password_disabled == Some(true) && last_password_admin {
        errs.add(
            format!("{USER_UPDATE}.password_disabled"),
            no_local_administrator_left(tx, AFTER_PASSWORD_DISABLE)?,
        );
    }
    let group = primary_group(tx, p, old, &mut errs)?;
    errs.clone().check()?;

    let old_aux = users::aux_groups(tx, old.id)?;
    let mut group_ids = vec![group.id];
    // The groups the user will be in: supplied ones replace the old ones, even when empty.
    group_ids.extend(d.groups.as_ref().unwrap_or(&old_aux));

    check_lock(tx, p, old, &mut errs)?;
    check_common(tx, p, old, group_ids, &mut errs)?;
    check_keys_and_immutables(p, old, &mut errs);
    let (old_source, new_source) = check_source(tx, p, old, &mut errs)?;
    let (access, default_tenant) = check_tenancy(tx, p, old, &mut errs)?;
    check_escalation(tx, p, old, &group, &old_aux, access.as_deref(), &mut errs)?;
    errs.check()?;
    Ok(Checked {
        group,
        old_aux,
        last_password_admin,
        old_source,
        new_source,
        access,
        default_tenant,
    })
}

/// The escalation guard: groups joined and access entries added grant only roles the caller holds there, and
/// the credentials of a user holding more than the caller stay unchanged.
fn check_escalation(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    group: &GroupRow,
    old_aux: &[i64],
    access: Option<&[AccessRow]>,
    errs: &mut ValidationErrors,
) -> Result<(), Error> {
    let d = &p.data;
    let mut joined = Vec::new();
    if group.id != old.group_id {
        joined.push((format!("{USER_UPDATE}.group"), group.id));
    }
    for (i, g) in d.groups.iter().flatten().enumerate() {
        if !old_aux.contains(g) && *g != old.group_id {
            joined.push((format!("{USER_UPDATE}.groups.{i}"), *g));
        }
    }
    let old_access = tenants::access_of(tx, old.id)?;
    let added: Vec<(usize, &AccessRow)> = access
        .unwrap_or_default()
        .iter()
        .enumerate()
        .filter(|(_, a)| !old_access.contains(a))
        .collect();
    guard::check_access_scope(USER_UPDATE, &p.caller, &added, errs);
    let granted = guard::Granted {
        groups: joined,
        access: added,
    };
    guard::check_grants(tx, USER_UPDATE, &p.caller, &granted, errs)?;
    let mut credentials = Vec::new();
    if d.password.is_some() || d.random_password == Some(true) {
        credentials.push("password");
    }
    if d.password_disabled.is_some_and(|v| v != old.password_disabled) {
        credentials.push("password_disabled");
    }
    if d.email.as_ref().is_some_and(|e| *e != old.email) {
        credentials.push("email");
    }
    if d.locked.is_some_and(|v| v != old.locked) {
        credentials.push("locked");
    }
    guard::check_credentials(tx, USER_UPDATE, &p.caller, old, &credentials, errs)?;
    Ok(())
}

/// The access entries (when given) and the default tenant before and after the update.
#[allow(clippy::type_complexity, reason = "a private pair of what the update stores")]
fn check_tenancy(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    errs: &mut ValidationErrors,
) -> Result<(Option<Vec<AccessRow>>, (Option<i64>, Option<i64>)), Error> {
    let d = &p.data;
    let access = match &d.access {
        Some(given) => Some(access::check_access(tx, USER_UPDATE, given, errs)?),
        None => None,
    };
    let stored = tenants::default_tenant_of(tx, old.id)?;
    let reached = match &access {
        Some(a) => a.clone(),
        None => tenants::access_of(tx, old.id)?,
    };
    let new = access::check_default_tenant(tx, USER_UPDATE, d.default_tenant, stored, &reached, errs)?;
    Ok((access, (stored, new)))
}

/// The primary group the user will have; its errors are answered at once (nothing else is checked without it).
fn primary_group(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    errs: &mut ValidationErrors,
) -> Result<GroupRow, Error> {
    let group: Option<GroupRow> = match p.data.group {
        Some(None) => {
            errs.add(format!("{USER_UPDATE}.group"), "User must have a primary group");
            None
        }
        Some(Some(gid)) => {
            let g = groups::get(tx, gid)?;
            if g.is_none() {
                errs.add_errno(
                    format!("{USER_UPDATE}.group"),
                    format!("Group {gid} not found"),
                    errno::ENOENT,
                );
            }
            g
        }
        None => groups::get(tx, old.group_id)?,
    };
    group.map_or_else(
        || {
            errs.clone().check()?;
            Err(Error::internal("primary group missing"))
        },
        Ok,
    )
}

/// Locking the user must leave a local user with FULL_ADMIN who is not locked.
fn check_lock(tx: &Transaction<'_>, p: &Prepared, old: &UserRow, errs: &mut ValidationErrors) -> Result<(), Error> {
    if p.data.locked == Some(true) {
        let remaining = full_admins(tx)?
            .into_iter()
            .filter(|u| !u.locked && u.id != old.id)
            .count();
        if remaining == 0 {
            errs.add(
                format!("{USER_UPDATE}.locked"),
                "After locking this user no local users will have FULL_ADMIN role",
            );
        }
    }
    Ok(())
}

/// TrueNAS `common_validation` on the supplied keys and the state the user will have, then the account
/// profile and the home of SSH password logins.
fn check_common(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    group_ids: Vec<i64>,
    errs: &mut ValidationErrors,
) -> Result<(), Error> {
    let d = &p.data;
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
        home: d.home.as_deref().unwrap_or(&old.home),
        home_create: d.home_create.unwrap_or(false),
        shell: d.shell.as_deref().unwrap_or(&old.shell),
        username: d.username.as_deref().unwrap_or(&old.username),
        group_ids,
    };
    common_validation(tx, errs, USER_UPDATE, &supplied, &combined, Some(old), &p.home_root)?;
    if let Some(profile) = d.account_profile {
        crate::account_profiles::check_profile_exists(tx, USER_UPDATE, profile, errs)?;
    }
    // TrueNAS validates every supplied home: an unchanged `/var/empty` is no home for SSH password logins either.
    if supplied.home.is_none() && d.home.as_deref() == Some(home::DEFAULT_HOME) && combined.ssh_password_enabled {
        errs.add(
            format!("{USER_UPDATE}.home"),
            "SSH password login requires a valid home path.",
        );
    }
    Ok(())
}

/// SSH keys need a writable home; the attributes of built-in and immutable users stay; root joins no web share.
fn check_keys_and_immutables(p: &Prepared, old: &UserRow, errs: &mut ValidationErrors) {
    let d = &p.data;
    let home_now = d.home.as_deref().unwrap_or(&old.home);
    if d.sshpubkey
        .as_ref()
        .and_then(|k| k.as_deref())
        .is_some_and(|k| !k.trim().is_empty())
        && !(old.uid == 0
            || old.uid == builtin::TRUENAS_ADMIN_ID
            || crate::entry::home_is_managed(home_now, &p.home_root))
    {
        errs.add(
            format!("{USER_UPDATE}.sshpubkey"),
            "Home directory is not writable, leave this blank\"",
        );
    }
    if is_immutable(old) {
        if d.home_mode.is_some() {
            errs.add(format!("{USER_UPDATE}.home_mode"), "This attribute cannot be changed");
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
                errs.add(format!("{USER_UPDATE}.{field}"), "This attribute cannot be changed");
            }
        }
    }
    if old.uid == 0 && d.webshare == Some(true) {
        errs.add(format!("{USER_UPDATE}.webshare"), super::super::webshare::ROOT_REFUSED);
    }
}

/// A built-in user or the appliance's administrator: its identity cannot be changed.
fn is_immutable(old: &UserRow) -> bool {
    old.builtin || old.uid == builtin::TRUENAS_ADMIN_ID
}

/// The authentication source before and after; a user of an external source has no local password or SMB,
/// and turning SMB on needs a new password (for its NT hash).
fn check_source(
    tx: &Transaction<'_>,
    p: &Prepared,
    old: &UserRow,
    errs: &mut ValidationErrors,
) -> Result<(i64, i64), Error> {
    let d = &p.data;
    let old_source = auth_sources::source_of_user(tx, old.id)?;
    let new_source = d.auth_source.unwrap_or(old_source);
    if new_source != old_source {
        if is_immutable(old) {
            errs.add(
                format!("{USER_UPDATE}.auth_source"),
                "The authentication source of this user cannot be changed",
            );
        }
        crate::ldap::check_user_source(tx, errs, &format!("{USER_UPDATE}.auth_source"), new_source)?;
    }
    let external = new_source != auth_sources::INTERNAL_ID;
    if external && p.new_password.is_some() {
        errs.add(format!("{USER_UPDATE}.password"), crate::ldap::EXTERNAL_PASSWORD);
    }
    if external && d.smb == Some(true) {
        errs.add(format!("{USER_UPDATE}.smb"), crate::ldap::EXTERNAL_SMB);
    }
    if !old.smb && d.smb == Some(true) && p.new_password.is_none() && !external {
        errs.add(
            format!("{USER_UPDATE}.smb"),
            "Password must be reset in order to enable SMB authentication",
        );
    }
    Ok((old_source, new_source))
}

//! Assembling API entries from stored rows: groups, memberships, privileges and derived fields.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use accountd_api::types::auth_source::ExternalGroup;
use accountd_api::types::common::{Timestamp, UsernsIdmap};
use accountd_api::types::group::GroupEntry;
use accountd_api::types::user::{AccessEntry, SecretList, UserEntry, UserGroupRow};
use accountd_store::groups::{self, GroupRow};
use accountd_store::privileges::{self, PrivilegeRow};
use accountd_store::tenants::{self, AccessRow};
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, StoreError, api_keys, auth_sources, settings};

use crate::authz::{Grant, Scope, TenantId, global_grants};
use crate::home;

/// Database ids of the builtin groups the rules refer to.
pub mod builtin {
    /// gid of `builtin_administrators`.
    pub const ADMINISTRATORS_GID: i64 = 544;
    /// gid of `builtin_users`.
    pub const USERS_GID: i64 = 545;
    /// gid of `nogroup`.
    pub const NOGROUP_GID: i64 = 65534;
    /// uid/gid of `truenas_admin`.
    pub const TRUENAS_ADMIN_ID: i64 = 950;
    /// Builtin gids whose membership may be changed.
    pub const ALTERABLE_GIDS: [i64; 7] = [14, 445, 544, 545, 568, 951, 952];
    /// uid (and gid) of TrueNAS's synthetic unprivileged root of containers (the first id of its container
    /// idmap range), which `user.get_user_obj` knows without an account row.
    pub const CONTAINER_ROOT_UID: i64 = 2_147_000_001;
    /// Name of that user.
    pub const CONTAINER_ROOT_NAME: &str = "truenas_container_unpriv_root";
    /// Name of the builtin group whose members may use WebShare (a user's `webshare` flag).
    pub const WEBSHARE_GROUP: &str = "truenas_webshare";
    /// The privilege granting FULL_ADMIN to local administrators.
    pub const LOCAL_ADMINISTRATOR: &str = "LOCAL_ADMINISTRATOR";
}

const MS_PER_DAY: i64 = 86_400_000;

/// Up to this many rows, what they need is looked up row by row through indexes; beyond it, read in bulk.
const FEW: usize = 64;

/// Everything needed to turn rows into entries, loaded in a few queries.
#[derive(Debug, Default)]
pub struct Directory {
    groups: HashMap<i64, GroupRow>,
    aux_by_user: HashMap<i64, Vec<i64>>,
    members_by_group: HashMap<i64, Vec<i64>>,
    privileges: Vec<PrivilegeRow>,
    twofactor: HashSet<i64>,
    server_sid: String,
    /// API key ids by owner.
    api_keys: HashMap<i64, Vec<i64>>,
    /// Authentication source of the loaded users that are not Internal's.
    user_sources: HashMap<i64, i64>,
    /// Every authentication source's name.
    source_names: HashMap<i64, String>,
    /// LDAP groups linked to the loaded groups.
    external: HashMap<i64, Vec<ExternalGroup>>,
    /// `password_expiration_days` of the account profiles that have one.
    password_expiry: HashMap<i64, i64>,
    /// Access entries of the loaded users that have any.
    access: HashMap<i64, Vec<AccessRow>>,
    /// Default tenants of the loaded users that have one.
    default_tenants: HashMap<i64, i64>,
}

impl Directory {
    /// Loads every group, membership and privilege (for listings).
    pub fn load_all(conn: &Connection) -> Result<Directory, StoreError> {
        let mut dir = Directory::load_common(conn, None)?;
        dir.groups = groups::all(conn)?.into_iter().map(|g| (g.id, g)).collect();
        for (user_id, group_id) in users::all_memberships(conn)? {
            dir.aux_by_user.entry(user_id).or_default().push(group_id);
            dir.members_by_group.entry(group_id).or_default().push(user_id);
        }
        for (group_id, user_id) in groups::all_primary(conn)? {
            dir.members_by_group.entry(group_id).or_default().push(user_id);
        }
        for members in dir.members_by_group.values_mut() {
            members.sort_unstable();
            members.dedup();
        }
        for (group, auth_source, name) in auth_sources::all_links(conn)? {
            dir.external
                .entry(group)
                .or_default()
                .push(ExternalGroup { auth_source, name });
        }
        Ok(dir)
    }

    /// Loads what these users' entries need (their groups, memberships, 2FA and API key state). The cost grows
    /// with the number of rows, not with the size of the tables: one user's entry is a handful of index
    /// lookups even among 100,000 users, and a page of a listing reads that page's memberships and groups.
    pub fn load_for_users(conn: &Connection, rows: &[UserRow]) -> Result<Directory, StoreError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut dir = Directory::load_common(conn, Some(&ids))?;
        if rows.len() <= FEW {
            for row in rows {
                dir.aux_by_user.insert(row.id, users::aux_groups(conn, row.id)?);
            }
        } else if let (Some(first), Some(last)) = (ids.iter().min(), ids.iter().max()) {
            let wanted: HashSet<i64> = ids.iter().copied().collect();
            for (user_id, group_id) in users::memberships_between(conn, *first, *last)? {
                if wanted.contains(&user_id) {
                    dir.aux_by_user.entry(user_id).or_default().push(group_id);
                }
            }
        }
        let group_ids: BTreeSet<i64> = rows
            .iter()
            .map(|r| r.group_id)
            .chain(dir.aux_by_user.values().flatten().copied())
            .collect();
        // Looking groups up one by one pays while they are a small part of the table.
        if group_ids.len() <= FEW || (group_ids.len() as i64).saturating_mul(4) < groups::count(conn)? {
            for id in group_ids {
                if let Some(g) = groups::get(conn, id)? {
                    dir.groups.insert(id, g);
                }
            }
        } else {
            dir.groups = groups::all(conn)?
                .into_iter()
                .filter(|g| group_ids.contains(&g.id))
                .map(|g| (g.id, g))
                .collect();
        }
        Ok(dir)
    }

    /// Loads what a few groups need (their members).
    pub fn load_for_groups(conn: &Connection, rows: &[GroupRow]) -> Result<Directory, StoreError> {
        if rows.len() > FEW {
            return Directory::load_all(conn);
        }
        // Group entries carry no 2FA or API key state.
        let mut dir = Directory::load_common(conn, Some(&[]))?;
        for g in rows {
            let mut members = groups::aux_members(conn, g.id)?;
            members.extend(groups::primary_members(conn, g.id)?);
            members.sort_unstable();
            members.dedup();
            dir.members_by_group.insert(g.id, members);
            let links = auth_sources::links_of_group(conn, g.id)?;
            if !links.is_empty() {
                dir.external.insert(
                    g.id,
                    links
                        .into_iter()
                        .map(|(auth_source, name)| ExternalGroup { auth_source, name })
                        .collect(),
                );
            }
        }
        Ok(dir)
    }

    /// Privileges and the server SID, plus the 2FA and API key state of `users` (`None`: of every user). A few
    /// users are looked up by index; many are picked from one scan of each table.
    fn load_common(conn: &Connection, users: Option<&[i64]>) -> Result<Directory, StoreError> {
        let mut dir = Directory {
            privileges: privileges::all(conn)?,
            server_sid: settings::get(conn, "server_sid")?.unwrap_or_default(),
            source_names: auth_sources::names(conn)?,
            password_expiry: accountd_store::account_profiles::expiration_days(conn)?,
            ..Directory::default()
        };
        match users {
            Some(ids) if ids.len() <= FEW => {
                for &id in ids {
                    if accountd_store::twofactor::is_configured(conn, id)? {
                        dir.twofactor.insert(id);
                    }
                    let keys = api_keys::ids_of_user(conn, id)?;
                    if !keys.is_empty() {
                        dir.api_keys.insert(id, keys);
                    }
                    let source = auth_sources::source_of_user(conn, id)?;
                    if source != auth_sources::INTERNAL_ID {
                        dir.user_sources.insert(id, source);
                    }
                    let access = tenants::access_of(conn, id)?;
                    if !access.is_empty() {
                        dir.access.insert(id, access);
                    }
                    if let Some(t) = tenants::default_tenant_of(conn, id)? {
                        dir.default_tenants.insert(id, t);
                    }
                }
            }
            _ => {
                let wanted: Option<HashSet<i64>> = users.map(|ids| ids.iter().copied().collect());
                let keep = |id: &i64| wanted.as_ref().is_none_or(|w| w.contains(id));
                dir.twofactor = users::twofactor_configured_ids(conn)?
                    .into_iter()
                    .filter(keep)
                    .collect();
                for (user, key) in api_keys::ids_by_user(conn)? {
                    if keep(&user) {
                        dir.api_keys.entry(user).or_default().push(key);
                    }
                }
                dir.user_sources = auth_sources::sources_by_user(conn)?
                    .into_iter()
                    .filter(|(user, _)| keep(user))
                    .collect();
                for (user, entry) in tenants::all_access(conn)? {
                    if keep(&user) {
                        dir.access.entry(user).or_default().push(entry);
                    }
                }
                dir.default_tenants = tenants::all_default_tenants(conn)?
                    .into_iter()
                    .filter(|(user, _)| keep(user))
                    .collect();
            }
        }
        Ok(dir)
    }

    /// Roles granted to members of these groups, in privilege order, without duplicates.
    pub fn roles_of_groups(&self, group_ids: &[i64]) -> Vec<String> {
        roles_granted(&self.privileges, group_ids)
    }

    /// Privileges bound to any of these groups.
    pub fn privileges_of_groups(&self, group_ids: &[i64]) -> Vec<&PrivilegeRow> {
        self.privileges
            .iter()
            .filter(|p| p.group_ids.iter().any(|g| group_ids.contains(g)))
            .collect()
    }

    /// Primary plus auxiliary group ids of a user.
    pub fn user_group_ids(&self, row: &UserRow) -> Vec<i64> {
        let mut ids = vec![row.group_id];
        ids.extend(self.aux_by_user.get(&row.id).into_iter().flatten().copied());
        ids
    }

    /// The group row with this database id, if loaded.
    pub fn group(&self, id: i64) -> Option<&GroupRow> {
        self.groups.get(&id)
    }

    /// The installation's SMB domain SID.
    pub fn server_sid(&self) -> &str {
        &self.server_sid
    }

    /// Builds the API entry of a user.
    pub fn user_entry(&self, row: &UserRow, now_ms: i64, home_root: &Path) -> UserEntry {
        let group = self.groups.get(&row.group_id);
        let aux = self.aux_by_user.get(&row.id).cloned().unwrap_or_default();
        let roles = user_roles(&self.privileges, &self.user_group_ids(row));
        let password_age = password_age(row.last_password_change, now_ms);
        let webshare = aux.iter().any(|id| {
            self.groups
                .get(id)
                .is_some_and(|g| g.builtin && g.name == builtin::WEBSHARE_GROUP)
        });
        let auth_source = self
            .user_sources
            .get(&row.id)
            .copied()
            .unwrap_or(auth_sources::INTERNAL_ID);
        UserEntry {
            id: row.id,
            uid: row.uid,
            username: row.username.clone(),
            unixhash: Some(row.unixhash.clone()),
            smbhash: Some(row.smbhash.clone()),
            home: row.home.clone(),
            shell: row.shell.clone(),
            full_name: row.full_name.clone(),
            builtin: row.builtin,
            smb: row.smb,
            userns_idmap: idmap(&row.userns_idmap),
            group: UserGroupRow {
                id: row.group_id,
                bsdgrp_gid: group.map(|g| g.gid).unwrap_or_default(),
                bsdgrp_group: group.map(|g| g.name.clone()).unwrap_or_default(),
                bsdgrp_builtin: group.is_some_and(|g| g.builtin),
                bsdgrp_sudo_commands: group.map(|g| g.sudo_commands.clone()).unwrap_or_default(),
                bsdgrp_sudo_commands_nopasswd: group.map(|g| g.sudo_commands_nopasswd.clone()).unwrap_or_default(),
                bsdgrp_smb: group.is_some_and(|g| g.smb),
                bsdgrp_userns_idmap: group.and_then(|g| idmap(&g.userns_idmap)),
            },
            groups: aux,
            password_disabled: row.password_disabled,
            ssh_password_enabled: row.ssh_password_enabled,
            sshpubkey: sshpubkey_of(row, home_root),
            locked: row.locked,
            sudo_commands: row.sudo_commands.clone(),
            sudo_commands_nopasswd: row.sudo_commands_nopasswd.clone(),
            email: row.email.clone(),
            description: row.description.clone(),
            locale: row.locale.clone(),
            timezone: row.timezone.clone(),
            id_type_both: false,
            local: true,
            immutable: row.builtin || row.uid == builtin::TRUENAS_ADMIN_ID,
            twofactor_auth_configured: self.twofactor.contains(&row.id),
            sid: row.smb.then(|| format!("{}-{}", self.server_sid, 20000 + row.id)),
            last_password_change: row.last_password_change.map(|ms| Timestamp { ms }),
            password_age,
            password_history: Some(SecretList::Values(row.password_history.clone())),
            password_change_required: crate::account_profiles::expiry::change_required(
                row.password_change_required,
                row.last_password_change,
                (auth_source == auth_sources::INTERNAL_ID)
                    .then(|| self.password_expiry.get(&row.account_profile).copied())
                    .flatten(),
                now_ms,
            ),
            account_profile: row.account_profile,
            roles,
            api_keys: self.api_keys.get(&row.id).cloned().unwrap_or_default(),
            webshare,
            auth_source,
            auth_source_name: self.source_names.get(&auth_source).cloned().unwrap_or_default(),
            access: self
                .access
                .get(&row.id)
                .into_iter()
                .flatten()
                .map(|a| AccessEntry {
                    privilege: a.privilege_id,
                    tenant: a.tenant_id,
                    all_tenants: a.all_tenants,
                })
                .collect(),
            default_tenant: self.default_tenants.get(&row.id).copied(),
        }
    }

    /// Builds the API entry of a group.
    pub fn group_entry(&self, row: &GroupRow) -> GroupEntry {
        GroupEntry {
            id: row.id,
            gid: row.gid,
            name: row.name.clone(),
            group: row.name.clone(),
            builtin: row.builtin,
            sudo_commands: row.sudo_commands.clone(),
            sudo_commands_nopasswd: row.sudo_commands_nopasswd.clone(),
            smb: row.smb,
            userns_idmap: idmap(&row.userns_idmap),
            local: true,
            sid: group_sid(row, &self.server_sid),
            roles: self.roles_of_groups(&[row.id]),
            users: self.members_by_group.get(&row.id).cloned().unwrap_or_default(),
            immutable: group_is_immutable(row),
            external_groups: self.external.get(&row.id).cloned().unwrap_or_default(),
        }
    }
}

/// Roles `privileges` grant to members of these groups, in privilege order, without duplicates.
pub(crate) fn roles_granted(privileges: &[PrivilegeRow], group_ids: &[i64]) -> Vec<String> {
    let mut roles: Vec<String> = Vec::new();
    for p in privileges {
        if p.group_ids.iter().any(|g| group_ids.contains(g)) {
            for r in &p.roles {
                if !roles.contains(r) {
                    roles.push(r.clone());
                }
            }
        }
    }
    roles
}

/// The builtin privilege every user holds (Foreman's "Default role"), if present.
fn default_privilege(privileges: &[PrivilegeRow]) -> Option<&PrivilegeRow> {
    privileges
        .iter()
        .find(|p| p.builtin_name.as_deref() == Some(crate::privileges::DEFAULT))
}

/// The roles a user with these groups holds everywhere: its groups' privileges, then the Default privilege's.
fn user_roles(privileges: &[PrivilegeRow], group_ids: &[i64]) -> Vec<String> {
    let mut roles = roles_granted(privileges, group_ids);
    for r in default_privilege(privileges)
        .map(|p| p.roles.as_slice())
        .unwrap_or_default()
    {
        if !roles.contains(r) {
            roles.push(r.clone());
        }
    }
    roles
}

/// The roles a user holds through its primary and auxiliary groups and the Default privilege, as its entry
/// lists them: two queries (its memberships and the privileges), without assembling the rest of a
/// [`Directory`].
pub fn role_names_of_user(conn: &Connection, row: &UserRow) -> Result<Vec<String>, StoreError> {
    let mut group_ids = vec![row.group_id];
    group_ids.extend(users::aux_groups(conn, row.id)?);
    Ok(user_roles(&privileges::all(conn)?, &group_ids))
}

/// [`role_names_of_user`] as the grants a session holds: the roles this service guards methods with that the
/// granted catalogue roles include (see [`accountd_api::roles::guarded_roles`]), everywhere.
pub fn grants_of_user(conn: &Connection, row: &UserRow) -> Result<Vec<Grant>, StoreError> {
    Ok(session_grants(conn, row)?.unwrap_or_default())
}

/// The grants a session of this user holds, or `None` when no privilege is bound to any of the user's groups
/// and the Default privilege carries no role (TrueNAS's `authenticate_user` refuses such a login; a privilege
/// without roles admits the user, who is then refused each method that needs a role). Group privileges and
/// the Default privilege are global.
pub fn session_grants(conn: &Connection, row: &UserRow) -> Result<Option<Vec<Grant>>, StoreError> {
    let mut group_ids = vec![row.group_id];
    group_ids.extend(users::aux_groups(conn, row.id)?);
    let privileges = privileges::all(conn)?;
    let access = tenants::access_of(conn, row.id)?;
    let bound = privileges
        .iter()
        .any(|p| p.group_ids.iter().any(|g| group_ids.contains(g)));
    let by_default = default_privilege(&privileges).is_some_and(|p| !p.roles.is_empty());
    if !bound && !by_default && access.is_empty() {
        return Ok(None);
    }
    let mut grants = global_grants(accountd_api::roles::guarded_roles(&user_roles(&privileges, &group_ids)));
    grants.extend(access_grants(&privileges, &access));
    Ok(Some(grants))
}

/// The grants of access entries: each privilege's guarded roles in its entry's tenant, or everywhere.
fn access_grants(privileges: &[PrivilegeRow], access: &[AccessRow]) -> Vec<Grant> {
    let mut grants: Vec<Grant> = Vec::new();
    for a in access {
        let Some(p) = privileges.iter().find(|p| p.id == a.privilege_id) else {
            continue;
        };
        let scope = match a.tenant_id {
            Some(t) if !a.all_tenants => Scope::Tenant(TenantId(t)),
            _ => Scope::Global,
        };
        for role in accountd_api::roles::guarded_roles(&p.roles) {
            let grant = Grant { role, scope };
            if !grants.contains(&grant) {
                grants.push(grant);
            }
        }
    }
    grants
}

/// Whole days since the last password change (`None`: never changed, or changed in the future); the one field
/// of a user entry that depends on the clock.
pub fn password_age(last_password_change_ms: Option<i64>, now_ms: i64) -> Option<i64> {
    last_password_change_ms
        .filter(|changed| *changed <= now_ms)
        .map(|changed| (now_ms - changed) / MS_PER_DAY)
}

/// TrueNAS `group_extend`: a builtin group is immutable unless its gid is one of the builtin groups whose
/// membership may be changed (`builtin_administrators`, `builtin_users`, the read-only and sharing
/// administrators, ...).
pub fn group_is_immutable(row: &GroupRow) -> bool {
    row.builtin && !builtin::ALTERABLE_GIDS.contains(&row.gid)
}

fn idmap(value: &Option<serde_json::Value>) -> Option<UsernsIdmap> {
    value.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok())
}

fn group_sid(row: &GroupRow, server_sid: &str) -> Option<String> {
    match row.gid {
        builtin::ADMINISTRATORS_GID => Some("S-1-5-32-544".to_string()),
        builtin::USERS_GID => Some("S-1-5-32-545".to_string()),
        _ if row.smb => Some(format!("{server_sid}-{}", 200000 + row.id)),
        _ => None,
    }
}

/// True when `home` lies under the home root (where accountd manages files).
pub fn home_is_managed(home: &str, home_root: &Path) -> bool {
    home != home::DEFAULT_HOME && Path::new(home).starts_with(home_root) && Path::new(home) != home_root
}

fn sshpubkey_of(row: &UserRow, home_root: &Path) -> Option<String> {
    if home_is_managed(&row.home, home_root) {
        home::read_authorized_keys(home_root, Path::new(&row.home))
    } else {
        row.sshpubkey.clone()
    }
}

/// A plain user row for unit tests: no password or secrets, primary group 1, home `/var/empty`, full name
/// the username. Tests change the fields they care about with struct update syntax.
#[cfg(test)]
pub(crate) fn test_user_row(id: i64, username: &str, uid: i64) -> UserRow {
    UserRow {
        id,
        uid,
        username: username.into(),
        unixhash: "*".into(),
        smbhash: "*".into(),
        home: "/var/empty".into(),
        shell: "/usr/bin/zsh".into(),
        full_name: username.into(),
        builtin: false,
        smb: false,
        userns_idmap: None,
        group_id: 1,
        password_disabled: true,
        ssh_password_enabled: false,
        locked: false,
        sudo_commands: Vec::new(),
        sudo_commands_nopasswd: Vec::new(),
        email: None,
        sshpubkey: None,
        last_password_change: None,
        password_history: Vec::new(),
        account_profile: 1,
        password_change_required: false,
        description: None,
        locale: None,
        timezone: None,
    }
}

//! `group.create`, `group.update`, `group.delete`.

use accountd_api::pytext::repr_str;
use accountd_api::types::group::{GroupCreate, GroupDeleteOptions, GroupUpdate};
use accountd_store::groups::{self, GroupRow};
use accountd_store::{Transaction, api_keys, privileges, users};

use crate::accounts::Accounts;
use crate::args::{GROUP_CREATE, GROUP_UPDATE};
use crate::authz;
use crate::caller::Caller;
use crate::entry::builtin;
use crate::error::{Error, ValidationErrors, errno};
use crate::sudo;
use crate::users::admins::{AFTER_MEMBERS_CHANGE, no_local_administrator_left, password_admins};
use crate::users::names::check_groupname;

/// TrueNAS's refusal of root as a member of any group but builtin_administrators (no final period).
const ROOT_NOT_ALLOWED: &str = "Cannot add the root user to this group";

/// The keys a group create or update supplied.
struct GroupChanges<'a> {
    name: Option<&'a str>,
    gid: Option<i64>,
    smb: Option<bool>,
    users: Option<&'a [i64]>,
    sudo_commands: Option<&'a [String]>,
    sudo_commands_nopasswd: Option<&'a [String]>,
    userns_idmap: bool,
}

/// The escalation guard of `group.update`: users added to a group bound to privileges gain their roles, which
/// the caller must hold globally (EPERM at `group_update.users.N`).
fn check_members_escalation(
    tx: &Transaction<'_>,
    caller: &Caller,
    group_id: i64,
    members: &[i64],
    errs: &mut ValidationErrors,
) -> Result<(), Error> {
    let privileges = privileges::all(tx)?;
    let roles = accountd_api::roles::guarded_roles(&crate::entry::roles_granted(&privileges, &[group_id]));
    let missing = authz::roles_not_held(caller, &roles, authz::Scope::Global);
    if missing.is_empty() {
        return Ok(());
    }
    let current = groups::aux_members(tx, group_id)?;
    for (i, user) in members.iter().enumerate() {
        if !current.contains(user) {
            errs.add_errno(
                format!("group_update.users.{i}"),
                authz::escalation_message(&missing),
                authz::ESCALATION_ERRNO,
            );
        }
    }
    Ok(())
}

fn common_validation(
    tx: &Transaction<'_>,
    errs: &mut ValidationErrors,
    schema: &str,
    data: &GroupChanges<'_>,
    pk: Option<i64>,
) -> Result<(), Error> {
    let others: Vec<GroupRow> = groups::all(tx)?.into_iter().filter(|g| Some(g.id) != pk).collect();
    if data.userns_idmap
        && let Some(id) = pk
        && let Some(row) = groups::get(tx, id)?
    {
        let dir = crate::entry::Directory::load_for_groups(tx, std::slice::from_ref(&row))?;
        if !dir.group_entry(&row).roles.is_empty() {
            errs.add(
                format!("{schema}.userns_idmap"),
                "User namespace idmaps may not be configured for privileged accounts.",
            );
        }
        if row.builtin {
            errs.add(
                format!("{schema}.userns_idmap"),
                "User namespace idmaps may not be configured for builtin accounts.",
            );
        }
    }
    if let Some(name) = data.name {
        if data.smb == Some(true) {
            let upper = name.to_uppercase();
            if ["ADMINISTRATORS", "USERS", "GUESTS"].contains(&upper.as_str()) {
                errs.add_errno(
                    format!("{schema}.name"),
                    format!(
                        "Group name \"{name}\" conflicts with existing SMB Builtin entry. SMB group mapping is not \
                         permitted for this group."
                    ),
                    errno::EEXIST,
                );
            }
            let folded = name.to_lowercase();
            if others.iter().any(|g| g.smb && g.name.to_lowercase() == folded) {
                errs.add_errno(
                    format!("{schema}.name"),
                    format!(
                        "Group name \"{name}\" conflicts with existing groupmap entry. SMB group mapping is not \
                         permitted for this group. Note that SMB group names are case-insensitive."
                    ),
                    errno::EEXIST,
                );
            }
        }
        if others.iter().any(|g| g.name == name) {
            errs.add_errno(
                format!("{schema}.name"),
                format!("A Group with the name \"{name}\" already exists."),
                errno::EEXIST,
            );
        }
        if let Err(msg) = check_groupname(name) {
            errs.add(format!("{schema}.name"), msg);
        }
    }
    if let Some(gid) = data.gid
        && let Some(existing) = groups::by_gid(tx, gid)?
    {
        errs.add_errno(
            format!("{schema}.gid"),
            format!("Gid {gid} is already used (group {} has it)", existing.name),
            errno::EEXIST,
        );
    }
    if let Some(members) = data.users {
        for (idx, id) in members.iter().enumerate() {
            if *id >= 100_000_000 {
                errs.add(
                    format!("{schema}.users.{idx}"),
                    "Directory services users may not be added as members of local groups.",
                );
                return Ok(());
            }
        }
        let mut missing = Vec::new();
        for id in members {
            if users::get(tx, *id)?.is_none() {
                missing.push(id.to_string());
            }
        }
        if !missing.is_empty() {
            errs.add(
                format!("{schema}.users"),
                format!("Following users do not exist: {}", missing.join(", ")),
            );
        }
        if let Some(id) = pk {
            let primary: Vec<String> = groups::primary_members(tx, id)?
                .into_iter()
                .filter(|u| !members.contains(u))
                .filter_map(|u| users::get(tx, u).ok().flatten().map(|r| r.username))
                .collect();
            if !primary.is_empty() {
                errs.add(
                    format!("{schema}.users"),
                    format!(
                        "This group is primary for the following users: {}. You can't remove them.",
                        primary.join(", ")
                    ),
                );
            }
            if let Some(group) = groups::get(tx, id)?
                && let Some(root) = users::by_uid(tx, 0)?
            {
                if group.gid == builtin::ADMINISTRATORS_GID {
                    if !members.contains(&root.id) {
                        errs.add(
                            format!("{schema}.users"),
                            "The root user must remain a member of the builtin_administrators group.",
                        );
                    }
                } else if members.contains(&root.id) {
                    // root belongs to builtin_administrators only.
                    errs.add(format!("{schema}.users"), ROOT_NOT_ALLOWED);
                }
            }
        } else if let Some(root) = users::by_uid(tx, 0)?
            && members.contains(&root.id)
        {
            errs.add(format!("{schema}.users"), ROOT_NOT_ALLOWED);
        }
    }
    if let Some(cmds) = data.sudo_commands {
        sudo::validate_sudo_commands(errs, &format!("{schema}.sudo_commands"), cmds);
    }
    if let Some(cmds) = data.sudo_commands_nopasswd {
        sudo::validate_sudo_commands(errs, &format!("{schema}.sudo_commands_nopasswd"), cmds);
    }
    Ok(())
}

impl Accounts {
    /// `group.create`: returns the new id.
    pub async fn group_create(&self, data: GroupCreate) -> Result<i64, Error> {
        self.check_external_groups(GROUP_CREATE, &data.external_groups).await?;
        let id = self
            .write_changes(move |tx, events| {
                let mut errs = ValidationErrors::new();
                let changes = GroupChanges {
                    name: Some(&data.name),
                    gid: data.gid,
                    smb: Some(data.smb),
                    users: Some(&data.users),
                    sudo_commands: Some(&data.sudo_commands),
                    sudo_commands_nopasswd: Some(&data.sudo_commands_nopasswd),
                    userns_idmap: data.userns_idmap.is_some(),
                };
                common_validation(tx, &mut errs, GROUP_CREATE, &changes, None)?;
                let gid = match data.gid {
                    Some(g) => g,
                    None => groups::next_free_gid(tx, &[])?,
                };
                super::idmap::check_unique(tx, &mut errs, GROUP_CREATE, data.userns_idmap, gid, None)?;
                errs.check()?;
                let row = GroupRow {
                    id: 0,
                    gid,
                    name: data.name.clone(),
                    builtin: false,
                    smb: data.smb,
                    sudo_commands: data.sudo_commands.clone(),
                    sudo_commands_nopasswd: data.sudo_commands_nopasswd.clone(),
                    userns_idmap: data.userns_idmap.and_then(|v| serde_json::to_value(v).ok()),
                };
                let id = groups::insert(tx, &row)?;
                groups::set_aux_members(tx, id, &data.users)?;
                crate::ldap::set_links(tx, id, &data.external_groups)?;
                events.group_added(id);
                for u in &data.users {
                    events.user_changed(*u);
                }
                Ok::<_, Error>(id)
            })
            .await?;
        tracing::info!(group_id = id, "group created");
        Ok(id)
    }

    /// `group.update`: returns the id.
    pub async fn group_update(&self, caller: &Caller, id: i64, data: GroupUpdate) -> Result<i64, Error> {
        let caller = caller.clone();
        if id > 100_000_000 {
            return Err(Error::call(
                errno::EPERM,
                "Groups provided by a directory service must be modified through the identity provider \
                 (LDAP server or domain controller).",
            ));
        }
        if let Some(links) = &data.external_groups {
            self.check_external_groups(GROUP_UPDATE, links).await?;
        }
        self.write_changes(move |tx, events| {
            let old = groups::get(tx, id)?.ok_or_else(|| Error::not_found(format!("Group {id} does not exist")))?;
            let immutable = crate::entry::group_is_immutable(&old);
            let mut errs = ValidationErrors::new();
            let changes = GroupChanges {
                name: data.name.as_deref(),
                gid: None,
                smb: data.smb,
                users: data.users.as_deref(),
                sudo_commands: data.sudo_commands.as_deref(),
                sudo_commands_nopasswd: data.sudo_commands_nopasswd.as_deref(),
                userns_idmap: data.userns_idmap.is_some(),
            };
            common_validation(tx, &mut errs, GROUP_UPDATE, &changes, Some(id))?;
            super::idmap::check_unique(
                tx,
                &mut errs,
                GROUP_UPDATE,
                data.userns_idmap.flatten(),
                old.gid,
                Some(id),
            )?;
            if let Some(members) = &data.users {
                check_members_escalation(tx, &caller, id, members, &mut errs)?;
            }
            if immutable {
                errs.add(format!("{GROUP_UPDATE}.id"), "Immutable groups cannot be changed");
            } else if old.builtin {
                let changed = [
                    (
                        "sudo_commands",
                        data.sudo_commands.as_ref().is_some_and(|v| *v != old.sudo_commands),
                    ),
                    (
                        "sudo_commands_nopasswd",
                        data.sudo_commands_nopasswd
                            .as_ref()
                            .is_some_and(|v| *v != old.sudo_commands_nopasswd),
                    ),
                    ("smb", data.smb.is_some_and(|v| v != old.smb)),
                    ("name", data.name.as_ref().is_some_and(|v| *v != old.name)),
                ];
                for (key, is_changed) in changed {
                    if is_changed {
                        errs.add(
                            format!("{GROUP_UPDATE}.{key}"),
                            "This configuration parameter may not be changed for builtin groups.",
                        );
                    }
                }
            }
            errs.check()?;
            let mut row = old.clone();
            if let Some(v) = &data.name {
                row.name = v.clone();
            }
            if let Some(v) = data.smb {
                row.smb = v;
            }
            if let Some(v) = &data.sudo_commands {
                row.sudo_commands = v.clone();
            }
            if let Some(v) = &data.sudo_commands_nopasswd {
                row.sudo_commands_nopasswd = v.clone();
            }
            if let Some(v) = &data.userns_idmap {
                row.userns_idmap = v.and_then(|v| serde_json::to_value(v).ok());
            }
            groups::update(tx, &row)?;
            if let Some(links) = &data.external_groups {
                crate::ldap::set_links(tx, id, links)?;
            }
            if row == old {
                events.group_members_changed(id);
            } else {
                events.group_changed(id);
            }
            if let Some(members) = &data.users {
                let primary = groups::primary_members(tx, id)?;
                let aux: Vec<i64> = members.iter().copied().filter(|u| !primary.contains(u)).collect();
                let before = groups::aux_members(tx, id)?;
                // Only the users who joined or left change.
                let left = before.iter().filter(|u| !aux.contains(u));
                let joined = aux.iter().filter(|u| !before.contains(u));
                for u in left.chain(joined) {
                    events.user_changed(*u);
                }
                let before = password_admins(tx)?;
                groups::set_aux_members(tx, id, &aux)?;
                // The last administrators who can log in with a password stay members (checked on the changed
                // rows; the error rolls the change back).
                if !before.is_empty() && password_admins(tx)?.is_empty() {
                    return Err(Error::invalid(
                        format!("{GROUP_UPDATE}.users"),
                        no_local_administrator_left(tx, AFTER_MEMBERS_CHANGE)?,
                    ));
                }
            }
            Ok::<_, Error>(())
        })
        .await?;
        tracing::info!(group_id = id, "group updated");
        Ok(id)
    }

    /// `group.delete`: returns the id.
    pub async fn group_delete(&self, id: i64, options: GroupDeleteOptions) -> Result<i64, Error> {
        if id > 100_000_000 {
            return Err(Error::call(
                errno::EPERM,
                "Groups provided by a directory service must be deleted from the identity provider \
                 (LDAP server or domain controller).",
            ));
        }
        self.write_changes(move |tx, events| {
            let group = groups::get(tx, id)?.ok_or_else(|| Error::not_found(format!("Group {id} does not exist")))?;
            if group.builtin {
                return Err(Error::call(errno::EACCES, "A built-in group cannot be deleted."));
            }
            // TrueNAS `privilege.before_group_delete`: a group bound to a privilege stays until unbound.
            if let Some(privilege) = privileges::all(tx)?.into_iter().find(|p| p.group_ids.contains(&id)) {
                return Err(Error::call(
                    errno::EACCES,
                    format!(
                        "This group is used by privilege {}. Please remove it from that privilege first, then \
                         delete the group.",
                        repr_str(&privilege.name)
                    ),
                ));
            }
            let nogroup =
                groups::by_gid(tx, builtin::NOGROUP_GID)?.ok_or_else(|| Error::internal("nogroup missing"))?;
            for user_id in groups::aux_members(tx, id)? {
                events.user_changed(user_id);
            }
            for user_id in groups::primary_members(tx, id)? {
                if options.delete_users {
                    for g in users::aux_groups(tx, user_id)? {
                        events.group_members_changed(g);
                    }
                    for key_id in api_keys::ids_of_user(tx, user_id)? {
                        events.api_key_removed(key_id);
                    }
                    users::delete(tx, user_id)?;
                    events.user_removed(user_id);
                } else if let Some(mut row) = users::get(tx, user_id)? {
                    row.group_id = nogroup.id;
                    users::update(tx, &row)?;
                    events.user_changed(user_id);
                    events.group_members_changed(nogroup.id);
                }
            }
            groups::delete(tx, id)?;
            events.group_removed(id);
            Ok::<_, Error>(())
        })
        .await?;
        tracing::info!(group_id = id, "group deleted");
        Ok(id)
    }
}

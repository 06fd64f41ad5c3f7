//! TrueNAS `user.common_validation`: checks shared by `user.create` and `user.update`.

use std::collections::BTreeMap;
use std::path::Path;

use accountd_api::types::common::UsernsIdmap;
use accountd_store::groups::GroupRow;
use accountd_store::users::UserRow;
use accountd_store::{Connection, StoreError, groups, users};

use crate::entry::{Directory, builtin};
use crate::error::{ValidationErrors, errno};
use crate::{home, shells, sudo};

use super::names::check_username;
use super::profile::{ProfileFields, validate_profile};

/// The keys a create or update call supplied (`None` = not supplied).
#[derive(Debug, Default)]
pub(crate) struct Supplied<'a> {
    pub uid: Option<i64>,
    pub username: Option<&'a str>,
    pub full_name: Option<&'a str>,
    pub email: Option<Option<&'a str>>,
    pub home: Option<&'a str>,
    pub home_mode: Option<&'a str>,
    pub groups: Option<&'a [i64]>,
    pub shell: Option<&'a str>,
    pub sudo_commands: Option<&'a [String]>,
    pub sudo_commands_nopasswd: Option<&'a [String]>,
    pub password: Option<&'a str>,
    pub random_password: bool,
    pub password_disabled: Option<bool>,
    pub ssh_password_enabled: Option<bool>,
    pub smb: Option<bool>,
    /// A non-null `userns_idmap` was supplied.
    pub userns_idmap: bool,
    /// The container uid the supplied mapping targets (`DIRECT`: the user's uid), when known.
    pub idmap_target: Option<i64>,
    pub sshpubkey: Option<&'a str>,
    /// Description, locale and time zone.
    pub profile: ProfileFields<'a>,
}

/// The state the user will have after the call (old values overlaid with supplied ones).
#[derive(Debug)]
pub(crate) struct Combined<'a> {
    pub smb: bool,
    pub password_disabled: bool,
    pub ssh_password_enabled: bool,
    pub home: &'a str,
    pub home_create: bool,
    pub shell: &'a str,
    pub username: &'a str,
    /// Primary plus auxiliary group ids (for shell choices and privilege checks).
    pub group_ids: Vec<i64>,
}

/// The valid shells for a user in these groups: the appliance's standard shells under `/usr/bin` (the same on
/// every host, since accounts live in the database, not in the host's passwd), plus the TrueNAS CLI shells when
/// a group carries a privilege.
pub(crate) fn shell_choices_for(conn: &Connection, group_ids: &[i64]) -> Result<BTreeMap<String, String>, StoreError> {
    let dir = Directory::load_for_groups(conn, &[])?;
    let privileged = !dir.privileges_of_groups(group_ids).is_empty();
    Ok(shells::shell_choices_from(None, privileged))
}

/// The container uid a stored user's `userns_idmap` targets: its own uid for `DIRECT`, else the number.
pub(crate) fn idmap_target(user: &UserRow) -> Option<i64> {
    match user.userns_idmap.as_ref()? {
        serde_json::Value::String(s) if s == "DIRECT" => Some(user.uid),
        v => v.as_i64(),
    }
}

/// The container uid a new `userns_idmap` value targets for a user with this uid.
pub(crate) fn idmap_target_of(idmap: UsernsIdmap, uid: i64) -> i64 {
    match idmap {
        UsernsIdmap::Direct(_) => uid,
        UsernsIdmap::Id(n) => i64::from(n),
    }
}

/// The inputs every shared check reads.
struct Checks<'c, 'a> {
    conn: &'c Connection,
    schema: &'c str,
    data: &'c Supplied<'a>,
    combined: &'c Combined<'a>,
    /// The stored row on update.
    old: Option<&'c UserRow>,
    /// The id other users are compared against (`-1` on create).
    exclude: i64,
}

/// Runs every shared check, in TrueNAS's order (the order of the validation errors is part of the answer);
/// `old` is the stored row on update.
pub(crate) fn common_validation(
    conn: &Connection,
    errs: &mut ValidationErrors,
    schema: &str,
    data: &Supplied<'_>,
    combined: &Combined<'_>,
    old: Option<&UserRow>,
    home_root: &Path,
) -> Result<(), StoreError> {
    // Other users are looked up by index for each rule, never loaded all at once: a create stays cheap with
    // 100,000 users.
    let checks = Checks {
        conn,
        schema,
        data,
        combined,
        old,
        exclude: old.map_or(-1, |o| o.id),
    };
    checks.idmap(errs)?;
    checks.names(errs)?;
    checks.password_state(errs);
    checks.home(errs, home_root)?;
    checks.groups(errs)?;
    checks.attributes(errs)?;
    Ok(())
}

impl Checks<'_, '_> {
    /// `userns_idmap`: not for privileged or builtin accounts, one user per container uid.
    fn idmap(&self, errs: &mut ValidationErrors) -> Result<(), StoreError> {
        let Checks {
            conn,
            schema,
            data,
            combined,
            old,
            exclude,
        } = *self;
        if data.userns_idmap {
            let dir = Directory::load_for_groups(conn, &[])?;
            if !dir.privileges_of_groups(&combined.group_ids).is_empty() {
                errs.add(
                    format!("{schema}.userns_idmap"),
                    "User namespace idmaps may not be configured for privileged accounts.",
                );
            }
            if old.is_some_and(|o| o.builtin) {
                errs.add(
                    format!("{schema}.userns_idmap"),
                    "User namespace idmaps may not be configured for builtin accounts.",
                );
            }
            if let Some(target) = data.idmap_target
                && let Some(other) = users::select(conn, "userns_idmap IS NOT NULL AND id != ?1", &[&exclude])?
                    .into_iter()
                    .find(|u| idmap_target(u) == Some(target))
            {
                errs.add(
                    format!("{schema}.userns_idmap"),
                    format!("User '{}' already maps to container UID {target}.", other.username),
                );
            }
        }
        Ok(())
    }

    /// A random password or a given one; the uid, the username and its SMB form unused by others.
    fn names(&self, errs: &mut ValidationErrors) -> Result<(), StoreError> {
        let Checks {
            conn,
            schema,
            data,
            combined,
            exclude,
            ..
        } = *self;
        if data.random_password && data.password.is_some() {
            errs.add(
                format!("{schema}.random_password"),
                "Requesting a randomized password while simultaneously supplying an explicit password is not \
                 permitted.",
            );
        }

        if let Some(uid) = data.uid
            && let Some(existing) = users::by_uid(conn, uid)?
        {
            errs.add_errno(
                format!("{schema}.uid"),
                format!("Uid {uid} is already used (user {} has it)", existing.username),
                errno::EEXIST,
            );
        }

        if let Some(username) = data.username {
            if let Err(msg) = check_username(username) {
                errs.add(format!("{schema}.username"), msg);
            }
            if !users::select(conn, "username = ?1 AND id != ?2", &[&username, &exclude])?.is_empty() {
                errs.add_errno(
                    format!("{schema}.username"),
                    format!("The username \"{username}\" already exists."),
                    errno::EEXIST,
                );
            }
        }

        // SMB names are case-insensitive: checked whenever the name changes or SMB is turned on, against the
        // name and SMB flag the user will have after the call.
        if combined.smb && (data.username.is_some() || data.smb == Some(true)) {
            let username = combined.username;
            let folded = username.to_lowercase();
            let smb_clash = users::select(
                conn,
                "smb = 1 AND lower(username) = ?1 AND id != ?2",
                &[&folded, &exclude],
            )?;
            if !smb_clash.is_empty() {
                errs.add_errno(
                    format!("{schema}.smb"),
                    format!(
                        "Username \"{username}\" conflicts with existing SMB user. Note that SMB usernames are \
                     case-insensitive."
                    ),
                    errno::EEXIST,
                );
            }
        }
        Ok(())
    }

    /// SMB needs password logins; a new user needs a password unless password logins are disabled.
    fn password_state(&self, errs: &mut ValidationErrors) {
        let Checks {
            schema,
            data,
            combined,
            old,
            ..
        } = *self;
        if combined.smb && combined.password_disabled {
            errs.add(
                format!("{schema}.password_disabled"),
                "Password authentication may not be disabled for SMB users.",
            );
        }

        let has_password = data.password.is_some() || data.random_password;
        if old.is_none() && !has_password && data.password_disabled != Some(true) {
            errs.add(format!("{schema}.password"), "Password is required");
        } else if data.password_disabled == Some(true) && (data.password.is_some() || data.random_password) {
            errs.add(
                format!("{schema}.password_disabled"),
                "Leave \"Password\" blank when \"Disable password login\" is checked.",
            );
        }
    }

    /// The home (not shared with another user, valid for SSH password logins) and its mode.
    fn home(&self, errs: &mut ValidationErrors, home_root: &Path) -> Result<(), StoreError> {
        let Checks {
            conn,
            schema,
            data,
            combined,
            exclude,
            ..
        } = *self;
        if let Some(home_path) = data.home {
            let trimmed = home_path.trim_end_matches('/');
            let created = format!("{trimmed}/{}", combined.username);
            let candidates: Vec<String> = [
                trimmed.to_string(),
                format!("{trimmed}/"),
                created.clone(),
                format!("{created}/"),
            ]
            .into();
            let sharing = if home_path == home::DEFAULT_HOME {
                Vec::new()
            } else {
                users::select(
                    conn,
                    "home IN (?1, ?2, ?3, ?4) AND id != ?5",
                    &[&candidates[0], &candidates[1], &candidates[2], &candidates[3], &exclude],
                )?
            };
            let other_homes: Vec<(String, String)> = sharing
                .iter()
                .filter(|u| u.home != home::DEFAULT_HOME)
                .map(|u| (u.username.clone(), u.home.clone()))
                .collect();
            let valid = home::validate_home(
                errs,
                schema,
                home_path,
                combined.home_create,
                combined.username,
                &other_homes,
                home_root,
            );
            if !valid && combined.ssh_password_enabled {
                errs.add(
                    format!("{schema}.home"),
                    "SSH password login requires a valid home path.",
                );
            }
        }

        if let Some(mode) = data.home_mode {
            home::validate_home_mode(errs, &format!("{schema}.home_mode"), mode);
        }
        Ok(())
    }

    /// Auxiliary groups: at most 64, existing, local, alterable; root stays in builtin_administrators only.
    fn groups(&self, errs: &mut ValidationErrors) -> Result<(), StoreError> {
        let Checks {
            conn,
            schema,
            data,
            old,
            ..
        } = *self;
        if let Some(group_ids) = data.groups {
            if group_ids.len() > 64 {
                errs.add(
                    format!("{schema}.groups"),
                    "A user cannot belong to more than 64 auxiliary groups.",
                );
            }
            for (idx, id) in group_ids.iter().enumerate() {
                let attr = format!("{schema}.groups.{idx}");
                let entry: Option<GroupRow> = groups::get(conn, *id)?;
                if entry.is_none() {
                    errs.add(attr.clone(), "This group does not exist.");
                }
                if *id >= 100_000_000 {
                    errs.add(
                        attr.clone(),
                        "Local users may not be members of directory services groups.",
                    );
                }
                if let Some(g) = entry
                    && g.builtin
                    && !builtin::ALTERABLE_GIDS.contains(&g.gid)
                {
                    errs.add(
                        attr,
                        format!("{}: membership of this builtin group may not be altered.", g.name),
                    );
                }
            }
        }

        if let (Some(old), Some(group_ids)) = (old, data.groups)
            && old.uid == 0
        {
            let admins = groups::by_gid(conn, builtin::ADMINISTRATORS_GID)?.map(|g| g.id);
            if let Some(admins) = admins {
                if !group_ids.contains(&admins) {
                    errs.add(
                        format!("{schema}.groups"),
                        "The root user must remain a member of the builtin_administrators group.",
                    );
                }
                if group_ids != [admins] {
                    errs.add(
                        format!("{schema}.groups"),
                        "The root user may only be a member of the builtin_administrators group.",
                    );
                }
            }
        }
        Ok(())
    }

    /// The remaining attributes: full name, email, profile, shell, sudo commands, SSH keys and SSH password login.
    fn attributes(&self, errs: &mut ValidationErrors) -> Result<(), StoreError> {
        let Checks {
            conn,
            schema,
            data,
            combined,
            ..
        } = *self;
        if let Some(full_name) = data.full_name {
            for (c, shown) in [(':', "':'"), ('\n', "'\\n'")] {
                if full_name.contains(c) {
                    errs.add(
                        format!("{schema}.full_name"),
                        format!("The {shown} character is not allowed."),
                    );
                }
            }
        }

        if let Some(Some(email)) = data.email
            && let Some(message) = super::email::email_error(email)
        {
            errs.add(format!("{schema}.email"), message);
        }

        validate_profile(errs, schema, &data.profile);

        if let Some(shell) = data.shell {
            let choices = shell_choices_for(conn, &combined.group_ids)?;
            shells::validate_shell(errs, schema, shell, &choices, combined.ssh_password_enabled);
        }

        if let Some(cmds) = data.sudo_commands {
            sudo::validate_sudo_commands(errs, &format!("{schema}.sudo_commands"), cmds);
        }
        if let Some(cmds) = data.sudo_commands_nopasswd {
            sudo::validate_sudo_commands(errs, &format!("{schema}.sudo_commands_nopasswd"), cmds);
        }

        if let Some(keys) = data.sshpubkey {
            home::validate_sshpubkey(errs, &format!("{schema}.sshpubkey"), keys);
        }

        if data.ssh_password_enabled == Some(true)
            && (combined.home == home::DEFAULT_HOME || combined.shell == shells::NOLOGIN)
        {
            errs.add(
                format!("{schema}.ssh_password_enabled"),
                "Cannot be enabled without a valid home path and login shell.",
            );
        }
        Ok(())
    }
}

/// The smallest free id >= 3000 that is neither used nor reserved.
pub(crate) fn next_free_id(used: &[i64], reserved: &[i64]) -> i64 {
    let mut taken: Vec<i64> = used.iter().chain(reserved).copied().filter(|id| *id >= 3000).collect();
    taken.sort_unstable();
    taken.dedup();
    let mut candidate = 3000;
    for id in taken {
        if id == candidate {
            candidate += 1;
        } else if id > candidate {
            break;
        }
    }
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_free_fills_gaps() {
        let cases: [(&[i64], &[i64], i64); 5] = [
            (&[], &[], 3000),
            (&[0, 65534], &[], 3000),
            (&[3000, 3001, 3003], &[], 3002),
            (&[3000, 3001], &[3002], 3003),
            (&[3001], &[], 3000),
        ];
        for (used, reserved, expected) in cases {
            assert_eq!(next_free_id(used, reserved), expected, "{used:?} {reserved:?}");
        }
    }
}

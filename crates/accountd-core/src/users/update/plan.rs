//! The planning step of `user.update`: the row the user will have and what the filesystem step will do, from the
//! stored row and the supplied keys (no I/O).

use std::path::Path;

use accountd_api::types::user::UserUpdate;
use accountd_store::users::UserRow;

use super::super::password::push_password_history;
use super::Prepared;
use super::checks::Checked;
use crate::home;

/// The planned outcome.
pub(super) struct Planned {
    /// The row to store.
    pub row: UserRow,
    /// The parent directory to create the user's home in (`home_create`), if any.
    pub create_home_in: Option<String>,
    /// The home lies under the managed home root (its mode and `authorized_keys` are written there).
    pub managed: bool,
}

/// The stored row overlaid with the update.
pub(super) fn plan_row(p: &Prepared, old: &UserRow, checked: &Checked) -> Planned {
    let mut row = old.clone();
    overlay_attributes(&mut row, &p.data);
    row.group_id = checked.group.id;
    overlay_credentials(&mut row, p, checked.external());
    let create_home_in = overlay_home(&mut row, &p.data);
    let managed = crate::entry::home_is_managed(&row.home, &p.home_root);
    if let Some(keys) = &p.data.sshpubkey
        && !managed
    {
        row.sshpubkey = keys.clone().filter(|k| !k.trim().is_empty());
    }
    Planned {
        row,
        create_home_in,
        managed,
    }
}

/// The plain attributes: each supplied key replaces the stored value.
fn overlay_attributes(row: &mut UserRow, d: &UserUpdate) {
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
}

/// The password, its hashes and history, and what SMB, a disabled password or an external source leave of them.
fn overlay_credentials(row: &mut UserRow, p: &Prepared, external: bool) {
    if let Some(v) = p.data.password_change_required {
        row.password_change_required = v;
    } else if p.new_password.is_some() && p.caller.is_self(p.id) {
        // The user chose a new password: an administrator's requirement is met.
        row.password_change_required = false;
    }
    if let Some((_, unixhash, smbhash)) = &p.new_password {
        push_password_history(row);
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
}

/// The home path: `home_create` makes `<home>/<username>` (created by the filesystem step, whose parent is
/// returned), otherwise the supplied path is taken as it is.
fn overlay_home(row: &mut UserRow, d: &UserUpdate) -> Option<String> {
    let h = d.home.as_ref()?;
    if d.home_create == Some(true) && h != home::DEFAULT_HOME {
        row.home = Path::new(h).join(&row.username).to_string_lossy().into_owned();
        Some(h.clone())
    } else {
        row.home = h.clone();
        None
    }
}

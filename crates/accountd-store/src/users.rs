//! The `users` table and memberships.

use rusqlite::{Connection, Row, ToSql, params};
use serde_json::Value;

use crate::error::StoreError;
use crate::json::{from_json_list, from_json_opt, to_json_list, to_json_opt};

/// One stored user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    /// Database id (0 when not yet inserted).
    pub id: i64,
    /// uid.
    pub uid: i64,
    /// Login name.
    pub username: String,
    /// Password hash (PHC) or `*`.
    pub unixhash: String,
    /// NT hash or `*`.
    pub smbhash: String,
    /// Home directory.
    pub home: String,
    /// Shell.
    pub shell: String,
    /// Full name.
    pub full_name: String,
    /// Builtin account.
    pub builtin: bool,
    /// SMB enabled.
    pub smb: bool,
    /// Container mapping as JSON.
    pub userns_idmap: Option<Value>,
    /// Primary group database id.
    pub group_id: i64,
    /// Password login disabled.
    pub password_disabled: bool,
    /// SSH password login allowed.
    pub ssh_password_enabled: bool,
    /// Locked.
    pub locked: bool,
    /// sudo commands.
    pub sudo_commands: Vec<String>,
    /// sudo commands without password.
    pub sudo_commands_nopasswd: Vec<String>,
    /// E-mail.
    pub email: Option<String>,
    /// SSH keys for homes outside the home root (inside it, the file is the truth).
    pub sshpubkey: Option<String>,
    /// Last password change, ms since the epoch.
    pub last_password_change: Option<i64>,
    /// Previous password hashes, oldest first.
    pub password_history: Vec<String>,
    /// The account profile (`account_profiles.id`) whose policy applies.
    pub account_profile: i64,
    /// An administrator requires a password change at the next login.
    pub password_change_required: bool,
    /// Free-text description.
    pub description: Option<String>,
    /// Preferred locale code.
    pub locale: Option<String>,
    /// IANA time zone name.
    pub timezone: Option<String>,
}

const COLUMNS: &str = "id, uid, username, unixhash, unseal(smbhash, 'users.smbhash'), home, shell, full_name, builtin, smb, userns_idmap, \
    group_id, password_disabled, ssh_password_enabled, locked, sudo_commands, sudo_commands_nopasswd, email, \
    sshpubkey, last_password_change, password_history, account_profile, password_change_required, description, locale,
    timezone";

fn from_row(r: &Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        id: r.get(0)?,
        uid: r.get(1)?,
        username: r.get(2)?,
        unixhash: r.get(3)?,
        smbhash: r.get(4)?,
        home: r.get(5)?,
        shell: r.get(6)?,
        full_name: r.get(7)?,
        builtin: r.get(8)?,
        smb: r.get(9)?,
        userns_idmap: from_json_opt(r.get::<_, Option<String>>(10)?),
        group_id: r.get(11)?,
        password_disabled: r.get(12)?,
        ssh_password_enabled: r.get(13)?,
        locked: r.get(14)?,
        sudo_commands: from_json_list(&r.get::<_, String>(15)?),
        sudo_commands_nopasswd: from_json_list(&r.get::<_, String>(16)?),
        email: r.get(17)?,
        sshpubkey: r.get(18)?,
        last_password_change: r.get(19)?,
        password_history: from_json_list(&r.get::<_, String>(20)?),
        account_profile: r.get(21)?,
        password_change_required: r.get(22)?,
        description: r.get(23)?,
        locale: r.get(24)?,
        timezone: r.get(25)?,
    })
}

/// Users matching an SQL condition over the `users` columns (`"1"` for all), ordered by id.
pub fn select(conn: &Connection, where_sql: &str, args: &[&dyn ToSql]) -> Result<Vec<UserRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {where_sql} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Users matching an SQL condition, ordered by `order_sql` (SQL `ORDER BY` terms; id breaks ties), at most
/// `limit` of them (negative: no limit) after skipping `offset`.
pub fn select_page(
    conn: &Connection,
    where_sql: &str,
    args: &[&dyn ToSql],
    order_sql: &str,
    limit: i64,
    offset: i64,
) -> Result<Vec<UserRow>, StoreError> {
    let order = if order_sql.is_empty() {
        "id".to_string()
    } else {
        format!("{order_sql}, id")
    };
    let sql = format!("SELECT {COLUMNS} FROM users WHERE {where_sql} ORDER BY {order} LIMIT {limit} OFFSET {offset}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Number of users matching an SQL condition.
pub fn count(conn: &Connection, where_sql: &str, args: &[&dyn ToSql]) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT count(*) FROM users WHERE {where_sql}"))?;
    Ok(stmt.query_row(args, |r| r.get(0))?)
}

/// The user with this database id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(select(conn, "id = ?1", &[&id])?.into_iter().next())
}

/// The user with this name.
pub fn by_username(conn: &Connection, username: &str) -> Result<Option<UserRow>, StoreError> {
    Ok(select(conn, "username = ?1", &[&username])?.into_iter().next())
}

/// The users with this email address (ASCII letters compared without regard to case).
pub fn with_email(conn: &Connection, email: &str) -> Result<Vec<UserRow>, StoreError> {
    select(conn, "email = ?1 COLLATE NOCASE", &[&email])
}

/// The user with this uid.
pub fn by_uid(conn: &Connection, uid: i64) -> Result<Option<UserRow>, StoreError> {
    Ok(select(conn, "uid = ?1", &[&uid])?.into_iter().next())
}

/// The JSON-encoded columns of a row, kept alive while its parameters are bound.
struct Encoded {
    userns_idmap: Option<String>,
    sudo_commands: String,
    sudo_commands_nopasswd: String,
    password_history: String,
}

impl Encoded {
    fn of(row: &UserRow) -> Encoded {
        Encoded {
            userns_idmap: to_json_opt(&row.userns_idmap),
            sudo_commands: to_json_list(&row.sudo_commands),
            sudo_commands_nopasswd: to_json_list(&row.sudo_commands_nopasswd),
            password_history: to_json_list(&row.password_history),
        }
    }
}

/// Every column but `id`, in the order of `?1`..`?25` in [`insert`] and [`update`].
fn column_params<'a>(row: &'a UserRow, e: &'a Encoded) -> [&'a dyn ToSql; 25] {
    [
        &row.uid,
        &row.username,
        &row.unixhash,
        &row.smbhash,
        &row.home,
        &row.shell,
        &row.full_name,
        &row.builtin,
        &row.smb,
        &e.userns_idmap,
        &row.group_id,
        &row.password_disabled,
        &row.ssh_password_enabled,
        &row.locked,
        &e.sudo_commands,
        &e.sudo_commands_nopasswd,
        &row.email,
        &row.sshpubkey,
        &row.last_password_change,
        &e.password_history,
        &row.account_profile,
        &row.password_change_required,
        &row.description,
        &row.locale,
        &row.timezone,
    ]
}

/// Inserts a user (ignoring `row.id`) and returns the new id.
pub fn insert(conn: &Connection, row: &UserRow) -> Result<i64, StoreError> {
    let encoded = Encoded::of(row);
    conn.prepare_cached(
        "INSERT INTO users (uid, username, unixhash, smbhash, home, shell, full_name, builtin, smb, userns_idmap, \
         group_id, password_disabled, ssh_password_enabled, locked, sudo_commands, sudo_commands_nopasswd, email, \
         sshpubkey, last_password_change, password_history, account_profile, password_change_required, description, \
         locale, timezone) \
         VALUES (?1, ?2, ?3, seal(?4, 'users.smbhash'), ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
         ?21, ?22, ?23, ?24, ?25)",
    )?
    .execute(&column_params(row, &encoded)[..])?;
    let id = conn.last_insert_rowid();
    conn.execute("INSERT INTO twofactor (user_id) VALUES (?1)", [id])?;
    Ok(id)
}

/// Replaces every column of an existing user.
pub fn update(conn: &Connection, row: &UserRow) -> Result<(), StoreError> {
    let encoded = Encoded::of(row);
    let mut params: Vec<&dyn ToSql> = column_params(row, &encoded).to_vec();
    params.push(&row.id);
    conn.prepare_cached(
        "UPDATE users SET uid = ?1, username = ?2, unixhash = ?3, smbhash = seal(?4, 'users.smbhash'), home = ?5, shell = ?6, \
         full_name = ?7, builtin = ?8, smb = ?9, userns_idmap = ?10, group_id = ?11, password_disabled = ?12, \
         ssh_password_enabled = ?13, locked = ?14, sudo_commands = ?15, sudo_commands_nopasswd = ?16, email = ?17, \
         sshpubkey = ?18, last_password_change = ?19, password_history = ?20, account_profile = ?21, \
         password_change_required = ?22, description = ?23, locale = ?24, timezone = ?25 WHERE id = ?26",
    )?
    .execute(&params[..])?;
    Ok(())
}

/// Deletes a user (memberships, attributes and 2FA rows go with it).
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM users WHERE id = ?1", [id])?;
    Ok(())
}

/// Auxiliary group ids of one user, ascending.
pub fn aux_groups(conn: &Connection, user_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT group_id FROM memberships WHERE user_id = ?1 ORDER BY group_id",
        [user_id],
    )
}

/// What `user.activity` shows of a user's row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityBasics {
    /// Database id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// When the password last changed (ms since the epoch).
    pub last_password_change: Option<i64>,
    /// The user's account profile.
    pub account_profile: i64,
}

/// [`ActivityBasics`] of every user, or of the user `only`, by id.
pub fn activity_basics(conn: &Connection, only: Option<i64>) -> Result<Vec<ActivityBasics>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, username, last_password_change, account_profile FROM users \
         WHERE ?1 IS NULL OR id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([only], |r| {
        Ok(ActivityBasics {
            id: r.get(0)?,
            username: r.get(1)?,
            last_password_change: r.get(2)?,
            account_profile: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Every `(user_id, group_id)` membership, for assembling many entries at once.
pub fn all_memberships(conn: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT user_id, group_id FROM memberships ORDER BY user_id, group_id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// `(user_id, group_id)` memberships of users whose ids lie in `first..=last` (a range scan of the primary
/// key: a page of users costs its own memberships, not the whole table's).
pub fn memberships_between(conn: &Connection, first: i64, last: i64) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id, group_id FROM memberships WHERE user_id BETWEEN ?1 AND ?2 ORDER BY user_id, group_id",
    )?;
    let rows = stmt
        .query_map([first, last], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Replaces the auxiliary groups of a user.
pub fn set_aux_groups(conn: &Connection, user_id: i64, group_ids: &[i64]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM memberships WHERE user_id = ?1", [user_id])?;
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO memberships (user_id, group_id) VALUES (?1, ?2)")?;
    for g in group_ids {
        stmt.execute([user_id, *g])?;
    }
    Ok(())
}

/// The smallest uid >= 3000 that is neither used nor in `reserved` (a few index lookups on the writer
/// connection; see the `ids` module).
pub fn next_free_uid(conn: &Connection, reserved: &[i64]) -> Result<i64, StoreError> {
    crate::ids::next_free(conn, crate::ids::Kind::Uid, reserved)
}

/// Every used uid, ascending.
pub fn used_uids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(conn, "SELECT uid FROM users ORDER BY uid", [])
}

/// `(username, home)` of every user whose home is not `/var/empty`.
pub fn homes(conn: &Connection) -> Result<Vec<(String, String)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT username, home FROM users WHERE home != '/var/empty' ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Ids of users with a configured 2FA secret.
pub fn twofactor_configured_ids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(conn, "SELECT user_id FROM twofactor WHERE secret IS NOT NULL", [])
}

/// Attributes stored by `auth.set_attribute`.
pub fn attributes(conn: &Connection, user_id: i64) -> Result<Vec<(String, Value)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT key, value FROM user_attributes WHERE user_id = ?1 ORDER BY key")?;
    let rows = stmt
        .query_map([user_id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows
        .into_iter()
        .map(|(k, v)| (k, serde_json::from_str(&v).unwrap_or(Value::Null)))
        .collect())
}

/// Stores one attribute.
pub fn set_attribute(conn: &Connection, user_id: i64, key: &str, value: &Value) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO user_attributes (user_id, key, value) VALUES (?1, ?2, ?3) \
         ON CONFLICT (user_id, key) DO UPDATE SET value = excluded.value",
        params![user_id, key, value.to_string()],
    )?;
    Ok(())
}

/// Bytes the attributes of `user_id` other than `except_key` take (keys and JSON values, UTF-8).
pub fn attributes_size_except(conn: &Connection, user_id: i64, except_key: &str) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT COALESCE(SUM(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) \
         FROM user_attributes WHERE user_id = ?1 AND key != ?2",
    )?;
    Ok(stmt.query_row(params![user_id, except_key], |r| r.get(0))?)
}

/// Users whose primary or auxiliary group is one of `group_ids`.
pub fn members_of_groups(conn: &Connection, group_ids: &[i64]) -> Result<Vec<UserRow>, StoreError> {
    if group_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = group_ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    select(
        conn,
        &format!("group_id IN ({list}) OR id IN (SELECT user_id FROM memberships WHERE group_id IN ({list}))"),
        &[],
    )
}

/// Every user's password hash (`unixhash`), `*` included.
pub fn password_hashes(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare("SELECT unixhash FROM users")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Replaces the password hash of `id` when it is still `old` (a rehash to new parameters must not undo a
/// password change made meanwhile); true when it did.
pub fn replace_password_hash(conn: &Connection, id: i64, old: &str, new: &str) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "UPDATE users SET unixhash = ?3 WHERE id = ?1 AND unixhash = ?2",
        params![id, old, new],
    )?;
    Ok(changed == 1)
}

//! The `groups` table.

use rusqlite::{Connection, Row, ToSql, params};
use serde_json::Value;

use crate::error::StoreError;
use crate::json::{from_json_list, from_json_opt, to_json_list, to_json_opt};

/// One stored group.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// Database id (0 when not yet inserted).
    pub id: i64,
    /// gid.
    pub gid: i64,
    /// Name.
    pub name: String,
    /// Builtin group.
    pub builtin: bool,
    /// SMB group.
    pub smb: bool,
    /// sudo commands.
    pub sudo_commands: Vec<String>,
    /// sudo commands without password.
    pub sudo_commands_nopasswd: Vec<String>,
    /// Container mapping as JSON.
    pub userns_idmap: Option<Value>,
}

const COLUMNS: &str = "id, gid, name, builtin, smb, sudo_commands, sudo_commands_nopasswd, userns_idmap";

fn from_row(r: &Row<'_>) -> rusqlite::Result<GroupRow> {
    Ok(GroupRow {
        id: r.get(0)?,
        gid: r.get(1)?,
        name: r.get(2)?,
        builtin: r.get(3)?,
        smb: r.get(4)?,
        sudo_commands: from_json_list(&r.get::<_, String>(5)?),
        sudo_commands_nopasswd: from_json_list(&r.get::<_, String>(6)?),
        userns_idmap: from_json_opt(r.get::<_, Option<String>>(7)?),
    })
}

/// Groups matching an SQL condition over the `groups` columns (`"1"` for all), ordered by id.
pub fn select(conn: &Connection, where_sql: &str, args: &[&dyn ToSql]) -> Result<Vec<GroupRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM groups WHERE {where_sql} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every group.
pub fn all(conn: &Connection) -> Result<Vec<GroupRow>, StoreError> {
    select(conn, "1", &[])
}

/// The group with this database id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<GroupRow>, StoreError> {
    Ok(select(conn, "id = ?1", &[&id])?.into_iter().next())
}

/// The group with this name.
pub fn by_name(conn: &Connection, name: &str) -> Result<Option<GroupRow>, StoreError> {
    Ok(select(conn, "name = ?1", &[&name])?.into_iter().next())
}

/// The group with this gid.
pub fn by_gid(conn: &Connection, gid: i64) -> Result<Option<GroupRow>, StoreError> {
    Ok(select(conn, "gid = ?1", &[&gid])?.into_iter().next())
}

/// Inserts a group (ignoring `row.id`) and returns the new id.
pub fn insert(conn: &Connection, row: &GroupRow) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO groups (gid, name, builtin, smb, sudo_commands, sudo_commands_nopasswd, userns_idmap) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        row.gid,
        row.name,
        row.builtin,
        row.smb,
        to_json_list(&row.sudo_commands),
        to_json_list(&row.sudo_commands_nopasswd),
        to_json_opt(&row.userns_idmap),
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces every column of an existing group.
pub fn update(conn: &Connection, row: &GroupRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE groups SET gid = ?2, name = ?3, builtin = ?4, smb = ?5, sudo_commands = ?6, \
         sudo_commands_nopasswd = ?7, userns_idmap = ?8 WHERE id = ?1",
    )?
    .execute(params![
        row.id,
        row.gid,
        row.name,
        row.builtin,
        row.smb,
        to_json_list(&row.sudo_commands),
        to_json_list(&row.sudo_commands_nopasswd),
        to_json_opt(&row.userns_idmap),
    ])?;
    Ok(())
}

/// Deletes a group (its memberships and privilege bindings go with it).
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM groups WHERE id = ?1", [id])?;
    Ok(())
}

/// Number of groups (SQLite counts the b-tree's cells without decoding rows).
pub fn count(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM groups")?
        .query_row([], |r| r.get(0))?)
}

/// The smallest gid >= 3000 that is neither used nor in `reserved` (a few index lookups on the writer
/// connection; see the `ids` module).
pub fn next_free_gid(conn: &Connection, reserved: &[i64]) -> Result<i64, StoreError> {
    crate::ids::next_free(conn, crate::ids::Kind::Gid, reserved)
}

/// Every used gid, ascending.
pub fn used_gids(conn: &Connection) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(conn, "SELECT gid FROM groups ORDER BY gid", [])
}

/// Auxiliary member user ids of a group.
pub fn aux_members(conn: &Connection, group_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT user_id FROM memberships WHERE group_id = ?1 ORDER BY user_id",
        [group_id],
    )
}

/// Ids of users whose primary group this is.
pub fn primary_members(conn: &Connection, group_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(conn, "SELECT id FROM users WHERE group_id = ?1 ORDER BY id", [group_id])
}

/// Every `(group_id, user_id)` primary membership.
pub fn all_primary(conn: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT group_id, id FROM users ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Replaces the auxiliary members of a group.
pub fn set_aux_members(conn: &Connection, group_id: i64, user_ids: &[i64]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM memberships WHERE group_id = ?1", [group_id])?;
    let mut stmt = conn.prepare_cached("INSERT OR IGNORE INTO memberships (user_id, group_id) VALUES (?1, ?2)")?;
    for u in user_ids {
        stmt.execute([*u, group_id])?;
    }
    Ok(())
}

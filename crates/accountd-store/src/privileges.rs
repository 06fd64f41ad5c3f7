//! Privileges: roles bound to groups.

use rusqlite::Connection;

use crate::error::StoreError;
use crate::json::from_json_list;

/// One stored privilege.
#[derive(Debug, Clone, PartialEq)]
pub struct PrivilegeRow {
    /// Database id.
    pub id: i64,
    /// Display name.
    pub name: String,
    /// Builtin name (`LOCAL_ADMINISTRATOR`, ...), null for user-made privileges.
    pub builtin_name: Option<String>,
    /// Web shell access.
    pub web_shell: bool,
    /// Role names.
    pub roles: Vec<String>,
    /// Bound group database ids.
    pub group_ids: Vec<i64>,
}

/// Every privilege with its groups.
pub fn all(conn: &Connection) -> Result<Vec<PrivilegeRow>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT id, name, builtin_name, web_shell, roles FROM privileges ORDER BY id")?;
    let mut rows = stmt
        .query_map([], |r| {
            Ok(PrivilegeRow {
                id: r.get(0)?,
                name: r.get(1)?,
                builtin_name: r.get(2)?,
                web_shell: r.get(3)?,
                roles: from_json_list(&r.get::<_, String>(4)?),
                group_ids: Vec::new(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut stmt = conn.prepare_cached("SELECT privilege_id, group_id FROM privilege_groups ORDER BY group_id")?;
    let bindings = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?)))?;
    for b in bindings {
        let (pid, gid) = b?;
        if let Some(p) = rows.iter_mut().find(|p| p.id == pid) {
            p.group_ids.push(gid);
        }
    }
    Ok(rows)
}

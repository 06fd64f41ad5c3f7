//! Privileges: roles bound to groups.

use rusqlite::Connection;

use crate::error::StoreError;
use crate::json::{from_json_list, to_json_list};

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
    /// Free-text description.
    pub description: Option<String>,
    /// The tenant owning the privilege (granted in that tenant only); `None`: global.
    pub tenant_id: Option<i64>,
}

/// Every privilege with its groups.
pub fn all(conn: &Connection) -> Result<Vec<PrivilegeRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, builtin_name, web_shell, roles, description, tenant_id FROM privileges ORDER BY id",
    )?;
    let mut rows = stmt
        .query_map([], |r| {
            Ok(PrivilegeRow {
                id: r.get(0)?,
                name: r.get(1)?,
                builtin_name: r.get(2)?,
                web_shell: r.get(3)?,
                roles: from_json_list(&r.get::<_, String>(4)?),
                group_ids: Vec::new(),
                description: r.get(5)?,
                tenant_id: r.get(6)?,
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

/// Inserts a privilege (ignoring `row.id`) with its group bindings and returns its id.
pub fn insert(conn: &Connection, row: &PrivilegeRow) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO privileges (name, builtin_name, web_shell, roles, description, tenant_id) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(rusqlite::params![
        row.name,
        row.builtin_name,
        row.web_shell,
        to_json_list(&row.roles),
        row.description,
        row.tenant_id
    ])?;
    let id = conn.last_insert_rowid();
    set_groups(conn, id, &row.group_ids)?;
    Ok(id)
}

/// Replaces the name, web shell flag, roles, description, owner tenant and group bindings of an existing
/// privilege.
pub fn update(conn: &Connection, row: &PrivilegeRow) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE privileges SET name = ?2, web_shell = ?3, roles = ?4, description = ?5, tenant_id = ?6 WHERE id = ?1",
    )?
    .execute(rusqlite::params![
        row.id,
        row.name,
        row.web_shell,
        to_json_list(&row.roles),
        row.description,
        row.tenant_id
    ])?;
    set_groups(conn, row.id, &row.group_ids)
}

/// Deletes a privilege and its group bindings.
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM privileges WHERE id = ?1", [id])?;
    Ok(())
}

/// Ids of the privileges bound to a group, ascending.
pub fn ids_bound_to_group(conn: &Connection, group_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT privilege_id FROM privilege_groups WHERE group_id = ?1 ORDER BY privilege_id",
        [group_id],
    )
}

fn set_groups(conn: &Connection, privilege_id: i64, group_ids: &[i64]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM privilege_groups WHERE privilege_id = ?1", [privilege_id])?;
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO privilege_groups (privilege_id, group_id) VALUES (?1, ?2)")?;
    for g in group_ids {
        stmt.execute([privilege_id, *g])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    fn get(conn: &Connection, id: i64) -> Result<Option<PrivilegeRow>, StoreError> {
        Ok(all(conn)?.into_iter().find(|p| p.id == id))
    }

    #[tokio::test]
    async fn write_roundtrip() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let mut row = PrivilegeRow {
            id: 0,
            name: "Operators".into(),
            builtin_name: None,
            web_shell: false,
            roles: vec!["ACCOUNT_READ".into()],
            group_ids: vec![3, 3, 2],
            description: Some("Reads accounts".into()),
            tenant_id: Some(1),
        };
        let r = row.clone();
        let id = store.write(move |tx| insert(tx, &r)).await.unwrap();
        let got = store.read(move |c| get(c, id)).await.unwrap().unwrap();
        assert_eq!(
            (got.name.as_str(), got.group_ids.as_slice()),
            ("Operators", &[2, 3][..])
        );
        row.id = id;
        row.roles = vec![];
        row.group_ids = vec![5];
        row.web_shell = true;
        row.description = None;
        row.tenant_id = None;
        let r = row.clone();
        store.write(move |tx| update(tx, &r)).await.unwrap();
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), Some(row));
        store.write(move |tx| delete(tx, id)).await.unwrap();
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), None);
        assert_eq!(store.read(all).await.unwrap().len(), 6);
    }
}

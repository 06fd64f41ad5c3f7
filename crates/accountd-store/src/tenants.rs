//! Tenants, users' access entries (a privilege in one tenant or in every tenant) and users' default tenants.

use rusqlite::{Connection, OptionalExtension};

use crate::error::StoreError;

/// The builtin tenant (Avi's `admin`).
pub const ADMIN_ID: i64 = 1;

/// A condition on the `users` table selecting the members of one tenant (an access entry in it, or in every
/// tenant), with one positional parameter, the tenant's id; answered from the access table's indexes.
pub const MEMBERS_OF_TENANT_SQL: &str = "id IN (SELECT user_id FROM user_access WHERE tenant_id = ? \
     UNION ALL SELECT user_id FROM user_access WHERE all_tenants = 1)";

/// The ids of the members of tenant `tenant_id`: users with an access entry in it or in every tenant.
pub fn member_ids(conn: &Connection, tenant_id: i64) -> Result<std::collections::HashSet<i64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT user_id FROM user_access WHERE tenant_id = ?1 UNION SELECT user_id FROM user_access WHERE all_tenants = 1",
    )?;
    let ids = stmt
        .query_map([tenant_id], |r| r.get::<_, i64>(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids)
}

/// One stored tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRow {
    /// Database id.
    pub id: i64,
    /// Unique name (case-insensitively).
    pub name: String,
    /// Free-text description.
    pub description: Option<String>,
    /// Key/value attributes, in the order given.
    pub attrs: Vec<(String, String)>,
    /// The builtin `admin` tenant.
    pub builtin: bool,
}

/// One access entry of a user: the roles of `privilege_id` in `tenant_id`, or in every tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AccessRow {
    /// The privilege whose roles are granted.
    pub privilege_id: i64,
    /// The tenant they apply in; `None` with `all_tenants`.
    pub tenant_id: Option<i64>,
    /// They apply in every tenant.
    pub all_tenants: bool,
}

fn attrs_to_json(attrs: &[(String, String)]) -> String {
    let list: Vec<serde_json::Value> = attrs
        .iter()
        .map(|(k, v)| serde_json::json!({"key": k, "value": v}))
        .collect();
    serde_json::Value::Array(list).to_string()
}

fn attrs_from_json(text: &str) -> Vec<(String, String)> {
    let Ok(serde_json::Value::Array(list)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let key = item.get("key")?.as_str()?;
            let value = item.get("value")?.as_str()?;
            Some((key.to_string(), value.to_string()))
        })
        .collect()
}

fn tenant_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<TenantRow> {
    Ok(TenantRow {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        attrs: attrs_from_json(&r.get::<_, String>(3)?),
        builtin: r.get(4)?,
    })
}

/// Every tenant, by id.
pub fn all(conn: &Connection) -> Result<Vec<TenantRow>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name, description, attrs, builtin FROM tenants ORDER BY id")?;
    let rows = stmt.query_map([], tenant_of)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The tenant with this id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<TenantRow>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name, description, attrs, builtin FROM tenants WHERE id = ?1")?;
    Ok(stmt.query_row([id], tenant_of).optional()?)
}

/// Inserts a tenant (ignoring `row.id` and `row.builtin`) and returns its id.
pub fn insert(conn: &Connection, row: &TenantRow) -> Result<i64, StoreError> {
    conn.prepare_cached("INSERT INTO tenants (name, description, attrs, builtin) VALUES (?1, ?2, ?3, 0)")?
        .execute(rusqlite::params![row.name, row.description, attrs_to_json(&row.attrs)])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces the name, description and attributes of a tenant.
pub fn update(conn: &Connection, row: &TenantRow) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE tenants SET name = ?2, description = ?3, attrs = ?4 WHERE id = ?1")?
        .execute(rusqlite::params![
            row.id,
            row.name,
            row.description,
            attrs_to_json(&row.attrs)
        ])?;
    Ok(())
}

/// Deletes a tenant (its access entries go with it).
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM tenants WHERE id = ?1", [id])?;
    Ok(())
}

/// Ids of the users referring to a tenant through an access entry or their default tenant, ascending.
pub fn users_referring_to(conn: &Connection, tenant_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT user_id FROM user_access WHERE tenant_id = ?1 \
         UNION SELECT id FROM users WHERE default_tenant = ?1 ORDER BY 1",
        [tenant_id],
    )
}

/// Ids of the privileges owned by a tenant, ascending.
pub fn privileges_owned_by(conn: &Connection, tenant_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT id FROM privileges WHERE tenant_id = ?1 ORDER BY id",
        [tenant_id],
    )
}

/// Removes every reference to a tenant: its access entries, the default tenant of users and the privileges it
/// owns (with their access entries), so that the tenant can be deleted.
pub fn remove_references(conn: &Connection, tenant_id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM user_access WHERE tenant_id = ?1", [tenant_id])?;
    conn.execute(
        "UPDATE users SET default_tenant = NULL WHERE default_tenant = ?1",
        [tenant_id],
    )?;
    conn.execute("DELETE FROM privileges WHERE tenant_id = ?1", [tenant_id])?;
    Ok(())
}

/// Ids of the users holding a privilege through an access entry, ascending.
pub fn users_granted(conn: &Connection, privilege_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT DISTINCT user_id FROM user_access WHERE privilege_id = ?1 ORDER BY user_id",
        [privilege_id],
    )
}

/// True when a privilege is granted in a tenant other than `tenant` (or in every tenant).
pub fn granted_outside(conn: &Connection, privilege_id: i64, tenant: Option<i64>) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT 1 FROM user_access WHERE privilege_id = ?1 AND (tenant_id IS NOT ?2 OR all_tenants = 1) LIMIT 1",
        )?
        .query_row(rusqlite::params![privilege_id, tenant], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The access entries of a user, in the order they were given.
pub fn access_of(conn: &Connection, user_id: i64) -> Result<Vec<AccessRow>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT privilege_id, tenant_id, all_tenants FROM user_access WHERE user_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([user_id], |r| {
            Ok(AccessRow {
                privilege_id: r.get(0)?,
                tenant_id: r.get(1)?,
                all_tenants: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every access entry, by user, in the order given (for listings).
pub fn all_access(conn: &Connection) -> Result<Vec<(i64, AccessRow)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT user_id, privilege_id, tenant_id, all_tenants FROM user_access ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                AccessRow {
                    privilege_id: r.get(1)?,
                    tenant_id: r.get(2)?,
                    all_tenants: r.get(3)?,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Replaces the access entries of a user.
pub fn set_access(conn: &Connection, user_id: i64, entries: &[AccessRow]) -> Result<(), StoreError> {
    conn.execute("DELETE FROM user_access WHERE user_id = ?1", [user_id])?;
    let mut stmt = conn.prepare_cached(
        "INSERT INTO user_access (user_id, privilege_id, tenant_id, all_tenants) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for e in entries {
        stmt.execute(rusqlite::params![user_id, e.privilege_id, e.tenant_id, e.all_tenants])?;
    }
    Ok(())
}

/// The stored default tenant of a user (`None`: not set, or no such user).
pub fn default_tenant_of(conn: &Connection, user_id: i64) -> Result<Option<i64>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT default_tenant FROM users WHERE id = ?1")?
        .query_row([user_id], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten())
}

/// Every user's stored default tenant, for the users that have one.
pub fn all_default_tenants(conn: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, default_tenant FROM users WHERE default_tenant IS NOT NULL")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Sets the default tenant of a user.
pub fn set_default_tenant(conn: &Connection, user_id: i64, tenant_id: Option<i64>) -> Result<(), StoreError> {
    conn.prepare_cached("UPDATE users SET default_tenant = ?2 WHERE id = ?1")?
        .execute(rusqlite::params![user_id, tenant_id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    fn open() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn builtin_tenant_and_privileges_are_seeded() {
        let (_d, store) = open();
        let tenants = store.read(all).await.unwrap();
        assert_eq!(
            tenants,
            [TenantRow {
                id: ADMIN_ID,
                name: "admin".into(),
                description: None,
                attrs: vec![],
                builtin: true
            }]
        );
        let privileges = store.read(crate::privileges::all).await.unwrap();
        let builtin: Vec<_> = privileges
            .iter()
            .map(|p| {
                (
                    p.builtin_name.as_deref().unwrap_or(""),
                    p.roles.join(","),
                    p.group_ids.len(),
                )
            })
            .collect();
        assert_eq!(
            builtin[3..],
            [
                ("DEFAULT", String::new(), 0),
                (
                    "TENANT_ADMINISTRATOR",
                    "ACCOUNT_WRITE,API_KEY_WRITE,PRIVILEGE_WRITE,TENANT_READ".into(),
                    0
                ),
                ("TENANT_READONLY", "ACCOUNT_READ,API_KEY_READ".into(), 0),
            ]
        );
    }

    #[test]
    fn an_existing_database_gains_the_admin_tenant_and_keeps_its_privileges() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrations::migrations().to_version(&mut conn, 11).unwrap();
        conn.execute(
            "INSERT INTO privileges (id, name, roles) VALUES (4, 'Default', '[\"ACCOUNT_READ\"]')",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO privilege_groups (privilege_id, group_id) VALUES (4, 3)",
            [],
        )
        .unwrap();
        crate::migrations::migrate(&mut conn).unwrap();
        assert_eq!(all(&conn).unwrap().len(), 1);
        let privileges = crate::privileges::all(&conn).unwrap();
        let names: Vec<_> = privileges
            .iter()
            .map(|p| (p.id, p.name.as_str(), p.builtin_name.as_deref(), p.group_ids.clone()))
            .collect();
        assert_eq!(
            names[3..],
            [
                (4, "Default (4)", None, vec![3]),
                (5, "Default", Some("DEFAULT"), vec![]),
                (6, "Tenant Administrator", Some("TENANT_ADMINISTRATOR"), vec![]),
                (7, "Tenant Read-Only", Some("TENANT_READONLY"), vec![]),
            ]
        );
        assert_eq!(privileges[3].roles, ["ACCOUNT_READ"]);
        assert!(privileges.iter().all(|p| p.tenant_id.is_none()));
        let entries: i64 = conn
            .query_row("SELECT count(*) FROM user_access", [], |r| r.get(0))
            .unwrap();
        assert_eq!(entries, 0);
    }

    #[test]
    fn the_membership_filter_is_answered_from_the_access_indexes() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrations::migrate(&mut conn).unwrap();
        let sql = format!("EXPLAIN QUERY PLAN SELECT id FROM users WHERE (1) AND {MEMBERS_OF_TENANT_SQL}");
        let mut stmt = conn.prepare(&sql).unwrap();
        let plan: Vec<String> = stmt
            .query_map([2], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let text = plan.join("\n");
        assert!(text.contains("user_access_tenant"), "{text}");
        assert!(text.contains("user_access_all_tenants"), "{text}");
        assert!(!text.contains("SCAN user_access"), "{text}");
    }

    #[tokio::test]
    async fn access_entries_roundtrip_and_references() {
        let (_d, store) = open();
        let t = store
            .write(|tx| {
                let row = TenantRow {
                    id: 0,
                    name: "Acme".into(),
                    description: Some("d".into()),
                    attrs: vec![("k".into(), "v".into())],
                    builtin: false,
                };
                insert(tx, &row)
            })
            .await
            .unwrap();
        let got = store.read(move |c| get(c, t)).await.unwrap().unwrap();
        assert_eq!((got.name.as_str(), got.attrs.len()), ("Acme", 1));
        // Same name in another case: refused by the schema too.
        let dup = store
            .write(|tx| {
                let row = TenantRow {
                    id: 0,
                    name: "ACME".into(),
                    description: None,
                    attrs: vec![],
                    builtin: false,
                };
                insert(tx, &row)
            })
            .await;
        assert!(matches!(dup, Err(e) if e.is_unique_violation()));
        let entries = vec![
            AccessRow {
                privilege_id: 5,
                tenant_id: Some(t),
                all_tenants: false,
            },
            AccessRow {
                privilege_id: 6,
                tenant_id: None,
                all_tenants: true,
            },
        ];
        let e = entries.clone();
        store
            .write(move |tx| {
                set_access(tx, 1, &e)?;
                set_default_tenant(tx, 2, Some(t))
            })
            .await
            .unwrap();
        assert_eq!(store.read(|c| access_of(c, 1)).await.unwrap(), entries);
        assert_eq!(store.read(move |c| users_referring_to(c, t)).await.unwrap(), [1, 2]);
        // A duplicate entry is refused by the unique index.
        let dup = store
            .write(|tx| {
                let e = AccessRow {
                    privilege_id: 6,
                    tenant_id: None,
                    all_tenants: true,
                };
                set_access(tx, 3, &[e, e])
            })
            .await;
        assert!(matches!(dup, Err(e) if e.is_unique_violation()));
        store.write(move |tx| remove_references(tx, t)).await.unwrap();
        assert_eq!(
            store.read(move |c| users_referring_to(c, t)).await.unwrap(),
            Vec::<i64>::new()
        );
        assert_eq!(store.read(|c| access_of(c, 1)).await.unwrap(), entries[1..]);
        store.write(move |tx| delete(tx, t)).await.unwrap();
        assert_eq!(store.read(all).await.unwrap().len(), 1);
    }
}

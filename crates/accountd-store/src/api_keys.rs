//! The `api_keys` table: API keys bound to users. Only a salted hash of each key's secret is stored.

use rusqlite::{Connection, Row, ToSql};

use crate::error::StoreError;

/// One stored API key.
#[derive(Clone, PartialEq)]
pub struct ApiKeyRow {
    /// Database id (0 when not yet inserted); the key on the wire starts with it (`<id>-<secret>`).
    pub id: i64,
    /// Unique display name.
    pub name: String,
    /// Owner's user database id.
    pub user_id: i64,
    /// PHC string of the secret part of the key.
    pub key_hash: String,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Expiry, ms since the epoch (whole seconds); `None` never expires.
    pub expires_at: Option<i64>,
    /// Revoked: the key no longer logs in.
    pub revoked: bool,
    /// Why the key was revoked.
    pub revoked_reason: Option<String>,
}

impl std::fmt::Debug for ApiKeyRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyRow")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("user_id", &self.user_id)
            .field("created_at", &self.created_at)
            .field("expires_at", &self.expires_at)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

const COLUMNS: &str = "id, name, user_id, key_hash, created_at, expires_at, revoked, revoked_reason";

fn from_row(r: &Row<'_>) -> rusqlite::Result<ApiKeyRow> {
    Ok(ApiKeyRow {
        id: r.get(0)?,
        name: r.get(1)?,
        user_id: r.get(2)?,
        key_hash: r.get(3)?,
        created_at: r.get(4)?,
        expires_at: r.get(5)?,
        revoked: r.get(6)?,
        revoked_reason: r.get(7)?,
    })
}

fn select(conn: &Connection, where_sql: &str, args: &[&dyn rusqlite::ToSql]) -> Result<Vec<ApiKeyRow>, StoreError> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys WHERE {where_sql} ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(args, from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The key with this id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<ApiKeyRow>, StoreError> {
    Ok(select(conn, "id = ?1", &[&id])?.into_iter().next())
}

/// The key with this name.
pub fn by_name(conn: &Connection, name: &str) -> Result<Option<ApiKeyRow>, StoreError> {
    Ok(select(conn, "name = ?1", &[&name])?.into_iter().next())
}

/// Keys matching an SQL condition over the `api_keys` columns (`"1"` for all), each with its owner's name.
pub fn with_owner(
    conn: &Connection,
    where_sql: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<(ApiKeyRow, Option<String>)>, StoreError> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT username FROM users WHERE users.id = api_keys.user_id) \
         FROM api_keys WHERE {where_sql} ORDER BY id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(args, |r| Ok((from_row(r)?, r.get(8)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Ids of one user's keys, ascending (the `api_keys` field of one entry, by index).
pub fn ids_of_user(conn: &Connection, user_id: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT id FROM api_keys WHERE user_id = ?1 ORDER BY id",
        [user_id],
    )
}

/// Every `(user_id, key_id)` pair, by key id (for the `api_keys` field of user entries).
pub fn ids_by_user(conn: &Connection) -> Result<Vec<(i64, i64)>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT user_id, id FROM api_keys ORDER BY id")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The columns `insert` and `update` write, as `?1..?7` in this order.
fn column_params(row: &ApiKeyRow) -> [&dyn ToSql; 7] {
    [
        &row.name,
        &row.user_id,
        &row.key_hash,
        &row.created_at,
        &row.expires_at,
        &row.revoked,
        &row.revoked_reason,
    ]
}

/// Inserts a key (ignoring `row.id`) and returns its id.
pub fn insert(conn: &Connection, row: &ApiKeyRow) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO api_keys (name, user_id, key_hash, created_at, expires_at, revoked, revoked_reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(&column_params(row)[..])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces every column of an existing key.
pub fn update(conn: &Connection, row: &ApiKeyRow) -> Result<(), StoreError> {
    let mut params: Vec<&dyn ToSql> = column_params(row).to_vec();
    params.push(&row.id);
    conn.prepare_cached(
        "UPDATE api_keys SET name = ?1, user_id = ?2, key_hash = ?3, created_at = ?4, expires_at = ?5, \
         revoked = ?6, revoked_reason = ?7 WHERE id = ?8",
    )?
    .execute(&params[..])?;
    Ok(())
}

/// Deletes a key.
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM api_keys WHERE id = ?1", [id])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    fn row(name: &str) -> ApiKeyRow {
        ApiKeyRow {
            id: 0,
            name: name.to_string(),
            user_id: 1,
            key_hash: "$argon2id$x".to_string(),
            created_at: 1000,
            expires_at: None,
            revoked: false,
            revoked_reason: None,
        }
    }

    #[tokio::test]
    async fn roundtrip_unique_names_and_cascade() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(dir.path().join("a.db"))).unwrap();
        let id = store.write(|tx| insert(tx, &row("one"))).await.unwrap();
        let dup = store.write(|tx| insert(tx, &row("one"))).await.unwrap_err();
        assert!(dup.is_unique_violation(), "{dup}");
        let mut got = store.read(move |c| get(c, id)).await.unwrap().unwrap();
        assert_eq!((got.id, got.name.as_str(), got.revoked), (id, "one", false));
        got.revoked = true;
        got.revoked_reason = Some("why".into());
        got.expires_at = Some(5000);
        let changed = got.clone();
        store.write(move |tx| update(tx, &changed)).await.unwrap();
        assert_eq!(store.read(move |c| get(c, id)).await.unwrap(), Some(got));
        assert_eq!(store.read(ids_by_user).await.unwrap(), [(1, id)]);
        let owned = store.read(|c| with_owner(c, "1", &[])).await.unwrap();
        assert_eq!(owned[0].1.as_deref(), Some("root"));
        assert!(!format!("{:?}", row("x")).contains("argon2id"));
        // Deleting the owner deletes the key.
        store
            .write(|tx| {
                tx.execute("DELETE FROM users WHERE id = 1", [])
                    .map_err(StoreError::from)
            })
            .await
            .unwrap();
        assert!(store.read(|c| select(c, "1", &[])).await.unwrap().is_empty());
    }
}

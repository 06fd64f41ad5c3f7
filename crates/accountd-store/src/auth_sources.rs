//! Authentication sources (`auth_sources`), the users they own (`user_auth_sources`) and the LDAP groups local
//! groups are linked to (`group_external`). `account_password` is sealed at rest.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};

use crate::error::StoreError;

/// The builtin source of local passwords.
pub const INTERNAL_ID: i64 = 1;

/// One stored authentication source.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuthSourceRow {
    /// Database id (0 when not yet inserted).
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// `INTERNAL` or `LDAP`.
    pub kind: String,
    /// Server host name or address.
    pub host: String,
    /// Server port.
    pub port: i64,
    /// LDAPS (TLS from the first byte).
    pub tls: bool,
    /// Check the server certificate.
    pub tls_verify: bool,
    /// PEM of the CA the server certificate is checked against (null: the system roots).
    pub ca_certificate: Option<String>,
    /// Bind DN of the service account (may contain `$login`); null: anonymous.
    pub account: Option<String>,
    /// Its password (plaintext here; sealed in the table).
    pub account_password: Option<String>,
    /// Where users are searched.
    pub base_dn: String,
    /// Where groups are searched (null: `base_dn`).
    pub groups_base: Option<String>,
    /// Filter ANDed with the login search.
    pub ldap_filter: Option<String>,
    /// Login attribute.
    pub attr_login: String,
    /// First-name attribute.
    pub attr_firstname: String,
    /// Last-name attribute.
    pub attr_lastname: String,
    /// Mail attribute.
    pub attr_mail: String,
    /// `posix`, `free_ipa` or `active_directory`.
    pub server_type: String,
    /// Unknown logins that bind create local users.
    pub onthefly_register: bool,
    /// Primary group database id of created users.
    pub default_group: Option<i64>,
    /// Sync linked groups at login.
    pub usergroup_sync: bool,
    /// Read netgroups.
    pub use_netgroups: bool,
    /// Connect and operation timeout, seconds.
    pub timeout: i64,
    /// `HEALTHY` or `FAULTED`.
    pub status: String,
    /// Why, when faulted.
    pub status_msg: String,
}

const COLUMNS: &str = "id, name, type, host, port, tls, tls_verify, ca_certificate, account, \
    unseal(account_password, 'auth_sources.account_password'), base_dn, groups_base, ldap_filter, attr_login, \
    attr_firstname, attr_lastname, attr_mail, server_type, onthefly_register, default_group, usergroup_sync, \
    use_netgroups, timeout, status, status_msg";

fn from_row(r: &Row<'_>) -> rusqlite::Result<AuthSourceRow> {
    Ok(AuthSourceRow {
        id: r.get(0)?,
        name: r.get(1)?,
        kind: r.get(2)?,
        host: r.get(3)?,
        port: r.get(4)?,
        tls: r.get(5)?,
        tls_verify: r.get(6)?,
        ca_certificate: r.get(7)?,
        account: r.get(8)?,
        account_password: r.get(9)?,
        base_dn: r.get(10)?,
        groups_base: r.get(11)?,
        ldap_filter: r.get(12)?,
        attr_login: r.get(13)?,
        attr_firstname: r.get(14)?,
        attr_lastname: r.get(15)?,
        attr_mail: r.get(16)?,
        server_type: r.get(17)?,
        onthefly_register: r.get(18)?,
        default_group: r.get(19)?,
        usergroup_sync: r.get(20)?,
        use_netgroups: r.get(21)?,
        timeout: r.get(22)?,
        status: r.get(23)?,
        status_msg: r.get(24)?,
    })
}

/// Every source, by id.
pub fn all(conn: &Connection) -> Result<Vec<AuthSourceRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM auth_sources ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The source with this id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<AuthSourceRow>, StoreError> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM auth_sources WHERE id = ?1"))?;
    Ok(stmt.query_row([id], from_row).optional()?)
}

/// The id of the source named `name`.
pub fn id_by_name(conn: &Connection, name: &str) -> Result<Option<i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id FROM auth_sources WHERE name = ?1")?;
    Ok(stmt.query_row([name], |r| r.get(0)).optional()?)
}

/// The configurable columns of a source, in the order of `?1`..`?21` in [`insert`] and [`update`]
/// (`account_password`, the 8th, is sealed by the statements).
fn config_params(row: &AuthSourceRow) -> [&dyn ToSql; 21] {
    [
        &row.name,
        &row.host,
        &row.port,
        &row.tls,
        &row.tls_verify,
        &row.ca_certificate,
        &row.account,
        &row.account_password,
        &row.base_dn,
        &row.groups_base,
        &row.ldap_filter,
        &row.attr_login,
        &row.attr_firstname,
        &row.attr_lastname,
        &row.attr_mail,
        &row.server_type,
        &row.onthefly_register,
        &row.default_group,
        &row.usergroup_sync,
        &row.use_netgroups,
        &row.timeout,
    ]
}

/// Inserts a source (ignoring `row.id`, `status`, `status_msg`) and returns its id.
pub fn insert(conn: &Connection, row: &AuthSourceRow) -> Result<i64, StoreError> {
    let mut values = config_params(row).to_vec();
    values.push(&row.kind);
    conn.prepare_cached(
        "INSERT INTO auth_sources (name, host, port, tls, tls_verify, ca_certificate, account, account_password, \
         base_dn, groups_base, ldap_filter, attr_login, attr_firstname, attr_lastname, attr_mail, server_type, \
         onthefly_register, default_group, usergroup_sync, use_netgroups, timeout, type) VALUES (?1, ?2, ?3, ?4, \
         ?5, ?6, ?7, seal(?8, 'auth_sources.account_password'), ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, \
         ?19, ?20, ?21, ?22)",
    )?
    .execute(&values[..])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces every configurable column of an existing source (not its type or status).
pub fn update(conn: &Connection, row: &AuthSourceRow) -> Result<(), StoreError> {
    let mut values = config_params(row).to_vec();
    values.push(&row.id);
    conn.prepare_cached(
        "UPDATE auth_sources SET name = ?1, host = ?2, port = ?3, tls = ?4, tls_verify = ?5, ca_certificate = ?6, \
         account = ?7, account_password = seal(?8, 'auth_sources.account_password'), base_dn = ?9, \
         groups_base = ?10, ldap_filter = ?11, attr_login = ?12, attr_firstname = ?13, attr_lastname = ?14, \
         attr_mail = ?15, server_type = ?16, onthefly_register = ?17, default_group = ?18, usergroup_sync = ?19, \
         use_netgroups = ?20, timeout = ?21 WHERE id = ?22",
    )?
    .execute(&values[..])?;
    Ok(())
}

/// Deletes a source (its group links go with it).
pub fn delete(conn: &Connection, id: i64) -> Result<(), StoreError> {
    conn.execute("DELETE FROM auth_sources WHERE id = ?1", [id])?;
    Ok(())
}

/// Sets the status of a source; true when it changed.
pub fn set_status(conn: &Connection, id: i64, status: &str, message: &str) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE auth_sources SET status = ?2, status_msg = ?3 WHERE id = ?1 AND (status <> ?2 OR status_msg <> ?3)",
        )?
        .execute(params![id, status, message])?;
    Ok(changed > 0)
}

/// Number of users of a source.
pub fn user_count(conn: &Connection, source: i64) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT count(*) FROM user_auth_sources WHERE auth_source_id = ?1")?;
    Ok(stmt.query_row([source], |r| r.get(0))?)
}

/// Ids of the users of a source, ascending.
pub fn users_of(conn: &Connection, source: i64) -> Result<Vec<i64>, StoreError> {
    crate::column::integers(
        conn,
        "SELECT user_id FROM user_auth_sources WHERE auth_source_id = ?1 ORDER BY user_id",
        [source],
    )
}

/// The source of a user ([`INTERNAL_ID`] when none is recorded).
pub fn source_of_user(conn: &Connection, user_id: i64) -> Result<i64, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT auth_source_id FROM user_auth_sources WHERE user_id = ?1")?;
    Ok(stmt
        .query_row([user_id], |r| r.get(0))
        .optional()?
        .unwrap_or(INTERNAL_ID))
}

/// Sets the source of a user.
pub fn set_source_of_user(conn: &Connection, user_id: i64, source: i64) -> Result<(), StoreError> {
    if source == INTERNAL_ID {
        conn.prepare_cached("DELETE FROM user_auth_sources WHERE user_id = ?1")?
            .execute([user_id])?;
    } else {
        conn.prepare_cached(
            "INSERT INTO user_auth_sources (user_id, auth_source_id) VALUES (?1, ?2) \
             ON CONFLICT (user_id) DO UPDATE SET auth_source_id = excluded.auth_source_id",
        )?
        .execute([user_id, source])?;
    }
    Ok(())
}

/// The source of every user that is not Internal's.
pub fn sources_by_user(conn: &Connection) -> Result<HashMap<i64, i64>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT user_id, auth_source_id FROM user_auth_sources")?;
    let pairs = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok(pairs)
}

/// Every source's name by id.
pub fn names(conn: &Connection) -> Result<HashMap<i64, String>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM auth_sources")?;
    let pairs = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok(pairs)
}

/// The LDAP groups a local group is linked to: `(source id, name)`, ordered.
pub fn links_of_group(conn: &Connection, group_id: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT auth_source_id, name FROM group_external WHERE group_id = ?1 ORDER BY auth_source_id, name",
    )?;
    let links = stmt
        .query_map([group_id], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(links)
}

/// Every link: `(group id, source id, name)`.
pub fn all_links(conn: &Connection) -> Result<Vec<(i64, i64, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_id, auth_source_id, name FROM group_external ORDER BY group_id, auth_source_id, name",
    )?;
    let links = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(links)
}

/// Replaces the links of a local group.
pub fn set_links(conn: &Connection, group_id: i64, links: &[(i64, String)]) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM group_external WHERE group_id = ?1")?
        .execute([group_id])?;
    let mut stmt = conn
        .prepare_cached("INSERT OR IGNORE INTO group_external (group_id, auth_source_id, name) VALUES (?1, ?2, ?3)")?;
    for (source, name) in links {
        stmt.execute(params![group_id, source, name])?;
    }
    Ok(())
}

/// The local groups linked to groups of a source: `(group id, LDAP group name)`.
pub fn links_of_source(conn: &Connection, source: i64) -> Result<Vec<(i64, String)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT group_id, name FROM group_external WHERE auth_source_id = ?1 ORDER BY group_id, name",
    )?;
    let links = stmt
        .query_map([source], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(links)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Store, StoreOptions};

    #[tokio::test]
    async fn password_is_sealed_at_rest_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let store = Store::open(&StoreOptions::new(db.clone())).unwrap();
        let row = AuthSourceRow {
            name: "corp".into(),
            kind: "LDAP".into(),
            host: "ldap.example.org".into(),
            port: 389,
            account_password: Some("bind-secret".into()),
            base_dn: "dc=example,dc=org".into(),
            attr_login: "uid".into(),
            server_type: "posix".into(),
            timeout: 10,
            ..AuthSourceRow::default()
        };
        let r = row.clone();
        let id = store.write(move |tx| insert(tx, &r)).await.unwrap();
        let got = store.read(move |c| get(c, id)).await.unwrap().unwrap();
        assert_eq!(got.account_password.as_deref(), Some("bind-secret"));
        assert_eq!(got.status, "HEALTHY");
        let raw: String = rusqlite::Connection::open(&db)
            .unwrap()
            .query_row("SELECT account_password FROM auth_sources WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap();
        assert!(raw.starts_with(crate::secrets::SEALED_PREFIX), "{raw}");
        assert!(
            store
                .write(move |tx| set_status(tx, id, "FAULTED", "down"))
                .await
                .unwrap()
        );
        assert!(
            !store
                .write(move |tx| set_status(tx, id, "FAULTED", "down"))
                .await
                .unwrap()
        );
        let names = store.read(names).await.unwrap();
        assert_eq!(names.get(&INTERNAL_ID).map(String::as_str), Some("Internal"));
    }
}

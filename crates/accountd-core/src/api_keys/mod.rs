//! API keys (`api_key.*`): keys that log a connection in as their owner. A key is `<id>-<secret>`; only an
//! argon2id hash of the secret is stored (see [`secret`]), and it is shown to the caller once, by
//! `api_key.create` or `api_key.update` with `reset`.

mod login;
mod secret;
mod write;

use accountd_api::Role;
use accountd_api::types::api_key::ApiKeyEntry;
use accountd_api::types::common::{REDACTED, Timestamp};
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_store::api_keys::{self, ApiKeyRow};
use accountd_store::{Connection, StoreError};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::error::Error;
use crate::querying;

/// The wire entry of a stored key. `keyhash` is always `********`: the hash never leaves the store.
pub(crate) fn entry_of(row: &ApiKeyRow, username: Option<String>) -> ApiKeyEntry {
    ApiKeyEntry {
        id: row.id,
        name: row.name.clone(),
        username,
        user_identifier: row.user_id,
        keyhash: REDACTED.to_string(),
        created_at: Timestamp { ms: row.created_at },
        expires_at: row.expires_at.map(|ms| Timestamp { ms }),
        local: true,
        revoked: row.revoked,
        revoked_reason: row.revoked_reason.clone(),
    }
}

/// Entries of the keys matching an SQL condition.
fn load(
    conn: &Connection,
    where_sql: &str,
    args: &[&dyn accountd_store::ToSql],
) -> Result<Vec<ApiKeyEntry>, StoreError> {
    Ok(api_keys::with_owner(conn, where_sql, args)?
        .into_iter()
        .map(|(row, username)| entry_of(&row, username))
        .collect())
}

/// The serialized entry of one key, for change events (`None` when it is gone).
pub(crate) fn entry_value(conn: &Connection, id: i64) -> Option<Value> {
    let entry = load(conn, "id = ?1", &[&id]).ok()?.pop()?;
    serde_json::to_value(entry).ok()
}

impl Accounts {
    /// `api_key.query`: the keys of the users `caller` reaches with API_KEY_READ (a tenant-scoped reader: the
    /// keys of the members of the session's tenant).
    pub async fn api_key_query(
        &self,
        caller: &Caller,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<ApiKeyEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let reach = authz::users_reached_with(caller, Role::ApiKeyRead);
        let entries = self
            .store()
            .read(move |conn| {
                let mut entries = load(conn, "1", &[])?;
                crate::tenants::retain_reached(conn, reach, &mut entries, |e| e.user_identifier)?;
                Ok::<_, StoreError>(entries)
            })
            .await?;
        querying::answer(entries, &query)
    }

    /// `api_key.get_instance`.
    pub async fn api_key_get_instance(
        &self,
        caller: &Caller,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<ApiKeyEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.api_key_query(caller, &filters, &options).await, || not_found(id))
    }

    /// `api_key.my_keys`: the caller's own keys.
    pub async fn api_key_my_keys(&self, caller: &Caller) -> Result<Vec<ApiKeyEntry>, Error> {
        let user_id = caller.user_id;
        Ok(self
            .store()
            .read(move |conn| load(conn, "user_id = ?1", &[&user_id]))
            .await?)
    }

    /// One key's entry.
    pub async fn api_key_entry(&self, id: i64) -> Result<Option<ApiKeyEntry>, Error> {
        Ok(self
            .store()
            .read(move |conn| load(conn, "id = ?1", &[&id]))
            .await?
            .pop())
    }
}

/// The id part of a key `<id>-<secret>`, if it has one.
pub fn key_id(key: &str) -> Option<i64> {
    secret::parse_key(key).map(|(id, _)| id)
}

/// TrueNAS `InstanceNotFound` of an API key.
fn not_found(id: i64) -> Error {
    Error::not_found(format!("ApiKey {id} does not exist"))
}

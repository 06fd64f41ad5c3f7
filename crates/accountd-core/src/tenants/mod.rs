//! Tenants (`tenant.*`, `tenants-and-roles.md`): Avi's tenants, Foreman's organizations and locations. Users are
//! members of a tenant through access entries; privileges may be owned by one. The builtin tenant 1 `admin`
//! comes from the schema.

mod rules;
mod session;
mod write;

use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_api::types::tenant::{TenantAttr, TenantEntry};
use accountd_store::tenants::{self, TenantRow};
use accountd_store::{Connection, StoreError};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::error::Error;
use crate::querying;

/// Keeps the entries of `entries` whose user (`user_of`) is within `reach`: all of them, those of the members
/// of a tenant, or none.
pub(crate) fn retain_reached<T>(
    conn: &Connection,
    reach: authz::UserReach,
    entries: &mut Vec<T>,
    user_of: impl Fn(&T) -> i64,
) -> Result<(), StoreError> {
    match reach {
        authz::UserReach::Every => {}
        authz::UserReach::MembersOf(tenant) => {
            let members = tenants::member_ids(conn, tenant.0)?;
            entries.retain(|e| members.contains(&user_of(e)));
        }
        authz::UserReach::Nobody => entries.clear(),
    }
    Ok(())
}

/// The wire entry of a stored tenant.
pub fn entry_of(row: &TenantRow) -> TenantEntry {
    TenantEntry {
        id: row.id,
        name: row.name.clone(),
        description: row.description.clone(),
        attrs: row
            .attrs
            .iter()
            .map(|(key, value)| TenantAttr {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
        builtin: row.builtin,
    }
}

/// The serialized entry of one tenant, for change events (`None` when it is gone).
pub(crate) fn entry_value(conn: &Connection, id: i64) -> Option<Value> {
    let row = tenants::get(conn, id).ok()??;
    serde_json::to_value(entry_of(&row)).ok()
}

/// TrueNAS `InstanceNotFound` of a tenant (also the answer for a tenant the caller has no access in).
pub(crate) fn not_found(id: i64) -> Error {
    Error::not_found(format!("Tenant {id} does not exist"))
}

/// The tenants `caller` may see, read in one transaction with the caller's own access entries.
fn visible(conn: &Connection, caller: &Caller) -> Result<Vec<TenantRow>, StoreError> {
    let view = authz::tenants_visible_to(caller, &tenants::access_of(conn, caller.user_id)?);
    Ok(tenants::all(conn)?
        .into_iter()
        .filter(|t| view.includes(t.id))
        .collect())
}

impl Accounts {
    /// `tenant.query`: the tenants the caller may see.
    pub async fn tenant_query(
        &self,
        caller: &Caller,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<TenantEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let caller = caller.clone();
        let rows = self.store().read(move |conn| visible(conn, &caller)).await?;
        querying::answer(rows.iter().map(entry_of).collect(), &query)
    }

    /// `tenant.get_instance`.
    pub async fn tenant_get_instance(
        &self,
        caller: &Caller,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<TenantEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.tenant_query(caller, &filters, &options).await, || not_found(id))
    }

    /// One tenant's entry.
    pub(crate) async fn tenant_entry(&self, id: i64) -> Result<TenantEntry, Error> {
        let row = self.store().read(move |conn| tenants::get(conn, id)).await?;
        row.map(|r| entry_of(&r)).ok_or_else(|| not_found(id))
    }

    /// The name of a tenant, for the audit log (any caller).
    pub async fn tenant_name(&self, id: i64) -> Option<String> {
        self.tenant_entry(id).await.ok().map(|t| t.name)
    }
}

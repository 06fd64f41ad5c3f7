//! Privileges (`privilege.*`): roles and web shell access granted to the members of local groups. Users' and
//! groups' `roles` and sessions' roles are derived from these; writes bump the roles generation, so live
//! sessions see a change at their next call.

mod rules;
mod write;

pub use rules::DEFAULT;

use std::collections::{BTreeSet, HashMap};

use accountd_api::types::privilege::PrivilegeEntry;
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_store::groups::GroupRow;
use accountd_store::privileges::{self, PrivilegeRow};
use accountd_store::{Connection, StoreError};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::entry::Directory;
use crate::error::Error;
use crate::querying;

fn entry_of(dir: &Directory, groups: &HashMap<i64, GroupRow>, row: &PrivilegeRow) -> PrivilegeEntry {
    PrivilegeEntry {
        id: row.id,
        builtin_name: row.builtin_name.clone(),
        name: row.name.clone(),
        local_groups: row
            .group_ids
            .iter()
            .filter_map(|id| groups.get(id))
            .map(|g| dir.group_entry(g))
            .collect(),
        ds_groups: Vec::new(),
        allowlist: Vec::new(),
        roles: row.roles.clone(),
        web_shell: row.web_shell,
        description: row.description.clone(),
        tenant: row.tenant_id,
    }
}

fn load(conn: &Connection, id: Option<i64>) -> Result<Vec<PrivilegeEntry>, StoreError> {
    let rows: Vec<PrivilegeRow> = privileges::all(conn)?
        .into_iter()
        .filter(|p| id.is_none_or(|id| p.id == id))
        .collect();
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    // Only the bound groups and their members: not every group and membership of the system.
    let bound: BTreeSet<i64> = rows.iter().flat_map(|r| r.group_ids.iter().copied()).collect();
    let mut groups = HashMap::new();
    for id in bound {
        if let Some(group) = accountd_store::groups::get(conn, id)? {
            groups.insert(id, group);
        }
    }
    let group_rows: Vec<GroupRow> = groups.values().cloned().collect();
    let dir = Directory::load_for_groups(conn, &group_rows)?;
    Ok(rows.iter().map(|r| entry_of(&dir, &groups, r)).collect())
}

/// The serialized entry of one privilege, for change events (`None` when it is gone).
pub(crate) fn entry_value(conn: &Connection, id: i64) -> Option<Value> {
    let entry = load(conn, Some(id)).ok()?.pop()?;
    serde_json::to_value(entry).ok()
}

/// TrueNAS `InstanceNotFound` of a privilege.
fn not_found(id: i64) -> Error {
    Error::not_found(format!("Privilege {id} does not exist"))
}

impl Accounts {
    /// `privilege.query`.
    pub async fn privilege_query(
        &self,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<PrivilegeEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let entries = self.store().read(|conn| load(conn, None)).await?;
        querying::answer(entries, &query)
    }

    /// `privilege.get_instance`.
    pub async fn privilege_get_instance(
        &self,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<PrivilegeEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.privilege_query(&filters, &options).await, || not_found(id))
    }

    /// One privilege's entry.
    pub(crate) async fn privilege_entry(&self, id: i64) -> Result<PrivilegeEntry, Error> {
        self.store()
            .read(move |conn| load(conn, Some(id)))
            .await?
            .pop()
            .ok_or_else(|| not_found(id))
    }
}

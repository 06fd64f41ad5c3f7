//! `group.*` services.

mod idmap;
mod password_users;
mod write;

use accountd_api::types::group::{GetGroupObjQuery, GroupEntry, GroupObj};
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_query::{Column, ColumnKind};
use accountd_store::groups::{self, GroupRow};
use accountd_store::{StoreError, ToSql, users};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::entry::Directory;
use crate::error::{Error, ValidationErrors};
use crate::querying;

/// Columns of the `groups` table that filters may be pushed down to.
const GROUP_COLUMNS: &[Column] = &[
    Column {
        field: "id",
        sql: "id",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "gid",
        sql: "gid",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "name",
        sql: "name",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "group",
        sql: "name",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "builtin",
        sql: "builtin",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    Column {
        field: "smb",
        sql: "smb",
        kind: ColumnKind::Bool,
        nullable: false,
    },
];

impl Accounts {
    /// `group.query`.
    pub async fn group_query(
        &self,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<GroupEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let plan = accountd_query::plan_sql(&query.filters, GROUP_COLUMNS);
        let params = querying::sql_params(&plan);
        let entries: Vec<GroupEntry> = self
            .store()
            .read(move |conn| {
                let args: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
                let rows = groups::select(conn, &plan.where_sql, &args)?;
                let dir = Directory::load_for_groups(conn, &rows)?;
                Ok::<_, StoreError>(rows.iter().map(|g| dir.group_entry(g)).collect())
            })
            .await?;
        querying::answer(entries, &query)
    }

    /// `group.get_instance`.
    pub async fn group_get_instance(&self, id: i64, options: &WireOptions) -> Result<Instance<GroupEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.group_query(&filters, &options).await, || {
            Error::not_found(format!("Group {id} does not exist"))
        })
    }

    /// `group.get_next_gid`.
    pub async fn group_get_next_gid(&self) -> Result<i64, Error> {
        let used = self.store().read(groups::used_gids).await?;
        Ok(crate::users::validate::next_free_id(&used, &[]))
    }

    /// `group.get_group_obj`.
    pub async fn group_get_group_obj(&self, query: GetGroupObjQuery) -> Result<GroupObj, Error> {
        let mut errs = ValidationErrors::new();
        let name = query.groupname.clone().filter(|n| !n.is_empty());
        if name.is_none() && query.gid.is_none() {
            errs.add(
                "get_group_obj.groupname",
                "Either \"groupname\" or \"gid\" must be specified",
            );
        }
        if name.is_some() && query.gid.is_some() {
            errs.add(
                "get_group_obj.groupname",
                "\"groupname\" and \"gid\" may not be simultaneously specified",
            );
        }
        errs.check()?;
        let lookup = name.clone();
        let gid = query.gid;
        let found: Option<(GroupRow, Vec<String>, Option<String>)> = self
            .store()
            .read(move |conn| {
                let row = match (&lookup, gid) {
                    (Some(n), _) => groups::by_name(conn, n)?,
                    (None, Some(g)) => groups::by_gid(conn, g)?,
                    (None, None) => None,
                };
                let Some(row) = row else {
                    return Ok::<_, StoreError>(None);
                };
                let members = groups::aux_members(conn, row.id)?
                    .into_iter()
                    .filter_map(|id| users::get(conn, id).ok().flatten().map(|u| u.username))
                    .collect();
                let dir = Directory::load_for_groups(conn, std::slice::from_ref(&row))?;
                let sid = dir.group_entry(&row).sid;
                Ok(Some((row, members, sid)))
            })
            .await?;
        let Some((row, members, sid)) = found else {
            return Err(Error::Exception(match name {
                Some(n) => format!("'{n}: group with this name does not exist'"),
                None => format!("'{}: group with this id does not exist'", gid.unwrap_or_default()),
            }));
        };
        Ok(GroupObj {
            gr_name: row.name,
            gr_gid: row.gid,
            gr_mem: members,
            sid: if query.sid_info { sid } else { None },
            source: "LOCAL".to_string(),
            local: true,
        })
    }
}

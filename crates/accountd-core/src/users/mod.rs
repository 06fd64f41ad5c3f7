//! `user.*` services.

mod access;
mod account;
pub(crate) mod admins;
mod create;
mod delete;
mod email;
mod guard;
pub mod names;
mod password;
mod point_read;
pub mod present;
pub mod profile;
mod uid_reservations;
mod update;
pub(crate) mod validate;
mod webshare;

use std::collections::BTreeMap;

use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_api::types::user::{GetUserObjQuery, UserEntry, UserObj};
use accountd_query::{Column, ColumnKind};
use accountd_store::tenants;
use accountd_store::users::{self, UserRow};
use accountd_store::{Connection, StoreError, ToSql};
use serde_json::Value;

use crate::accounts::Accounts;
use crate::authz;
use crate::caller::Caller;
use crate::entry::{Directory, builtin};
use crate::error::{Error, ValidationErrors};
use crate::querying;
use crate::read_cache::UserKey;
pub(crate) use email::email_error;
pub(crate) use password::set_password_fields;
pub use uid_reservations::PER_SESSION as UID_RESERVATIONS_PER_SESSION;
pub(crate) use uid_reservations::UidReservations;

pub use present::present_user;

/// Columns of the `users` table that filters may be pushed down to.
const USER_COLUMNS: &[Column] = &[
    Column {
        field: "id",
        sql: "id",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "uid",
        sql: "uid",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "username",
        sql: "username",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "home",
        sql: "home",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "shell",
        sql: "shell",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "full_name",
        sql: "full_name",
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
    Column {
        field: "locked",
        sql: "locked",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    Column {
        field: "password_disabled",
        sql: "password_disabled",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    Column {
        field: "ssh_password_enabled",
        sql: "ssh_password_enabled",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    Column {
        field: "email",
        sql: "email",
        kind: ColumnKind::Text,
        nullable: true,
    },
    Column {
        field: "account_profile",
        sql: "account_profile",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "default_tenant",
        sql: "default_tenant",
        kind: ColumnKind::Integer,
        nullable: true,
    },
];

/// Reads the rows of one page of a pushdown plan and assembles their entries (on a reader thread).
fn load_entries(
    conn: &Connection,
    where_sql: &str,
    params: &[accountd_store::rusqlite_types::Value],
    page: (&str, i64, i64),
    now_ms: i64,
    home_root: &std::path::Path,
) -> Result<Vec<UserEntry>, StoreError> {
    let args: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
    let (order_sql, limit, offset) = page;
    let rows = users::select_page(conn, where_sql, &args, order_sql, limit, offset)?;
    let dir = Directory::load_for_users(conn, &rows)?;
    Ok(rows.iter().map(|r| dir.user_entry(r, now_ms, home_root)).collect())
}

/// The one user these filters can match, when they are exactly one case-sensitive `=` on a unique column
/// (`id`, `uid` or `username`) with a value of the column's type: such a query is a point read.
fn point_key(filters: &[accountd_query::Filter]) -> Option<UserKey> {
    let [
        accountd_query::Filter::Cond {
            path,
            op: accountd_query::Op::Eq,
            case_insensitive: false,
            value,
            date: false,
        },
    ] = filters
    else {
        return None;
    };
    if !path.is_simple() {
        return None;
    }
    match (path.first_segment(), value) {
        ("id", Value::Number(n)) => n.as_i64().map(UserKey::Id),
        ("uid", Value::Number(n)) => n.as_i64().map(UserKey::Uid),
        ("username", Value::String(name)) => Some(UserKey::Username(name.clone())),
        _ => None,
    }
}

/// The answer of a query SQLite answered completely (exact filters, final order and page, no `select`): the
/// entries as they are, with no JSON tree built for the engine (the server serializes them straight to text).
fn answered_by_sql(entries: Vec<UserEntry>, get: bool) -> Result<QueryAnswer<UserEntry>, Error> {
    if get {
        let first = entries.into_iter().next().ok_or_else(querying::match_not_found)?;
        Ok(QueryAnswer::One(first))
    } else {
        Ok(QueryAnswer::Entries(entries))
    }
}

/// TrueNAS `InstanceNotFound` of a user.
fn not_found(id: i64) -> Error {
    Error::not_found(format!("User {id} does not exist"))
}

impl Accounts {
    /// `user.query`: the entries whole (the server hides their secrets from callers who may not see them);
    /// filters and `select` see them as `caller` may.
    pub async fn user_query(
        &self,
        caller: &Caller,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<UserEntry>, Error> {
        let mut query = querying::parse(filters, options)?;
        let mut plan = accountd_query::plan_sql(&query.filters, USER_COLUMNS);
        let mut params = querying::sql_params(&plan);
        // A tenant-scoped reader: only the members of the session's tenant, decided in SQL through the indexed
        // access table (the membership of a point read is checked on its entry).
        let reach = authz::users_readable_by(caller);
        match reach {
            authz::UserReach::Every => {}
            authz::UserReach::MembersOf(tenant) => {
                plan.where_sql = format!("({}) AND {}", plan.where_sql, tenants::MEMBERS_OF_TENANT_SQL);
                params.push(accountd_store::rusqlite_types::Value::Integer(tenant.0));
            }
            authz::UserReach::Nobody => plan.where_sql = "0".to_string(),
        }
        let (order_sql, limit, offset, complete) = match querying::pushdown(&plan, &mut query.options, USER_COLUMNS) {
            querying::Page::Count => {
                let n = self
                    .store()
                    .read(move |conn| {
                        let args: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
                        users::count(conn, &plan.where_sql, &args)
                    })
                    .await?;
                return Ok(QueryAnswer::Count(u64::try_from(n).map_err(Error::internal)?));
            }
            querying::Page::Rows {
                order_sql,
                limit,
                offset,
                complete,
            } => (order_sql, limit, offset, complete),
        };
        let entries = match point_key(&query.filters) {
            // At most one user matches: ordering cannot matter, and the page is that user or nothing.
            Some(key) if offset == 0 && limit != 0 => self
                .user_point_read(key)
                .await?
                .into_iter()
                .filter(|e| reach.includes(&e.access))
                .collect(),
            _ => {
                let now = self.now_ms();
                let home_root = self.config().home_root.clone();
                self.store()
                    .read(move |conn| {
                        load_entries(
                            conn,
                            &plan.where_sql,
                            &params,
                            (&order_sql, limit, offset),
                            now,
                            &home_root,
                        )
                    })
                    .await?
            }
        };
        if complete && query.options.select.is_empty() {
            return answered_by_sql(entries, query.options.get);
        }
        querying::answer_seen_as(entries, &query, |e| present_user(e, Some(caller)))
    }

    /// `user.get_instance`.
    pub async fn user_get_instance(
        &self,
        caller: &Caller,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<UserEntry>, Error> {
        // Without options this is the point read itself: what `user.query` would do, minus parsing and planning.
        let plain = options.extra.is_empty()
            && options.order_by.is_empty()
            && options.select.is_empty()
            && !options.count
            && options.offset == 0
            && options.limit == 0;
        if plain {
            let reach = authz::users_readable_by(caller);
            return match self.user_point_read(UserKey::Id(id)).await? {
                Some(entry) if reach.includes(&entry.access) => Ok(Instance(QueryAnswer::One(entry))),
                _ => Err(not_found(id)),
            };
        }
        let (filters, options) = querying::instance_query(id, options);
        querying::or_not_found(self.user_query(caller, &filters, &options).await, || not_found(id)).map(Instance)
    }

    /// One user's entry, unredacted (for internal use and for building results).
    pub async fn user_entry(&self, id: i64) -> Result<Option<UserEntry>, Error> {
        self.user_point_read(UserKey::Id(id)).await
    }

    /// `user.get_next_uid`: reserves the returned uid for the configured time, for the caller's session (which
    /// holds at most a few: see [`UID_RESERVATIONS_PER_SESSION`]).
    pub async fn user_get_next_uid(&self, caller: &Caller) -> Result<i64, Error> {
        let used = self.store().read(users::used_uids).await?;
        let now = self.now_ms();
        let mut reservations = self.inner.uid_reservations.lock().map_err(Error::internal)?;
        let uid = validate::next_free_id(&used, &reservations.live(now));
        let until = now.saturating_add(self.config().uid_reservation.as_millis() as i64);
        reservations.reserve(uid, until, caller.session_id.clone(), now);
        Ok(uid)
    }

    /// uids reserved by `user.get_next_uid` and not yet expired.
    pub(crate) fn reserved_uids(&self) -> Vec<i64> {
        let now = self.now_ms();
        self.inner
            .uid_reservations
            .lock()
            .map(|r| r.live(now))
            .unwrap_or_default()
    }

    pub(crate) fn release_uid(&self, uid: i64) {
        if let Ok(mut r) = self.inner.uid_reservations.lock() {
            r.release(uid);
        }
    }

    /// `user.shell_choices`.
    pub async fn user_shell_choices(&self, group_ids: Vec<i64>) -> Result<BTreeMap<String, String>, Error> {
        Ok(self
            .store()
            .read(move |conn| validate::shell_choices_for(conn, &group_ids))
            .await?)
    }

    /// `user.get_user_obj`.
    pub async fn user_get_user_obj(&self, query: GetUserObjQuery) -> Result<UserObj, Error> {
        let mut errs = ValidationErrors::new();
        let username = query.username.clone().filter(|u| !u.is_empty());
        if username.is_none() && query.uid.is_none() {
            errs.add(
                "get_user_obj.username",
                "Either \"username\" or \"uid\" must be specified.",
            );
        }
        if username.is_some() && query.uid.is_some() {
            errs.add(
                "get_user_obj.username",
                "\"username\" and \"uid\" may not be simultaneously specified",
            );
        }
        errs.check()?;
        // TrueNAS's synthetic unprivileged root of containers: no account row, always the same answer.
        if username.as_deref() == Some(builtin::CONTAINER_ROOT_NAME) || query.uid == Some(builtin::CONTAINER_ROOT_UID) {
            return Ok(UserObj {
                pw_name: builtin::CONTAINER_ROOT_NAME.to_string(),
                pw_gecos: "Unprivileged root user for containers".to_string(),
                pw_dir: crate::home::DEFAULT_HOME.to_string(),
                pw_shell: crate::shells::NOLOGIN.to_string(),
                pw_uid: builtin::CONTAINER_ROOT_UID,
                pw_gid: builtin::CONTAINER_ROOT_UID,
                grouplist: None,
                sid: None,
                source: "LOCAL".to_string(),
                local: true,
            });
        }
        let lookup_name = username.clone();
        let found: Option<(UserRow, Vec<i64>, Option<String>)> = self
            .store()
            .read(move |conn| {
                let row = match (&lookup_name, query.uid) {
                    (Some(name), _) => users::by_username(conn, name)?,
                    (None, Some(uid)) => users::by_uid(conn, uid)?,
                    (None, None) => None,
                };
                let Some(row) = row else {
                    return Ok::<_, StoreError>(None);
                };
                let dir = Directory::load_for_users(conn, std::slice::from_ref(&row))?;
                let gids = dir
                    .user_group_ids(&row)
                    .iter()
                    .filter_map(|id| dir.group(*id).map(|g| g.gid))
                    .collect();
                let sid = row.smb.then(|| format!("{}-{}", dir.server_sid(), 20000 + row.id));
                Ok(Some((row, gids, sid)))
            })
            .await?;
        let Some((row, gids, sid)) = found else {
            return Err(Error::Exception(match username {
                Some(name) => format!("'{name}: user with this name does not exist'"),
                None => format!("'{}: user with this id does not exist'", query.uid.unwrap_or_default()),
            }));
        };
        let pw_gid = gids.first().copied().unwrap_or_default();
        Ok(UserObj {
            pw_name: row.username,
            pw_gecos: row.full_name,
            pw_dir: row.home,
            pw_shell: row.shell,
            pw_uid: row.uid,
            pw_gid,
            grouplist: query.get_groups.then_some(gids),
            sid: if query.sid_info { sid } else { None },
            source: "LOCAL".to_string(),
            local: true,
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn key_of(filters: Value) -> Option<UserKey> {
        point_key(&accountd_query::parse_filters(&filters).unwrap())
    }

    #[test]
    fn point_reads_are_single_equalities_on_unique_columns() {
        let cases = [
            (json!([["id", "=", 5]]), Some(UserKey::Id(5))),
            (json!([["uid", "=", 3000]]), Some(UserKey::Uid(3000))),
            (
                json!([["username", "=", "alice"]]),
                Some(UserKey::Username("alice".into())),
            ),
            (json!([["id", "=", 5.0]]), None),
            (json!([["id", "=", "5"]]), None),
            (json!([["id", "!=", 5]]), None),
            (json!([["id", ">=", 5]]), None),
            (json!([["username", "C=", "alice"]]), None),
            (json!([["full_name", "=", "alice"]]), None),
            (json!([["id", "=", 5], ["uid", "=", 3000]]), None),
            (json!([["OR", [[["id", "=", 5]], [["id", "=", 6]]]]]), None),
            (json!([]), None),
        ];
        for (filters, expected) in cases {
            assert_eq!(key_of(filters.clone()), expected, "{filters}");
        }
    }
}

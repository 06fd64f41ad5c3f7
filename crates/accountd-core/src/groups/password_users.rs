//! `group.has_password_enabled_user` and `group.get_password_enabled_users`: which members of some groups can
//! log in with a password (TrueNAS `plugins/account_/builtin_administrator.py`).

use accountd_api::types::user::UserEntry;
use accountd_store::users::UserRow;
use accountd_store::{Connection, StoreError, groups, users};

use crate::accounts::Accounts;
use crate::entry::Directory;
use crate::error::Error;
use crate::users::admins::can_log_in_with_password;

/// The members (primary or auxiliary) of the groups with these gids who can log in with a password, without
/// `exclude`. `known` maps gids to database ids instead of the database (`(id, gid)` pairs).
fn password_enabled_members(
    conn: &Connection,
    gids: &[i64],
    exclude: &[i64],
    known: Option<&[(i64, i64)]>,
) -> Result<Vec<UserRow>, StoreError> {
    let group_ids: Vec<i64> = match known {
        Some(pairs) => pairs
            .iter()
            .filter(|(_, gid)| gids.contains(gid))
            .map(|(id, _)| *id)
            .collect(),
        None => {
            let mut ids = Vec::new();
            for gid in gids {
                if let Some(g) = groups::by_gid(conn, *gid)? {
                    ids.push(g.id);
                }
            }
            ids
        }
    };
    Ok(users::members_of_groups(conn, &group_ids)?
        .into_iter()
        .filter(|u| !exclude.contains(&u.id) && can_log_in_with_password(u))
        .collect())
}

impl Accounts {
    /// `group.has_password_enabled_user`.
    pub async fn group_has_password_enabled_user(&self, gids: Vec<i64>, exclude: Vec<i64>) -> Result<bool, Error> {
        Ok(self
            .store()
            .read(move |conn| Ok::<_, StoreError>(!password_enabled_members(conn, &gids, &exclude, None)?.is_empty()))
            .await?)
    }

    /// `group.get_password_enabled_users`: the users' entries, whole (the server hides their secrets from
    /// callers who may not see them).
    pub async fn group_get_password_enabled_users(
        &self,
        gids: Vec<i64>,
        exclude: Vec<i64>,
        known: Option<Vec<(i64, i64)>>,
    ) -> Result<Vec<UserEntry>, Error> {
        let now = self.now_ms();
        let home_root = self.config().home_root.clone();
        self.store()
            .read(move |conn| {
                let rows = password_enabled_members(conn, &gids, &exclude, known.as_deref())?;
                let dir = Directory::load_for_users(conn, &rows)?;
                Ok::<_, StoreError>(
                    rows.iter()
                        .map(|r| dir.user_entry(r, now, &home_root))
                        .collect::<Vec<_>>(),
                )
            })
            .await
            .map_err(Error::from)
    }
}

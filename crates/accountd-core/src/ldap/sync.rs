//! Group sync: the directory decides membership of every local group linked to the user's source (and of no
//! other group); `group.refresh_external` re-syncs one linked group for all of the source's users.

use std::collections::BTreeSet;

use accountd_api::types::auth_source::ExternalGroup;
use accountd_store::{Transaction, auth_sources, users};

use super::directory::{self, DirectoryUser};
use crate::accounts::Accounts;
use crate::error::{Error, ValidationErrors, errno};
use crate::events::ChangeSet;

/// Makes `user_id`'s memberships of the local groups linked to `source` follow `ldap_groups` (names compared
/// without regard to case, as LDAP compares `cn`); `only_group` limits it to one local group. A user's primary
/// group is never removed. Returns whether anything changed.
pub(crate) fn sync_groups(
    tx: &Transaction<'_>,
    user_id: i64,
    source: i64,
    ldap_groups: &[String],
    only_group: Option<i64>,
    changes: &mut ChangeSet,
) -> Result<bool, Error> {
    let Some(user) = users::get(tx, user_id)? else {
        return Ok(false);
    };
    let mut wanted: BTreeSet<i64> = BTreeSet::new();
    let mut linked: BTreeSet<i64> = BTreeSet::new();
    for (group, name) in auth_sources::links_of_source(tx, source)? {
        if only_group.is_some_and(|g| g != group) {
            continue;
        }
        linked.insert(group);
        if ldap_groups.iter().any(|l| l.eq_ignore_ascii_case(&name)) {
            wanted.insert(group);
        }
    }
    let before = users::aux_groups(tx, user_id)?;
    let mut after: Vec<i64> = before
        .iter()
        .copied()
        .filter(|g| !linked.contains(g) || wanted.contains(g))
        .collect();
    for g in &wanted {
        if !after.contains(g) && *g != user.group_id {
            after.push(*g);
        }
    }
    after.sort_unstable();
    let mut old = before.clone();
    old.sort_unstable();
    if after == old {
        return Ok(false);
    }
    users::set_aux_groups(tx, user_id, &after)?;
    changes.user_changed(user_id);
    for g in old
        .iter()
        .filter(|g| !after.contains(g))
        .chain(after.iter().filter(|g| !old.contains(g)))
    {
        changes.group_members_changed(*g);
    }
    Ok(true)
}

/// Applies a successful login's directory data: full name and email from non-blank attributes, then the
/// groups (when read).
pub(crate) fn refresh_user(
    tx: &Transaction<'_>,
    user_id: i64,
    source: i64,
    found: &DirectoryUser,
    changes: &mut ChangeSet,
) -> Result<(), Error> {
    let Some(mut row) = users::get(tx, user_id)? else {
        return Ok(());
    };
    let before = row.clone();
    if let Some(name) = found.full_name() {
        row.full_name = name;
    }
    if let Some(mail) = &found.mail {
        row.email = Some(mail.clone());
    }
    if row != before {
        users::update(tx, &row)?;
        changes.user_changed(user_id);
    }
    if let Some(groups) = &found.groups {
        sync_groups(tx, user_id, source, groups, None, changes)?;
    }
    Ok(())
}

impl Accounts {
    /// `group.refresh_external`: re-reads, with each linked source's service account, which of the source's
    /// users are in the linked LDAP groups, and sets the local group's membership of those users to match.
    pub async fn group_refresh_external(&self, id: i64) -> Result<bool, Error> {
        let (links, exists) = self
            .store()
            .read(move |conn| {
                Ok::<_, accountd_store::StoreError>((
                    auth_sources::links_of_group(conn, id)?,
                    accountd_store::groups::get(conn, id)?.is_some(),
                ))
            })
            .await?;
        if !exists {
            return Err(Error::not_found(format!("Group {id} does not exist")));
        }
        if links.is_empty() {
            return Err(Error::call(
                errno::EINVAL,
                format!("Group {id} is not linked to an external group"),
            ));
        }
        let sources: BTreeSet<i64> = links.iter().map(|(s, _)| *s).collect();
        for source in sources {
            let row = self.auth_source_row(source).await?;
            let members = self
                .store()
                .read(move |conn| {
                    let mut out = Vec::new();
                    for user in auth_sources::users_of(conn, source)? {
                        if let Some(u) = users::get(conn, user)? {
                            out.push((u.id, u.username));
                        }
                    }
                    Ok::<_, accountd_store::StoreError>(out)
                })
                .await?;
            let logins: Vec<String> = members.iter().map(|(_, name)| name.clone()).collect();
            let found = match directory::lookup_users(&row, &logins).await {
                Ok(found) => {
                    self.record_status(&row, None).await;
                    found
                }
                Err(failure) => {
                    self.record_status(&row, Some(&failure)).await;
                    return Err(Error::call(errno::EFAULT, failure.message()));
                }
            };
            self.write_changes(move |tx, changes| {
                for ((user, _), found) in members.iter().zip(found) {
                    let groups = found.and_then(|f| f.groups).unwrap_or_default();
                    sync_groups(tx, *user, source, &groups, Some(id), changes)?;
                }
                Ok(())
            })
            .await?;
        }
        tracing::info!(group_id = id, "group memberships refreshed from the directory");
        Ok(true)
    }
}

impl Accounts {
    /// Checks links of a local group to LDAP groups (`{schema}.external_groups.N`): the source exists and is an
    /// LDAP source, and the group exists in its directory, unless the source is FAULTED (then the link is
    /// accepted unchecked).
    pub async fn check_external_groups(&self, schema: &str, links: &[ExternalGroup]) -> Result<(), Error> {
        let mut errs = ValidationErrors::new();
        for (i, link) in links.iter().enumerate() {
            let source = link.auth_source;
            let row = self.store().read(move |conn| auth_sources::get(conn, source)).await?;
            let Some(row) = row.filter(|r| r.kind == super::LDAP) else {
                errs.add_errno(
                    format!("{schema}.external_groups.{i}.auth_source"),
                    format!("Authentication source {source} does not exist or is not an LDAP source"),
                    errno::ENOENT,
                );
                continue;
            };
            if row.status == super::FAULTED {
                continue;
            }
            match directory::group_exists(&row, &link.name).await {
                Ok(true) => {}
                Ok(false) => errs.add(
                    format!("{schema}.external_groups.{i}.name"),
                    format!("{} is not found in the authentication source", link.name),
                ),
                Err(failure) => self.record_status(&row, Some(&failure)).await,
            }
        }
        errs.check()
    }
}

/// Replaces a local group's links (inside the group's write).
pub(crate) fn set_links(tx: &Transaction<'_>, group_id: i64, links: &[ExternalGroup]) -> Result<(), Error> {
    let pairs: Vec<(i64, String)> = links.iter().map(|l| (l.auth_source, l.name.clone())).collect();
    auth_sources::set_links(tx, group_id, &pairs)?;
    Ok(())
}

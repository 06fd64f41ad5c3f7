//! Change events: every committed write publishes what it added, changed or removed, in commit order, for
//! `core.subscribe` subscribers.

use std::sync::Arc;

use accountd_api::Method;
use accountd_api::methods::{
    account_profile::AccountProfileQuery, api_key::ApiKeyQuery, auth_source::AuthSourceQuery, group::GroupQuery,
    privilege::PrivilegeQuery, tenant::TenantQuery, user::UserQuery,
};
use accountd_store::Connection;
use accountd_store::{groups, users};
use serde_json::Value;
use tokio::sync::broadcast;

use crate::caller::Caller;
use crate::entry::Directory;
use crate::sessions::effects::{CredentialEffect, RecordedEffect};

/// Collection name of user events: the query method's name, from the method table.
pub const USERS: &str = UserQuery::NAME;
/// Collection name of group events.
pub const GROUPS: &str = GroupQuery::NAME;
/// Collection name of privilege events.
pub const PRIVILEGES: &str = PrivilegeQuery::NAME;
/// Collection name of API key events (entries never carry key hashes).
pub const API_KEYS: &str = ApiKeyQuery::NAME;
/// Collection name of authentication source events (entries never carry the bind password).
pub const AUTH_SOURCES: &str = AuthSourceQuery::NAME;
/// Collection name of account profile events.
pub const ACCOUNT_PROFILES: &str = AccountProfileQuery::NAME;
/// Collection name of tenant events.
pub const TENANTS: &str = TenantQuery::NAME;
/// Collection name of login activity events (`user.activity.query`).
pub const USER_ACTIVITY: &str = accountd_api::methods::activity::UserActivityQuery::NAME;

/// What happened to an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    /// Created.
    Added,
    /// Changed.
    Changed,
    /// Deleted.
    Removed,
}

impl ChangeKind {
    /// The wire `msg`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Changed => "changed",
            ChangeKind::Removed => "removed",
        }
    }
}

/// One committed change.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// `user.query` or `group.query`.
    pub collection: &'static str,
    /// What happened.
    pub kind: ChangeKind,
    /// Database id of the entry.
    pub id: i64,
    /// The full, unredacted entry after the change (added and changed only); redact per subscriber.
    pub fields: Option<Value>,
}

/// The entries one transaction touched.
#[derive(Debug, Default, Clone)]
pub struct ChangeSet {
    users: Vec<(i64, ChangeKind)>,
    groups: Vec<(i64, ChangeKind)>,
    privileges: Vec<(i64, ChangeKind)>,
    api_keys: Vec<(i64, ChangeKind)>,
    auth_sources: Vec<(i64, ChangeKind)>,
    account_profiles: Vec<(i64, ChangeKind)>,
    tenants: Vec<(i64, ChangeKind)>,
    /// A group's own row changed: the entries of its primary members embed it, and those members are not
    /// recorded.
    group_rows_changed: bool,
    /// What the transaction did to live credentials (applied to sessions after the commit).
    credential_effects: Vec<RecordedEffect>,
}

fn note(list: &mut Vec<(i64, ChangeKind)>, id: i64, kind: ChangeKind) {
    match list.iter_mut().find(|(i, _)| *i == id) {
        Some((_, k)) => {
            *k = match (*k, kind) {
                (ChangeKind::Removed, _) | (_, ChangeKind::Removed) => ChangeKind::Removed,
                (ChangeKind::Added, _) => ChangeKind::Added,
                (_, new) => new,
            }
        }
        None => list.push((id, kind)),
    }
}

impl ChangeSet {
    /// A user was created.
    pub fn user_added(&mut self, id: i64) {
        note(&mut self.users, id, ChangeKind::Added);
    }
    /// A user changed (its row or its memberships).
    pub fn user_changed(&mut self, id: i64) {
        note(&mut self.users, id, ChangeKind::Changed);
    }
    /// A user was deleted.
    pub fn user_removed(&mut self, id: i64) {
        note(&mut self.users, id, ChangeKind::Removed);
    }
    /// A group was created.
    pub fn group_added(&mut self, id: i64) {
        note(&mut self.groups, id, ChangeKind::Added);
    }
    /// A group's own row changed (name, sudo commands, SMB, id mapping, or the roles it grants): the entries
    /// of its members may differ too.
    pub fn group_changed(&mut self, id: i64) {
        note(&mut self.groups, id, ChangeKind::Changed);
        self.group_rows_changed = true;
    }
    /// A group's member list changed and nothing else of it; every user who joined or left is recorded as a
    /// user added, changed or removed by the same transaction.
    pub fn group_members_changed(&mut self, id: i64) {
        note(&mut self.groups, id, ChangeKind::Changed);
    }
    /// A group was deleted.
    pub fn group_removed(&mut self, id: i64) {
        note(&mut self.groups, id, ChangeKind::Removed);
    }

    /// A privilege was created.
    pub fn privilege_added(&mut self, id: i64) {
        note(&mut self.privileges, id, ChangeKind::Added);
    }
    /// A privilege changed.
    pub fn privilege_changed(&mut self, id: i64) {
        note(&mut self.privileges, id, ChangeKind::Changed);
    }
    /// A privilege was deleted.
    pub fn privilege_removed(&mut self, id: i64) {
        note(&mut self.privileges, id, ChangeKind::Removed);
    }
    /// An API key was created.
    pub fn api_key_added(&mut self, id: i64) {
        note(&mut self.api_keys, id, ChangeKind::Added);
    }
    /// An API key changed (renamed, reset, expiry, revoked).
    pub fn api_key_changed(&mut self, id: i64) {
        note(&mut self.api_keys, id, ChangeKind::Changed);
    }
    /// An API key was deleted.
    pub fn api_key_removed(&mut self, id: i64) {
        note(&mut self.api_keys, id, ChangeKind::Removed);
    }
    /// An authentication source was created.
    pub fn auth_source_added(&mut self, id: i64) {
        note(&mut self.auth_sources, id, ChangeKind::Added);
    }
    /// An authentication source changed (its settings or status; a rename records its users too).
    pub fn auth_source_changed(&mut self, id: i64) {
        note(&mut self.auth_sources, id, ChangeKind::Changed);
    }
    /// An authentication source was deleted.
    pub fn auth_source_removed(&mut self, id: i64) {
        note(&mut self.auth_sources, id, ChangeKind::Removed);
    }

    /// An account profile was created.
    pub fn account_profile_added(&mut self, id: i64) {
        note(&mut self.account_profiles, id, ChangeKind::Added);
    }
    /// An account profile changed (its users' `password_change_required` may differ).
    pub fn account_profile_changed(&mut self, id: i64) {
        note(&mut self.account_profiles, id, ChangeKind::Changed);
    }
    /// An account profile was deleted.
    pub fn account_profile_removed(&mut self, id: i64) {
        note(&mut self.account_profiles, id, ChangeKind::Removed);
    }

    /// A tenant was created.
    pub fn tenant_added(&mut self, id: i64) {
        note(&mut self.tenants, id, ChangeKind::Added);
    }
    /// A tenant changed.
    pub fn tenant_changed(&mut self, id: i64) {
        note(&mut self.tenants, id, ChangeKind::Changed);
    }
    /// A tenant was deleted (the users whose access entries or default tenant referred to it are recorded).
    pub fn tenant_removed(&mut self, id: i64) {
        note(&mut self.tenants, id, ChangeKind::Removed);
    }

    /// The transaction invalidated credentials: `effect` is applied to live sessions after the commit, sparing
    /// the session `caller` called from.
    pub fn credentials_affected(&mut self, effect: CredentialEffect, caller: Option<&Caller>) {
        self.credential_effects.push(RecordedEffect {
            effect,
            acting_session: caller.and_then(|c| c.session_id.clone()),
        });
    }

    /// The credential effects recorded, in order.
    pub(crate) fn credential_effects(&self) -> &[RecordedEffect] {
        &self.credential_effects
    }

    /// True when nothing was touched.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.groups.is_empty()
            && self.privileges.is_empty()
            && self.api_keys.is_empty()
            && self.auth_sources.is_empty()
            && self.account_profiles.is_empty()
            && self.tenants.is_empty()
    }

    /// The users whose entries (`user.query`) may differ after this transaction, when the records prove that
    /// no other entry can: `None` when nothing was recorded (the change's reach is unknown), when a privilege
    /// changed (roles of any member of its groups), when an account profile changed (its users'
    /// `password_change_required`), or when a group's own row changed (its primary members embed it). Everything else reaches only recorded users:
    /// - users added, changed (row, memberships, 2FA, API keys) or removed;
    /// - groups added (only users recorded here can refer to a new group) or whose members changed (the users
    ///   who joined or left are recorded);
    /// - groups removed (their members are recorded, as changed or removed, by whoever removes them);
    /// - API keys (an entry lists its owner's key ids; adding or removing a key records the owner, and a key's
    ///   other fields are in no user entry);
    /// - authentication sources (a user entry shows its source's name: a rename records the source's users);
    /// - tenants (user entries name tenants by id; deleting one records the users that referred to it).
    pub(crate) fn affected_user_entries(&self) -> Option<Vec<i64>> {
        let provable = !self.is_empty()
            && self.privileges.is_empty()
            && self.account_profiles.is_empty()
            && !self.group_rows_changed;
        provable.then(|| self.users.iter().map(|(id, _)| *id).collect())
    }

    /// Builds the events from the committed state (runs on the writer thread right after the commit).
    pub(crate) fn events(&self, conn: &Connection, now_ms: i64, home_root: &std::path::Path) -> Vec<ChangeEvent> {
        let mut out = Vec::new();
        for &(id, kind) in &self.groups {
            let row = if kind == ChangeKind::Removed {
                None
            } else {
                groups::get(conn, id).ok().flatten()
            };
            let fields = row.and_then(|row| {
                let dir = Directory::load_for_groups(conn, std::slice::from_ref(&row)).ok()?;
                serde_json::to_value(dir.group_entry(&row)).ok()
            });
            out.push(event(GROUPS, kind, id, fields));
        }
        for &(id, kind) in &self.users {
            let row = if kind == ChangeKind::Removed {
                None
            } else {
                users::get(conn, id).ok().flatten()
            };
            let fields = row.and_then(|row| {
                let dir = Directory::load_for_users(conn, std::slice::from_ref(&row)).ok()?;
                serde_json::to_value(dir.user_entry(&row, now_ms, home_root)).ok()
            });
            out.push(event(USERS, kind, id, fields));
        }
        for &(id, kind) in &self.privileges {
            let fields = (kind != ChangeKind::Removed)
                .then(|| crate::privileges::entry_value(conn, id))
                .flatten();
            out.push(event(PRIVILEGES, kind, id, fields));
        }
        for &(id, kind) in &self.api_keys {
            let fields = (kind != ChangeKind::Removed)
                .then(|| crate::api_keys::entry_value(conn, id))
                .flatten();
            out.push(event(API_KEYS, kind, id, fields));
        }
        for &(id, kind) in &self.auth_sources {
            let fields = (kind != ChangeKind::Removed)
                .then(|| crate::ldap::entry_value(conn, id))
                .flatten();
            out.push(event(AUTH_SOURCES, kind, id, fields));
        }
        for &(id, kind) in &self.account_profiles {
            let fields = (kind != ChangeKind::Removed)
                .then(|| crate::account_profiles::entry_value(conn, id))
                .flatten();
            out.push(event(ACCOUNT_PROFILES, kind, id, fields));
        }
        for &(id, kind) in &self.tenants {
            let fields = (kind != ChangeKind::Removed)
                .then(|| crate::tenants::entry_value(conn, id))
                .flatten();
            out.push(event(TENANTS, kind, id, fields));
        }
        out
    }
}

fn event(collection: &'static str, kind: ChangeKind, id: i64, fields: Option<Value>) -> ChangeEvent {
    // An entry that could not be read back after commit is gone.
    let kind = if kind != ChangeKind::Removed && fields.is_none() {
        ChangeKind::Removed
    } else {
        kind
    };
    ChangeEvent {
        collection,
        kind,
        id,
        fields: if kind == ChangeKind::Removed { None } else { fields },
    }
}

/// Fan-out of committed changes to every subscribed connection. Sending never blocks: a receiver that falls
/// more than the capacity behind loses events and is told so by `recv`.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<Arc<ChangeEvent>>,
}

impl EventBus {
    /// A bus keeping at most `capacity` undelivered events per receiver.
    pub fn new(capacity: usize) -> Self {
        EventBus {
            tx: broadcast::channel(capacity.max(1)).0,
        }
    }

    /// A new receiver of every event published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<ChangeEvent>> {
        self.tx.subscribe()
    }

    /// True when some connection may receive events (building events nobody receives is skipped).
    pub fn has_receivers(&self) -> bool {
        self.tx.receiver_count() > 0
    }

    /// Publishes events (no receivers is fine).
    pub fn publish(&self, events: Vec<ChangeEvent>) {
        for e in events {
            let _ = self.tx.send(Arc::new(e));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_combine_within_a_transaction() {
        let cases = [
            (vec![ChangeKind::Added, ChangeKind::Changed], ChangeKind::Added),
            (vec![ChangeKind::Changed, ChangeKind::Changed], ChangeKind::Changed),
            (vec![ChangeKind::Changed, ChangeKind::Removed], ChangeKind::Removed),
            (vec![ChangeKind::Added, ChangeKind::Removed], ChangeKind::Removed),
            (vec![ChangeKind::Removed, ChangeKind::Changed], ChangeKind::Removed),
        ];
        for (sequence, expected) in cases {
            let mut list = Vec::new();
            for k in &sequence {
                note(&mut list, 7, *k);
            }
            assert_eq!(list, [(7, expected)], "{sequence:?}");
        }
    }

    #[test]
    fn user_entries_reached_are_known_unless_a_group_row_or_privilege_changed() {
        type Record = fn(&mut ChangeSet);
        let known: [(&str, Record, &[i64]); 7] = [
            (
                "users changed",
                |c| {
                    c.user_changed(3);
                    c.user_changed(4)
                },
                &[3, 4],
            ),
            (
                "a user created with a new primary group",
                |c| {
                    c.group_added(8);
                    c.user_added(5);
                    c.group_members_changed(8);
                    c.group_members_changed(2)
                },
                &[5],
            ),
            (
                "a user deleted with its group",
                |c| {
                    c.user_removed(5);
                    c.group_members_changed(2);
                    c.group_removed(8)
                },
                &[5],
            ),
            (
                "an API key created",
                |c| {
                    c.api_key_added(9);
                    c.user_changed(3)
                },
                &[3],
            ),
            ("an API key renamed", |c| c.api_key_changed(9), &[]),
            ("an empty group created", |c| c.group_added(8), &[]),
            (
                "a user moved to another group",
                |c| {
                    c.user_changed(3);
                    c.group_members_changed(2);
                    c.group_members_changed(8)
                },
                &[3],
            ),
        ];
        for (what, record, users) in known {
            let mut set = ChangeSet::default();
            record(&mut set);
            assert_eq!(set.affected_user_entries().as_deref(), Some(users), "{what}");
        }
        let unknown: [(&str, Record); 5] = [
            ("nothing recorded", |_| {}),
            ("a group renamed", |c| c.group_changed(5)),
            ("a group renamed with members", |c| {
                c.group_changed(5);
                c.user_changed(3)
            }),
            ("a privilege created", |c| c.privilege_added(5)),
            ("a privilege's groups changed", |c| {
                c.privilege_changed(5);
                c.user_changed(3)
            }),
        ];
        for (what, record) in unknown {
            let mut set = ChangeSet::default();
            record(&mut set);
            assert_eq!(set.affected_user_entries(), None, "{what}");
        }
    }
}

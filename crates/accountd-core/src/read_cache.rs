//! The in-memory read model for point reads: unredacted user entries by id, with the usernames and uids that
//! lead to them, so that a warm `user.get_instance(id)` (and `user.query` on `id`, `uid` or
//! `username` `=`) is answered on the async runtime, without SQLite and without a hop to a reader thread.
//!
//! Correctness rests on these rules:
//!
//! - **Invalidation after commit, before the reply.** [`Accounts::write_changes`](crate::Accounts) calls
//!   [`ReadCache::after_commit`] in its after-commit hook, which runs on the writer thread before the write's
//!   caller is answered. So once a write's reply is sent, no later read finds the old entry. A write drops
//!   the entries of the users its change set names when the change set proves no other entry can differ
//!   (`ChangeSet::affected_user_entries`), and everything otherwise. Writes that change nothing an entry
//!   shows go through `Accounts::write_outside_entries`, which accounts for the commit and drops nothing.
//! - **Every commit counts, whatever its path.** The store counts its commits ([`Store::commits`]), and the
//!   counter moves before any write is answered. The cache remembers up to which commit it has accounted
//!   for; a lookup or an insert that sees a commit it has not accounted for (a write that went through
//!   neither, e.g. a test writing rows directly) drops everything first. So the scoped invalidation
//!   above is only ever applied when the write in hand is the only one since the last accounting.
//! - **A generation against in-flight reads.** A reader takes [`ReadCache::generation`] before it reads
//!   SQLite, and [`ReadCache::insert_user`] stores the entry only if nothing was invalidated and nothing
//!   committed since (checked under the lock; every invalidation bumps the generation under the same lock).
//!   An entry read from a snapshot older than some commit is therefore never stored after that commit.
//! - **Nothing the store does not know.** Entries are cached unredacted (redaction is per caller and applied on
//!   the way out). `password_age` depends on the clock and is recomputed on every hit. Entries whose
//!   `sshpubkey` comes from a file in a managed home directory are not cached, because that file can change
//!   without a write.
//!
//! Memory is bounded by a capacity; beyond it the oldest insertions are evicted first. Entries are kept in
//! MessagePack's compact form (fields by position, no names) and decoded on each hit: about 400 bytes a user
//! with the indexes, against about 1.4 KB for an assembled entry, so that every user of a large directory fits.
//!
//! [`Store::commits`]: accountd_store::Store::commits

use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::watch;

use accountd_api::types::user::UserEntry;

/// Default number of user entries kept: every user of directories up to this size.
pub const DEFAULT_CAPACITY: usize = 200_000;

/// Cached user entries and their generation.
#[derive(Debug)]
pub(crate) struct ReadCache {
    capacity: usize,
    state: Mutex<State>,
    /// Counts the times every entry was dropped, for whoever refills the cache.
    clears: watch::Sender<u64>,
    /// Hashes usernames for the username index, with keys of its own.
    username_hasher: RandomState,
}

#[derive(Debug, Default)]
struct State {
    /// Bumped by every invalidation.
    generation: u64,
    /// The store's commit count that the entries account for: every commit up to it has been invalidated.
    commits: u64,
    /// Insertion counter, to tell a live slot from an evicted or replaced one in `order`.
    next_seq: u64,
    users: HashMap<i64, Slot>,
    /// Hash of the username -> id (the entry's own username is checked on every hit, so a collision is at
    /// worst a miss).
    by_username: HashMap<u64, i64>,
    by_uid: HashMap<i64, i64>,
    /// (id, seq) in insertion order, for eviction; may hold pairs whose slot is gone.
    order: VecDeque<(i64, u64)>,
}

#[derive(Debug)]
struct Slot {
    seq: u64,
    keys: Keys,
    /// The entry, MessagePack-encoded.
    encoded: Box<[u8]>,
}

/// Entries encoded for the cache, back to back in one buffer (made by [`ReadCache::encoder`]). A fill encodes
/// a chunk of users on a reader thread, among the assembled entries it then frees; the entries get allocations
/// of their own only when they are stored, all together, so that they do not end up scattered over memory that
/// was freed around them.
#[derive(Debug)]
pub(crate) struct EncodedUsers {
    username_hasher: RandomState,
    bytes: Vec<u8>,
    /// Each entry's id, its keys and where its bytes end, in order.
    users: Vec<(i64, Keys, usize)>,
}

/// The keys besides the id that lead to an entry.
#[derive(Debug, Clone, Copy)]
struct Keys {
    uid: i64,
    username_hash: u64,
}

impl EncodedUsers {
    /// Encodes and appends an entry; one that cannot be encoded is left out (it is then simply not cached).
    pub(crate) fn push(&mut self, entry: &UserEntry) {
        let start = self.bytes.len();
        match rmp_serde::encode::write(&mut self.bytes, entry) {
            Ok(()) => {
                let keys = Keys {
                    uid: entry.uid,
                    username_hash: self.username_hasher.hash_one(&entry.username),
                };
                self.users.push((entry.id, keys, self.bytes.len()));
            }
            Err(e) => {
                self.bytes.truncate(start);
                tracing::warn!(user_id = entry.id, error = %e, "encoding an entry for the read cache failed");
            }
        }
    }

    /// The entries, each in a slot of its own (its insertion order is set when it is stored).
    fn into_slots(self) -> Vec<(i64, Slot)> {
        let mut start = 0;
        self.users
            .into_iter()
            .map(|(id, keys, end)| {
                let encoded = Box::from(&self.bytes[start..end]);
                start = end;
                (id, Slot { seq: 0, keys, encoded })
            })
            .collect()
    }
}

/// Entries removed from the cache under its lock, freed after it.
#[derive(Debug, Default)]
#[must_use]
struct Removed(HashMap<i64, Slot>);

impl Removed {
    fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// A key a point read may look a user up by (all three are unique in the store).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserKey {
    /// Database id.
    Id(i64),
    /// Unix uid.
    Uid(i64),
    /// Username (compared exactly, as SQLite's `COLLATE BINARY`).
    Username(String),
}

impl State {
    fn remove(&mut self, id: i64) {
        if let Some(Slot { keys, .. }) = self.users.remove(&id) {
            if self.by_username.get(&keys.username_hash) == Some(&id) {
                self.by_username.remove(&keys.username_hash);
            }
            if self.by_uid.get(&keys.uid) == Some(&id) {
                self.by_uid.remove(&keys.uid);
            }
        }
    }

    /// Stores an entry, replacing any of the same user, and evicts the oldest beyond `capacity`.
    fn insert(&mut self, id: i64, mut slot: Slot, capacity: usize) {
        self.remove(id);
        slot.seq = self.next_seq;
        self.next_seq += 1;
        let Keys { uid, username_hash } = slot.keys;
        // Another cached user may still carry this username or uid only if the store has changed since that
        // entry was read, which would have bumped the generation; drop it all the same.
        for other in [
            self.by_username.get(&username_hash).copied(),
            self.by_uid.get(&uid).copied(),
        ]
        .into_iter()
        .flatten()
        {
            self.remove(other);
        }
        self.by_username.insert(username_hash, id);
        self.by_uid.insert(uid, id);
        self.order.push_back((id, slot.seq));
        self.users.insert(id, slot);
        while self.users.len() > capacity {
            let Some((old, old_seq)) = self.order.pop_front() else {
                break;
            };
            if self.users.get(&old).is_some_and(|s| s.seq == old_seq) {
                self.remove(old);
            }
        }
        // Pairs of removed or replaced slots pile up in `order`; rebuild it before it grows past twice the
        // capacity.
        if self.order.len() > capacity.saturating_mul(2) {
            let mut live: Vec<(i64, u64)> = self.users.iter().map(|(id, s)| (*id, s.seq)).collect();
            live.sort_unstable_by_key(|(_, seq)| *seq);
            self.order = live.into();
        }
    }

    /// Removes everything if the store has committed writes this cache has not accounted for; returns what was
    /// removed (see [`State::clear`]).
    fn catch_up(&mut self, commits: u64) -> Removed {
        if commits == self.commits {
            return Removed::default();
        }
        self.generation += 1;
        self.commits = self.commits.max(commits);
        self.clear()
    }

    /// Removes every entry and returns them, to be freed once the lock is released (freeing a full cache
    /// takes milliseconds).
    fn clear(&mut self) -> Removed {
        // Replaced, not cleared: a cleared map keeps its full-size table.
        self.by_username = HashMap::new();
        self.by_uid = HashMap::new();
        self.order = VecDeque::new();
        Removed(std::mem::take(&mut self.users))
    }
}

impl ReadCache {
    /// An empty cache keeping at most `capacity` entries (0 disables it).
    pub(crate) fn new(capacity: usize) -> Self {
        ReadCache {
            capacity,
            state: Mutex::new(State::default()),
            clears: watch::Sender::new(0),
            username_hasher: RandomState::new(),
        }
    }

    /// An empty batch of entries to encode (on any thread) and then store with [`ReadCache::insert_users`].
    pub(crate) fn encoder(&self) -> EncodedUsers {
        EncodedUsers {
            username_hasher: self.username_hasher.clone(),
            bytes: Vec::new(),
            users: Vec::new(),
        }
    }

    /// Changes each time every entry is dropped (by a write whose reach is unknown, or one the cache had
    /// not accounted for), so that a task can fill the cache again.
    pub(crate) fn clears(&self) -> watch::Receiver<u64> {
        self.clears.subscribe()
    }

    /// Frees what a clear removed (call it with the lock released) and, if that was anything, tells the task
    /// that fills the cache.
    fn cleared(&self, removed: Removed) {
        if removed.any() {
            drop(removed);
            self.clears.send_modify(|n| *n += 1);
        }
    }

    /// The state caught up with the store's commit count `commits` (see [`State::catch_up`]); `None` if that
    /// dropped every entry, when there is nothing to find and nothing read before may be stored.
    fn caught_up(&self, commits: u64) -> Option<MutexGuard<'_, State>> {
        let mut state = self.state();
        let removed = state.catch_up(commits);
        if !removed.any() {
            return Some(state);
        }
        drop(state);
        self.cleared(removed);
        None
    }

    /// The state; a panic while holding the lock leaves nothing half-done that matters (at worst an entry
    /// is missing from an index), so a poisoned lock is taken over rather than turned into an error.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current generation: take it before reading the store, and hand it to [`ReadCache::insert_user`].
    pub(crate) fn generation(&self) -> u64 {
        self.state().generation
    }

    /// The cached entry of the user with this key; `commits` is the store's commit count now.
    pub(crate) fn user(&self, key: &UserKey, commits: u64) -> Option<UserEntry> {
        // Hashed before the lock is taken.
        let username_hash = match key {
            UserKey::Username(name) => Some(self.username_hasher.hash_one(name)),
            _ => None,
        };
        let mut state = self.caught_up(commits)?;
        let id = match key {
            UserKey::Id(id) => *id,
            UserKey::Uid(uid) => *state.by_uid.get(uid)?,
            UserKey::Username(_) => *state.by_username.get(&username_hash?)?,
        };
        let entry = match rmp_serde::from_slice::<UserEntry>(&state.users.get(&id)?.encoded) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!(user_id = id, error = %e, "a read cache entry did not decode; dropped");
                state.remove(id);
                return None;
            }
        };
        // The indexes only ever point at the entry they were built from (a username hash could collide).
        let consistent = match key {
            UserKey::Id(_) => true,
            UserKey::Uid(uid) => entry.uid == *uid,
            UserKey::Username(name) => entry.username == *name,
        };
        consistent.then_some(entry)
    }

    /// Stores an entry read while the generation was `generation`; `commits` is the store's commit count now.
    /// Does nothing (and returns false) if anything was invalidated or committed since the generation was
    /// taken, because the entry may predate that write.
    pub(crate) fn insert_user(&self, generation: u64, commits: u64, entry: &UserEntry) -> bool {
        if self.capacity == 0 {
            return false;
        }
        let mut encoded = self.encoder();
        encoded.push(entry);
        self.insert_users(generation, commits, encoded) == 1
    }

    /// [`ReadCache::insert_user`] for many entries read in one snapshot and encoded (off the runtime);
    /// returns how many were stored (all or none, except that at most the capacity is kept).
    pub(crate) fn insert_users(&self, generation: u64, commits: u64, encoded: EncodedUsers) -> usize {
        if self.capacity == 0 {
            return 0;
        }
        let slots = encoded.into_slots();
        let Some(mut state) = self.caught_up(commits) else {
            return 0;
        };
        if state.generation != generation {
            return 0;
        }
        let stored = slots.len().min(self.capacity);
        for (id, slot) in slots.into_iter().take(self.capacity) {
            state.insert(id, slot, self.capacity);
        }
        stored
    }

    /// The most entries kept.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Accounts for the write that made the store's commit count `commit`: when `reached` names the only users
    /// whose entries it may have changed (see `ChangeSet::affected_user_entries`) and it is the only commit
    /// since the last one accounted for, drops those users' entries; otherwise drops everything.
    pub(crate) fn after_commit(&self, commit: u64, reached: Option<&[i64]>) {
        let mut state = self.state();
        state.generation += 1;
        let removed = match reached {
            Some(ids) if state.commits.checked_add(1) == Some(commit) => {
                for id in ids {
                    state.remove(*id);
                }
                Removed::default()
            }
            _ => state.clear(),
        };
        state.commits = state.commits.max(commit);
        drop(state);
        self.cleared(removed);
    }

    /// Number of cached entries.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.state().users.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Directory;

    fn entry(id: i64, username: &str, uid: i64) -> UserEntry {
        let row = crate::entry::test_user_row(id, username, uid);
        Directory::default().user_entry(&row, 0, std::path::Path::new("/mnt"))
    }

    /// Looks a user up with no commit since the last accounted one.
    fn full_name(cache: &ReadCache, key: UserKey) -> Option<String> {
        let commits = cache.state().commits;
        cache.user(&key, commits).map(|e| e.full_name.clone())
    }

    /// Inserts as a reader that took the generation just now, with no commit since.
    fn insert(cache: &ReadCache, e: UserEntry) -> bool {
        let (generation, commits) = {
            let s = cache.state();
            (s.generation, s.commits)
        };
        cache.insert_user(generation, commits, &e)
    }

    #[test]
    fn entries_decode_to_what_was_encoded() {
        use accountd_api::types::common::{DirectIdmap, Timestamp, UsernsIdmap};
        use accountd_api::types::user::SecretList;
        let plain = entry(5, "alice", 3000);
        let mut full = entry(6, "bob", 3001);
        full.unixhash = Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into());
        full.smbhash = None;
        full.userns_idmap = Some(UsernsIdmap::Direct(DirectIdmap::Direct));
        full.group.bsdgrp_userns_idmap = Some(UsernsIdmap::Id(4_294_967_294));
        full.group.bsdgrp_sudo_commands = vec!["/usr/bin/ls".into()];
        full.groups = vec![1, 40, 900_000];
        full.sshpubkey = Some("ssh-ed25519 AAAA é".into());
        full.sudo_commands_nopasswd = vec!["ALL".into()];
        full.email = Some("bob@example.com".into());
        full.sid = Some("S-1-5-21-1-2-3-20006".into());
        full.last_password_change = Some(Timestamp { ms: -5 });
        full.password_age = Some(3);
        full.password_history = Some(SecretList::Values(vec!["a".into(), "b".into()]));
        full.roles = vec!["FULL_ADMIN".into()];
        full.api_keys = vec![7, 8];
        full.access = vec![
            accountd_api::types::user::AccessEntry {
                privilege: 5,
                tenant: Some(2),
                all_tenants: false,
            },
            accountd_api::types::user::AccessEntry {
                privilege: 6,
                tenant: None,
                all_tenants: true,
            },
        ];
        full.default_tenant = Some(2);
        let mut redacted = entry(7, "carol", 3002);
        redacted.password_history = Some(SecretList::Redacted("********".into()));
        redacted.userns_idmap = Some(UsernsIdmap::Id(1));
        for e in [plain, full, redacted] {
            let cache = ReadCache::new(10);
            assert!(insert(&cache, e.clone()), "{}", e.username);
            let commits = cache.state().commits;
            assert_eq!(cache.user(&UserKey::Id(e.id), commits), Some(e.clone()));
        }
    }

    #[test]
    fn finds_entries_by_id_uid_and_username() {
        let cache = ReadCache::new(10);
        assert!(insert(&cache, entry(5, "alice", 3000)));
        for key in [UserKey::Id(5), UserKey::Uid(3000), UserKey::Username("alice".into())] {
            assert_eq!(full_name(&cache, key.clone()), Some("alice".into()), "{key:?}");
        }
        for key in [UserKey::Id(6), UserKey::Uid(3001), UserKey::Username("Alice".into())] {
            assert_eq!(full_name(&cache, key.clone()), None, "{key:?}");
        }
    }

    #[test]
    fn a_read_that_started_before_a_write_is_not_stored() {
        // What happens between the reader taking the generation (before its SQLite read) and its insert.
        type Between = fn(&ReadCache);
        let cases: [(&str, Between); 4] = [
            ("a write changed everything", |c| c.after_commit(1, None)),
            ("a write changed this user", |c| c.after_commit(1, Some(&[5]))),
            // The reader's snapshot may predate any commit since, whoever it touched.
            ("a write changed another user", |c| c.after_commit(1, Some(&[99]))),
            // Committed, and its hook has not run yet (or it has none): the commit count alone refuses it.
            ("a write committed, no hook yet", |_| {}),
        ];
        for (what, between) in cases {
            let cache = ReadCache::new(10);
            let before = cache.generation();
            between(&cache);
            assert!(!cache.insert_user(before, 1, &entry(5, "alice", 3000)), "{what}");
            assert_eq!(cache.len(), 0, "{what}");
            // A read that starts afterwards is stored.
            assert!(
                cache.insert_user(cache.generation(), 1, &entry(5, "alice", 3000)),
                "{what}"
            );
            assert_eq!(cache.len(), 1, "{what}");
        }
    }

    #[test]
    fn a_commit_not_accounted_for_drops_everything_on_the_next_lookup() {
        let cache = ReadCache::new(10);
        insert(&cache, entry(5, "alice", 3000));
        insert(&cache, entry(6, "bob", 3001));
        // The store's count moved without a hook (e.g. a direct write): nothing cached is trusted.
        assert!(cache.user(&UserKey::Id(5), 1).is_none());
        assert_eq!(cache.len(), 0);
        // Then a hooked write of one user: scoped, since it is the only commit since.
        insert(&cache, entry(5, "alice", 3000));
        insert(&cache, entry(6, "bob", 3001));
        cache.after_commit(2, Some(&[5]));
        assert_eq!(full_name(&cache, UserKey::Id(5)), None);
        assert_eq!(full_name(&cache, UserKey::Id(6)), Some("bob".into()));
        // A hooked one-user write after an unaccounted commit (3) drops everything.
        cache.after_commit(4, Some(&[5]));
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn invalidating_users_drops_only_them_and_their_keys() {
        let cache = ReadCache::new(10);
        insert(&cache, entry(5, "alice", 3000));
        insert(&cache, entry(6, "bob", 3001));
        cache.after_commit(1, Some(&[5]));
        assert_eq!(full_name(&cache, UserKey::Id(5)), None);
        assert_eq!(full_name(&cache, UserKey::Uid(3000)), None);
        assert_eq!(full_name(&cache, UserKey::Username("alice".into())), None);
        assert_eq!(full_name(&cache, UserKey::Username("bob".into())), Some("bob".into()));
        cache.after_commit(2, None);
        assert_eq!(cache.len(), 0);
        assert_eq!(full_name(&cache, UserKey::Uid(3001)), None);
    }

    #[test]
    fn a_renamed_user_is_found_by_its_new_name_only() {
        let cache = ReadCache::new(10);
        insert(&cache, entry(5, "alice", 3000));
        cache.after_commit(1, Some(&[5]));
        insert(&cache, entry(5, "alicia", 3005));
        assert_eq!(full_name(&cache, UserKey::Username("alice".into())), None);
        assert_eq!(full_name(&cache, UserKey::Uid(3000)), None);
        assert_eq!(
            full_name(&cache, UserKey::Username("alicia".into())),
            Some("alicia".into())
        );
        // Reinserting the same id replaces its keys too.
        insert(&cache, entry(5, "carol", 3006));
        assert_eq!(full_name(&cache, UserKey::Username("alicia".into())), None);
        assert_eq!(full_name(&cache, UserKey::Uid(3006)), Some("carol".into()));
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn capacity_evicts_the_oldest_insertions() {
        let cache = ReadCache::new(3);
        for id in 1..=5 {
            insert(&cache, entry(id, &format!("u{id}"), 3000 + id));
        }
        assert_eq!(cache.len(), 3);
        assert_eq!(full_name(&cache, UserKey::Id(2)), None);
        assert_eq!(full_name(&cache, UserKey::Uid(3002)), None);
        assert_eq!(full_name(&cache, UserKey::Id(3)), Some("u3".into()));
        // Replacing and removing entries many times keeps the eviction queue bounded.
        for round in 0..100 {
            insert(&cache, entry(5, "u5", 3005));
            if round % 2 == 0 {
                let next = cache.state().commits + 1;
                cache.after_commit(next, Some(&[5]));
            }
        }
        assert!(cache.state().order.len() <= 6);
        assert!(cache.len() <= 3);
    }

    #[test]
    fn a_batch_is_stored_whole_or_not_at_all() {
        let cache = ReadCache::new(2);
        let batch = || {
            (1..=3).fold(cache.encoder(), |mut batch, id| {
                batch.push(&entry(id, &format!("u{id}"), 3000 + id));
                batch
            })
        };
        let before = cache.generation();
        cache.after_commit(1, None);
        assert_eq!(cache.insert_users(before, 1, batch()), 0);
        assert_eq!(cache.len(), 0);
        // At most the capacity, the first ones.
        assert_eq!(cache.insert_users(cache.generation(), 1, batch()), 2);
        assert_eq!(full_name(&cache, UserKey::Id(2)), Some("u2".into()));
        assert_eq!(full_name(&cache, UserKey::Id(3)), None);
    }

    #[test]
    fn capacity_zero_disables_the_cache() {
        let cache = ReadCache::new(0);
        assert!(!insert(&cache, entry(5, "alice", 3000)));
        assert_eq!(full_name(&cache, UserKey::Id(5)), None);
    }
}

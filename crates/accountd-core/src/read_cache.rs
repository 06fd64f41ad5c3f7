//! The in-memory read model for point reads: assembled, unredacted user entries by id, with the usernames and
//! uids that lead to them, so that a warm `user.get_instance(id)` (and `user.query` on `id`, `uid` or
//! `username` `=`) is answered on the async runtime, without SQLite and without a hop to a reader thread.
//!
//! Correctness rests on these rules:
//!
//! - **Invalidation after commit, before the reply.** [`Accounts::write_changes`](crate::Accounts) calls
//!   [`ReadCache::after_commit`] in its after-commit hook, which runs on the writer thread before the write's
//!   caller is answered. So once a write's reply is sent, no later read finds the old entry. A write that
//!   touched nothing but existing users (their rows, memberships or own 2FA state) drops those users'
//!   entries; every other write drops everything.
//! - **Every commit counts, whatever its path.** The store counts its commits ([`Store::commits`]), and the
//!   counter moves before any write is answered. The cache remembers up to which commit it has accounted
//!   for; a lookup or an insert that sees a commit it has not accounted for (a write that did not go through
//!   `write_changes`, e.g. a test writing rows directly) drops everything first. So the scoped invalidation
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
//! Memory is bounded by a capacity; beyond it the oldest insertions are evicted first.
//!
//! [`Store::commits`]: accountd_store::Store::commits

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use accountd_api::types::user::UserEntry;

/// Default number of user entries kept.
pub const DEFAULT_CAPACITY: usize = 10_000;

/// Cached user entries and their generation.
#[derive(Debug)]
pub(crate) struct ReadCache {
    capacity: usize,
    state: Mutex<State>,
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
    by_username: HashMap<String, i64>,
    by_uid: HashMap<i64, i64>,
    /// (id, seq) in insertion order, for eviction; may hold pairs whose slot is gone.
    order: VecDeque<(i64, u64)>,
}

#[derive(Debug)]
struct Slot {
    seq: u64,
    entry: Arc<UserEntry>,
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
        if let Some(slot) = self.users.remove(&id) {
            if self.by_username.get(&slot.entry.username) == Some(&id) {
                self.by_username.remove(&slot.entry.username);
            }
            if self.by_uid.get(&slot.entry.uid) == Some(&id) {
                self.by_uid.remove(&slot.entry.uid);
            }
        }
    }

    /// Stores an entry, replacing any of the same user, and evicts the oldest beyond `capacity`.
    fn insert(&mut self, entry: UserEntry, capacity: usize) {
        let id = entry.id;
        self.remove(id);
        let seq = self.next_seq;
        self.next_seq += 1;
        // Another cached user may still carry this username or uid only if the store has changed since that
        // entry was read, which would have bumped the generation; drop it all the same.
        for other in [
            self.by_username.get(&entry.username).copied(),
            self.by_uid.get(&entry.uid).copied(),
        ]
        .into_iter()
        .flatten()
        {
            self.remove(other);
        }
        self.by_username.insert(entry.username.clone(), id);
        self.by_uid.insert(entry.uid, id);
        self.users.insert(
            id,
            Slot {
                seq,
                entry: Arc::new(entry),
            },
        );
        self.order.push_back((id, seq));
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

    /// Drops everything if the store has committed writes this cache has not accounted for.
    fn catch_up(&mut self, commits: u64) {
        if commits != self.commits {
            self.generation += 1;
            self.commits = self.commits.max(commits);
            self.clear();
        }
    }

    fn clear(&mut self) {
        self.users.clear();
        self.by_username.clear();
        self.by_uid.clear();
        self.order.clear();
    }
}

impl ReadCache {
    /// An empty cache keeping at most `capacity` entries (0 disables it).
    pub(crate) fn new(capacity: usize) -> Self {
        ReadCache {
            capacity,
            state: Mutex::new(State::default()),
        }
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
    pub(crate) fn user(&self, key: &UserKey, commits: u64) -> Option<Arc<UserEntry>> {
        let mut state = self.state();
        state.catch_up(commits);
        let id = match key {
            UserKey::Id(id) => *id,
            UserKey::Uid(uid) => *state.by_uid.get(uid)?,
            UserKey::Username(name) => *state.by_username.get(name)?,
        };
        let entry = &state.users.get(&id)?.entry;
        // The indexes only ever point at the entry they were built from; checked anyway.
        let consistent = match key {
            UserKey::Id(_) => true,
            UserKey::Uid(uid) => entry.uid == *uid,
            UserKey::Username(name) => entry.username == *name,
        };
        consistent.then(|| entry.clone())
    }

    /// Stores an entry read while the generation was `generation`; `commits` is the store's commit count now.
    /// Does nothing (and returns false) if anything was invalidated or committed since the generation was
    /// taken, because the entry may predate that write.
    pub(crate) fn insert_user(&self, generation: u64, commits: u64, entry: UserEntry) -> bool {
        self.insert_users(generation, commits, vec![entry]) == 1
    }

    /// [`ReadCache::insert_user`] for many entries read in one snapshot; returns how many were stored (all or
    /// none, except that at most the capacity is kept).
    pub(crate) fn insert_users(&self, generation: u64, commits: u64, entries: Vec<UserEntry>) -> usize {
        if self.capacity == 0 {
            return 0;
        }
        let mut state = self.state();
        state.catch_up(commits);
        if state.generation != generation {
            return 0;
        }
        let stored = entries.len().min(self.capacity);
        for entry in entries.into_iter().take(self.capacity) {
            state.insert(entry, self.capacity);
        }
        stored
    }

    /// Accounts for the write that made the store's commit count `commit`: when `users_only` names the users
    /// it changed (and it touched nothing else) and it is the only commit since the last one accounted for,
    /// drops those users' entries; otherwise drops everything.
    pub(crate) fn after_commit(&self, commit: u64, users_only: Option<&[i64]>) {
        let mut state = self.state();
        state.generation += 1;
        match users_only {
            Some(ids) if state.commits.checked_add(1) == Some(commit) => {
                for id in ids {
                    state.remove(*id);
                }
            }
            _ => state.clear(),
        }
        state.commits = state.commits.max(commit);
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
        cache.insert_user(generation, commits, e)
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
            assert!(!cache.insert_user(before, 1, entry(5, "alice", 3000)), "{what}");
            assert_eq!(cache.len(), 0, "{what}");
            // A read that starts afterwards is stored.
            assert!(
                cache.insert_user(cache.generation(), 1, entry(5, "alice", 3000)),
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
            (1..=3)
                .map(|id| entry(id, &format!("u{id}"), 3000 + id))
                .collect::<Vec<_>>()
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

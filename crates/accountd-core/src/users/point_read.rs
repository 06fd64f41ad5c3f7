//! Point reads through the read model: one user's entry by id, uid or username, from memory when it is
//! cached, and the background task that keeps the cache filled.

use std::time::{Duration, Instant};

use accountd_api::types::user::UserEntry;
use accountd_store::StoreError;
use accountd_store::users;

use super::load_entries;
use crate::accounts::Accounts;
use crate::entry::Directory;
use crate::error::Error;
use crate::read_cache::UserKey;

/// Users read per chunk when the read cache is filled in the background.
const WARM_CHUNK: usize = 2_000;

/// How long to wait, after a write dropped every entry, before filling the cache again: writes that follow
/// within it are covered by the same fill. At least four times the last fill's duration is waited, so that
/// refills take at most a fifth of one reader's time.
const REFILL_DELAY: Duration = Duration::from_millis(250);

impl Accounts {
    /// The unredacted entry of the user with this key: from the read cache, on the runtime, when it is there;
    /// otherwise read from the store (on a reader thread) and cached, unless a write committed meanwhile.
    pub(super) async fn user_point_read(&self, key: UserKey) -> Result<Option<UserEntry>, Error> {
        let cache = &self.inner.read_cache;
        if let Some(mut entry) = cache.user(&key, self.store().commits()) {
            entry.password_age = crate::entry::password_age(entry.last_password_change.map(|t| t.ms), self.now_ms());
            self.refresh_password_change_required(&mut entry).await?;
            return Ok(Some(entry));
        }
        // Taken before the read: an invalidation between here and the insert makes the insert a no-op.
        let generation = cache.generation();
        let now = self.now_ms();
        let home_root = self.config().home_root.clone();
        let (where_sql, param) = match &key {
            UserKey::Id(id) => ("id = ?1", accountd_store::rusqlite_types::Value::Integer(*id)),
            UserKey::Uid(uid) => ("uid = ?1", accountd_store::rusqlite_types::Value::Integer(*uid)),
            UserKey::Username(name) => (
                "username = ?1 COLLATE BINARY",
                accountd_store::rusqlite_types::Value::Text(name.clone()),
            ),
        };
        let entry = self
            .store()
            .read(move |conn| load_entries(conn, where_sql, &[param], ("", 1, 0), now, &home_root))
            .await?
            .pop();
        // A managed home's `sshpubkey` is read from its authorized_keys file, which can change without a write.
        if let Some(entry) = &entry
            && !crate::entry::home_is_managed(&entry.home, &self.config().home_root)
        {
            cache.insert_user(generation, self.store().commits(), entry);
        }
        Ok(entry)
    }

    /// Fills the read cache with the entries of the users by id, up to its capacity: run in the background at
    /// start-up, so that point reads are answered from memory from the start rather than after each user has
    /// been read once. Users are read in chunks of [`WARM_CHUNK`], each in one read (one snapshot) and encoded
    /// on the reader thread, so the assembled entries of a large directory never all exist at once; a chunk
    /// during which a write committed is not stored (reads then fill those entries themselves). Returns how
    /// many entries were stored.
    async fn warm_read_cache(&self) -> Result<usize, Error> {
        let capacity = self.inner.read_cache.capacity();
        let (mut stored, mut after_id) = (0, i64::MIN);
        while stored < capacity {
            let generation = self.inner.read_cache.generation();
            let now = self.now_ms();
            let home_root = self.config().home_root.clone();
            let limit = WARM_CHUNK.min(capacity - stored);
            let mut chunk = self.inner.read_cache.encoder();
            let (last_id, chunk) = self
                .store()
                .read(move |conn| {
                    let mut rows = users::select_page(conn, "id > ?1", &[&after_id], "", limit as i64, 0)?;
                    let last_id = rows.last().map(|r| r.id);
                    // Not cached (see `user_point_read`): no need to read their authorized_keys files.
                    rows.retain(|r| !crate::entry::home_is_managed(&r.home, &home_root));
                    let dir = Directory::load_for_users(conn, &rows)?;
                    for row in &rows {
                        chunk.push(&dir.user_entry(row, now, &home_root));
                    }
                    Ok::<_, StoreError>((last_id, chunk))
                })
                .await?;
            let Some(last_id) = last_id else {
                break;
            };
            after_id = last_id;
            stored += self
                .inner
                .read_cache
                .insert_users(generation, self.store().commits(), chunk);
        }
        Ok(stored)
    }

    /// Keeps the read cache filled: fills it now, then again [`REFILL_DELAY`] after each write that dropped
    /// every entry (a change whose reach is unknown: a group's own row, a privilege). Runs until the runtime
    /// stops; spawn it once per server.
    pub async fn keep_read_cache_warm(self) {
        let mut clears = self.inner.read_cache.clears();
        loop {
            // Whatever was dropped until now, this fill covers.
            clears.borrow_and_update();
            let started = Instant::now();
            match self.warm_read_cache().await {
                Ok(entries) => tracing::debug!(
                    entries,
                    took_ms = started.elapsed().as_millis() as u64,
                    "read cache filled"
                ),
                Err(e) => tracing::warn!(error = %e, "filling the read cache failed"),
            }
            let took = started.elapsed();
            if clears.changed().await.is_err() {
                return;
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "spaces out the refills of the cache to bound their load; no rule depends on it"
            )]
            tokio::time::sleep(REFILL_DELAY.max(took * 4)).await;
        }
    }
}

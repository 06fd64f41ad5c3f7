//! The account services' shared state: the store, the password hasher, configuration and the clock.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use accountd_store::{Store, StoreError};

use crate::authz::Grant;
use crate::clock::Clock;
use crate::config::Config;
use crate::error::Error;
use crate::events::{ChangeSet, EventBus};
use crate::lockout::Lockout;
use crate::password::PasswordHasher;
use crate::read_cache::ReadCache;
use crate::sessions::{CredentialEffect, CredentialEffects};
use crate::users::UidReservations;

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        Error::Internal(e.to_string())
    }
}

/// The account services; cheap to clone.
#[derive(Clone)]
pub struct Accounts {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) store: Store,
    pub(crate) hasher: PasswordHasher,
    pub(crate) config: Config,
    pub(crate) clock: Arc<dyn Clock>,
    /// uids handed out by `user.get_next_uid` and not yet used.
    pub(crate) uid_reservations: Mutex<UidReservations>,
    /// Bumped after every commit that may change someone's roles.
    pub(crate) roles_generation: AtomicU64,
    /// Committed changes, for subscribers.
    pub(crate) events: EventBus,
    /// Assembled user entries for point reads; invalidated after every commit, before the writer is answered.
    pub(crate) read_cache: ReadCache,
    /// Where committed credential effects go (the server's session registry).
    pub(crate) credential_effects: OnceLock<Arc<dyn CredentialEffects>>,
    /// Failed login counters and known origins.
    pub(crate) lockout: Lockout,
    /// Set once the dummy hash of unknown users has the typical stored cost.
    pub(crate) dummy_cost: tokio::sync::OnceCell<()>,
    /// The authenticator assurance level in effect.
    pub(crate) assurance: crate::assurance::CurrentLevel,
    /// The queue and task that mail password reset links.
    pub(crate) reset_mailer: crate::password_reset::ResetMailer,
    /// The service's own address (`http://host:port`), for links to its web page.
    pub(crate) service_url: OnceLock<String>,
    /// The profiles' `password_expiration_days` as of a store commit count (for entries read from the cache).
    pub(crate) password_expiry: Mutex<Option<crate::account_profiles::expiry::ExpiryDays>>,
    /// Who holds how many sessions (the server's session registry).
    pub(crate) live_sessions: OnceLock<Arc<dyn crate::activity::LiveSessions>>,
    /// Where activity changes are announced (set with `live_sessions`).
    pub(crate) activity_notifier: OnceLock<crate::activity::ActivityNotifier>,
    /// One-time passwords not used yet.
    pub(crate) onetime: Mutex<crate::onetime::OnetimePasswords>,
}

impl Inner {
    /// Applies the credential effects of a committed change set (on the writer thread, right after the commit).
    fn apply_credential_effects(&self, changes: &ChangeSet) {
        for recorded in changes.credential_effects() {
            if let CredentialEffect::Deleted { user_id } = recorded.effect {
                self.lockout.forget(user_id);
            }
            if let CredentialEffect::PasswordReplaced { user_id }
            | CredentialEffect::PasswordDisabled { user_id }
            | CredentialEffect::Locked { user_id }
            | CredentialEffect::Deleted { user_id } = recorded.effect
                && let Ok(mut onetime) = self.onetime.lock()
            {
                onetime.void_user(user_id);
            }
            if let Some(sink) = self.credential_effects.get() {
                sink.apply(&recorded.effect, recorded.acting_session.as_deref());
            }
        }
    }
}

impl Accounts {
    /// Builds the services over an open store.
    pub fn new(store: Store, hasher: PasswordHasher, config: Config, clock: Arc<dyn Clock>) -> Self {
        Accounts {
            inner: Arc::new(Inner {
                store,
                hasher,
                clock,
                uid_reservations: Mutex::new(UidReservations::default()),
                roles_generation: AtomicU64::new(0),
                events: EventBus::new(4096),
                read_cache: ReadCache::new(config.read_cache_entries),
                credential_effects: OnceLock::new(),
                lockout: Lockout::new(config.lockout),
                dummy_cost: tokio::sync::OnceCell::new(),
                assurance: crate::assurance::CurrentLevel::default(),
                reset_mailer: crate::password_reset::ResetMailer::default(),
                service_url: OnceLock::new(),
                password_expiry: Mutex::new(None),
                live_sessions: OnceLock::new(),
                activity_notifier: OnceLock::new(),
                onetime: Mutex::new(Default::default()),
                config,
            }),
        }
    }

    /// Sends the credential effects of every later commit to `sink` (once; later calls are ignored).
    pub fn set_credential_effects(&self, sink: Arc<dyn CredentialEffects>) {
        let _ = self.inner.credential_effects.set(sink);
    }

    /// Sets the service's own address (`http://host:port` or `https://host:port`), known once it listens: password
    /// reset links point at its web page unless `url_template` says otherwise (once; later calls are ignored).
    pub fn set_service_url(&self, url: String) {
        let _ = self.inner.service_url.set(url);
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The clock.
    pub fn now_ms(&self) -> i64 {
        self.inner.clock.now_ms()
    }

    /// Changes whenever roles may have changed; sessions re-read their roles when it moves.
    pub fn roles_generation(&self) -> u64 {
        self.inner.roles_generation.load(Ordering::SeqCst)
    }

    /// The change events of committed writes.
    pub fn events(&self) -> &EventBus {
        &self.inner.events
    }

    /// Runs `f` in one write transaction, recording what it touches in a [`ChangeSet`]. Right after the commit,
    /// on the writer thread (so in commit order, and before the caller gets the result), the read cache drops
    /// what may have changed, roles are marked stale and the change events are published.
    ///
    /// Every write that can change a user entry must go through here: the read cache relies on it.
    pub(crate) async fn write_changes<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&accountd_store::Transaction<'_>, &mut ChangeSet) -> Result<T, Error> + Send + 'static,
    {
        let inner = self.inner.clone();
        let (value, _) = self
            .inner
            .store
            .write_then(
                move |tx| {
                    let mut changes = ChangeSet::default();
                    let value = f(tx, &mut changes)?;
                    // A pending password reset ends with the password, the lock or the user it was for.
                    crate::password_reset::cancel_for_effects(tx, &changes)?;
                    Ok::<_, Error>((value, changes))
                },
                move |conn, (_, changes): &(T, ChangeSet)| {
                    // Before anything else: the caller may be answered as soon as the hook returns.
                    let reached = changes.affected_user_entries();
                    inner.read_cache.after_commit(inner.store.commits(), reached.as_deref());
                    inner.roles_generation.fetch_add(1, Ordering::SeqCst);
                    // Building an event reads and serializes the entry: only worth it when someone listens (a
                    // receiver created after this point subscribed after the commit, and misses it anyway).
                    if !changes.is_empty() && inner.events.has_receivers() {
                        let events = changes.events(conn, inner.clock.now_ms(), &inner.config.home_root);
                        inner.events.publish(events);
                    }
                    inner.apply_credential_effects(changes);
                },
            )
            .await?;
        Ok(value)
    }

    /// Runs `f` in one write transaction that changes nothing a user entry, a role or a change event shows
    /// (a session's attributes, the 2FA replay state, the global 2FA settings). Right after the commit, on the
    /// writer thread, the read cache accounts for it without dropping anything.
    pub(crate) async fn write_outside_entries<T, F>(&self, f: F) -> Result<T, Error>
    where
        T: Send + 'static,
        F: FnOnce(&accountd_store::Transaction<'_>) -> Result<T, Error> + Send + 'static,
    {
        let inner = self.inner.clone();
        self.inner
            .store
            .write_then(f, move |_, _| {
                inner.read_cache.after_commit(inner.store.commits(), Some(&[]));
            })
            .await
    }

    /// The grants a user holds now, and whether the account may log in (exists, not locked).
    pub async fn grants_of_user(&self, user_id: i64) -> Result<Option<(Vec<Grant>, bool)>, Error> {
        self.inner
            .store
            .read(move |conn| {
                let Some(row) = accountd_store::users::get(conn, user_id)? else {
                    return Ok(None);
                };
                let grants = crate::entry::grants_of_user(conn, &row)?;
                Ok(Some((grants, !row.locked)))
            })
            .await
    }
}

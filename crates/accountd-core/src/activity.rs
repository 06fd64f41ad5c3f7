//! `user.activity.*` (account-policy section 6): each account's login activity, assembled from the lockout's
//! counters and remembered logins, the user rows and the sessions the server holds now. Kept out of
//! `UserEntry`: a login changes no user entry, so it publishes no `user.query` event and keeps the read cache.
//!
//! Events on `user.activity.query` are published by one background task fed through an unbounded channel
//! ([`ActivityNotifier`]), so that any thread (the store's writer, a closing connection) can announce a change
//! without waiting.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use accountd_api::types::activity::UserActivityEntry;
use accountd_api::types::common::Timestamp;
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_store::StoreError;
use accountd_store::account_profiles;
use accountd_store::users::{self, ActivityBasics};
use serde_json::Value;
use tokio::sync::mpsc;

use crate::account_profiles::lockout_policy;
use crate::accounts::{Accounts, Inner};
use crate::authz;
use crate::caller::Caller;
use crate::error::Error;
use crate::events::{ChangeEvent, ChangeKind, USER_ACTIVITY};
use crate::lockout::{LockoutPolicy, LockoutState};
use crate::querying;

/// How often a running lock is checked against the clock, so that its end is announced.
const LOCK_END_POLL: Duration = Duration::from_secs(1);

/// Who holds how many logged-in sessions now (implemented by the server's session registry).
pub trait LiveSessions: Send + Sync + 'static {
    /// Logged-in sessions per user id (users without one are absent).
    fn sessions_by_user(&self) -> HashMap<i64, usize>;
}

/// Announces that a user's activity changed (a login, a logout, a lock); cheap, never blocks, callable from
/// any thread.
#[derive(Debug, Clone)]
pub struct ActivityNotifier(mpsc::UnboundedSender<i64>);

impl ActivityNotifier {
    /// The activity of `user_id` changed.
    pub fn changed(&self, user_id: i64) {
        let _ = self.0.send(user_id);
    }
}

/// The entry of one user from its parts.
fn entry_of(
    basics: &ActivityBasics,
    policy: &LockoutPolicy,
    state: &LockoutState,
    sessions: usize,
    now_ms: i64,
) -> UserActivityEntry {
    let (failures, locked_until) = state.standing(policy, basics.id, now_ms);
    let remembered = state.activity.get(&basics.id);
    let last_login = remembered.and_then(|a| a.last_login);
    UserActivityEntry {
        id: basics.id,
        username: basics.username.clone(),
        failed_login_attempts: failures.len() as i64,
        login_failure_timestamps: failures.into_iter().map(|ms| Timestamp { ms }).collect(),
        last_failed_login: remembered.and_then(|a| a.last_failed_login).map(|ms| Timestamp { ms }),
        locked_out: locked_until.is_some(),
        lockout_until: locked_until.map(|ms| Timestamp { ms }),
        last_login: last_login.map(|(ms, _)| Timestamp { ms }),
        last_login_ip: last_login.map(|(_, ip)| ip.to_string()),
        logged_in: sessions > 0,
        concurrent_sessions: sessions as i64,
        last_password_change: basics.last_password_change.map(|ms| Timestamp { ms }),
    }
}

impl Accounts {
    /// Counts sessions with `sink` from now on, and starts the task that publishes activity events (once;
    /// call it on the runtime).
    pub fn set_live_sessions(&self, sink: Arc<dyn LiveSessions>) {
        if self.inner.live_sessions.set(sink).is_err() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!("no async runtime: user.activity events are not published");
            return;
        };
        let (tx, rx) = mpsc::unbounded_channel();
        if self.inner.activity_notifier.set(ActivityNotifier(tx)).is_ok() {
            runtime.spawn(publish_activity(Arc::downgrade(&self.inner), rx));
        }
    }

    /// Where to announce activity changes; `None` before [`set_live_sessions`](Self::set_live_sessions).
    pub fn activity_notifier(&self) -> Option<ActivityNotifier> {
        self.inner.activity_notifier.get().cloned()
    }

    /// Announces that the activity of `user_id` changed.
    pub(crate) fn activity_changed(&self, user_id: i64) {
        if let Some(notifier) = self.inner.activity_notifier.get() {
            notifier.changed(user_id);
        }
    }

    /// Records a successful login of `user_id` from `origin`, by any mechanism (`last_login`,
    /// `last_login_ip`); written to the store in the background with the lockout's state.
    pub async fn note_login(&self, user_id: i64, origin: IpAddr) -> Result<(), Error> {
        let lockout = self.lockout().await?;
        let now = self.now_ms();
        if let Ok(mut state) = lockout.state.lock() {
            state.note_login(user_id, origin, now);
        }
        self.save_lockout_later();
        Ok(())
    }

    /// A failure locked `user_id`'s account (for one of its counters) until `until_ms`: announced now, and
    /// again once the clock passes the lock's end.
    pub(crate) fn lock_started(&self, user_id: i64, until_ms: i64) {
        self.activity_changed(user_id);
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "polls the injected clock for the lock's end; a ManualClock moved past it is seen at the next poll"
                )]
                tokio::time::sleep(LOCK_END_POLL).await;
                let Some(inner) = weak.upgrade() else { return };
                if inner.clock.now_ms() >= until_ms {
                    if let Some(notifier) = inner.activity_notifier.get() {
                        notifier.changed(user_id);
                    }
                    return;
                }
            }
        });
    }

    /// The entries of every user, or of the user `only`.
    async fn activity_entries(&self, only: Option<i64>) -> Result<Vec<UserActivityEntry>, Error> {
        let lockout = self.lockout().await?;
        let (basics, profiles) = self
            .store()
            .read(move |conn| Ok::<_, StoreError>((users::activity_basics(conn, only)?, account_profiles::all(conn)?)))
            .await?;
        let known_origin_ms = lockout.policy.known_origin_ms;
        let policies: HashMap<i64, LockoutPolicy> = profiles
            .iter()
            .map(|p| (p.id, lockout_policy(p, known_origin_ms)))
            .collect();
        let sessions = self
            .inner
            .live_sessions
            .get()
            .map(|s| s.sessions_by_user())
            .unwrap_or_default();
        let now = self.now_ms();
        let state = lockout.state.lock().map_err(Error::internal)?;
        Ok(basics
            .iter()
            .map(|b| {
                let policy = policies.get(&b.account_profile).copied().unwrap_or(lockout.policy);
                entry_of(b, &policy, &state, sessions.get(&b.id).copied().unwrap_or(0), now)
            })
            .collect())
    }

    /// `user.activity.query`: the entries of the users `caller` reads (a tenant-scoped reader: the members of
    /// the session's tenant).
    pub async fn user_activity_query(
        &self,
        caller: &Caller,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<UserActivityEntry>, Error> {
        self.activity_run(caller, None, filters, options).await
    }

    /// `user.activity.get_instance`: assembles the one user's entry only.
    pub async fn user_activity_get_instance(
        &self,
        caller: &Caller,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<UserActivityEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.activity_run(caller, Some(id), &filters, &options).await, || {
            Error::not_found(format!("User {id} does not exist"))
        })
    }

    /// Runs a query over the entries of every user `caller` reads, or of the user `only` if it does.
    async fn activity_run(
        &self,
        caller: &Caller,
        only: Option<i64>,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<UserActivityEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let mut entries = self.activity_entries(only).await?;
        let reach = authz::users_readable_by(caller);
        if reach != authz::UserReach::Every {
            entries = self
                .store()
                .read(move |conn| {
                    crate::tenants::retain_reached(conn, reach, &mut entries, |e| e.id)?;
                    Ok::<_, StoreError>(entries)
                })
                .await?;
        }
        querying::answer(entries, &query)
    }
}

/// Publishes a `user.activity.query` event for each announced user (coalescing announcements that arrive
/// together), while the services exist.
async fn publish_activity(inner: Weak<Inner>, mut rx: mpsc::UnboundedReceiver<i64>) {
    while let Some(first) = rx.recv().await {
        let mut ids = vec![first];
        while let Ok(more) = rx.try_recv() {
            ids.push(more);
        }
        ids.sort_unstable();
        ids.dedup();
        let Some(inner) = inner.upgrade() else { return };
        let accounts = Accounts { inner };
        if !accounts.events().has_receivers() {
            continue;
        }
        let mut events = Vec::with_capacity(ids.len());
        for id in ids {
            let entry = match accounts.activity_entries(Some(id)).await {
                Ok(mut entries) => entries.pop(),
                Err(e) => {
                    tracing::warn!(user_id = id, error = %e, "reading a user's activity for its event failed");
                    continue;
                }
            };
            let fields = entry.and_then(|e| serde_json::to_value(e).ok());
            let kind = if fields.is_some() {
                ChangeKind::Changed
            } else {
                ChangeKind::Removed
            };
            events.push(ChangeEvent {
                collection: USER_ACTIVITY,
                kind,
                id,
                fields,
            });
        }
        accounts.events().publish(events);
    }
}

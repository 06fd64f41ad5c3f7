//! Login lockout per account (the account policy's lockout, first version): failed password and one-time
//! password checks of an existing account are counted with times from the [`Clock`](crate::Clock); once
//! [`LockoutPolicy::max_failures`] fall within [`LockoutPolicy::window_ms`], logins on that counter are refused
//! for [`LockoutPolicy::period_ms`], answered exactly as a wrong password.
//!
//! An account has two counters: one for its known origins (addresses it logged in from successfully within
//! [`LockoutPolicy::known_origin_ms`]) and one for every other address, so a stranger's guessing locks out only
//! strangers. Attempts during a lock are not counted; a success clears its counter. API keys and tokens are
//! neither counted nor refused.
//!
//! The state is decided in memory (a lock is effective on the next attempt) and written to the store in
//! batches off the request path ([`persist`]), so it survives a restart.

mod counted;
mod persist;
mod reset;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Mutex;

use prometheus_client::metrics::counter::Counter as MetricCounter;

pub(crate) use persist::LockoutStore;

/// The lockout's limits: a user's account profile's (see `account_profiles::lockout_policy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures within the window that lock the counter (0: never locks, nothing is counted).
    pub max_failures: usize,
    /// How far back failures count (ms; 0: failures never expire).
    pub window_ms: i64,
    /// How long a lock lasts (ms).
    pub period_ms: i64,
    /// How long an address stays a known origin after a successful login from it (ms).
    pub known_origin_ms: i64,
}

impl Default for LockoutPolicy {
    /// 10 failures within 15 minutes lock for 15 minutes; known origins are remembered for 30 days.
    fn default() -> Self {
        LockoutPolicy {
            max_failures: 10,
            window_ms: 900_000,
            period_ms: 900_000,
            known_origin_ms: 30 * 86_400_000,
        }
    }
}

impl LockoutPolicy {
    /// True when a failure at `at` still counts at `now_ms`.
    fn counts(&self, at: i64, now_ms: i64) -> bool {
        at <= now_ms && (self.window_ms == 0 || at > now_ms.saturating_sub(self.window_ms))
    }
}

/// A known origin's last success is written again only when the stored one is older than this (ms), so
/// logins do not each cost a write.
const ORIGIN_REFRESH_MS: i64 = 86_400_000;

/// Which counter of an account an attempt uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct CounterKey {
    pub(crate) user_id: i64,
    /// From one of the account's known origins.
    pub(crate) known: bool,
}

/// One counter's recent failures and lock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counter {
    /// Failure times, oldest first.
    pub(crate) failures: Vec<i64>,
    /// Refused until then.
    pub(crate) locked_until: Option<i64>,
    /// Checks running now (not stored): they count towards the limit until they end, so parallel attempts
    /// cannot exceed it.
    pub(crate) in_flight: usize,
}

impl Counter {
    /// True when there is something to keep in the store.
    pub(crate) fn worth_storing(&self) -> bool {
        !self.failures.is_empty() || self.locked_until.is_some()
    }
}

/// What the logins of an account left besides its counters (`user.activity`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct LoginActivity {
    /// The last successful login (ms) and its client address.
    pub(crate) last_login: Option<(i64, IpAddr)>,
    /// The last failed check (ms).
    pub(crate) last_failed_login: Option<i64>,
}

/// What changed since the last write to the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Dirty {
    Counter(CounterKey),
    Origin(i64, IpAddr),
    Activity(i64),
}

/// The lockout state of every account.
#[derive(Debug, Default)]
pub(crate) struct LockoutState {
    pub(crate) counters: HashMap<CounterKey, Counter>,
    /// user -> address -> last successful login (ms).
    pub(crate) origins: HashMap<i64, HashMap<IpAddr, i64>>,
    /// user -> last login and last failure.
    pub(crate) activity: HashMap<i64, LoginActivity>,
    /// Keys to write to the store.
    pub(crate) dirty: HashSet<Dirty>,
    /// A background write of `dirty` is pending.
    pub(crate) flush_scheduled: bool,
}

impl LockoutState {
    /// The counter an attempt on `user_id` from `origin` uses.
    pub(crate) fn key(&self, policy: &LockoutPolicy, user_id: i64, origin: IpAddr, now_ms: i64) -> CounterKey {
        let known = self
            .origins
            .get(&user_id)
            .and_then(|o| o.get(&origin))
            .is_some_and(|last| now_ms < last.saturating_add(policy.known_origin_ms));
        CounterKey { user_id, known }
    }

    /// True when logins on this counter are refused now.
    pub(crate) fn locked(&self, key: CounterKey, now_ms: i64) -> bool {
        self.counters
            .get(&key)
            .and_then(|c| c.locked_until)
            .is_some_and(|until| now_ms < until)
    }

    /// Starts a check on this counter: false (refused, nothing counted) while it is locked, or, once it has
    /// recent failures, while they and the checks already running reach the limit (so parallel guesses cannot
    /// overshoot it). A counter without failures takes any number of parallel checks: many clients of one
    /// account may log in at once, and a first burst of wrong guesses locks the account as it completes.
    pub(crate) fn begin(&mut self, policy: &LockoutPolicy, key: CounterKey, now_ms: i64) -> bool {
        if self.locked(key, now_ms) {
            return false;
        }
        let counter = self.counters.entry(key).or_default();
        counter.failures.retain(|at| policy.counts(*at, now_ms));
        if !counter.failures.is_empty() && counter.failures.len() + counter.in_flight >= policy.max_failures.max(1) {
            return false;
        }
        counter.in_flight += 1;
        true
    }

    /// A check started with [`begin`](Self::begin) is over.
    pub(crate) fn end(&mut self, key: CounterKey) {
        if let Some(counter) = self.counters.get_mut(&key) {
            counter.in_flight = counter.in_flight.saturating_sub(1);
            if counter.in_flight == 0 && !counter.worth_storing() {
                self.counters.remove(&key);
            }
        }
    }

    /// Counts a failed check (not while locked); locks the counter when the limit is reached. True when this
    /// failure locked it.
    pub(crate) fn fail(&mut self, policy: &LockoutPolicy, key: CounterKey, now_ms: i64) -> bool {
        if self.locked(key, now_ms) {
            return false;
        }
        let counter = self.counters.entry(key).or_default();
        counter.locked_until = None;
        counter.failures.retain(|at| policy.counts(*at, now_ms));
        counter.failures.push(now_ms);
        let locks = counter.failures.len() >= policy.max_failures.max(1);
        if locks {
            counter.failures.clear();
            counter.locked_until = Some(now_ms.saturating_add(policy.period_ms));
        }
        self.dirty.insert(Dirty::Counter(key));
        locks
    }

    /// A login on this counter succeeded from `origin`: its failures are cleared and `origin` becomes (or stays)
    /// a known origin of the account.
    pub(crate) fn succeed(&mut self, policy: &LockoutPolicy, key: CounterKey, origin: IpAddr, now_ms: i64) {
        if let Some(counter) = self.counters.get_mut(&key)
            && counter.worth_storing()
        {
            counter.failures.clear();
            counter.locked_until = None;
            self.dirty.insert(Dirty::Counter(key));
        }
        if self.counters.get(&key).is_some_and(|c| c.in_flight == 0) {
            self.counters.remove(&key);
        }
        let origins = self.origins.entry(key.user_id).or_default();
        let stale: Vec<IpAddr> = origins
            .iter()
            .filter(|(_, last)| now_ms >= last.saturating_add(policy.known_origin_ms))
            .map(|(ip, _)| *ip)
            .collect();
        for ip in stale {
            origins.remove(&ip);
            self.dirty.insert(Dirty::Origin(key.user_id, ip));
        }
        let previous = origins.insert(origin, now_ms);
        if previous.is_none_or(|last| now_ms >= last.saturating_add(ORIGIN_REFRESH_MS)) {
            self.dirty.insert(Dirty::Origin(key.user_id, origin));
        } else if let Some(last) = previous {
            // Keep the stored time: it is what survives a restart, and it is recent enough.
            origins.insert(origin, last);
        }
    }

    /// Ends any lock of the account and clears both its counters (its known origins stay).
    pub(crate) fn reset(&mut self, user_id: i64) {
        for known in [false, true] {
            let key = CounterKey { user_id, known };
            if let Some(counter) = self.counters.get_mut(&key) {
                counter.failures.clear();
                counter.locked_until = None;
                self.dirty.insert(Dirty::Counter(key));
                if counter.in_flight == 0 {
                    self.counters.remove(&key);
                }
            }
        }
    }

    /// Records a successful login of `user_id` from `origin` (any mechanism).
    pub(crate) fn note_login(&mut self, user_id: i64, origin: IpAddr, now_ms: i64) {
        self.activity.entry(user_id).or_default().last_login = Some((now_ms, origin));
        self.dirty.insert(Dirty::Activity(user_id));
    }

    /// Records a failed check of `user_id` (also under a profile that never locks).
    pub(crate) fn note_failure(&mut self, user_id: i64, now_ms: i64) {
        self.activity.entry(user_id).or_default().last_failed_login = Some(now_ms);
        self.dirty.insert(Dirty::Activity(user_id));
    }

    /// The account's failures that still count under `policy` at `now_ms` (both counters, oldest first), and
    /// the end of the latest lock in force.
    pub(crate) fn standing(&self, policy: &LockoutPolicy, user_id: i64, now_ms: i64) -> (Vec<i64>, Option<i64>) {
        let mut failures = Vec::new();
        let mut locked_until = None;
        for known in [false, true] {
            let Some(counter) = self.counters.get(&CounterKey { user_id, known }) else {
                continue;
            };
            failures.extend(counter.failures.iter().copied().filter(|at| policy.counts(*at, now_ms)));
            if let Some(until) = counter.locked_until.filter(|until| now_ms < *until) {
                locked_until = locked_until.max(Some(until));
            }
        }
        failures.sort_unstable();
        (failures, locked_until)
    }

    /// Forgets a deleted account (its rows go with the user's).
    pub(crate) fn forget(&mut self, user_id: i64) {
        self.counters.retain(|k, _| k.user_id != user_id);
        self.origins.remove(&user_id);
        self.activity.remove(&user_id);
        self.dirty.retain(|d| match d {
            Dirty::Counter(k) => k.user_id != user_id,
            Dirty::Origin(u, _) => *u != user_id,
            Dirty::Activity(u) => *u != user_id,
        });
    }
}

/// The lockout of a running service: the configured defaults (their `known_origin_ms` applies to every
/// profile), the state, and its persistence.
#[derive(Debug)]
pub(crate) struct Lockout {
    pub(crate) policy: LockoutPolicy,
    pub(crate) state: Mutex<LockoutState>,
    pub(crate) store: LockoutStore,
    /// Failures that locked a counter (an account from an origin class), for `/metrics`.
    pub(crate) lockouts: MetricCounter,
}

impl Lockout {
    pub(crate) fn new(policy: LockoutPolicy) -> Self {
        Lockout {
            policy,
            state: Mutex::new(LockoutState::default()),
            store: LockoutStore::default(),
            lockouts: MetricCounter::default(),
        }
    }

    /// Starts a password or one-time-password check of `user_id` from `origin` under `policy` (the user's
    /// profile's): refused (locked out) when [`Attempt::allowed`] is false. The attempt ends with
    /// [`Attempt::failed`], [`Attempt::succeeded`] or when dropped. Under a policy that never locks, nothing is
    /// counted or refused (known origins are still remembered).
    pub(crate) fn begin(&self, policy: LockoutPolicy, user_id: i64, origin: IpAddr, now_ms: i64) -> Attempt<'_> {
        let counted = policy.max_failures > 0;
        let (key, allowed) = match self.state.lock() {
            Ok(mut s) => {
                let key = s.key(&policy, user_id, origin, now_ms);
                let allowed = !counted || s.begin(&policy, key, now_ms);
                (key, allowed)
            }
            // A poisoned lock refuses: failing closed.
            Err(_) => (CounterKey { user_id, known: false }, false),
        };
        Attempt {
            lockout: self,
            policy,
            key,
            allowed,
            counted,
            running: allowed && counted,
        }
    }

    /// Ends any lock of an account and clears its counters.
    pub(crate) fn reset(&self, user_id: i64) {
        if let Ok(mut s) = self.state.lock() {
            s.reset(user_id);
        }
    }

    /// Forgets a deleted account.
    pub(crate) fn forget(&self, user_id: i64) {
        if let Ok(mut s) = self.state.lock() {
            s.forget(user_id);
        }
    }
}

/// A running check of an account (see [`Lockout::begin`]).
#[derive(Debug)]
pub(crate) struct Attempt<'a> {
    lockout: &'a Lockout,
    policy: LockoutPolicy,
    key: CounterKey,
    /// False when the account is locked out for the attempt's origin: the caller answers as for a wrong
    /// password, and nothing is counted.
    pub(crate) allowed: bool,
    /// The policy locks at all (else nothing is counted).
    counted: bool,
    running: bool,
}

impl Attempt<'_> {
    /// The check failed: counted, and remembered as the account's last failure. Returns the end of the lock
    /// when this failure locked the counter.
    pub(crate) fn failed(mut self, now_ms: i64) -> Option<i64> {
        let running = std::mem::replace(&mut self.running, false);
        let Ok(mut s) = self.lockout.state.lock() else {
            return None;
        };
        s.note_failure(self.key.user_id, now_ms);
        if !self.counted {
            return None;
        }
        if running {
            s.end(self.key);
        }
        if self.allowed && s.fail(&self.policy, self.key, now_ms) {
            self.lockout.lockouts.inc();
            return s.counters.get(&self.key).and_then(|c| c.locked_until);
        }
        None
    }

    /// The login succeeded from `origin`: the counter is cleared and `origin` is a known origin.
    pub(crate) fn succeeded(mut self, origin: IpAddr, now_ms: i64) {
        let running = std::mem::replace(&mut self.running, false);
        if let Ok(mut s) = self.lockout.state.lock() {
            if running {
                s.end(self.key);
            }
            s.succeed(&self.policy, self.key, origin, now_ms);
        }
    }

    /// From one of the account's known origins.
    pub(crate) fn known_origin(&self) -> bool {
        self.key.known
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if self.running
            && let Ok(mut s) = self.lockout.state.lock()
        {
            s.end(self.key);
        }
    }
}

#[cfg(test)]
mod tests;

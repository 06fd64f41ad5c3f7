//! The rate limit of unauthenticated calls (TrueNAS `RateLimitCache`): a connection that is not logged in may
//! call each no-auth method at most `max_calls` times per `window` from one IP address. The call over the limit
//! waits a random `sleep_min..=sleep_max` and fails with CallError "Rate Limit Exceeded" (EBUSY). Logged-in
//! sessions and the methods declared with `rate_limit: false` (`core.set_options`) are not limited. At most `max_entries` (method, address) pairs are tracked:
//! a new pair arriving at a full table evicts the pair whose window started first (so callers rotating
//! addresses cannot make the server refuse everyone), and the table is emptied every `clear_interval` (as
//! TrueNAS does). Time comes from the services' injected clock.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

use accountd_api::{Access, Method};
use accountd_core::Error;
use accountd_core::error::errno;
use rand::Rng;

use crate::session::Session;
use crate::state::AppState;

/// Limits of unauthenticated calls (TrueNAS `RateLimitConfig` defaults).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitConfig {
    /// Calls of one method from one address allowed per window.
    pub max_calls: u32,
    /// The counting window, starting at a pair's first call (and again after it ends).
    pub window: Duration,
    /// Shortest wait before refusing a call over the limit.
    pub sleep_min: Duration,
    /// Longest wait before refusing a call over the limit.
    pub sleep_max: Duration,
    /// (method, address) pairs tracked at most; a new pair evicts the oldest when the table is full.
    pub max_entries: usize,
    /// How often the whole table is emptied.
    pub clear_interval: Duration,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        RateLimitConfig {
            max_calls: 20,
            window: Duration::from_secs(60),
            sleep_min: Duration::from_secs(1),
            sleep_max: Duration::from_secs(10),
            max_entries: 100,
            clear_interval: Duration::from_secs(600),
        }
    }
}

#[derive(Debug)]
struct Entry {
    calls: u32,
    window_start_ms: i64,
}

#[derive(Debug, Default)]
struct Table {
    entries: HashMap<(&'static str, IpAddr), Entry>,
    cleared_at_ms: Option<i64>,
}

impl Table {
    /// Drops the pair whose window started first (a linear scan: the table is small).
    fn evict_oldest(&mut self) {
        let oldest = self
            .entries
            .iter()
            .min_by_key(|(_, e)| e.window_start_ms)
            .map(|(k, _)| *k);
        if let Some(key) = oldest {
            self.entries.remove(&key);
        }
    }
}

/// Call counts per (method, address).
#[derive(Debug)]
pub struct RateLimiter {
    config: RateLimitConfig,
    table: Mutex<Table>,
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl RateLimiter {
    /// An empty table with these limits.
    pub fn new(config: RateLimitConfig) -> Self {
        RateLimiter {
            config,
            table: Mutex::new(Table::default()),
        }
    }

    /// Counts one call of `method` from `ip` at `now_ms`; true when the call must be refused.
    pub fn exceeded(&self, method: &'static str, ip: IpAddr, now_ms: i64) -> bool {
        let Ok(mut table) = self.table.lock() else {
            return true;
        };
        match table.cleared_at_ms {
            Some(at) if now_ms - at < ms(self.config.clear_interval) => {}
            Some(_) => {
                table.entries.clear();
                table.cleared_at_ms = Some(now_ms);
            }
            None => table.cleared_at_ms = Some(now_ms),
        }
        let key = (method, ip);
        if !table.entries.contains_key(&key) && table.entries.len() >= self.config.max_entries.max(1) {
            table.evict_oldest();
        }
        let entry = table.entries.entry(key).or_insert(Entry {
            calls: 0,
            window_start_ms: now_ms,
        });
        if now_ms - entry.window_start_ms >= ms(self.config.window) {
            entry.calls = 0;
            entry.window_start_ms = now_ms;
        }
        entry.calls = entry.calls.saturating_add(1);
        entry.calls > self.config.max_calls
    }

    /// How long to wait before refusing a call: uniform in `sleep_min..=sleep_max`.
    pub fn sleep_duration(&self) -> Duration {
        let (lo, hi) = (self.config.sleep_min, self.config.sleep_max);
        if hi <= lo {
            return lo;
        }
        rand::thread_rng().gen_range(lo..=hi)
    }
}

/// The dispatch hook: limits calls of method `M` when it is a rate-limited no-auth method and the connection is
/// not logged in.
pub async fn check<M: Method>(state: &AppState, session: &Session) -> Result<(), Error> {
    if M::ACCESS != Access::NoAuth || !M::RATE_LIMITED || session.is_authenticated() {
        return Ok(());
    }
    let ip = session.origin.ip();
    if !state.rate_limiter.exceeded(M::NAME, ip, state.accounts.now_ms()) {
        return Ok(());
    }
    tracing::info!(%ip, "rate limit exceeded");
    accountd_core::auth::wait_failure_delay(state.rate_limiter.sleep_duration()).await;
    Err(Error::call(errno::EBUSY, "Rate Limit Exceeded"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(max_calls: u32, max_entries: usize) -> RateLimiter {
        RateLimiter::new(RateLimitConfig {
            max_calls,
            max_entries,
            ..RateLimitConfig::default()
        })
    }

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn defaults_are_truenas() {
        let c = RateLimitConfig::default();
        assert_eq!(
            (c.max_calls, c.window, c.max_entries),
            (20, Duration::from_secs(60), 100)
        );
        assert_eq!(
            (c.sleep_min, c.sleep_max),
            (Duration::from_secs(1), Duration::from_secs(10))
        );
        assert_eq!(c.clear_interval, Duration::from_secs(600));
    }

    #[test]
    fn the_call_after_the_limit_is_refused_per_method_and_address() {
        let l = limiter(3, 100);
        let got: Vec<bool> = (0..5).map(|_| l.exceeded("auth.login_ex", A, 0)).collect();
        assert_eq!(got, [false, false, false, true, true]);
        assert!(!l.exceeded("core.ping", A, 0));
        assert!(!l.exceeded("auth.login_ex", B, 0));
    }

    #[test]
    fn the_window_restarts_after_it_ends() {
        let l = limiter(2, 100);
        assert!(!l.exceeded("m", A, 0));
        assert!(!l.exceeded("m", A, 30_000));
        assert!(l.exceeded("m", A, 59_999));
        // Refused calls count too; the window still ends 60 s after its first call.
        assert!(!l.exceeded("m", A, 60_000));
        assert!(!l.exceeded("m", A, 60_001));
        assert!(l.exceeded("m", A, 60_002));
    }

    #[test]
    fn a_full_table_evicts_its_oldest_pair() {
        const C: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 3));
        let l = limiter(2, 2);
        assert!(!l.exceeded("m", A, 0));
        assert!(!l.exceeded("m", A, 0));
        assert!(l.exceeded("m", A, 0));
        assert!(!l.exceeded("m", B, 1));
        // The table is full: a new address is still let in, and the oldest pair (A's) is forgotten.
        assert!(!l.exceeded("m", C, 2));
        assert!(!l.exceeded("m", C, 2));
        assert!(l.exceeded("m", C, 2));
        // B's count survived; A starts again (evicting B, now the oldest).
        assert!(!l.exceeded("m", B, 3));
        assert!(l.exceeded("m", B, 3));
        assert!(!l.exceeded("m", A, 4));
        assert_eq!(l.table.lock().unwrap().entries.len(), 2);
    }

    #[test]
    fn the_table_is_emptied_every_clear_interval() {
        let l = RateLimiter::new(RateLimitConfig {
            max_calls: 1,
            window: Duration::from_secs(3600),
            ..RateLimitConfig::default()
        });
        assert!(!l.exceeded("a", A, 0));
        assert!(l.exceeded("a", A, 599_999));
        assert!(!l.exceeded("a", A, 600_000));
    }

    #[test]
    fn sleeps_fall_in_the_range() {
        let l = RateLimiter::new(RateLimitConfig {
            sleep_min: Duration::from_millis(5),
            sleep_max: Duration::from_millis(9),
            ..RateLimitConfig::default()
        });
        for _ in 0..200 {
            let d = l.sleep_duration();
            assert!(d >= Duration::from_millis(5) && d <= Duration::from_millis(9), "{d:?}");
        }
        let zero = RateLimiter::new(RateLimitConfig {
            sleep_min: Duration::ZERO,
            sleep_max: Duration::ZERO,
            ..RateLimitConfig::default()
        });
        assert_eq!(zero.sleep_duration(), Duration::ZERO);
    }
}

//! Shared server state: the services, the method table's compiled validators and limits.

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use accountd_api::MethodSpec;
use accountd_core::Accounts;
use accountd_core::audit::AuditLog;

use crate::address_share::AddressShares;
use crate::docs::Docs;
use crate::metrics::{ServerMetrics, SharedRegistry};
use crate::origin::TrustedProxies;
use crate::rate_limit::{RateLimitConfig, RateLimiter};
use crate::registry::SessionRegistry;

/// Transport limits (TrueNAS defaults where TrueNAS has one).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Open connections at most (WebSocket and plain HTTP); a connection over the cap is answered HTTP 503
    /// and closed.
    pub max_connections: usize,
    /// Percentage of `max_connections` (at least one connection) one client address may hold with connections
    /// that are not logged in; more are answered HTTP 503.
    pub unauthenticated_share_percent: u8,
    /// Peers whose forwarding headers (`X-Real-Remote-Addr`, `X-Forwarded-For`) name the real client.
    pub trusted_proxies: TrustedProxies,
    /// A connection must finish its WebSocket handshake, and then log in, within this time (measured again
    /// from a logout); otherwise it is closed (close code 1008 once it is a WebSocket).
    pub login_timeout: Duration,
    /// A connection whose peer accepts no byte of what the server writes for this long is dropped.
    pub write_timeout: Duration,
    /// Largest message before login (bytes); larger closes the connection with 1007.
    pub max_message_unauthenticated: usize,
    /// Largest message after login (bytes); larger closes the connection with 1009.
    pub max_message_authenticated: usize,
    /// Calls in flight per connection (a call counts until its reply is queued); more are answered -32000.
    pub max_concurrent_calls: usize,
    /// Outbound messages queued per connection. When it is full, replies wait (and the connection stops
    /// reading requests) and an event closes the connection as too slow.
    pub outbound_queue: usize,
    /// Bytes of text queued per connection at most (a message larger than this is queued alone). When a reply
    /// does not fit, it waits and the connection stops reading requests; an event that does not fit closes the
    /// connection as too slow.
    pub outbound_queue_bytes: usize,
    /// Rate limit of unauthenticated calls to no-auth methods.
    pub rate_limit: RateLimitConfig,
    /// Origins (`https://nas.example:8443`) that may show the web page in a frame: the page's policy says
    /// `frame-ancestors <origins>` and no `X-Frame-Options: DENY`. Empty: no one may frame it.
    pub ui_frame_ancestors: Vec<String>,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 10_000,
            unauthenticated_share_percent: 10,
            trusted_proxies: TrustedProxies::default(),
            login_timeout: Duration::from_secs(60),
            write_timeout: Duration::from_secs(30),
            max_message_unauthenticated: 8192,
            max_message_authenticated: 65536,
            max_concurrent_calls: 20,
            outbound_queue: 1024,
            outbound_queue_bytes: 8 << 20,
            rate_limit: RateLimitConfig::default(),
            ui_frame_ancestors: Vec::new(),
        }
    }
}

impl Limits {
    /// Unauthenticated connections one address may hold: `unauthenticated_share_percent` of
    /// `max_connections`, at least 1.
    pub fn max_unauthenticated_per_address(&self) -> usize {
        (self
            .max_connections
            .saturating_mul(usize::from(self.unauthenticated_share_percent))
            / 100)
            .max(1)
    }
}

/// Everything a connection needs; shared by all connections.
pub struct AppState {
    /// The account services.
    pub accounts: Accounts,
    /// The audit log.
    pub audit: AuditLog,
    /// Call counts of unauthenticated no-auth calls.
    pub rate_limiter: RateLimiter,
    /// Method specs by name.
    pub specs: HashMap<&'static str, MethodSpec>,
    /// Limits.
    pub limits: Limits,
    /// Connection counter.
    pub next_connection: AtomicU64,
    /// Reference pages and the OpenRPC document.
    pub docs: Docs,
    /// Every open connection's session, and the authentication tokens.
    pub sessions: Arc<SessionRegistry>,
    /// Unauthenticated connections per client address.
    pub address_shares: Arc<AddressShares>,
    /// Calls, logins, connections and queued bytes, as measured (kept whether or not they are served).
    pub metrics: ServerMetrics,
    /// The registry `/metrics` answers with on the API's listener; unset (404) unless metrics are on there.
    exposed_metrics: OnceLock<SharedRegistry>,
}

impl AppState {
    /// Builds the state with every method's spec (the dispatch compiles their params validators).
    pub fn new(accounts: Accounts, audit: AuditLog, limits: Limits) -> Result<Arc<AppState>, String> {
        let all = accountd_api::methods::all();
        let docs = Docs::render(&all);
        let specs: HashMap<_, _> = all.into_iter().map(|spec| (spec.name, spec)).collect();
        let sessions = SessionRegistry::new();
        sessions.set_audit(audit.clone());
        // Writes that end credentials (a new password, a locked user, a revoked key) end the sessions, pending
        // logins and tokens that depended on them, right after their commit.
        accounts.set_credential_effects(sessions.clone());
        // `user.activity` counts the sessions the registry holds, and publishes its events from now on.
        accounts.set_live_sessions(sessions.clone());
        Ok(Arc::new(AppState {
            rate_limiter: RateLimiter::new(limits.rate_limit.clone()),
            address_shares: AddressShares::new(limits.max_unauthenticated_per_address()),
            accounts,
            audit,
            specs,
            limits,
            next_connection: AtomicU64::new(1),
            docs,
            sessions,
            metrics: ServerMetrics::default(),
            exposed_metrics: OnceLock::new(),
        }))
    }

    /// Serves `registry` at `/metrics` on the API's listener from now on (once; later calls are ignored).
    pub fn expose_metrics(&self, registry: SharedRegistry) {
        let _ = self.exposed_metrics.set(registry);
    }

    /// The registry `/metrics` answers with, when metrics are on for the API's listener.
    pub(crate) fn exposed_metrics(&self) -> Option<&SharedRegistry> {
        self.exposed_metrics.get()
    }
}

//! Per-connection session state: who is logged in and the connection's options.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use accountd_api::types::common::Timestamp;
use accountd_api::types::core::EffectiveOptions;
use accountd_api::types::sessions::{ApiKeySessionData, CredentialsData, SessionCredentials};
use accountd_core::Caller;
use accountd_core::activity::ActivityNotifier;
use accountd_core::events::ChangeEvent;
use accountd_core::sessions::TokenHash;
use tokio::sync::{broadcast, watch};

use crate::origin::ClientOrigin;

/// How a session authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// Username and password (`LOGIN_PASSWORD`).
    LoginPassword,
    /// Username, password and one-time password (`LOGIN_TWOFACTOR`).
    LoginTwofactor,
    /// A single-use password from `auth.generate_onetime_password` (`ONETIME_PASSWORD`).
    OnetimePassword,
    /// An API key (`API_KEY`).
    ApiKey {
        /// Key id.
        id: i64,
        /// Key name.
        name: String,
        /// When the key expires (ms since the epoch): the session ends then.
        expires_at_ms: Option<i64>,
    },
    /// A token from `auth.generate_token` (`TOKEN`).
    Token {
        /// The token's hash in the token store.
        hash: TokenHash,
        /// Credentials of the session that created the token.
        parent: Box<SessionCredentials>,
    },
}

/// The login on one connection.
#[derive(Debug, Clone)]
pub struct Login {
    /// The authenticated user and roles.
    pub caller: Caller,
    /// The roles generation `caller.roles` was read at.
    pub roles_generation: u64,
    /// How it authenticated.
    pub credential: Credential,
    /// When it logged in (ms since the epoch).
    pub login_at_ms: i64,
    /// How long it may live and sit idle (the assurance level it logged in under).
    pub bounds: SessionBounds,
}

/// The life of a login under the assurance level it logged in under (TrueNAS's `max_session_age` and
/// `max_inactivity` of user sessions; token sessions live as long as their token).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionBounds {
    /// The login ends at this time (ms since the epoch).
    pub expires_at_ms: Option<i64>,
    /// The login ends after this long without a message (ms).
    pub max_idle_ms: Option<i64>,
}

impl SessionBounds {
    /// True when a login last used at `last_used_ms` has ended at `now_ms`.
    pub fn ended(&self, last_used_ms: i64, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|e| now_ms > e)
            || self
                .max_idle_ms
                .is_some_and(|idle| now_ms > last_used_ms.saturating_add(idle))
    }
}

impl Login {
    /// `credentials` and `credentials_data` as `auth.sessions` shows them.
    pub fn credentials(&self) -> SessionCredentials {
        let user = |login_at: Option<Timestamp>, api_key: Option<ApiKeySessionData>| CredentialsData {
            username: self.caller.username.clone(),
            login_at,
            api_key,
            parent: None,
        };
        let login_at = Some(Timestamp { ms: self.login_at_ms });
        let (kind, data) = match &self.credential {
            Credential::LoginPassword => ("LOGIN_PASSWORD", user(login_at, None)),
            Credential::LoginTwofactor => ("LOGIN_TWOFACTOR", user(login_at, None)),
            Credential::OnetimePassword => ("ONETIME_PASSWORD", user(login_at, None)),
            Credential::ApiKey { id, name, .. } => (
                "API_KEY",
                user(
                    login_at,
                    Some(ApiKeySessionData {
                        id: *id,
                        name: name.clone(),
                    }),
                ),
            ),
            Credential::Token { parent, .. } => (
                "TOKEN",
                CredentialsData {
                    parent: Some(parent.clone()),
                    ..user(None, None)
                },
            ),
        };
        SessionCredentials {
            credentials: kind.to_string(),
            credentials_data: data,
        }
    }

    /// The credentials a token created by this session refers to: a token session's own parent, so tokens
    /// made from tokens still name the original login.
    pub fn root_credentials(&self) -> SessionCredentials {
        match &self.credential {
            Credential::Token { parent, .. } => (**parent).clone(),
            _ => self.credentials(),
        }
    }

    /// The token this session logged in with.
    pub fn token(&self) -> Option<TokenHash> {
        match &self.credential {
            Credential::Token { hash, .. } => Some(*hash),
            _ => None,
        }
    }

    /// The API key this session logged in with, or whose token it logged in with.
    pub fn api_key(&self) -> Option<i64> {
        match &self.credential {
            Credential::ApiKey { id, .. } => Some(*id),
            Credential::Token { parent, .. } => parent.credentials_data.api_key.as_ref().map(|k| k.id),
            _ => None,
        }
    }

    /// True when this session logged in with a password, or with a token made from a password login.
    pub fn derives_from_password(&self) -> bool {
        match &self.credential {
            Credential::LoginPassword | Credential::LoginTwofactor | Credential::OnetimePassword => true,
            Credential::ApiKey { .. } => false,
            Credential::Token { parent, .. } => {
                matches!(parent.credentials.as_str(), "LOGIN_PASSWORD" | "LOGIN_TWOFACTOR")
            }
        }
    }

    /// What bounds this login's life: the token it uses, when its API key expires, its assurance bounds.
    fn lifetime(&self) -> LoginLifetime {
        LoginLifetime {
            bounds: self.bounds,
            token: self.token(),
            expires_at_ms: match &self.credential {
                Credential::ApiKey { expires_at_ms, .. } => *expires_at_ms,
                _ => None,
            },
        }
    }
}

/// What a message on a logged-in session checks: the token it uses and its API key's expiry.
#[derive(Debug, Clone, Copy)]
pub struct LoginLifetime {
    /// Its assurance level's session age and idle timeout.
    pub bounds: SessionBounds,
    /// The token the login uses.
    pub token: Option<TokenHash>,
    /// When the login's API key expires (ms since the epoch).
    pub expires_at_ms: Option<i64>,
}

/// A password login waiting for the user's one-time password.
#[derive(Debug, Clone)]
pub struct PendingOtp {
    /// Who logs in once the code is right.
    pub caller: Caller,
    /// The roles generation `caller.roles` was read at.
    pub roles_generation: u64,
    /// The attempt is over at this time (ms since the epoch): the login timeout after the password step.
    pub expires_at_ms: i64,
}

/// A running credential check of a connection (see [`Session::begin_credential_check`]).
#[derive(Debug)]
pub struct CredentialCheck<'a>(&'a AtomicBool);

impl Drop for CredentialCheck<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

/// State of one WebSocket connection.
#[derive(Debug)]
pub struct Session {
    /// Connection number, for logs.
    pub id: u64,
    /// Session id as `auth.sessions` shows it (a UUID).
    pub session_id: String,
    /// The client's address (see [`crate::origin`]).
    pub origin: SocketAddr,
    /// An API key may be sent over this connection (TLS, or a loopback client).
    pub secure_transport: bool,
    login: Mutex<Option<Login>>,
    /// How many logins this connection has had, so that a login and logout between two looks of the login
    /// deadline are not missed.
    logins: AtomicU64,
    /// When the login last received a message (ms since the epoch), for its idle timeout.
    last_used_ms: AtomicI64,
    pending_otp: Mutex<Option<PendingOtp>>,
    /// A password or one-time-password check is running on this connection.
    checking_credential: AtomicBool,
    terminated: watch::Sender<bool>,
    options: Mutex<EffectiveOptions>,
    subscriptions: Mutex<Vec<(String, String)>>,
    events: Mutex<Option<broadcast::Receiver<Arc<ChangeEvent>>>>,
    /// Told when a user logs in or out here (`user.activity` events).
    activity: Option<ActivityNotifier>,
}

impl Session {
    /// A fresh, logged-out session of a client at `origin`.
    pub fn new(id: u64, origin: ClientOrigin) -> Self {
        Session {
            id,
            session_id: uuid::Uuid::new_v4().to_string(),
            origin: origin.addr,
            secure_transport: origin.secure_transport,
            login: Mutex::new(None),
            logins: AtomicU64::new(0),
            last_used_ms: AtomicI64::new(0),
            pending_otp: Mutex::new(None),
            checking_credential: AtomicBool::new(false),
            terminated: watch::Sender::new(false),
            options: Mutex::new(EffectiveOptions::default()),
            subscriptions: Mutex::new(Vec::new()),
            events: Mutex::new(None),
            activity: None,
        }
    }

    /// The session, announcing its logins and logouts to `notifier`.
    pub fn with_activity(mut self, notifier: Option<ActivityNotifier>) -> Self {
        self.activity = notifier;
        self
    }

    /// The password was changed from this session by its own user: the restriction of an expired password is
    /// lifted at once (the session stays logged in).
    pub fn lift_password_change_required(&self, user_id: i64) {
        if let Ok(mut l) = self.login.lock()
            && let Some(login) = l.as_mut()
            && login.caller.user_id == user_id
            && login.caller.password_change_required
        {
            login.caller.password_change_required = false;
            tracing::info!(
                conn = self.id,
                user_id,
                "the new password lifts the session's restriction"
            );
        }
    }

    /// Parks (or with `None` drops) a password login that waits for its one-time password.
    pub fn set_pending_otp(&self, pending: Option<PendingOtp>) {
        if let Ok(mut p) = self.pending_otp.lock() {
            *p = pending;
        }
    }

    /// Drops the pending login if it is one of `user_id` (their password changed, they were locked or deleted).
    pub fn drop_pending_otp_of(&self, user_id: i64) {
        if let Ok(mut p) = self.pending_otp.lock()
            && p.as_ref().is_some_and(|p| p.caller.user_id == user_id)
        {
            *p = None;
        }
    }

    /// Starts a password check on this connection, unless one is running: at most one runs per connection
    /// (with its failure delay), so one connection cannot try passwords in parallel. The check lasts as long
    /// as the returned guard.
    pub fn begin_credential_check(&self) -> Option<CredentialCheck<'_>> {
        self.checking_credential
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .ok()
            .map(|_| CredentialCheck(&self.checking_credential))
    }

    /// Takes the pending login, if any.
    pub fn take_pending_otp(&self) -> Option<PendingOtp> {
        self.pending_otp.lock().ok().and_then(|mut p| p.take())
    }

    /// Ends the session: logs it out, drops its subscriptions and pending login, and tells the connection loop
    /// to close the connection. Returns the login it ended.
    pub fn terminate(&self) -> Option<Login> {
        // The flag first: `set_login` checks it under the login lock, so no login can slip in afterwards.
        self.terminated.send_replace(true);
        self.set_pending_otp(None);
        self.set_login(None)
    }

    /// Completes when the session has been terminated.
    pub async fn terminated(&self) {
        let mut rx = self.terminated.subscribe();
        let _ = rx.wait_for(|t| *t).await;
    }

    /// True once terminated.
    pub fn is_terminated(&self) -> bool {
        *self.terminated.borrow()
    }

    /// What bounds the current login's life, if logged in (read without copying the login: asked on every
    /// message).
    pub fn login_lifetime(&self) -> Option<LoginLifetime> {
        self.login.lock().ok().and_then(|l| l.as_ref().map(Login::lifetime))
    }

    /// When the login last received a message (ms since the epoch).
    pub fn last_used_ms(&self) -> i64 {
        self.last_used_ms.load(Ordering::Acquire)
    }

    /// Counts a message at `now_ms` as a use of the login.
    pub fn mark_used(&self, now_ms: i64) {
        self.last_used_ms.fetch_max(now_ms, Ordering::AcqRel);
    }

    /// Changes the current login's API-key expiry when it logged in with key `key_id`.
    pub fn set_api_key_expiry(&self, key_id: i64, expires: Option<i64>) {
        if let Ok(mut l) = self.login.lock()
            && let Some(Login {
                credential: Credential::ApiKey { id, expires_at_ms, .. },
                ..
            }) = l.as_mut()
            && *id == key_id
        {
            *expires_at_ms = expires;
        }
    }

    /// The current login, if any.
    pub fn login(&self) -> Option<Login> {
        self.login.lock().ok().and_then(|l| l.clone())
    }

    /// True when logged in.
    pub fn is_authenticated(&self) -> bool {
        self.login.lock().map(|l| l.is_some()).unwrap_or(false)
    }

    /// How many times this connection has logged in (a new login counts, a refreshed one too).
    pub fn logins(&self) -> u64 {
        self.logins.load(Ordering::Acquire)
    }

    /// Sets or clears the login (a terminated session stays logged out); logging out drops subscriptions.
    /// Returns the login it replaced.
    pub fn set_login(&self, login: Option<Login>) -> Option<Login> {
        let mut logged_out = login.is_none();
        let previous = self.login.lock().ok().and_then(|mut l| {
            let login = login.filter(|_| !self.is_terminated());
            logged_out = login.is_none();
            if let Some(new) = &login {
                self.last_used_ms.fetch_max(new.login_at_ms, Ordering::AcqRel);
                self.logins.fetch_add(1, Ordering::AcqRel);
            }
            std::mem::replace(&mut *l, login)
        });
        if logged_out && let Ok(mut s) = self.subscriptions.lock() {
            s.clear();
        }
        if let Some(notifier) = &self.activity {
            let before = previous.as_ref().map(|l| l.caller.user_id);
            let after = (!logged_out).then(|| self.login().map(|l| l.caller.user_id)).flatten();
            if before != after {
                before.into_iter().chain(after).for_each(|id| notifier.changed(id));
            }
        }
        previous
    }

    /// Changes connection options under the lock (so that concurrent `core.set_options` calls on one
    /// connection cannot lose each other's changes) and returns the effective values.
    pub fn update_options(&self, change: impl FnOnce(&mut EffectiveOptions)) -> EffectiveOptions {
        match self.options.lock() {
            Ok(mut o) => {
                change(&mut o);
                *o
            }
            Err(_) => EffectiveOptions::default(),
        }
    }

    /// Adds a subscription `(id, event_name)`.
    pub fn subscribe(&self, id: String, event: String) {
        if let Ok(mut s) = self.subscriptions.lock() {
            s.push((id, event));
        }
    }

    /// Removes a subscription by id.
    pub fn unsubscribe(&self, id: &str) {
        if let Ok(mut s) = self.subscriptions.lock() {
            s.retain(|(sid, _)| sid != id);
        }
    }

    /// Subscriptions as `(id, event name)`.
    pub fn subscriptions(&self) -> Vec<(String, String)> {
        self.subscriptions.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// True when the connection has any subscription.
    pub fn has_subscriptions(&self) -> bool {
        self.subscriptions.lock().map(|s| !s.is_empty()).unwrap_or(false)
    }

    /// Drops every subscription and returns them.
    pub fn clear_subscriptions(&self) -> Vec<(String, String)> {
        self.subscriptions
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }

    /// Parks a receiver of change events for the connection loop, unless one is parked already. Called by
    /// `core.subscribe` before it answers, so no event committed after the answer is missed.
    pub fn park_event_receiver(&self, make: impl FnOnce() -> broadcast::Receiver<Arc<ChangeEvent>>) {
        if let Ok(mut e) = self.events.lock()
            && e.is_none()
        {
            *e = Some(make());
        }
    }

    /// Takes the parked receiver, if any.
    pub fn take_event_receiver(&self) -> Option<broadcast::Receiver<Arc<ChangeEvent>>> {
        self.events.lock().ok().and_then(|mut e| e.take())
    }
}

//! The server-wide session registry: every open connection's [`Session`], so that sessions can be listed
//! (`auth.sessions`) and ended from elsewhere (`auth.terminate_session`, a locked or deleted user, a changed
//! password), and the in-memory token store.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use accountd_core::activity::LiveSessions;
use accountd_core::audit::AuditLog;
use accountd_core::sessions::{
    CredentialEffect, CredentialEffects, NewToken, Redeemed, TokenHash, TokenRefusal, TokenStore,
};

use crate::session::{Login, Session};

/// Every open connection's session, and the tokens.
#[derive(Default)]
pub struct SessionRegistry {
    sessions: Mutex<HashMap<String, Arc<Session>>>,
    tokens: Mutex<TokenStore>,
    /// Where the LOGOUT entries of sessions ended from here go.
    audit: OnceLock<AuditLog>,
    /// Held while a login is checked against its user's session cap and set, so that parallel logins of one
    /// user cannot both take the last place.
    login_gate: Mutex<()>,
}

/// A login refused because its user already holds the account profile's `max_concurrent_sessions`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionCapReached(pub usize);

impl std::fmt::Debug for SessionRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionRegistry").finish_non_exhaustive()
    }
}

/// Keeps a session registered; dropping it (when the connection ends) unregisters the session and destroys
/// the token it logged in with.
#[derive(Debug)]
pub struct Registration {
    registry: Arc<SessionRegistry>,
    session: Arc<Session>,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.unregister(&self.session);
    }
}

impl SessionRegistry {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Registers a new connection's session until the returned guard is dropped.
    pub fn register(self: &Arc<Self>, session: &Arc<Session>) -> Registration {
        if let Ok(mut s) = self.sessions.lock() {
            s.insert(session.session_id.clone(), session.clone());
        }
        Registration {
            registry: self.clone(),
            session: session.clone(),
        }
    }

    /// Records the LOGOUT entries of the sessions the registry ends in `audit`.
    pub fn set_audit(&self, audit: AuditLog) {
        let _ = self.audit.set(audit);
    }

    /// Queues the LOGOUT entry of a login the registry ended (nothing waits for it: this may run on the
    /// store's writer thread).
    fn record_end(&self, session: &Session, login: &Login) {
        if let Some(audit) = self.audit.get() {
            drop(crate::audit::logout_entry(audit, session, login));
        }
    }

    fn unregister(&self, session: &Session) {
        if let Ok(mut s) = self.sessions.lock() {
            s.remove(&session.session_id);
        }
        self.set_login(session, None);
    }

    fn tokens(&self) -> Option<MutexGuard<'_, TokenStore>> {
        self.tokens.lock().ok()
    }

    fn forget_token_of(&self, login: &Login) {
        if let (Some(hash), Some(mut tokens)) = (login.token(), self.tokens()) {
            tokens.destroy(&hash);
        }
    }

    /// Logs `session` in (or out with `None`). A token the session was logged in with dies with that login.
    pub fn set_login(&self, session: &Session, login: Option<Login>) {
        let keep = login.as_ref().and_then(Login::token);
        if let Some(previous) = session.set_login(login)
            && previous.token() != keep
        {
            self.forget_token_of(&previous);
        }
    }

    /// Logs `session` out because its connection closed, and returns the login that was on, if any. The login
    /// is taken under the session's lock, so a login ended concurrently from elsewhere (terminated, its
    /// credentials changed) is recorded by exactly one of the two.
    pub fn end_on_close(&self, session: &Session) -> Option<Login> {
        session.set_pending_otp(None);
        let previous = session.set_login(None)?;
        self.forget_token_of(&previous);
        Some(previous)
    }

    /// Logs `session` in with `login`, keeping its user within `cap` logged-in sessions (0: no cap). With
    /// `terminate_others` the user's other sessions end first (Avi's `--clear-sessions`); otherwise a login
    /// that would exceed the cap is refused.
    pub fn log_in_capped(
        &self,
        session: &Session,
        login: Login,
        cap: usize,
        terminate_others: bool,
    ) -> Result<(), SessionCapReached> {
        let _gate = self
            .login_gate
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let user_id = login.caller.user_id;
        let others: Vec<Arc<Session>> = self
            .logged_in()
            .into_iter()
            .filter(|(s, l)| s.session_id != session.session_id && l.caller.user_id == user_id)
            .map(|(s, _)| s)
            .collect();
        if terminate_others {
            // The token this login uses (and those it derives from) survive the sessions that made them.
            let spared = match (login.token(), self.tokens()) {
                (Some(hash), Some(tokens)) => tokens.lineage(&hash),
                _ => Vec::new(),
            };
            for other in &others {
                self.terminate_sparing(other, &spared);
            }
            tracing::info!(user_id, ended = others.len(), "login ended the user's other sessions");
        } else if cap > 0 && others.len() >= cap {
            return Err(SessionCapReached(cap));
        }
        self.set_login(session, Some(login));
        Ok(())
    }

    /// Logged-in sessions with their logins, in login order.
    pub fn logged_in(&self) -> Vec<(Arc<Session>, Login)> {
        let sessions: Vec<Arc<Session>> = self
            .sessions
            .lock()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default();
        let mut out: Vec<(Arc<Session>, Login)> =
            sessions.into_iter().filter_map(|s| s.login().map(|l| (s, l))).collect();
        out.sort_by_key(|(s, l)| (l.login_at_ms, s.id));
        out
    }

    /// The open session with this id.
    pub fn find(&self, session_id: &str) -> Option<Arc<Session>> {
        self.sessions.lock().ok().and_then(|s| s.get(session_id).cloned())
    }

    /// Terminates a session: destroys the tokens it created and the one it logged in with, logs it out and
    /// closes its connection.
    pub fn terminate(&self, session: &Session) {
        self.terminate_sparing(session, &[]);
    }

    /// [`terminate`](Self::terminate), keeping the tokens in `spared`.
    fn terminate_sparing(&self, session: &Session, spared: &[TokenHash]) {
        if let Some(mut tokens) = self.tokens() {
            tokens.destroy_except(spared, |t| t.created_by == session.session_id);
        }
        if let Some(login) = session.terminate() {
            self.record_end(session, &login);
            if login.token().is_none_or(|t| !spared.contains(&t)) {
                self.forget_token_of(&login);
            }
        }
        tracing::info!(conn = session.id, "session terminated");
    }

    /// `auth.logout`: the session is logged out, and the tokens it created and the one it logged in with end.
    pub fn logout(&self, session: &Session) {
        session.set_pending_otp(None);
        if let Some(mut tokens) = self.tokens() {
            tokens.destroy_created_by(&session.session_id);
        }
        self.set_login(session, None);
        self.logout_sessions_of_dead_tokens();
    }

    /// Terminates every logged-in session but `keep` (a session id) whose login `ends` selects; the token `keep`
    /// logged in with (and those it derives from) stays.
    pub fn terminate_others(&self, keep: &str, ends: impl Fn(&Login) -> bool) {
        let spared = self.token_lineage_of(keep);
        for (session, login) in self.logged_in() {
            if session.session_id != keep && ends(&login) {
                self.terminate_sparing(&session, &spared);
            }
        }
    }

    /// `auth.terminate_other_sessions`: terminates every other session whose user `may_end` selects, and
    /// destroys those users' tokens made by sessions that already closed; the tokens `current` made, and the
    /// token it logged in with (with those it derives from), stay.
    pub fn terminate_other_sessions(&self, current: &Session, may_end: impl Fn(i64) -> bool) {
        self.terminate_others(&current.session_id, |login| may_end(login.caller.user_id));
        let spared = self.token_lineage_of(&current.session_id);
        if let Some(mut tokens) = self.tokens() {
            tokens.destroy_except(&spared, |t| t.created_by != current.session_id && may_end(t.user_id));
        }
    }

    /// Ends every session of `user_id` except `keep` (a session id), and destroys the user's tokens except
    /// those `keep` created: after the user is locked or deleted, or their password changed.
    pub fn end_user_sessions(&self, user_id: i64, keep: &str) {
        let spared = self.token_lineage_of(keep);
        if let Some(mut tokens) = self.tokens() {
            tokens.destroy_except(&spared, |t| t.user_id == user_id && t.created_by != keep);
        }
        self.terminate_others(keep, |login| login.caller.user_id == user_id);
    }

    /// The token the session `session_id` logged in with and those it derives from (spared with the session).
    fn token_lineage_of(&self, session_id: &str) -> Vec<TokenHash> {
        let own = self
            .find(session_id)
            .and_then(|s| s.login_lifetime())
            .and_then(|l| l.token);
        match (own, self.tokens()) {
            (Some(hash), Some(tokens)) => tokens.lineage(&hash),
            _ => Vec::new(),
        }
    }

    /// Drops every pending one-time-password login of `user_id`, on any connection.
    fn drop_pending_logins_of(&self, user_id: i64) {
        let sessions: Vec<Arc<Session>> = self
            .sessions
            .lock()
            .map(|s| s.values().cloned().collect())
            .unwrap_or_default();
        for session in sessions {
            session.drop_pending_otp_of(user_id);
        }
    }

    /// Logs out the sessions whose token was destroyed (with a token it derived from).
    fn logout_sessions_of_dead_tokens(&self) {
        for (session, login) in self.logged_in() {
            let Some(hash) = login.token() else { continue };
            if !self.tokens().is_some_and(|t| t.contains(&hash)) {
                tracing::info!(conn = session.id, "token session ended with its token");
                if let Some(ended) = session.set_login(None) {
                    self.record_end(&session, &ended);
                }
            }
        }
    }

    /// Creates a token; returns it (only its hash is kept).
    pub fn create_token(&self, spec: NewToken, now_ms: i64) -> Option<String> {
        self.tokens().map(|mut t| t.create(spec, now_ms))
    }

    /// Accepts a token for a login from `origin` (see [`TokenStore::redeem`]).
    pub fn redeem_token(&self, token: &str, origin: IpAddr, now_ms: i64) -> Result<Redeemed, TokenRefusal> {
        self.tokens()
            .ok_or(TokenRefusal::Invalid)
            .and_then(|mut t| t.redeem(token, origin, now_ms))
    }

    /// A message arrived on `session`: a session logged in with a token counts it as a use of the token, and is
    /// logged out when the token has expired or was destroyed (TrueNAS checks its credential on every message);
    /// a session logged in with an API key is logged out once the key has expired.
    pub fn touch(&self, session: &Session, now_ms: i64) {
        let Some(lifetime) = session.login_lifetime() else {
            return;
        };
        if lifetime.expires_at_ms.is_some_and(|e| now_ms >= e) {
            tracing::info!(conn = session.id, "API key session expired");
            self.end_login(session);
            return;
        }
        if lifetime.bounds.ended(session.last_used_ms(), now_ms) {
            tracing::info!(
                conn = session.id,
                "session expired: its assurance level's session age or idle timeout passed"
            );
            self.end_login(session);
            return;
        }
        session.mark_used(now_ms);
        let Some(hash) = lifetime.token else { return };
        let alive = self.tokens().is_some_and(|mut t| t.touch(&hash, now_ms));
        if !alive {
            tracing::info!(conn = session.id, "token session expired");
            self.end_login(session);
        }
    }

    /// Logs out a session whose credential ran out, recording it as TrueNAS's session manager does.
    fn end_login(&self, session: &Session) {
        if let Some(login) = session.set_login(None) {
            self.record_end(session, &login);
            self.forget_token_of(&login);
        }
    }
}

impl LiveSessions for SessionRegistry {
    fn sessions_by_user(&self) -> HashMap<i64, usize> {
        let mut out: HashMap<i64, usize> = HashMap::new();
        for (_, login) in self.logged_in() {
            *out.entry(login.caller.user_id).or_default() += 1;
        }
        out
    }
}

impl CredentialEffects for SessionRegistry {
    fn apply(&self, effect: &CredentialEffect, acting_session: Option<&str>) {
        let keep = acting_session.unwrap_or_default();
        match *effect {
            CredentialEffect::PasswordReplaced { user_id } => {
                self.drop_pending_logins_of(user_id);
                self.end_user_sessions(user_id, keep);
                // A user who changed their own expired password goes on in this session, unrestricted.
                if let Some(session) = self.find(keep) {
                    session.lift_password_change_required(user_id);
                }
            }
            CredentialEffect::Locked { user_id } | CredentialEffect::Deleted { user_id } => {
                self.drop_pending_logins_of(user_id);
                self.end_user_sessions(user_id, keep);
            }
            CredentialEffect::PasswordDisabled { user_id } => {
                self.drop_pending_logins_of(user_id);
                let spared = self.token_lineage_of(keep);
                if let Some(mut tokens) = self.tokens() {
                    tokens.destroy_except(&spared, |t| {
                        t.user_id == user_id && t.derives_from_password() && t.created_by != keep
                    });
                }
                self.terminate_others(keep, |l| l.caller.user_id == user_id && l.derives_from_password());
            }
            CredentialEffect::ApiKeyRevoked { key_id } => {
                if let Some(mut tokens) = self.tokens() {
                    tokens.destroy_where(|t| t.api_key() == Some(key_id));
                }
                self.terminate_others(keep, |l| l.api_key() == Some(key_id));
            }
            CredentialEffect::ApiKeyExpiryChanged { key_id, expires_at_ms } => {
                if let Some(mut tokens) = self.tokens() {
                    tokens.set_key_expiry(key_id, expires_at_ms);
                }
                for (session, _) in self.logged_in() {
                    session.set_api_key_expiry(key_id, expires_at_ms);
                }
            }
        }
        self.logout_sessions_of_dead_tokens();
    }
}

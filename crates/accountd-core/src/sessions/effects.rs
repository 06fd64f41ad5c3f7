//! What a committed write did to someone's credentials, and the trait through which the session registry ends
//! what depended on them (pending logins, sessions, tokens). The services record effects inside the write's
//! transaction; they are applied right after the commit, before the writer is answered.

use std::sync::Arc;

/// One consequence of a write for live credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialEffect {
    /// The user's password was replaced: every pending login, session and token of the user ends.
    PasswordReplaced {
        /// The user.
        user_id: i64,
    },
    /// Password logins were disabled for the user: pending logins, the sessions opened with the password and
    /// every token made from them end (API-key sessions stay).
    PasswordDisabled {
        /// The user.
        user_id: i64,
    },
    /// The user was locked: every pending login, session and token of the user ends.
    Locked {
        /// The user.
        user_id: i64,
    },
    /// The user was deleted: every pending login, session and token of the user ends.
    Deleted {
        /// The user.
        user_id: i64,
    },
    /// The API key was deleted, replaced or revoked: the sessions opened with it and every token made from
    /// them end.
    ApiKeyRevoked {
        /// The key's id.
        key_id: i64,
    },
    /// The API key's expiry changed: the sessions opened with it end at the new time.
    ApiKeyExpiryChanged {
        /// The key's id.
        key_id: i64,
        /// The new expiry (ms since the epoch), `None` for never.
        expires_at_ms: Option<i64>,
    },
}

/// An effect with the session of the call that caused it (that session itself is kept: changing your own
/// password does not log you out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedEffect {
    /// What the write did.
    pub effect: CredentialEffect,
    /// The calling session's id, if the call came through one.
    pub acting_session: Option<Arc<str>>,
}

/// Applies committed credential effects to live sessions (implemented by the server's session registry).
/// Called on the store's writer thread right after the commit: implementations must not block.
pub trait CredentialEffects: Send + Sync + 'static {
    /// Ends what `effect` invalidates, except the session `acting_session` itself.
    fn apply(&self, effect: &CredentialEffect, acting_session: Option<&str>);
}

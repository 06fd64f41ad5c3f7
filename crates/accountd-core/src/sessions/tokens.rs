//! Authentication tokens (`auth.generate_token`), kept in memory like TrueNAS's and stored only as the SHA-256
//! of the token: whoever reads the process's memory or a debug dump learns no usable token.

use std::collections::HashMap;
use std::net::IpAddr;

use accountd_api::types::sessions::SessionCredentials;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// Characters in a token.
pub const TOKEN_LEN: usize = 64;

/// The SHA-256 of a token: how the store knows it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// Hashes a token.
    pub fn of(token: &str) -> TokenHash {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

/// What a new token is for.
#[derive(Debug, Clone)]
pub struct NewToken {
    /// The user it logs in as.
    pub user_id: i64,
    /// Credentials of the session that created it (the root credentials when that session itself logged in
    /// with a token).
    pub parent: SessionCredentials,
    /// Seconds it stays valid after its last use.
    pub ttl_secs: i64,
    /// Free-form attributes.
    pub attributes: Map<String, Value>,
    /// Only this peer address may use it.
    pub match_origin: Option<IpAddr>,
    /// It may log in once.
    pub single_use: bool,
    /// The session that created it (dies with it when that session is terminated).
    pub created_by: String,
}

#[derive(Debug)]
struct Stored {
    spec: NewToken,
    last_used_ms: i64,
    /// A single-use token that has logged in: it keeps its session alive but logs in no one else.
    consumed: bool,
}

impl Stored {
    fn valid(&self, now_ms: i64) -> bool {
        now_ms
            < self
                .last_used_ms
                .saturating_add(self.spec.ttl_secs.max(0).saturating_mul(1000))
    }
}

/// A token accepted for a login.
#[derive(Debug, Clone)]
pub struct Redeemed {
    /// Its hash, to refer to it later (touch, destroy).
    pub hash: TokenHash,
    /// The user it logs in as.
    pub user_id: i64,
    /// Credentials of the session that created it.
    pub parent: SessionCredentials,
    /// Its attributes.
    pub attributes: Map<String, Value>,
}

/// Every live token.
#[derive(Debug, Default)]
pub struct TokenStore {
    tokens: HashMap<TokenHash, Stored>,
}

impl TokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Creates a token and returns it; only its hash is kept.
    pub fn create(&mut self, spec: NewToken, now_ms: i64) -> String {
        self.tokens.retain(|_, t| t.valid(now_ms));
        let token = crate::password::random_alphanumeric(TOKEN_LEN);
        self.tokens.insert(
            TokenHash::of(&token),
            Stored {
                spec,
                last_used_ms: now_ms,
                consumed: false,
            },
        );
        token
    }

    /// Accepts `token` for a login from `origin`: it must exist, be unexpired, not be a used single-use token,
    /// and come from the creator's address when it was created with `match_origin`. Counts as a use.
    pub fn redeem(&mut self, token: &str, origin: IpAddr, now_ms: i64) -> Option<Redeemed> {
        let hash = TokenHash::of(token);
        let stored = self.tokens.get_mut(&hash)?;
        if !stored.valid(now_ms) {
            self.tokens.remove(&hash);
            return None;
        }
        if stored.consumed || stored.spec.match_origin.is_some_and(|ip| ip != origin) {
            return None;
        }
        stored.last_used_ms = now_ms;
        stored.consumed = stored.spec.single_use;
        Some(Redeemed {
            hash,
            user_id: stored.spec.user_id,
            parent: stored.spec.parent.clone(),
            attributes: stored.spec.attributes.clone(),
        })
    }

    /// Records a use by the session logged in with the token; false (and the token is gone) when it expired
    /// or was destroyed.
    pub fn touch(&mut self, hash: &TokenHash, now_ms: i64) -> bool {
        match self.tokens.get_mut(hash) {
            Some(stored) if stored.valid(now_ms) => {
                stored.last_used_ms = now_ms;
                true
            }
            Some(_) => {
                self.tokens.remove(hash);
                false
            }
            None => false,
        }
    }

    /// Destroys one token.
    pub fn destroy(&mut self, hash: &TokenHash) {
        self.tokens.remove(hash);
    }

    /// Destroys the tokens a session created.
    pub fn destroy_created_by(&mut self, session_id: &str) {
        self.tokens.retain(|_, t| t.spec.created_by != session_id);
    }

    /// Destroys every token of a user, except those created by session `keep`.
    pub fn destroy_for_user(&mut self, user_id: i64, keep: Option<&str>) {
        self.tokens
            .retain(|_, t| t.spec.user_id != user_id || keep.is_some_and(|k| t.spec.created_by == k));
    }

    /// Number of tokens held (expired ones may linger until the next `create`).
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// True when no token is held.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accountd_api::types::sessions::CredentialsData;

    const LOCAL: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    const OTHER: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    fn spec(ttl_secs: i64, match_origin: bool, single_use: bool) -> NewToken {
        NewToken {
            user_id: 4,
            parent: SessionCredentials {
                credentials: "LOGIN_PASSWORD".into(),
                credentials_data: CredentialsData {
                    username: "alice".into(),
                    login_at: None,
                    api_key: None,
                    parent: None,
                },
            },
            ttl_secs,
            attributes: Map::new(),
            match_origin: match_origin.then_some(LOCAL),
            single_use,
            created_by: "session-a".into(),
        }
    }

    #[test]
    fn tokens_are_64_alphanumerics_and_stored_hashed() {
        let mut store = TokenStore::new();
        let token = store.create(spec(600, true, false), 0);
        assert_eq!(token.len(), TOKEN_LEN);
        assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(!format!("{store:?}").contains(&token));
        assert!(store.tokens.contains_key(&TokenHash::of(&token)));
    }

    #[test]
    fn ttl_counts_from_the_last_use() {
        let mut store = TokenStore::new();
        let token = store.create(spec(10, false, false), 0);
        let r = store.redeem(&token, LOCAL, 9_000).expect("valid at 9 s");
        assert!(store.touch(&r.hash, 18_000), "used at 9 s: valid until 19 s");
        assert!(store.redeem(&token, LOCAL, 27_999).is_some());
        assert!(store.redeem(&token, LOCAL, 37_999 + 1).is_none(), "idle for 10 s");
        assert!(store.is_empty(), "an expired token is dropped");
    }

    #[test]
    fn origin_and_single_use_are_enforced() {
        let mut store = TokenStore::new();
        let bound = store.create(spec(600, true, false), 0);
        assert!(store.redeem(&bound, OTHER, 1).is_none());
        assert!(store.redeem(&bound, LOCAL, 1).is_some());
        let free = store.create(spec(600, false, false), 0);
        assert!(store.redeem(&free, OTHER, 1).is_some());
        let once = store.create(spec(600, false, true), 0);
        let r = store.redeem(&once, LOCAL, 1).expect("first use");
        assert!(store.redeem(&once, LOCAL, 2).is_none(), "second use");
        assert!(store.touch(&r.hash, 3), "the session it logged in stays alive");
        assert!(store.redeem("x".repeat(64).as_str(), LOCAL, 1).is_none());
    }

    #[test]
    fn destroying_by_creator_and_user() {
        let mut store = TokenStore::new();
        let a = store.create(spec(600, false, false), 0);
        let mut other = spec(600, false, false);
        other.created_by = "session-b".into();
        let b = store.create(other, 0);
        store.destroy_for_user(4, Some("session-b"));
        assert!(store.redeem(&a, LOCAL, 1).is_none());
        assert!(store.redeem(&b, LOCAL, 1).is_some());
        store.destroy_created_by("session-b");
        assert!(store.is_empty());
    }
}

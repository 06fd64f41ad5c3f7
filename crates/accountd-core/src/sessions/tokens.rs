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
    /// The session that created it (dies with it when that session is terminated or logs out).
    pub created_by: String,
    /// The token the creating session logged in with: this one dies with it.
    pub parent_token: Option<TokenHash>,
    /// When it ends whatever its use (the expiry of the API key it was made from, if any; ms since the epoch).
    pub expires_at_ms: Option<i64>,
}

impl NewToken {
    /// The API key the token derives from (its root login used one).
    pub fn api_key(&self) -> Option<i64> {
        self.parent.credentials_data.api_key.as_ref().map(|k| k.id)
    }

    /// True when the token derives from a password login.
    pub fn derives_from_password(&self) -> bool {
        matches!(self.parent.credentials.as_str(), "LOGIN_PASSWORD" | "LOGIN_TWOFACTOR")
    }
}

#[derive(Debug)]
struct Stored {
    spec: NewToken,
    last_used_ms: i64,
    /// A single-use token that has logged in: it keeps its session alive but logs in no one else.
    consumed: bool,
}

impl Stored {
    /// Within its ttl and its hard expiry (its parent is checked separately).
    fn valid(&self, now_ms: i64) -> bool {
        let idle_until = self
            .last_used_ms
            .saturating_add(self.spec.ttl_secs.max(0).saturating_mul(1000));
        now_ms < idle_until && self.spec.expires_at_ms.is_none_or(|e| now_ms < e)
    }
}

/// Why a token does not log in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    /// Unknown, expired, used up, derived from a credential that ended, or bound to another address.
    Invalid,
    /// A token with attributes (TrueNAS's download tokens): it is for one action and never logs in.
    BadToken,
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

    /// True when the token at `hash` and every token it derives from are held and valid.
    fn alive(&self, hash: &TokenHash, now_ms: i64) -> bool {
        let mut next = Some(*hash);
        while let Some(h) = next {
            match self.tokens.get(&h) {
                Some(t) if t.valid(now_ms) => next = t.spec.parent_token,
                _ => return false,
            }
        }
        true
    }

    /// Accepts `token` for a login from `origin`: it and the tokens it derives from must exist and be
    /// unexpired, it must have no attributes, not be a used single-use token, and come from the creator's
    /// address when it was created with `match_origin`. Counts as a use.
    pub fn redeem(&mut self, token: &str, origin: IpAddr, now_ms: i64) -> Result<Redeemed, TokenRefusal> {
        let hash = TokenHash::of(token);
        if !self.alive(&hash, now_ms) {
            self.destroy(&hash);
            return Err(TokenRefusal::Invalid);
        }
        let stored = self.tokens.get_mut(&hash).ok_or(TokenRefusal::Invalid)?;
        if !stored.spec.attributes.is_empty() {
            return Err(TokenRefusal::BadToken);
        }
        if stored.consumed || stored.spec.match_origin.is_some_and(|ip| ip != origin) {
            return Err(TokenRefusal::Invalid);
        }
        stored.last_used_ms = now_ms;
        stored.consumed = stored.spec.single_use;
        Ok(Redeemed {
            hash,
            user_id: stored.spec.user_id,
            parent: stored.spec.parent.clone(),
            attributes: stored.spec.attributes.clone(),
        })
    }

    /// Records a use by the session logged in with the token; false (and the token is gone) when it, or a
    /// token it derives from, expired or was destroyed.
    pub fn touch(&mut self, hash: &TokenHash, now_ms: i64) -> bool {
        if !self.alive(hash, now_ms) {
            self.destroy(hash);
            return false;
        }
        if let Some(stored) = self.tokens.get_mut(hash) {
            stored.last_used_ms = now_ms;
        }
        true
    }

    /// True when the token is held (whatever its expiry).
    pub fn contains(&self, hash: &TokenHash) -> bool {
        self.tokens.contains_key(hash)
    }

    /// Drops every token whose parent token is gone, until none is left (a token dies with its parent).
    fn drop_orphans(&mut self) {
        loop {
            let orphans: Vec<TokenHash> = self
                .tokens
                .iter()
                .filter(|(_, t)| t.spec.parent_token.is_some_and(|p| !self.tokens.contains_key(&p)))
                .map(|(h, _)| *h)
                .collect();
            if orphans.is_empty() {
                return;
            }
            for h in orphans {
                self.tokens.remove(&h);
            }
        }
    }

    /// Destroys the tokens `ends` selects, and every token derived from them.
    pub fn destroy_where(&mut self, ends: impl Fn(&NewToken) -> bool) {
        let before = self.tokens.len();
        self.tokens.retain(|_, t| !ends(&t.spec));
        if self.tokens.len() != before {
            self.drop_orphans();
        }
    }

    /// Destroys one token, and every token derived from it.
    pub fn destroy(&mut self, hash: &TokenHash) {
        if self.tokens.remove(hash).is_some() {
            self.drop_orphans();
        }
    }

    /// Destroys the tokens a session created.
    pub fn destroy_created_by(&mut self, session_id: &str) {
        self.destroy_where(|t| t.created_by == session_id);
    }

    /// The token at `hash` and those it derives from, nearest first.
    pub fn lineage(&self, hash: &TokenHash) -> Vec<TokenHash> {
        let mut out = Vec::new();
        let mut next = Some(*hash);
        while let Some(h) = next {
            let Some(t) = self.tokens.get(&h) else { break };
            out.push(h);
            next = t.spec.parent_token;
        }
        out
    }

    /// Destroys the tokens `ends` selects except those in `keep` (and every token derived from them).
    pub fn destroy_except(&mut self, keep: &[TokenHash], ends: impl Fn(&NewToken) -> bool) {
        let before = self.tokens.len();
        self.tokens.retain(|h, t| keep.contains(h) || !ends(&t.spec));
        if self.tokens.len() != before {
            self.drop_orphans();
        }
    }

    /// Sets the hard expiry of the tokens made from API key `key_id` (its expiry changed).
    pub fn set_key_expiry(&mut self, key_id: i64, expires_at_ms: Option<i64>) {
        for t in self.tokens.values_mut() {
            if t.spec.api_key() == Some(key_id) {
                t.spec.expires_at_ms = expires_at_ms;
            }
        }
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
            parent_token: None,
            expires_at_ms: None,
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
        assert!(store.redeem(&token, LOCAL, 27_999).is_ok());
        assert!(store.redeem(&token, LOCAL, 37_999 + 1).is_err(), "idle for 10 s");
        assert!(store.is_empty(), "an expired token is dropped");
    }

    #[test]
    fn origin_and_single_use_are_enforced() {
        let mut store = TokenStore::new();
        let bound = store.create(spec(600, true, false), 0);
        assert!(store.redeem(&bound, OTHER, 1).is_err());
        assert!(store.redeem(&bound, LOCAL, 1).is_ok());
        let free = store.create(spec(600, false, false), 0);
        assert!(store.redeem(&free, OTHER, 1).is_ok());
        let once = store.create(spec(600, false, true), 0);
        let r = store.redeem(&once, LOCAL, 1).expect("first use");
        assert!(store.redeem(&once, LOCAL, 2).is_err(), "second use");
        assert!(store.touch(&r.hash, 3), "the session it logged in stays alive");
        assert!(store.redeem("x".repeat(64).as_str(), LOCAL, 1).is_err());
    }

    #[test]
    fn destroying_by_creator_and_user() {
        let mut store = TokenStore::new();
        let a = store.create(spec(600, false, false), 0);
        let mut other = spec(600, false, false);
        other.created_by = "session-b".into();
        let b = store.create(other, 0);
        store.destroy_except(&[], |t| t.user_id == 4 && t.created_by != "session-b");
        assert!(store.redeem(&a, LOCAL, 1).is_err());
        assert!(store.redeem(&b, LOCAL, 1).is_ok());
        store.destroy_created_by("session-b");
        assert!(store.is_empty());
    }

    #[test]
    fn a_token_dies_with_the_token_it_was_made_from() {
        let mut store = TokenStore::new();
        let parent = store.create(spec(600, false, false), 0);
        let mut child_spec = spec(600, false, false);
        child_spec.parent_token = Some(TokenHash::of(&parent));
        let child = store.create(child_spec, 0);
        let mut grandchild_spec = spec(600, false, false);
        grandchild_spec.parent_token = Some(TokenHash::of(&child));
        let grandchild = store.create(grandchild_spec, 0);
        assert!(store.redeem(&grandchild, LOCAL, 1).is_ok());
        store.destroy(&TokenHash::of(&parent));
        assert!(store.is_empty(), "destroying a token destroys what derives from it");

        let parent = store.create(spec(10, false, false), 0);
        let mut child_spec = spec(600, false, false);
        child_spec.parent_token = Some(TokenHash::of(&parent));
        let child = store.create(child_spec, 0);
        assert_eq!(
            store.redeem(&child, LOCAL, 10_000).err(),
            Some(TokenRefusal::Invalid),
            "the parent expired"
        );
    }

    #[test]
    fn tokens_with_attributes_never_log_in_and_hard_expiry_holds() {
        let mut store = TokenStore::new();
        let mut download = spec(600, false, false);
        download.attributes.insert("job".into(), Value::from(1));
        let download = store.create(download, 0);
        assert_eq!(store.redeem(&download, LOCAL, 1).err(), Some(TokenRefusal::BadToken));
        assert_eq!(store.len(), 1, "refusing it does not use it up");

        let mut keyed = spec(600, false, false);
        keyed.expires_at_ms = Some(5_000);
        let keyed = store.create(keyed, 0);
        let r = store.redeem(&keyed, LOCAL, 4_999).expect("before the key expires");
        assert!(!store.touch(&r.hash, 5_000), "the key it came from expired");
    }
}

//! The service-level test fixture: [`Accounts`] over a temporary store, a [`ManualClock`], cheap argon2 and no
//! login delay, with callers holding the roles a test names, so rules are tested without a server.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use accountd_api::Role;
use accountd_api::types::user::{AdminUsername, UserCreate, UserUpdate};
use accountd_store::{Store, StoreOptions};
use serde::Serialize;
use serde_json::{Value, json};

use crate::accounts::Accounts;
use crate::auth::LoginOutcome;
use crate::authz::global_grants;
use crate::caller::Caller;
use crate::clock::ManualClock;
use crate::config::Config;
use crate::password::{Argon2Params, PasswordHasher};
use crate::redact::{Redact, redaction_of};

/// The password the fixture gives the administrator and the users it creates.
pub(crate) const PASSWORD: &str = "Fixture-passw0rd-1";
/// Where a fixture's logins come from.
pub(crate) const ORIGIN: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A service over a temporary database (removed when the fixture is dropped).
pub(crate) struct Fixture {
    /// The services under test.
    pub accounts: Accounts,
    /// Their clock, advanced by the test.
    pub clock: Arc<ManualClock>,
    _dir: tempfile::TempDir,
}

impl Fixture {
    /// A fresh database whose local administrator `truenas_admin` (FULL_ADMIN) has [`PASSWORD`].
    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open(&StoreOptions::new(dir.path().join("accounts.db"))).expect("store");
        let hasher = PasswordHasher::new(Argon2Params { m_kib: 64, t: 1, p: 1 }, 2).expect("hasher");
        let mut config = Config::new(dir.path().join("homes"));
        config.login_failure_delay = std::time::Duration::ZERO;
        let clock = Arc::new(ManualClock::new(1_700_000_000_000));
        let accounts = Accounts::new(store, hasher, config, clock.clone());
        accounts
            .setup_local_administrator(AdminUsername::TruenasAdmin, PASSWORD.into())
            .await
            .expect("administrator");
        Fixture {
            accounts,
            clock,
            _dir: dir,
        }
    }

    /// The administrator as its password login makes it (its grants read from its privileges).
    pub async fn admin(&self) -> Caller {
        self.login("truenas_admin", PASSWORD)
            .await
            .expect("the administrator logs in")
    }

    /// Creates the user `username` (its own primary group, no privilege, password [`PASSWORD`]); its id.
    pub async fn user(&self, username: &str) -> i64 {
        let data: UserCreate = serde_json::from_value(json!({
            "username": username,
            "full_name": username,
            "group_create": true,
            "password": PASSWORD,
        }))
        .expect("user_create arguments");
        let created = self
            .accounts
            .user_create(&self.admin().await, data)
            .await
            .expect("user created");
        created.entry.id
    }

    /// Creates `username` and returns a caller of it holding `roles` everywhere (as if a privilege granted them).
    pub async fn caller(&self, username: &str, roles: &[Role]) -> Caller {
        let user_id = self.user(username).await;
        Caller {
            user_id,
            username: username.to_string(),
            grants: global_grants(roles.iter().copied()),
            session_id: None,
            tenant: crate::authz::SessionTenant::default(),
            password_change_required: false,
            onetime_password: false,
            self_service_only: false,
        }
    }

    /// The caller of a successful password login, or `None` for any other outcome.
    pub async fn login(&self, username: &str, password: &str) -> Option<Caller> {
        match self.accounts.login_password(username, password, ORIGIN).await {
            Ok(LoginOutcome::Success(caller)) => Some(caller),
            _ => None,
        }
    }

    /// A service's result as the server sends it to `caller`: what `caller` may not see hidden, serialized.
    pub fn served<T: Redact + Serialize>(mut result: T, caller: &Caller) -> Value {
        result.redact(redaction_of::<T>(Some(caller)));
        serde_json::to_value(&result).expect("result serializes")
    }

    /// `user.update` arguments from JSON.
    pub fn update(value: serde_json::Value) -> UserUpdate {
        serde_json::from_value(value).expect("user_update arguments")
    }
}

//! Two-factor recovery codes (`user.renew_2fa_recovery_codes`): ten single-use codes that stand in for a
//! one-time password, stored only as digests, counted like wrong codes when wrong, audited when used, void when
//! the secret is renewed or removed. One-time passwords come from Python's pyotp.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::otp::pyotp_code;
use accountd_e2e::{Client, TestServer, assert_call_error};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// Turns two-factor login on and gives `username` a secret; returns the base32 secret.
async fn enable_for(admin: &mut Client, username: &str) -> String {
    admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    let r = admin.ok("user.renew_2fa_secret", json!([username, {}])).await;
    let uri = r["twofactor_config"]["provisioning_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    let start = uri.find("secret=").expect("secret=") + "secret=".len();
    uri[start..].split('&').next().expect("secret").to_string()
}

/// The codes of a `user.renew_2fa_recovery_codes` result.
fn codes_of(result: &Value) -> Vec<String> {
    result
        .as_array()
        .expect("a list of codes")
        .iter()
        .map(|c| c.as_str().expect("a code").to_string())
        .collect()
}

/// Password, then `second` as the OTP_TOKEN on a new connection; the second step's `response_type`.
async fn login_with(server: &TestServer, username: &str, second: &str) -> Value {
    let mut c = server.client().await;
    assert_eq!(c.login_ex(username, "pw").await["response_type"], "OTP_REQUIRED");
    c.ok(
        "auth.login_ex_continue",
        json!([{"mechanism": "OTP_TOKEN", "otp_token": second}]),
    )
    .await["response_type"]
        .clone()
}

async fn remaining(admin: &mut Client, username: &str) -> Value {
    admin.ok("user.twofactor_config", json!([username])).await["recovery_codes_remaining"].clone()
}

/// Every byte of the database files of `server` (accounts and audit, with their write-ahead logs).
fn database_bytes(server: &TestServer) -> Vec<u8> {
    let db = &server.settings.db;
    let audit = accountd::audit_db_path(db);
    let mut bytes = Vec::new();
    for path in [db.clone(), audit] {
        for suffix in ["", "-wal"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            if let Ok(b) = std::fs::read(std::path::PathBuf::from(p)) {
                bytes.extend(b);
            }
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn each_code_logs_in_once_in_place_of_a_one_time_password() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice").await;
    let mut alice = server.client().await;
    alice.login_ex("alice", "pw").await;
    let r = alice
        .ok(
            "auth.login_ex_continue",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": pyotp_code(&secret, T0)}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(remaining(&mut admin, "alice").await, 0);

    // Her own codes, without naming herself.
    let codes = codes_of(&alice.ok("user.renew_2fa_recovery_codes", json!([])).await);
    assert_eq!(codes.len(), 10);
    for code in &codes {
        let groups: Vec<&str> = code.split('-').collect();
        assert_eq!(groups.len(), 3, "{code}");
        assert!(
            groups
                .iter()
                .all(|g| g.len() == 4 && g.bytes().all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())),
            "{code}"
        );
    }
    let mut unique = codes.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 10);
    assert_eq!(remaining(&mut admin, "alice").await, 10);
    let me = alice.ok("auth.me", json!([])).await;
    assert_eq!(me["two_factor_config"]["recovery_codes_remaining"], 10);

    // Each works once, typed as it is or in upper case without dashes, in auth.login_ex_continue,
    // auth.login_ex (OTP_TOKEN) and the legacy auth.login.
    assert_eq!(login_with(&server, "alice", &codes[0]).await, "SUCCESS");
    assert_eq!(login_with(&server, "alice", &codes[0]).await, "AUTH_ERR", "used up");
    let typed = codes[1].replace('-', "").to_uppercase();
    assert_eq!(login_with(&server, "alice", &typed).await, "SUCCESS");
    let mut c = server.client().await;
    assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": codes[2]}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(c.ok("auth.me", json!([])).await["pw_name"], "alice");
    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login", json!(["alice", "pw", codes[3]])).await, json!(true));
    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login", json!(["alice", "pw", codes[3]])).await, json!(false));
    assert_eq!(remaining(&mut admin, "alice").await, 6);
    // TOTP codes still work beside them.
    clock.advance_ms(30_000);
    assert_eq!(
        login_with(&server, "alice", &pyotp_code(&secret, T0 + 30_000)).await,
        "SUCCESS"
    );
    assert_eq!(remaining(&mut admin, "alice").await, 6);
}

#[tokio::test]
async fn codes_are_stored_as_digests_and_audited_without_the_code() {
    let clock = Arc::new(ManualClock::new(T0));
    let mut server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    enable_for(&mut admin, "alice").await;
    let codes = codes_of(&admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await);
    assert_eq!(login_with(&server, "alice", &codes[0]).await, "SUCCESS");
    assert_eq!(login_with(&server, "alice", "zzzz-zzzz-zzzz").await, "AUTH_ERR");

    let used = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event", "=", "AUTHENTICATION"], ["event_data.credentials.credentials_data.username", "=", "alice"]],
                    "query-options": {"limit": 100}}]),
        )
        .await;
    let used = used.as_array().expect("entries");
    let ok: Vec<&Value> = used.iter().filter(|e| e["success"] == true).collect();
    assert_eq!(ok.len(), 1, "{used:?}");
    assert_eq!(ok[0]["event_data"]["second_factor"], "RECOVERY_CODE");
    assert_eq!(ok[0]["event_data"]["credentials"]["credentials"], "LOGIN_TWOFACTOR");
    let refused: Vec<&Value> = used.iter().filter(|e| e["success"] == false).collect();
    assert_eq!(refused.len(), 1);
    assert_eq!(
        refused[0]["event_data"]["error"],
        "One-time token validation failed: Authentication failure"
    );
    let calls = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event_data.method", "=", "user.renew_2fa_recovery_codes"]],
                    "query-options": {"limit": 100}}]),
        )
        .await;
    assert_eq!(calls.as_array().map(Vec::len), Some(1));
    assert_eq!(
        calls[0]["event_data"]["description"],
        "Renew two-factor recovery codes alice"
    );
    assert_eq!(calls[0]["event_data"]["params"], json!(["alice"]));
    let everything = admin
        .ok("audit.query", json!([{"query-options": {"limit": 10000}}]))
        .await
        .to_string();
    for code in &codes {
        assert!(!everything.contains(code.as_str()), "{code} in the audit log");
    }

    // Only digests are in the files, and the user's deletion takes them along.
    drop(admin);
    server.restart().await;
    let bytes = database_bytes(&server);
    for code in &codes {
        assert!(!contains(&bytes, code), "{code} stored");
        assert!(!contains(&bytes, &code.replace('-', "")), "{code} stored");
    }
    let db = accountd_store::Connection::open(&server.settings.db).expect("open the file");
    let count = |db: &accountd_store::Connection| -> i64 {
        db.query_row("SELECT COUNT(*) FROM twofactor_recovery_codes", [], |r| r.get(0))
            .expect("count")
    };
    assert_eq!(count(&db), 9);
    let mut admin = server.admin().await;
    let id = accountd_e2e::user_id(&mut admin, "alice").await;
    admin.ok("user.delete", json!([id])).await;
    assert_eq!(count(&db), 0);
}

#[tokio::test]
async fn renewing_is_for_oneself_or_full_admin_and_voids_earlier_codes() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["ACCOUNT_WRITE"]).await;
    let mut bob = server.logged_in("bob", "pw").await;
    // No secret, no codes: they would stand in for nothing.
    assert_call_error(
        &admin.err("user.renew_2fa_recovery_codes", json!(["alice"])).await,
        "EFAULT",
        "'alice' user does not have two factor authentication configured",
    );
    enable_for(&mut admin, "alice").await;
    assert_call_error(
        &bob.err("user.renew_2fa_recovery_codes", json!(["alice"])).await,
        "EPERM",
        "alice: currently authenticated credential may not renew two-factor authentication for this user.",
    );
    assert_call_error(
        &admin.err("user.renew_2fa_recovery_codes", json!(["ghost"])).await,
        "ENOENT",
        "User 'ghost' does not exist",
    );
    let first = codes_of(&admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await);
    let second = codes_of(&admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await);
    assert!(first.iter().all(|c| !second.contains(c)));
    assert_eq!(login_with(&server, "alice", &first[0]).await, "AUTH_ERR", "void");
    assert_eq!(login_with(&server, "alice", &second[0]).await, "SUCCESS");

    // A new secret voids them.
    admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    assert_eq!(remaining(&mut admin, "alice").await, 0);
    assert_eq!(login_with(&server, "alice", &second[1]).await, "AUTH_ERR");
    let third = codes_of(&admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await);
    assert_eq!(remaining(&mut admin, "alice").await, 10);
    // So does removing the secret: a new secret later does not bring them back.
    admin.ok("user.unset_2fa_secret", json!(["alice"])).await;
    assert_eq!(remaining(&mut admin, "alice").await, 0);
    let renewed = admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    assert_eq!(renewed["twofactor_config"]["recovery_codes_remaining"], 0);
    assert_eq!(login_with(&server, "alice", &third[0]).await, "AUTH_ERR");
}

#[tokio::test]
async fn wrong_codes_count_towards_the_accounts_lockout() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    enable_for(&mut admin, "alice").await;
    let codes = codes_of(&admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await);
    for i in 0..10 {
        let guess = format!("aaaa-bbbb-{i:04}");
        assert_eq!(login_with(&server, "alice", &guess).await, "AUTH_ERR", "guess {i}");
    }
    // Locked out: the password answers as a wrong one, so a right code never gets a chance.
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
    clock.advance_ms(15 * 60_000);
    assert_eq!(login_with(&server, "alice", &codes[0]).await, "SUCCESS");
    assert_eq!(remaining(&mut admin, "alice").await, 9);
}

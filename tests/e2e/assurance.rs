//! Authenticator assurance levels (`auth.set_authenticator_assurance_level`), as TrueNAS defines LEVEL_1 and
//! LEVEL_2 in `middlewared/utils/auth.py`: permitted mechanisms, the mandatory second factor, multi-use tokens,
//! and the session age and idle timeout of each level. One-time codes come from Python's pyotp.
#![allow(
    clippy::disallowed_methods,
    reason = "polls, under a deadline, for what the real server does after its reply"
)]

use std::sync::Arc;
use std::time::Duration;

use accountd_core::ManualClock;
use accountd_e2e::otp::pyotp_code;
use accountd_e2e::{Client, TestServer, assert_call_error};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z: a multiple of the 30-second TOTP step.
const T0: i64 = 1_767_225_600_000;
const MINUTE_MS: i64 = 60_000;

/// Enables two-factor authentication and gives `username` a secret; returns it.
async fn enable_twofactor(admin: &mut Client, username: &str) -> String {
    admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    let r = admin.ok("user.renew_2fa_secret", json!([username, {}])).await;
    let uri = r["twofactor_config"]["provisioning_uri"]
        .as_str()
        .expect("uri")
        .to_string();
    let start = uri.find("secret=").expect("secret=") + "secret=".len();
    uri[start..].split('&').next().expect("secret").to_string()
}

async fn set_level(admin: &mut Client, level: &str) {
    assert_eq!(
        admin.ok("auth.set_authenticator_assurance_level", json!([level])).await,
        Value::Null
    );
}

/// Password then one-time password on a new connection; returns the client and the final answer.
async fn two_factor_login(server: &TestServer, user: &str, secret: &str, at_ms: i64) -> (Client, Value) {
    let mut c = server.client().await;
    let r = c.login_ex(user, "pw").await;
    assert_eq!(r, json!({"response_type": "OTP_REQUIRED", "username": user}));
    let r = c
        .ok(
            "auth.login_ex_continue",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": pyotp_code(secret, at_ms)}]),
        )
        .await;
    (c, r)
}

/// The audit entries matching `filters`, waiting up to a few seconds for `want` of them (entries of sessions
/// ended from elsewhere are queued, not awaited by any reply).
async fn audit_entries(admin: &mut Client, filters: Value, want: usize) -> Vec<Value> {
    let mut found = Vec::new();
    for _ in 0..200 {
        found = admin
            .ok(
                "audit.query",
                json!([{"query-filters": filters, "query-options": {"limit": 1000}}]),
            )
            .await
            .as_array()
            .expect("a list")
            .clone();
        if found.len() >= want {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    found
}

#[tokio::test]
async fn mechanism_choices_narrow_at_level_2_and_the_level_survives_a_restart() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut anonymous = server.client().await;
    assert_eq!(
        anonymous.ok("auth.mechanism_choices", json!([])).await,
        json!(["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN", "ONETIME_PASSWORD"])
    );
    set_level(&mut admin, "LEVEL_2").await;
    assert_eq!(
        anonymous.ok("auth.mechanism_choices", json!([])).await,
        json!(["PASSWORD_PLAIN"])
    );
    // Kept in the accounts database.
    server.restart().await;
    let mut anonymous = server.client().await;
    assert_eq!(
        anonymous.ok("auth.mechanism_choices", json!([])).await,
        json!(["PASSWORD_PLAIN"])
    );

    // truenas_admin has no second factor: at LEVEL_2 its password alone is AUTH_ERR.
    assert_eq!(
        server.login_type("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await,
        "AUTH_ERR"
    );
    drop(admin);
}

#[tokio::test]
async fn level_2_refuses_api_keys_tokens_and_one_time_passwords_by_mechanism() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let key = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await["key"]
        .clone();
    let token = admin.ok("auth.generate_token", json!([600, {}, false, false])).await;
    set_level(&mut admin, "LEVEL_2").await;

    let mut c = server.client().await;
    let e = c
        .err(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "truenas_admin", "api_key": key}]),
        )
        .await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "API_KEY_PLAIN: mechanism is not supported at current authenticator level.",
    );
    assert_eq!(e["data"]["error"], 95);
    let e = c
        .err("auth.login_ex", json!([{"mechanism": "TOKEN_PLAIN", "token": token}]))
        .await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "TOKEN_PLAIN: mechanism is not supported at current authenticator level.",
    );
    // The legacy entry points go through the same check, as on TrueNAS.
    let e = c.err("auth.login_with_token", json!([token])).await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "TOKEN_PLAIN: mechanism is not supported at current authenticator level.",
    );
    let e = c.err("auth.login_with_api_key", json!([key])).await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "API_KEY_PLAIN: mechanism is not supported at current authenticator level.",
    );
    // One-time passwords are refused by name.
    let e = c
        .err(
            "auth.login_ex",
            json!([{"mechanism": "ONETIME_PASSWORD", "username": "truenas_admin", "password": "x"}]),
        )
        .await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "ONETIME_PASSWORD: mechanism is not supported at current authenticator level.",
    );
    assert_call_error(
        &c.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );

    // Back at LEVEL_1 the same key logs in.
    set_level(&mut admin, "LEVEL_1").await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "truenas_admin", "api_key": key}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
}

#[tokio::test]
async fn level_2_password_logins_need_the_second_factor() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["SHARING_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let secret = enable_twofactor(&mut admin, "alice").await;
    set_level(&mut admin, "LEVEL_2").await;

    // bob has no secret: a right password is AUTH_ERR, recorded with TrueNAS's reason.
    let mut c = server.client().await;
    assert_eq!(c.login_ex("bob", "pw").await, json!({"response_type": "AUTH_ERR"}));
    let failed = audit_entries(
        &mut admin,
        json!([
            ["event", "=", "AUTHENTICATION"],
            ["success", "=", false],
            ["event_data.credentials.credentials_data.username", "=", "bob"]
        ]),
        1,
    )
    .await;
    assert_eq!(failed.len(), 1, "{failed:#?}");
    assert_eq!(
        failed[0]["event_data"]["error"],
        "User does not have two factor authentication enabled."
    );

    // alice gives her code: LEVEL_2, and only single-use tokens.
    let (mut alice, r) = two_factor_login(&server, "alice", &secret, T0).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    assert_eq!(r["authenticator"], "LEVEL_2");
    let e = alice.err("auth.generate_token", json!([])).await;
    assert_call_error(
        &e,
        "EOPNOTSUPP",
        "Multi-use authentication tokens are not supported at current authenticator level.",
    );
    let single = alice.ok("auth.generate_token", json!([600, {}, true, true])).await;
    assert_eq!(single.as_str().expect("token").len(), 64);

    // Disabling two-factor authentication brings the server back to LEVEL_1, as on TrueNAS.
    admin.ok("auth.twofactor.update", json!([{"enabled": false}])).await;
    let mut anonymous = server.client().await;
    assert_eq!(
        anonymous.ok("auth.mechanism_choices", json!([])).await,
        json!(["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN", "ONETIME_PASSWORD"])
    );
    assert_eq!(server.login_type("bob", "pw").await, "SUCCESS");
}

#[tokio::test]
async fn level_2_sessions_end_after_30_idle_minutes_or_12_hours() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_twofactor(&mut admin, "alice").await;
    set_level(&mut admin, "LEVEL_2").await;

    // Idle for more than 30 minutes: the next call finds the session logged out.
    let (mut idle, r) = two_factor_login(&server, "alice", &secret, T0).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    clock.advance_ms(29 * MINUTE_MS);
    assert_eq!(idle.ok("auth.me", json!([])).await["pw_name"], "alice");
    clock.advance_ms(31 * MINUTE_MS);
    assert_call_error(
        &idle.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );

    // Busy, but 12 hours after its login it ends too.
    let at = T0 + 60 * MINUTE_MS;
    let (mut busy, r) = two_factor_login(&server, "alice", &secret, at).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    for _ in 0..36 {
        clock.advance_ms(20 * MINUTE_MS);
        assert_eq!(busy.ok("auth.me", json!([])).await["pw_name"], "alice");
    }
    clock.advance_ms(MINUTE_MS);
    assert_call_error(
        &busy.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
    // Each end is logged out as TrueNAS's session manager does it.
    let logouts = audit_entries(
        &mut admin,
        json!([["event", "=", "LOGOUT"], ["username", "=", "alice"]]),
        2,
    )
    .await;
    assert_eq!(logouts.len(), 2, "{logouts:#?}");
    assert!(
        logouts
            .iter()
            .all(|l| l["event_data"]["credentials"]["credentials"] == "LOGIN_TWOFACTOR")
    );
}

#[tokio::test]
async fn setting_the_level_is_for_full_admins_audited_and_checked() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let mut alice = server.logged_in("alice", "pw").await;
    let e = alice
        .err("auth.set_authenticator_assurance_level", json!(["LEVEL_2"]))
        .await;
    assert_call_error(&e, "EACCES", "Not authorized");
    let e = admin
        .err("auth.set_authenticator_assurance_level", json!(["LEVEL_3"]))
        .await;
    assert_call_error(&e, "EINVAL", "LEVEL_3: unknown authenticator assurance level");
    set_level(&mut admin, "LEVEL_1").await;
    let calls = audit_entries(
        &mut admin,
        json!([["event_data.method", "=", "auth.set_authenticator_assurance_level"]]),
        3,
    )
    .await;
    assert_eq!(calls.len(), 3, "{calls:#?}");
    assert!(
        calls
            .iter()
            .all(|c| c["event_data"]["description"] == "Set authenticator assurance level")
    );
    let outcomes: Vec<bool> = calls.iter().map(|c| c["success"].as_bool().expect("bool")).collect();
    assert_eq!(outcomes, [false, false, true]);
}

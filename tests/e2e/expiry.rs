//! Password expiry (account-policy section 3) on a manual clock: `password_change_required` with the 6-day
//! warning, `RESTRICT` (a session that may only change its password, lifted by the change on the same
//! session), `DENY` (`EXPIRED`), an administrator's `password_change_required`, and token logins.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

/// A profile whose passwords expire after 30 days with `action`; returns its id.
async fn expiring_profile(admin: &mut Client, name: &str, action: &str) -> i64 {
    admin
        .ok(
            "account_profile.create",
            json!([{"name": name, "password_expiration_days": 30, "expired_password_action": action}]),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

/// `password_change_required` of user `id` as `user.get_instance` reads it (a point read: the read cache).
async fn change_required(admin: &mut Client, id: i64) -> Value {
    admin.ok("user.get_instance", json!([id])).await["password_change_required"].clone()
}

#[tokio::test]
async fn an_expired_password_restricts_the_session_until_it_is_changed_there() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let profile = expiring_profile(&mut admin, "Expiring", "RESTRICT").await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([alice, {"account_profile": profile}]))
        .await;

    // The entry warns six days before the expiry; the login is still unrestricted then.
    assert_eq!(change_required(&mut admin, alice).await, false);
    clock.advance_ms(23 * DAY);
    assert_eq!(change_required(&mut admin, alice).await, false);
    clock.advance_ms(DAY);
    assert_eq!(change_required(&mut admin, alice).await, true, "24 days: the warning");
    let query = admin
        .ok(
            "user.query",
            json!([[["password_change_required", "=", true]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(query, json!([{"username": "alice"}]));
    let mut warned = server.logged_in("alice", "pw").await;
    warned.ok("user.query", json!([[], {"count": true}])).await;
    drop(warned);

    clock.advance_ms(6 * DAY);
    let mut alice_c = server.client().await;
    let login = alice_c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "alice", "password": "pw",
                    "login_options": {"reconnect_token": true}}]),
        )
        .await;
    assert_eq!(login["response_type"], "SUCCESS");
    assert!(
        login["user_info"]["account_attributes"]
            .as_array()
            .unwrap()
            .contains(&json!("PASSWORD_CHANGE_REQUIRED")),
        "{login}"
    );
    assert_eq!(login["reconnect_token"], Value::Null, "no way back in unrestricted");

    // Only the password methods answer.
    for (method, params) in [
        ("user.query", json!([])),
        ("auth.generate_token", json!([])),
        ("group.query", json!([])),
        ("auth.sessions", json!([])),
    ] {
        let err = alice_c.err(method, params).await;
        assert_call_error(&err, "EACCES", "Password has expired and must be changed");
    }
    let me = alice_c.ok("auth.me", json!([])).await;
    assert!(
        me["account_attributes"]
            .as_array()
            .unwrap()
            .contains(&json!("PASSWORD_CHANGE_REQUIRED"))
    );
    alice_c.ok("core.ping", json!([])).await;
    assert_eq!(
        alice_c.ok("user.account.config", json!([])).await["password_change_required"],
        true
    );
    let err = alice_c
        .err(
            "user.set_password",
            json!([{"username": "truenas_admin", "new_password": "x-1234567"}]),
        )
        .await;
    assert_call_error(&err, "EACCES", "Password has expired and must be changed");

    // Changing it on the same session lifts the restriction there.
    alice_c
        .ok(
            "user.set_password",
            json!([{"username": "alice", "old_password": "pw", "new_password": "pw-renewed"}]),
        )
        .await;
    let count = alice_c.ok("user.query", json!([[], {"count": true}])).await;
    assert!(count.as_i64().unwrap() > 0, "{count}");
    let me = alice_c.ok("auth.me", json!([])).await;
    assert!(
        !me["account_attributes"]
            .as_array()
            .unwrap()
            .contains(&json!("PASSWORD_CHANGE_REQUIRED"))
    );
    assert_eq!(change_required(&mut admin, alice).await, false);
    let entry = admin.ok("user.get_instance", json!([alice])).await;
    assert_eq!(entry["password_age"], 0);
    assert_eq!(
        server.login_type("alice", "pw-renewed").await,
        "SUCCESS",
        "and the next login is a normal one"
    );
    let mut next = server.logged_in("alice", "pw-renewed").await;
    next.ok("user.query", json!([[], {"count": true}])).await;
}

#[tokio::test]
async fn deny_answers_expired_until_an_administrator_sets_a_new_password() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let profile = expiring_profile(&mut admin, "Strict", "DENY").await;
    let bob = server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([bob, {"account_profile": profile}]))
        .await;
    clock.advance_ms(30 * DAY);

    assert_eq!(server.login_type("bob", "pw").await, "EXPIRED");
    let mut legacy = server.client().await;
    assert_eq!(legacy.ok("auth.login", json!(["bob", "pw"])).await, false);
    // A wrong password still looks like any wrong password.
    assert_eq!(server.login_type("bob", "wrong").await, "AUTH_ERR");

    admin
        .ok("user.update", json!([bob, {"password": "pw-from-admin"}]))
        .await;
    assert_eq!(server.login_type("bob", "pw-from-admin").await, "SUCCESS");
}

#[tokio::test]
async fn an_administrator_can_require_a_change_at_the_next_login() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let carol = server.user_with_roles(&mut admin, "carol", &["READONLY_ADMIN"]).await;
    let mut before = server.logged_in("carol", "pw").await;
    admin
        .ok("user.update", json!([carol, {"password_change_required": true}]))
        .await;
    assert_eq!(change_required(&mut admin, carol).await, true);
    // A session opened before goes on; the next login is restricted.
    before.ok("user.query", json!([[], {"count": true}])).await;

    let mut restricted = server.logged_in("carol", "pw").await;
    let err = restricted.err("user.query", json!([])).await;
    assert_call_error(&err, "EACCES", "Password has expired and must be changed");
    // Self-service works while restricted, and its password change lifts the restriction.
    let config = restricted
        .ok(
            "user.account.update",
            json!([{"password": "carol-new-password", "old_password": "pw"}]),
        )
        .await;
    assert_eq!(config["password_change_required"], false);
    restricted.ok("user.query", json!([[], {"count": true}])).await;
}

#[tokio::test]
async fn a_token_does_not_outlive_the_expiry_of_its_password() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let profile = expiring_profile(&mut admin, "Expiring", "RESTRICT").await;
    let dave = server.user_with_roles(&mut admin, "dave", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([dave, {"account_profile": profile}]))
        .await;
    clock.advance_ms(29 * DAY);
    let mut session = server.logged_in("dave", "pw").await;
    let token = session.ok("auth.generate_token", json!([7 * 86_400])).await;
    clock.advance_ms(DAY);

    let mut with_token = server.client().await;
    let login = with_token
        .ok("auth.login_ex", json!([{"mechanism": "TOKEN_PLAIN", "token": token}]))
        .await;
    assert_eq!(login["response_type"], "SUCCESS");
    let err = with_token.err("user.query", json!([])).await;
    assert_call_error(&err, "EACCES", "Password has expired and must be changed");
}

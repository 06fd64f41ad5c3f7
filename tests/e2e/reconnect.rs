//! `login_options.reconnect_token` of `auth.login_ex` (TrueNAS 25.10): a single-use token bound to the client's
//! address that logs the user in again after a disconnect; and `login_options.user_info: false`.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer};
use serde_json::{Value, json};

const T0: i64 = 1_767_225_600_000;

/// A password login on a new connection with `options`; returns the client and the answer.
async fn login_with(server: &TestServer, user: &str, options: Value) -> (Client, Value) {
    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": user, "password": "pw", "login_options": options}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    (c, r)
}

/// `TOKEN_PLAIN` on a new connection; returns the client and the answer.
async fn token_login(server: &TestServer, token: &Value, options: Value) -> (Client, Value) {
    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "TOKEN_PLAIN", "token": token, "login_options": options}]),
        )
        .await;
    (c, r)
}

#[tokio::test]
async fn a_reconnect_token_logs_in_once_after_a_disconnect() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    // Not asked for: null.
    let (_c, r) = login_with(&server, "alice", json!({})).await;
    assert_eq!(r["reconnect_token"], Value::Null);

    let (c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    let token = r["reconnect_token"].clone();
    assert_eq!(token.as_str().expect("a token").len(), 64);
    assert_eq!(r["user_info"]["pw_name"], "alice");
    drop(c);

    let (mut again, r) = token_login(&server, &token, json!({})).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    assert_eq!(r["user_info"]["pw_name"], "alice");
    assert_eq!(again.ok("auth.me", json!([])).await["pw_name"], "alice");
    let mine = again.ok("auth.sessions", json!([[["current", "=", true]]])).await;
    assert_eq!(mine[0]["credentials"], "TOKEN");
    assert_eq!(mine[0]["credentials_data"]["parent"]["credentials"], "LOGIN_PASSWORD");
    // Single use.
    let (_c, r) = token_login(&server, &token, json!({})).await;
    assert_eq!(r, json!({"response_type": "AUTH_ERR"}));

    // Another address may not use it.
    let (c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c);
    let mut elsewhere = Client::connect_from(&server.url(), "127.0.0.2".parse().expect("ip")).await;
    let r2 = elsewhere
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "TOKEN_PLAIN", "token": r["reconnect_token"]}]),
        )
        .await;
    assert_eq!(r2, json!({"response_type": "AUTH_ERR"}));
}

#[tokio::test]
async fn reconnect_tokens_chain_and_user_info_false_leaves_the_user_out() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    let (c, r) = login_with(&server, "alice", json!({"user_info": false, "reconnect_token": true})).await;
    assert_eq!(r["user_info"], Value::Null);
    assert_eq!(r["authenticator"], "LEVEL_1");
    let first = r["reconnect_token"].clone();
    assert_eq!(first.as_str().expect("a token").len(), 64);
    drop(c);

    // The UI chains them: each reconnect asks for the next token.
    let (c, r) = token_login(&server, &first, json!({"user_info": false, "reconnect_token": true})).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    assert_eq!(r["user_info"], Value::Null);
    let second = r["reconnect_token"].clone();
    assert!(second.is_string() && second != first, "{r}");
    drop(c);
    let (mut c, r) = token_login(&server, &second, json!({})).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    assert_eq!(c.ok("auth.me", json!([])).await["pw_name"], "alice");
}

#[tokio::test]
async fn a_reconnect_token_expires_by_the_clock_and_follows_the_lifetime_preference() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    // 600 seconds by default.
    let (c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c);
    clock.advance_ms(600_001);
    let (_c, r) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(r, json!({"response_type": "AUTH_ERR"}));

    // The UI's `preferences.lifetime` (at least 60 seconds) sets it.
    let (mut c, _) = login_with(&server, "alice", json!({})).await;
    c.ok("auth.set_attribute", json!(["preferences", {"lifetime": 120}]))
        .await;
    let (c2, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c2);
    clock.advance_ms(119_000);
    let (_c, ok) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(ok["response_type"], "SUCCESS", "{ok}");
    let (c2, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c2);
    clock.advance_ms(121_000);
    let (_c, r) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(r, json!({"response_type": "AUTH_ERR"}));

    // A lifetime below 60 seconds is ignored (600 again).
    c.ok("auth.set_attribute", json!(["preferences", {"lifetime": 30}]))
        .await;
    let (c2, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c2);
    clock.advance_ms(300_000);
    let (_c, ok) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(ok["response_type"], "SUCCESS", "{ok}");
}

#[tokio::test]
async fn a_reconnect_token_ends_with_the_credentials_it_came_from() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    // Locking the user ends it.
    let (c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c);
    admin.ok("user.update", json!([alice, {"locked": true}])).await;
    let (_c, after) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(after, json!({"response_type": "AUTH_ERR"}));
    admin.ok("user.update", json!([alice, {"locked": false}])).await;

    // So does logging out the session that made it.
    let (mut c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    c.ok("auth.logout", json!([])).await;
    let (_c, after) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(after, json!({"response_type": "AUTH_ERR"}));

    // And a new password.
    let (c, r) = login_with(&server, "alice", json!({"reconnect_token": true})).await;
    drop(c);
    admin.ok("user.update", json!([alice, {"password": "pw2"}])).await;
    let (_c, after) = token_login(&server, &r["reconnect_token"], json!({})).await;
    assert_eq!(after, json!({"response_type": "AUTH_ERR"}));
}

//! Login lockout per account: failed password and one-time-password checks are counted per account, whatever
//! the connection; 10 within 15 minutes lock the account for 15 minutes for that kind of origin (its known
//! origins, or every other address), answered exactly as a wrong password. One password check at a time per
//! connection. Time is a manual clock.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use accountd_core::ManualClock;
use accountd_e2e::{TestServer, assert_call_error};
use serde_json::json;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const MINUTE: i64 = 60_000;

/// The address the tests' ordinary connections come from, and three others.
const HOME: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const ELSEWHERE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3));
const FOURTH: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 4));

/// A server on a manual clock with alice (password `pw`, READONLY_ADMIN), who has logged in once from `HOME`.
async fn server_with_alice() -> (TestServer, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    assert_eq!(server.login_from(HOME, "alice", "pw").await["response_type"], "SUCCESS");
    (server, clock)
}

/// `n` wrong passwords for alice from `from`, each answered AUTH_ERR.
async fn wrong_passwords(server: &TestServer, from: IpAddr, n: usize) {
    let mut c = accountd_e2e::Client::connect_from(&server.url(), from).await;
    for i in 0..n {
        assert_eq!(
            c.login_ex("alice", &format!("guess-{i}")).await,
            json!({"response_type": "AUTH_ERR"})
        );
    }
}

#[tokio::test]
async fn ten_wrong_passwords_lock_strangers_out_answered_as_a_wrong_password() {
    let (server, clock) = server_with_alice().await;
    wrong_passwords(&server, STRANGER, 9).await;
    assert_eq!(
        server.login_from(ELSEWHERE, "alice", "pw").await["response_type"],
        "SUCCESS",
        "9 failures do not lock"
    );
    // That success cleared the strangers' counter: 9 more still do not lock.
    wrong_passwords(&server, STRANGER, 9).await;
    assert_eq!(
        server.login_from(FOURTH, "alice", "pw").await["response_type"],
        "SUCCESS"
    );

    wrong_passwords(&server, STRANGER, 10).await;
    // Locked for every address that is not a known origin: the right password answers as a wrong one.
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await,
        json!({"response_type": "AUTH_ERR"})
    );
    // 127.0.0.3 and .4 logged in successfully above: they are known origins now, and log in.
    for known in [HOME, ELSEWHERE, FOURTH] {
        assert_eq!(
            server.login_from(known, "alice", "pw").await["response_type"],
            "SUCCESS",
            "{known}"
        );
    }
    let unknown = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5));
    assert_eq!(
        server.login_from(unknown, "alice", "pw").await,
        json!({"response_type": "AUTH_ERR"})
    );
    // Attempts during the lock are not counted and do not extend it.
    clock.advance_ms(10 * MINUTE);
    wrong_passwords(&server, STRANGER, 20).await;
    clock.advance_ms(5 * MINUTE - 1);
    assert_eq!(
        server.login_from(unknown, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
    clock.advance_ms(1);
    assert_eq!(
        server.login_from(unknown, "alice", "pw").await["response_type"],
        "SUCCESS",
        "the lock ends 15 minutes after it began"
    );
}

#[tokio::test]
async fn known_origins_count_their_own_failures_and_failures_age_out_of_the_window() {
    let (server, clock) = server_with_alice().await;
    wrong_passwords(&server, HOME, 10).await;
    assert_eq!(
        server.login_from(HOME, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "SUCCESS",
        "the known origins' lock does not touch other addresses"
    );
    clock.advance_ms(15 * MINUTE);
    assert_eq!(server.login_from(HOME, "alice", "pw").await["response_type"], "SUCCESS");

    // Failures older than 15 minutes no longer count.
    wrong_passwords(&server, ELSEWHERE, 9).await;
    clock.advance_ms(15 * MINUTE);
    wrong_passwords(&server, ELSEWHERE, 9).await;
    assert_eq!(
        server.login_from(FOURTH, "alice", "pw").await["response_type"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn api_keys_and_tokens_are_neither_counted_nor_refused() {
    let (server, _clock) = server_with_alice().await;
    let mut admin = server.admin().await;
    let key = admin
        .ok("api_key.create", json!([{"name": "alice-key", "username": "alice"}]))
        .await["key"]
        .clone();
    let mut alice = server.logged_in("alice", "pw").await;
    let token = alice.ok("auth.generate_token", json!([600, {}, false])).await;
    wrong_passwords(&server, STRANGER, 10).await;
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
    let mut c = accountd_e2e::Client::connect_from(&server.url(), STRANGER).await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "alice", "api_key": key}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS", "an API key still logs in");
    let mut c = accountd_e2e::Client::connect_from(&server.url(), STRANGER).await;
    assert_eq!(c.ok("auth.login_with_token", json!([token])).await, true);
}

#[tokio::test]
async fn a_lockout_survives_a_restart() {
    let (mut server, clock) = server_with_alice().await;
    wrong_passwords(&server, STRANGER, 10).await;
    server.restart().await;
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
    assert_eq!(
        server.login_from(HOME, "alice", "pw").await["response_type"],
        "SUCCESS",
        "known origins are remembered too"
    );
    clock.advance_ms(15 * MINUTE);
    server.restart().await;
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn unknown_users_are_not_counted_and_a_new_account_of_a_deleted_name_starts_clean() {
    let (server, _clock) = server_with_alice().await;
    let mut admin = server.admin().await;
    let mut c = accountd_e2e::Client::connect_from(&server.url(), STRANGER).await;
    for i in 0..12 {
        assert_eq!(
            c.login_ex("nobody-here", &format!("{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    wrong_passwords(&server, STRANGER, 10).await;
    let id = accountd_e2e::user_id(&mut admin, "alice").await;
    admin.ok("user.delete", json!([id, {"delete_group": true}])).await;
    let group = accountd_e2e::group_id(&mut admin, "alice-privilege").await;
    server.create_user(&mut admin, "alice", &[group]).await;
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "SUCCESS",
        "a new account of the same name starts clean"
    );
}

#[tokio::test]
async fn one_connection_checks_one_password_at_a_time() {
    let server = TestServer::start_with(|s| s.login_failure_delay = Duration::from_millis(300)).await;
    server.admin().await;
    let mut c = server.client().await;
    let login = |id: i64, pw: &str| {
        json!({"jsonrpc": "2.0", "id": id, "method": "auth.login_ex",
               "params": [{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": pw}]})
        .to_string()
    };
    c.send_text(&login(1, "wrong")).await;
    c.send_text(&login(2, "also wrong")).await;
    c.send_text(&login(3, "still wrong")).await;
    let mut replies: Vec<_> = Vec::new();
    for _ in 0..3 {
        replies.push(c.recv_json().await);
    }
    replies.sort_by_key(|r| r["id"].as_i64());
    assert_eq!(replies[0]["result"], json!({"response_type": "AUTH_ERR"}));
    for refused in &replies[1..] {
        assert_call_error(
            &refused["error"],
            "EBUSY",
            "Another authentication attempt is in progress on this connection",
        );
    }
    // Once the check (with its failure delay) is over, the connection may try again.
    assert_eq!(
        c.login_ex("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await["response_type"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn an_account_writer_ends_a_lockout_with_reset_lockout() {
    let (server, _clock) = server_with_alice().await;
    let mut admin = server.admin().await;
    wrong_passwords(&server, STRANGER, 10).await;
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
    // Readers may not; an unknown user is ENOENT.
    server.user_with_roles(&mut admin, "reader", &["ACCOUNT_READ"]).await;
    let mut reader = server.logged_in("reader", "pw").await;
    assert_call_error(
        &reader.err("user.reset_lockout", json!(["alice"])).await,
        "EACCES",
        "Not authorized",
    );
    assert_call_error(
        &admin.err("user.reset_lockout", json!(["nobody-here"])).await,
        "ENOENT",
        "User 'nobody-here' does not exist",
    );
    assert_eq!(admin.ok("user.reset_lockout", json!(["alice"])).await, json!(null));
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "SUCCESS"
    );
}

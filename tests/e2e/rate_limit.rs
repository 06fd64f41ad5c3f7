//! The rate limit of unauthenticated calls to no-auth methods: more than 20 calls of one method from one
//! address within 60 s are refused with "Rate Limit Exceeded" (EBUSY). These servers run with TrueNAS's limits
//! but answer a refused call at once (no 1-10 s wait) and, where time matters, run on a manual clock.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd::Settings;
use accountd_core::ManualClock;
use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error};
use serde_json::{Value, json};

const LIMIT: usize = 20;

/// TrueNAS's limits (test servers lift them), without the wait before a refusal.
fn truenas_limits(s: &mut Settings) {
    s.limits.rate_limit.max_calls = 20;
    s.limits.rate_limit.window = Duration::from_secs(60);
    s.limits.rate_limit.max_entries = 100;
    s.limits.rate_limit.sleep_min = Duration::ZERO;
    s.limits.rate_limit.sleep_max = Duration::ZERO;
}

async fn limited_server() -> TestServer {
    TestServer::start_with(truenas_limits).await
}

fn assert_rate_limited(e: &Value) {
    assert_call_error(e, "EBUSY", "Rate Limit Exceeded");
    assert_eq!(e["data"]["error"], 16);
}

/// Calls `method` `n` times; every call must succeed.
async fn ok_times(c: &mut Client, method: &str, params: Value, n: usize) {
    for i in 0..n {
        if let Err(e) = c.call(method, params.clone()).await {
            panic!("{method} call {} of {n} failed: {e}", i + 1);
        }
    }
}

#[tokio::test]
async fn the_call_after_twenty_is_refused_per_method_and_address() {
    let server = limited_server().await;
    let mut c = server.client().await;
    ok_times(&mut c, "core.ping", json!([]), LIMIT).await;
    assert_rate_limited(&c.err("core.ping", json!([])).await);
    assert_rate_limited(&c.err("core.ping", json!([])).await);
    // Other methods count separately.
    ok_times(&mut c, "auth.mechanism_choices", json!([]), LIMIT).await;
    // The count belongs to the address, not the connection.
    let mut again = server.client().await;
    assert_rate_limited(&again.err("core.ping", json!([])).await);
    // Another address has its own count (127.0.0.2 is loopback too on Linux).
    let mut other = Client::connect_from(&server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    ok_times(&mut other, "core.ping", json!([]), LIMIT).await;
    assert_rate_limited(&other.err("core.ping", json!([])).await);
}

#[tokio::test]
async fn refused_calls_count_before_params_are_checked() {
    let server = limited_server().await;
    let mut c = server.client().await;
    for _ in 0..LIMIT {
        let e = c.err("core.ping", json!([1])).await;
        assert_eq!(e["code"], -32602, "{e}");
    }
    assert_rate_limited(&c.err("core.ping", json!([1])).await);
    assert_rate_limited(&c.err("core.ping", json!([])).await);
}

#[tokio::test]
async fn logins_are_limited_and_logged_in_sessions_are_not() {
    let server = limited_server().await;
    server.admin().await; // sets up truenas_admin (one auth.login_ex from this address)
    let mut c = server.client().await;
    // (Wrong logins of an unknown user: those of an account would lock it out after 10.)
    for _ in 0..LIMIT - 1 {
        let r = c
            .ok(
                "auth.login_ex",
                json!([{"mechanism": "PASSWORD_PLAIN", "username": "no-such-user", "password": "wrong"}]),
            )
            .await;
        assert_eq!(r["response_type"], "AUTH_ERR");
    }
    // Even the right password is refused now.
    let e = c
        .err(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": ADMIN_PASSWORD}]),
        )
        .await;
    assert_rate_limited(&e);
    // The legacy login is another method.
    assert_eq!(
        c.ok("auth.login", json!(["truenas_admin", ADMIN_PASSWORD])).await,
        json!(true)
    );
    // Logged in, no-auth methods are no longer counted.
    ok_times(&mut c, "core.ping", json!([]), LIMIT * 2).await;
    ok_times(
        &mut c,
        "auth.login_ex",
        json!([{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin",
                                              "password": ADMIN_PASSWORD}]),
        3,
    )
    .await;
}

#[tokio::test]
async fn set_options_and_auth_required_methods_are_not_limited() {
    let server = limited_server().await;
    let mut c = server.client().await;
    ok_times(
        &mut c,
        "core.set_options",
        json!([{"legacy_jobs": false, "private_methods": false, "py_exceptions": false}]),
        LIMIT * 2,
    )
    .await;
    for _ in 0..LIMIT * 2 {
        let e = c.err("user.query", json!([])).await;
        assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
    }
}

#[tokio::test]
async fn the_window_restarts_after_sixty_seconds() {
    let clock = Arc::new(ManualClock::new(1_767_225_600_000));
    let server = TestServer::start_with_clock_and(clock.clone(), truenas_limits).await;
    let mut c = server.client().await;
    ok_times(&mut c, "core.ping", json!([]), LIMIT).await;
    clock.advance_ms(59_999);
    assert_rate_limited(&c.err("core.ping", json!([])).await);
    clock.advance_ms(1);
    ok_times(&mut c, "core.ping", json!([]), LIMIT).await;
    assert_rate_limited(&c.err("core.ping", json!([])).await);
}

#[tokio::test]
async fn limits_and_waits_are_configurable() {
    let server = TestServer::start_with(|s| {
        truenas_limits(s);
        s.limits.rate_limit.max_calls = 2;
        s.limits.rate_limit.sleep_min = Duration::from_millis(150);
        s.limits.rate_limit.sleep_max = Duration::from_millis(200);
    })
    .await;
    let mut c = server.client().await;
    let started = Instant::now();
    ok_times(&mut c, "core.ping", json!([]), 2).await;
    assert!(
        started.elapsed() < Duration::from_millis(150),
        "allowed calls do not wait"
    );
    let started = Instant::now();
    assert_rate_limited(&c.err("core.ping", json!([])).await);
    let waited = started.elapsed();
    assert!(waited >= Duration::from_millis(150), "refused after {waited:?}");
}

#[tokio::test]
async fn a_full_table_forgets_its_oldest_address_instead_of_refusing_everyone() {
    let server = limited_server().await;
    server.admin().await;
    // 100 other addresses (TrueNAS's table size) each call a no-auth method once: the table is full.
    for i in 1..=100u8 {
        let mut c = Client::connect_from(&server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 1, i))).await;
        assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    }
    // A new address still logs in, and is still limited.
    let mut newcomer = Client::connect_from(&server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 2, 1))).await;
    newcomer.login("truenas_admin", ADMIN_PASSWORD).await;
    let mut again = Client::connect_from(&server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 2, 1))).await;
    ok_times(&mut again, "core.ping", json!([]), LIMIT).await;
    assert_rate_limited(&again.err("core.ping", json!([])).await);
}

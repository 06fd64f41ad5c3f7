//! `GET /metrics`: off (404) unless `metrics` is on or `metrics_listen` gives it an address of its own; the
//! counters move with real calls, logins and a lockout, and Prometheus's own `promtool check metrics` accepts
//! the scrape.

use std::collections::HashMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};
use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer};
use serde_json::json;

use crate::transport::{http_get, http_get_at};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// The samples of a scrape: `name{labels}` -> value.
fn samples(body: &str) -> HashMap<String, f64> {
    body.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| {
            let (series, value) = l.rsplit_once(' ').expect("sample line");
            (series.to_string(), value.parse().expect("numeric sample"))
        })
        .collect()
}

/// A series' value (0 when the scrape does not have it yet).
fn value(samples: &HashMap<String, f64>, series: &str) -> f64 {
    samples.get(series).copied().unwrap_or(0.0)
}

/// Scrapes `/metrics` on the API's listener: 200 in the Prometheus text format.
async fn scrape(server: &TestServer) -> String {
    let r = http_get(server, "/metrics").await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    r.body
}

/// `promtool check metrics` (Debian package `prometheus`) accepts `body`, lint warnings included.
fn promtool_accepts(body: &str) {
    let mut child = Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs (Debian package prometheus; .ci/run installs it)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(body.as_bytes())
        .expect("scrape written to promtool");
    let out = child.wait_with_output().expect("promtool finishes");
    assert!(
        out.status.success(),
        "promtool check metrics refused the scrape:\n{}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn calls_logins_and_a_lockout_move_the_counters_and_promtool_accepts_the_scrape() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock_and(clock, |s| s.metrics = true).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let before = samples(&scrape(&server).await);

    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    // Refused before login, and refused params.
    let mut anonymous = server.client().await;
    assert!(anonymous.call("user.query", json!([])).await.is_err());
    assert!(admin.call("user.get_instance", json!(["not an id"])).await.is_err());
    // A good password, then ten wrong ones from a stranger's address: the tenth locks alice's counter.
    assert_eq!(server.login_type("alice", "pw").await, "SUCCESS");
    let mut stranger = Client::connect_from(&server.url(), IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2))).await;
    for i in 0..10 {
        assert_eq!(
            stranger.login_ex("alice", &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    let key = admin
        .ok("api_key.create", json!([{"name": "metrics", "username": "alice"}]))
        .await;
    let api_key = key["key"].as_str().expect("the new key").to_string();
    let mut by_key = server.client().await;
    assert_eq!(
        by_key.call("auth.login_with_api_key", json!([api_key])).await,
        Ok(json!(true))
    );

    let body = scrape(&server).await;
    let after = samples(&body);
    let delta = |series: &str| value(&after, series) - value(&before, series);
    assert_eq!(
        delta(r#"accountd_rpc_calls_total{method="core.ping",outcome="ok"}"#),
        2.0
    );
    assert_eq!(
        delta(r#"accountd_rpc_calls_total{method="user.query",outcome="ENOTAUTHENTICATED"}"#),
        1.0
    );
    assert_eq!(
        delta(r#"accountd_rpc_calls_total{method="user.get_instance",outcome="invalid_params"}"#),
        1.0
    );
    assert_eq!(
        delta(r#"accountd_rpc_call_duration_seconds_count{method="core.ping"}"#),
        2.0
    );
    assert_eq!(
        delta(r#"accountd_rpc_call_duration_seconds_bucket{method="core.ping",le="+Inf"}"#),
        2.0
    );
    assert_eq!(
        delta(r#"accountd_logins_total{mechanism="PASSWORD_PLAIN",outcome="SUCCESS"}"#),
        1.0
    );
    assert_eq!(
        delta(r#"accountd_logins_total{mechanism="PASSWORD_PLAIN",outcome="AUTH_ERR"}"#),
        10.0
    );
    assert_eq!(
        delta(r#"accountd_logins_total{mechanism="API_KEY_PLAIN",outcome="SUCCESS"}"#),
        1.0
    );
    assert_eq!(delta("accountd_login_lockouts_total"), 1.0);
    // The API key's creation committed on the accounts database; the audited logins on the audit database.
    assert!(delta(r#"accountd_sqlite_commit_seconds_count{database="accounts"}"#) >= 1.0);
    assert!(delta(r#"accountd_sqlite_commit_batch_size_sum{database="audit"}"#) >= 12.0);
    // admin, anonymous, stranger, by_key and the scrape itself are open now.
    assert!(value(&after, "accountd_open_connections") >= 5.0, "{body}");
    assert!(after.contains_key("accountd_outbound_queue_bytes"), "{body}");
    assert!(after.contains_key("accountd_password_hash_queue_depth"), "{body}");
    // Method names and outcomes only: no username, key or password in a label.
    for secret in ["alice", "truenas_admin", "guess-", &api_key] {
        assert!(!body.contains(secret), "{secret} in the scrape");
    }
    promtool_accepts(&body);
}

#[tokio::test]
async fn metrics_are_off_unless_asked_for() {
    let server = TestServer::start().await;
    server.admin().await;
    let r = http_get(&server, "/metrics").await;
    assert_eq!(r.status, 404);
    assert!(server.running.as_ref().expect("running").metrics_server.is_none());
}

#[tokio::test]
async fn metrics_listen_serves_them_on_an_address_of_their_own() {
    let server = TestServer::start_with(|s| s.metrics_listen = Some(SocketAddr::from(([127, 0, 0, 1], 0)))).await;
    let mut admin = server.admin().await;
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    let running = server.running.as_ref().expect("running");
    let addr = running.metrics_server.as_ref().expect("a metrics listener").local_addr;
    assert_ne!(addr, running.server.local_addr);
    // Not on the API's listener (`metrics` is off), and nothing but /metrics on the metrics listener.
    assert_eq!(http_get(&server, "/metrics").await.status, 404);
    assert_eq!(http_get_at(addr, "/api/versions").await.status, 404);
    let r = http_get_at(addr, "/metrics").await;
    assert_eq!(r.status, 200);
    let scraped = samples(&r.body);
    assert_eq!(
        value(&scraped, r#"accountd_rpc_calls_total{method="core.ping",outcome="ok"}"#),
        1.0
    );
    promtool_accepts(&r.body);
}

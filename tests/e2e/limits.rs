//! Connection abuse limits: the cap on open connections (HTTP 503 over it), the deadline for the handshake and
//! the login (close 1008), and a client that floods calls without reading its replies (bounded memory, other
//! clients served, the flooder dropped).
#![allow(
    clippy::disallowed_methods,
    reason = "the real server's connection timeouts and counts run on real time"
)]

use std::time::{Duration, Instant};

use accountd_e2e::{Client, TestServer};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};

fn addr(server: &TestServer) -> std::net::SocketAddr {
    server.running.as_ref().expect("running").server.local_addr
}

/// The WebSocket handshake is refused with 503 "Too many connections".
async fn refused_with_503(server: &TestServer) {
    match tokio_tungstenite::connect_async(server.url()).await {
        Err(tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 503);
            let body = response.body().as_deref().map(String::from_utf8_lossy);
            assert_eq!(body.as_deref(), Some("Too many connections"));
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the handshake succeeded over the cap"),
    }
}

/// Waits until the server has exactly `n` connections open.
pub(crate) async fn open_connections_become(server: &TestServer, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.open_connections() != n {
        assert!(
            Instant::now() < deadline,
            "{} connections open, expected {n}",
            server.open_connections()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The server ends this raw TCP connection (EOF or reset) within `within`; returns when it did.
async fn closed_by_server(tcp: &mut TcpStream, within: Duration) -> Instant {
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within, tcp.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return Instant::now(),
            Ok(Ok(_)) => continue,
            Err(_) => panic!("the server kept the connection open for {within:?}"),
        }
    }
}

#[tokio::test]
async fn connections_over_the_cap_are_refused_with_503() {
    let server = TestServer::start_with(|s| {
        s.limits.max_connections = 3;
        s.limits.unauthenticated_share_percent = 100;
    })
    .await;
    let mut admin = server.admin().await;
    let mut a = server.client().await;
    let mut b = server.client().await;
    open_connections_become(&server, 3).await;
    refused_with_503(&server).await;
    // A plain HTTP request over the cap gets the same answer.
    let mut tcp = TcpStream::connect(addr(&server)).await.expect("connect");
    tcp.write_all(b"GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer))
        .await
        .expect("answer within 5 s")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
    assert!(answer.ends_with("\r\n\r\nToo many connections"), "{answer}");
    // The connections under the cap are unaffected.
    for c in [&mut admin, &mut a, &mut b] {
        assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    }
    assert_eq!(server.open_connections(), 3);
    // A connection that leaves frees its place.
    drop(b);
    open_connections_become(&server, 2).await;
    let mut c = server.client().await;
    assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    refused_with_503(&server).await;
    assert_eq!(
        admin.ok("user.query", json!([[["username", "=", "root"]]])).await[0]["uid"],
        0
    );
}

#[tokio::test]
async fn raw_tcp_connections_count_and_must_finish_the_handshake_in_time() {
    let server = TestServer::start_with(|s| {
        s.limits.max_connections = 2;
        s.limits.unauthenticated_share_percent = 100;
        s.limits.login_timeout = Duration::from_millis(300);
    })
    .await;
    // One connection sends nothing, the other an unfinished request (slowloris); both hold a place.
    let opened = Instant::now();
    let mut silent = TcpStream::connect(addr(&server)).await.expect("connect");
    let mut slow = TcpStream::connect(addr(&server)).await.expect("connect");
    slow.write_all(b"GET /api/current HTTP/1.1\r\nHost: x\r\n")
        .await
        .expect("partial request");
    open_connections_become(&server, 2).await;
    refused_with_503(&server).await;
    // Both are dropped once the deadline passes, and their places are free again.
    for tcp in [&mut silent, &mut slow] {
        let closed = closed_by_server(tcp, Duration::from_secs(5)).await;
        assert!(
            closed - opened >= Duration::from_millis(250),
            "closed after {:?}",
            closed - opened
        );
    }
    open_connections_become(&server, 0).await;
    let mut c = server.client().await;
    assert_eq!(c.ok("core.ping", json!([])).await, "pong");
}

#[tokio::test]
async fn a_connection_that_does_not_log_in_is_closed_with_1008() {
    let server = TestServer::start_with(|s| s.limits.login_timeout = Duration::from_millis(300)).await;
    // Sends nothing.
    let opened = Instant::now();
    let mut idle = server.client().await;
    idle.expect_close(1008, "Authentication timeout").await;
    let elapsed = opened.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "closed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "closed after {elapsed:?}");

    // Busy without logging in (calls that need no login): closed all the same.
    let opened = Instant::now();
    let mut busy = server.client().await;
    let mut answered = 0;
    let closed = loop {
        let id = answered + 1;
        busy.send_text(&json!({"jsonrpc": "2.0", "id": id, "method": "core.ping"}).to_string())
            .await;
        match busy.recv().await {
            Some(Message::Text(t)) => {
                assert_eq!(
                    serde_json::from_str::<serde_json::Value>(&t).expect("JSON")["result"],
                    "pong"
                );
                answered += 1;
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Some(Message::Close(Some(frame))) => break (u16::from(frame.code), frame.reason.to_string()),
            other => panic!("unexpected {other:?}"),
        }
    };
    assert_eq!(closed, (1008, "Authentication timeout".to_string()));
    assert!(answered >= 3, "pings were answered until the deadline ({answered})");
    let elapsed = opened.elapsed();
    assert!(elapsed >= Duration::from_millis(250), "closed after {elapsed:?}");
    assert!(elapsed < Duration::from_secs(5), "closed after {elapsed:?}");
    open_connections_become(&server, 0).await;
}

#[tokio::test]
async fn a_logged_in_connection_stays_and_is_closed_after_logging_out() {
    let server = TestServer::start_with(|s| s.limits.login_timeout = Duration::from_millis(1000)).await;
    let mut admin = server.admin().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    assert_eq!(admin.ok("auth.logout", json!([])).await, true);
    let logged_out = Instant::now();
    admin.expect_close(1008, "Authentication timeout").await;
    let elapsed = logged_out.elapsed();
    // Looked at once per timeout: closed between one and two timeouts after the logout.
    assert!(elapsed >= Duration::from_millis(900), "closed after {elapsed:?}");
    assert!(elapsed < Duration::from_millis(4000), "closed after {elapsed:?}");
}

/// The resident set size of this process (the server runs in it), in KiB.
#[cfg(target_os = "linux")]
pub(crate) fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS line")
}

// Multi-threaded, as the service runs: calls then finish while the connection keeps reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_floods_calls_without_reading_is_throttled() {
    // The write timeout is out of the way: only the bounded queue and the calls-in-flight cap hold the flood.
    let server = TestServer::start_with(|s| {
        s.limits.outbound_queue = 32;
        s.limits.write_timeout = Duration::from_secs(120);
    })
    .await;
    let mut other = server.admin().await;
    let mut flooder = Client::connect_small_buffer(&server.url()).await;
    flooder.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    open_connections_become(&server, 2).await;
    #[cfg(target_os = "linux")]
    let rss_before = rss_kib();

    // Quick calls with a 60 KB id, echoed in each reply: a server that kept every reply of a client that does
    // not read would hold CALLS * 60 KB (240 MB).
    const CALLS: usize = 4000;
    let id = "i".repeat(60_000);
    let request = json!({"jsonrpc": "2.0", "id": id, "method": "core.ping", "params": []}).to_string();
    let flood = tokio::spawn(async move {
        let mut sent = 0;
        while sent < CALLS {
            match tokio::time::timeout(Duration::from_secs(1), flooder.try_send_text(&request)).await {
                Ok(Ok(())) => {
                    sent += 1;
                    // Paced so that each call finishes before the next arrives: the calls in flight stay under
                    // the cap, and only the outbound side can stop the flood.
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                Ok(Err(e)) => panic!("the connection failed: {e}"),
                // The server stopped reading: the flooder is throttled.
                Err(_) => break,
            }
        }
        (sent, flooder)
    });

    // Meanwhile, other clients are served promptly.
    for _ in 0..10 {
        let started = Instant::now();
        assert_eq!(other.ok("core.ping", json!([])).await, "pong");
        let r = other
            .ok("user.query", json!([[["username", "=", "root"]], {"get": true}]))
            .await;
        assert_eq!(r["uid"], 0);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (sent, flooder) = flood.await.expect("flood task");
    assert!(
        sent < CALLS / 4,
        "the server read {sent} calls of a client that reads nothing"
    );
    // The server's memory did not grow with the number of calls it was sent.
    #[cfg(target_os = "linux")]
    {
        let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;
        assert!(grown_mib < 100, "RSS grew by {grown_mib} MiB");
    }
    let mut fresh = server.client().await;
    assert_eq!(fresh.ok("core.ping", json!([])).await, "pong");
    // The flooder's place is freed when it leaves.
    drop(flooder);
    drop(fresh);
    open_connections_become(&server, 1).await;
    assert_eq!(other.ok("core.ping", json!([])).await, "pong");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_after_the_write_timeout() {
    let server = TestServer::start_with(|s| s.limits.write_timeout = Duration::from_millis(300)).await;
    let mut other = server.admin().await;
    let mut reader = server.client().await;
    reader.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    let mut stalled = Client::connect_small_buffer(&server.url()).await;
    stalled.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    open_connections_become(&server, 3).await;
    // 200 replies of 60 KB: more than the socket buffers hold.
    let id = "i".repeat(60_000);
    let request = json!({"jsonrpc": "2.0", "id": id, "method": "core.ping", "params": []}).to_string();
    let sent_at = Instant::now();
    for _ in 0..200 {
        if stalled.try_send_text(&request).await.is_err() {
            break;
        }
    }
    // A client that reads the same replies (ten at a time) keeps its connection.
    for _ in 0..20 {
        for _ in 0..10 {
            reader.send_text(&request).await;
        }
        for _ in 0..10 {
            assert_eq!(reader.recv_json().await["result"], "pong");
        }
    }
    open_connections_become(&server, 2).await;
    assert!(
        sent_at.elapsed() >= Duration::from_millis(300),
        "dropped after {:?}",
        sent_at.elapsed()
    );
    assert_eq!(reader.ok("core.ping", json!([])).await, "pong");
    assert_eq!(other.ok("core.ping", json!([])).await, "pong");
}

/// A new connection from `local` gets through within a few seconds (the server frees places asynchronously).
async fn connects_from_within(server: &TestServer, local: std::net::IpAddr) -> Client {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match Client::try_connect_from(&server.url(), local).await {
            Ok(c) => return c,
            Err(tungstenite::Error::Http(r)) if r.status().as_u16() == 503 => {
                assert!(Instant::now() < deadline, "still refused after 5 s");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("unexpected error {e}"),
        }
    }
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_the_slots_before_logging_in() {
    // 10% of 20 slots: two unauthenticated connections per address.
    let server = TestServer::start_with(|s| s.limits.max_connections = 20).await;
    let mut admin = server.admin().await;
    let mut a = server.client().await;
    let mut b = server.client().await;
    refused_with_503(&server).await;
    // A raw TCP connection from the same address is refused as well.
    let mut tcp = TcpStream::connect(addr(&server)).await.expect("connect");
    tcp.write_all(b"GET /api/versions HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("request");
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), tcp.read_to_string(&mut answer))
        .await
        .expect("answer within 5 s")
        .expect("read");
    assert!(answer.starts_with("HTTP/1.1 503 Service Unavailable\r\n"), "{answer}");
    // Another address has its own share; the held connections and logged-in ones are served.
    let other_address = std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, 2));
    let mut other = Client::connect_from(&server.url(), other_address).await;
    for c in [&mut admin, &mut a, &mut b, &mut other] {
        assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    }
    // Logging in frees the place: the address may open another connection.
    a.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    let loopback = std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);
    let mut c = connects_from_within(&server, loopback).await;
    assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    refused_with_503(&server).await;
    // So does leaving.
    drop(b);
    let mut d = connects_from_within(&server, loopback).await;
    assert_eq!(d.ok("core.ping", json!([])).await, "pong");
    // Logging out counts the connection again.
    assert_eq!(a.ok("auth.logout", json!([])).await, true);
    assert_eq!(a.ok("core.ping", json!([])).await, "pong");
    refused_with_503(&server).await;
}

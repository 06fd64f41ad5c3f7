//! The outbound queue is bounded in bytes as well as in messages: a client that asks for large replies and
//! never reads them stops being read from once its queued replies reach the bound, so it cannot grow the
//! server's memory, and everyone else is served meanwhile.
#![allow(
    clippy::disallowed_methods,
    reason = "paces a flood on real time so that the real server's outbound queue fills"
)]

use std::time::{Duration, Instant};

use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer};
use serde_json::json;

use crate::limits::open_connections_become;
#[cfg(target_os = "linux")]
use crate::limits::rss_kib;

/// Users whose entries make every `user.query` reply large (about 1.3 KB each).
const BIG_USERS: usize = 200;

// Multi-threaded, as the service runs: calls finish while the connection loop keeps reading.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_never_reads_large_replies_stops_being_read_at_the_byte_bound() {
    // A 1 MiB bound (the message bound, 1024, would hold far more of these replies); the write timeout is out
    // of the way, so only the byte bound can stop the flood.
    let server = TestServer::start_with(|s| {
        s.limits.outbound_queue_bytes = 1 << 20;
        s.limits.write_timeout = Duration::from_secs(120);
    })
    .await;
    let mut admin = server.admin().await;
    for i in 0..BIG_USERS {
        admin
            .ok(
                "user.create",
                json!([{"username": format!("big{i}"), "full_name": "n".repeat(1000), "group_create": true,
                        "password_disabled": true, "smb": false}]),
            )
            .await;
    }
    // Each request is 60 KB (a filter that matches every user), so the socket buffers fill quickly too.
    let filter_value = "x".repeat(60_000);
    let request = json!({"jsonrpc": "2.0", "id": 1, "method": "user.query",
                         "params": [[["username", "!=", filter_value]]]})
    .to_string();
    let reply = admin.raw(&request).await;
    let reply_len = reply.to_string().len();
    assert!(reply_len > 200_000, "a reply is {reply_len} bytes");
    open_connections_become(&server, 1).await;
    #[cfg(target_os = "linux")]
    let rss_before = rss_kib();

    // Two readers that never read, sending 20 calls at a time (paced so that the calls finish rather than
    // being refused as over the 20 in flight); without the byte bound the server would read every call and
    // queue every reply (600 of 240 KB each).
    const CALLS: usize = 600;
    let mut floods = Vec::new();
    for _ in 0..2 {
        let mut reader = Client::connect_small_buffer(&server.url()).await;
        reader.login("truenas_admin", ADMIN_PASSWORD).await;
        let request = request.clone();
        floods.push(tokio::spawn(async move {
            let mut sent = 0;
            while sent < CALLS {
                match tokio::time::timeout(Duration::from_secs(2), reader.try_send_text(&request)).await {
                    Ok(Ok(())) => {
                        sent += 1;
                        if sent % 20 == 0 {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                    Ok(Err(e)) => panic!("the connection failed: {e}"),
                    // The server stopped reading.
                    Err(_) => break,
                }
            }
            (sent, reader)
        }));
    }
    // Meanwhile the server answers everyone else promptly.
    let mut fresh = server.client().await;
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(fresh.ok("core.ping", json!([])).await, "pong");
        let root = admin
            .ok("user.query", json!([[["username", "=", "root"]], {"get": true}]))
            .await;
        assert_eq!(root["uid"], 0);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "took {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut readers = Vec::new();
    let mut sent_by_last = 0;
    for flood in floods {
        let (sent, reader) = flood.await.expect("flood task");
        sent_by_last = sent;
        // What the socket buffers absorb, the queue's 1 MiB (a few replies) and the calls in flight: far fewer
        // than the 1024 replies the message bound alone would queue.
        assert!(
            sent < CALLS / 3,
            "the server read {sent} calls of a client that reads nothing"
        );
        readers.push(reader);
    }
    #[cfg(target_os = "linux")]
    {
        let grown_mib = rss_kib().saturating_sub(rss_before) / 1024;
        assert!(grown_mib < 100, "RSS grew by {grown_mib} MiB");
    }
    // A paused reader that starts reading gets its replies (the calls over the 20 in flight were refused with
    // -32000 while the server still read) and is read from again.
    let mut reader = readers.pop().expect("a reader");
    let (mut results, mut refused) = (0, 0);
    for _ in 0..sent_by_last {
        let r = reader.recv_json().await;
        assert_eq!(r["id"], 1);
        match r["result"].as_array() {
            Some(users) => {
                assert!(users.len() > BIG_USERS);
                results += 1;
            }
            None => {
                assert_eq!(r["error"]["code"], -32000, "{}", r["error"]);
                refused += 1;
            }
        }
    }
    assert!(results >= 1, "{results} results, {refused} refused");
    assert_eq!(reader.ok("core.ping", json!([])).await, "pong");
    // Leaving frees everything the connections held.
    drop(readers);
    drop(reader);
    open_connections_become(&server, 2).await;
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
}

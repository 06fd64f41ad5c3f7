//! The transport: HTTP routes, the WebSocket handshake, TrueNAS's JSON-RPC envelope rules, message size and
//! concurrency limits. Every bad frame is followed by a call that proves the connection (or, after a close, the
//! server) still works.
#![allow(
    clippy::disallowed_methods,
    reason = "polls, under a deadline, for what the real server does after its reply"
)]

use std::time::Duration;

use accountd_e2e::{Client, TestServer};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::{self, Message};

/// A raw HTTP/1.1 response: status code, lower-cased headers and body.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl HttpResponse {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// `GET path` over a plain TCP connection, without any HTTP client library.
pub(crate) async fn http_get(server: &TestServer, path: &str) -> HttpResponse {
    http_get_at(server.running.as_ref().expect("running").server.local_addr, path).await
}

/// `GET path` from `addr` over a plain TCP connection.
pub(crate) async fn http_get_at(addr: std::net::SocketAddr, path: &str) -> HttpResponse {
    let mut stream = TcpStream::connect(addr).await.expect("tcp connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write request");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("response within 10 s")
        .expect("read response");
    let text = String::from_utf8(raw).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").expect("header/body separator");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("status line");
    let mut parts = status_line.splitn(3, ' ');
    assert_eq!(parts.next(), Some("HTTP/1.1"), "{status_line}");
    let status = parts.next().expect("status").parse().expect("numeric status");
    let headers = lines
        .map(|l| {
            let (n, v) = l.split_once(':').expect("header line");
            (n.trim().to_ascii_lowercase(), v.trim().to_string())
        })
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

/// The connection still answers calls.
async fn still_works(client: &mut Client) {
    assert_eq!(client.ok("core.ping", json!([])).await, "pong");
}

/// The WebSocket handshake to `path` is refused with this HTTP status.
async fn handshake_refused(server: &TestServer, path: &str, status: u16) {
    let addr = server.running.as_ref().expect("running").server.local_addr;
    match tokio_tungstenite::connect_async(format!("ws://{addr}{path}")).await {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status().as_u16(), status, "{path}"),
        Err(e) => panic!("{path}: unexpected error {e}"),
        Ok(_) => panic!("{path}: the handshake succeeded"),
    }
}

#[tokio::test]
async fn api_versions_lists_the_served_versions() {
    let server = TestServer::start().await;
    let r = http_get(&server, "/api/versions").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let versions: Value = serde_json::from_str(&r.body).expect("JSON body");
    assert_eq!(versions, json!(["v25.10.0"]));

    // Every listed version is a WebSocket endpoint that serves the API.
    for v in versions.as_array().expect("list") {
        let url = format!(
            "ws://{}/api/{}",
            server.running.as_ref().expect("running").server.local_addr,
            v.as_str().expect("string")
        );
        let mut c = Client::connect(&url).await;
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn unknown_http_paths_are_not_found() {
    let server = TestServer::start().await;
    for path in ["/", "/api", "/api/versions/x", "/nope", "/websocket"] {
        let r = http_get(&server, path).await;
        assert_eq!(r.status, 404, "{path}");
    }
    // A plain GET to the WebSocket endpoint (no upgrade) is not served either.
    let r = http_get(&server, "/api/current").await;
    assert_eq!(
        (r.status, r.body.as_str()),
        (400, "Connection header did not include 'upgrade'")
    );
}

#[tokio::test]
async fn handshake_to_unknown_paths_is_refused() {
    let server = TestServer::start().await;
    for path in [
        "/api/v25.04.0",
        "/api/v1",
        "/api/latest",
        "/api/current/x",
        "/websocket",
        "/",
        "/api/versions/v25.10.0",
    ] {
        handshake_refused(&server, path, 404).await;
    }
    // The server is unaffected.
    still_works(&mut server.client().await).await;
}

#[tokio::test]
async fn versioned_endpoint_serves_the_same_api() {
    let server = TestServer::start().await;
    server.admin().await;
    let addr = server.running.as_ref().expect("running").server.local_addr;
    let mut c = Client::connect(&format!("ws://{addr}/api/v25.10.0")).await;
    still_works(&mut c).await;
    c.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(me["pw_name"], "truenas_admin");
    let root = c
        .ok(
            "user.query",
            json!([[["uid", "=", 0]], {"get": true, "select": ["username"]}]),
        )
        .await;
    assert_eq!(root, json!({"username": "root"}));
}

#[tokio::test]
async fn invalid_json_is_a_parse_error_with_null_id() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    for text in [
        "{",
        "not json",
        r#"{"jsonrpc":"2.0","id":1,"method":"core.ping""#,
        "",
        "{}}",
    ] {
        let r = c.raw(text).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}}),
            "{text:?}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn batches_and_non_objects_are_refused_with_minus_32700() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let batch = json!([{"jsonrpc": "2.0", "id": 1, "method": "core.ping", "params": []}]).to_string();
    for text in [batch.as_str(), "[]"] {
        let r = c.raw(text).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": null,
                   "error": {"code": -32700, "message": "Batch messages are not supported yet"}}),
            "{text}"
        );
        still_works(&mut c).await;
    }
    for text in ["3", "\"core.ping\"", "null", "true"] {
        let r = c.raw(text).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Invalid Message Format"}}),
            "{text}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn jsonrpc_member_must_be_exactly_2_0() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let cases = [
        json!({"id": 7, "method": "core.ping", "params": []}),
        json!({"jsonrpc": "1.0", "id": 7, "method": "core.ping", "params": []}),
        json!({"jsonrpc": 2.0, "id": 7, "method": "core.ping", "params": []}),
        json!({"jsonrpc": "2", "id": 7, "method": "core.ping", "params": []}),
        json!({"jsonrpc": "2.0 ", "id": 7, "method": "core.ping", "params": []}),
        json!({"jsonrpc": null, "id": 7, "method": "core.ping", "params": []}),
    ];
    for req in cases {
        let r = c.raw(&req.to_string()).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": 7,
                   "error": {"code": -32600, "message": "Invalid Request: jsonrpc must be \"2.0\""}}),
            "{req}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn bad_id_types_are_invalid_requests_with_null_id() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    for id in [
        json!(1.5),
        json!(1.0),
        json!([1]),
        json!({"a": 1}),
        json!(true),
        json!(false),
    ] {
        let req = json!({"jsonrpc": "2.0", "id": id, "method": "core.ping", "params": []});
        let r = c.raw(&req.to_string()).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32600,
                   "message": "Invalid Request: id must be null, an integer or a string"}}),
            "{req}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn method_must_be_a_non_empty_string() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let cases = [
        json!({"jsonrpc": "2.0", "id": "m", "params": []}),
        json!({"jsonrpc": "2.0", "id": "m", "method": "", "params": []}),
        json!({"jsonrpc": "2.0", "id": "m", "method": 5, "params": []}),
        json!({"jsonrpc": "2.0", "id": "m", "method": null, "params": []}),
        json!({"jsonrpc": "2.0", "id": "m", "method": ["core.ping"], "params": []}),
    ];
    for req in cases {
        let r = c.raw(&req.to_string()).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": "m", "error": {"code": -32600,
                   "message": "Invalid Request: method must be a non-empty string"}}),
            "{req}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn params_must_be_an_array() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    for params in [
        json!({}),
        json!({"options": {}}),
        json!("x"),
        json!(1),
        json!(null),
        json!(true),
    ] {
        let req = json!({"jsonrpc": "2.0", "id": 3, "method": "core.set_options", "params": params});
        let r = c.raw(&req.to_string()).await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": 3, "error": {"code": -32600,
                   "message": "Invalid Request: params must be an array"}}),
            "{req}"
        );
        still_works(&mut c).await;
    }
}

#[tokio::test]
async fn missing_params_mean_no_arguments() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let r = c.raw(r#"{"jsonrpc":"2.0","id":1,"method":"core.ping"}"#).await;
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": 1, "result": "pong"}));
    // Optional arguments take their defaults: set_options() changes nothing and reports the defaults.
    let r = c.raw(r#"{"jsonrpc":"2.0","id":2,"method":"core.set_options"}"#).await;
    assert_eq!(
        r,
        json!({"jsonrpc": "2.0", "id": 2,
               "result": {"legacy_jobs": true, "private_methods": false, "py_exceptions": false}})
    );
    // ... and so does a query with neither filters nor options.
    let mut admin = server.admin().await;
    admin
        .send_text(r#"{"jsonrpc":"2.0","id":"q","method":"user.query"}"#)
        .await;
    let r = admin.recv_json().await;
    assert_eq!(r["id"], "q");
    let names: Vec<&str> = r["result"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|u| u["username"].as_str().expect("username"))
        .collect();
    assert!(names.contains(&"root") && names.contains(&"truenas_admin"), "{names:?}");
    // A required argument that is missing is a validation error.
    let r = admin
        .raw(r#"{"jsonrpc":"2.0","id":"g","method":"user.get_instance"}"#)
        .await;
    assert_eq!(r["id"], "g");
    assert_eq!(r["error"]["code"], -32602);
    assert_eq!(r["error"]["data"]["extra"], json!([["id", "Field required", 22]]));
}

#[tokio::test]
async fn notifications_run_without_a_reply() {
    let server = TestServer::start().await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    // Before login: core.set_options as a notification.
    c.send_text(
        r#"{"jsonrpc":"2.0","method":"core.set_options","params":[{"legacy_jobs":false,"py_exceptions":true}]}"#,
    )
    .await;
    // Calls on one connection run concurrently, so wait until the notification's effect is visible. Every
    // `call` checks that the reply it reads carries its own id: a reply to the notification would fail it.
    let mut seen = Value::Null;
    for _ in 0..100 {
        seen = c.ok("core.set_options", json!([{}])).await;
        if seen["legacy_jobs"] == false {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(
        seen,
        json!({"legacy_jobs": false, "private_methods": false, "py_exceptions": true})
    );

    // Notifications to unknown methods, with bad params or needing a login get no reply either.
    c.send_text(r#"{"jsonrpc":"2.0","method":"no.such_method","params":[]}"#)
        .await;
    c.send_text(r#"{"jsonrpc":"2.0","method":"core.ping","params":[1,2]}"#)
        .await;
    c.send_text(r#"{"jsonrpc":"2.0","method":"user.query","params":[]}"#)
        .await;
    still_works(&mut c).await;

    // After login: auth.set_attribute as a notification, observed through auth.me.
    c.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    c.send_text(r#"{"jsonrpc":"2.0","method":"auth.set_attribute","params":["theme",{"dark":true}]}"#)
        .await;
    let mut attributes = Value::Null;
    for _ in 0..100 {
        attributes = c.ok("auth.me", json!([])).await["attributes"].clone();
        if attributes != json!({}) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(attributes, json!({"theme": {"dark": true}}));
    still_works(&mut c).await;
}

/// Builds a shorthand admin client on a fresh server (for tests that need no second connection).
async fn admin_of(server: &TestServer) -> Client {
    let _ = server.admin().await;
    let mut c = server.client().await;
    c.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    c
}

#[tokio::test]
async fn unknown_methods_do_not_exist() {
    let server = TestServer::start().await;
    let mut anonymous = server.client().await;
    let mut admin = admin_of(&server).await;
    for c in [&mut anonymous, &mut admin] {
        for method in [
            "no.such_method",
            "user.nope",
            "core",
            "user.query ",
            "USER.QUERY",
            "user.do_create",
        ] {
            let req = json!({"jsonrpc": "2.0", "id": 41, "method": method, "params": []});
            let r = c.raw(&req.to_string()).await;
            assert_eq!(
                r,
                json!({"jsonrpc": "2.0", "id": 41, "error": {"code": -32601, "message": "Method does not exist"}}),
                "{method}"
            );
        }
        still_works(c).await;
    }
}

#[tokio::test]
async fn too_many_arguments_is_a_validation_error() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let e = c.err("core.ping", json!([1])).await;
    assert_eq!(
        e,
        json!({"code": -32602, "message": "Invalid params", "data": {
            "error": 22, "errname": "EINVAL",
            "reason": "[EINVAL] : Too many arguments (expected 0, found 1)\n",
            "trace": null,
            "extra": [["", "Too many arguments (expected 0, found 1)", 22]]}})
    );
    let e = c.err("core.set_options", json!([{}, {}])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["", "Too many arguments (expected 1, found 2)", 22]])
    );
    let mut admin = admin_of(&server).await;
    let e = admin.err("user.query", json!([[], {}, {}])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["", "Too many arguments (expected 2, found 3)", 22]])
    );
    let e = admin.err("group.delete", json!([1, {}, true, false])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["", "Too many arguments (expected 2, found 4)", 22]])
    );
    still_works(&mut admin).await;
}

#[tokio::test]
async fn binary_frames_close_the_connection_with_1003() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    still_works(&mut c).await;
    c.send(Message::binary(
        br#"{"jsonrpc":"2.0","id":1,"method":"core.ping"}"#.to_vec(),
    ))
    .await;
    c.expect_close(1003, "Invalid websocket message type: <WSMsgType.BINARY: 2>")
        .await;
    // The server keeps serving other connections.
    still_works(&mut server.client().await).await;

    // Also after login.
    let mut admin = admin_of(&server).await;
    admin.send(Message::binary(vec![0u8, 1, 2])).await;
    admin
        .expect_close(1003, "Invalid websocket message type: <WSMsgType.BINARY: 2>")
        .await;
    still_works(&mut server.client().await).await;
}

/// A `core.ping` request padded with spaces to exactly `len` bytes.
fn padded_ping(id: i64, len: usize) -> String {
    let base = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"core.ping","params":[]}}"#);
    assert!(base.len() <= len);
    let mut text = base[..base.len() - 1].to_string();
    text.push_str(&" ".repeat(len - base.len()));
    text.push('}');
    assert_eq!(text.len(), len);
    text
}

#[tokio::test]
async fn message_size_limit_before_login_is_8192_bytes() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    // Exactly at the limit: served.
    let r = c.raw(&padded_ping(1, 8192)).await;
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": 1, "result": "pong"}));
    // One byte more: closed with 1007.
    c.send_text(&padded_ping(2, 8193)).await;
    c.expect_close(1007, "Anonymous connection max message length is 8 kB")
        .await;
    still_works(&mut server.client().await).await;

    // The same size is fine once logged in.
    let mut admin = admin_of(&server).await;
    let r = admin.raw(&padded_ping(3, 8193)).await;
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": 3, "result": "pong"}));
}

#[tokio::test]
async fn message_size_limit_after_login_is_65536_bytes() {
    let server = TestServer::start().await;
    let mut admin = admin_of(&server).await;
    let r = admin.raw(&padded_ping(1, 65536)).await;
    assert_eq!(r, json!({"jsonrpc": "2.0", "id": 1, "result": "pong"}));
    admin.send_text(&padded_ping(2, 65537)).await;
    admin.expect_close(1009, "Max message length is 64 kB").await;
    // The server and the account are unaffected.
    let mut again = admin_of(&server).await;
    still_works(&mut again).await;

    // After logging out, the small limit applies again.
    assert_eq!(again.ok("auth.logout", json!([])).await, true);
    again.send_text(&padded_ping(3, 9000)).await;
    again
        .expect_close(1007, "Anonymous connection max message length is 8 kB")
        .await;
}

#[tokio::test]
async fn more_than_20_calls_in_flight_are_refused() {
    let server = TestServer::start_with(|s| s.login_failure_delay = Duration::from_secs(2)).await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    // 20 failing logins stay in flight for the failure delay (token logins: a connection checks one password
    // at a time).
    for id in 1..=20 {
        let req = json!({"jsonrpc": "2.0", "id": id, "method": "auth.login_ex",
                         "params": [{"mechanism": "TOKEN_PLAIN", "token": "wrong"}]});
        c.send_text(&req.to_string()).await;
    }
    // The 21st and 22nd calls are refused at once; a notification is dropped silently.
    c.send_text(r#"{"jsonrpc":"2.0","id":21,"method":"core.ping","params":[]}"#)
        .await;
    c.send_text(r#"{"jsonrpc":"2.0","method":"core.ping","params":[]}"#)
        .await;
    c.send_text(r#"{"jsonrpc":"2.0","id":"twenty-two","method":"core.ping","params":[]}"#)
        .await;
    for id in [json!(21), json!("twenty-two")] {
        let r = c.recv_json().await;
        assert_eq!(
            r,
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000,
                   "message": "Maximum number of concurrent calls (20) has exceeded"}})
        );
    }
    // The limit is per connection: another connection is served meanwhile.
    let mut other = server.client().await;
    still_works(&mut other).await;
    // The 20 logins all answer AUTH_ERR.
    let mut ids: Vec<i64> = Vec::new();
    for _ in 1..=20 {
        let r = c.recv_json().await;
        assert_eq!(r["result"], json!({"response_type": "AUTH_ERR"}), "{r}");
        ids.push(r["id"].as_i64().expect("integer id"));
    }
    ids.sort_unstable();
    assert_eq!(ids, (1..=20).collect::<Vec<_>>());
    // Once they are done, the connection takes calls again.
    still_works(&mut c).await;
    c.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn ids_are_echoed_exactly() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    for id in [
        "-1",
        "0",
        "-9223372036854775808",
        "9223372036854775807",
        "18446744073709551615",
        r#""abc""#,
        r#""""#,
        r#""-1""#,
        r#""a \"quoted\" \\ id""#,
        r#""ünïcödé""#,
        "null",
    ] {
        let text = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"core.ping","params":[]}}"#);
        let r = c.raw(&text).await;
        let expected: Value = serde_json::from_str(id).expect("id literal");
        assert_eq!(r, json!({"jsonrpc": "2.0", "id": expected, "result": "pong"}), "{id}");
    }
    // Errors echo the id too.
    let r = c
        .raw(r#"{"jsonrpc":"2.0","id":-42,"method":"user.query","params":[]}"#)
        .await;
    assert_eq!(r["id"], -42);
    assert_eq!(r["error"]["data"]["error"], 207);
    let r = c
        .raw(r#"{"jsonrpc":"2.0","id":"x-1","method":"nope.nope","params":[]}"#)
        .await;
    assert_eq!(r["id"], "x-1");
    assert_eq!(r["error"]["code"], -32601);
}

#[tokio::test]
async fn call_errors_have_the_truenas_shape() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    let e = c.err("user.query", json!([])).await;
    assert_eq!(
        e,
        json!({"code": -32001, "message": "Method call error", "data": {
            "error": 207, "errname": "ENOTAUTHENTICATED", "reason": "[ENOTAUTHENTICATED] Not authenticated",
            "trace": null, "extra": null}})
    );
    still_works(&mut c).await;
}

#[tokio::test]
async fn messages_above_the_protocol_cap_close_with_1009() {
    let server = TestServer::start().await;
    // Between the limits and the 4 MiB protocol cap the login-dependent codes apply ...
    let mut c = server.client().await;
    c.send_text(&padded_ping(1, 300_000)).await;
    c.expect_close(1007, "Anonymous connection max message length is 8 kB")
        .await;
    let mut admin = admin_of(&server).await;
    admin.send_text(&padded_ping(2, 300_000)).await;
    admin.expect_close(1009, "Max message length is 64 kB").await;
    // ... above it, 1009 whatever the login state. A raw client announces a 5 MiB text frame and sends only
    // its first bytes: the server refuses it from the header alone (sending it all would race the server's
    // close against a connection reset).
    let mut raw = RawWs::connect(&server).await;
    raw.send_frame_start(0x1, 5 << 20, b"{   ").await;
    assert_eq!(
        raw.read_close().await,
        (1009, "Max message length is 64 kB".to_string())
    );

    still_works(&mut server.client().await).await;
}

/// A WebSocket client written out by hand, for frames a library client refuses to send.
struct RawWs {
    tcp: TcpStream,
}

impl RawWs {
    /// Connects to `/api/current` and completes the handshake.
    async fn connect(server: &TestServer) -> RawWs {
        let addr = server.running.as_ref().expect("running").server.local_addr;
        let mut tcp = TcpStream::connect(addr).await.expect("tcp connect");
        let handshake = format!(
            "GET /api/current HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        );
        tcp.write_all(handshake.as_bytes()).await.expect("handshake");
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            let mut byte = [0u8; 1];
            tcp.read_exact(&mut byte).await.expect("handshake response");
            head.push(byte[0]);
        }
        assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
        RawWs { tcp }
    }

    /// Sends the start of a final, masked frame announcing `len` payload bytes, with `payload` as its first
    /// bytes (the whole frame when `payload.len() == len`).
    async fn send_frame_start(&mut self, opcode: u8, len: u64, payload: &[u8]) {
        let mut frame = vec![0x80 | opcode];
        match len {
            0..=125 => frame.push(0x80 | len as u8),
            126..=0xffff => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(len as u16).to_be_bytes());
            }
            _ => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&len.to_be_bytes());
            }
        }
        let mask = [1u8, 2, 3, 4];
        frame.extend_from_slice(&mask);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        self.tcp.write_all(&frame).await.expect("write frame");
    }

    /// Reads the server's next frame, which must be a close frame; returns its code and reason.
    async fn read_close(&mut self) -> (u16, String) {
        let mut head = [0u8; 2];
        tokio::time::timeout(Duration::from_secs(10), self.tcp.read_exact(&mut head))
            .await
            .expect("a frame within 10 s")
            .expect("close frame header");
        assert_eq!(head[0], 0x88, "a close frame");
        let mut payload = vec![0u8; usize::from(head[1] & 0x7f)];
        self.tcp.read_exact(&mut payload).await.expect("close frame payload");
        assert!(payload.len() >= 2, "the close frame has a code");
        let code = u16::from_be_bytes([payload[0], payload[1]]);
        (code, String::from_utf8(payload[2..].to_vec()).expect("utf-8 reason"))
    }
}

#[tokio::test]
async fn malformed_frames_close_the_connection() {
    let server = TestServer::start().await;
    // A text frame that is not UTF-8: 1007, as aiohttp closes it.
    let mut raw = RawWs::connect(&server).await;
    let bad = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"core.ping\",\"x\":\"\xff\xfe\"}";
    raw.send_frame_start(0x1, bad.len() as u64, bad).await;
    assert_eq!(raw.read_close().await, (1007, "Invalid UTF-8 text message".to_string()));
    // A reserved opcode: a protocol error, 1002.
    let mut raw = RawWs::connect(&server).await;
    raw.send_frame_start(0x3, 2, b"{}").await;
    assert_eq!(raw.read_close().await, (1002, "Protocol error".to_string()));
    // A well-formed frame from the same hand-written client is served.
    let mut raw = RawWs::connect(&server).await;
    let ping = br#"{"jsonrpc":"2.0","id":1,"method":"core.ping"}"#;
    raw.send_frame_start(0x1, ping.len() as u64, ping).await;
    let mut head = [0u8; 2];
    raw.tcp.read_exact(&mut head).await.expect("reply header");
    assert_eq!(head[0], 0x81, "a text frame");
    let mut body = vec![0u8; usize::from(head[1])];
    raw.tcp.read_exact(&mut body).await.expect("reply");
    assert_eq!(
        serde_json::from_slice::<Value>(&body).expect("JSON"),
        json!({"jsonrpc": "2.0", "id": 1, "result": "pong"})
    );
    still_works(&mut server.client().await).await;
}

#[tokio::test]
async fn shutdown_closes_connections_with_1001() {
    let mut server = TestServer::start().await;
    let mut c = server.client().await;
    still_works(&mut c).await;
    server.restart().await;
    c.expect_close(1001, "server shutting down").await;
    still_works(&mut server.client().await).await;
}

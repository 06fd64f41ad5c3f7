//! Native TLS (`wss://`) and trusted proxies: the real client address is the TCP peer, or the one a trusted
//! proxy names in `X-Real-Remote-Addr` / `X-Forwarded-For` (ignored from anyone else); rate limits, session
//! origins and the API-key transport check use it, and a key sent over TLS counts as sent securely from any
//! address.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use accountd::config::TlsFiles;
use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error};
use serde_json::{Value, json};

/// A self-signed certificate for 127.0.0.1 in PEM files (kept while the value lives) and its DER form.
struct TestCert {
    _dir: tempfile::TempDir,
    files: TlsFiles,
    der: Vec<u8>,
}

fn test_cert() -> TestCert {
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .expect("certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let files = TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, generated.cert.pem()).expect("cert file");
    std::fs::write(&files.key, generated.signing_key.serialize_pem()).expect("key file");
    TestCert {
        _dir: dir,
        files,
        der: generated.cert.der().to_vec(),
    }
}

fn loopback() -> IpAddr {
    IpAddr::V4(Ipv4Addr::LOCALHOST)
}

/// The origin `auth.sessions` shows for this (logged-in) connection.
async fn own_origin(c: &mut Client) -> String {
    let own = c
        .ok("auth.sessions", json!([[["current", "=", true]], {"get": true}]))
        .await;
    own["origin"].as_str().expect("origin").to_string()
}

async fn login_key(c: &mut Client, key: &Value) -> Value {
    c.ok(
        "auth.login_ex",
        json!([{"mechanism": "API_KEY_PLAIN", "username": "truenas_admin", "api_key": key}]),
    )
    .await
}

/// Sets up the administrator on `c` and logs it in.
async fn set_up_admin(c: &mut Client) {
    c.ok(
        "user.setup_local_administrator",
        json!(["truenas_admin", ADMIN_PASSWORD]),
    )
    .await;
    c.login("truenas_admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn over_tls_a_key_counts_as_sent_securely_from_any_address() {
    let cert = test_cert();
    let server = TestServer::start_with(|s| {
        s.tls = Some(cert.files.clone());
        s.limits.trusted_proxies = accountd::config::trusted(&[loopback()]);
    })
    .await;
    let url = server.url();
    assert!(url.starts_with("wss://127.0.0.1:"), "{url}");
    let mut admin = Client::connect_with(&url, None, &[], Some(&cert.der)).await;
    set_up_admin(&mut admin).await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    // A client the server sees at a remote address (a trusted proxy says so) sends the key over TLS.
    let remote = [("X-Real-Remote-Addr", "203.0.113.9"), ("X-Real-Remote-Port", "5555")];
    let mut c = Client::connect_with(&url, None, &remote, Some(&cert.der)).await;
    assert_eq!(login_key(&mut c, &created["key"]).await["response_type"], "SUCCESS");
    assert_eq!(own_origin(&mut c).await, "203.0.113.9:5555");
    let entry = admin.ok("api_key.get_instance", json!([created["id"]])).await;
    assert_eq!(entry["revoked"], false);
    // Plain WebSockets are not served on a TLS port.
    let plain = url.replacen("wss://", "ws://", 1);
    let refused = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(plain)).await;
    assert!(
        matches!(refused, Ok(Err(_))),
        "a plain handshake on the TLS port must fail"
    );
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
}

#[tokio::test]
async fn without_tls_a_key_forwarded_from_a_remote_client_is_revoked_unless_the_proxy_used_tls() {
    let server = TestServer::start_with(|s| s.limits.trusted_proxies = accountd::config::trusted(&[loopback()])).await;
    let mut admin = server.admin().await;
    let first = admin
        .ok(
            "api_key.create",
            json!([{"name": "first", "username": "truenas_admin"}]),
        )
        .await;
    let second = admin
        .ok(
            "api_key.create",
            json!([{"name": "second", "username": "truenas_admin"}]),
        )
        .await;
    // The proxy forwards a remote client that reached it in the clear: the key is revoked, as TrueNAS does.
    let clear = [("X-Real-Remote-Addr", "203.0.113.9"), ("X-Real-Remote-Port", "5555")];
    let mut c = Client::connect_with(&server.url(), None, &clear, None).await;
    assert_eq!(
        login_key(&mut c, &first["key"]).await,
        json!({"response_type": "EXPIRED"})
    );
    let entry = admin.ok("api_key.get_instance", json!([first["id"]])).await;
    assert_eq!(
        (&entry["revoked"], &entry["revoked_reason"]),
        (&json!(true), &json!("Attempt to use over an insecure transport"))
    );
    // A client that reached the proxy over TLS (`X-Https: on`, as TrueNAS's nginx says it) keeps its key.
    let tls = [clear[0], clear[1], ("X-Https", "on")];
    let mut c = Client::connect_with(&server.url(), None, &tls, None).await;
    assert_eq!(login_key(&mut c, &second["key"]).await["response_type"], "SUCCESS");
    let entry = admin.ok("api_key.get_instance", json!([second["id"]])).await;
    assert_eq!(entry["revoked"], false);
}

#[tokio::test]
async fn forwarding_headers_are_believed_only_from_a_trusted_proxy() {
    let server = TestServer::start_with(|s| s.limits.trusted_proxies = accountd::config::trusted(&[loopback()])).await;
    server.admin().await;
    let forwarded = [("X-Forwarded-For", "198.51.100.7")];
    let mut proxied = Client::connect_with(&server.url(), Some(loopback()), &forwarded, None).await;
    proxied.login("truenas_admin", ADMIN_PASSWORD).await;
    assert_eq!(own_origin(&mut proxied).await, "198.51.100.7:0");
    // The same headers from a peer that is not a trusted proxy are ignored.
    let untrusted = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let forged = [
        ("X-Real-Remote-Addr", "198.51.100.8"),
        ("X-Forwarded-For", "198.51.100.9"),
    ];
    let mut direct = Client::connect_with(&server.url(), Some(untrusted), &forged, None).await;
    direct.login("truenas_admin", ADMIN_PASSWORD).await;
    assert!(own_origin(&mut direct).await.starts_with("127.0.0.2:"));
    // A server that trusts no proxy ignores them from everyone.
    let plain = TestServer::start().await;
    plain.admin().await;
    let mut c = Client::connect_with(&plain.url(), Some(loopback()), &forged, None).await;
    c.login("truenas_admin", ADMIN_PASSWORD).await;
    assert!(own_origin(&mut c).await.starts_with("127.0.0.1:"));
}

#[tokio::test]
async fn clients_behind_a_trusted_proxy_have_their_own_rate_limit_budgets() {
    let server = TestServer::start_with(|s| {
        s.limits.trusted_proxies = accountd::config::trusted(&[loopback()]);
        s.limits.rate_limit.max_calls = 20;
        s.limits.rate_limit.window = Duration::from_secs(60);
    })
    .await;
    server.admin().await;
    // The guesses name an unknown user: guesses at the administrator's password would lock the account for
    // strangers' addresses (per-account lockout), and this test is about the per-address rate limit.
    let wrong = json!([{"mechanism": "PASSWORD_PLAIN", "username": "mallory", "password": "wrong"}]);
    // One client behind the proxy guesses 21 times: the last guess is refused by the rate limit.
    let mut guesser = Client::connect_with(&server.url(), None, &[("X-Real-Remote-Addr", "198.51.100.1")], None).await;
    for _ in 0..20 {
        assert_eq!(
            guesser.ok("auth.login_ex", wrong.clone()).await["response_type"],
            "AUTH_ERR"
        );
    }
    let e = guesser.err("auth.login_ex", wrong.clone()).await;
    assert_call_error(&e, "EBUSY", "Rate Limit Exceeded");
    // The administrator behind the same proxy, from another address, logs in.
    let mut admin = Client::connect_with(&server.url(), None, &[("X-Real-Remote-Addr", "198.51.100.2")], None).await;
    admin.login("truenas_admin", ADMIN_PASSWORD).await;
    // A peer that is not a trusted proxy cannot escape its budget by naming another address.
    let untrusted = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let mut direct = Client::connect_from(&server.url(), untrusted).await;
    for _ in 0..20 {
        assert_eq!(
            direct.ok("auth.login_ex", wrong.clone()).await["response_type"],
            "AUTH_ERR"
        );
    }
    let forged = [("X-Real-Remote-Addr", "198.51.100.3")];
    let mut again = Client::connect_with(&server.url(), Some(untrusted), &forged, None).await;
    let e = again.err("auth.login_ex", wrong).await;
    assert_call_error(&e, "EBUSY", "Rate Limit Exceeded");
}

//! Test support: start a real accountd on `127.0.0.1:0` with a temporary database and talk to it over
//! real WebSocket connections.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test support: a broken fixture fails the test that uses it"
)]

pub mod logs;
pub mod otp;
pub mod slapd;
pub mod smtp;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use accountd::{Running, Settings};
use accountd_core::{Clock, ManualClock, SystemClock};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// The administrator password every test server is set up with.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// A running server with its own temporary directory (database and home root).
pub struct TestServer {
    /// The running service (None after `stop`).
    pub running: Option<Running>,
    /// Settings it runs with (reused by `restart`).
    pub settings: Settings,
    /// Temporary directory holding `accountd.db` and `homes/`.
    pub dir: tempfile::TempDir,
    /// The clock the server reads (kept by `restart`).
    pub clock: Arc<dyn Clock>,
}

impl TestServer {
    /// `auth.login_ex` with a password on a new connection; returns the `response_type`.
    pub async fn login_type(&self, username: &str, password: &str) -> Value {
        self.client().await.login_ex(username, password).await["response_type"].clone()
    }

    /// `auth.login_ex` with a password on a new connection from local address `from` (e.g. `127.0.0.2`);
    /// returns the whole result.
    pub async fn login_from(&self, from: std::net::IpAddr, username: &str, password: &str) -> Value {
        Client::connect_from(&self.url(), from)
            .await
            .login_ex(username, password)
            .await
    }

    /// A new connection logged in as `username` with `password`.
    pub async fn logged_in(&self, username: &str, password: &str) -> Client {
        let mut c = self.client().await;
        c.login(username, password).await;
        c
    }

    /// Creates `name` (password `pw`) in a new group `<name>-privilege` whose privilege grants `roles`;
    /// returns the user's id.
    pub async fn user_with_roles(&self, admin: &mut Client, name: &str, roles: &[&str]) -> i64 {
        let group = self.grant_privilege(admin, &format!("{name}-privilege"), roles).await;
        self.create_user(admin, name, &[group]).await["id"]
            .as_i64()
            .expect("id")
    }

    /// Starts a server on a fresh database; the home root contains one "pool" directory, `homes/tank`.
    pub async fn start() -> TestServer {
        TestServer::start_with(|_| {}).await
    }

    /// Like [`TestServer::start`], with the test settings adjusted by `configure` first (e.g. a longer
    /// `login_failure_delay`).
    pub async fn start_with(configure: impl FnOnce(&mut Settings)) -> TestServer {
        TestServer::start_on(configure, Arc::new(SystemClock)).await
    }

    /// Like [`TestServer::start`], on a clock that moves only when the test advances it (token expiry,
    /// one-time-password time steps).
    pub async fn start_with_clock(clock: Arc<ManualClock>) -> TestServer {
        TestServer::start_on(|_| {}, clock).await
    }

    /// [`TestServer::start_with_clock`] with the test settings adjusted by `configure` first.
    pub async fn start_with_clock_and(clock: Arc<ManualClock>, configure: impl FnOnce(&mut Settings)) -> TestServer {
        TestServer::start_on(configure, clock).await
    }

    /// Like [`TestServer::start`], on a database that already holds `users` users (`person000000`, ...: full
    /// name `Person N`, email `personN@example.com`, password login disabled, primary group `builtin_users`),
    /// written straight through the store in one transaction before the server starts: 100,000 take seconds,
    /// where as many `user.create` calls would take many minutes.
    pub async fn start_with_seeded_users(users: u64) -> TestServer {
        let dir = tempfile::tempdir().expect("tempdir");
        seed_users(&Settings::ephemeral(dir.path()).db, users).await;
        TestServer::start_in(dir, |_| {}, Arc::new(SystemClock)).await
    }

    async fn start_on(configure: impl FnOnce(&mut Settings), clock: Arc<dyn Clock>) -> TestServer {
        TestServer::start_in(tempfile::tempdir().expect("tempdir"), configure, clock).await
    }

    async fn start_in(
        dir: tempfile::TempDir,
        configure: impl FnOnce(&mut Settings),
        clock: Arc<dyn Clock>,
    ) -> TestServer {
        let mut settings = Settings::ephemeral(dir.path());
        // Tests open many unauthenticated connections from 127.0.0.1: the rate limit of unauthenticated calls
        // (tested with TrueNAS's limits in e2e/rate_limit.rs) is lifted, and a refused call answers at once.
        settings.limits.rate_limit.max_calls = u32::MAX;
        settings.limits.rate_limit.sleep_min = Duration::ZERO;
        settings.limits.rate_limit.sleep_max = Duration::ZERO;
        configure(&mut settings);
        std::fs::create_dir_all(settings.home_root.join("tank")).expect("home root");
        let running = accountd::start_with_clock(&settings, clock.clone())
            .await
            .expect("server starts");
        TestServer {
            running: Some(running),
            settings,
            dir,
            clock,
        }
    }

    /// `ws://127.0.0.1:PORT/api/current`.
    pub fn url(&self) -> String {
        self.running.as_ref().expect("running").url()
    }

    /// Connections the server has open now (WebSocket and plain HTTP).
    pub fn open_connections(&self) -> usize {
        self.running.as_ref().expect("running").server.open_connections()
    }

    /// The pool directory homes may be created in.
    pub fn pool(&self) -> PathBuf {
        self.settings.home_root.join("tank")
    }

    /// Stops the server cleanly and starts it again on the same database (new port).
    pub async fn restart(&mut self) {
        self.stop().await;
        self.start_again().await;
    }

    /// Stops the server cleanly; its database stays (for offline commands), [`TestServer::start_again`]
    /// starts it again.
    pub async fn stop(&mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await.expect("clean shutdown");
        }
    }

    /// Starts the stopped server again on the same database and clock (new port).
    pub async fn start_again(&mut self) {
        self.running = Some(
            accountd::start_with_clock(&self.settings, self.clock.clone())
                .await
                .expect("server restarts"),
        );
    }

    /// A connected client (not logged in).
    pub async fn client(&self) -> Client {
        Client::connect(&self.url()).await
    }

    /// Sets up `truenas_admin` (if not yet) and returns a client logged in as it.
    pub async fn admin(&self) -> Client {
        let mut c = self.client().await;
        if c.call("user.has_local_administrator_set_up", json!([])).await == Ok(json!(false)) {
            c.ok(
                "user.setup_local_administrator",
                json!(["truenas_admin", ADMIN_PASSWORD]),
            )
            .await;
        }
        c.login("truenas_admin", ADMIN_PASSWORD).await;
        c
    }

    /// Creates a group bound to a new privilege `<group_name> privilege` granting `roles` (through
    /// `privilege.create`); returns the group's id.
    pub async fn grant_privilege(&self, admin: &mut Client, group_name: &str, roles: &[&str]) -> i64 {
        let group = admin.ok("group.create", json!([{"name": group_name}])).await;
        let gid = admin.ok("group.get_instance", json!([group])).await["gid"].clone();
        admin
            .ok(
                "privilege.create",
                json!([{"name": format!("{group_name} privilege"), "local_groups": [gid], "roles": roles,
                        "web_shell": false}]),
            )
            .await;
        group.as_i64().expect("group id")
    }

    /// Creates a user (password `pw`) with a primary group of its own, in the given auxiliary groups, as the
    /// admin; returns the entry.
    pub async fn create_user(&self, admin: &mut Client, username: &str, groups: &[i64]) -> Value {
        admin
            .ok(
                "user.create",
                json!([{"username": username, "full_name": username, "group_create": true, "password": "pw",
                        "groups": groups}]),
            )
            .await
    }
}

/// A JSON-RPC client over a real WebSocket.
pub struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: i64,
    /// Notifications that arrived while a call waited for its reply.
    notifications: std::collections::VecDeque<Value>,
}

impl Client {
    /// Connects to `url`.
    pub async fn connect(url: &str) -> Client {
        let (ws, _) = connect_async(url).await.expect("websocket connects");
        Client {
            ws,
            next_id: 0,
            notifications: Default::default(),
        }
    }

    /// Connects with a tiny socket receive buffer, so that a client that stops reading is noticed quickly.
    pub async fn connect_small_buffer(url: &str) -> Client {
        let addr = url.trim_start_matches("ws://").split('/').next().expect("host:port");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
        let stream = socket.connect(addr.parse().expect("addr")).await.expect("tcp connects");
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream))
            .await
            .expect("handshake");
        Client {
            ws,
            next_id: 0,
            notifications: Default::default(),
        }
    }

    /// Connects from a given local address (e.g. `127.0.0.2`, another loopback origin).
    pub async fn connect_from(url: &str, local: std::net::IpAddr) -> Client {
        Client::try_connect_from(url, local).await.expect("handshake")
    }

    /// [`Client::connect_from`], returning the handshake's error (e.g. an HTTP 503 refusal).
    pub async fn try_connect_from(
        url: &str,
        local: std::net::IpAddr,
    ) -> Result<Client, tokio_tungstenite::tungstenite::Error> {
        let addr = url.trim_start_matches("ws://").split('/').next().expect("host:port");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket.bind(std::net::SocketAddr::new(local, 0)).expect("bind");
        let stream = socket.connect(addr.parse().expect("addr")).await.expect("tcp connects");
        let (ws, _) = tokio_tungstenite::client_async(url, MaybeTlsStream::Plain(stream)).await?;
        Ok(Client {
            ws,
            next_id: 0,
            notifications: Default::default(),
        })
    }

    /// Connects with extra handshake headers (e.g. the forwarding headers a proxy adds), from `local` when
    /// given, and for a `wss://` URL over TLS trusting only the DER certificate `tls_root`.
    pub async fn connect_with(
        url: &str,
        local: Option<std::net::IpAddr>,
        headers: &[(&str, &str)],
        tls_root: Option<&[u8]>,
    ) -> Client {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request().expect("request");
        for (name, value) in headers {
            let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(name.as_bytes()).expect("name");
            request.headers_mut().append(name, value.parse().expect("header value"));
        }
        let host_port = url
            .split("://")
            .nth(1)
            .and_then(|r| r.split('/').next())
            .expect("host:port");
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        if let Some(local) = local {
            socket.bind(std::net::SocketAddr::new(local, 0)).expect("bind");
        }
        let stream = socket
            .connect(host_port.parse().expect("addr"))
            .await
            .expect("tcp connects");
        let connector = tls_root.map(|der| {
            let mut roots = tokio_rustls::rustls::RootCertStore::empty();
            roots.add(der.to_vec().into()).expect("root certificate");
            let provider = Arc::new(tokio_rustls::rustls::crypto::ring::default_provider());
            let config = tokio_rustls::rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .expect("protocol versions")
                .with_root_certificates(roots)
                .with_no_client_auth();
            tokio_tungstenite::Connector::Rustls(Arc::new(config))
        });
        let (ws, _) = tokio_tungstenite::client_async_tls_with_config(request, stream, None, connector)
            .await
            .expect("handshake");
        Client {
            ws,
            next_id: 0,
            notifications: Default::default(),
        }
    }

    /// The next notification (a message without an id), including ones that arrived during calls.
    pub async fn next_notification(&mut self) -> Value {
        if let Some(n) = self.notifications.pop_front() {
            return n;
        }
        let m = self.recv_json().await;
        assert!(m.get("id").is_none(), "expected a notification, got {m}");
        m
    }

    /// Notifications received during calls and not yet taken.
    pub fn queued_notifications(&self) -> usize {
        self.notifications.len()
    }

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text.to_string())).await.expect("send");
    }

    /// Sends a raw text frame; `Err` once the connection is gone (for tests that expect the server to drop it).
    pub async fn try_send_text(&mut self, text: &str) -> Result<(), tokio_tungstenite::tungstenite::Error> {
        self.ws.send(Message::text(text.to_string())).await
    }

    /// Sends a raw message.
    pub async fn send(&mut self, msg: Message) {
        self.ws.send(msg).await.expect("send");
    }

    /// The next message from the server (None when closed); fails after 10 s.
    pub async fn recv(&mut self) -> Option<Message> {
        match tokio::time::timeout(Duration::from_secs(10), self.ws.next()).await {
            Ok(Some(Ok(m))) => Some(m),
            Ok(_) => None,
            Err(_) => panic!("no message from the server within 10 s"),
        }
    }

    /// Waits until the server closes the connection (skipping pings); returns the close code, if any.
    /// Panics when a text message arrives first.
    pub async fn closed(&mut self) -> Option<u16> {
        loop {
            match self.recv().await {
                Some(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                None => return None,
                Some(Message::Text(t)) => panic!("expected the connection to close, got {t}"),
                Some(_) => continue,
            }
        }
    }

    /// The next message is a close frame with this code and reason (pings skipped), and the stream ends after
    /// it.
    pub async fn expect_close(&mut self, code: u16, reason: &str) {
        loop {
            match self.recv().await {
                Some(Message::Close(Some(frame))) => {
                    assert_eq!((u16::from(frame.code), frame.reason.as_str()), (code, reason));
                    break;
                }
                Some(Message::Ping(_) | Message::Pong(_)) => continue,
                other => panic!("expected a close frame {code}, got {other:?}"),
            }
        }
        assert!(self.recv().await.is_none(), "the stream ends after the close frame");
    }

    /// Sends one raw text frame and returns the next JSON reply.
    pub async fn raw(&mut self, text: &str) -> Value {
        self.send_text(text).await;
        self.recv_json().await
    }

    /// The next JSON text message.
    pub async fn recv_json(&mut self) -> Value {
        loop {
            match self.recv().await {
                Some(Message::Text(t)) => return serde_json::from_str(&t).expect("server sent JSON"),
                Some(Message::Ping(_)) | Some(Message::Pong(_)) => continue,
                other => panic!("expected a text message, got {other:?}"),
            }
        }
    }

    /// Calls a method and returns `Ok(result)` or `Err(error object)`.
    pub async fn call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let req = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_text(&req.to_string()).await;
        let reply = loop {
            let m = self.recv_json().await;
            if m.get("id").is_none() && m.get("method").is_some() {
                self.notifications.push_back(m);
                continue;
            }
            break m;
        };
        assert_eq!(reply["id"], json!(id), "reply id for {method}: {reply}");
        assert_eq!(reply["jsonrpc"], "2.0");
        match (reply.get("result"), reply.get("error")) {
            (Some(r), None) => Ok(r.clone()),
            (None, Some(e)) => Err(e.clone()),
            _ => panic!("malformed reply {reply}"),
        }
    }

    /// Calls a method that must succeed.
    pub async fn ok(&mut self, method: &str, params: Value) -> Value {
        match self.call(method, params.clone()).await {
            Ok(v) => v,
            Err(e) => panic!("{method}({params}) failed: {e}"),
        }
    }

    /// Calls a method that must fail; returns the error object.
    pub async fn err(&mut self, method: &str, params: Value) -> Value {
        match self.call(method, params.clone()).await {
            Ok(v) => panic!("{method}({params}) succeeded with {v}"),
            Err(e) => e,
        }
    }

    /// `auth.login_ex` with a password; returns the result object, whatever its `response_type`.
    pub async fn login_ex(&mut self, username: &str, password: &str) -> Value {
        self.ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password}]),
        )
        .await
    }

    /// Logs in with a password; panics unless the answer is SUCCESS.
    pub async fn login(&mut self, username: &str, password: &str) -> Value {
        let r = self.login_ex(username, password).await;
        assert_eq!(r["response_type"], "SUCCESS", "login of {username}: {r}");
        r
    }
}

/// The `data.extra` items of a validation error as `(attribute, message, errno)`.
pub fn validation_items(error: &Value) -> Vec<(Value, String, i64)> {
    assert_eq!(error["code"], -32602, "not a validation error: {error}");
    error["data"]["extra"]
        .as_array()
        .expect("extra is a list")
        .iter()
        .map(|i| {
            (
                i[0].clone(),
                i[1].as_str().expect("message").to_string(),
                i[2].as_i64().expect("errno"),
            )
        })
        .collect()
}

/// Asserts a validation error contains an item with this attribute and message (and errno 22 unless given).
pub fn assert_invalid(error: &Value, attribute: &str, message: &str) {
    let items = validation_items(error);
    assert!(
        items.iter().any(|(a, m, _)| a == attribute && m == message),
        "expected [{attribute}, {message}] in {items:?}"
    );
}

/// Asserts a -32001 call error with this errno name and message.
pub fn assert_call_error(error: &Value, errname: &str, message: &str) {
    assert_eq!(error["code"], -32001, "not a call error: {error}");
    assert_eq!(error["message"], "Method call error");
    assert_eq!(error["data"]["errname"], errname, "{error}");
    assert_eq!(error["data"]["reason"], format!("[{errname}] {message}"), "{error}");
}

/// Asserts a -32001 ENOTAUTHENTICATED error (errno 207).
pub fn assert_not_authenticated(error: &Value) {
    assert_call_error(error, "ENOTAUTHENTICATED", "Not authenticated");
    assert_eq!(error["data"]["error"], 207, "{error}");
}

/// The database id of the group with this name (the caller needs ACCOUNT_READ).
pub async fn group_id(c: &mut Client, name: &str) -> i64 {
    c.ok("group.query", json!([[["name", "=", name]], {"get": true}])).await["id"]
        .as_i64()
        .expect("group id")
}

/// The entry of the user with this name (the caller needs ACCOUNT_READ).
pub async fn user_by_name(c: &mut Client, name: &str) -> Value {
    c.ok("user.query", json!([[["username", "=", name]], {"get": true}]))
        .await
}

/// The database id of the user with this name (the caller needs ACCOUNT_READ).
pub async fn user_id(c: &mut Client, name: &str) -> i64 {
    user_by_name(c, name).await["id"].as_i64().expect("user id")
}

/// The database id of the builtin group `builtin_users`.
const BUILTIN_USERS_GROUP: i64 = 3;

/// Writes `users` users into a new database at `db` in one store transaction (see
/// [`TestServer::start_with_seeded_users`]).
async fn seed_users(db: &std::path::Path, users: u64) {
    use accountd_store::users::{self, UserRow};
    let store = accountd_store::Store::open(&accountd_store::StoreOptions::new(db)).expect("seed database");
    store
        .write(move |tx| {
            for i in 0..users {
                let username = format!("person{i:06}");
                // Dense from 10000, stepping over 65534 (`nobody`).
                let uid = 10_000 + i as i64;
                let uid = if uid >= 65_534 { uid + 1 } else { uid };
                users::insert(
                    tx,
                    &UserRow {
                        id: 0,
                        uid,
                        email: Some(format!("{username}@example.com")),
                        username,
                        unixhash: "*".into(),
                        smbhash: "*".into(),
                        home: "/var/empty".into(),
                        shell: "/usr/bin/zsh".into(),
                        full_name: format!("Person {i}"),
                        builtin: false,
                        smb: false,
                        userns_idmap: None,
                        group_id: BUILTIN_USERS_GROUP,
                        password_disabled: true,
                        ssh_password_enabled: false,
                        locked: false,
                        sudo_commands: Vec::new(),
                        sudo_commands_nopasswd: Vec::new(),
                        sshpubkey: None,
                        last_password_change: None,
                        password_history: Vec::new(),
                        account_profile: 1,
                        password_change_required: false,
                        description: None,
                        locale: None,
                        timezone: None,
                    },
                )?;
            }
            Ok::<_, accountd_store::StoreError>(())
        })
        .await
        .expect("seeding users");
    tokio::task::spawn_blocking(move || store.close())
        .await
        .expect("closing the seed database");
}

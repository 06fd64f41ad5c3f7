//! HTTP routes: the WebSocket endpoints, `GET /api/versions`, the documentation, the web page at `/ui/` and,
//! when metrics are on for this listener, `GET /metrics`; everything else is refused.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{ConnectInfo, Path, State, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::get;
use jsonrpsee::RpcModule;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::dispatch::build_module;
use crate::listener::{ConnInfo, LimitedListener, ListenerLimits, OpenConnections};
use crate::origin::client_origin;
use crate::state::AppState;
use crate::web;
use crate::ws::run_connection;

/// Largest message the WebSocket protocol layer buffers (aiohttp's default `max_msg_size`).
const PROTOCOL_MESSAGE_CAP: usize = 4 << 20;

/// Bytes read from a WebSocket per read (and held per connection).
const READ_BUFFER: usize = 4096;

/// API versions served; `/api/current` is the newest.
pub const API_VERSIONS: &[&str] = &["v25.10.0"];

#[derive(Clone)]
struct Shared {
    state: Arc<AppState>,
    module: Arc<RpcModule<AppState>>,
    shutdown: watch::Receiver<bool>,
}

/// A running server.
pub struct ServerHandle {
    /// The address it listens on (with the real port when bound to port 0).
    pub local_addr: SocketAddr,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    open: Arc<OpenConnections>,
}

impl ServerHandle {
    /// Connections open now (WebSocket and plain HTTP).
    pub fn open_connections(&self) -> usize {
        self.open.get()
    }

    /// Asks every connection to finish its in-flight calls and close, then waits for the server to stop.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.shutdown.send(true);
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Starts serving on `listener` and returns at once. The connection limits of `state.limits` apply.
pub fn serve(listener: TcpListener, state: Arc<AppState>) -> std::io::Result<ServerHandle> {
    serve_tls(listener, state, None)
}

/// [`serve`], with every connection TLS (`wss://`) when `tls` is given.
pub fn serve_tls(
    listener: TcpListener,
    state: Arc<AppState>,
    tls: Option<Arc<tokio_rustls::rustls::ServerConfig>>,
) -> std::io::Result<ServerHandle> {
    let local_addr = listener.local_addr()?;
    let open = Arc::new(OpenConnections::new(state.metrics.open_connections.clone()));
    let limits = ListenerLimits {
        max_connections: state.limits.max_connections,
        handshake_timeout: state.limits.login_timeout,
        write_timeout: state.limits.write_timeout,
        trusted_proxies: state.limits.trusted_proxies.clone(),
    };
    let acceptor = tls.map(tokio_rustls::TlsAcceptor::from);
    let listener = LimitedListener::new(listener, limits, open.clone(), state.address_shares.clone(), acceptor);
    let module = build_module(state.clone()).map_err(std::io::Error::other)?;
    // The read model for point reads fills in the background; until then reads fill it themselves.
    tokio::spawn(state.accounts.clone().keep_read_cache_warm());
    let (tx, rx) = watch::channel(false);
    let shared = Shared {
        state,
        module: Arc::new(module),
        shutdown: rx.clone(),
    };
    let app = Router::new()
        .route("/api/versions", get(versions))
        .route("/api/openrpc.json", get(openrpc))
        .route("/api/docs", get(docs_index))
        .route("/api/docs/{page}", get(docs_page))
        .route("/api/current", get(websocket_current))
        .route("/api/{version}", get(websocket_versioned))
        .route("/ui", get(web::redirect_to_page))
        .route("/ui/", get(page_index))
        .route("/ui/{*path}", get(page_file))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .with_state(shared);
    let mut stop = rx;
    let task = tokio::spawn(async move {
        axum::serve(listener, app.into_make_service_with_connect_info::<ConnInfo>())
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|v| *v).await;
            })
            .await
    });
    Ok(ServerHandle {
        local_addr,
        shutdown: tx,
        task,
        open,
    })
}

async fn page_index(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    web::page_index(&headers, &shared.state.limits.ui_frame_ancestors)
}

async fn page_file(path: Path<String>, State(shared): State<Shared>, headers: HeaderMap) -> Response {
    web::page_file(path, &headers, &shared.state.limits.ui_frame_ancestors)
}

/// The Prometheus scrape, when metrics are on for this listener; 404 otherwise.
async fn metrics(State(shared): State<Shared>) -> Response {
    match shared.state.exposed_metrics() {
        Some(registry) => crate::metrics::scrape(registry),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn versions() -> Json<&'static [&'static str]> {
    Json(API_VERSIONS)
}

async fn openrpc(State(shared): State<Shared>) -> Json<serde_json::Value> {
    Json(shared.state.docs.openrpc.clone())
}

async fn docs_index(State(shared): State<Shared>) -> Response {
    docs_response(&shared, "index.html")
}

async fn docs_page(Path(page): Path<String>, State(shared): State<Shared>) -> Response {
    docs_response(&shared, &page)
}

fn docs_response(shared: &Shared, page: &str) -> Response {
    match shared.state.docs.pages.get(page) {
        Some(html) => (
            [(axum::http::header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html.clone(),
        )
            .into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

async fn not_found() -> StatusCode {
    StatusCode::NOT_FOUND
}

async fn websocket_current(
    ws: WebSocketUpgrade,
    ConnectInfo(conn): ConnectInfo<ConnInfo>,
    headers: HeaderMap,
    State(shared): State<Shared>,
) -> Response {
    upgrade(ws, conn, &headers, shared)
}

async fn websocket_versioned(
    ws: WebSocketUpgrade,
    Path(version): Path<String>,
    ConnectInfo(conn): ConnectInfo<ConnInfo>,
    headers: HeaderMap,
    State(shared): State<Shared>,
) -> Response {
    if !API_VERSIONS.contains(&version.as_str()) {
        return StatusCode::NOT_FOUND.into_response();
    }
    upgrade(ws, conn, &headers, shared)
}

fn upgrade(ws: WebSocketUpgrade, conn: ConnInfo, headers: &HeaderMap, shared: Shared) -> Response {
    let limits = &shared.state.limits;
    let origin = client_origin(conn.peer, conn.tls, headers, &limits.trusted_proxies);
    // A trusted proxy's connection joins its client's share now that the client is known.
    let claim = if limits.trusted_proxies.contains(conn.peer.ip()) {
        match shared.state.address_shares.try_claim(origin.addr.ip()) {
            Some(claim) => Some(claim),
            None => {
                tracing::debug!(origin = %origin.addr, "refusing connection: the address holds its share");
                return (StatusCode::SERVICE_UNAVAILABLE, "Too many connections").into_response();
            }
        }
    } else {
        conn.take_unauthenticated_claim()
    };
    // From here the connection loop's login deadline applies instead of the handshake deadline.
    conn.upgraded();
    // Messages above the login-dependent limits are refused by the connection loop with TrueNAS's close codes
    // (1007 / 1009); this cap only bounds what the protocol layer buffers. It is aiohttp's default
    // `max_msg_size` (4 MiB), above which TrueNAS's WebSocket layer closes with 1009 whatever the login state,
    // and so does the connection loop here.
    let cap = PROTOCOL_MESSAGE_CAP.max(shared.state.limits.max_message_authenticated);
    // tungstenite zero-fills its whole read buffer before every read (128 KiB by default): that was most of an
    // idle connection's memory and a memset per message. Requests are small; a larger one is read in chunks.
    ws.max_message_size(cap)
        .max_frame_size(cap)
        .read_buffer_size(READ_BUFFER)
        .on_upgrade(move |socket| run_connection(socket, origin, claim, shared.state, shared.module, shared.shutdown))
}

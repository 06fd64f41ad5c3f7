//! accountd's transport: a WebSocket JSON-RPC 2.0 server with TrueNAS's envelope rules, per-connection
//! sessions, params validated against the method table's schemas, role checks, and dispatch through a
//! jsonrpsee [`jsonrpsee::RpcModule`] built from the same table.

mod address_share;
mod audit;
mod dispatch;
mod docs;
mod errors;
mod events;
mod handlers;
mod http;
mod limits;
mod listener;
mod metrics;
mod origin;
mod rate_limit;
mod registry;
mod session;
mod state;
mod tls;
pub mod validation;
mod web;
mod ws;

pub use http::{ServerHandle, serve, serve_tls};
pub use metrics::{MetricsServer, ServerMetrics, SharedRegistry, serve_metrics};
pub use origin::TrustedProxies;
pub use rate_limit::RateLimitConfig;
pub use state::{AppState, Limits};
pub use tls::{TlsError, server_config as tls_server_config};
/// rustls's server configuration (what [`serve_tls`] takes).
pub use tokio_rustls::rustls::ServerConfig as TlsServerConfig;
pub use web::is_frame_ancestor;
/// The JSON-RPC envelope decoder (public for the fuzz targets).
pub use ws::envelope;

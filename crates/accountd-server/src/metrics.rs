//! What the transport measures for `/metrics`: calls by method and outcome and their latency, logins by
//! mechanism and outcome, open connections and the bytes waiting in outbound queues. Labels are method names,
//! mechanisms and outcomes only: never a username, an address or a value from the params.
//!
//! The values are kept whether or not metrics are served; [`serve_metrics`] and the `/metrics` route of the
//! main listener (when [`crate::AppState::expose_metrics`] was called) answer with the Prometheus text format.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use jsonrpsee::types::ErrorObjectOwned;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Registry, Unit};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use accountd_api::types::auth::LoginResult;
use accountd_core::Error;

use crate::errors::INVALID_PARAMS;

/// A call's method and how it ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CallLabels {
    method: &'static str,
    /// `ok`, `invalid_params` or the errno name of the call error (`ENOTAUTHENTICATED`, `EPERM`, ...).
    outcome: &'static str,
}

/// A call's method.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct MethodLabels {
    method: &'static str,
}

/// A login's mechanism and how it ended.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LoginLabels {
    /// `PASSWORD_PLAIN`, `API_KEY_PLAIN`, `TOKEN_PLAIN`, `OTP_TOKEN`, `ONETIME_PASSWORD`.
    mechanism: &'static str,
    /// `SUCCESS`, `OTP_REQUIRED`, `AUTH_ERR`, `DENIED`, `EXPIRED`, or `ERROR` for a refused call.
    outcome: &'static str,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn call_histogram() -> Histogram {
    // 25 µs .. ~1.6 s: a cached point read up to a slow argon2 login.
    Histogram::new(exponential_buckets(0.000_025, 2.0, 17))
}

/// The transport's measurements; cheap to clone (the clones share the values).
#[derive(Debug, Clone)]
pub struct ServerMetrics {
    calls: Family<CallLabels, Counter>,
    call_seconds: HistogramFamily<MethodLabels>,
    logins: Family<LoginLabels, Counter>,
    /// Connections open now (WebSocket and plain HTTP, from the TCP accept).
    pub(crate) open_connections: Gauge,
    /// Bytes of replies and events queued on every connection.
    pub(crate) outbound_queue_bytes: Gauge,
    /// Set once the metrics are registered to be served: until then the per-call and per-login families (a
    /// labelled lookup each) are not kept, so a service without metrics does no work for them on every call.
    registered: Arc<AtomicBool>,
}

impl Default for ServerMetrics {
    fn default() -> Self {
        ServerMetrics {
            calls: Family::default(),
            call_seconds: Family::new_with_constructor(call_histogram),
            logins: Family::default(),
            open_connections: Gauge::default(),
            outbound_queue_bytes: Gauge::default(),
            registered: Arc::default(),
        }
    }
}

impl ServerMetrics {
    /// One call of `method` that took `elapsed` and ended with `result`.
    pub(crate) fn call<T>(&self, method: &'static str, elapsed: Duration, result: &Result<T, ErrorObjectOwned>) {
        if !self.registered.load(Ordering::Relaxed) {
            return;
        }
        let outcome = match result {
            Ok(_) => "ok",
            Err(e) => error_outcome(e),
        };
        self.calls.get_or_create(&CallLabels { method, outcome }).inc();
        self.call_seconds
            .get_or_create(&MethodLabels { method })
            .observe(elapsed.as_secs_f64());
    }

    /// One login with `mechanism` that ended with `outcome` (see [`LoginLabels`]).
    pub(crate) fn login(&self, mechanism: &'static str, outcome: &'static str) {
        if !self.registered.load(Ordering::Relaxed) {
            return;
        }
        self.logins.get_or_create(&LoginLabels { mechanism, outcome }).inc();
    }

    /// One `auth.login_ex`-style login with `mechanism` and its answer.
    pub(crate) fn login_answer(&self, mechanism: &'static str, answer: &Result<LoginResult, Error>) {
        let outcome = match answer {
            Ok(LoginResult::Success { .. }) => "SUCCESS",
            Ok(LoginResult::OtpRequired { .. }) => "OTP_REQUIRED",
            Ok(LoginResult::AuthErr) => "AUTH_ERR",
            Ok(LoginResult::Denied) => "DENIED",
            Ok(LoginResult::Expired) => "EXPIRED",
            Err(_) => "ERROR",
        };
        self.login(mechanism, outcome);
    }

    /// One legacy login (`auth.login`, `auth.login_with_token`, `auth.login_with_api_key`) with `mechanism`
    /// and its true/false answer.
    pub(crate) fn login_bool(&self, mechanism: &'static str, answer: &Result<bool, Error>) {
        let outcome = match answer {
            Ok(true) => "SUCCESS",
            Ok(false) => "AUTH_ERR",
            Err(_) => "ERROR",
        };
        self.login(mechanism, outcome);
    }

    /// Registers every family and gauge in `registry`.
    pub fn register(&self, registry: &mut Registry) {
        self.registered.store(true, Ordering::Relaxed);
        registry.register("rpc_calls", "JSON-RPC calls by method and outcome", self.calls.clone());
        registry.register_with_unit(
            "rpc_call_duration",
            "Time from a call's dispatch to its reply, by method",
            Unit::Seconds,
            self.call_seconds.clone(),
        );
        registry.register("logins", "Login attempts by mechanism and outcome", self.logins.clone());
        registry.register(
            "open_connections",
            "Connections open now (WebSocket and plain HTTP)",
            self.open_connections.clone(),
        );
        registry.register(
            "outbound_queue_bytes",
            "Bytes of replies and events waiting to be written, on all connections",
            self.outbound_queue_bytes.clone(),
        );
    }
}

/// The outcome label of a failed call: `invalid_params`, or the errno name of a call error.
fn error_outcome(e: &ErrorObjectOwned) -> &'static str {
    if e.code() == INVALID_PARAMS {
        return "invalid_params";
    }
    let code = e
        .data()
        .and_then(|d| serde_json::from_str::<serde_json::Value>(d.get()).ok())
        .and_then(|d| d.get("error").and_then(serde_json::Value::as_i64))
        .and_then(|c| i32::try_from(c).ok());
    match code {
        Some(code) => accountd_core::error::errno::name(code),
        None => "error",
    }
}

/// The registry answered on `/metrics`, encoded at each scrape.
pub type SharedRegistry = Arc<Registry>;

/// The `/metrics` answer: the registry in the Prometheus text format (version 0.0.4).
pub(crate) fn scrape(registry: &Registry) -> Response {
    let mut body = String::new();
    match prometheus_client::encoding::prometheus_text::encode(&mut body, registry) {
        Ok(()) => (
            [(
                header::CONTENT_TYPE,
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            )],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// A listener that serves only `GET /metrics` (everything else 404).
pub struct MetricsServer {
    /// The address it listens on.
    pub local_addr: SocketAddr,
    task: JoinHandle<std::io::Result<()>>,
    stop: tokio::sync::watch::Sender<bool>,
}

impl MetricsServer {
    /// Stops listening and waits for the open scrapes to finish.
    pub async fn shutdown(self) -> std::io::Result<()> {
        let _ = self.stop.send(true);
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }
}

/// Serves `registry` on `listener` at `/metrics` (a separate address from the API's, e.g. one only the
/// monitoring network reaches).
pub fn serve_metrics(listener: TcpListener, registry: SharedRegistry) -> std::io::Result<MetricsServer> {
    let local_addr = listener.local_addr()?;
    let app = Router::new()
        .route("/metrics", get(metrics_route))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(registry);
    let (stop, mut stopped) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = stopped.wait_for(|v| *v).await;
            })
            .await
    });
    Ok(MetricsServer { local_addr, task, stop })
}

async fn metrics_route(State(registry): State<SharedRegistry>) -> Response {
    scrape(&registry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::errors::{call_error, validation_error};
    use accountd_core::error::errno;

    #[test]
    fn outcomes_are_errno_names_or_invalid_params() {
        let cases: [(ErrorObjectOwned, &str); 3] = [
            (
                call_error(errno::ENOTAUTHENTICATED, "Not authenticated"),
                "ENOTAUTHENTICATED",
            ),
            (call_error(errno::EPERM, "no"), "EPERM"),
            (validation_error(&[]), "invalid_params"),
        ];
        for (error, expected) in cases {
            assert_eq!(error_outcome(&error), expected);
        }
    }

    #[test]
    fn a_scrape_lists_calls_by_method_and_outcome() {
        let metrics = ServerMetrics::default();
        // Registered first, as the service does at start (before it, calls and logins are not kept).
        let mut registry = Registry::with_prefix("accountd");
        metrics.register(&mut registry);
        metrics.call::<()>("user.query", Duration::from_millis(2), &Ok(()));
        metrics.call::<()>(
            "user.query",
            Duration::from_millis(1),
            &Err(call_error(errno::EPERM, "no")),
        );
        metrics.login("PASSWORD_PLAIN", "AUTH_ERR");
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        for line in [
            "accountd_rpc_calls_total{method=\"user.query\",outcome=\"ok\"} 1",
            "accountd_rpc_calls_total{method=\"user.query\",outcome=\"EPERM\"} 1",
            "accountd_rpc_call_duration_seconds_count{method=\"user.query\"} 2",
            "accountd_logins_total{mechanism=\"PASSWORD_PLAIN\",outcome=\"AUTH_ERR\"} 1",
            "accountd_open_connections 0",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}

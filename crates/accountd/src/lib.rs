//! The accountd application: configuration and start-up, shared by the `accountd` binary and the tests.

pub mod client;
pub mod commands;
pub mod config;
pub mod generate;
pub mod schemas;
pub mod systemd;

use std::sync::Arc;

use accountd_core::audit::AuditLog;
use accountd_core::password::PasswordHasher;
use accountd_core::{Accounts, Clock, SystemClock};
use accountd_server::{AppState, ServerHandle};
use accountd_store::audit::AuditStore;
use accountd_store::{Store, StoreOptions};
use anyhow::Context;

pub use config::Settings;

/// A started service: the server and its stores.
pub struct Running {
    /// The server.
    pub server: ServerHandle,
    /// The store (closed on shutdown).
    pub store: Store,
    /// Connections are TLS (`wss://`).
    pub tls: bool,
    /// The services (their pending login state is written at shutdown).
    pub accounts: Accounts,
    /// The audit log's database (closed on shutdown, after the server).
    pub audit_store: AuditStore,
    /// The task pruning expired audit entries.
    pruner: tokio::task::JoinHandle<()>,
    /// The listener of `/metrics` on an address of its own (`metrics_listen`).
    pub metrics_server: Option<accountd_server::MetricsServer>,
    /// The lock on the database's lock file, released after the store is closed: offline commands
    /// (`restore`, `unlock`) refuse to work while it is held.
    lock: accountd_store::files::DatabaseLock,
}

impl Running {
    /// The WebSocket URL of the current API.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://{}/api/current", self.server.local_addr)
    }

    /// Stops accepting connections, lets in-flight calls finish, then closes the database cleanly.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        if let Some(metrics) = self.metrics_server {
            metrics
                .shutdown()
                .await
                .context("the metrics listener stopped with an error")?;
        }
        self.server.shutdown().await.context("server stopped with an error")?;
        self.accounts.flush_login_state().await;
        self.pruner.abort();
        let (store, audit_store, lock) = (self.store, self.audit_store, self.lock);
        tokio::task::spawn_blocking(move || {
            store.close();
            audit_store.close();
            drop(lock);
        })
        .await
        .context("closing the database")?;
        Ok(())
    }
}

/// Opens the database, builds the services and starts listening.
pub async fn start(settings: &Settings) -> anyhow::Result<Running> {
    start_with_clock(settings, Arc::new(SystemClock)).await
}

/// [`start`] with a given clock (tests and the reference generator use a fixed one).
pub async fn start_with_clock(settings: &Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Running> {
    let tls = match &settings.tls {
        Some(files) => Some(load_tls(files)?),
        None => None,
    };
    // The database first: it creates the data directory 0700 (the home root may lie inside it). One service per
    // database: the lock is taken before anything is opened.
    let lock = accountd_store::files::DatabaseLock::acquire(&settings.db)?;
    let options = StoreOptions::new(&settings.db);
    let store = tokio::task::spawn_blocking(move || Store::open(&options))
        .await
        .context("opening the database")?
        .with_context(|| format!("opening database {}", settings.db.display()))?;
    std::fs::create_dir_all(&settings.home_root)
        .with_context(|| format!("creating home root {}", settings.home_root.display()))?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let argon2 = settings.argon2;
    let hasher = tokio::task::spawn_blocking(move || PasswordHasher::new(argon2, cores))
        .await
        .context("building the password hasher")??;
    let mut config = accountd_core::Config::new(&settings.home_root);
    config.argon2 = settings.argon2;
    config.login_failure_delay = settings.login_failure_delay;
    config.read_cache_entries = settings.read_cache_entries;
    config.mail_timeout = settings.mail_timeout;
    if let Some(path) = &settings.mail_ca_file {
        let pem = std::fs::read(path).with_context(|| format!("reading the mail CA file {}", path.display()))?;
        accountd_core::mail::check_ca_pem(&pem)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("the mail CA file {}", path.display()))?;
        config.mail_ca_pem = Some(pem);
    }
    let audit_path = audit_db_path(&settings.db);
    let audit_sync = settings.audit_sync;
    let audit_store = tokio::task::spawn_blocking(move || AuditStore::open(&audit_path, 2, audit_sync))
        .await
        .context("opening the audit database")?
        .with_context(|| format!("opening the audit database beside {}", settings.db.display()))?;
    let audit = AuditLog::new(
        audit_store.clone(),
        clock.clone(),
        data_dir(&settings.db),
        settings.audit,
    );
    let pruner = audit.spawn_pruner(settings.audit_prune_interval);
    let accounts = Accounts::new(store.clone(), hasher, config, clock);
    accounts.prepare_logins().await.context("loading the login state")?;
    let state = AppState::new(accounts.clone(), audit, settings.limits.clone()).map_err(anyhow::Error::msg)?;
    let listener = tokio::net::TcpListener::bind(&settings.listen)
        .await
        .with_context(|| format!("listening on {}", settings.listen))?;
    let metrics_server = serve_metrics(settings, &state, &accounts, &store, &audit_store).await?;
    let secure = tls.is_some();
    let server = accountd_server::serve_tls(listener, state, tls)?;
    let scheme = if secure { "https" } else { "http" };
    accounts.set_service_url(format!("{scheme}://{}", server.local_addr));
    Ok(Running {
        server,
        store,
        tls: secure,
        accounts,
        audit_store,
        pruner,
        metrics_server,
        lock,
    })
}

/// With metrics on: one registry (prefix `accountd_`) of the transport's, the services' and both databases'
/// measurements, exposed on the API's listener (`metrics`) and/or on a listener of its own (`metrics_listen`).
async fn serve_metrics(
    settings: &Settings,
    state: &AppState,
    accounts: &Accounts,
    store: &Store,
    audit_store: &AuditStore,
) -> anyhow::Result<Option<accountd_server::MetricsServer>> {
    if !settings.metrics && settings.metrics_listen.is_none() {
        return Ok(None);
    }
    let mut registry = prometheus_client::registry::Registry::with_prefix("accountd");
    state.metrics.register(&mut registry);
    accounts.register_metrics(&mut registry);
    registry.register_collector(Box::new(accountd_store::metrics::CommitCollector::new(vec![
        ("accounts", store.commit_metrics().clone()),
        ("audit", audit_store.commit_metrics().clone()),
    ])));
    let registry = Arc::new(registry);
    if settings.metrics {
        state.expose_metrics(registry.clone());
    }
    let Some(addr) = settings.metrics_listen else {
        return Ok(None);
    };
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening for metrics on {addr}"))?;
    Ok(Some(accountd_server::serve_metrics(listener, registry)?))
}

/// Reads the TLS certificate chain and key.
fn load_tls(files: &config::TlsFiles) -> anyhow::Result<Arc<accountd_server::TlsServerConfig>> {
    let read = |path: &std::path::Path| std::fs::read(path).with_context(|| format!("reading {}", path.display()));
    let (cert, key) = (read(&files.cert)?, read(&files.key)?);
    accountd_server::tls_server_config(&cert, &key).with_context(|| {
        format!(
            "TLS with certificate {} and key {}",
            files.cert.display(),
            files.key.display()
        )
    })
}

/// The audit database beside the accounts database `db`: `<db stem>-audit.db` (e.g. `accountd-audit.db`).
pub fn audit_db_path(db: &std::path::Path) -> std::path::PathBuf {
    let stem = db
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    db.with_file_name(format!("{stem}-audit.db"))
}

/// The data directory: the directory of the accounts database (canonical when it exists).
pub fn data_dir(db: &std::path::Path) -> std::path::PathBuf {
    let dir = match db.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    std::fs::canonicalize(&dir).unwrap_or(dir)
}

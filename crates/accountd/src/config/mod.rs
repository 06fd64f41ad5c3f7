//! Settings from flags, environment variables and an optional TOML file (flags win, then the environment,
//! then the file, then defaults). Each serve setting is declared once, in `serve.rs`; `resolve.rs` checks the
//! given values and puts them in place of the defaults; `table.rs` renders the README's settings table.

mod resolve;
mod serve;
pub mod table;

use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use accountd_core::password::Argon2Params;

pub use serve::{ServeArgs, ServeSettings};

/// Default listen address (loopback only).
pub const DEFAULT_LISTEN: SocketAddr = SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, 6780));

/// Whether the audit log records by default.
pub const DEFAULT_AUDIT: bool = true;

/// Whether `/metrics` is served on the API's listener by default.
pub const DEFAULT_METRICS: bool = false;

/// How often the audit log is pruned by default.
pub const DEFAULT_AUDIT_PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// Effective settings of a running service.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub listen: SocketAddr,
    /// SQLite database file.
    pub db: PathBuf,
    /// Directory under which home directories may be created.
    pub home_root: PathBuf,
    /// argon2id cost for new hashes.
    pub argon2: Argon2Params,
    /// Delay before answering a failed login.
    pub login_failure_delay: Duration,
    /// Transport limits (connections, login and write timeouts, message sizes, calls in flight, outbound queue).
    pub limits: accountd_server::Limits,
    /// Most user entries the in-memory read model keeps for point reads (0 turns it off).
    pub read_cache_entries: usize,
    /// Serve TLS (`wss://`) with this PEM certificate chain and private key.
    pub tls: Option<TlsFiles>,
    /// Record logins, logouts and audited calls in the audit log (off only to measure what it costs).
    pub audit: bool,
    /// How often entries older than the audit retention are pruned.
    pub audit_prune_interval: Duration,
    /// How long sending one mail may take.
    pub mail_timeout: Duration,
    /// PEM certificates trusted for the SMTP server's TLS besides the system's roots.
    pub mail_ca_file: Option<PathBuf>,
    /// How the audit database's commits reach the disk.
    pub audit_sync: accountd_store::audit::AuditSync,
    /// Serve `/metrics` on the API's listener.
    pub metrics: bool,
    /// Serve `/metrics` on this address of its own.
    pub metrics_listen: Option<SocketAddr>,
}

/// The PEM files of the TLS certificate and its key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// Certificate chain, leaf first.
    pub cert: PathBuf,
    /// Private key of the leaf certificate.
    pub key: PathBuf,
}

impl Settings {
    /// The default of every setting, with the given database and home root: the transport's and the account
    /// services' own defaults and the ones declared here.
    pub fn defaults(db: PathBuf, home_root: PathBuf) -> Settings {
        let core = accountd_core::Config::new(&home_root);
        Settings {
            listen: DEFAULT_LISTEN,
            db,
            home_root,
            argon2: core.argon2,
            login_failure_delay: core.login_failure_delay,
            limits: accountd_server::Limits::default(),
            read_cache_entries: core.read_cache_entries,
            tls: None,
            audit: DEFAULT_AUDIT,
            audit_prune_interval: DEFAULT_AUDIT_PRUNE_INTERVAL,
            mail_timeout: core.mail_timeout,
            mail_ca_file: None,
            audit_sync: Default::default(),
            metrics: DEFAULT_METRICS,
            metrics_listen: None,
        }
    }

    /// Settings for a throwaway in-process server (tests, the example runner): a free loopback port, the
    /// database `accountd.db` and the home root `homes/` under `dir`, cheap argon2id hashes and a 1 ms
    /// failure delay; everything else keeps its default.
    pub fn ephemeral(dir: &Path) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            argon2: Argon2Params { m_kib: 64, t: 1, p: 1 },
            login_failure_delay: Duration::from_millis(1),
            ..Settings::defaults(dir.join("accountd.db"), dir.join("homes"))
        }
    }
}

/// Trusted proxies from a list of addresses (tests and embedders).
pub fn trusted(addresses: &[IpAddr]) -> accountd_server::TrustedProxies {
    accountd_server::TrustedProxies::new(addresses.iter().copied())
}

/// `$XDG_DATA_HOME/accountd`, else `~/.local/share/accountd`, else `./accountd-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(x).join("accountd");
    }
    if let Some(h) = std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(h).join(".local/share/accountd");
    }
    PathBuf::from("accountd-data")
}

#[cfg(test)]
mod tests;

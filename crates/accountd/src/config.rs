//! Settings from flags, environment variables and an optional TOML file (flags win, then the environment,
//! then the file, then defaults).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use accountd_core::password::Argon2Params;
use anyhow::Context;
use serde::Deserialize;

/// Default listen address (loopback only).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:6780";

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
    /// Settings for a throwaway in-process server (tests, the example runner): a free loopback port, the
    /// database `accountd.db` and the home root `homes/` under `dir`, cheap argon2id hashes and a 1 ms
    /// failure delay; the transport limits and the read cache keep their defaults.
    pub fn ephemeral(dir: &Path) -> Settings {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            db: dir.join("accountd.db"),
            home_root: dir.join("homes"),
            argon2: Argon2Params { m_kib: 64, t: 1, p: 1 },
            login_failure_delay: Duration::from_millis(1),
            limits: accountd_server::Limits::default(),
            read_cache_entries: accountd_core::DEFAULT_READ_CACHE_ENTRIES,
            tls: None,
            audit: true,
            audit_prune_interval: DEFAULT_AUDIT_PRUNE_INTERVAL,
            mail_timeout: DEFAULT_MAIL_TIMEOUT,
            mail_ca_file: None,
            audit_sync: Default::default(),
        }
    }
}

/// How long sending one mail may take by default.
pub const DEFAULT_MAIL_TIMEOUT: Duration = Duration::from_secs(30);

/// How often the audit log is pruned by default.
pub const DEFAULT_AUDIT_PRUNE_INTERVAL: Duration = Duration::from_secs(3600);

/// The settings one source (flags/environment, or the file) gives; `None` = not set there.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialSettings {
    /// `listen = "127.0.0.1:6780"`.
    pub listen: Option<SocketAddr>,
    /// `db = "/var/lib/accountd/accountd.db"`.
    pub db: Option<PathBuf>,
    /// `home_root = "/mnt"`.
    pub home_root: Option<PathBuf>,
    /// `argon2_m_kib = 19456`.
    pub argon2_m_kib: Option<u32>,
    /// `argon2_t = 2`.
    pub argon2_t: Option<u32>,
    /// `argon2_p = 1`.
    pub argon2_p: Option<u32>,
    /// `login_failure_delay_ms = 1000`.
    pub login_failure_delay_ms: Option<u64>,
    /// `max_connections = 10000`.
    pub max_connections: Option<usize>,
    /// `unauthenticated_share_percent = 10`: share of `max_connections` one address may hold before logging in.
    pub unauthenticated_share_percent: Option<u8>,
    /// `trusted_proxy = ["127.0.0.1"]`: peers whose forwarding headers name the real client.
    pub trusted_proxy: Option<Vec<IpAddr>>,
    /// `login_timeout_ms = 60000`.
    pub login_timeout_ms: Option<u64>,
    /// `write_timeout_ms = 30000`.
    pub write_timeout_ms: Option<u64>,
    /// `outbound_queue_bytes = 8388608`: bytes of replies and events queued per connection at most.
    pub outbound_queue_bytes: Option<usize>,
    /// `rate_limit_max_calls = 20`: unauthenticated calls of one no-auth method per address and window.
    pub rate_limit_max_calls: Option<u32>,
    /// `rate_limit_window_ms = 60000`.
    pub rate_limit_window_ms: Option<u64>,
    /// `rate_limit_sleep_min_ms = 1000`: shortest wait before refusing a call over the limit.
    pub rate_limit_sleep_min_ms: Option<u64>,
    /// `rate_limit_sleep_max_ms = 10000`: longest wait before refusing a call over the limit.
    pub rate_limit_sleep_max_ms: Option<u64>,
    /// `read_cache_entries = 200000`: user entries kept in memory for point reads (0 turns the cache off).
    pub read_cache_entries: Option<usize>,
    /// `tls_cert = "/etc/accountd/cert.pem"`: serve TLS with this PEM certificate chain (with `tls_key`).
    pub tls_cert: Option<PathBuf>,
    /// `tls_key = "/etc/accountd/key.pem"`: the certificate's PEM private key (with `tls_cert`).
    pub tls_key: Option<PathBuf>,
    /// `audit = true`: record logins, logouts and audited calls.
    pub audit: Option<bool>,
    /// `audit_prune_interval_ms = 3600000`: how often expired audit entries are pruned.
    pub audit_prune_interval_ms: Option<u64>,
    /// `ui_frame_ancestors = ["https://nas.example"]`: origins that may show the web page in a frame (default:
    /// none, `X-Frame-Options: DENY`).
    pub ui_frame_ancestors: Option<Vec<String>>,
    /// `mail_timeout_ms = 30000`: how long sending one mail may take.
    pub mail_timeout_ms: Option<u64>,
    /// `mail_ca_file = "/etc/accountd/mail-ca.pem"`: PEM certificates trusted for the SMTP server's TLS besides the
    /// system's roots.
    pub mail_ca_file: Option<PathBuf>,
    /// `audit_sync = "full"`: `full` (synced to disk before each reply, as the accounts database) or `normal`
    /// (an entry survives a crash of the service, not a power loss).
    pub audit_sync: Option<String>,
}

impl PartialSettings {
    /// Reads a TOML config file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config {}", path.display()))
    }

    /// Values from `self`, else from `lower`.
    pub fn over(self, lower: PartialSettings) -> PartialSettings {
        PartialSettings {
            listen: self.listen.or(lower.listen),
            db: self.db.or(lower.db),
            home_root: self.home_root.or(lower.home_root),
            argon2_m_kib: self.argon2_m_kib.or(lower.argon2_m_kib),
            argon2_t: self.argon2_t.or(lower.argon2_t),
            argon2_p: self.argon2_p.or(lower.argon2_p),
            login_failure_delay_ms: self.login_failure_delay_ms.or(lower.login_failure_delay_ms),
            max_connections: self.max_connections.or(lower.max_connections),
            unauthenticated_share_percent: self
                .unauthenticated_share_percent
                .or(lower.unauthenticated_share_percent),
            trusted_proxy: self.trusted_proxy.or(lower.trusted_proxy),
            login_timeout_ms: self.login_timeout_ms.or(lower.login_timeout_ms),
            write_timeout_ms: self.write_timeout_ms.or(lower.write_timeout_ms),
            outbound_queue_bytes: self.outbound_queue_bytes.or(lower.outbound_queue_bytes),
            rate_limit_max_calls: self.rate_limit_max_calls.or(lower.rate_limit_max_calls),
            rate_limit_window_ms: self.rate_limit_window_ms.or(lower.rate_limit_window_ms),
            rate_limit_sleep_min_ms: self.rate_limit_sleep_min_ms.or(lower.rate_limit_sleep_min_ms),
            rate_limit_sleep_max_ms: self.rate_limit_sleep_max_ms.or(lower.rate_limit_sleep_max_ms),
            read_cache_entries: self.read_cache_entries.or(lower.read_cache_entries),
            tls_cert: self.tls_cert.or(lower.tls_cert),
            tls_key: self.tls_key.or(lower.tls_key),
            audit: self.audit.or(lower.audit),
            audit_prune_interval_ms: self.audit_prune_interval_ms.or(lower.audit_prune_interval_ms),
            ui_frame_ancestors: self.ui_frame_ancestors.or(lower.ui_frame_ancestors),
            mail_timeout_ms: self.mail_timeout_ms.or(lower.mail_timeout_ms),
            mail_ca_file: self.mail_ca_file.or(lower.mail_ca_file),
            audit_sync: self.audit_sync.or(lower.audit_sync),
        }
    }

    /// Fills in defaults.
    pub fn resolve(self) -> anyhow::Result<Settings> {
        let data = default_data_dir();
        let defaults = Argon2Params::default();
        let limits = self.limits()?;
        let tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => anyhow::bail!("tls_cert and tls_key must be given together"),
        };
        Ok(Settings {
            listen: match self.listen {
                Some(a) => a,
                None => DEFAULT_LISTEN.parse().context("default listen address")?,
            },
            db: self.db.unwrap_or_else(|| data.join("accountd.db")),
            home_root: self.home_root.unwrap_or_else(|| data.join("homes")),
            argon2: Argon2Params {
                m_kib: self.argon2_m_kib.unwrap_or(defaults.m_kib),
                t: self.argon2_t.unwrap_or(defaults.t),
                p: self.argon2_p.unwrap_or(defaults.p),
            },
            login_failure_delay: Duration::from_millis(self.login_failure_delay_ms.unwrap_or(1000)),
            limits,
            read_cache_entries: self
                .read_cache_entries
                .unwrap_or(accountd_core::DEFAULT_READ_CACHE_ENTRIES),
            tls,
            audit: self.audit.unwrap_or(true),
            audit_prune_interval: match self.audit_prune_interval_ms {
                Some(0) => anyhow::bail!("audit_prune_interval_ms must be at least 1"),
                Some(ms) => Duration::from_millis(ms),
                None => DEFAULT_AUDIT_PRUNE_INTERVAL,
            },
            mail_timeout: match self.mail_timeout_ms {
                Some(0) => anyhow::bail!("mail_timeout_ms must be at least 1"),
                Some(ms) => Duration::from_millis(ms),
                None => DEFAULT_MAIL_TIMEOUT,
            },
            mail_ca_file: self.mail_ca_file,
            audit_sync: match self.audit_sync.as_deref() {
                None => Default::default(),
                Some(v) => accountd_store::audit::AuditSync::parse(v)
                    .with_context(|| format!("audit_sync must be \"normal\" or \"full\", not {v:?}"))?,
            },
        })
    }

    /// The transport limits: defaults with the connection settings given.
    fn limits(&self) -> anyhow::Result<accountd_server::Limits> {
        let mut limits = accountd_server::Limits::default();
        if let Some(n) = self.max_connections {
            anyhow::ensure!(n > 0, "max_connections must be at least 1");
            limits.max_connections = n;
        }
        if let Some(p) = self.unauthenticated_share_percent {
            anyhow::ensure!(
                (1..=100).contains(&p),
                "unauthenticated_share_percent must be between 1 and 100"
            );
            limits.unauthenticated_share_percent = p;
        }
        if let Some(proxies) = &self.trusted_proxy {
            limits.trusted_proxies = accountd_server::TrustedProxies::new(proxies.iter().copied());
        }
        if let Some(ms) = self.login_timeout_ms {
            anyhow::ensure!(ms > 0, "login_timeout_ms must be at least 1");
            limits.login_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.write_timeout_ms {
            anyhow::ensure!(ms > 0, "write_timeout_ms must be at least 1");
            limits.write_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = self.outbound_queue_bytes {
            anyhow::ensure!(n > 0, "outbound_queue_bytes must be at least 1");
            limits.outbound_queue_bytes = n;
        }
        if let Some(origins) = &self.ui_frame_ancestors {
            for origin in origins {
                anyhow::ensure!(
                    accountd_server::is_frame_ancestor(origin),
                    "ui_frame_ancestors: {origin:?} is not an origin like https://nas.example or https://10.0.0.2:8443"
                );
            }
            limits.ui_frame_ancestors = origins.clone();
        }
        let rate = &mut limits.rate_limit;
        if let Some(n) = self.rate_limit_max_calls {
            rate.max_calls = n;
        }
        if let Some(ms) = self.rate_limit_window_ms {
            anyhow::ensure!(ms > 0, "rate_limit_window_ms must be at least 1");
            rate.window = Duration::from_millis(ms);
        }
        if let Some(ms) = self.rate_limit_sleep_min_ms {
            rate.sleep_min = Duration::from_millis(ms);
        }
        if let Some(ms) = self.rate_limit_sleep_max_ms {
            rate.sleep_max = Duration::from_millis(ms);
        }
        anyhow::ensure!(
            rate.sleep_min <= rate.sleep_max,
            "rate_limit_sleep_min_ms must not exceed rate_limit_sleep_max_ms"
        );
        Ok(limits)
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
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_file_and_defaults_fill_in() {
        let file: PartialSettings = toml::from_str("db = \"/f.db\"\nlisten = \"127.0.0.1:1\"\nargon2_t = 3").unwrap();
        let flags = PartialSettings {
            listen: Some("127.0.0.1:0".parse().unwrap()),
            ..Default::default()
        };
        let s = flags.over(file).resolve().unwrap();
        assert_eq!(s.listen.port(), 0);
        assert_eq!(s.db, PathBuf::from("/f.db"));
        assert_eq!(
            s.argon2,
            Argon2Params {
                m_kib: 19456,
                t: 3,
                p: 1
            }
        );
        assert_eq!(s.login_failure_delay, Duration::from_secs(1));
    }

    #[test]
    fn frame_ancestors_are_origins() {
        let s = PartialSettings::default().resolve().unwrap();
        assert!(s.limits.ui_frame_ancestors.is_empty());
        let file: PartialSettings =
            toml::from_str("ui_frame_ancestors = [\"https://nas.example\", \"http://10.0.0.2:8080\"]").unwrap();
        assert_eq!(
            file.resolve().unwrap().limits.ui_frame_ancestors,
            ["https://nas.example", "http://10.0.0.2:8080"]
        );
        for bad in [
            "*",
            "https://nas.example; script-src *",
            "nas.example",
            "https://nas.example/ui",
        ] {
            let file = PartialSettings {
                ui_frame_ancestors: Some(vec![bad.to_string()]),
                ..Default::default()
            };
            let err = file.resolve().expect_err(bad).to_string();
            assert!(err.starts_with("ui_frame_ancestors:"), "{bad}: {err}");
        }
    }

    #[test]
    fn audit_sync_is_full_unless_normal_is_asked_for() {
        use accountd_store::audit::AuditSync;
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!(s.audit_sync, AuditSync::Full);
        let file: PartialSettings = toml::from_str("audit_sync = \"normal\"").unwrap();
        assert_eq!(file.resolve().unwrap().audit_sync, AuditSync::Normal);
        let file: PartialSettings = toml::from_str("audit_sync = \"fast\"").unwrap();
        let err = file.resolve().unwrap_err().to_string();
        assert!(err.contains("audit_sync must be"), "{err}");
    }

    #[test]
    fn read_cache_size_is_configurable() {
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!(s.read_cache_entries, 200_000);
        let file: PartialSettings = toml::from_str("read_cache_entries = 0").unwrap();
        assert_eq!(file.resolve().unwrap().read_cache_entries, 0);
    }

    #[test]
    fn connection_limits_are_configurable() {
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!(s.limits.max_connections, 10_000);
        assert_eq!(s.limits.login_timeout, Duration::from_secs(60));
        assert_eq!(s.limits.write_timeout, Duration::from_secs(30));
        assert_eq!(s.limits.outbound_queue_bytes, 8 << 20);
        let file: PartialSettings = toml::from_str("outbound_queue_bytes = 65536").unwrap();
        assert_eq!(file.resolve().unwrap().limits.outbound_queue_bytes, 65536);
        let file: PartialSettings =
            toml::from_str("max_connections = 5\nlogin_timeout_ms = 200\nwrite_timeout_ms = 300").unwrap();
        let s = file.resolve().unwrap();
        assert_eq!(s.limits.max_connections, 5);
        assert_eq!(s.limits.login_timeout, Duration::from_millis(200));
        assert_eq!(s.limits.write_timeout, Duration::from_millis(300));
        assert_eq!(s.limits.max_unauthenticated_per_address(), 1);
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!(s.limits.max_unauthenticated_per_address(), 1000);
        let file: PartialSettings = toml::from_str("max_connections = 50\nunauthenticated_share_percent = 20").unwrap();
        assert_eq!(file.resolve().unwrap().limits.max_unauthenticated_per_address(), 10);
        for bad in [
            "max_connections = 0",
            "login_timeout_ms = 0",
            "write_timeout_ms = 0",
            "outbound_queue_bytes = 0",
            "unauthenticated_share_percent = 0",
            "unauthenticated_share_percent = 101",
        ] {
            let file: PartialSettings = toml::from_str(bad).unwrap();
            assert!(file.resolve().is_err(), "{bad}");
        }
    }

    #[test]
    fn rate_limits_are_configurable() {
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!(s.limits.rate_limit, accountd_server::RateLimitConfig::default());
        let file: PartialSettings = toml::from_str(
            "rate_limit_max_calls = 3\nrate_limit_window_ms = 500\nrate_limit_sleep_min_ms = 0\nrate_limit_sleep_max_ms = 0",
        )
        .unwrap();
        let r = file.resolve().unwrap().limits.rate_limit;
        assert_eq!(
            (r.max_calls, r.window, r.sleep_min, r.sleep_max),
            (3, Duration::from_millis(500), Duration::ZERO, Duration::ZERO)
        );
        let bad: PartialSettings = toml::from_str("rate_limit_sleep_min_ms = 5\nrate_limit_sleep_max_ms = 1").unwrap();
        assert!(bad.resolve().is_err());
    }

    #[test]
    fn tls_needs_both_files() {
        assert_eq!(PartialSettings::default().resolve().unwrap().tls, None);
        let file: PartialSettings = toml::from_str("tls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"").unwrap();
        let tls = file.resolve().unwrap().tls.unwrap();
        assert_eq!((tls.cert, tls.key), (PathBuf::from("/c.pem"), PathBuf::from("/k.pem")));
        for one in ["tls_cert = \"/c.pem\"", "tls_key = \"/k.pem\""] {
            let file: PartialSettings = toml::from_str(one).unwrap();
            assert!(file.resolve().is_err(), "{one}");
        }
    }

    #[test]
    fn trusted_proxies_are_configurable() {
        let s = PartialSettings::default().resolve().unwrap();
        assert!(s.limits.trusted_proxies.addresses().is_empty());
        let file: PartialSettings = toml::from_str("trusted_proxy = [\"127.0.0.1\", \"::1\"]").unwrap();
        let t = file.resolve().unwrap().limits.trusted_proxies;
        assert!(t.contains("127.0.0.1".parse().unwrap()) && t.contains("::1".parse().unwrap()));
        assert!(!t.contains("127.0.0.2".parse().unwrap()));
        assert!(toml::from_str::<PartialSettings>("trusted_proxy = [\"localhost\"]").is_err());
    }

    #[test]
    fn mail_settings_are_configurable() {
        let s = PartialSettings::default().resolve().unwrap();
        assert_eq!((s.mail_timeout, s.mail_ca_file), (Duration::from_secs(30), None));
        let file: PartialSettings =
            toml::from_str("mail_timeout_ms = 5000\nmail_ca_file = \"/etc/accountd/mail-ca.pem\"").unwrap();
        let s = file.resolve().unwrap();
        assert_eq!(s.mail_timeout, Duration::from_secs(5));
        assert_eq!(s.mail_ca_file, Some(PathBuf::from("/etc/accountd/mail-ca.pem")));
        let bad: PartialSettings = toml::from_str("mail_timeout_ms = 0").unwrap();
        assert!(bad.resolve().is_err());
    }

    #[test]
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<PartialSettings>("dbx = 1").is_err());
    }
}

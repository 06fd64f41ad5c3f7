//! The serve settings, each declared once: its doc, flag, environment variable, TOML key and default. The
//! README's settings table is generated from this declaration (`table.rs`).

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::time::Duration;

use accountd_core::password::Argon2Params;
use accountd_server::Limits;
use anyhow::Context;
use clap::parser::ValueSource;
use serde::Deserialize;

use super::{DEFAULT_AUDIT, DEFAULT_AUDIT_PRUNE_INTERVAL, DEFAULT_LISTEN, DEFAULT_METRICS};

/// The arguments of `accountd serve`: the settings, and the file that may give them too.
#[derive(Debug, Clone, clap::Args)]
pub struct ServeArgs {
    /// The settings given as flags or environment variables.
    #[command(flatten)]
    pub settings: ServeSettings,
    /// A TOML file with any of the settings above, each under its TOML key (e.g. `max_connections = 5`);
    /// unknown keys are refused [default: none]
    #[arg(long, env = "ACCOUNTD_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Declares the settings struct and what is derived from its field list: the layering of sources
/// ([`ServeSettings::over`]), the removal of clap's defaults ([`ServeSettings::given_only`]) and the TOML keys.
macro_rules! layered_settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$field_meta:meta])*
                pub $field:ident: Option<$ty:ty>,
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[$field_meta])*
                pub $field: Option<$ty>,
            )*
        }

        impl $name {
            /// Every TOML key (the flags are the keys with `-` for `_`).
            pub const KEYS: &[&str] = &[$(stringify!($field)),*];

            /// Each setting from `self`, else from `lower`.
            pub fn over(self, lower: $name) -> $name {
                $name {
                    $($field: self.$field.or(lower.$field),)*
                }
            }

            /// The settings the command line or the environment gave, without the values clap filled in from
            /// the declared defaults (the file's values come before the defaults).
            pub fn given_only(self, matches: &clap::ArgMatches) -> $name {
                $name {
                    $($field: if from_default(matches, stringify!($field)) { None } else { self.$field },)*
                }
            }
        }
    };
}

/// Whether clap took the value of `id` from its declared default.
fn from_default(matches: &clap::ArgMatches, id: &str) -> bool {
    matches!(matches.value_source(id), Some(ValueSource::DefaultValue) | None)
}

/// The defaults the account services (the core's [`accountd_core::Config`]) start from.
fn core() -> accountd_core::Config {
    accountd_core::Config::new(PathBuf::new())
}

/// A duration as the whole milliseconds the `*_ms` settings take.
fn millis(duration: Duration) -> String {
    duration.as_millis().to_string()
}

layered_settings! {
    /// The settings of `accountd serve`. Each is a flag, an environment variable and a key of the TOML file;
    /// flags win over the environment, which wins over the file, which wins over the defaults declared here
    /// (or, for the transport and the account services, in their own crates' defaults). `None`: not given
    /// by this source.
    #[derive(Debug, Clone, Default, clap::Args, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ServeSettings {
        /// Address to listen on (port 0 picks a free port).
        #[arg(long, env = "ACCOUNTD_LISTEN", value_name = "ADDR:PORT", default_value = DEFAULT_LISTEN.to_string())]
        pub listen: Option<SocketAddr>,
        /// SQLite database file [default: `$XDG_DATA_HOME/accountd/accountd.db` (else
        /// `~/.local/share/accountd/accountd.db`)]
        #[arg(long, env = "ACCOUNTD_DB", value_name = "PATH")]
        pub db: Option<PathBuf>,
        /// Directory under which home directories may be created (TrueNAS's `/mnt`) [default: `<data dir>/homes`,
        /// beside the default database]
        #[arg(long, env = "ACCOUNTD_HOME_ROOT", value_name = "DIR")]
        pub home_root: Option<PathBuf>,
        /// argon2id memory cost in KiB for new password hashes (OWASP's recommendation by default).
        #[arg(long, env = "ACCOUNTD_ARGON2_M_KIB", value_name = "N", default_value = Argon2Params::default().m_kib.to_string())]
        pub argon2_m_kib: Option<u32>,
        /// argon2id iterations for new password hashes.
        #[arg(long, env = "ACCOUNTD_ARGON2_T", value_name = "N", default_value = Argon2Params::default().t.to_string())]
        pub argon2_t: Option<u32>,
        /// argon2id parallelism for new password hashes.
        #[arg(long, env = "ACCOUNTD_ARGON2_P", value_name = "N", default_value = Argon2Params::default().p.to_string())]
        pub argon2_p: Option<u32>,
        /// Delay before answering a failed login, in milliseconds.
        #[arg(long, env = "ACCOUNTD_LOGIN_FAILURE_DELAY_MS", value_name = "N", default_value = millis(core().login_failure_delay))]
        pub login_failure_delay_ms: Option<u64>,
        /// Open connections at most (WebSocket or plain HTTP, counted from the TCP accept); more are answered
        /// HTTP 503.
        #[arg(long, env = "ACCOUNTD_MAX_CONNECTIONS", value_name = "N", default_value = Limits::default().max_connections.to_string())]
        pub max_connections: Option<usize>,
        /// Percentage of `max_connections` (at least one connection) one client address may hold with
        /// connections that are not logged in; more are answered HTTP 503.
        #[arg(long, env = "ACCOUNTD_UNAUTHENTICATED_SHARE_PERCENT", value_name = "N", default_value = Limits::default().unauthenticated_share_percent.to_string())]
        pub unauthenticated_share_percent: Option<u8>,
        /// Comma-separated peer addresses (e.g. a TLS proxy on this host, 127.0.0.1) whose `X-Real-Remote-Addr` or
        /// `X-Forwarded-For` header names the real client; never believed from other peers [default: none]
        #[arg(long, env = "ACCOUNTD_TRUSTED_PROXY", value_name = "ADDR", value_delimiter = ',')]
        pub trusted_proxy: Option<Vec<IpAddr>>,
        /// A connection that has not finished its WebSocket handshake, or then not logged in, after this many
        /// milliseconds is closed.
        #[arg(long, env = "ACCOUNTD_LOGIN_TIMEOUT_MS", value_name = "N", default_value = millis(Limits::default().login_timeout))]
        pub login_timeout_ms: Option<u64>,
        /// A connection whose peer reads nothing of what is sent for this many milliseconds is dropped.
        #[arg(long, env = "ACCOUNTD_WRITE_TIMEOUT_MS", value_name = "N", default_value = millis(Limits::default().write_timeout))]
        pub write_timeout_ms: Option<u64>,
        /// Bytes of replies and events queued per connection at most; a client that does not read stops being
        /// read from (or, for events, is closed).
        #[arg(long, env = "ACCOUNTD_OUTBOUND_QUEUE_BYTES", value_name = "N", default_value = Limits::default().outbound_queue_bytes.to_string())]
        pub outbound_queue_bytes: Option<usize>,
        /// Unauthenticated calls of one no-auth method allowed per address and window.
        #[arg(long, env = "ACCOUNTD_RATE_LIMIT_MAX_CALLS", value_name = "N", default_value = Limits::default().rate_limit.max_calls.to_string())]
        pub rate_limit_max_calls: Option<u32>,
        /// The rate limit's window in milliseconds.
        #[arg(long, env = "ACCOUNTD_RATE_LIMIT_WINDOW_MS", value_name = "N", default_value = millis(Limits::default().rate_limit.window))]
        pub rate_limit_window_ms: Option<u64>,
        /// Shortest random wait before refusing a call over the rate limit, in milliseconds.
        #[arg(long, env = "ACCOUNTD_RATE_LIMIT_SLEEP_MIN_MS", value_name = "N", default_value = millis(Limits::default().rate_limit.sleep_min))]
        pub rate_limit_sleep_min_ms: Option<u64>,
        /// Longest random wait before refusing a call over the rate limit, in milliseconds.
        #[arg(long, env = "ACCOUNTD_RATE_LIMIT_SLEEP_MAX_MS", value_name = "N", default_value = millis(Limits::default().rate_limit.sleep_max))]
        pub rate_limit_sleep_max_ms: Option<u64>,
        /// User entries kept in memory for point reads (`user.get_instance`); about 400 bytes each; 0 turns the
        /// cache off.
        #[arg(long, env = "ACCOUNTD_READ_CACHE_ENTRIES", value_name = "N", default_value = core().read_cache_entries.to_string())]
        pub read_cache_entries: Option<usize>,
        /// Serve TLS (`wss://`) with this PEM certificate chain (leaf first); needs `--tls-key` [default: none
        /// (plain `ws://`)]
        #[arg(long, env = "ACCOUNTD_TLS_CERT", value_name = "FILE", requires = "tls_key")]
        pub tls_cert: Option<PathBuf>,
        /// The PEM private key of `--tls-cert` (PKCS#8, PKCS#1 or SEC1); needs `--tls-cert` [default: none]
        #[arg(long, env = "ACCOUNTD_TLS_KEY", value_name = "FILE", requires = "tls_cert")]
        pub tls_key: Option<PathBuf>,
        /// Record logins, logouts and audited calls in the audit log.
        #[arg(long, env = "ACCOUNTD_AUDIT", value_name = "BOOL", default_value = DEFAULT_AUDIT.to_string())]
        pub audit: Option<bool>,
        /// How often audit entries older than the retention are deleted, in milliseconds.
        #[arg(long, env = "ACCOUNTD_AUDIT_PRUNE_INTERVAL_MS", value_name = "N", default_value = millis(DEFAULT_AUDIT_PRUNE_INTERVAL))]
        pub audit_prune_interval_ms: Option<u64>,
        /// Comma-separated origins (e.g. `https://nas.example`) that may show the web page in a frame; the page then says
        /// `frame-ancestors <origins>` instead of `X-Frame-Options: DENY` [default: none (`frame-ancestors
        /// 'none'`, `X-Frame-Options: DENY`)]
        #[arg(long, env = "ACCOUNTD_UI_FRAME_ANCESTORS", value_name = "ORIGIN", value_delimiter = ',')]
        pub ui_frame_ancestors: Option<Vec<String>>,
        /// How long sending one mail (a test mail, a password reset link) may take, each SMTP step and the
        /// whole send, in milliseconds.
        #[arg(long, env = "ACCOUNTD_MAIL_TIMEOUT_MS", value_name = "N", default_value = millis(core().mail_timeout))]
        pub mail_timeout_ms: Option<u64>,
        /// PEM certificates trusted for the SMTP server's TLS (`mail.update` security SSL or TLS) besides the
        /// system's roots, e.g. a private CA [default: none (the system's roots only)]
        #[arg(long, env = "ACCOUNTD_MAIL_CA_FILE", value_name = "FILE")]
        pub mail_ca_file: Option<PathBuf>,
        /// How audit commits reach the disk: `full` (every audit commit synced to disk before the reply) or
        /// `normal` (an entry is in the audit database's WAL before the reply and survives a crash of the
        /// service, but the last ones before a power loss may be lost).
        #[arg(long, env = "ACCOUNTD_AUDIT_SYNC", value_name = "full|normal", default_value = accountd_store::audit::AuditSync::default().name())]
        pub audit_sync: Option<String>,
        /// Serve Prometheus metrics at `GET /metrics` on the API's listen address (calls, logins, lockouts,
        /// connections, queues, SQLite commits; no usernames or secrets); off, `/metrics` answers 404.
        #[arg(long, env = "ACCOUNTD_METRICS", value_name = "BOOL", num_args = 0..=1, default_missing_value = "true", default_value = DEFAULT_METRICS.to_string())]
        pub metrics: Option<bool>,
        /// Serve the Prometheus metrics at `GET /metrics` on this address of their own (e.g. one only the
        /// monitoring network reaches), whether or not `metrics` is on [default: none]
        #[arg(long, env = "ACCOUNTD_METRICS_LISTEN", value_name = "ADDR:PORT")]
        pub metrics_listen: Option<SocketAddr>,
    }
}

impl ServeSettings {
    /// Reads a TOML config file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading config {}", path.display()))?;
        toml::from_str(&text).with_context(|| format!("parsing config {}", path.display()))
    }
}

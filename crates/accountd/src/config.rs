//! Settings from flags, environment variables and an optional TOML file (flags win, then the environment,
//! then the file, then defaults).

use std::net::SocketAddr;
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
    /// Transport limits (message sizes, calls in flight, outbound queue).
    pub limits: accountd_server::Limits,
}

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
        }
    }

    /// Fills in defaults.
    pub fn resolve(self) -> anyhow::Result<Settings> {
        let data = default_data_dir();
        let defaults = Argon2Params::default();
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
            limits: accountd_server::Limits::default(),
        })
    }
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
    fn unknown_keys_in_the_file_are_refused() {
        assert!(toml::from_str::<PartialSettings>("dbx = 1").is_err());
    }
}

//! Service configuration that the services need.

use std::path::PathBuf;
use std::time::Duration;

use crate::lockout::LockoutPolicy;
use crate::password::Argon2Params;

/// Settings of the account services.
#[derive(Debug, Clone)]
pub struct Config {
    /// The directory under which home directories may be created (TrueNAS's `/mnt`).
    pub home_root: PathBuf,
    /// argon2id cost for new password hashes.
    pub argon2: Argon2Params,
    /// How long a failed login waits before answering.
    pub login_failure_delay: Duration,
    /// How long `user.get_next_uid` reserves the uid it returns.
    pub uid_reservation: Duration,
    /// Host name used in provisioning URIs.
    pub hostname: String,
    /// Most user entries the in-memory read model keeps for point reads (0 turns it off).
    pub read_cache_entries: usize,
    /// Limits of the login lockout per account.
    pub lockout: LockoutPolicy,
    /// How long sending one mail may take (connection, TLS, each SMTP step, and all of it together).
    pub mail_timeout: Duration,
    /// PEM certificates trusted for the SMTP server's TLS besides the system's roots (a private CA).
    pub mail_ca_pem: Option<Vec<u8>>,
}

impl Config {
    /// Defaults for a given home root.
    pub fn new(home_root: impl Into<PathBuf>) -> Self {
        Config {
            home_root: home_root.into(),
            argon2: Argon2Params::default(),
            login_failure_delay: Duration::from_secs(1),
            uid_reservation: Duration::from_secs(3600),
            hostname: "accountd".to_string(),
            read_cache_entries: crate::read_cache::DEFAULT_CAPACITY,
            lockout: LockoutPolicy::default(),
            mail_timeout: Duration::from_secs(30),
            mail_ca_pem: None,
        }
    }
}

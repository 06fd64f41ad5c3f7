//! `accountd unlock --user NAME --db PATH`: ends a login lockout offline, for a sole administrator locked out
//! of every address. The service must be stopped (a running one keeps the counters in memory and holds the
//! database's lock, so this refuses).

use std::path::Path;

use accountd_store::files::DatabaseLock;

/// Clears the failed-login counters of `username` in `db`; returns the line to print.
pub fn run(db: &Path, username: &str) -> anyhow::Result<String> {
    if !db.exists() {
        anyhow::bail!("there is no database at {}", db.display());
    }
    let _lock = DatabaseLock::acquire(db)?;
    match accountd_store::lockout::reset_offline(db, username)? {
        None => anyhow::bail!("there is no user named {username} in {}", db.display()),
        Some(0) => Ok(format!("{username} was not locked out and has no failed logins")),
        Some(_) => Ok(format!(
            "lockout of {username} reset: the failed logins are cleared (start the service again)"
        )),
    }
}

//! What the account services show on `/metrics`: login lockouts and the hashing threads' queue. (Logins by
//! mechanism and outcome are counted by the server, which knows the mechanism of each call.)

use prometheus_client::registry::Registry;

use crate::Accounts;

impl Accounts {
    /// Registers `login_lockouts_total` and `password_hash_queue_depth` in `registry`. The values are kept
    /// whether or not they are registered.
    pub fn register_metrics(&self, registry: &mut Registry) {
        registry.register(
            "login_lockouts",
            "Failed password or one-time password checks that locked an account's counter",
            self.inner.lockout.lockouts.clone(),
        );
        registry.register(
            "password_hash_queue_depth",
            "Password hashes and verifications waiting for a hashing thread",
            self.inner.hasher.queue_depth(),
        );
    }
}

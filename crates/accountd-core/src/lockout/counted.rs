//! A credential check counted as a login counts it, for the checks that are not logins: the current password
//! `user.account.update` asks for, and `user.verify_twofactor_token`.

use std::future::Future;
use std::net::IpAddr;

use crate::accounts::Accounts;
use crate::error::Error;

impl Accounts {
    /// Runs `check` of `user_id`'s credential given from `origin`: during a lockout the answer is false whatever
    /// `check` says; a refused check counts towards the account's lockout (recording the lock it starts) and
    /// waits the failure delay. `what` names the check in logs.
    pub(crate) async fn counted_check(
        &self,
        user_id: i64,
        origin: IpAddr,
        what: &'static str,
        check: impl Future<Output = bool>,
    ) -> Result<bool, Error> {
        let lockout = self.lockout().await?;
        let policy = self.lockout_policy_of(user_id, lockout.policy.known_origin_ms).await?;
        let now = self.now_ms();
        let attempt = lockout.begin(policy, user_id, origin, now);
        let valid = check.await;
        if valid && attempt.allowed {
            return Ok(true);
        }
        if attempt.allowed {
            if let Some(until) = attempt.failed(now) {
                tracing::warn!(user_id, check = what, "account locked out after repeated failed checks");
                self.lock_started(user_id, until);
            }
            self.save_lockout_later();
        }
        tracing::info!(user_id, check = what, "credential check failed");
        crate::auth::wait_failure_delay(self.config().login_failure_delay).await;
        Ok(false)
    }
}

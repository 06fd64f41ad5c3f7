//! `user.reset_lockout`: the administrator's way to end a lockout before its period is over.

use crate::accounts::Accounts;
use crate::error::{Error, errno};

impl Accounts {
    /// `user.reset_lockout`: ends any lockout of `username` and clears its failure counters, at once and in the
    /// store before answering.
    pub async fn user_reset_lockout(&self, username: &str) -> Result<(), Error> {
        let lockout = self.lockout().await?;
        let Some(user_id) = self.user_id_by_name(username).await? else {
            return Err(Error::call(
                errno::ENOENT,
                format!("User {} does not exist", accountd_api::pytext::repr_str(username)),
            ));
        };
        lockout.reset(user_id);
        self.flush_login_state().await;
        self.activity_changed(user_id);
        tracing::info!(user_id, "login lockout reset");
        Ok(())
    }
}

//! `user.verify_twofactor_token`: whether a one-time password is right for a user now, so that an enrolment can
//! be confirmed before logins ask for codes. A wrong code counts towards the account's lockout and waits the
//! failure delay, as at a login, and during a lockout the answer is false whatever the code. A right code is not
//! used up (as in TrueNAS): the login that follows may still use it, and only logins protect against replays.

use std::net::IpAddr;

use accountd_store::StoreError;

use super::{check_may_renew, global_config, load, no_such_user, totp};
use crate::accounts::Accounts;
use crate::caller::Caller;
use crate::error::{Error, errno};

impl Accounts {
    /// `user.verify_twofactor_token`: true when `token` is `username`'s current one-time password. Only the user
    /// themself or a FULL_ADMIN may ask (EPERM); a user without a secret is a CallError.
    pub async fn verify_twofactor_token(
        &self,
        caller: &Caller,
        username: String,
        token: Option<String>,
        origin: IpAddr,
    ) -> Result<bool, Error> {
        check_may_renew(caller, &username)?;
        let name = username.clone();
        let (row, twofactor, window) = self
            .store()
            .read(move |conn| {
                let found = load(conn, &name)?;
                Ok::<_, StoreError>(
                    found.map(|(row, twofactor)| (row, twofactor, global_config(conn).map(|g| g.window))),
                )
            })
            .await?
            .ok_or_else(|| no_such_user(&username))?;
        let window = window?;
        let Some((secret, digits, interval)) = twofactor
            .as_ref()
            .and_then(|t| t.secret.clone().map(|s| (s, t.otp_digits, t.interval)))
        else {
            return Err(Error::call(
                errno::EFAULT,
                "Two Factor Authentication is not configured for this user",
            ));
        };
        let now = self.now_ms();
        let right =
            totp::matching_step(&secret, digits, interval, window, token.as_deref().unwrap_or(""), now).is_some();
        self.counted_check(row.id, origin, "one-time password", async move { right })
            .await
    }
}

//! `accountd passwd [USERNAME]`: one's own password through `user.account.update` (with the current password),
//! or, for an administrator, another user's through `user.update`.

use accountd_api::Method;
use accountd_api::methods::account::UserAccountUpdate;
use accountd_api::methods::auth::AuthMe;
use accountd_api::methods::user::UserUpdate;
use serde_json::json;

use super::prompt::Prompter;
use super::{ConnectArgs, call, user_by_name};

/// Changes a password; returns the line to print. The server's password rules are reported as it words them.
pub async fn run(connect: &ConnectArgs, username: Option<String>, prompter: &mut Prompter) -> anyhow::Result<String> {
    let (mut client, logged_in) = connect.connect(prompter, true).await?;
    let me = call(&mut client, AuthMe::NAME, json!([])).await?;
    let me = me["pw_name"]
        .as_str()
        .ok_or_else(|| anyhow::anyhow!("auth.me names no user"))?
        .to_string();
    match username {
        Some(other) if other != me => {
            let new = prompter.new_password(&other)?;
            let user = user_by_name(&mut client, &other).await?;
            let id = user["id"].clone();
            call(&mut client, UserUpdate::NAME, json!([id, {"password": new}])).await?;
            Ok(format!("password of {other} changed"))
        }
        _ => {
            // The password this connection logged in with is the current one; otherwise it is asked for.
            let old = match (&logged_in.username, logged_in.password) {
                (Some(name), Some(password)) if *name == me => password,
                _ => prompter.secret(&format!("Current password of {me}: "))?,
            };
            let new = prompter.new_password(&me)?;
            call(
                &mut client,
                UserAccountUpdate::NAME,
                json!([{"password": new, "old_password": old}]),
            )
            .await?;
            Ok(format!("password of {me} changed"))
        }
    }
}

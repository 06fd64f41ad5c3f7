//! The account commands of the `accountd` binary (`passwd`, `user show`, `user configure`, `unlock`) and the
//! connection options they share with `accountd call`.

use accountd_api::Method;
use accountd_api::methods::user::UserQuery;
pub mod passwd;
pub mod prompt;
pub mod unlock;
pub mod user;

use clap::Args;
use serde_json::{Value, json};

use crate::client::RpcClient;
use prompt::Prompter;

/// How to reach and log in to a running service: `--url`, `--user`, `--password`, `--api-key` and their
/// `ACCOUNTD_*` variables.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Service URL.
    #[arg(long, env = "ACCOUNTD_URL", default_value = "ws://127.0.0.1:6780/api/current")]
    pub url: String,
    /// User to log in as (with --password, asked for when not given; or with --api-key).
    #[arg(long, short = 'u', env = "ACCOUNTD_USER")]
    pub user: Option<String>,
    /// Password of --user; asked for (without echo) when not given.
    #[arg(long, short = 'p', env = "ACCOUNTD_PASSWORD", hide_env_values = true)]
    pub password: Option<String>,
    /// API key (`<id>-<secret>`) to log in with instead of a password; with --user it is checked against that
    /// user (`API_KEY_PLAIN`), without it the key alone identifies its owner.
    #[arg(
        long,
        short = 'k',
        env = "ACCOUNTD_API_KEY",
        hide_env_values = true,
        conflicts_with = "password"
    )]
    pub api_key: Option<String>,
    /// PEM certificate(s) to trust for a `wss://` URL (e.g. the service's self-signed `--tls-cert`) instead of
    /// the system's root certificates.
    #[arg(long, env = "ACCOUNTD_CA_CERT")]
    pub ca_cert: Option<std::path::PathBuf>,
}

/// How a connection logged in.
#[derive(Debug, Clone, Default)]
pub struct LoggedIn {
    /// The user given with `--user`, if any.
    pub username: Option<String>,
    /// The password the login used (given or asked for), if it used one.
    pub password: Option<String>,
}

impl ConnectArgs {
    /// Connects and logs in as the options say: a password (asked for when `--user` comes without one), then a
    /// one-time password or recovery code when the server asks for one; or an API key. Without any of them
    /// the connection stays logged out, unless `login_required`.
    pub async fn connect(
        &self,
        prompter: &mut Prompter,
        login_required: bool,
    ) -> anyhow::Result<(RpcClient, LoggedIn)> {
        let ca = match &self.ca_cert {
            Some(path) => Some(std::fs::read(path).map_err(|e| anyhow::anyhow!("reading {}: {e}", path.display()))?),
            None => None,
        };
        let mut client = RpcClient::connect_trusting(&self.url, ca.as_deref()).await?;
        let logged_in = match (&self.user, &self.password, &self.api_key) {
            (Some(user), password, None) => {
                let password = match password {
                    Some(p) => p.clone(),
                    None => prompter.secret(&format!("Password for {user}: "))?,
                };
                client
                    .login_password_then(user, &password, || {
                        prompter.secret("One-time password (or a recovery code): ")
                    })
                    .await?;
                LoggedIn {
                    username: Some(user.clone()),
                    password: Some(password),
                }
            }
            (user, None, Some(key)) => {
                client.login_api_key(user.as_deref(), key).await?;
                LoggedIn {
                    username: user.clone(),
                    password: None,
                }
            }
            (None, None, None) if !login_required => LoggedIn::default(),
            (None, None, None) => {
                anyhow::bail!("log in with --user (the password is asked for when not given) or --api-key")
            }
            _ => anyhow::bail!("give --user with --password, or --api-key (with or without --user), or none of them"),
        };
        Ok((client, logged_in))
    }
}

/// Calls a method; a server error becomes an error worded as the server words it (its reason).
pub async fn call(client: &mut RpcClient, method: &str, params: Value) -> anyhow::Result<Value> {
    client.call(method, params).await?.map_err(|e| anyhow::anyhow!("{e}"))
}

/// The `user.query` entry of the user named `username`; an error when there is none.
pub async fn user_by_name(client: &mut RpcClient, username: &str) -> anyhow::Result<Value> {
    let found = call(
        client,
        UserQuery::NAME,
        json!([[["username", "=", username]], {"limit": 1}]),
    )
    .await?;
    found
        .as_array()
        .and_then(|users| users.first())
        .cloned()
        .ok_or_else(|| anyhow::anyhow!("there is no user named {username}"))
}

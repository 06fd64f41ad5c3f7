//! A small JSON-RPC client over WebSocket, for `accountd call` and the reference generator.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// A connected client.
pub struct RpcClient {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

/// A JSON-RPC error reply.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", describe(.0))]
pub struct RpcError(pub Value);

fn describe(error: &Value) -> String {
    error["data"]["reason"]
        .as_str()
        .or_else(|| error["message"].as_str())
        .unwrap_or("unknown error")
        .trim_end()
        .to_string()
}

impl RpcClient {
    /// Connects to a `ws://` URL.
    pub async fn connect(url: &str) -> anyhow::Result<RpcClient> {
        let (ws, _) = connect_async(url)
            .await
            .map_err(|e| anyhow::anyhow!("connecting to {url}: {e}"))?;
        Ok(RpcClient { ws, next_id: 0 })
    }

    /// Calls a method; the outer error is a transport failure, the inner one the server's error reply.
    pub async fn call(&mut self, method: &str, params: Value) -> anyhow::Result<Result<Value, RpcError>> {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.ws.send(Message::text(request.to_string())).await?;
        while let Some(message) = self.ws.next().await {
            let Message::Text(text) = message? else { continue };
            let reply: Value = serde_json::from_str(&text)?;
            if reply.get("id") != Some(&json!(id)) {
                continue; // a notification
            }
            if let Some(error) = reply.get("error") {
                return Ok(Err(RpcError(error.clone())));
            }
            return Ok(Ok(reply.get("result").cloned().unwrap_or(Value::Null)));
        }
        anyhow::bail!("the server closed the connection")
    }

    /// Calls a method that must succeed.
    pub async fn call_ok(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.call(method, params)
            .await?
            .map_err(|e| anyhow::anyhow!("{method}: {e}"))
    }

    /// Logs in with a password.
    pub async fn login_password(&mut self, username: &str, password: &str) -> anyhow::Result<()> {
        self.login_password_then(username, password, || {
            anyhow::bail!("login as {username} needs a one-time password")
        })
        .await
    }

    /// Logs in with a password; when the server asks for a one-time password (`OTP_REQUIRED`), `otp` gives it
    /// (a TOTP code or a recovery code) and the login continues with `auth.login_ex_continue`.
    pub async fn login_password_then(
        &mut self,
        username: &str,
        password: &str,
        otp: impl FnOnce() -> anyhow::Result<String>,
    ) -> anyhow::Result<()> {
        let data = json!({"mechanism": "PASSWORD_PLAIN", "username": username, "password": password,
                          "login_options": {"user_info": false}});
        let mut result = self.call_ok("auth.login_ex", json!([data])).await?;
        if result["response_type"] == "OTP_REQUIRED" {
            let code = otp()?;
            let data = json!({"mechanism": "OTP_TOKEN", "otp_token": code, "login_options": {"user_info": false}});
            result = self.call_ok("auth.login_ex_continue", json!([data])).await?;
        }
        match result["response_type"].as_str() {
            Some("SUCCESS") => Ok(()),
            other => anyhow::bail!("login as {username} failed: {}", other.unwrap_or("no response type")),
        }
    }

    /// Logs in with an API key: `API_KEY_PLAIN` when the owner's name is given, else the legacy
    /// `auth.login_with_api_key`, where the key alone names its owner.
    pub async fn login_api_key(&mut self, username: Option<&str>, key: &str) -> anyhow::Result<()> {
        match username {
            Some(username) => {
                let data = json!({"mechanism": "API_KEY_PLAIN", "username": username, "api_key": key,
                                  "login_options": {"user_info": false}});
                let result = self.call_ok("auth.login_ex", json!([data])).await?;
                match result["response_type"].as_str() {
                    Some("SUCCESS") => Ok(()),
                    other => anyhow::bail!(
                        "login as {username} with an API key failed: {}",
                        other.unwrap_or("no response type")
                    ),
                }
            }
            None => match self.call_ok("auth.login_with_api_key", json!([key])).await? {
                Value::Bool(true) => Ok(()),
                _ => anyhow::bail!("login with the API key failed"),
            },
        }
    }
}

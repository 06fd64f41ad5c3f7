//! A minimal JSON-RPC-over-WebSocket client tuned for measuring: one call in flight per connection, replies
//! checked by prefix so the client spends little CPU on the machine it shares with the server.

use anyhow::{Context, bail};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, client_async_with_config, connect_async_with_config};

/// One connection.
pub struct Conn {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
}

impl Conn {
    /// Connects to a `ws://` URL (no message size cap: listings can be large).
    pub async fn connect(url: &str) -> anyhow::Result<Conn> {
        // A small read buffer: tungstenite zero-fills it before every read.
        let config = WebSocketConfig::default()
            .max_message_size(None)
            .max_frame_size(None)
            .read_buffer_size(16 * 1024);
        let (ws, _) = connect_async_with_config(url, Some(config), true)
            .await
            .with_context(|| format!("connecting to {url}"))?;
        Ok(Conn { ws, next_id: 0 })
    }

    /// Connects to a `ws://` URL from the local address `local` (e.g. 127.0.0.2: another client address).
    pub async fn connect_from(url: &str, local: std::net::IpAddr) -> anyhow::Result<Conn> {
        let host_port = url
            .strip_prefix("ws://")
            .and_then(|r| r.split('/').next())
            .with_context(|| format!("not a ws:// URL: {url}"))?;
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind(std::net::SocketAddr::new(local, 0))?;
        let stream = socket.connect(host_port.parse()?).await?;
        let config = WebSocketConfig::default().read_buffer_size(16 * 1024);
        let (ws, _) = client_async_with_config(url, MaybeTlsStream::Plain(stream), Some(config))
            .await
            .with_context(|| format!("connecting to {url} from {local}"))?;
        Ok(Conn { ws, next_id: 0 })
    }

    /// Calls `method` with `params` (a JSON array as text) and returns the whole reply text; an error reply
    /// is an error.
    pub async fn call_raw(&mut self, method: &str, params: &str) -> anyhow::Result<String> {
        self.next_id += 1;
        let id = self.next_id;
        let request = format!(r#"{{"jsonrpc":"2.0","id":{id},"method":"{method}","params":{params}}}"#);
        self.ws.send(Message::text(request)).await?;
        let ok_prefix = format!(r#"{{"jsonrpc":"2.0","id":{id},"result":"#);
        while let Some(message) = self.ws.next().await {
            let Message::Text(text) = message? else { continue };
            if text.starts_with(&ok_prefix) {
                return Ok(text.as_str().to_owned());
            }
            let reply: Value = serde_json::from_str(&text)?;
            if reply.get("id") != Some(&json!(id)) {
                continue; // a notification
            }
            let reason = &reply["error"]["data"]["reason"];
            let message = reply["error"]["message"].as_str().unwrap_or("?");
            bail!("{method} failed: {}", reason.as_str().unwrap_or(message).trim_end());
        }
        bail!("the server closed the connection")
    }

    /// Calls `method` and returns its `result`.
    pub async fn call(&mut self, method: &str, params: &Value) -> anyhow::Result<Value> {
        let text = self.call_raw(method, &params.to_string()).await?;
        let mut reply: Value = serde_json::from_str(&text)?;
        Ok(reply["result"].take())
    }

    /// Logs in with a password (the reply's `user_info` is requested, as a UI does).
    pub async fn login(&mut self, username: &str, password: &str) -> anyhow::Result<()> {
        let result = self.call("auth.login_ex", &login_params(username, password)).await?;
        match result["response_type"].as_str() {
            Some("SUCCESS") => Ok(()),
            other => bail!("login as {username}: {}", other.unwrap_or("no response type")),
        }
    }

    /// Closes the connection politely.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
    }
}

/// The params of `auth.login_ex` with a password.
pub fn login_params(username: &str, password: &str) -> Value {
    json!([{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password}])
}

//! A small JSON-RPC client over WebSocket, for `accountd call` and the reference generator.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::CertificateDer;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream, connect_async_tls_with_config};

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
    /// Connects to a `ws://` URL, or a `wss://` one checked against the system's root certificates.
    pub async fn connect(url: &str) -> anyhow::Result<RpcClient> {
        RpcClient::connect_trusting(url, None).await
    }

    /// Connects to a `ws://` or `wss://` URL; over TLS the server's certificate is checked against the PEM
    /// certificates `ca_pem` (e.g. a self-signed `--tls-cert`) when given, else the system's roots.
    pub async fn connect_trusting(url: &str, ca_pem: Option<&[u8]>) -> anyhow::Result<RpcClient> {
        let connector = if url.starts_with("wss://") {
            Some(Connector::Rustls(tls_config(ca_pem)?))
        } else {
            None
        };
        let (ws, _) = connect_async_tls_with_config(url, None, false, connector)
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

/// The TLS client settings: ring, TLS 1.2 and 1.3, the server checked against `ca_pem` or the system's roots.
fn tls_config(ca_pem: Option<&[u8]>) -> anyhow::Result<std::sync::Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_pem {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| anyhow::anyhow!("CA certificate: {e}"))?;
                roots.add(cert).map_err(|e| anyhow::anyhow!("CA certificate: {e}"))?;
            }
            anyhow::ensure!(!roots.is_empty(), "the CA certificate file holds no certificate");
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow::anyhow!("TLS settings: {e}"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(std::sync::Arc::new(config))
}

//! Connect to a running accountd, log in, subscribe to user changes, create a user and query it.
//!
//! ```text
//! cargo run -p accountd-examples --example client -- ws://127.0.0.1:6780/api/current truenas_admin PASSWORD
//! ```

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

/// A minimal JSON-RPC client that keeps notifications arriving between replies.
struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    notifications: Vec<Value>,
}

impl Client {
    async fn call(&mut self, method: &str, params: Value) -> anyhow::Result<Value> {
        self.next_id += 1;
        let id = self.next_id;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.ws.send(Message::text(request.to_string())).await?;
        loop {
            let reply = self.next_message().await?;
            if reply.get("id").is_none() {
                self.notifications.push(reply);
                continue;
            }
            if let Some(error) = reply.get("error") {
                anyhow::bail!("{method} failed: {}", error["data"]["reason"].as_str().unwrap_or("?"));
            }
            return Ok(reply["result"].clone());
        }
    }

    async fn next_message(&mut self) -> anyhow::Result<Value> {
        while let Some(message) = self.ws.next().await {
            if let Message::Text(text) = message? {
                return Ok(serde_json::from_str(&text)?);
            }
        }
        anyhow::bail!("connection closed")
    }

    async fn next_notification(&mut self) -> anyhow::Result<Value> {
        if !self.notifications.is_empty() {
            return Ok(self.notifications.remove(0));
        }
        self.next_message().await
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:6780/api/current".to_string());
    let username = args.next().unwrap_or_else(|| "truenas_admin".to_string());
    let password = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: client URL USERNAME PASSWORD"))?;

    let (ws, _) = connect_async(url.as_str()).await?;
    let mut c = Client {
        ws,
        next_id: 0,
        notifications: Vec::new(),
    };

    let login = c
        .call(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password}]),
        )
        .await?;
    anyhow::ensure!(login["response_type"] == "SUCCESS", "login failed: {login}");
    println!("logged in as {username}");
    c.call("core.subscribe", json!(["user.query"])).await?;

    let name = format!("example{}", std::process::id());
    let created = c
        .call(
            "user.create",
            json!([{"username": name, "full_name": "Example User", "group_create": true, "random_password": true}]),
        )
        .await?;
    println!(
        "created {} with uid {} and password {}",
        created["username"], created["uid"], created["password"]
    );

    let event = c.next_notification().await?;
    anyhow::ensure!(
        event["params"]["msg"] == "added" && event["params"]["id"] == created["id"],
        "{event}"
    );
    println!(
        "event: {} {} id={}",
        event["params"]["collection"], event["params"]["msg"], event["params"]["id"]
    );

    let users = c
        .call(
            "user.query",
            json!([[["builtin", "=", false]], {"select": ["id", "username", "uid"]}]),
        )
        .await?;
    println!("non-builtin users: {users}");
    Ok(())
}

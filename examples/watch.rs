//! Print user and group changes live, as a management UI would receive them.
//!
//! ```text
//! cargo run -p accountd-examples --example watch -- ws://127.0.0.1:6780/api/current truenas_admin PASSWORD [COUNT]
//! ```
//! With COUNT, exits after that many changes.

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .unwrap_or_else(|| "ws://127.0.0.1:6780/api/current".to_string());
    let username = args.next().unwrap_or_else(|| "truenas_admin".to_string());
    let password = args
        .next()
        .ok_or_else(|| anyhow::anyhow!("usage: watch URL USERNAME PASSWORD [COUNT]"))?;
    let count: Option<usize> = args.next().map(|c| c.parse()).transpose()?;

    let (mut ws, _) = connect_async(url.as_str()).await?;
    let requests = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "auth.login_ex",
               "params": [{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password}]}),
        json!({"jsonrpc": "2.0", "id": 2, "method": "core.subscribe", "params": ["user.query"]}),
        json!({"jsonrpc": "2.0", "id": 3, "method": "core.subscribe", "params": ["group.query"]}),
    ];
    for request in requests {
        ws.send(Message::text(request.to_string())).await?;
    }
    let mut seen = 0;
    while let Some(message) = ws.next().await {
        let Message::Text(text) = message? else { continue };
        let message: Value = serde_json::from_str(&text)?;
        match (message.get("id"), message.get("method").and_then(Value::as_str)) {
            (Some(id), _) => {
                if let Some(error) = message.get("error") {
                    anyhow::bail!("call {id} failed: {}", error["data"]["reason"]);
                }
                if *id == json!(1) && message["result"]["response_type"] != "SUCCESS" {
                    anyhow::bail!("login failed: {}", message["result"]["response_type"]);
                }
                if *id == json!(3) {
                    println!("watching user.query and group.query");
                }
            }
            (None, Some("collection_update")) => {
                let p = &message["params"];
                let name = p["fields"]["username"]
                    .as_str()
                    .or(p["fields"]["name"].as_str())
                    .unwrap_or("");
                println!(
                    "{} {} id={} {}",
                    p["collection"].as_str().unwrap_or("?"),
                    p["msg"].as_str().unwrap_or("?"),
                    p["id"],
                    name
                );
                seen += 1;
                if count.is_some_and(|c| seen >= c) {
                    return Ok(());
                }
            }
            (None, Some("notify_unsubscribed")) => anyhow::bail!("unsubscribed: {}", message["params"]),
            _ => {}
        }
    }
    anyhow::bail!("the server closed the connection")
}

//! Connect to a running accountd, log in, create a user and query it.
//!
//! ```text
//! cargo run -p accountd-examples --example client -- ws://127.0.0.1:6780/api/current truenas_admin PASSWORD
//! ```

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
        .ok_or_else(|| anyhow::anyhow!("usage: client URL USERNAME PASSWORD"))?;

    let (mut ws, _) = connect_async(url.as_str()).await?;
    let mut id = 0;
    let mut call = async |method: &str, params: Value| -> anyhow::Result<Value> {
        id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        ws.send(Message::text(request.to_string())).await?;
        while let Some(message) = ws.next().await {
            if let Message::Text(text) = message? {
                let reply: Value = serde_json::from_str(&text)?;
                if reply["id"] != json!(id) {
                    continue; // a notification
                }
                if let Some(error) = reply.get("error") {
                    anyhow::bail!("{method} failed: {}", error["data"]["reason"].as_str().unwrap_or("?"));
                }
                return Ok(reply["result"].clone());
            }
        }
        anyhow::bail!("connection closed")
    };

    let login = call(
        "auth.login_ex",
        json!([{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password}]),
    )
    .await?;
    anyhow::ensure!(login["response_type"] == "SUCCESS", "login failed: {login}");
    println!("logged in as {username}");

    let name = format!("example{}", std::process::id());
    let created = call(
        "user.create",
        json!([{"username": name, "full_name": "Example User", "group_create": true, "random_password": true}]),
    )
    .await?;
    println!(
        "created {} with uid {} and password {}",
        created["username"], created["uid"], created["password"]
    );

    let users = call(
        "user.query",
        json!([[["builtin", "=", false]], {"select": ["id", "username", "uid"]}]),
    )
    .await?;
    println!("non-builtin users: {users}");
    Ok(())
}

//! A first session as the README shows it: set up the admin, log in, create and query a user.

use accountd_e2e::TestServer;
use serde_json::json;

#[tokio::test]
async fn first_session_from_the_readme() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    assert_eq!(alice["uid"], 3000);
    assert_eq!(alice["password"], "pw");
    let found = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(found["id"], alice["id"]);
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
}

use accountd_e2e::TestServer;
use serde_json::json;

#[tokio::test]
async fn probe() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "alice", &[]).await;
    println!("{}", admin.ok("user.query", json!([[], {"select": ["id","username","uid","builtin","email","group.bsdgrp_gid","groups","roles"]}])).await);
    for (f, o) in [
        (json!([["email","<","x"]]), json!({})),
        (json!([["uid",">","3000"]]), json!({})),
        (json!([["smb","=",1]]), json!({"select":["username"]})),
        (json!([["uid","=",true]]), json!({"select":["username"]})),
        (json!([]), json!({"order_by":["email"], "select":["username"]})),
        (json!([["username","~","(" ]]), json!({})),
        (json!([["username","=="," x"]]), json!({})),
        (json!([["OR",[]]]), json!({})),
        (json!([["OR",[["OR",[["OR",[["OR",[["uid","=",1]]]]]]]]]]), json!({})),
        (json!([["username","="]]), json!({})),
        (json!([["a","b"]]), json!({})),
        (json!([]), json!({"select":[["username"]]})),
        (json!([["last_password_change.$date",">","2020-01-01"]]), json!({"select":["username"]})),
    ] {
        println!("{f} {o} => {:?}", admin.call("user.query", json!([f, o])).await);
    }
}

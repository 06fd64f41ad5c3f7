//! Live change events: `core.subscribe` and `collection_update` notifications between real clients.

use std::time::Duration;

use accountd_e2e::{Client, TestServer, assert_call_error, group_id};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// The next `n` notifications.
async fn notifications(c: &mut Client, n: usize) -> Vec<Value> {
    let mut out = Vec::new();
    while out.len() < n {
        let m = c.next_notification().await;
        assert_eq!(m["jsonrpc"], "2.0");
        out.push(m);
    }
    out
}

/// Proves that nothing is queued for `c`: a ping's reply comes with no notification before it.
async fn nothing_pending(c: &mut Client) {
    assert_eq!(c.queued_notifications(), 0, "notifications are waiting");
    let reply = c.call("core.ping", json!([])).await;
    assert_eq!(reply, Ok(json!("pong")));
    assert_eq!(
        c.queued_notifications(),
        0,
        "a notification arrived before the ping's reply"
    );
}

#[tokio::test]
async fn user_changes_arrive_in_order_with_exact_shapes() {
    let server = TestServer::start().await;
    let mut writer = server.admin().await;
    let mut watcher = server.admin().await;
    let sub = watcher.ok("core.subscribe", json!(["user.query"])).await;
    assert_eq!(sub.as_str().map(str::len), Some(36), "subscription id is a uuid: {sub}");

    let created = writer
        .ok(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password": "pw", "smb": false}]),
        )
        .await;
    let id = created["id"].clone();
    let updated = writer.ok("user.update", json!([id, {"full_name": "Eve Adams"}])).await;
    writer.ok("user.delete", json!([id])).await;

    let got = notifications(&mut watcher, 3).await;
    let mut expected_added = created.clone();
    expected_added.as_object_mut().expect("object").remove("password");
    let mut expected_changed = updated.clone();
    expected_changed.as_object_mut().expect("object").remove("password");
    assert_eq!(
        got[0],
        json!({"jsonrpc": "2.0", "method": "collection_update",
               "params": {"msg": "added", "collection": "user.query", "id": id, "fields": expected_added}})
    );
    assert_eq!(
        got[1],
        json!({"jsonrpc": "2.0", "method": "collection_update",
               "params": {"msg": "changed", "collection": "user.query", "id": id, "fields": expected_changed}})
    );
    assert_eq!(
        got[2],
        json!({"jsonrpc": "2.0", "method": "collection_update",
               "params": {"msg": "removed", "collection": "user.query", "id": id}})
    );
    assert!(
        got[0]["params"]["fields"]["unixhash"]
            .as_str()
            .unwrap_or_default()
            .starts_with("$argon2id$")
    );
    nothing_pending(&mut watcher).await;
}

#[tokio::test]
async fn fields_are_redacted_for_each_subscriber() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    server.create_user(&mut admin, "ro", &[readonly]).await;
    let mut ro = server.client().await;
    ro.login("ro", "pw").await;
    ro.ok("core.subscribe", json!(["user.query"])).await;
    admin.ok("core.subscribe", json!(["user.query"])).await;

    admin
        .ok(
            "user.create",
            json!([{"username": "sam", "full_name": "Sam", "group_create": true, "password": "pw"}]),
        )
        .await;
    let seen_by_ro = notifications(&mut ro, 1).await.remove(0);
    let seen_by_admin = notifications(&mut admin, 1).await.remove(0);
    for field in ["unixhash", "smbhash", "password_history"] {
        assert_eq!(
            seen_by_ro["params"]["fields"][field], "********",
            "{field} for READONLY_ADMIN"
        );
        assert_ne!(
            seen_by_admin["params"]["fields"][field], "********",
            "{field} for FULL_ADMIN"
        );
    }
    assert_eq!(seen_by_ro["params"]["fields"]["username"], "sam");
}

#[tokio::test]
async fn group_events_and_the_star_subscription() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut star = server.admin().await;
    let mut groups_only = server.admin().await;
    star.ok("core.subscribe", json!(["*"])).await;
    groups_only.ok("core.subscribe", json!(["group.query"])).await;

    let gid = admin.ok("group.create", json!([{"name": "ops", "smb": false}])).await;
    admin.ok("group.update", json!([gid, {"name": "ops2"}])).await;
    admin.ok("group.delete", json!([gid])).await;

    let got = notifications(&mut groups_only, 3).await;
    let summary: Vec<(Value, Value, Value)> = got
        .iter()
        .map(|m| {
            (
                m["params"]["msg"].clone(),
                m["params"]["collection"].clone(),
                m["params"]["id"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (json!("added"), json!("group.query"), gid.clone()),
            (json!("changed"), json!("group.query"), gid.clone()),
            (json!("removed"), json!("group.query"), gid.clone())
        ]
    );
    assert_eq!(got[1]["params"]["fields"]["name"], "ops2");
    assert_eq!(
        notifications(&mut star, 3).await,
        got,
        "* receives the same group events"
    );

    // A user create touches the user and its groups: the star subscriber sees both collections.
    admin
        .ok(
            "user.create",
            json!([{"username": "u1", "full_name": "U", "group_create": true, "password": "pw"}]),
        )
        .await;
    let mut collections = Vec::new();
    loop {
        let m = notifications(&mut star, 1).await.remove(0);
        collections.push(m["params"]["collection"].as_str().unwrap_or_default().to_string());
        if collections.contains(&"user.query".to_string()) {
            break;
        }
    }
    assert!(collections.contains(&"group.query".to_string()), "{collections:?}");
}

#[tokio::test]
async fn unsubscribe_and_logout_stop_events() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut watcher = server.admin().await;
    let sub = watcher.ok("core.subscribe", json!(["user.query"])).await;
    assert_eq!(watcher.ok("core.unsubscribe", json!([sub])).await, Value::Null);
    server.create_user(&mut admin, "a1", &[]).await;
    nothing_pending(&mut watcher).await;

    watcher.ok("core.subscribe", json!(["user.query"])).await;
    assert_eq!(watcher.ok("auth.logout", json!([])).await, json!(true));
    server.create_user(&mut admin, "a2", &[]).await;
    nothing_pending(&mut watcher).await;
    // Logging in again does not bring the old subscription back.
    watcher.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    server.create_user(&mut admin, "a3", &[]).await;
    nothing_pending(&mut watcher).await;
}

#[tokio::test]
async fn subscribing_needs_login_and_the_read_role() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut anonymous = server.client().await;
    let e = anonymous.err("core.subscribe", json!(["user.query"])).await;
    assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");

    let sharing = group_id(&mut admin, "truenas_sharing_administrators").await;
    // A role that does not include ACCOUNT_READ.
    let staff = server.grant_privilege(&mut admin, "crew", &["API_KEY_READ"]).await;
    server.create_user(&mut admin, "keys", &[staff]).await;
    let mut keys = server.client().await;
    keys.login("keys", "pw").await;
    let e = keys.err("core.subscribe", json!(["user.query"])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    let e = keys.err("core.subscribe", json!(["no.such.collection"])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    // `*` is allowed, but delivers only what the session may read: nothing here.
    keys.ok("core.subscribe", json!(["*"])).await;
    server.create_user(&mut admin, "b1", &[sharing]).await;
    nothing_pending(&mut keys).await;
}

#[tokio::test]
async fn a_subscriber_whose_roles_are_removed_stops_receiving() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let ro = server.create_user(&mut admin, "ro", &[readonly]).await;
    let mut watcher = server.client().await;
    watcher.login("ro", "pw").await;
    watcher.ok("core.subscribe", json!(["group.query"])).await;

    let g1 = admin.ok("group.create", json!([{"name": "g1", "smb": false}])).await;
    assert_eq!(notifications(&mut watcher, 1).await[0]["params"]["id"], g1);

    // Without the read-only role, neither the change itself nor later changes reach the subscriber.
    admin.ok("user.update", json!([ro["id"], {"groups": []}])).await;
    admin.ok("group.create", json!([{"name": "g2", "smb": false}])).await;
    nothing_pending(&mut watcher).await;

    // With the role back, events flow again on the same subscription.
    admin.ok("user.update", json!([ro["id"], {"groups": [readonly]}])).await;
    let g3 = admin.ok("group.create", json!([{"name": "g3", "smb": false}])).await;
    loop {
        let m = notifications(&mut watcher, 1).await.remove(0);
        assert_ne!(m["params"]["fields"]["name"], "g2");
        if m["params"]["id"] == g3 {
            assert_eq!(m["params"]["msg"], "added");
            break;
        }
    }
}

#[tokio::test]
async fn events_follow_commit_order_across_writers() {
    let server = TestServer::start().await;
    let mut watcher = server.admin().await;
    watcher.ok("core.subscribe", json!(["user.query"])).await;
    let mut writers = Vec::new();
    for w in 0..4 {
        let mut c = server.admin().await;
        writers.push(tokio::spawn(async move {
            for i in 0..10 {
                let name = format!("w{w}n{i}");
                c.ok("user.create", json!([{"username": name, "full_name": "x", "group_create": true, "password_disabled": true, "smb": false}])).await;
            }
        }));
    }
    for w in writers {
        w.await.expect("writer");
    }
    let got = notifications(&mut watcher, 40).await;
    let ids: Vec<i64> = got.iter().map(|m| m["params"]["id"].as_i64().expect("id")).collect();
    assert!(got.iter().all(|m| m["params"]["msg"] == "added"));
    // Ids are handed out in commit order, so commit order means strictly increasing ids.
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    nothing_pending(&mut watcher).await;
}

/// A subscriber that never reads is cut off once its bounded outbound queue is full; writers and other
/// subscribers carry on unaffected.
#[tokio::test]
async fn a_subscriber_that_never_reads_is_cut_off_without_stalling_anyone() {
    let server = TestServer::start_with(|s| s.limits.outbound_queue = 8).await;
    let mut writer = server.admin().await;
    let mut reader = server.admin().await;
    reader.ok("core.subscribe", json!(["user.query"])).await;
    let mut stalled = Client::connect_small_buffer(&server.url()).await;
    stalled.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    stalled.ok("core.subscribe", json!(["user.query"])).await;

    // Big entries fill the socket buffers quickly: a user whose sshpubkey is 60 KB, changed again and again.
    let pool = server.pool().to_string_lossy().into_owned();
    let user = writer
        .ok(
            "user.create",
            json!([{"username": "big", "full_name": "Big", "group_create": true, "password": "pw",
                                    "home": pool, "home_create": true}]),
        )
        .await;
    let _ = notifications(&mut reader, 1).await;
    let writes = 300;
    let started = std::time::Instant::now();
    for i in 0..writes {
        let key = format!("ssh-ed25519 {} key{i}", "A".repeat(60_000));
        writer.ok("user.update", json!([user["id"], {"sshpubkey": key}])).await;
        // The reader keeps up.
        let m = notifications(&mut reader, 1).await.remove(0);
        assert_eq!(
            m["params"]["fields"]["sshpubkey"]
                .as_str()
                .map(|k| k.ends_with(&format!("key{i}"))),
            Some(true)
        );
    }
    assert!(started.elapsed() < Duration::from_secs(120), "writes were not stalled");

    // The stalled client finds its connection closed after whatever was buffered.
    let mut received = 0;
    loop {
        match stalled.recv().await {
            Some(Message::Text(_)) => received += 1,
            Some(Message::Close(_)) | None => break,
            Some(other) => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        received < writes,
        "the stalled client was cut off before receiving all {writes} events ({received})"
    );
    nothing_pending(&mut reader).await;
}

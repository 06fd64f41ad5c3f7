//! The in-memory read model behind point reads (`user.get_instance`, `user.query` on `id`, `uid` or `username`
//! `=`): once a write is answered, no read shows the entry as it was before, whatever the write changed (the
//! user's row, a group, a membership, a privilege, 2FA, API keys) and whichever connection reads. Each test
//! reads first, so the entry is cached, then writes, then reads again.
#![allow(
    clippy::disallowed_methods,
    reason = "waits on real time for the real server's background refill of its cache"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, group_id};
use serde_json::{Value, json};

/// Reads the entry through every point-read path (twice each, so the second read is a cache hit) and checks
/// they agree; returns it.
async fn read(c: &mut Client, id: &Value) -> Value {
    let entry = c.ok("user.get_instance", json!([id])).await;
    for _ in 0..2 {
        assert_eq!(c.ok("user.get_instance", json!([id])).await, entry);
        let by_id = c.ok("user.query", json!([[["id", "=", id]], {"get": true}])).await;
        assert_eq!(by_id, entry);
        let by_uid = c.ok("user.query", json!([[["uid", "=", entry["uid"]]]])).await;
        assert_eq!(by_uid, json!([entry]));
        let by_name = c
            .ok(
                "user.query",
                json!([[["username", "=", entry["username"]]], {"get": true}]),
            )
            .await;
        assert_eq!(by_name, entry);
    }
    entry
}

#[tokio::test]
async fn user_updates_are_read_at_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();
    assert_eq!(read(&mut admin, &id).await["full_name"], "alice");

    admin
        .ok(
            "user.update",
            json!([id, {"full_name": "Alice Liddell", "locked": true}]),
        )
        .await;
    let e = read(&mut admin, &id).await;
    assert_eq!((&e["full_name"], &e["locked"]), (&json!("Alice Liddell"), &json!(true)));

    // A new username: the old one leads nowhere, the new one to the entry.
    admin.ok("user.update", json!([id, {"username": "alicia"}])).await;
    assert_eq!(
        admin.ok("user.query", json!([[["username", "=", "alice"]]])).await,
        json!([])
    );
    assert_eq!(read(&mut admin, &id).await["username"], "alicia");

    // A password change: new hash, history and password age.
    let before = read(&mut admin, &id).await;
    admin
        .ok("user.update", json!([id, {"password": "another-password"}]))
        .await;
    let after = read(&mut admin, &id).await;
    assert_ne!(after["unixhash"], before["unixhash"]);
    assert_ne!(after["password_history"], before["password_history"]);

    // Deleted: gone through every path.
    admin.ok("user.delete", json!([id])).await;
    let e = admin.err("user.get_instance", json!([id])).await;
    assert!(e.to_string().contains("does not exist"), "{e}");
    assert_eq!(admin.ok("user.query", json!([[["id", "=", id]]])).await, json!([]));
    assert_eq!(
        admin.ok("user.query", json!([[["username", "=", "alicia"]]])).await,
        json!([])
    );
}

#[tokio::test]
async fn group_and_membership_changes_are_read_at_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();
    let primary = alice["group"]["id"].clone();
    let builtin_users = group_id(&mut admin, "builtin_users").await;
    assert_eq!(read(&mut admin, &id).await["groups"], json!([builtin_users]));

    // Membership through user.update.
    admin.ok("user.update", json!([id, {"groups": [staff]}])).await;
    assert_eq!(read(&mut admin, &id).await["groups"], json!([staff]));
    admin
        .ok("user.update", json!([id, {"groups": [builtin_users, staff]}]))
        .await;
    assert_eq!(read(&mut admin, &id).await["groups"], json!([builtin_users, staff]));

    // The primary group renamed: a change to another row than the user's.
    admin
        .ok("group.update", json!([primary, {"name": "alice_renamed"}]))
        .await;
    assert_eq!(read(&mut admin, &id).await["group"]["bsdgrp_group"], "alice_renamed");

    // Sudo commands of the primary group.
    admin
        .ok("group.update", json!([primary, {"sudo_commands": ["/usr/bin/ls"]}]))
        .await;
    assert_eq!(
        read(&mut admin, &id).await["group"]["bsdgrp_sudo_commands"],
        json!(["/usr/bin/ls"])
    );

    // The auxiliary group deleted: the membership goes with it.
    admin.ok("group.delete", json!([staff])).await;
    assert_eq!(read(&mut admin, &id).await["groups"], json!([builtin_users]));
}

#[tokio::test]
async fn privilege_changes_are_read_at_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = admin.ok("group.create", json!([{"name": "ops"}])).await;
    let ops_gid = admin.ok("group.get_instance", json!([ops])).await["gid"].clone();
    let alice = server
        .create_user(&mut admin, "alice", &[ops.as_i64().expect("id")])
        .await;
    let id = alice["id"].clone();
    assert_eq!(read(&mut admin, &id).await["roles"], json!([]));

    let privilege = admin
        .ok(
            "privilege.create",
            json!([{"name": "Operators", "local_groups": [ops_gid], "roles": ["ACCOUNT_READ"], "web_shell": false}]),
        )
        .await;
    assert_eq!(read(&mut admin, &id).await["roles"], json!(["ACCOUNT_READ"]));

    admin
        .ok(
            "privilege.update",
            json!([privilege["id"], {"roles": ["ACCOUNT_WRITE"]}]),
        )
        .await;
    assert_eq!(read(&mut admin, &id).await["roles"], json!(["ACCOUNT_WRITE"]));

    admin.ok("privilege.delete", json!([privilege["id"]])).await;
    assert_eq!(read(&mut admin, &id).await["roles"], json!([]));

    // Builtin privileges through membership of a builtin group.
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    admin.ok("user.update", json!([id, {"groups": [ops, readonly]}])).await;
    assert_eq!(read(&mut admin, &id).await["roles"], json!(["READONLY_ADMIN"]));
}

#[tokio::test]
async fn twofactor_and_api_key_changes_are_read_at_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    // API keys need a user with some role.
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let alice = server.create_user(&mut admin, "alice", &[readonly]).await;
    let id = alice["id"].clone();
    assert_eq!(read(&mut admin, &id).await["twofactor_auth_configured"], false);

    admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    assert_eq!(read(&mut admin, &id).await["twofactor_auth_configured"], true);
    admin
        .ok("user.renew_2fa_secret", json!(["alice", {"otp_digits": 8}]))
        .await;
    assert_eq!(read(&mut admin, &id).await["twofactor_auth_configured"], true);
    admin.ok("user.unset_2fa_secret", json!(["alice"])).await;
    assert_eq!(read(&mut admin, &id).await["twofactor_auth_configured"], false);

    assert_eq!(read(&mut admin, &id).await["api_keys"], json!([]));
    let key = admin
        .ok("api_key.create", json!([{"name": "k", "username": "alice"}]))
        .await;
    assert_eq!(read(&mut admin, &id).await["api_keys"], json!([key["id"]]));
    admin.ok("api_key.delete", json!([key["id"]])).await;
    assert_eq!(read(&mut admin, &id).await["api_keys"], json!([]));
}

#[tokio::test]
async fn writes_that_bypass_the_services_are_read_at_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].as_i64().expect("id");
    assert_eq!(read(&mut admin, &json!(id)).await["full_name"], "alice");
    // Straight to the database, as a test or a future code path might: no change set, no hook.
    server
        .running
        .as_ref()
        .expect("running")
        .store
        .write(move |tx| -> Result<(), accountd_core::Error> {
            tx.execute("UPDATE users SET full_name = 'direct' WHERE id = ?1", [id])
                .map_err(accountd_core::Error::internal)?;
            Ok(())
        })
        .await
        .expect("written");
    assert_eq!(read(&mut admin, &json!(id)).await["full_name"], "direct");
}

#[tokio::test]
async fn a_write_answered_on_one_connection_is_read_on_another() {
    let server = TestServer::start().await;
    let mut writer = server.admin().await;
    let mut reader = server.admin().await;
    let alice = server.create_user(&mut writer, "alice", &[]).await;
    let id = alice["id"].clone();

    // A third connection reads the same entry nonstop, so reads that started before a commit race with it
    // (and try to cache what they read).
    let stop = Arc::new(AtomicBool::new(false));
    let mut hammer = server.admin().await;
    let hammering = {
        let (stop, id) = (stop.clone(), id.clone());
        tokio::spawn(async move {
            let mut reads = 0u32;
            while !stop.load(Ordering::SeqCst) {
                hammer.ok("user.get_instance", json!([id])).await;
                reads += 1;
            }
            reads
        })
    };

    for i in 0..100 {
        reader.ok("user.get_instance", json!([id])).await;
        let name = format!("name {i}");
        writer.ok("user.update", json!([id, {"full_name": name}])).await;
        let seen = reader.ok("user.get_instance", json!([id])).await;
        assert_eq!(seen["full_name"], name.as_str(), "write {i}");
        let seen = reader
            .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
            .await;
        assert_eq!(seen["full_name"], name.as_str(), "write {i}, by username");
    }
    stop.store(true, Ordering::SeqCst);
    assert!(hammering.await.expect("reader task") > 0);
}

#[tokio::test]
async fn cached_entries_are_still_redacted_per_caller() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    server.create_user(&mut admin, "viewer", &[readonly]).await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();
    let mut viewer = server.client().await;
    viewer.login("viewer", "pw").await;

    // Whoever reads first fills the cache; each caller still gets what it may see.
    for first_admin in [true, false] {
        admin.ok("user.update", json!([id, {"full_name": "x"}])).await;
        let (full, redacted) = if first_admin {
            let full = admin.ok("user.get_instance", json!([id])).await;
            (full, viewer.ok("user.get_instance", json!([id])).await)
        } else {
            let redacted = viewer.ok("user.get_instance", json!([id])).await;
            (admin.ok("user.get_instance", json!([id])).await, redacted)
        };
        assert!(full["unixhash"].as_str().expect("hash").starts_with("$"), "{full}");
        assert_eq!(redacted["unixhash"], "********");
        assert_eq!(redacted["smbhash"], "********");
        assert_eq!(redacted["password_history"], "********");
        let mut unredacted = redacted.clone();
        for field in ["unixhash", "smbhash", "password_history"] {
            unredacted[field] = full[field].clone();
        }
        assert_eq!(unredacted, full);
    }
}

#[tokio::test]
async fn password_age_follows_the_clock_on_cached_entries() {
    let clock = Arc::new(ManualClock::new(1_700_000_000_000));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();
    assert_eq!(read(&mut admin, &id).await["password_age"], 0);
    clock.advance_ms(3 * 86_400_000 + 1);
    assert_eq!(read(&mut admin, &id).await["password_age"], 3);
}

#[tokio::test]
async fn authorized_keys_in_managed_homes_are_read_from_the_file() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyForTests sam@laptop";
    let sam = admin
        .ok(
            "user.create",
            json!([{"username": "sam", "full_name": "sam", "group_create": true, "password": "pw",
                    "home": pool.to_str().expect("utf-8"), "home_create": true, "sshpubkey": key}]),
        )
        .await;
    let id = sam["id"].clone();
    assert_eq!(read(&mut admin, &id).await["sshpubkey"], key);
    // The file changes without any write to the database.
    let other = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ other@host";
    std::fs::write(pool.join("sam/.ssh/authorized_keys"), format!("{other}\n")).expect("write");
    assert_eq!(read(&mut admin, &id).await["sshpubkey"], other);
}

/// Changes a user's full name in the database file through a connection of its own, which the server does
/// not see: a point read that still shows the old name was answered from the read cache.
fn change_full_name_behind_the_server(server: &TestServer, id: i64, full_name: &str) {
    let db = accountd_store::Connection::open(server.dir.path().join("accountd.db")).expect("open");
    db.busy_timeout(std::time::Duration::from_secs(10))
        .expect("busy timeout");
    let changed = db
        .execute("UPDATE users SET full_name = ?1 WHERE id = ?2", (full_name, id))
        .expect("update");
    assert_eq!(changed, 1);
}

#[tokio::test]
async fn a_write_drops_only_the_cached_entries_it_can_change() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let staff_id = staff.as_i64().expect("id");
    let alice = server.create_user(&mut admin, "alice", &[staff_id]).await;
    let id = alice["id"].as_i64().expect("id");
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let bob_id = bob["id"].clone();
    let bob_uid = bob["uid"].clone();

    // bob needs a role for an API key.
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    admin.ok("user.update", json!([bob_id, {"groups": [readonly]}])).await;

    // Each write changes neither alice's row nor anything her entry shows: her cached entry stays.
    let unseen: [(&str, &str, Value); 8] = [
        (
            "a user created in her group",
            "user.create",
            json!([{"username": "carol", "full_name": "c",
            "group_create": true, "password_disabled": true, "smb": false, "groups": [staff_id]}]),
        ),
        ("bob renamed", "user.update", json!([bob_id, {"full_name": "Bob"}])),
        (
            "bob joined her group",
            "user.update",
            json!([bob_id, {"groups": [readonly, staff_id]}]),
        ),
        (
            "bob left her group",
            "user.update",
            json!([bob_id, {"groups": [readonly]}]),
        ),
        (
            "her group's members set",
            "group.update",
            json!([staff_id, {"users": [id, bob_id]}]),
        ),
        (
            "an API key for bob",
            "api_key.create",
            json!([{"name": "k", "username": "bob"}]),
        ),
        (
            "a session attribute",
            "auth.set_attribute",
            json!(["preferences", {"lang": "en"}]),
        ),
        (
            "bob deleted with his group",
            "user.delete",
            json!([bob_id, {"delete_group": true}]),
        ),
    ];
    for (i, (what, method, params)) in unseen.into_iter().enumerate() {
        let cached = read(&mut admin, &json!(id)).await["full_name"].clone();
        change_full_name_behind_the_server(&server, id, &format!("behind {i}"));
        admin.ok(method, params).await;
        assert_eq!(read(&mut admin, &json!(id)).await["full_name"], cached, "after {what}");
    }
    // What the writes did is read at once all the same: carol left the group when its members were set, and
    // bob is gone by every key.
    assert_eq!(
        admin.ok("group.get_instance", json!([staff_id])).await["users"],
        json!([id])
    );
    let carol = admin
        .ok("user.query", json!([[["username", "=", "carol"]], {"get": true}]))
        .await;
    assert_eq!(read(&mut admin, &carol["id"]).await["groups"], json!([]));
    for (field, value) in [("id", bob_id), ("uid", bob_uid), ("username", json!("bob"))] {
        assert_eq!(
            admin.ok("user.query", json!([[[field, "=", value]]])).await,
            json!([]),
            "bob by {field}"
        );
    }

    // A group's own row changed: what the entries of its members show may differ, so everything is dropped.
    change_full_name_behind_the_server(&server, id, "seen");
    admin.ok("group.update", json!([staff_id, {"name": "staff2"}])).await;
    assert_eq!(read(&mut admin, &json!(id)).await["full_name"], "seen");
}

#[tokio::test]
async fn the_read_model_is_filled_again_after_a_write_dropped_it() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let mut unread = Vec::new();
    for i in 0..30 {
        let user = admin
            .ok(
                "user.create",
                json!([{"username": format!("u{i}"), "full_name": "original", "group_create": true,
                        "password_disabled": true, "smb": false}]),
            )
            .await;
        unread.push(user["id"].as_i64().expect("id"));
    }
    // Drops every entry; the fill runs again shortly after, in the background.
    admin.ok("group.update", json!([staff, {"name": "staff2"}])).await;
    // Each user is probed once, by a change the server cannot see: a read that shows the old name was
    // answered from an entry the fill stored.
    let mut filled = false;
    for id in unread {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        change_full_name_behind_the_server(&server, id, "behind");
        if admin.ok("user.get_instance", json!([id])).await["full_name"] == "original" {
            filled = true;
            break;
        }
    }
    assert!(filled, "no entry was filled within 3 s of the write");
}

//! `user.delete`: what it removes (user, primary group, `~/.ssh`) and the accounts it refuses to delete.

use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error, group_id, validation_items};
use serde_json::{Value, json};

async fn count(admin: &mut Client, method: &str, field: &str, value: &str) -> Value {
    admin.ok(method, json!([[[field, "=", value]], {"count": true}])).await
}

async fn truenas_admin_id(admin: &mut Client) -> Value {
    admin
        .ok(
            "user.query",
            json!([[["username", "=", "truenas_admin"]], {"get": true}]),
        )
        .await["id"]
        .clone()
}

#[tokio::test]
async fn delete_removes_the_user_and_its_unused_primary_group() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();
    let group = alice["group"]["id"].clone();

    assert_eq!(admin.ok("user.delete", json!([id])).await, id);
    let gone = admin.err("user.get_instance", json!([id])).await;
    assert_eq!(
        validation_items(&gone),
        vec![(Value::Null, format!("User {id} does not exist"), 2)]
    );
    assert_eq!(count(&mut admin, "user.query", "username", "alice").await, 0);
    assert_eq!(count(&mut admin, "group.query", "name", "alice").await, 0);
    let group_gone = admin.err("group.get_instance", json!([group])).await;
    assert_eq!(validation_items(&group_gone)[0].2, 2);
    // builtin_users, which alice was in, is untouched.
    let users_group = group_id(&mut admin, "builtin_users").await;
    assert_eq!(
        admin.ok("group.get_instance", json!([users_group])).await["users"],
        json!([])
    );

    // The name and uid can be used again.
    let again = server.create_user(&mut admin, "alice", &[]).await;
    assert_eq!(again["uid"], 3000);
    assert_eq!(again["group"]["bsdgrp_gid"], 3000);

    // Deleting twice: the second time the user is gone.
    assert_eq!(admin.ok("user.delete", json!([again["id"]])).await, again["id"]);
    let twice = admin.err("user.delete", json!([again["id"]])).await;
    assert_eq!(
        validation_items(&twice),
        vec![(Value::Null, format!("User {} does not exist", again["id"]), 2)]
    );
}

#[tokio::test]
async fn delete_group_false_keeps_the_primary_group() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    admin
        .ok("user.delete", json!([bob["id"], {"delete_group": false}]))
        .await;
    assert_eq!(count(&mut admin, "user.query", "username", "bob").await, 0);
    let group = admin.ok("group.get_instance", json!([bob["group"]["id"]])).await;
    assert_eq!(group["name"], "bob");
    assert_eq!(group["users"], json!([]));

    // The explicit default deletes it.
    let carl = server.create_user(&mut admin, "carl", &[]).await;
    admin
        .ok("user.delete", json!([carl["id"], {"delete_group": true}]))
        .await;
    assert_eq!(count(&mut admin, "group.query", "name", "carl").await, 0);

    let bad = admin
        .err("user.delete", json!([carl["id"], {"delete_group": false, "bogus": 1}]))
        .await;
    assert_eq!(
        validation_items(&bad),
        vec![(json!("options.bogus"), "Extra inputs are not permitted".to_string(), 22)]
    );
}

#[tokio::test]
async fn shared_and_builtin_primary_groups_survive() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let dave = server.create_user(&mut admin, "dave", &[]).await;
    let dave_group = dave["group"]["id"].clone();
    // erin uses dave's group as primary, fay as auxiliary group.
    let erin = admin
        .ok(
            "user.create",
            json!([{"username": "erin", "full_name": "Erin", "group": dave_group, "password": "pw"}]),
        )
        .await;
    let fay = server
        .create_user(&mut admin, "fay", &[dave_group.as_i64().expect("id")])
        .await;

    admin.ok("user.delete", json!([dave["id"]])).await;
    let group = admin.ok("group.get_instance", json!([dave_group])).await;
    assert_eq!(group["name"], "dave");
    let mut members = vec![erin["id"].clone(), fay["id"].clone()];
    members.sort_by_key(|v| v.as_i64());
    assert_eq!(group["users"], json!(members));

    admin.ok("user.delete", json!([erin["id"]])).await;
    assert_eq!(count(&mut admin, "group.query", "name", "dave").await, 1);
    admin.ok("user.delete", json!([fay["id"]])).await;
    // Only the deleted user's own primary group goes; the now unused "dave" group stays.
    assert_eq!(count(&mut admin, "group.query", "name", "fay").await, 0);
    assert_eq!(count(&mut admin, "group.query", "name", "dave").await, 1);

    // A builtin primary group is never deleted.
    let nogroup = group_id(&mut admin, "nogroup").await;
    let gus = admin
        .ok(
            "user.create",
            json!([{"username": "gus", "full_name": "Gus", "group": nogroup, "password": "pw"}]),
        )
        .await;
    admin.ok("user.delete", json!([gus["id"]])).await;
    assert_eq!(count(&mut admin, "group.query", "name", "nogroup").await, 1);
}

#[tokio::test]
async fn unknown_and_directory_ids() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let missing = admin.err("user.delete", json!([4242])).await;
    assert_eq!(
        validation_items(&missing),
        vec![(Value::Null, "User 4242 does not exist".to_string(), 2)]
    );
    let ds = admin.err("user.delete", json!([100000005])).await;
    assert_call_error(
        &ds,
        "EPERM",
        "Users provided by a directory service must be deleted from the identity provider \
         (LDAP server or domain controller).",
    );
    assert_eq!(ds["data"]["error"], 1);
}

#[tokio::test]
async fn the_current_builtin_and_immutable_users_cannot_be_deleted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let me = truenas_admin_id(&mut admin).await;
    let own = admin.err("user.delete", json!([me])).await;
    assert_call_error(&own, "EINVAL", "Cannot delete the currently active user");
    assert_eq!(own["data"]["error"], 22);

    for (id, name) in [(1, "root"), (2, "nobody")] {
        let builtin = admin.err("user.delete", json!([id])).await;
        assert_call_error(&builtin, "EINVAL", "Cannot delete a built-in user");
        assert_eq!(admin.ok("user.get_instance", json!([id])).await["username"], name);
    }

    // Another administrator cannot delete truenas_admin either: it is immutable.
    let admins = group_id(&mut admin, "builtin_administrators").await;
    server.create_user(&mut admin, "second", &[admins]).await;
    let mut second = server.client().await;
    second.login("second", "pw").await;
    let immutable = second.err("user.delete", json!([me])).await;
    assert_call_error(&immutable, "EINVAL", "Cannot delete an immutable user");
    assert_eq!(
        admin.ok("user.get_instance", json!([me])).await["username"],
        "truenas_admin"
    );
    // ... but truenas_admin can delete the second administrator.
    let second_id = admin
        .ok("user.query", json!([[["username", "=", "second"]], {"get": true}]))
        .await["id"]
        .clone();
    assert_eq!(admin.ok("user.delete", json!([second_id])).await, second_id);
}

#[tokio::test]
async fn the_last_password_administrator_cannot_be_deleted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let helper = server.create_user(&mut admin, "helper", &[admins]).await;
    // truenas_admin gives up its password; helper is now the only administrator with one.
    let me = truenas_admin_id(&mut admin).await;
    admin.ok("user.update", json!([me, {"password_disabled": true}])).await;
    let refused = admin.err("user.delete", json!([helper["id"]])).await;
    assert_call_error(
        &refused,
        "EACCES",
        "After deleting this user no local user will have built-in privilege 'Local Administrator'.",
    );
    assert_eq!(refused["data"]["error"], 13);
    assert_eq!(
        admin.ok("user.get_instance", json!([helper["id"]])).await["username"],
        "helper"
    );
    assert_eq!(admin.ok("user.has_local_administrator_set_up", json!([])).await, true);

    // With the password back, helper may go.
    admin
        .ok(
            "user.update",
            json!([me, {"password_disabled": false, "password": ADMIN_PASSWORD}]),
        )
        .await;
    assert_eq!(admin.ok("user.delete", json!([helper["id"]])).await, helper["id"]);
}

#[tokio::test]
async fn delete_removes_the_ssh_directory_but_keeps_the_home() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let ivan = admin
        .ok(
            "user.create",
            json!([{"username": "ivan", "full_name": "Ivan", "group_create": true, "password": "pw",
                    "home": pool.to_str().expect("utf-8"), "home_create": true,
                    "sshpubkey": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIvan ivan@host"}]),
        )
        .await;
    let home = pool.join("ivan");
    std::fs::write(home.join("notes.txt"), "data").expect("write");
    assert!(home.join(".ssh/authorized_keys").is_file());
    admin.ok("user.delete", json!([ivan["id"]])).await;
    assert!(!home.join(".ssh").exists());
    assert_eq!(std::fs::read_to_string(home.join("notes.txt")).expect("kept"), "data");
}

#[tokio::test]
async fn uids_of_deleted_users_are_reused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut users = Vec::new();
    for name in ["u0", "u1", "u2"] {
        users.push(server.create_user(&mut admin, name, &[]).await);
    }
    assert_eq!(
        users.iter().map(|u| u["uid"].clone()).collect::<Vec<_>>(),
        vec![json!(3000), json!(3001), json!(3002)]
    );
    admin.ok("user.delete", json!([users[1]["id"]])).await;
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3001);
    // 3001 is now reserved for whoever asked; an automatic create takes the next free one.
    let u3 = server.create_user(&mut admin, "u3", &[]).await;
    assert_eq!(u3["uid"], 3003);
}

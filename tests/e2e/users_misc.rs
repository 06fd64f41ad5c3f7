//! The other `user.*` methods: get_instance, get_next_uid, shell_choices, get_user_obj,
//! has_local_administrator_set_up, setup_local_administrator, set_password; and data surviving a restart.

use accountd_e2e::{ADMIN_PASSWORD, TestServer, assert_call_error, group_id, user_by_name, validation_items};
use serde_json::{Value, json};

fn one(attr: &str, message: &str) -> Vec<(Value, String, i64)> {
    vec![(json!(attr), message.to_string(), 22)]
}

#[tokio::test]
async fn get_instance_of_builtin_and_missing_users() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;

    let root = admin.ok("user.get_instance", json!([1])).await;
    assert_eq!(root["username"], "root");
    assert_eq!(root["uid"], 0);
    assert_eq!(root["home"], "/root");
    assert_eq!(root["builtin"], true);
    assert_eq!(root["immutable"], true);
    assert_eq!(root["smb"], false);
    assert_eq!(root["sid"], Value::Null);
    assert_eq!(root["group"]["bsdgrp_gid"], 0);
    assert_eq!(root["group"]["bsdgrp_group"], "root");
    assert_eq!(root["group"]["bsdgrp_builtin"], true);
    assert_eq!(root["groups"], json!([admins]));
    assert_eq!(root["roles"], json!(["FULL_ADMIN"]));
    // Setting up truenas_admin disabled root's password.
    assert_eq!(root["password_disabled"], true);
    assert_eq!(root["unixhash"], "*");
    assert!(root.get("password").is_none(), "{root}");

    let nobody = admin.ok("user.get_instance", json!([2])).await;
    assert_eq!(nobody["username"], "nobody");
    assert_eq!(nobody["uid"], 65534);
    assert_eq!(nobody["shell"], "/usr/sbin/nologin");
    assert_eq!(nobody["group"]["bsdgrp_group"], "nogroup");
    assert_eq!(nobody["roles"], json!([]));
    assert_eq!(nobody["immutable"], true);

    let me = user_by_name(&mut admin, "truenas_admin").await;
    assert_eq!(admin.ok("user.get_instance", json!([me["id"]])).await, me);

    // The query options apply (select), and `get` is implied.
    let selected = admin
        .ok("user.get_instance", json!([1, {"select": ["username", "uid"]}]))
        .await;
    assert_eq!(selected, json!({"username": "root", "uid": 0}));

    let missing = admin.err("user.get_instance", json!([999])).await;
    assert_eq!(missing["code"], -32602);
    assert_eq!(missing["message"], "Invalid params");
    assert_eq!(missing["data"]["error"], 22);
    assert_eq!(missing["data"]["errname"], "EINVAL");
    assert_eq!(
        validation_items(&missing),
        vec![(Value::Null, "User 999 does not exist".to_string(), 2)]
    );
    assert_eq!(missing["data"]["reason"], "[ENOENT] None: User 999 does not exist\n");

    let not_int = admin.err("user.get_instance", json!(["1"])).await;
    assert_eq!(validation_items(&not_int), one("id", "Input should be a valid integer"));
    let no_id = admin.err("user.get_instance", json!([])).await;
    assert_eq!(validation_items(&no_id), one("id", "Field required"));

    // The builtin accounts are in the listing.
    let names: Vec<Value> = admin
        .ok(
            "user.query",
            json!([[["builtin", "=", true]], {"select": ["username", "uid"], "order_by": ["uid"]}]),
        )
        .await
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    // TrueNAS 25.10's builtin users (its /etc/passwd), by uid.
    assert_eq!(names.len(), 54);
    assert_eq!((&names[0], &names[53]), (&json!("root"), &json!("nobody")));
    for name in ["daemon", "news", "www-data", "sshd", "apps", "webdav", "netdata"] {
        assert!(names.contains(&json!(name)), "{name}");
    }
}

#[tokio::test]
async fn get_next_uid_fills_gaps_and_reserves_what_it_returns() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3000);
    // 3000 is reserved now: the next caller gets 3001.
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3001);
    // A create with the reserved uid uses it and ends the reservation.
    let a = admin
        .ok(
            "user.create",
            json!([{"username": "a", "full_name": "a", "group_create": true, "password": "pw", "uid": 3000}]),
        )
        .await;
    assert_eq!(a["uid"], 3000);
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3002);
    // Automatic uids skip the reservations (3001, 3002).
    let b = server.create_user(&mut admin, "b", &[]).await;
    assert_eq!(b["uid"], 3003);
    let c = admin
        .ok(
            "user.create",
            json!([{"username": "c", "full_name": "c", "group_create": true, "password": "pw", "uid": 3001}]),
        )
        .await;
    assert_eq!(c["uid"], 3001);
    // Explicit uids far away do not move the start; gaps below are filled.
    admin
        .ok(
            "user.create",
            json!([{"username": "d", "full_name": "d", "group_create": true, "password": "pw", "uid": 10000}]),
        )
        .await;
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3004);
    admin.ok("user.delete", json!([a["id"]])).await;
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3000);
    let extra = admin.err("user.get_next_uid", json!([1])).await;
    assert_eq!(
        validation_items(&extra),
        one("", "Too many arguments (expected 0, found 1)")
    );
}

#[tokio::test]
async fn a_session_reserves_at_most_three_uids() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "reader", &["ACCOUNT_READ"]).await;
    let mut reader = server.logged_in("reader", "pw").await;
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        seen.insert(reader.ok("user.get_next_uid", json!([])).await.as_i64().expect("uid"));
    }
    // The reader cycles through four uids (each call gives up its oldest of three reservations)...
    assert_eq!(seen.len(), 4, "{seen:?}");
    // ...so at most three are held from others: the next free uid for another session is close.
    let next = admin.ok("user.get_next_uid", json!([])).await.as_i64().expect("uid");
    assert!(next <= 3004, "{next}");
    // Another connection of the same user is another session, with its own three.
    let mut second = server.logged_in("reader", "pw").await;
    let theirs = second.ok("user.get_next_uid", json!([])).await.as_i64().expect("uid");
    assert!(!seen.contains(&theirs) && theirs != next, "{theirs}");
}

#[tokio::test]
async fn shell_choices_depend_on_privileged_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let plain = json!({
        "/usr/bin/bash": "bash",
        "/usr/bin/dash": "dash",
        "/usr/bin/rbash": "rbash",
        "/usr/bin/sh": "sh",
        "/usr/bin/tmux": "tmux",
        "/usr/bin/zsh": "zsh",
        "/usr/sbin/nologin": "nologin",
    });
    let mut privileged = plain.clone();
    privileged["/usr/bin/cli"] = json!("TrueNAS CLI");
    privileged["/usr/bin/cli_console"] = json!("TrueNAS Console");

    assert_eq!(admin.ok("user.shell_choices", json!([])).await, plain);
    assert_eq!(admin.ok("user.shell_choices", json!([[]])).await, plain);
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    assert_eq!(admin.ok("user.shell_choices", json!([[staff]])).await, plain);
    assert_eq!(admin.ok("user.shell_choices", json!([[9999]])).await, plain);
    for name in [
        "builtin_administrators",
        "truenas_readonly_administrators",
        "truenas_sharing_administrators",
    ] {
        let id = group_id(&mut admin, name).await;
        assert_eq!(
            admin.ok("user.shell_choices", json!([[staff, id]])).await,
            privileged,
            "{name}"
        );
    }
    let bad = admin.err("user.shell_choices", json!([["x"]])).await;
    assert_eq!(
        validation_items(&bad),
        one("group_ids.0", "Input should be a valid integer")
    );
}

#[tokio::test]
async fn get_user_obj_by_name_or_uid() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew", "gid": 4000}])).await;
    let alice = server
        .create_user(&mut admin, "alice", &[staff.as_i64().expect("id")])
        .await;

    let obj = admin.ok("user.get_user_obj", json!([{"username": "alice"}])).await;
    assert_eq!(
        obj,
        json!({"pw_name": "alice", "pw_gecos": "alice", "pw_dir": "/var/empty", "pw_shell": "/usr/bin/zsh",
               "pw_uid": 3000, "pw_gid": 3000, "grouplist": null, "sid": null, "source": "LOCAL", "local": true})
    );
    let full = admin
        .ok(
            "user.get_user_obj",
            json!([{"uid": 3000, "get_groups": true, "sid_info": true}]),
        )
        .await;
    assert_eq!(full["pw_name"], "alice");
    // Primary gid first, then the auxiliary groups in entry order (builtin_users has the lower id).
    let users_group = group_id(&mut admin, "builtin_users").await;
    assert_eq!(alice["groups"], json!([users_group, staff]));
    assert_eq!(full["grouplist"], json!([3000, 545, 4000]));
    assert_eq!(full["sid"], alice["sid"]);
    assert!(full["sid"].as_str().is_some());

    let root = admin
        .ok(
            "user.get_user_obj",
            json!([{"uid": 0, "get_groups": true, "sid_info": true}]),
        )
        .await;
    assert_eq!(root["pw_name"], "root");
    assert_eq!(root["pw_dir"], "/root");
    assert_eq!(root["pw_gid"], 0);
    assert_eq!(root["grouplist"], json!([0, 544]));
    // root is not an SMB user.
    assert_eq!(root["sid"], Value::Null);

    let neither = admin.err("user.get_user_obj", json!([{}])).await;
    assert_eq!(
        validation_items(&neither),
        one(
            "get_user_obj.username",
            "Either \"username\" or \"uid\" must be specified."
        )
    );
    let both = admin
        .err("user.get_user_obj", json!([{"username": "alice", "uid": 3000}]))
        .await;
    assert_eq!(
        validation_items(&both),
        one(
            "get_user_obj.username",
            "\"username\" and \"uid\" may not be simultaneously specified"
        )
    );
    let extra = admin
        .err("user.get_user_obj", json!([{"username": "alice", "home": "/"}]))
        .await;
    assert_eq!(
        validation_items(&extra),
        one("get_user_obj.home", "Extra inputs are not permitted")
    );

    let ghost = admin.err("user.get_user_obj", json!([{"username": "ghost"}])).await;
    assert_eq!(ghost["code"], -32001);
    assert_eq!(ghost["data"]["error"], 22);
    assert_eq!(ghost["data"]["errname"], "EINVAL");
    assert_eq!(ghost["data"]["reason"], "'ghost: user with this name does not exist'");
    let ghost = admin.err("user.get_user_obj", json!([{"uid": 12345}])).await;
    assert_eq!(ghost["data"]["reason"], "'12345: user with this id does not exist'");
}

#[tokio::test]
async fn setup_truenas_admin_once() {
    let server = TestServer::start().await;
    let mut anon = server.client().await;
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, false);
    // Before the setup, nobody can log in.
    assert_eq!(server.login_type("root", "x").await, "AUTH_ERR");

    let bad = anon
        .err("user.setup_local_administrator", json!(["admin", "secret"]))
        .await;
    assert_eq!(
        validation_items(&bad),
        one("username", "Input should be 'root' or 'truenas_admin'")
    );
    let empty = anon
        .err("user.setup_local_administrator", json!(["truenas_admin", ""]))
        .await;
    assert_eq!(
        validation_items(&empty),
        one("password", "String should have at least 1 character")
    );
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, false);

    assert_eq!(
        anon.ok(
            "user.setup_local_administrator",
            json!(["truenas_admin", "first-password", {"ec2": {"instance_id": "i-0123"}}]),
        )
        .await,
        Value::Null
    );
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, true);

    for who in ["truenas_admin", "root"] {
        let again = anon
            .err("user.setup_local_administrator", json!([who, "other-password"]))
            .await;
        assert_call_error(&again, "EEXIST", "Local administrator is already set up");
        assert_eq!(again["data"]["error"], 17);
    }

    let mut admin = server.client().await;
    let login = admin.login("truenas_admin", "first-password").await;
    assert_eq!(
        login["user_info"]["privilege"]["roles"],
        json!({"$set": ["FULL_ADMIN"]})
    );
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let me = user_by_name(&mut admin, "truenas_admin").await;
    assert_eq!(me["uid"], 950);
    assert_eq!(me["group"]["bsdgrp_gid"], 950);
    assert_eq!(me["group"]["bsdgrp_group"], "truenas_admin");
    assert_eq!(me["home"], "/home/truenas_admin");
    assert_eq!(me["full_name"], "Local Administrator");
    assert_eq!(me["sudo_commands_nopasswd"], json!(["ALL"]));
    assert_eq!(me["groups"], json!([admins]));
    assert_eq!(me["roles"], json!(["FULL_ADMIN"]));
    assert_eq!(me["immutable"], true);
    assert_eq!(me["builtin"], false);
    assert_eq!(me["password_disabled"], false);
    // root's password is disabled; the second setup attempt changed nothing.
    let root = admin.ok("user.get_instance", json!([1])).await;
    assert_eq!(root["password_disabled"], true);
    assert_eq!(root["unixhash"], "*");
    assert_eq!(server.login_type("root", "other-password").await, "AUTH_ERR");
    assert_eq!(server.login_type("truenas_admin", "other-password").await, "AUTH_ERR");
}

#[tokio::test]
async fn setup_root_as_the_administrator() {
    let server = TestServer::start().await;
    let mut anon = server.client().await;
    anon.ok("user.setup_local_administrator", json!(["root", "root-password"]))
        .await;
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, true);
    let again = anon
        .err("user.setup_local_administrator", json!(["truenas_admin", "x"]))
        .await;
    assert_call_error(&again, "EEXIST", "Local administrator is already set up");

    let mut root = server.client().await;
    root.login("root", "root-password").await;
    assert_eq!(
        root.ok(
            "user.query",
            json!([[["username", "=", "truenas_admin"]], {"count": true}])
        )
        .await,
        0
    );
    let entry = root.ok("user.get_instance", json!([1])).await;
    assert_eq!(entry["password_disabled"], false);
    assert!(entry["unixhash"].as_str().expect("hash").starts_with("$argon2id$"));
    assert!(entry["last_password_change"]["$date"].is_i64());

    // Root with a password counts as the administrator only while it has one.
    root.ok("user.update", json!([1, {"password": "changed"}])).await;
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, true);
}

#[tokio::test]
async fn set_password_as_administrator() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let alice = server.create_user(&mut admin, "alice", &[readonly]).await;

    let r = admin
        .ok(
            "user.set_password",
            json!([{"username": "alice", "new_password": "password"}]),
        )
        .await;
    assert_eq!(r, Value::Null);
    let after = admin.ok("user.get_instance", json!([alice["id"]])).await;
    assert_ne!(after["unixhash"], alice["unixhash"]);
    assert_eq!(after["smbhash"], "8846F7EAEE8FB117AD06BDD830B7586C");
    assert_eq!(after["password_history"], json!([alice["unixhash"]]));
    assert!(after["last_password_change"]["$date"].as_i64() >= alice["last_password_change"]["$date"].as_i64());
    assert_eq!(server.login_type("alice", "password").await, "SUCCESS");
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
    // An administrator may give old_password too; it is not checked.
    admin
        .ok(
            "user.set_password",
            json!([{"username": "alice", "old_password": "wrong", "new_password": "third"}]),
        )
        .await;
    assert_eq!(server.login_type("alice", "third").await, "SUCCESS");

    // A non-SMB user keeps "*" as NT hash.
    let bob = admin
        .ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group_create": true, "password": "pw", "smb": false}]),
        )
        .await;
    admin
        .ok("user.set_password", json!([{"username": "bob", "new_password": "new"}]))
        .await;
    assert_eq!(admin.ok("user.get_instance", json!([bob["id"]])).await["smbhash"], "*");

    let ghost = admin
        .err("user.set_password", json!([{"username": "ghost", "new_password": "x"}]))
        .await;
    assert_eq!(
        validation_items(&ghost),
        one("user.set_password.username", "ghost: user does not exist.")
    );

    admin
        .ok(
            "user.create",
            json!([{"username": "nopw", "full_name": "n", "group_create": true, "password_disabled": true,
                    "smb": false}]),
        )
        .await;
    let disabled = admin
        .err("user.set_password", json!([{"username": "nopw", "new_password": "x"}]))
        .await;
    assert_eq!(
        validation_items(&disabled),
        one(
            "user.set_password.username",
            "nopw: password authentication disabled for user"
        )
    );

    admin.ok("user.update", json!([bob["id"], {"locked": true}])).await;
    let locked = admin
        .err("user.set_password", json!([{"username": "bob", "new_password": "x"}]))
        .await;
    assert_eq!(
        validation_items(&locked),
        one("user.set_password.username", "bob: user account is locked.")
    );

    let empty = admin
        .err("user.set_password", json!([{"username": "alice", "new_password": ""}]))
        .await;
    assert_eq!(
        validation_items(&empty),
        one(
            "set_password_data.new_password",
            "String should have at least 1 character"
        )
    );
    let missing = admin.err("user.set_password", json!([{"new_password": "x"}])).await;
    assert_eq!(
        validation_items(&missing),
        one("set_password_data.username", "Field required")
    );
    let extra = admin
        .err(
            "user.set_password",
            json!([{"username": "alice", "new_password": "x", "bogus": true}]),
        )
        .await;
    assert_eq!(
        validation_items(&extra),
        one("set_password_data.bogus", "Extra inputs are not permitted")
    );
    assert_eq!(server.login_type("alice", "third").await, "SUCCESS");
}

#[tokio::test]
async fn set_password_as_a_user_without_full_admin() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    server.create_user(&mut admin, "ro", &[readonly]).await;
    server.create_user(&mut admin, "other", &[]).await;
    let mut ro = server.client().await;
    ro.login("ro", "pw").await;

    let others = ro
        .err("user.set_password", json!([{"username": "other", "new_password": "x"}]))
        .await;
    assert_call_error(
        &others,
        "EPERM",
        "other: currently authenticated credential may not reset password for this user.",
    );
    assert_eq!(others["data"]["error"], 1);
    let admins = ro
        .err(
            "user.set_password",
            json!([{"username": "truenas_admin", "old_password": ADMIN_PASSWORD, "new_password": "x"}]),
        )
        .await;
    assert_call_error(
        &admins,
        "EPERM",
        "truenas_admin: currently authenticated credential may not reset password for this user.",
    );

    let no_old = ro
        .err(
            "user.set_password",
            json!([{"username": "ro", "new_password": "new-pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&no_old),
        one(
            "user.set_password.old_password",
            "FULL_ADMIN role is required in order to bypass check for current password."
        )
    );
    let wrong_old = ro
        .err(
            "user.set_password",
            json!([{"username": "ro", "old_password": "nope", "new_password": "new-pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&wrong_old),
        one("user.set_password.old_password", "ro: failed to validate password.")
    );
    assert_eq!(server.login_type("ro", "pw").await, "SUCCESS");

    assert_eq!(
        ro.ok(
            "user.set_password",
            json!([{"username": "ro", "old_password": "pw", "new_password": "new-pw"}]),
        )
        .await,
        Value::Null
    );
    assert_eq!(server.login_type("ro", "new-pw").await, "SUCCESS");
    assert_eq!(server.login_type("ro", "pw").await, "AUTH_ERR");
    // Still logged in, and the old password no longer validates.
    let stale = ro
        .err(
            "user.set_password",
            json!([{"username": "ro", "old_password": "pw", "new_password": "third"}]),
        )
        .await;
    assert_eq!(
        validation_items(&stale),
        one("user.set_password.old_password", "ro: failed to validate password.")
    );

    let anon = server
        .client()
        .await
        .err("user.set_password", json!([{"username": "ro", "new_password": "x"}]))
        .await;
    assert_call_error(&anon, "ENOTAUTHENTICATED", "Not authenticated");
    assert_eq!(anon["data"]["error"], 207);
}

#[tokio::test]
async fn users_survive_a_restart() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let staff = admin.ok("group.create", json!([{"name": "crew", "gid": 4000}])).await;
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIRestart r@host";
    admin
        .ok(
            "user.create",
            json!([{"username": "alice", "full_name": "Alice", "group_create": true, "password": "alice-pw",
                    "groups": [readonly, staff], "email": "alice@example.com", "home": pool.to_str().expect("utf-8"),
                    "home_create": true, "home_mode": "750", "sshpubkey": key, "shell": "/usr/bin/cli",
                    "sudo_commands": ["ALL"], "userns_idmap": null}]),
        )
        .await;
    let bob = admin
        .ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group": staff, "password_disabled": true,
                    "smb": false, "locked": true, "uid": 5555, "userns_idmap": "DIRECT"}]),
        )
        .await;
    admin
        .ok(
            "user.set_password",
            json!([{"username": "alice", "new_password": "alice-pw2"}]),
        )
        .await;
    let before = admin.ok("user.query", json!([[], {"order_by": ["id"]}])).await;
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3001);
    drop(admin);

    server.restart().await;
    let mut admin = server.client().await;
    admin.login("truenas_admin", ADMIN_PASSWORD).await;
    let after = admin.ok("user.query", json!([[], {"order_by": ["id"]}])).await;
    assert_eq!(after, before);
    let alice = user_by_name(&mut admin, "alice").await;
    assert_eq!(alice["sshpubkey"], key);
    assert_eq!(alice["groups"].as_array().expect("list").len(), 3);
    assert_eq!(alice["password_history"].as_array().expect("list").len(), 1);
    assert_eq!(alice["roles"], json!(["READONLY_ADMIN"]));
    let mut bob_before = bob.clone();
    bob_before.as_object_mut().expect("object").remove("password");
    assert_eq!(user_by_name(&mut admin, "bob").await, bob_before);
    assert_eq!(server.login_type("alice", "alice-pw2").await, "SUCCESS");
    assert_eq!(server.login_type("alice", "alice-pw").await, "AUTH_ERR");
    // Reservations do not survive; used uids do.
    assert_eq!(admin.ok("user.get_next_uid", json!([])).await, 3001);
    let carol = server.create_user(&mut admin, "carol", &[]).await;
    assert_eq!(carol["uid"], 3002);
}

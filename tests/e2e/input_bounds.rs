//! Input that used to slip through or break a call: sudo entries that smuggle extra rules, group container
//! gids mapped twice, hostile email addresses on update, oversized `auth.set_attribute` values and filters
//! with thousands of alternatives.

use std::path::Path;

use accountd_e2e::{TestServer, assert_invalid, validation_items};
use serde_json::{Value, json};

fn ls() -> &'static str {
    ["/usr/bin/ls", "/bin/ls"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .expect("ls exists")
}

const FORBIDDEN: &str = "Sudo commands may not contain control characters or commas";

#[tokio::test]
async fn sudo_entries_with_control_characters_or_commas_are_refused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ls = ls();
    let group = admin.ok("group.create", json!([{"name": "ops"}])).await;
    let user = server.create_user(&mut admin, "olga", &[]).await["id"].clone();
    let before = admin.ok("user.get_instance", json!([user])).await;
    for field in ["sudo_commands", "sudo_commands_nopasswd"] {
        for bad in [
            format!("{ls}\nroot ALL=(ALL) NOPASSWD: ALL"),
            format!("{ls}\r"),
            format!("{ls}\t-l"),
            format!("{ls} -l, /bin/sh"),
            "ALL,ALL".to_string(),
            format!("{ls}\u{0}"),
        ] {
            let err = admin.err("user.update", json!([user, {field: [ls, bad]}])).await;
            assert_eq!(
                validation_items(&err),
                vec![(json!(format!("user_update.{field}.1")), FORBIDDEN.to_string(), 22)],
                "user {field} {bad:?}"
            );
            let err = admin
                .err(
                    "user.create",
                    json!([{"username": "pat", "full_name": "Pat", "group_create": true,
                                            "password": "pw", field: [bad]}]),
                )
                .await;
            assert_invalid(&err, &format!("user_create.{field}.0"), FORBIDDEN);
            let err = admin.err("group.update", json!([group, {field: [bad]}])).await;
            assert_invalid(&err, &format!("group_update.{field}.0"), FORBIDDEN);
            let err = admin.err("group.create", json!([{"name": "ops2", field: [bad]}])).await;
            assert_invalid(&err, &format!("group_create.{field}.0"), FORBIDDEN);
        }
    }
    assert_eq!(admin.ok("user.get_instance", json!([user])).await, before);
    let g = admin.ok("group.get_instance", json!([group])).await;
    assert_eq!(
        (g["sudo_commands"].clone(), g["sudo_commands_nopasswd"].clone()),
        (json!([]), json!([]))
    );
    assert_eq!(
        admin.ok("group.query", json!([[["name", "=", "ops2"]]])).await,
        json!([])
    );
}

#[tokio::test]
async fn group_sudo_paths_must_exist_and_be_executable() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let group = admin.ok("group.create", json!([{"name": "ops"}])).await;
    for field in ["sudo_commands", "sudo_commands_nopasswd"] {
        let err = admin
            .err("group.update", json!([group, {field: [ls(), "/etc/passwd"]}]))
            .await;
        assert_eq!(
            validation_items(&err),
            vec![(
                json!(format!("group_update.{field}.1")),
                "None of the paths matching '/etc/passwd' is executable".to_string(),
                22
            )]
        );
        let err = admin
            .err(
                "group.create",
                json!([{"name": "ops2", field: ["/nonexistent/tool -x"]}]),
            )
            .await;
        assert_invalid(
            &err,
            &format!("group_create.{field}.0"),
            "No paths matching '/nonexistent/tool' exist",
        );
    }
    admin
        .ok(
            "group.update",
            json!([group, {"sudo_commands": [format!("{} -l", ls())]}]),
        )
        .await;
}

#[tokio::test]
async fn a_container_gid_maps_to_one_group_only() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let a = admin
        .ok(
            "group.create",
            json!([{"name": "idmap_a", "gid": 5000, "userns_idmap": 23456}]),
        )
        .await;
    let b = admin
        .ok("group.create", json!([{"name": "idmap_b", "gid": 5001}]))
        .await;
    let msg = "Group 'idmap_a' already maps to container GID 23456.";
    let err = admin.err("group.update", json!([b, {"userns_idmap": 23456}])).await;
    assert_eq!(
        validation_items(&err),
        vec![(json!("group_update.userns_idmap"), msg.to_string(), 22)]
    );
    let err = admin
        .err("group.create", json!([{"name": "idmap_c", "userns_idmap": 23456}]))
        .await;
    assert_invalid(&err, "group_create.userns_idmap", msg);
    assert_eq!(
        admin.ok("group.query", json!([[["name", "=", "idmap_c"]]])).await,
        json!([])
    );
    // DIRECT maps a group to its own gid: it clashes with an explicit mapping to that number, both ways.
    admin.ok("group.update", json!([a, {"userns_idmap": 5001}])).await;
    let err = admin.err("group.update", json!([b, {"userns_idmap": "DIRECT"}])).await;
    assert_invalid(
        &err,
        "group_update.userns_idmap",
        "Group 'idmap_a' already maps to container GID 5001.",
    );
    admin.ok("group.update", json!([a, {"userns_idmap": "DIRECT"}])).await;
    let err = admin
        .err("group.create", json!([{"name": "idmap_d", "userns_idmap": 5000}]))
        .await;
    assert_invalid(
        &err,
        "group_create.userns_idmap",
        "Group 'idmap_a' already maps to container GID 5000.",
    );
    // A group's own mapping is no clash, and a freed number may be used again.
    admin.ok("group.update", json!([a, {"userns_idmap": "DIRECT"}])).await;
    admin.ok("group.update", json!([a, {"userns_idmap": null}])).await;
    admin.ok("group.update", json!([b, {"userns_idmap": 5000}])).await;
    assert_eq!(admin.ok("group.get_instance", json!([b])).await["userns_idmap"], 5000);
}

#[tokio::test]
async fn hostile_email_addresses_are_refused_on_update() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let id = server.create_user(&mut admin, "erin", &[]).await["id"].clone();
    admin
        .ok("user.update", json!([id, {"email": "erin@example.com"}]))
        .await;
    for (bad, reason) in [
        (
            "a b@c.com",
            "The email address contains invalid characters before the @-sign: SPACE.",
        ),
        ("<script>@x.com", "There can't be anything after the email address."),
        (
            "a\u{0}@b.com",
            "The email address contains invalid characters before the @-sign: U+0000.",
        ),
        (
            "a@b",
            "The part after the @-sign is not valid. It should have a period.",
        ),
        ("\"a\"@b.com", "Quoting the part before the @-sign is not allowed here."),
    ] {
        let err = admin.err("user.update", json!([id, {"email": bad}])).await;
        assert_eq!(
            validation_items(&err),
            vec![(
                json!("user_update.email"),
                format!("value is not a valid email address: {reason}"),
                22
            )],
            "{bad:?}"
        );
    }
    assert_eq!(
        admin.ok("user.get_instance", json!([id])).await["email"],
        "erin@example.com"
    );
}

#[tokio::test]
async fn attributes_are_bounded_per_value_and_per_user() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "ada", &["READONLY_ADMIN"]).await;
    let mut ada = server.logged_in("ada", "pw").await;
    // 32 KiB of JSON per value: a string of n characters encodes as n + 2 bytes.
    let at_limit = "x".repeat(32 * 1024 - 2);
    ada.ok("auth.set_attribute", json!(["big", at_limit])).await;
    let err = ada
        .err("auth.set_attribute", json!(["bigger", format!("{at_limit}x")]))
        .await;
    assert_eq!(
        validation_items(&err),
        vec![(
            json!("value"),
            "An attribute value may not take more than 32768 bytes as JSON.".to_string(),
            22
        )]
    );
    let err = ada.err("auth.set_attribute", json!(["k".repeat(257), 1])).await;
    assert_invalid(&err, "key", "Attribute names may not be longer than 256 bytes.");
    // 128 KiB for all of a user's attributes: four values of 32 KiB do not fit.
    let value = "y".repeat(32 * 1024 - 10);
    for key in ["b", "c", "d"] {
        ada.ok("auth.set_attribute", json!([key, value])).await;
    }
    let err = ada.err("auth.set_attribute", json!(["e", value])).await;
    assert_eq!(
        validation_items(&err),
        vec![(
            json!("value"),
            "The attributes of a user may not take more than 131072 bytes in all.".to_string(),
            22
        )]
    );
    // Replacing a value counts the new one instead of the old one; a small one still fits.
    ada.ok("auth.set_attribute", json!(["big", "small"])).await;
    ada.ok("auth.set_attribute", json!(["e", value])).await;
    let attributes = ada.ok("auth.me", json!([])).await["attributes"].clone();
    let keys: Vec<&String> = attributes.as_object().expect("object").keys().collect();
    assert_eq!(keys, ["b", "big", "c", "d", "e"]);
    assert_eq!(attributes["big"], "small");
    let login = server.client().await.login("ada", "pw").await;
    assert!(login.to_string().len() < 150 * 1024, "login answer stays bounded");
}

#[tokio::test]
async fn filters_with_thousands_of_alternatives_are_answered() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let crew = admin.ok("group.create", json!([{"name": "crew", "gid": 6000}])).await;
    let alice = server
        .create_user(&mut admin, "alice", &[crew.as_i64().expect("id")])
        .await;
    let uid = alice["uid"].as_i64().expect("uid");
    for (method, field, hit) in [("user.query", "uid", uid), ("group.query", "gid", 6000)] {
        // 2,000 equalities of one field (one IN list), then 1,500 alternatives of mixed shapes.
        let equal: Vec<Value> = (0..2000)
            .map(|i| json!([[field, "=", hit + 1 + i]]))
            .chain([json!([[field, "=", hit]])])
            .collect();
        let found = admin.ok(method, json!([[["OR", equal]], {"select": [field]}])).await;
        assert_eq!(found, json!([{field: hit}]), "{method}");
        let mixed: Vec<Value> = (0..1500)
            .map(|i| match i % 3 {
                0 => json!([[field, "=", hit + 1 + i]]),
                1 => json!([[field, ">", 1_000_000 + i], ["id", "!=", i]]),
                _ => json!([["id", "=", -i]]),
            })
            .chain([json!([[field, "=", hit]])])
            .collect();
        let found = admin.ok(method, json!([[["OR", mixed]], {"select": [field]}])).await;
        assert_eq!(found, json!([{field: hit}]), "{method}");
        let not_equal: Vec<Value> = (0..2000).map(|i| json!([field, "!=", hit + 1 + i])).collect();
        let count = admin.ok(method, json!([not_equal, {"count": true}])).await;
        let all = admin.ok(method, json!([[], {"count": true}])).await;
        assert_eq!(count, all, "{method}");
    }
}

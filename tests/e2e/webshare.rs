//! The `webshare` user field (TrueNAS 26.04's `handle_webshare` in `plugins/account.py`): membership of the
//! builtin group `truenas_webshare`, and the refusal for root.

use accountd_e2e::{TestServer, assert_invalid, group_id, user_id};
use serde_json::json;

#[tokio::test]
async fn webshare_follows_membership_of_truenas_webshare() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let group = admin
        .ok(
            "group.query",
            json!([[["name", "=", "truenas_webshare"]], {"get": true}]),
        )
        .await;
    assert_eq!(group["gid"], 445);
    assert_eq!(group["builtin"], true);
    let webshare = group_id(&mut admin, "truenas_webshare").await;

    let on = admin
        .ok(
            "user.create",
            json!([{"username": "ws1", "full_name": "Webshare 1", "group_create": true, "password": "pw",
                    "webshare": true}]),
        )
        .await;
    assert_eq!(on["webshare"], true);
    let entry = admin.ok("user.get_instance", json!([on["id"]])).await;
    assert!(
        entry["groups"].as_array().expect("groups").contains(&json!(webshare)),
        "{entry}"
    );

    // Left out or false: not a member, even when the group is listed.
    let off = admin
        .ok(
            "user.create",
            json!([{"username": "ws2", "full_name": "Webshare 2", "group_create": true, "password": "pw"}]),
        )
        .await;
    assert_eq!(off["webshare"], false);
    let listed = admin
        .ok(
            "user.create",
            json!([{"username": "ws3", "full_name": "Webshare 3", "group_create": true, "password": "pw",
                    "groups": [webshare], "webshare": false}]),
        )
        .await;
    assert_eq!(listed["webshare"], false);
    assert!(!listed["groups"].as_array().expect("groups").contains(&json!(webshare)));

    // Updates add and remove the membership; other changes keep it.
    let r = admin.ok("user.update", json!([off["id"], {"webshare": true}])).await;
    assert_eq!(r["webshare"], true);
    assert!(r["groups"].as_array().expect("groups").contains(&json!(webshare)));
    let r = admin
        .ok("user.update", json!([off["id"], {"full_name": "Still shared"}]))
        .await;
    assert_eq!(r["webshare"], true);
    let r = admin.ok("user.update", json!([on["id"], {"webshare": false}])).await;
    assert_eq!(r["webshare"], false);
    assert!(!r["groups"].as_array().expect("groups").contains(&json!(webshare)));
    // The flag decides, as TrueNAS merges the old entry's `webshare` before `handle_webshare`: listing the
    // group in `groups` without the flag leaves the user out of it.
    let r = admin
        .ok("user.update", json!([listed["id"], {"groups": [webshare]}]))
        .await;
    assert_eq!(r["webshare"], false);
    assert!(!r["groups"].as_array().expect("groups").contains(&json!(webshare)));

    let members = admin
        .ok(
            "user.query",
            json!([[["webshare", "=", true]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(members, json!([{"username": "ws2"}]));
    let group = admin.ok("group.get_instance", json!([webshare])).await;
    assert_eq!(group["users"], json!([off["id"]]), "{group}");
}

#[tokio::test]
async fn root_is_not_allowed_access_via_webshare() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let root = user_id(&mut admin, "root").await;
    let e = admin.err("user.update", json!([root, {"webshare": true}])).await;
    assert_invalid(
        &e,
        "user_update.webshare",
        "The root user is not allowed access via webshare.",
    );
    let r = admin.ok("user.update", json!([root, {"webshare": false}])).await;
    assert_eq!(r["webshare"], false);
    // A builtin account other than root may join, as on TrueNAS (445 is an alterable builtin group).
    let apps = user_id(&mut admin, "apps").await;
    let r = admin.ok("user.update", json!([apps, {"webshare": true}])).await;
    assert_eq!(r["webshare"], true);
}

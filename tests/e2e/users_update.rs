//! `user.update`: partial updates, passwords and their history, SMB, locking, immutable accounts, homes and SSH
//! keys, and the update-only validation rules.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use accountd_e2e::{
    ADMIN_PASSWORD, Client, TestServer, assert_call_error, assert_invalid, group_id, user_by_name, validation_items,
};
use serde_json::{Value, json};

async fn update(admin: &mut Client, id: &Value, data: Value) -> Result<Value, Value> {
    admin.call("user.update", json!([id, data])).await
}

async fn update_invalid(admin: &mut Client, id: &Value, data: Value) -> Vec<(Value, String, i64)> {
    match update(admin, id, data.clone()).await {
        Ok(v) => panic!("user.update {id} {data} succeeded: {v}"),
        Err(e) => validation_items(&e),
    }
}

fn one(attr: &str, message: &str) -> Vec<(Value, String, i64)> {
    vec![(json!(attr), message.to_string(), 22)]
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = alice["id"].clone();

    let updated = update(
        &mut admin,
        &id,
        json!({"full_name": "Alice Liddell", "email": "alice@example.com", "shell": "/usr/bin/bash"}),
    )
    .await
    .expect("updated");
    assert_eq!(updated["full_name"], "Alice Liddell");
    assert_eq!(updated["email"], "alice@example.com");
    assert_eq!(updated["shell"], "/usr/bin/bash");
    assert_eq!(updated["password"], Value::Null);
    // Everything else is as it was.
    let mut expected = alice.clone();
    expected["full_name"] = json!("Alice Liddell");
    expected["email"] = json!("alice@example.com");
    expected["shell"] = json!("/usr/bin/bash");
    expected["password"] = Value::Null;
    assert_eq!(updated, expected);

    let fetched = admin.ok("user.get_instance", json!([id])).await;
    expected.as_object_mut().expect("object").remove("password");
    assert_eq!(fetched, expected);

    // "" clears the email like null does.
    let cleared = update(&mut admin, &id, json!({"email": ""})).await.expect("updated");
    assert_eq!(cleared["email"], Value::Null);
    update(&mut admin, &id, json!({"email": "a@b.example"}))
        .await
        .expect("updated");
    let cleared = update(&mut admin, &id, json!({"email": null})).await.expect("updated");
    assert_eq!(cleared["email"], Value::Null);

    // An empty update is fine and changes nothing.
    let same = update(&mut admin, &id, json!({})).await.expect("updated");
    assert_eq!(same["full_name"], "Alice Liddell");
    assert_eq!(same["unixhash"], alice["unixhash"]);
}

#[tokio::test]
async fn update_of_missing_or_directory_users() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let missing = admin.err("user.update", json!([9999, {"full_name": "x"}])).await;
    assert_eq!(
        validation_items(&missing),
        vec![(Value::Null, "User 9999 does not exist".to_string(), 2)]
    );
    assert_eq!(missing["data"]["reason"], "[ENOENT] None: User 9999 does not exist\n");
    let ds = admin.err("user.update", json!([100000001, {"full_name": "x"}])).await;
    assert_call_error(
        &ds,
        "EPERM",
        "Users provided by a directory service must be modified through the identity provider \
         (LDAP server or domain controller).",
    );
    assert_eq!(ds["data"]["error"], 1);
}

#[tokio::test]
async fn excluded_and_unknown_fields_are_refused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let id = bob["id"].clone();
    for field in ["uid", "group_create", "id", "builtin", "bogus"] {
        assert_eq!(
            update_invalid(&mut admin, &id, json!({field: 5000})).await,
            one(&format!("user_update.{field}"), "Extra inputs are not permitted"),
            "{field}"
        );
    }
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"locked": "yes"})).await,
        one("user_update.locked", "Input should be a valid boolean")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"full_name": ""})).await,
        one("user_update.full_name", "String should have at least 1 character")
    );
    let missing = admin.err("user.update", json!([id])).await;
    assert_eq!(validation_items(&missing), one("user_update", "Field required"));
    let not_int = admin.err("user.update", json!(["1", {}])).await;
    assert_eq!(validation_items(&not_int), one("id", "Input should be a valid integer"));
    assert_eq!(admin.ok("user.get_instance", json!([id])).await["uid"], bob["uid"]);
}

#[tokio::test]
async fn primary_group_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let id = bob["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"group": null})).await,
        one("user_update.group", "User must have a primary group")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"group": 9999})).await,
        vec![(json!("user_update.group"), "Group 9999 not found".to_string(), 2)]
    );
    let staff = admin.ok("group.create", json!([{"name": "crew", "gid": 4000}])).await;
    let moved = update(&mut admin, &id, json!({"group": staff})).await.expect("updated");
    assert_eq!(moved["group"]["id"], staff);
    assert_eq!(moved["group"]["bsdgrp_group"], "crew");
    assert_eq!(moved["group"]["bsdgrp_gid"], 4000);
    let group = admin.ok("group.get_instance", json!([staff])).await;
    assert_eq!(group["users"], json!([id]));
}

#[tokio::test]
async fn username_and_full_name_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "alice", &[]).await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let id = bob["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"username": "alice"})).await,
        vec![
            (
                json!("user_update.username"),
                "The username \"alice\" already exists.".to_string(),
                17
            ),
            (
                json!("user_update.smb"),
                "Username \"alice\" conflicts with existing SMB user. Note that SMB usernames are case-insensitive."
                    .to_string(),
                17
            ),
        ]
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"username": "9lives"})).await,
        one("user_update.username", "Value error, Cannot start with \"'9'\"")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"full_name": "a:b"})).await,
        one("user_update.full_name", "The ':' character is not allowed.")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"email": "bob"})).await,
        one(
            "user_update.email",
            "value is not a valid email address: An email address must have an @-sign."
        )
    );
    // Keeping one's own name is not a clash.
    update(&mut admin, &id, json!({"username": "bob"}))
        .await
        .expect("same name");
    let renamed = update(&mut admin, &id, json!({"username": "robert"}))
        .await
        .expect("renamed");
    assert_eq!(renamed["username"], "robert");
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "=", "bob"]], {"count": true}]))
            .await,
        0
    );
    let mut c = server.client().await;
    let login = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "robert", "password": "pw"}]),
        )
        .await;
    // robert has no role, but the credentials are valid under the new name.
    assert_eq!(login["response_type"], "DENIED");
}

#[tokio::test]
async fn password_change_grows_the_history_up_to_ten() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let carl = server.create_user(&mut admin, "carl", &[admins]).await;
    let id = carl["id"].clone();
    let first_change = carl["last_password_change"]["$date"].as_i64().expect("date");

    let mut hashes = vec![carl["unixhash"].as_str().expect("hash").to_string()];
    for i in 1..=12 {
        let pw = format!("password-{i}");
        let updated = update(&mut admin, &id, json!({"password": pw})).await.expect("updated");
        assert_eq!(updated["password"], pw);
        let hash = updated["unixhash"].as_str().expect("hash").to_string();
        assert!(hash.starts_with("$argon2id$"));
        assert!(!hashes.contains(&hash));
        let start = hashes.len().saturating_sub(10);
        assert_eq!(updated["password_history"], json!(hashes[start..]), "after change {i}");
        assert!(updated["last_password_change"]["$date"].as_i64().expect("date") >= first_change);
        hashes.push(hash);
    }
    let entry = admin.ok("user.get_instance", json!([id])).await;
    assert_eq!(entry["password_history"].as_array().expect("list").len(), 10);
    assert_eq!(entry["password_history"], json!(hashes[2..12]));
    // The last password logs in; an older one does not.
    let mut c = server.client().await;
    c.login("carl", "password-12").await;
    let mut old = server.client().await;
    let r = old
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "carl", "password": "password-11"}]),
        )
        .await;
    assert_eq!(r["response_type"], "AUTH_ERR");

    // Other updates leave the history alone.
    let same = update(&mut admin, &id, json!({"full_name": "Carl"}))
        .await
        .expect("updated");
    assert_eq!(same["password_history"], json!(hashes[2..12]));
    // password: null means "no change".
    let same = update(&mut admin, &id, json!({"password": null}))
        .await
        .expect("updated");
    assert_eq!(same["unixhash"], json!(hashes[12]));
    assert_eq!(same["password"], Value::Null);
}

#[tokio::test]
async fn random_password_on_update() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let dora = server.create_user(&mut admin, "dora", &[admins]).await;
    let id = dora["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"random_password": true, "password": "x"})).await,
        one(
            "user_update.random_password",
            "Requesting a randomized password while simultaneously supplying an explicit password is not permitted."
        )
    );
    let updated = update(&mut admin, &id, json!({"random_password": true}))
        .await
        .expect("updated");
    let pw = updated["password"].as_str().expect("password");
    assert_eq!(pw.len(), 20);
    assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw}");
    assert_eq!(updated["password_history"], json!([dora["unixhash"]]));
    assert_ne!(updated["smbhash"], dora["smbhash"]);
    let mut c = server.client().await;
    c.login("dora", pw).await;
    // random_password false is a no-op.
    let same = update(&mut admin, &id, json!({"random_password": false}))
        .await
        .expect("updated");
    assert_eq!(same["password"], Value::Null);
    assert_eq!(same["unixhash"], updated["unixhash"]);
}

#[tokio::test]
async fn smb_toggling() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let eve = admin
        .ok(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password": "password",
                    "smb": false}]),
        )
        .await;
    let id = eve["id"].clone();
    assert_eq!(eve["smbhash"], "*");
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"smb": true})).await,
        one(
            "user_update.smb",
            "Password must be reset in order to enable SMB authentication"
        )
    );
    let on = update(&mut admin, &id, json!({"smb": true, "password": "password"}))
        .await
        .expect("updated");
    assert_eq!(on["smb"], true);
    assert_eq!(on["smbhash"], "8846F7EAEE8FB117AD06BDD830B7586C");
    let sid = on["sid"].as_str().expect("sid");
    assert!(
        sid.ends_with(&format!("-{}", 20000 + id.as_i64().expect("id"))),
        "{sid}"
    );
    let off = update(&mut admin, &id, json!({"smb": false})).await.expect("updated");
    assert_eq!(off["smb"], false);
    assert_eq!(off["smbhash"], "*");
    assert_eq!(off["sid"], Value::Null);
    // SMB users may not have password login disabled.
    let on = update(&mut admin, &id, json!({"smb": true, "random_password": true}))
        .await
        .expect("updated");
    assert_eq!(on["smb"], true);
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"password_disabled": true})).await,
        one(
            "user_update.password_disabled",
            "Password authentication may not be disabled for SMB users."
        )
    );
    // Another SMB user's name, differing in case only, is refused: when renaming an SMB user (whether or not
    // `smb` is sent along) and when turning SMB on for a user with such a name.
    server.create_user(&mut admin, "frank", &[]).await;
    let clash = |name: &str| {
        vec![(
            json!("user_update.smb"),
            format!(
                "Username \"{name}\" conflicts with existing SMB user. Note that SMB usernames are case-insensitive."
            ),
            17,
        )]
    };
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"username": "FRANK", "smb": true})).await,
        clash("FRANK")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"username": "Frank"})).await,
        clash("Frank")
    );
    let off = update(&mut admin, &id, json!({"username": "FRANK", "smb": false}))
        .await
        .expect("not SMB");
    assert_eq!(off["username"], "FRANK");
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"smb": true, "password": "password"})).await,
        clash("FRANK")
    );
    assert_eq!(admin.ok("user.get_instance", json!([id])).await["smb"], false);
}

#[tokio::test]
async fn password_disabled_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let gus = admin
        .ok(
            "user.create",
            json!([{"username": "gus", "full_name": "Gus", "group_create": true, "password": "pw",
                    "smb": false}]),
        )
        .await;
    let id = gus["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"password_disabled": true, "password": "new"})).await,
        one(
            "user_update.password_disabled",
            "Leave \"Password\" blank when \"Disable password login\" is checked."
        )
    );
    let off = update(&mut admin, &id, json!({"password_disabled": true}))
        .await
        .expect("updated");
    assert_eq!(off["password_disabled"], true);
    assert_eq!(off["unixhash"], "*");
    assert_eq!(off["password_history"], json!([]));
    // Enabling it again with a new password: "*" is not a password to remember.
    let on = update(
        &mut admin,
        &id,
        json!({"password_disabled": false, "password": "again"}),
    )
    .await
    .expect("updated");
    assert_eq!(on["password_disabled"], false);
    assert!(on["unixhash"].as_str().expect("hash").starts_with("$argon2id$"));
    assert_eq!(on["password_history"], json!([]));
    assert_eq!(on["password"], "again");
    let off = update(&mut admin, &id, json!({"password_disabled": true}))
        .await
        .expect("updated");
    assert_eq!(off["unixhash"], "*");

    // The only administrator that can log in with a password keeps it (root's is disabled by the setup).
    let me = user_by_name(&mut admin, "truenas_admin").await;
    assert_eq!(
        update_invalid(&mut admin, &me["id"], json!({"password_disabled": true})).await,
        one(
            "user_update.password_disabled",
            "After disabling password for this user no password-enabled local user will have built-in privilege \
             'Local Administrator'."
        )
    );
    // With a second password administrator it is allowed.
    let admins = group_id(&mut admin, "builtin_administrators").await;
    server.create_user(&mut admin, "helen", &[admins]).await;
    let me = update(&mut admin, &me["id"], json!({"password_disabled": true}))
        .await
        .expect("another admin remains");
    assert_eq!(me["unixhash"], "*");
    assert_eq!(admin.ok("user.has_local_administrator_set_up", json!([])).await, true);
}

#[tokio::test]
async fn locking_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ivy = server.create_user(&mut admin, "ivy", &[]).await;
    let locked = update(&mut admin, &ivy["id"], json!({"locked": true}))
        .await
        .expect("updated");
    assert_eq!(locked["locked"], true);
    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "ivy", "password": "pw"}]),
        )
        .await;
    assert_eq!(r["response_type"], "AUTH_ERR");
    update(&mut admin, &ivy["id"], json!({"locked": false}))
        .await
        .expect("unlocked");
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "ivy", "password": "pw"}]),
        )
        .await;
    assert_eq!(r["response_type"], "DENIED");

    // root and truenas_admin hold FULL_ADMIN; root may be locked while truenas_admin remains ...
    let root = admin.ok("user.get_instance", json!([1])).await;
    assert_eq!(root["roles"], json!(["FULL_ADMIN"]));
    let root = update(&mut admin, &root["id"], json!({"locked": true}))
        .await
        .expect("root locked");
    assert_eq!(root["locked"], true);
    // ... but the last unlocked FULL_ADMIN may not be.
    let me = user_by_name(&mut admin, "truenas_admin").await;
    assert_eq!(
        update_invalid(&mut admin, &me["id"], json!({"locked": true})).await,
        one(
            "user_update.locked",
            "After locking this user no local users will have FULL_ADMIN role"
        )
    );
    assert_eq!(admin.ok("user.get_instance", json!([me["id"]])).await["locked"], false);
    // The session is still usable.
    assert_eq!(admin.ok("user.get_instance", json!([1])).await["locked"], true);
}

#[tokio::test]
async fn immutable_accounts_keep_their_identity() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let pool = server.pool();
    let cannot = "This attribute cannot be changed";

    let root = admin.ok("user.get_instance", json!([1])).await;
    assert_eq!(root["immutable"], true);
    assert_eq!(root["builtin"], true);
    for (field, value) in [
        ("username", json!("toor")),
        ("group", json!(staff)),
        ("home_mode", json!("700")),
        ("userns_idmap", json!("DIRECT")),
    ] {
        let items = update_invalid(&mut admin, &root["id"], json!({field: value})).await;
        assert!(
            items.contains(&(json!(format!("user_update.{field}")), cannot.to_string(), 22)),
            "{field}: {items:?}"
        );
    }
    std::fs::create_dir(pool.join("roothome")).expect("mkdir");
    let items = update_invalid(
        &mut admin,
        &root["id"],
        json!({"home": pool.join("roothome").to_str().expect("utf-8")}),
    )
    .await;
    assert_eq!(items, one("user_update.home", cannot));
    let items = update_invalid(&mut admin, &root["id"], json!({"smb": true, "password": "x"})).await;
    assert!(
        items.contains(&(json!("user_update.smb"), cannot.to_string(), 22)),
        "{items:?}"
    );
    // home_mode is refused even unchanged; the other fields only when they change.
    let unchanged = update(
        &mut admin,
        &root["id"],
        json!({"username": "root", "group": root["group"]["id"], "home": "/root", "smb": false,
               "full_name": "Charlie Root"}),
    )
    .await
    .expect("unchanged identity");
    assert_eq!(unchanged["full_name"], "Charlie Root");
    assert_eq!(unchanged["username"], "root");

    let me = user_by_name(&mut admin, "truenas_admin").await;
    assert_eq!(me["immutable"], true);
    assert_eq!(me["builtin"], false);
    assert_eq!(
        update_invalid(&mut admin, &me["id"], json!({"username": "boss"})).await,
        one("user_update.username", cannot)
    );
    assert_eq!(
        update_invalid(&mut admin, &me["id"], json!({"home_mode": "755"})).await,
        one("user_update.home_mode", cannot)
    );
    let renamed = update(&mut admin, &me["id"], json!({"full_name": "Boss"}))
        .await
        .expect("full_name");
    assert_eq!(renamed["full_name"], "Boss");
    assert_eq!(renamed["username"], "truenas_admin");
}

#[tokio::test]
async fn root_stays_only_in_builtin_administrators() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let users_group = group_id(&mut admin, "builtin_users").await;
    assert_eq!(
        update_invalid(&mut admin, &json!(1), json!({"groups": []})).await,
        vec![
            (
                json!("user_update.groups"),
                "The root user must remain a member of the builtin_administrators group.".to_string(),
                22
            ),
            (
                json!("user_update.groups"),
                "The root user may only be a member of the builtin_administrators group.".to_string(),
                22
            ),
        ]
    );
    assert_eq!(
        update_invalid(&mut admin, &json!(1), json!({"groups": [admins, users_group]})).await,
        one(
            "user_update.groups",
            "The root user may only be a member of the builtin_administrators group."
        )
    );
    let root = update(&mut admin, &json!(1), json!({"groups": [admins]}))
        .await
        .expect("same groups");
    assert_eq!(root["groups"], json!([admins]));
}

#[tokio::test]
async fn aux_groups_and_shell_follow_the_new_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let jim = server.create_user(&mut admin, "jim", &[]).await;
    let id = jim["id"].clone();

    assert_eq!(
        update_invalid(&mut admin, &id, json!({"groups": [staff, 9999]})).await,
        one("user_update.groups.1", "This group does not exist.")
    );
    let nogroup = group_id(&mut admin, "nogroup").await;
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"groups": [nogroup]})).await,
        one(
            "user_update.groups.0",
            "nogroup: membership of this builtin group may not be altered."
        )
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"shell": "/usr/bin/cli"})).await,
        one("user_update.shell", "Please select a valid shell.")
    );
    // Joining a privileged group in the same call makes the CLI shell valid.
    let cli = update(&mut admin, &id, json!({"groups": [admins], "shell": "/usr/bin/cli"}))
        .await
        .expect("updated");
    assert_eq!(cli["groups"], json!([admins]));
    assert_eq!(cli["roles"], json!(["FULL_ADMIN"]));
    assert_eq!(cli["shell"], "/usr/bin/cli");
    // Leaving every group in the same call makes it invalid again.
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"groups": [], "shell": "/usr/bin/cli"})).await,
        one("user_update.shell", "Please select a valid shell.")
    );
    let plain = update(&mut admin, &id, json!({"groups": [staff], "shell": "/usr/bin/bash"}))
        .await
        .expect("updated");
    assert_eq!(plain["groups"], json!([staff]));
    assert_eq!(plain["roles"], json!([]));
    let none = update(&mut admin, &id, json!({"groups": []})).await.expect("updated");
    assert_eq!(none["groups"], json!([]));
}

#[tokio::test]
async fn ssh_password_login_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let kim = server.create_user(&mut admin, "kim", &[]).await;
    let id = kim["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"ssh_password_enabled": true})).await,
        one(
            "user_update.ssh_password_enabled",
            "Cannot be enabled without a valid home path and login shell."
        )
    );
    let pool = server.pool();
    let ok = update(
        &mut admin,
        &id,
        json!({"home": pool.to_str().expect("utf-8"), "home_create": true, "ssh_password_enabled": true}),
    )
    .await
    .expect("updated");
    assert_eq!(ok["ssh_password_enabled"], true);
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"shell": "/usr/sbin/nologin"})).await,
        one("user_update.shell", "SSH password login requires a login shell.")
    );
}

#[tokio::test]
async fn home_create_on_update_and_home_mode() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let pool_str = pool.to_str().expect("utf-8");
    let lou = server.create_user(&mut admin, "lou", &[]).await;
    let id = lou["id"].clone();
    assert_eq!(lou["home"], "/var/empty");

    let moved = update(&mut admin, &id, json!({"home": pool_str, "home_create": true}))
        .await
        .expect("updated");
    let home = pool.join("lou");
    assert_eq!(moved["home"], home.to_str().expect("utf-8"));
    let meta = std::fs::metadata(&home).expect("home made");
    assert_eq!(mode(&home), 0o700);
    assert_eq!(i64::from(meta.uid()), lou["uid"].as_i64().expect("uid"));
    assert_eq!(i64::from(meta.gid()), lou["group"]["bsdgrp_gid"].as_i64().expect("gid"));

    // home_mode on an existing home changes its permissions.
    let chmod = update(&mut admin, &id, json!({"home_mode": "755"}))
        .await
        .expect("updated");
    assert_eq!(chmod["home"], home.to_str().expect("utf-8"));
    assert_eq!(mode(&home), 0o755);
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"home_mode": "644"})).await,
        one("user_update.home_mode", "Home directory must be executable by User.")
    );

    // Repeating the same home_create is idempotent.
    std::fs::write(home.join("data"), "keep").expect("write");
    let again = update(
        &mut admin,
        &id,
        json!({"home": pool_str, "home_create": true, "home_mode": "750"}),
    )
    .await
    .expect("updated");
    assert_eq!(again["home"], home.to_str().expect("utf-8"));
    assert_eq!(std::fs::read_to_string(home.join("data")).expect("kept"), "keep");
    assert_eq!(mode(&home), 0o750);

    // Traversal out of the pool is refused and nothing is created outside.
    let items = update_invalid(
        &mut admin,
        &id,
        json!({"home": format!("{pool_str}/../.."), "home_create": true}),
    )
    .await;
    assert_eq!(
        items,
        one("user_update", "The path must reside within a pool mount point")
    );
    assert!(!server.dir.path().join("lou").exists());
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"home": "/etc"})).await,
        one(
            "user_update.home",
            &format!(
                "\"Home Directory\" must begin with {} or set to /var/empty.",
                server.settings.home_root.display()
            )
        )
    );

    // Another user's home is taken.
    let max = server.create_user(&mut admin, "max", &[]).await;
    let items = update_invalid(&mut admin, &max["id"], json!({"home": home.to_str().expect("utf-8")})).await;
    assert_eq!(
        items,
        vec![(
            json!("user_update.home"),
            format!("{}: homedir already used by lou.", home.display()),
            17
        )]
    );

    // Back to /var/empty: the old directory stays.
    let back = update(&mut admin, &id, json!({"home": "/var/empty"}))
        .await
        .expect("updated");
    assert_eq!(back["home"], "/var/empty");
    assert!(home.is_dir());
}

#[tokio::test]
async fn sshpubkey_updates_the_authorized_keys_file() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let key1 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOne one@host";
    let key2 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAITwo two@host";

    let nora = server.create_user(&mut admin, "nora", &[]).await;
    let id = nora["id"].clone();
    // A user without a pool home cannot have keys ...
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"sshpubkey": key1})).await,
        one(
            "user_update.sshpubkey",
            "Home directory is not writable, leave this blank\""
        )
    );
    // ... unless the same call moves the home into a pool.
    let with_key = update(
        &mut admin,
        &id,
        json!({"home": pool.to_str().expect("utf-8"), "home_create": true, "sshpubkey": key1}),
    )
    .await
    .expect("updated");
    assert_eq!(with_key["sshpubkey"], key1);
    let keys = pool.join("nora/.ssh/authorized_keys");
    assert_eq!(std::fs::read_to_string(&keys).expect("keys"), format!("{key1}\n"));
    assert_eq!(mode(&keys), 0o600);
    assert_eq!(mode(&pool.join("nora/.ssh")), 0o700);
    let meta = std::fs::metadata(&keys).expect("meta");
    assert_eq!(i64::from(meta.uid()), nora["uid"].as_i64().expect("uid"));

    let replaced = update(&mut admin, &id, json!({"sshpubkey": format!("{key1}\n{key2}\n")}))
        .await
        .expect("updated");
    assert_eq!(replaced["sshpubkey"], format!("{key1}\n{key2}"));
    assert_eq!(
        std::fs::read_to_string(&keys).expect("keys"),
        format!("{key1}\n{key2}\n")
    );
    assert_eq!(mode(&keys), 0o600);
    // Other updates leave the file alone.
    let same = update(&mut admin, &id, json!({"full_name": "Nora"}))
        .await
        .expect("updated");
    assert_eq!(same["sshpubkey"], format!("{key1}\n{key2}"));

    let removed = update(&mut admin, &id, json!({"sshpubkey": null}))
        .await
        .expect("updated");
    assert_eq!(removed["sshpubkey"], Value::Null);
    assert!(!keys.exists());
    assert_eq!(
        admin.ok("user.get_instance", json!([id])).await["sshpubkey"],
        Value::Null
    );

    // The administrators (uid 0 / 950) may keep keys with a home outside the pools.
    let me = user_by_name(&mut admin, "truenas_admin").await;
    let me = update(&mut admin, &me["id"], json!({"sshpubkey": key2}))
        .await
        .expect("updated");
    assert_eq!(me["sshpubkey"], key2);
    assert_eq!(
        admin.ok("user.get_instance", json!([me["id"]])).await["sshpubkey"],
        key2
    );
    let root = update(&mut admin, &json!(1), json!({"sshpubkey": key1}))
        .await
        .expect("updated");
    assert_eq!(root["sshpubkey"], key1);
    let root = update(&mut admin, &json!(1), json!({"sshpubkey": null}))
        .await
        .expect("updated");
    assert_eq!(root["sshpubkey"], Value::Null);
}

#[tokio::test]
async fn sudo_and_idmap_updates() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let olly = server.create_user(&mut admin, "olly", &[]).await;
    let id = olly["id"].clone();
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"sudo_commands": ["ALL", "/usr/bin/ls"]})).await,
        one("user_update.sudo_commands.0", "ALL cannot be used with other commands")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"sudo_commands": [""]})).await,
        one("user_update.sudo_commands.0", "String should have at least 1 character")
    );
    assert_eq!(
        update_invalid(&mut admin, &id, json!({"sudo_commands_nopasswd": ["relative"]})).await,
        one(
            "user_update.sudo_commands_nopasswd.0",
            "Executable must be an absolute path"
        )
    );
    let sudo = update(&mut admin, &id, json!({"sudo_commands": ["ALL"]}))
        .await
        .expect("updated");
    assert_eq!(sudo["sudo_commands"], json!(["ALL"]));

    let mapped = update(&mut admin, &id, json!({"userns_idmap": 9000}))
        .await
        .expect("updated");
    assert_eq!(mapped["userns_idmap"], 9000);
    // Keeping one's own mapping is not a clash; another user's is.
    update(&mut admin, &id, json!({"userns_idmap": 9000}))
        .await
        .expect("same mapping");
    let pia = server.create_user(&mut admin, "pia", &[]).await;
    assert_eq!(
        update_invalid(&mut admin, &pia["id"], json!({"userns_idmap": 9000})).await,
        one(
            "user_update.userns_idmap",
            "User 'olly' already maps to container UID 9000."
        )
    );
    let cleared = update(&mut admin, &id, json!({"userns_idmap": null}))
        .await
        .expect("updated");
    assert_eq!(cleared["userns_idmap"], Value::Null);
    let pia = update(&mut admin, &pia["id"], json!({"userns_idmap": 9000}))
        .await
        .expect("now free");
    assert_eq!(pia["userns_idmap"], 9000);

    let admins = group_id(&mut admin, "builtin_administrators").await;
    let items = update_invalid(
        &mut admin,
        &pia["id"],
        json!({"groups": [admins], "userns_idmap": "DIRECT"}),
    )
    .await;
    assert_eq!(
        items,
        one(
            "user_update.userns_idmap",
            "User namespace idmaps may not be configured for privileged accounts."
        )
    );
}

#[tokio::test]
async fn admin_can_still_log_in_after_updates() {
    // A broad update of the administrator's own non-identity fields keeps the account usable.
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let me = user_by_name(&mut admin, "truenas_admin").await;
    let updated = update(
        &mut admin,
        &me["id"],
        json!({"full_name": "Admin", "email": "admin@example.com", "shell": "/usr/bin/bash"}),
    )
    .await
    .expect("updated");
    assert_eq!(updated["email"], "admin@example.com");
    let mut c = server.client().await;
    c.login("truenas_admin", ADMIN_PASSWORD).await;
    let missing = c.err("user.update", json!([me["id"], {"group": 12345}])).await;
    assert_invalid(&missing, "user_update.group", "Group 12345 not found");
}

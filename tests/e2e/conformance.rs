//! TrueNAS conformance: group name rules, messages, the rules that keep a password-enabled administrator, logins
//! through privileges without roles, the role catalogue, `core.get_methods` and the password-enabled users of
//! groups, as TrueNAS's source has them.

use accountd_e2e::{
    Client, TestServer, assert_call_error, assert_invalid, assert_not_authenticated, group_id, user_by_name,
    validation_items,
};
use serde_json::{Value, json};

fn items(e: &Value) -> Vec<(String, String)> {
    validation_items(e)
        .into_iter()
        .map(|(attr, msg, _)| (attr.as_str().unwrap_or_default().to_string(), msg))
        .collect()
}

fn has(e: &Value, attr: &str, message: &str) {
    let got = items(e);
    assert!(
        got.iter().any(|(a, m)| a == attr && m == message),
        "expected {attr}: {message} in {got:?}"
    );
}

/// A user in a new group bound to a privilege granting `roles` (possibly none); returns a logged-in client.
async fn member_of_privilege(server: &TestServer, admin: &mut Client, name: &str, roles: &[&str]) -> Client {
    server.user_with_roles(admin, name, roles).await;
    let mut c = server.client().await;
    let r = c.login_ex(name, "pw").await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    c
}

#[tokio::test]
async fn group_names_have_no_length_limit() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let name = "unprivileged_users_fixture_a1b2c3d4";
    assert_eq!(name.len(), 35);
    let id = admin.ok("group.create", json!([{"name": name}])).await;
    let entry = admin.ok("group.get_instance", json!([id])).await;
    assert_eq!(entry["name"], name);
    let obj = admin.ok("group.get_group_obj", json!([{"groupname": name}])).await;
    assert_eq!(obj["gr_gid"], entry["gid"]);
    let longer = format!("{}.9", "g".repeat(98));
    admin.ok("group.update", json!([id, {"name": longer}])).await;
    assert_eq!(admin.ok("group.get_instance", json!([id])).await["name"], longer);
    // The other rules stay: a valid first character and the valid characters.
    let e = admin.err("group.create", json!([{"name": "-staff"}])).await;
    assert_invalid(&e, "group_create.name", "Value error, Cannot start with \"'-'\"");
    let e = admin.err("group.create", json!([{"name": "st aff"}])).await;
    assert!(
        items(&e)[0].1.starts_with("Value error, Valid characters are: 'a, b"),
        "{e}"
    );
    // User names keep utmp's 32-character limit.
    let e = admin
        .err(
            "user.create",
            json!([{"username": name, "full_name": "x", "group_create": true, "password": "pw"}]),
        )
        .await;
    has(
        &e,
        "user_create.username",
        "Value error, Cannot exceed 32 charaters in length",
    );
}

#[tokio::test]
async fn builtin_users_get_no_userns_idmap() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let nobody = user_by_name(&mut admin, "nobody").await;
    let e = admin
        .err("user.update", json!([nobody["id"], {"userns_idmap": "DIRECT"}]))
        .await;
    assert_eq!(
        items(&e),
        [
            (
                "user_update.userns_idmap".to_string(),
                "User namespace idmaps may not be configured for builtin accounts.".to_string()
            ),
            (
                "user_update.userns_idmap".to_string(),
                "This attribute cannot be changed".to_string()
            ),
        ]
    );
    // A privilege may not be granted to a group with an idmap.
    let gid = admin
        .ok("group.create", json!([{"name": "mapped", "userns_idmap": "DIRECT"}]))
        .await;
    let gid = admin.ok("group.get_instance", json!([gid])).await["gid"].clone();
    let e = admin
        .err(
            "privilege.create",
            json!([{"name": "Mapped", "local_groups": [gid], "roles": [], "web_shell": false}]),
        )
        .await;
    assert_invalid(
        &e,
        "privilege_create.local_groups.0",
        "Privileges may not be granted to groups that have a user namespace idmap configured.",
    );
}

#[tokio::test]
async fn ssh_password_login_with_the_empty_home() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    assert_eq!(bob["home"], "/var/empty");
    let e = admin
        .err(
            "user.update",
            json!([bob["id"], {"ssh_password_enabled": true, "home": "/var/empty"}]),
        )
        .await;
    has(&e, "user_update.home", "SSH password login requires a valid home path.");
    has(
        &e,
        "user_update.ssh_password_enabled",
        "Cannot be enabled without a valid home path and login shell.",
    );
    // Without `home` only the second one.
    let e = admin
        .err("user.update", json!([bob["id"], {"ssh_password_enabled": true}]))
        .await;
    assert_eq!(items(&e).len(), 1, "{e}");
}

/// Messages of the rule that keeps one password-enabled local administrator.
fn no_admin_left(action: &str) -> String {
    format!("{action} no password-enabled local user will have built-in privilege 'Local Administrator'.")
}

#[tokio::test]
async fn the_last_password_administrator_keeps_access() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    // Setting up truenas_admin disabled root's password: truenas_admin is the only administrator who can log
    // in with a password.
    let me = user_by_name(&mut admin, "truenas_admin").await;
    let root = user_by_name(&mut admin, "root").await;
    let admins = group_id(&mut admin, "builtin_administrators").await;

    let e = admin
        .err("user.update", json!([me["id"], {"password_disabled": true}]))
        .await;
    assert_invalid(
        &e,
        "user_update.password_disabled",
        &no_admin_left("After disabling password for this user"),
    );
    let e = admin.err("user.update", json!([me["id"], {"locked": true}])).await;
    assert_invalid(&e, "user_update.locked", &no_admin_left("After locking this user"));
    let e = admin.err("user.update", json!([me["id"], {"groups": []}])).await;
    assert_invalid(
        &e,
        "user_update.groups",
        &no_admin_left("After changing the groups of this user"),
    );
    let e = admin
        .err("group.update", json!([admins, {"users": [root["id"]]}]))
        .await;
    assert_invalid(
        &e,
        "group_update.users",
        &no_admin_left("After changing the members of this group"),
    );
    // Nothing changed: still an unlocked member who logs in.
    let now = admin.ok("user.get_instance", json!([me["id"]])).await;
    assert_eq!(now["locked"], false);
    assert_eq!(now["groups"], me["groups"]);
    let members = admin.ok("group.get_instance", json!([admins])).await["users"].clone();
    assert!(members.as_array().expect("users").contains(&me["id"]), "{members}");
    assert_eq!(server.login_type("truenas_admin", "admin-password").await, "SUCCESS");

    // With a second password-enabled administrator, each change is allowed.
    let helen = server.create_user(&mut admin, "helen", &[admins]).await;
    let mut helen_client = server.logged_in("helen", "pw").await;
    helen_client
        .ok("group.update", json!([admins, {"users": [root["id"], helen["id"]]}]))
        .await;
    let now = helen_client.ok("user.get_instance", json!([me["id"]])).await;
    assert!(!now["groups"].as_array().expect("groups").contains(&json!(admins)));
    // helen is the last one now.
    let e = helen_client
        .err("user.update", json!([helen["id"], {"groups": []}]))
        .await;
    assert_invalid(
        &e,
        "user_update.groups",
        &no_admin_left("After changing the groups of this user"),
    );
}

#[tokio::test]
async fn a_privilege_without_roles_admits_its_members() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut carol = member_of_privilege(&server, &mut admin, "carol", &[]).await;
    let me = carol.ok("auth.me", json!([])).await;
    assert_eq!(me["pw_name"], "carol");
    assert_eq!(me["privilege"]["roles"], json!({"$set": []}));
    assert_eq!(me["privilege"]["webui_access"], false);
    // As TrueNAS's `privilege_has_webui_access`: only roles meant for administrators open the web UI.
    let mut writer = member_of_privilege(&server, &mut admin, "writer", &["ACCOUNT_WRITE"]).await;
    assert_eq!(
        writer.ok("auth.me", json!([])).await["privilege"]["webui_access"],
        false
    );
    let mut reader = member_of_privilege(&server, &mut admin, "reader", &["READONLY_ADMIN"]).await;
    assert_eq!(reader.ok("auth.me", json!([])).await["privilege"]["webui_access"], true);
    assert_eq!(carol.ok("core.ping", json!([])).await, "pong");
    assert_call_error(
        &carol.err("core.subscribe", json!(["user.query"])).await,
        "EACCES",
        "Not authorized",
    );
    assert_call_error(&carol.err("user.query", json!([])).await, "EACCES", "Not authorized");
    // A user matched by no privilege at all is still DENIED.
    server.create_user(&mut admin, "dan", &[]).await;
    assert_eq!(server.login_type("dan", "pw").await, "DENIED");
}

#[tokio::test]
async fn the_whole_role_catalogue_is_accepted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let roles = [
        "FILESYSTEM_ATTRS_WRITE",
        "SNAPSHOT_READ",
        "DATASET_READ",
        "CLOUD_SYNC_WRITE",
    ];
    let mut erin = member_of_privilege(&server, &mut admin, "erin", &roles).await;
    // Roles that guard nothing here grant nothing.
    assert_call_error(&erin.err("user.query", json!([])).await, "EACCES", "Not authorized");
    let entry = user_by_name(&mut admin, "erin").await;
    assert_eq!(entry["roles"], json!(roles));
    // Unknown names are still refused.
    let e = admin
        .err(
            "privilege.create",
            json!([{"name": "Bad", "local_groups": [], "roles": ["DATASET_READ", "NO_SUCH_ROLE"],
                    "web_shell": false}]),
        )
        .await;
    assert_invalid(&e, "privilege_create.roles.1", "Invalid role");
    // A catalogue role that includes a guarded one grants it.
    let mut fred = member_of_privilege(&server, &mut admin, "fred", &["REPLICATION_ADMIN", "SHARING_ADMIN"]).await;
    fred.ok("user.query", json!([])).await;
    assert_call_error(
        &fred
            .err(
                "user.create",
                json!([{"username": "x", "full_name": "x", "password": "pw"}]),
            )
            .await,
        "EACCES",
        "Not authorized",
    );

    // privilege.roles lists the catalogue to any session.
    let all = erin.ok("privilege.roles", json!([])).await;
    let all = all.as_array().expect("list");
    assert!(all.len() > 100, "{}", all.len());
    let find = |name: &str| all.iter().find(|r| r["name"] == name).cloned().expect(name);
    assert_eq!(
        find("ACCOUNT_WRITE"),
        json!({"name": "ACCOUNT_WRITE", "title": "ACCOUNT_WRITE", "includes": ["ACCOUNT_READ"], "builtin": true,
               "stig": 1})
    );
    assert_eq!(find("API_KEY_WRITE")["stig"], Value::Null);
    assert_eq!(find("FULL_ADMIN")["includes"], json!([]));
    assert_eq!(find("FULL_ADMIN")["builtin"], false);
    let readonly = find("READONLY_ADMIN")["includes"].clone();
    for name in ["ACCOUNT_READ", "DATASET_READ", "SNAPSHOT_READ", "API_KEY_READ"] {
        assert!(readonly.as_array().expect("includes").contains(&json!(name)), "{name}");
    }
    assert!(!readonly.as_array().expect("includes").contains(&json!("ACCOUNT_WRITE")));
    for r in &roles {
        find(r);
    }
    // Filters and options apply.
    let names = erin
        .ok(
            "privilege.roles",
            json!([[["name", "^", "ACCOUNT_"]], {"select": ["name"]}]),
        )
        .await;
    assert_eq!(names, json!([{"name": "ACCOUNT_READ"}, {"name": "ACCOUNT_WRITE"}]));
    assert_not_authenticated(&server.client().await.err("privilege.roles", json!([])).await);
}

#[tokio::test]
async fn the_twofactor_interval_keeps_the_wider_rule() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "alice", &[]).await;
    for interval in [5, 45] {
        let r = admin
            .ok("user.renew_2fa_secret", json!(["alice", {"interval": interval}]))
            .await;
        assert_eq!(r["twofactor_config"]["interval"], interval);
    }
    let doc = admin.ok("core.get_methods", json!(["user"])).await["user.renew_2fa_secret"]["description"].clone();
    assert!(doc.as_str().expect("doc").contains("only 30 or 60"), "{doc}");
}

#[tokio::test]
async fn core_get_methods_describes_what_the_session_may_call() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let all = admin.ok("core.get_methods", json!([])).await;
    let all = all.as_object().expect("map");
    for name in [
        "core.ping",
        "core.get_methods",
        "user.query",
        "privilege.roles",
        "group.get_password_enabled_users",
        "auth.twofactor.config",
    ] {
        assert!(all.contains_key(name), "{name} missing");
    }
    let update = &all["user.update"];
    assert_eq!(update["item_method"], true);
    assert_eq!(update["filterable"], false);
    assert_eq!(update["no_auth_required"], false);
    assert_eq!(update["require_websocket"], true);
    assert_eq!(update["job"], false);
    assert_eq!(update["roles"], json!(["ACCOUNT_WRITE"]));
    assert_eq!(update["accepts"][0]["_name_"], "id");
    assert_eq!(update["accepts"][1]["_name_"], "user_update");
    assert_eq!(update["accepts"][1]["properties"]["username"]["_required_"], false);
    assert!(!update["accepts"].to_string().contains("$ref"));
    assert_eq!(update["returns"].as_array().map(Vec::len), Some(1));
    let query = &all["user.query"];
    assert_eq!(query["filterable"], true);
    assert_eq!(
        query["roles"],
        json!(["ACCOUNT_READ", "ACCOUNT_WRITE", "READONLY_ADMIN", "SHARING_ADMIN"])
    );
    assert_eq!(all["core.ping"]["no_auth_required"], true);
    assert!(
        all["group.create"]["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Creates a group"))
    );

    // One service.
    let groups = admin.ok("core.get_methods", json!(["auth.twofactor", "CLI"])).await;
    let mut names: Vec<&String> = groups.as_object().expect("map").keys().collect();
    names.sort();
    assert_eq!(names, ["auth.twofactor.config", "auth.twofactor.update"]);
    let e = admin.err("core.get_methods", json!([null, "SOAP"])).await;
    assert_eq!(validation_items(&e)[0].0, "target");

    // A read-only administrator sees what it may call.
    let mut reader = member_of_privilege(&server, &mut admin, "reader", &["READONLY_ADMIN"]).await;
    let seen = reader.ok("core.get_methods", json!(["user"])).await;
    let seen = seen.as_object().expect("map");
    assert!(seen.contains_key("user.query") && seen.contains_key("user.set_password"));
    assert!(!seen.contains_key("user.create") && !seen.contains_key("user.delete"));
    assert_not_authenticated(&server.client().await.err("core.get_methods", json!([])).await);
}

#[tokio::test]
async fn password_enabled_users_of_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let me = user_by_name(&mut admin, "truenas_admin").await;
    let names = |users: &Value| -> Vec<String> {
        users
            .as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().expect("username").to_string())
            .collect()
    };
    // root is in builtin_administrators (gid 544) but its password is disabled.
    let found = admin.ok("group.get_password_enabled_users", json!([[544], []])).await;
    assert_eq!(names(&found), ["truenas_admin"]);
    assert_eq!(found[0]["id"], me["id"]);
    assert!(
        found[0]["unixhash"]
            .as_str()
            .is_some_and(|h| h.starts_with("$argon2id$")),
        "{found}"
    );
    let none = admin
        .ok("group.get_password_enabled_users", json!([[544], [me["id"]]]))
        .await;
    assert_eq!(none, json!([]));
    assert_eq!(
        admin
            .ok("group.has_password_enabled_user", json!([[544], [me["id"]]]))
            .await,
        false
    );
    assert_eq!(admin.ok("group.has_password_enabled_user", json!([[544]])).await, true);

    // Primary members count; locked and password-disabled members do not.
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let staff_gid = admin.ok("group.get_instance", json!([staff])).await["gid"].clone();
    let gil = server
        .create_user(&mut admin, "gil", &[staff.as_i64().expect("id")])
        .await;
    let hal = server.create_user(&mut admin, "hal", &[]).await;
    admin.ok("user.update", json!([hal["id"], {"group": staff}])).await;
    let ivy = server
        .create_user(&mut admin, "ivy", &[staff.as_i64().expect("id")])
        .await;
    admin.ok("user.update", json!([ivy["id"], {"locked": true}])).await;
    let found = admin
        .ok("group.get_password_enabled_users", json!([[staff_gid], []]))
        .await;
    let mut got = names(&found);
    got.sort();
    assert_eq!(got, ["gil", "hal"]);
    // `groups` maps the gids instead of the database: a gid no given group has finds nothing.
    let given = admin
        .ok(
            "group.get_password_enabled_users",
            json!([[staff_gid], [gil["id"]], [{"id": staff, "gid": staff_gid}]]),
        )
        .await;
    assert_eq!(names(&given), ["hal"]);
    let elsewhere = admin
        .ok(
            "group.get_password_enabled_users",
            json!([[staff_gid], [], [{"id": staff, "gid": 12345}]]),
        )
        .await;
    assert_eq!(elsewhere, json!([]));

    // Private on TrueNAS: FULL_ADMIN only; the boolean needs ACCOUNT_READ.
    let mut reader = member_of_privilege(&server, &mut admin, "reader", &["READONLY_ADMIN"]).await;
    assert_call_error(
        &reader.err("group.get_password_enabled_users", json!([[544], []])).await,
        "EACCES",
        "Not authorized",
    );
    assert_eq!(reader.ok("group.has_password_enabled_user", json!([[544]])).await, true);
}

#[tokio::test]
async fn get_user_obj_knows_the_container_root() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let expected = json!({"pw_name": "truenas_container_unpriv_root", "pw_gecos": "Unprivileged root user for containers",
                          "pw_dir": "/var/empty", "pw_shell": "/usr/sbin/nologin", "pw_uid": 2147000001u32,
                          "pw_gid": 2147000001u32, "grouplist": null, "sid": null, "source": "LOCAL", "local": true});
    for query in [
        json!({"username": "truenas_container_unpriv_root"}),
        json!({"uid": 2147000001u32, "get_groups": true, "sid_info": true}),
    ] {
        assert_eq!(admin.ok("user.get_user_obj", json!([query])).await, expected);
    }
}

#[tokio::test]
async fn builtin_accounts_are_truenas_s() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let news = user_by_name(&mut admin, "news").await;
    assert_eq!(
        (
            &news["uid"],
            &news["home"],
            &news["shell"],
            &news["full_name"],
            &news["builtin"],
            &news["immutable"],
            &news["smb"],
            &news["group"]["bsdgrp_gid"],
            &news["unixhash"],
        ),
        (
            &json!(9),
            &json!("/var/spool/news"),
            &json!("/usr/sbin/nologin"),
            &json!("news"),
            &json!(true),
            &json!(true),
            &json!(false),
            &json!(9),
            &json!("*")
        )
    );
    assert_eq!(server.login_type("news", "*").await, "AUTH_ERR");
    let apps = user_by_name(&mut admin, "apps").await;
    assert_eq!((&apps["uid"], &apps["userns_idmap"]), (&json!(568), &json!("DIRECT")));
    assert_eq!(apps["full_name"], "Unprivileged Apps User");
    // Builtin accounts keep their identity (TrueNAS's own checks).
    let e = admin
        .err("user.update", json!([apps["id"], {"userns_idmap": null}]))
        .await;
    assert_eq!(items(&e)[0].1, "This attribute cannot be changed");
    let apps_group = group_id(&mut admin, "apps").await;
    let e = admin
        .err("group.update", json!([apps_group, {"userns_idmap": null}]))
        .await;
    assert_eq!(
        items(&e)[0].1,
        "User namespace idmaps may not be configured for builtin accounts."
    );
    assert_call_error(
        &admin.err("user.delete", json!([news["id"]])).await,
        "EINVAL",
        "Cannot delete a built-in user",
    );
    let operator = group_id(&mut admin, "operator").await;
    assert_call_error(
        &admin.err("group.delete", json!([operator])).await,
        "EACCES",
        "A built-in group cannot be deleted.",
    );
    let e = admin.err("group.create", json!([{"name": "operator"}])).await;
    has(
        &e,
        "group_create.name",
        "A Group with the name \"operator\" already exists.",
    );
    // Only the builtin groups TrueNAS lets change take members.
    let e = admin
        .err(
            "user.create",
            json!([{"username": "ivan", "full_name": "Ivan", "group_create": true, "password": "pw",
                    "groups": [operator]}]),
        )
        .await;
    has(
        &e,
        "user_create.groups.0",
        "operator: membership of this builtin group may not be altered.",
    );
    let ftp = group_id(&mut admin, "ftp").await;
    let ivan = admin
        .ok(
            "user.create",
            json!([{"username": "ivan", "full_name": "Ivan", "group_create": true, "password": "pw",
                    "groups": [ftp, apps_group]}]),
        )
        .await;
    let groups = ivan["groups"].as_array().expect("groups");
    assert!(
        groups.contains(&json!(ftp)) && groups.contains(&json!(apps_group)),
        "{groups:?}"
    );
    // The groups /etc/group lists members of have them.
    let adm = admin
        .ok("group.query", json!([[["name", "=", "adm"]], {"get": true}]))
        .await;
    let netdata = user_by_name(&mut admin, "netdata").await;
    assert_eq!(adm["users"], json!([netdata["id"]]));
}

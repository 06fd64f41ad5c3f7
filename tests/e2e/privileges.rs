//! Privileges: `privilege.*`, how they grant roles to live sessions, the builtin privileges' rules, the rule
//! that keeps an unlocked FULL_ADMIN user, and their change events.

use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, user_id, validation_items};
use serde_json::{Value, json};

async fn group(admin: &mut Client, name: &str) -> Value {
    let id = admin.ok("group.create", json!([{"name": name}])).await;
    admin.ok("group.get_instance", json!([id])).await
}

/// Locks a user in the database file with the server stopped, as an older version may have left it, and
/// starts the server again.
async fn lock_behind_the_server(server: &mut TestServer, id: &i64) {
    if let Some(running) = server.running.take() {
        running.shutdown().await.expect("clean shutdown");
    }
    let db = accountd_store::Connection::open(server.dir.path().join("accountd.db")).expect("open");
    let changed = db
        .execute("UPDATE users SET locked = 1 WHERE id = ?1", [id])
        .expect("update");
    assert_eq!(changed, 1);
    drop(db);
    server.restart().await;
}

#[tokio::test]
async fn builtin_privileges_show_their_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let all = admin.ok("privilege.query", json!([])).await;
    let summary: Vec<Value> = all
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            json!([
                p["id"],
                p["builtin_name"],
                p["name"],
                p["roles"],
                p["web_shell"],
                p["local_groups"]
                    .as_array()
                    .expect("groups")
                    .iter()
                    .map(|g| g["gid"].clone())
                    .collect::<Vec<_>>(),
                p["ds_groups"],
                p["allowlist"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([
                1,
                "LOCAL_ADMINISTRATOR",
                "Local Administrator",
                ["FULL_ADMIN"],
                true,
                [544],
                [],
                []
            ]),
            json!([
                2,
                "READONLY_ADMINISTRATOR",
                "Read-Only Administrator",
                ["READONLY_ADMIN"],
                false,
                [951],
                [],
                []
            ]),
            json!([
                3,
                "SHARING_ADMINISTRATOR",
                "Sharing Administrator",
                ["SHARING_ADMIN"],
                false,
                [952],
                [],
                []
            ]),
            json!([4, "DEFAULT", "Default", [], false, [], [], []]),
            json!([
                5,
                "TENANT_ADMINISTRATOR",
                "Tenant Administrator",
                ["ACCOUNT_WRITE", "API_KEY_WRITE", "PRIVILEGE_WRITE", "TENANT_READ"],
                false,
                [],
                [],
                []
            ]),
            json!([
                6,
                "TENANT_READONLY",
                "Tenant Read-Only",
                ["ACCOUNT_READ", "API_KEY_READ"],
                false,
                [],
                [],
                []
            ]),
        ]
    );
    assert!(all.as_array().expect("list").iter().all(|p| p["tenant"].is_null()));
    // local_groups are whole group entries, as group.query shows them.
    let admins = admin.ok("group.get_instance", json!([2])).await;
    assert_eq!(all[0]["local_groups"], json!([admins]));
    assert_eq!(admin.ok("privilege.get_instance", json!([1])).await, all[0]);
    let found = admin
        .ok(
            "privilege.query",
            json!([[["local_groups.*.name", "=", "builtin_administrators"]], {"select": ["id"]}]),
        )
        .await;
    assert_eq!(found, json!([{"id": 1}]));
    let e = admin.err("privilege.get_instance", json!([99])).await;
    assert_eq!(
        validation_items(&e),
        [(Value::Null, "Privilege 99 does not exist".to_string(), 2)]
    );
    let e = admin.err("privilege.update", json!([99, {"web_shell": false}])).await;
    assert_eq!(
        validation_items(&e),
        [(Value::Null, "Privilege 99 does not exist".to_string(), 2)]
    );
    let e = admin.err("privilege.delete", json!([99])).await;
    assert_eq!(
        validation_items(&e),
        [(Value::Null, "Privilege 99 does not exist".to_string(), 2)]
    );
}

#[tokio::test]
async fn privileges_grant_roles_to_live_sessions() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = group(&mut admin, "ops").await;
    let dave = server
        .create_user(&mut admin, "dave", &[ops["id"].as_i64().expect("id")])
        .await;
    let mut denied = server.client().await;
    let r = denied
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "dave", "password": "pw"}]),
        )
        .await;
    assert_eq!(r["response_type"], "DENIED");

    let created = admin
        .ok(
            "privilege.create",
            json!([{"name": "Operators", "local_groups": [ops["gid"]], "roles": ["ACCOUNT_READ"], "web_shell": false}]),
        )
        .await;
    let ops_now = admin.ok("group.get_instance", json!([ops["id"]])).await;
    assert_eq!(ops_now["roles"], json!(["ACCOUNT_READ"]));
    assert_eq!(
        created,
        json!({"id": 7, "builtin_name": null, "name": "Operators", "local_groups": [ops_now], "ds_groups": [],
               "allowlist": [], "roles": ["ACCOUNT_READ"], "web_shell": false, "description": null,
               "tenant": null})
    );
    assert_eq!(
        admin.ok("user.get_instance", json!([dave["id"]])).await["roles"],
        json!(["ACCOUNT_READ"])
    );

    let mut d = server.logged_in("dave", "pw").await;
    assert_eq!(
        d.ok("auth.me", json!([])).await["privilege"]["roles"],
        json!({"$set": ["ACCOUNT_READ"]})
    );
    d.ok("user.query", json!([])).await;
    let e = d.err("group.create", json!([{"name": "x"}])).await;
    assert_call_error(&e, "EACCES", "Not authorized");

    // A change applies at the session's next call, without logging in again.
    let updated = admin
        .ok(
            "privilege.update",
            json!([created["id"], {"roles": ["ACCOUNT_WRITE"], "web_shell": true}]),
        )
        .await;
    assert_eq!(
        (&updated["roles"], &updated["web_shell"]),
        (&json!(["ACCOUNT_WRITE"]), &json!(true))
    );
    d.ok("group.create", json!([{"name": "x"}])).await;
    let me = d.ok("auth.me", json!([])).await;
    assert_eq!(me["privilege"]["roles"], json!({"$set": ["ACCOUNT_WRITE"]}));
    assert_eq!(me["privilege"]["web_shell"], true);

    // Unbinding the group takes the roles away at once.
    admin
        .ok("privilege.update", json!([created["id"], {"local_groups": []}]))
        .await;
    assert_call_error(&d.err("user.query", json!([])).await, "EACCES", "Not authorized");
    admin
        .ok(
            "privilege.update",
            json!([created["id"], {"local_groups": [ops["gid"]]}]),
        )
        .await;
    d.ok("user.query", json!([])).await;
    assert_eq!(admin.ok("privilege.delete", json!([created["id"]])).await, json!(true));
    assert_call_error(&d.err("user.query", json!([])).await, "EACCES", "Not authorized");
    assert_eq!(
        admin.ok("group.get_instance", json!([ops["id"]])).await["roles"],
        json!([])
    );
    let e = admin.err("privilege.get_instance", json!([created["id"]])).await;
    assert_eq!(validation_items(&e)[0].1, "Privilege 7 does not exist");
}

#[tokio::test]
async fn create_validation() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = group(&mut admin, "ops").await;
    let gid = ops["gid"].clone();
    let missing = "4242: local group does not exist. This error may be addressed by either re-creating the missing \
                   group with the specified group id or removing this entry from the privilege.";
    let cases = [
        (
            json!({"name": "Local Administrator", "web_shell": false}),
            "privilege_create.name",
            "Object with this name already exists",
        ),
        (
            json!({"name": "p", "local_groups": [gid, 4242], "web_shell": false}),
            "privilege_create.local_groups.1",
            missing,
        ),
        (
            json!({"name": "p", "roles": ["ACCOUNT_READ", "NO_SUCH_ROLE"], "web_shell": false}),
            "privilege_create.roles.1",
            "Invalid role",
        ),
        (
            json!({"name": "p", "ds_groups": [5000], "web_shell": false}),
            "privilege_create.ds_groups.0",
            "5000: directory service group does not exist. If the directory service state is healthy, then this \
          error may be addressed by removing this entry from the privilege.",
        ),
        (json!({"name": "p"}), "privilege_create.web_shell", "Field required"),
        (
            json!({"name": "", "web_shell": false}),
            "privilege_create.name",
            "String should have at least 1 character",
        ),
        (
            json!({"name": "p", "web_shell": false, "allowlist": []}),
            "privilege_create.allowlist",
            "Extra inputs are not permitted",
        ),
        (
            json!({"name": "p", "web_shell": false, "builtin_name": "X"}),
            "privilege_create.builtin_name",
            "Extra inputs are not permitted",
        ),
        (
            json!({"name": "p", "local_groups": ["544"], "web_shell": false}),
            "privilege_create.local_groups.0",
            "Input should be a valid integer",
        ),
    ];
    for (data, attribute, message) in cases {
        let e = admin.err("privilege.create", json!([data])).await;
        assert_invalid(&e, attribute, message);
    }
    let e = admin
        .err(
            "privilege.create",
            json!([{"name": "Local Administrator", "local_groups": [4242], "roles": ["X"], "web_shell": false}]),
        )
        .await;
    assert_eq!(validation_items(&e).len(), 3, "every problem is reported: {e}");
    assert_eq!(
        admin.ok("privilege.query", json!([[], {"count": true}])).await,
        json!(6)
    );

    let p = admin
        .ok(
            "privilege.create",
            json!([{"name": "p", "local_groups": [gid, gid], "web_shell": false}]),
        )
        .await;
    assert_eq!(p["local_groups"].as_array().map(Vec::len), Some(1));
    assert_eq!(p["roles"], json!([]));
    let e = admin
        .err(
            "privilege.update",
            json!([p["id"], {"name": "Read-Only Administrator"}]),
        )
        .await;
    assert_invalid(&e, "privilege_update.name", "Object with this name already exists");
    let renamed = admin.ok("privilege.update", json!([p["id"], {"name": "q"}])).await;
    assert_eq!(
        (&renamed["name"], &renamed["local_groups"][0]["gid"]),
        (&json!("q"), &gid)
    );
}

#[tokio::test]
async fn builtin_privileges_keep_their_rules() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    let read_only = "This field is read-only for built-in privileges";
    let e = admin.err("privilege.update", json!([1, {"name": "Admins"}])).await;
    assert_eq!(
        validation_items(&e),
        [(json!("privilege_update.name"), read_only.to_string(), 22)]
    );
    let e = admin
        .err(
            "privilege.update",
            json!([2, {"roles": ["READONLY_ADMIN", "ACCOUNT_WRITE"]}]),
        )
        .await;
    assert_eq!(
        validation_items(&e),
        [(json!("privilege_update.roles"), read_only.to_string(), 22)]
    );
    let e = admin.err("privilege.update", json!([1, {"local_groups": [951]}])).await;
    assert_invalid(
        &e,
        "privilege_update.local_groups",
        "The group builtin_administrators must be among grantees of the \"Local Administrator\" privilege.",
    );
    let e = admin.err("privilege.update", json!([2, {"web_shell": true}])).await;
    assert_eq!(
        validation_items(&e),
        [(
            json!("privilege_update.web_shell"),
            "Web shell access may not be enabled for the built-in group for read-only administrators.".to_string(),
            22
        )]
    );
    for id in [1, 2, 3] {
        let e = admin.err("privilege.delete", json!([id])).await;
        assert_call_error(&e, "EPERM", "Unable to delete built-in privilege");
    }
    // Unchanged name and roles may be sent back; other fields change.
    let ops = group(&mut admin, "ops").await;
    let p = admin
        .ok(
            "privilege.update",
            json!([3, {"name": "Sharing Administrator", "roles": ["SHARING_ADMIN"],
                                           "local_groups": [952, ops["gid"]], "web_shell": true}]),
        )
        .await;
    assert_eq!(p["local_groups"].as_array().map(Vec::len), Some(2));
    assert_eq!(p["web_shell"], true);
    assert_eq!(
        admin
            .ok("privilege.update", json!([1, {"local_groups": [544, ops["gid"]]}]))
            .await["id"],
        1
    );

    // The Local Administrator privilege must keep a member who can log in with a password. eve administers
    // through an API key (her password is disabled) and locks truenas_admin: no member has a usable password.
    admin
        .ok(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password_disabled": true, "smb": false,
                    "groups": [2]}]),
        )
        .await;
    let key = admin
        .ok("api_key.create", json!([{"name": "eve", "username": "eve"}]))
        .await["key"]
        .clone();
    let mut eve = server.client().await;
    let r = eve
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "eve", "api_key": key}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    let admin_id = user_id(&mut eve, "truenas_admin").await;
    // truenas_admin is the last member who can log in with a password: locking them is refused...
    let e = eve.err("user.update", json!([admin_id, {"locked": true}])).await;
    assert_invalid(
        &e,
        "user_update.locked",
        "After locking this user no password-enabled local user will have built-in privilege 'Local Administrator'.",
    );
    // ...but a database from before that rule may hold them locked.
    lock_behind_the_server(&mut server, &admin_id).await;
    let mut eve = server.client().await;
    let r = eve
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "eve", "api_key": key}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    let e = eve.err("privilege.update", json!([1, {"web_shell": false}])).await;
    assert_eq!(
        validation_items(&e),
        [(
            json!("privilege_update.local_groups"),
            "None of the members of these groups has password login enabled. At least one grantee of the \
             \"Local Administrator\" privilege must have password login enabled."
                .to_string(),
            22
        )]
    );
    eve.ok("user.update", json!([admin_id, {"locked": false}])).await;
    eve.ok("privilege.update", json!([1, {"web_shell": false}])).await;
}

#[tokio::test]
async fn the_last_unlocked_full_admin_is_kept() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = group(&mut admin, "ops").await;
    let frank = server
        .create_user(&mut admin, "frank", &[ops["id"].as_i64().expect("id")])
        .await;
    let p = admin
        .ok(
            "privilege.create",
            json!([{"name": "Superusers", "local_groups": [ops["gid"]], "roles": ["FULL_ADMIN"], "web_shell": false}]),
        )
        .await;
    let mut f = server.logged_in("frank", "pw").await;
    // root and truenas_admin (builtin_administrators) get locked: frank, through his own privilege, is the
    // last unlocked FULL_ADMIN user.
    let admin_id = user_id(&mut f, "truenas_admin").await;
    f.ok("user.update", json!([1, {"locked": true}])).await;
    // truenas_admin, the last administrator with a password, cannot be locked through the API; a database from
    // before that rule may hold them locked.
    f.err("user.update", json!([admin_id, {"locked": true}])).await;
    lock_behind_the_server(&mut server, &admin_id).await;
    let mut f = server.logged_in("frank", "pw").await;
    let e = f.err("user.update", json!([frank["id"], {"locked": true}])).await;
    assert_invalid(
        &e,
        "user_update.locked",
        "After locking this user no local users will have FULL_ADMIN role",
    );

    let message = "After this change no local users will have FULL_ADMIN role";
    let e = f
        .err("privilege.update", json!([p["id"], {"roles": ["READONLY_ADMIN"]}]))
        .await;
    assert_eq!(
        validation_items(&e),
        [(json!("privilege_update.roles"), message.to_string(), 22)]
    );
    let e = f.err("privilege.update", json!([p["id"], {"local_groups": []}])).await;
    assert_eq!(
        validation_items(&e),
        [(json!("privilege_update.local_groups"), message.to_string(), 22)]
    );
    assert_call_error(&f.err("privilege.delete", json!([p["id"]])).await, "EACCES", message);
    // Changes that keep FULL_ADMIN are fine.
    f.ok(
        "privilege.update",
        json!([p["id"], {"roles": ["FULL_ADMIN", "ACCOUNT_READ"], "web_shell": true}]),
    )
    .await;

    // With another unlocked administrator, the privilege may go.
    f.ok("user.update", json!([admin_id, {"locked": false}])).await;
    assert_eq!(f.ok("privilege.delete", json!([p["id"]])).await, json!(true));
}

#[tokio::test]
async fn who_may_read_and_write_privileges() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    for (name, roles) in [("ro", &["READONLY_ADMIN"][..]), ("acct", &["ACCOUNT_WRITE"][..])] {
        server.user_with_roles(&mut admin, name, roles).await;
    }
    let mut ro = server.logged_in("ro", "pw").await;
    assert_eq!(ro.ok("privilege.query", json!([[], {"count": true}])).await, json!(8));
    ro.ok("privilege.get_instance", json!([1])).await;
    ro.ok("core.subscribe", json!(["privilege.query"])).await;
    for (method, params) in [
        ("privilege.create", json!([{"name": "p", "web_shell": false}])),
        ("privilege.update", json!([2, {"web_shell": false}])),
        ("privilege.delete", json!([7])),
    ] {
        assert_call_error(&ro.err(method, params).await, "EACCES", "Not authorized");
    }
    let mut acct = server.logged_in("acct", "pw").await;
    assert_call_error(
        &acct.err("privilege.query", json!([])).await,
        "EACCES",
        "Not authorized",
    );
    assert_call_error(
        &acct.err("core.subscribe", json!(["privilege.query"])).await,
        "EACCES",
        "Not authorized",
    );
}

#[tokio::test]
async fn changes_are_published_with_the_groups_and_users_they_touch() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = group(&mut admin, "ops").await;
    let gina = server
        .create_user(&mut admin, "gina", &[ops["id"].as_i64().expect("id")])
        .await;
    let mut watcher = server.admin().await;
    watcher.ok("core.subscribe", json!(["*"])).await;

    let created = admin
        .ok(
            "privilege.create",
            json!([{"name": "Readers", "local_groups": [ops["gid"]], "roles": ["ACCOUNT_READ"], "web_shell": false}]),
        )
        .await;
    let id = created["id"].clone();
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(watcher.next_notification().await["params"].clone());
    }
    let by_collection = |c: &str| got.iter().find(|n| n["collection"] == c).cloned().expect(c);
    assert_eq!(
        by_collection("privilege.query"),
        json!({"msg": "added", "collection": "privilege.query", "id": id, "fields": created})
    );
    let g = by_collection("group.query");
    assert_eq!(
        (&g["msg"], &g["id"], &g["fields"]["roles"]),
        (&json!("changed"), &ops["id"], &json!(["ACCOUNT_READ"]))
    );
    let u = by_collection("user.query");
    assert_eq!(
        (&u["msg"], &u["id"], &u["fields"]["roles"]),
        (&json!("changed"), &gina["id"], &json!(["ACCOUNT_READ"]))
    );

    admin.ok("privilege.delete", json!([id])).await;
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(watcher.next_notification().await["params"].clone());
    }
    assert!(
        got.contains(&json!({"msg": "removed", "collection": "privilege.query", "id": id})),
        "{got:?}"
    );
    let u = got
        .iter()
        .find(|n| n["collection"] == "user.query")
        .expect("user event");
    assert_eq!(u["fields"]["roles"], json!([]));
}

#[tokio::test]
async fn a_group_bound_to_a_privilege_cannot_be_deleted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ops = group(&mut admin, "ops").await;
    let created = admin
        .ok(
            "privilege.create",
            json!([{"name": "Readers", "local_groups": [ops["gid"]], "roles": ["ACCOUNT_READ"], "web_shell": false}]),
        )
        .await;
    let e = admin.err("group.delete", json!([ops["id"]])).await;
    assert_call_error(
        &e,
        "EACCES",
        "This group is used by privilege 'Readers'. Please remove it from that privilege first, then delete the \
         group.",
    );
    // Nothing changed: the group and the binding stay.
    admin.ok("group.get_instance", json!([ops["id"]])).await;
    let now = admin.ok("privilege.get_instance", json!([created["id"]])).await;
    assert_eq!(now["local_groups"][0]["id"], ops["id"]);
    // Unbound, it goes.
    admin
        .ok("privilege.update", json!([created["id"], {"local_groups": []}]))
        .await;
    assert_eq!(admin.ok("group.delete", json!([ops["id"]])).await, ops["id"]);
}

#[tokio::test]
async fn deleting_a_user_keeps_a_primary_group_bound_to_a_privilege() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let group_id = bob["group"]["id"].clone();
    admin
        .ok(
            "privilege.create",
            json!([{"name": "Bob's", "local_groups": [bob["group"]["bsdgrp_gid"]], "roles": [], "web_shell": false}]),
        )
        .await;
    admin
        .ok("user.delete", json!([bob["id"], {"delete_group": true}]))
        .await;
    let kept = admin.ok("group.get_instance", json!([group_id])).await;
    assert_eq!(kept["name"], "bob");
    let e = admin.err("group.delete", json!([group_id])).await;
    assert_call_error(
        &e,
        "EACCES",
        "This group is used by privilege \"Bob's\". Please remove it from that privilege first, then delete the \
         group.",
    );
}

//! Tenants and per-tenant roles (`tenants-and-roles.md`): the builtin privileges, the Default privilege,
//! `tenant.*`.

use accountd_e2e::{TestServer, assert_call_error, assert_invalid, validation_items};
use serde_json::json;

/// Id of the builtin Default privilege.
const DEFAULT: i64 = 4;

#[tokio::test]
async fn the_default_privilege_lets_every_user_in_once_it_carries_a_role() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "carol", &[]).await;
    // Seeded with no roles: a user matched by no privilege cannot log in (TrueNAS's rule stays).
    assert_eq!(server.login_type("carol", "pw").await, "DENIED");
    let default = admin.ok("privilege.get_instance", json!([DEFAULT])).await;
    assert_eq!(
        (&default["builtin_name"], &default["roles"], &default["local_groups"]),
        (&json!("DEFAULT"), &json!([]), &json!([]))
    );
    // Its roles are editable; its groups are not; it cannot be deleted.
    let updated = admin
        .ok("privilege.update", json!([DEFAULT, {"roles": ["ACCOUNT_READ"]}]))
        .await;
    assert_eq!(updated["roles"], json!(["ACCOUNT_READ"]));
    let e = admin
        .err("privilege.update", json!([DEFAULT, {"local_groups": [545]}]))
        .await;
    assert_invalid(
        &e,
        "privilege_update.local_groups",
        "This field is read-only for built-in privileges",
    );
    let e = admin
        .err("privilege.update", json!([DEFAULT, {"name": "Everyone"}]))
        .await;
    assert_invalid(
        &e,
        "privilege_update.name",
        "This field is read-only for built-in privileges",
    );
    assert_call_error(
        &admin.err("privilege.delete", json!([DEFAULT])).await,
        "EPERM",
        "Unable to delete built-in privilege",
    );
    // Now every user logs in and holds the role.
    let mut carol = server.logged_in("carol", "pw").await;
    let me = carol.ok("auth.me", json!([])).await;
    assert_eq!(me["privilege"]["roles"]["$set"], json!(["ACCOUNT_READ"]), "{me}");
    carol.ok("user.query", json!([[["username", "=", "carol"]]])).await;
    let entry = admin
        .ok("user.query", json!([[["username", "=", "carol"]], {"get": true}]))
        .await;
    assert_eq!(entry["roles"], json!(["ACCOUNT_READ"]));
    assert_call_error(
        &carol.err("user.delete", json!([entry["id"]])).await,
        "EACCES",
        "Not authorized",
    );
    // Taking the role away applies at the next call.
    admin.ok("privilege.update", json!([DEFAULT, {"roles": []}])).await;
    assert_call_error(&carol.err("user.query", json!([])).await, "EACCES", "Not authorized");
}

#[tokio::test]
async fn privileges_carry_a_description_and_an_owner_tenant() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let p = admin
        .ok(
            "privilege.create",
            json!([{"name": "Helpdesk", "roles": ["ACCOUNT_READ"], "web_shell": false,
                    "description": "First line", "tenant": 1}]),
        )
        .await;
    assert_eq!((&p["description"], &p["tenant"]), (&json!("First line"), &json!(1)));
    let e = admin
        .err(
            "privilege.create",
            json!([{"name": "Ghost", "web_shell": false, "tenant": 99}]),
        )
        .await;
    assert_invalid(&e, "privilege_create.tenant", "Tenant 99 does not exist");
    let e = admin
        .err(
            "privilege.create",
            json!([{"name": "Bound", "web_shell": false, "tenant": 1, "local_groups": [545]}]),
        )
        .await;
    assert_invalid(
        &e,
        "privilege_create.local_groups",
        "A privilege owned by a tenant is granted through access entries only",
    );
    let p = admin
        .ok(
            "privilege.update",
            json!([p["id"], {"description": null, "tenant": null}]),
        )
        .await;
    assert_eq!((&p["description"], &p["tenant"]), (&json!(null), &json!(null)));
    let e = admin.err("privilege.update", json!([5, {"tenant": 1}])).await;
    assert_invalid(
        &e,
        "privilege_update.tenant",
        "This field is read-only for built-in privileges",
    );
}

#[tokio::test]
async fn the_role_catalogue_lists_the_tenant_roles() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let roles = admin.ok("privilege.roles", json!([[["name", "^", "TENANT_"]]])).await;
    let summary: Vec<_> = roles
        .as_array()
        .expect("list")
        .iter()
        .map(|r| (r["name"].clone(), r["includes"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("TENANT_READ"), json!([])),
            (json!("TENANT_WRITE"), json!(["TENANT_READ"]))
        ]
    );
    let readonly = admin
        .ok(
            "privilege.roles",
            json!([[["name", "=", "READONLY_ADMIN"]], {"get": true}]),
        )
        .await;
    assert!(
        readonly["includes"]
            .as_array()
            .expect("includes")
            .contains(&json!("TENANT_READ"))
    );
}

#[tokio::test]
async fn tenants_are_created_updated_and_validated() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(
        admin.ok("tenant.query", json!([])).await,
        json!([{"id": 1, "name": "admin", "description": null, "attrs": [], "builtin": true}])
    );
    let acme = admin
        .ok(
            "tenant.create",
            json!([{"name": "Acme", "description": "Acme Corp.", "attrs": [{"key": "region", "value": "eu"}]}]),
        )
        .await;
    assert_eq!(
        acme,
        json!({"id": 2, "name": "Acme", "description": "Acme Corp.", "attrs": [{"key": "region", "value": "eu"}],
               "builtin": false})
    );
    assert_eq!(admin.ok("tenant.get_instance", json!([2])).await, acme);
    let e = admin.err("tenant.get_instance", json!([9])).await;
    assert_eq!(validation_items(&e)[0].1, "Tenant 9 does not exist");
    // Unique case-insensitively (EEXIST), 1-64 characters, "*" reserved, attribute keys unique.
    let cases = [
        (
            json!({"name": "ACME"}),
            "tenant_create.name",
            "The tenant \"ACME\" already exists.",
            17,
        ),
        (
            json!({"name": "ADMIN"}),
            "tenant_create.name",
            "The tenant \"ADMIN\" already exists.",
            17,
        ),
        (
            json!({"name": ""}),
            "tenant_create.name",
            "String should have at least 1 character",
            22,
        ),
        (
            json!({"name": "x".repeat(65)}),
            "tenant_create.name",
            "String should have at most 64 characters",
            22,
        ),
        (
            json!({"name": "*"}),
            "tenant_create.name",
            "The name \"*\" is reserved for the all-tenants view",
            22,
        ),
        (
            json!({"name": "Dup", "attrs": [{"key": "a", "value": "1"}, {"key": "a", "value": "2"}]}),
            "tenant_create.attrs.1.key",
            "Duplicate attribute \"a\"",
            17,
        ),
        (
            json!({"name": "Bad", "owner": 1}),
            "tenant_create.owner",
            "Extra inputs are not permitted",
            22,
        ),
    ];
    for (data, attribute, message, errno) in cases {
        let e = admin.err("tenant.create", json!([data])).await;
        let items = validation_items(&e);
        assert!(
            items
                .iter()
                .any(|(a, m, n)| a == attribute && m == message && *n == errno),
            "{data}: {items:?}"
        );
    }
    assert_eq!(admin.ok("tenant.query", json!([[], {"count": true}])).await, json!(2));
    // The builtin tenant keeps its name; its description changes.
    let e = admin.err("tenant.update", json!([1, {"name": "root"}])).await;
    assert_invalid(&e, "tenant_update.name", "This attribute cannot be changed");
    let admin_tenant = admin
        .ok("tenant.update", json!([1, {"description": "The global tenant"}]))
        .await;
    assert_eq!(admin_tenant["description"], "The global tenant");
    let updated = admin
        .ok(
            "tenant.update",
            json!([2, {"name": "acme", "description": null, "attrs": []}]),
        )
        .await;
    assert_eq!(
        updated,
        json!({"id": 2, "name": "acme", "description": null, "attrs": [], "builtin": false})
    );
    let e = admin.err("tenant.update", json!([2, {"name": "Admin"}])).await;
    assert_invalid(&e, "tenant_update.name", "The tenant \"Admin\" already exists.");
    let e = admin.err("tenant.update", json!([7, {"name": "x"}])).await;
    assert_eq!(validation_items(&e)[0].1, "Tenant 7 does not exist");
}

#[tokio::test]
async fn deleting_a_tenant_in_use_needs_force() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_call_error(
        &admin.err("tenant.delete", json!([1, {"force": true}])).await,
        "EPERM",
        "Cannot delete a built-in tenant",
    );
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let owned = admin
        .ok(
            "privilege.create",
            json!([{"name": "Acme helpdesk", "roles": ["ACCOUNT_READ"], "web_shell": false, "tenant": acme}]),
        )
        .await["id"]
        .clone();
    assert_call_error(
        &admin.err("tenant.delete", json!([acme])).await,
        "EBUSY",
        "Tenant \"Acme\" is in use by 1 privilege(s); delete it with force to remove these references",
    );
    assert_eq!(
        admin.ok("tenant.delete", json!([acme, {"force": true}])).await,
        json!(true)
    );
    let e = admin.err("privilege.get_instance", json!([owned])).await;
    assert_eq!(validation_items(&e)[0].1, format!("Privilege {owned} does not exist"));
    let e = admin.err("tenant.delete", json!([acme])).await;
    assert_eq!(validation_items(&e)[0].1, "Tenant 2 does not exist");
    // An unused tenant goes without force.
    let spare = admin.ok("tenant.create", json!([{"name": "Spare"}])).await["id"].clone();
    assert_eq!(admin.ok("tenant.delete", json!([spare])).await, json!(true));
    assert_eq!(admin.ok("tenant.query", json!([[], {"count": true}])).await, json!(1));
}

#[tokio::test]
async fn who_may_read_and_write_tenants_and_their_events() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "ro", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "tw", &["TENANT_WRITE"]).await;
    server.user_with_roles(&mut admin, "acct", &["ACCOUNT_WRITE"]).await;
    let mut ro = server.logged_in("ro", "pw").await;
    let mut tw = server.logged_in("tw", "pw").await;
    let mut acct = server.logged_in("acct", "pw").await;
    ro.ok("core.subscribe", json!(["tenant.query"])).await;
    assert_eq!(ro.ok("tenant.query", json!([[], {"count": true}])).await, json!(1));
    assert_call_error(
        &ro.err("tenant.create", json!([{"name": "Nope"}])).await,
        "EACCES",
        "Not authorized",
    );
    for (method, params) in [
        ("tenant.query", json!([])),
        ("tenant.get_instance", json!([1])),
        ("tenant.create", json!([{"name": "Nope"}])),
        ("core.subscribe", json!(["tenant.query"])),
    ] {
        assert_call_error(&acct.err(method, params).await, "EACCES", "Not authorized");
    }
    let created = tw.ok("tenant.create", json!([{"name": "Beta"}])).await;
    let event = ro.next_notification().await;
    assert_eq!(
        event["params"],
        json!({"msg": "added", "collection": "tenant.query", "id": created["id"], "fields": created})
    );
    tw.ok("tenant.update", json!([created["id"], {"description": "b"}]))
        .await;
    let event = ro.next_notification().await;
    assert_eq!(
        (&event["params"]["msg"], &event["params"]["fields"]["description"]),
        (&json!("changed"), &json!("b"))
    );
    tw.ok("tenant.delete", json!([created["id"]])).await;
    let event = ro.next_notification().await;
    assert_eq!(
        event["params"],
        json!({"msg": "removed", "collection": "tenant.query", "id": created["id"]})
    );
}

/// Ids of the builtin tenant-scoped privileges.
const TENANT_ADMINISTRATOR: i64 = 5;
const TENANT_READ_ONLY: i64 = 6;

#[tokio::test]
async fn users_carry_access_entries_and_a_default_tenant() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let beta = admin.ok("tenant.create", json!([{"name": "Beta"}])).await["id"].clone();
    let owned = admin
        .ok(
            "privilege.create",
            json!([{"name": "Acme only", "roles": ["ACCOUNT_READ"], "web_shell": false, "tenant": acme}]),
        )
        .await["id"]
        .clone();
    // Existing users have no entries.
    let root = admin
        .ok("user.query", json!([[["username", "=", "root"]], {"get": true}]))
        .await;
    assert_eq!((&root["access"], &root["default_tenant"]), (&json!([]), &json!(null)));
    let access = json!([
        {"privilege": TENANT_ADMINISTRATOR, "tenant": acme, "all_tenants": false},
        {"privilege": TENANT_READ_ONLY, "all_tenants": true},
        {"privilege": owned, "tenant": acme},
    ]);
    let dana = admin
        .ok(
            "user.create",
            json!([{"username": "dana", "full_name": "Dana", "group_create": true, "password": "pw",
                    "access": access, "default_tenant": acme}]),
        )
        .await;
    assert_eq!(
        dana["access"],
        json!([
            {"privilege": TENANT_ADMINISTRATOR, "tenant": acme, "all_tenants": false},
            {"privilege": TENANT_READ_ONLY, "tenant": null, "all_tenants": true},
            {"privilege": owned, "tenant": acme, "all_tenants": false},
        ])
    );
    assert_eq!(dana["default_tenant"], acme);
    let found = admin
        .ok(
            "user.query",
            json!([[["default_tenant", "=", acme]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(found, json!([{"username": "dana"}]));
    let found = admin
        .ok(
            "user.query",
            json!([[["access.*.privilege", "=", TENANT_ADMINISTRATOR]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(found, json!([{"username": "dana"}]));
    // Every problem is reported at its entry; nothing is written.
    let bad = json!([
        {"privilege": 99, "tenant": acme},
        {"privilege": TENANT_READ_ONLY, "tenant": 42},
        {"privilege": TENANT_READ_ONLY},
        {"privilege": TENANT_READ_ONLY, "tenant": acme, "all_tenants": true},
        {"privilege": owned, "tenant": beta},
        {"privilege": owned, "all_tenants": true},
        {"privilege": TENANT_ADMINISTRATOR, "tenant": beta},
        {"privilege": TENANT_ADMINISTRATOR, "tenant": beta},
    ]);
    let e = admin
        .err(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password": "pw",
                    "access": bad}]),
        )
        .await;
    let items = validation_items(&e);
    let expected = [
        ("user_create.access.0.privilege", "Privilege 99 does not exist", 2),
        ("user_create.access.1.tenant", "Tenant 42 does not exist", 2),
        (
            "user_create.access.2.tenant",
            "Specify either a tenant or all_tenants",
            22,
        ),
        (
            "user_create.access.3.tenant",
            "Specify either a tenant or all_tenants",
            22,
        ),
        (
            "user_create.access.4.privilege",
            &format!("Privilege {owned} is owned by another tenant"),
            22,
        ),
        (
            "user_create.access.5.privilege",
            &format!("Privilege {owned} is owned by another tenant"),
            22,
        ),
        ("user_create.access.7.privilege", "Duplicate access entry", 17),
    ];
    for (attribute, message, errno) in expected {
        assert!(
            items
                .iter()
                .any(|(a, m, n)| a == attribute && m == message && *n == errno),
            "[{attribute}, {message}, {errno}] in {items:?}"
        );
    }
    assert_eq!(items.len(), expected.len(), "{items:?}");
    let e = admin
        .err("user.query", json!([[["username", "=", "eve"]], {"get": true}]))
        .await;
    assert_eq!(e["data"]["reason"], "MatchNotFound()", "nothing was written: {e}");
    let e = admin
        .err(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password": "pw",
                    "default_tenant": 9}]),
        )
        .await;
    assert_invalid(&e, "user_create.default_tenant", "Tenant 9 does not exist");
    let e = admin
        .err(
            "user.create",
            json!([{"username": "eve", "full_name": "Eve", "group_create": true, "password": "pw",
                    "access": [{"privilege": TENANT_READ_ONLY, "tenant": acme}], "default_tenant": beta}]),
        )
        .await;
    assert_invalid(
        &e,
        "user_create.default_tenant",
        "Default tenant must be one of the user's tenants",
    );

    // Update: the list is replaced; a default tenant the new entries no longer reach is cleared; a given one
    // must be reached.
    let id = dana["id"].clone();
    let e = admin
        .err(
            "user.update",
            json!([id, {"access": [{"privilege": owned, "tenant": beta}]}]),
        )
        .await;
    assert_invalid(
        &e,
        "user_update.access.0.privilege",
        &format!("Privilege {owned} is owned by another tenant"),
    );
    let unchanged = admin.ok("user.get_instance", json!([id])).await;
    assert_eq!(unchanged["access"].as_array().map(Vec::len), Some(3));
    let updated = admin
        .ok(
            "user.update",
            json!([id, {"access": [{"privilege": TENANT_READ_ONLY, "tenant": beta}]}]),
        )
        .await;
    assert_eq!(
        (&updated["access"], &updated["default_tenant"]),
        (
            &json!([{"privilege": TENANT_READ_ONLY, "tenant": beta, "all_tenants": false}]),
            &json!(null)
        )
    );
    let e = admin.err("user.update", json!([id, {"default_tenant": acme}])).await;
    assert_invalid(
        &e,
        "user_update.default_tenant",
        "Default tenant must be one of the user's tenants",
    );
    let updated = admin.ok("user.update", json!([id, {"default_tenant": beta}])).await;
    assert_eq!(updated["default_tenant"], beta);
    // Deleting a privilege removes its entries; a tenant in use names its users.
    assert_call_error(
        &admin.err("tenant.delete", json!([beta])).await,
        "EBUSY",
        "Tenant \"Beta\" is in use by users dana; delete it with force to remove these references",
    );
    admin.ok("tenant.delete", json!([beta, {"force": true}])).await;
    let after = admin.ok("user.get_instance", json!([id])).await;
    assert_eq!((&after["access"], &after["default_tenant"]), (&json!([]), &json!(null)));
}

#[tokio::test]
async fn sessions_work_in_a_tenant_with_the_roles_granted_there() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let beta = admin.ok("tenant.create", json!([{"name": "Beta"}])).await["id"].clone();
    // A user whose only grants are access entries logs in, in its default tenant.
    admin
        .ok(
            "user.create",
            json!([{"username": "tina", "full_name": "Tina", "group_create": true, "password": "pw",
                    "access": [{"privilege": TENANT_ADMINISTRATOR, "tenant": acme},
                               {"privilege": TENANT_READ_ONLY, "tenant": beta}],
                    "default_tenant": acme}]),
        )
        .await;
    let mut tina = server.logged_in("tina", "pw").await;
    let me = tina.ok("auth.me", json!([])).await;
    assert_eq!(me["tenant"], json!({"id": acme, "name": "Acme"}));
    assert_eq!(
        me["privilege"]["roles"]["$set"],
        json!(["ACCOUNT_WRITE", "API_KEY_WRITE", "TENANT_READ"])
    );
    // TENANT_READ held in Acme: tenant.query answers, with the tenants Tina has access in.
    let names = tina
        .ok("tenant.query", json!([[], {"select": ["name"], "order_by": ["name"]}]))
        .await;
    assert_eq!(names, json!([{"name": "Acme"}, {"name": "Beta"}]));
    // Global objects need the role held globally.
    for (method, params) in [
        ("tenant.create", json!([{"name": "Gamma"}])),
        ("group.create", json!([{"name": "g"}])),
        ("privilege.query", json!([])),
    ] {
        assert_call_error(&tina.err(method, params).await, "EACCES", "Not authorized");
    }
    // In Beta only the Read-Only roles count: no TENANT_READ there.
    assert_eq!(
        tina.ok("tenant.switch", json!([beta])).await,
        json!({"id": beta, "name": "Beta"})
    );
    let me = tina.ok("auth.me", json!([])).await;
    assert_eq!(
        me["privilege"]["roles"]["$set"],
        json!(["ACCOUNT_READ", "API_KEY_READ"])
    );
    assert_call_error(&tina.err("tenant.query", json!([])).await, "EACCES", "Not authorized");
    // A tenant without access answers like a missing one; "*" needs FULL_ADMIN held globally.
    let refused = tina.err("tenant.switch", json!([1])).await;
    let missing = tina.err("tenant.switch", json!([99])).await;
    assert_eq!(validation_items(&refused)[0].1, "Tenant 1 does not exist");
    assert_eq!(validation_items(&missing)[0].1, "Tenant 99 does not exist");
    assert_eq!(validation_items(&refused)[0].0, "tenant.switch.tenant");
    assert_eq!(validation_items(&refused)[0].2, validation_items(&missing)[0].2);
    assert_call_error(
        &tina.err("tenant.switch", json!(["*"])).await,
        "EACCES",
        "Not authorized",
    );
    assert_eq!(tina.ok("auth.me", json!([])).await["tenant"]["id"], beta);
    // A global administrator enters any tenant and the all-tenants view.
    assert_eq!(
        admin.ok("auth.me", json!([])).await["tenant"],
        json!({"id": 1, "name": "admin"})
    );
    admin.ok("tenant.switch", json!([beta])).await;
    assert_eq!(
        admin.ok("tenant.switch", json!(["*"])).await,
        json!({"id": "*", "name": "*"})
    );
    assert_eq!(admin.ok("tenant.query", json!([[], {"count": true}])).await, json!(3));
    // login_options.tenant picks the starting tenant; one without access refuses the login.
    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "tina", "password": "pw",
                    "login_options": {"tenant": beta}}]),
        )
        .await;
    assert_eq!(r["user_info"]["tenant"], json!({"id": beta, "name": "Beta"}));
    let mut c = server.client().await;
    let e = c
        .err(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "tina", "password": "pw",
                    "login_options": {"tenant": 1}}]),
        )
        .await;
    assert_invalid(&e, "login_options.tenant", "Tenant 1 does not exist");
    assert_call_error(
        &c.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
    // Taking the access away ends the grants at the next call.
    let tina_id = admin
        .ok("user.query", json!([[["username", "=", "tina"]], {"get": true}]))
        .await["id"]
        .clone();
    admin.ok("user.update", json!([tina_id, {"access": []}])).await;
    let mut again = server.client().await;
    assert_eq!(again.login_ex("tina", "pw").await["response_type"], "DENIED");
}

#[tokio::test]
async fn tenant_scoped_readers_see_the_members_of_their_tenant_only() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let beta = admin.ok("tenant.create", json!([{"name": "Beta"}])).await["id"].clone();
    let create = |name: &str, access: serde_json::Value| json!([{"username": name, "full_name": name, "group_create": true, "password": "pw", "access": access}]);
    let in_acme = json!([{"privilege": TENANT_READ_ONLY, "tenant": acme}]);
    let in_beta = json!([{"privilege": TENANT_READ_ONLY, "tenant": beta}]);
    admin
        .ok(
            "user.create",
            create(
                "ann",
                json!([{"privilege": TENANT_ADMINISTRATOR, "tenant": acme},
                       {"privilege": TENANT_READ_ONLY, "tenant": beta}]),
            ),
        )
        .await;
    admin.ok("user.create", create("amy", in_acme)).await;
    let bob = admin.ok("user.create", create("bob", in_beta)).await["id"].clone();
    admin
        .ok(
            "user.create",
            create("all", json!([{"privilege": TENANT_READ_ONLY, "all_tenants": true}])),
        )
        .await;
    let mut ann = server.logged_in("ann", "pw").await;
    let names = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().expect("name").to_string())
            .collect()
    };
    let in_tenant = ann
        .ok(
            "user.query",
            json!([[], {"select": ["username"], "order_by": ["username"]}]),
        )
        .await;
    assert_eq!(names(in_tenant), ["all", "amy", "ann"]);
    assert_eq!(ann.ok("user.query", json!([[], {"count": true}])).await, json!(3));
    assert_eq!(
        ann.ok("user.query", json!([[["username", "^", "a"]], {"count": true}]))
            .await,
        json!(3)
    );
    // Someone outside the tenant answers as a missing user, by point read or by query.
    let e = ann.err("user.get_instance", json!([bob])).await;
    assert_eq!(validation_items(&e)[0].1, format!("User {bob} does not exist"));
    assert_eq!(ann.ok("user.query", json!([[["id", "=", bob]]])).await, json!([]));
    assert_eq!(
        ann.ok("user.query", json!([[["username", "=", "root"]]])).await,
        json!([])
    );
    let amy = ann
        .ok("user.query", json!([[["username", "=", "amy"]], {"get": true}]))
        .await;
    assert_eq!(ann.ok("user.get_instance", json!([amy["id"]])).await["username"], "amy");
    // Login activity is scoped the same way.
    let activity = ann
        .ok(
            "user.activity.query",
            json!([[], {"select": ["username"], "order_by": ["username"]}]),
        )
        .await;
    assert_eq!(names(activity), ["all", "amy", "ann"]);
    let e = ann.err("user.activity.get_instance", json!([bob])).await;
    assert_eq!(validation_items(&e)[0].1, format!("User {bob} does not exist"));
    assert_eq!(
        ann.ok("user.activity.get_instance", json!([amy["id"]])).await["username"],
        "amy"
    );
    // API keys too: the keys of members of the session's tenant.
    let holders = server
        .grant_privilege(&mut admin, "key-holders", &["API_KEY_READ"])
        .await;
    let holder = |name: &str, tenant: &serde_json::Value| {
        json!([{"username": name, "full_name": name, "group_create": true, "password": "pw", "groups": [holders],
                "access": [{"privilege": TENANT_READ_ONLY, "tenant": tenant}]}])
    };
    admin.ok("user.create", holder("kay", &acme)).await;
    admin.ok("user.create", holder("kim", &beta)).await;
    admin
        .ok("api_key.create", json!([{"name": "kay key", "username": "kay"}]))
        .await;
    let kim_key = admin
        .ok("api_key.create", json!([{"name": "kim key", "username": "kim"}]))
        .await["id"]
        .clone();
    let key_names = |v: serde_json::Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|k| k["name"].as_str().expect("name").to_string())
            .collect()
    };
    let keys = ann.ok("api_key.query", json!([[], {"order_by": ["name"]}])).await;
    assert_eq!(key_names(keys), ["kay key"]);
    let e = ann.err("api_key.get_instance", json!([kim_key])).await;
    assert_eq!(validation_items(&e)[0].1, format!("ApiKey {kim_key} does not exist"));
    // Events are not scoped yet: a tenant-scoped reader cannot subscribe to user.query.
    assert_call_error(
        &ann.err("core.subscribe", json!(["user.query"])).await,
        "EACCES",
        "Not authorized",
    );
    // In Beta, the Beta members.
    ann.ok("tenant.switch", json!([beta])).await;
    let in_tenant = ann
        .ok(
            "user.query",
            json!([[], {"select": ["username"], "order_by": ["username"]}]),
        )
        .await;
    assert_eq!(names(in_tenant), ["all", "ann", "bob", "kim"]);
    let activity = ann
        .ok(
            "user.activity.query",
            json!([[], {"select": ["username"], "order_by": ["username"]}]),
        )
        .await;
    assert_eq!(names(activity), ["all", "ann", "bob", "kim"]);
    let keys = ann.ok("api_key.query", json!([[], {"order_by": ["name"]}])).await;
    assert_eq!(key_names(keys), ["kim key"]);
    // A global reader sees everyone.
    assert!(admin.ok("user.query", json!([[], {"count": true}])).await.as_i64() > Some(50));
}

#[tokio::test]
async fn the_escalation_guard_refuses_grants_and_credential_changes_beyond_the_callers_roles() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    server.user_with_roles(&mut admin, "acct", &["ACCOUNT_WRITE"]).await;
    let plain = server.create_user(&mut admin, "plain", &[]).await["id"].clone();
    let mut acct = server.logged_in("acct", "pw").await;
    let builtin_administrators = 2;
    let perm = |e: &serde_json::Value, attribute: &str, message: &str| {
        let items = validation_items(e);
        assert!(
            items.iter().any(|(a, m, n)| a == attribute && m == message && *n == 1),
            "[{attribute}, {message}, EPERM] in {items:?}"
        );
    };
    // Through groups.
    let e = acct
        .err("user.update", json!([plain, {"groups": [builtin_administrators]}]))
        .await;
    perm(
        &e,
        "user_update.groups.0",
        "You cannot grant roles you do not hold: FULL_ADMIN",
    );
    let e = acct
        .err("group.update", json!([builtin_administrators, {"users": [55, plain]}]))
        .await;
    perm(
        &e,
        "group_update.users.1",
        "You cannot grant roles you do not hold: FULL_ADMIN",
    );
    // Through access entries, in the scope they are granted in.
    let e = acct
        .err(
            "user.create",
            json!([{"username": "sneaky", "full_name": "S", "group_create": true, "password": "pw",
                    "access": [{"privilege": 1, "tenant": acme}]}]),
        )
        .await;
    perm(
        &e,
        "user_create.access.0.privilege",
        "You cannot grant roles you do not hold: FULL_ADMIN",
    );
    let e = acct
        .err(
            "user.update",
            json!([plain, {"access": [{"privilege": DEFAULT, "tenant": acme},
                                      {"privilege": TENANT_ADMINISTRATOR, "all_tenants": true},
                                      {"privilege": TENANT_READ_ONLY, "tenant": acme}]}]),
        )
        .await;
    perm(
        &e,
        "user_update.access.1.privilege",
        "You cannot grant roles you do not hold: API_KEY_WRITE, TENANT_READ",
    );
    perm(
        &e,
        "user_update.access.2.privilege",
        "You cannot grant roles you do not hold: API_KEY_READ",
    );
    assert_eq!(validation_items(&e).len(), 2, "the Default entry grants nothing: {e}");
    let ok = acct
        .ok(
            "user.update",
            json!([plain, {"access": [{"privilege": DEFAULT, "tenant": acme}]}]),
        )
        .await;
    assert_eq!(ok["access"][0]["privilege"], json!(DEFAULT));
    // Foreman: a non-admin cannot change an admin's password, lock or email.
    let e = acct
        .err(
            "user.update",
            json!([55, {"password": "new-password", "locked": true, "email": "x@example.com"}]),
        )
        .await;
    for attribute in ["user_update.password", "user_update.locked", "user_update.email"] {
        perm(&e, attribute, "This user holds roles you do not hold: FULL_ADMIN");
    }
    acct.ok(
        "user.update",
        json!([plain, {"password": "new-password", "email": "p@example.com"}]),
    )
    .await;
    // A global FULL_ADMIN grants anything.
    admin
        .ok(
            "user.update",
            json!([plain, {"groups": [builtin_administrators],
                           "access": [{"privilege": TENANT_ADMINISTRATOR, "all_tenants": true}]}]),
        )
        .await;
    let now_admin = acct
        .err("user.update", json!([plain, {"password": "again-password"}]))
        .await;
    perm(
        &now_admin,
        "user_update.password",
        "This user holds roles you do not hold: FULL_ADMIN, API_KEY_WRITE, TENANT_READ",
    );
}

#[tokio::test]
async fn two_tenant_administrators_each_change_only_their_own_users() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let beta = admin.ok("tenant.create", json!([{"name": "Beta"}])).await["id"].clone();
    let new_user = |name: &str, access: serde_json::Value| json!([{"username": name, "full_name": name, "group_create": true, "password": "pw", "access": access}]);
    admin
        .ok(
            "user.create",
            new_user("ann", json!([{"privilege": TENANT_ADMINISTRATOR, "tenant": acme}])),
        )
        .await;
    admin
        .ok(
            "user.create",
            new_user("bea", json!([{"privilege": TENANT_ADMINISTRATOR, "tenant": beta}])),
        )
        .await;
    let both = admin
        .ok(
            "user.create",
            new_user(
                "both",
                json!([{"privilege": TENANT_READ_ONLY, "tenant": acme}, {"privilege": TENANT_READ_ONLY, "tenant": beta}]),
            ),
        )
        .await["id"]
        .clone();
    let reader = server.grant_privilege(&mut admin, "readers", &["ACCOUNT_READ"]).await;
    let global = admin
        .ok(
            "user.create",
            json!([{"username": "glob", "full_name": "g", "group_create": true, "password": "pw",
                    "groups": [reader], "access": [{"privilege": DEFAULT, "tenant": acme}]}]),
        )
        .await["id"]
        .clone();
    let mut ann = server.logged_in("ann", "pw").await;
    let mut bea = server.logged_in("bea", "pw").await;

    // Created users are members of the creator's tenant.
    let made = ann.ok("user.create", new_user("acme1", json!([]))).await;
    assert_eq!(
        made["access"],
        json!([{"privilege": DEFAULT, "tenant": acme, "all_tenants": false}])
    );
    let made_id = made["id"].clone();
    let e = ann
        .err(
            "user.create",
            new_user("acme2", json!([{"privilege": DEFAULT, "tenant": beta}])),
        )
        .await;
    assert_invalid(
        &e,
        "user_create.access.0.tenant",
        "Access may be granted only in the tenants you manage",
    );
    let e = ann
        .err(
            "user.create",
            new_user("acme2", json!([{"privilege": 1, "tenant": acme}])),
        )
        .await;
    assert_invalid(
        &e,
        "user_create.access.0.privilege",
        "You cannot grant roles you do not hold: FULL_ADMIN",
    );
    // Granting the tenant's own administrator privilege there is within ann's roles.
    ann.ok(
        "user.update",
        json!([made_id, {"full_name": "Acme One",
                         "access": [{"privilege": TENANT_ADMINISTRATOR, "tenant": acme}]}]),
    )
    .await;
    // The other tenant's administrator, a user in both tenants and a user with a global role are out of reach.
    for (is_bea, target) in [(true, made_id.clone()), (false, both.clone()), (false, global.clone())] {
        let who = if is_bea { &mut bea } else { &mut ann };
        let e = who.err("user.update", json!([target, {"full_name": "x"}])).await;
        assert_eq!(validation_items(&e)[0].1, format!("User {target} does not exist"));
        let e = who.err("user.delete", json!([target])).await;
        assert_eq!(validation_items(&e)[0].1, format!("User {target} does not exist"));
    }
    assert_eq!(ann.ok("user.delete", json!([made_id])).await, made_id);
    // Global objects stay global.
    assert_call_error(
        &ann.err("group.create", json!([{"name": "g"}])).await,
        "EACCES",
        "Not authorized",
    );
    // The all-tenants view reads everything and creates nothing.
    admin.ok("tenant.switch", json!(["*"])).await;
    assert!(admin.ok("user.query", json!([[], {"count": true}])).await.as_i64() > Some(50));
    assert_call_error(
        &admin.err("user.create", new_user("nowhere", json!([]))).await,
        "EINVAL",
        "Objects cannot be created in the all-tenants context",
    );
    assert_call_error(
        &admin
            .err("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
            .await,
        "EINVAL",
        "Objects cannot be created in the all-tenants context",
    );
    admin.ok("tenant.switch", json!([1])).await;
    admin.ok("user.create", new_user("somewhere", json!([]))).await;
}

#[tokio::test]
async fn a_session_moves_to_the_default_tenant_when_access_to_its_tenant_is_removed() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let acme = admin.ok("tenant.create", json!([{"name": "Acme"}])).await["id"].clone();
    let beta = admin.ok("tenant.create", json!([{"name": "Beta"}])).await["id"].clone();
    let id = admin
        .ok(
            "user.create",
            json!([{"username": "mo", "full_name": "Mo", "group_create": true, "password": "pw",
                    "access": [{"privilege": TENANT_READ_ONLY, "tenant": acme},
                               {"privilege": TENANT_ADMINISTRATOR, "tenant": beta}],
                    "default_tenant": acme}]),
        )
        .await["id"]
        .clone();
    let mut mo = server.logged_in("mo", "pw").await;
    mo.ok("tenant.switch", json!([beta])).await;
    mo.ok("tenant.query", json!([])).await;
    admin
        .ok(
            "user.update",
            json!([id, {"access": [{"privilege": TENANT_READ_ONLY, "tenant": acme}]}]),
        )
        .await;
    let me = mo.ok("auth.me", json!([])).await;
    assert_eq!(me["tenant"], json!({"id": acme, "name": "Acme"}));
    assert_eq!(
        me["privilege"]["roles"]["$set"],
        json!(["ACCOUNT_READ", "API_KEY_READ"])
    );
    assert_call_error(&mo.err("tenant.query", json!([])).await, "EACCES", "Not authorized");
}

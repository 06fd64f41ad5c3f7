//! Tenants and per-tenant roles (`tenants-and-roles.md`): the builtin privileges, the Default privilege,
//! `tenant.*`.

use accountd_e2e::{TestServer, assert_call_error, assert_invalid};
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

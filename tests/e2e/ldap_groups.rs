//! Group sync with a real slapd: local groups linked to LDAP groups (`groupOfNames` by member DN, `posixGroup`
//! by `memberUid`) follow the directory at each login and on `group.refresh_external`; other memberships are
//! untouched.

use accountd_e2e::slapd::{ASMITH, GROUPS, JDOE, JOSE, LONER, PEOPLE, Slapd};
use accountd_e2e::{Client, TestServer, assert_invalid, group_id, user_by_name};
use serde_json::{Value, json};

use super::ldap::{create_external_user, create_source};

/// A local group linked to `names` of `source`; returns its id.
async fn linked_group(admin: &mut Client, name: &str, source: i64, names: &[&str]) -> i64 {
    let links: Vec<Value> = names
        .iter()
        .map(|n| json!({"auth_source": source, "name": n}))
        .collect();
    admin
        .ok("group.create", json!([{"name": name, "external_groups": links}]))
        .await
        .as_i64()
        .expect("group id")
}

async fn groups_of(admin: &mut Client, username: &str) -> Vec<i64> {
    let mut groups: Vec<i64> = user_by_name(admin, username).await["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    groups.sort_unstable();
    groups
}

fn sorted(mut ids: Vec<i64>) -> Vec<i64> {
    ids.sort_unstable();
    ids
}

fn remove_member(ldap: &Slapd, group: &str, uid: &str) {
    ldap.modify(&format!(
        "dn: cn={group},{GROUPS}\nchangetype: modify\ndelete: member\nmember: uid={uid},{PEOPLE}\n"
    ));
}

#[tokio::test]
async fn logins_sync_memberships_of_linked_groups_only() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(
        &mut admin,
        &ldap,
        "corp",
        json!({"onthefly_register": true, "default_group": readers}),
    )
    .await;
    let devs = linked_group(&mut admin, "devs", corp, &["developers"]).await;
    let ops = linked_group(&mut admin, "operators", corp, &["ops"]).await;
    let staff = linked_group(&mut admin, "leads", corp, &["admins", "ops"]).await;
    let other = admin
        .ok("group.create", json!([{"name": "other"}]))
        .await
        .as_i64()
        .expect("id");
    let entry = admin.ok("group.get_instance", json!([devs])).await;
    assert_eq!(
        entry["external_groups"],
        json!([{"auth_source": corp, "name": "developers"}])
    );

    // jdoe is known, in an unlinked group and (wrongly) not in devs yet.
    create_external_user(&mut admin, JDOE.0, corp, &[readers, other]).await;
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");
    assert_eq!(
        groups_of(&mut admin, JDOE.0).await,
        sorted(vec![readers, other, devs, ops, staff])
    );
    // Registered users are synced too: asmith through the posix group, jose through groupOfNames; loner is in
    // no group.
    assert_eq!(server.login_type(ASMITH.0, ASMITH.1).await, "SUCCESS");
    assert_eq!(groups_of(&mut admin, ASMITH.0).await, sorted(vec![ops, staff]));
    assert_eq!(server.login_type(JOSE.0, JOSE.1).await, "SUCCESS");
    assert_eq!(groups_of(&mut admin, JOSE.0).await, vec![devs]);
    assert_eq!(server.login_type(LONER.0, LONER.1).await, "SUCCESS");
    assert_eq!(groups_of(&mut admin, LONER.0).await, Vec::<i64>::new());

    // Removed in the directory: gone at the next login; the unlinked groups stay.
    remove_member(&ldap, "developers", JDOE.0);
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");
    assert_eq!(
        groups_of(&mut admin, JDOE.0).await,
        sorted(vec![readers, other, ops, staff])
    );
    // A local member of a linked group who is not of the source keeps the membership.
    let alice = server.create_user(&mut admin, "alice", &[devs]).await["id"].clone();
    assert_eq!(server.login_type(JOSE.0, JOSE.1).await, "SUCCESS");
    let members = admin.ok("group.get_instance", json!([devs])).await["users"].clone();
    assert!(members.as_array().expect("users").contains(&alice), "{members}");
}

#[tokio::test]
async fn refresh_external_resyncs_one_group_without_a_login() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    let devs = linked_group(&mut admin, "devs", corp, &["developers"]).await;
    let ops = linked_group(&mut admin, "operators", corp, &["ops"]).await;
    create_external_user(&mut admin, JDOE.0, corp, &[]).await;
    create_external_user(&mut admin, JOSE.0, corp, &[]).await;
    create_external_user(&mut admin, ASMITH.0, corp, &[devs]).await;

    assert_eq!(admin.ok("group.refresh_external", json!([devs])).await, json!(true));
    let jdoe = user_by_name(&mut admin, JDOE.0).await["id"].clone();
    let jose = user_by_name(&mut admin, JOSE.0).await["id"].clone();
    let members = admin.ok("group.get_instance", json!([devs])).await["users"].clone();
    assert_eq!(members, json!([jdoe, jose]), "asmith is not a developer");
    // Only that group: operators was not refreshed.
    assert_eq!(admin.ok("group.get_instance", json!([ops])).await["users"], json!([]));

    remove_member(&ldap, "developers", JOSE.0);
    admin.ok("group.refresh_external", json!([devs])).await;
    assert_eq!(
        admin.ok("group.get_instance", json!([devs])).await["users"],
        json!([jdoe])
    );

    let plain = group_id(&mut admin, "jdoe").await;
    let e = admin.err("group.refresh_external", json!([plain])).await;
    assert_eq!(e["data"]["errname"], "EINVAL", "{e}");
}

#[tokio::test]
async fn links_name_groups_that_exist_unless_the_source_is_faulted() {
    let mut ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    let e = admin
        .err(
            "group.create",
            json!([{"name": "ghosts", "external_groups": [{"auth_source": corp, "name": "nosuch"}]}]),
        )
        .await;
    assert_invalid(
        &e,
        "group_create.external_groups.0.name",
        "nosuch is not found in the authentication source",
    );
    let e = admin
        .err(
            "group.create",
            json!([{"name": "ghosts", "external_groups": [{"auth_source": 1, "name": "developers"}]}]),
        )
        .await;
    assert_invalid(
        &e,
        "group_create.external_groups.0.auth_source",
        "Authentication source 1 does not exist or is not an LDAP source",
    );
    // An injected name is one literal group name.
    let e = admin
        .err(
            "group.create",
            json!([{"name": "ghosts", "external_groups": [{"auth_source": corp, "name": "*"}]}]),
        )
        .await;
    assert_invalid(
        &e,
        "group_create.external_groups.0.name",
        "* is not found in the authentication source",
    );
    let g = admin.ok("group.create", json!([{"name": "ghosts"}])).await;
    ldap.stop();
    admin.ok("auth_source.test", json!([corp])).await;
    // FAULTED: the link is accepted unchecked.
    admin
        .ok(
            "group.update",
            json!([g, {"external_groups": [{"auth_source": corp, "name": "nosuch"}]}]),
        )
        .await;
    assert_eq!(
        admin.ok("group.get_instance", json!([g])).await["external_groups"],
        json!([{"auth_source": corp, "name": "nosuch"}])
    );
}

//! `group.*`: create, query, get_instance, update, delete, get_next_gid, get_group_obj, with TrueNAS's rules.

use accountd_e2e::{Client, TestServer, assert_call_error, group_id, validation_items};
use serde_json::{Value, json};

/// The full validation item list of an error, as JSON.
fn extra(e: &Value) -> Value {
    validation_items(e);
    e["data"]["extra"].clone()
}

/// The server's SMB domain SID, read off an SMB user's SID (`<server sid>-<20000 + id>`).
async fn server_sid(server: &TestServer, admin: &mut Client) -> String {
    let u = server.create_user(admin, "sid_probe", &[]).await;
    let sid = u["sid"].as_str().expect("smb user has a sid");
    let (prefix, rid) = sid.rsplit_once('-').expect("sid");
    assert_eq!(rid, (20000 + u["id"].as_i64().expect("id")).to_string());
    assert!(prefix.starts_with("S-1-5-21-"), "{sid}");
    admin.ok("user.delete", json!([u["id"]])).await;
    prefix.to_string()
}

#[tokio::test]
async fn create_and_read_back() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let sid = server_sid(&server, &mut admin).await;
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3000);

    let id = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let id = id.as_i64().expect("group.create returns the id");
    let staff = admin.ok("group.get_instance", json!([id])).await;
    assert_eq!(
        staff,
        json!({"id": id, "gid": 3000, "name": "crew", "group": "crew", "builtin": false, "sudo_commands": [],
               "sudo_commands_nopasswd": [], "smb": true, "userns_idmap": null, "local": true,
               "sid": format!("{sid}-{}", 200000 + id), "roles": [], "users": [], "immutable": false, "external_groups": []})
    );
    // query returns the same entry.
    assert_eq!(
        admin.ok("group.query", json!([[["id", "=", id]]])).await,
        json!([staff])
    );

    // Every field given.
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let ops = admin
        .ok(
            "group.create",
            json!([{"name": "ops.team_1", "gid": 4000, "smb": false, "sudo_commands": ["ALL"],
                    "sudo_commands_nopasswd": [], "userns_idmap": "DIRECT", "users": [alice["id"]]}]),
        )
        .await;
    let entry = admin.ok("group.get_instance", json!([ops])).await;
    assert_eq!(
        entry,
        json!({"id": ops, "gid": 4000, "name": "ops.team_1", "group": "ops.team_1", "builtin": false,
               "sudo_commands": ["ALL"], "sudo_commands_nopasswd": [], "smb": false, "userns_idmap": "DIRECT",
               "local": true, "sid": null, "roles": [], "users": [alice["id"]], "immutable": false, "external_groups": []})
    );
    // The member sees the group among its auxiliary groups.
    let alice = admin.ok("user.get_instance", json!([alice["id"]])).await;
    assert!(
        alice["groups"].as_array().expect("groups").contains(&json!(ops)),
        "{alice}"
    );

    // get_instance options: select applies.
    assert_eq!(
        admin
            .ok("group.get_instance", json!([id, {"select": ["name", "gid"]}]))
            .await,
        json!({"name": "crew", "gid": 3000})
    );
    // Unknown ids.
    let e = admin.err("group.get_instance", json!([9999])).await;
    assert_eq!(extra(&e), json!([[null, "Group 9999 does not exist", 2]]));
    assert_eq!(e["data"]["reason"], "[ENOENT] None: Group 9999 does not exist\n");
}

#[tokio::test]
async fn create_validation() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let e = admin.err("group.create", json!([{}])).await;
    assert_eq!(extra(&e), json!([["group_create.name", "Field required", 22]]));
    let e = admin.err("group.create", json!([{"name": "x", "gid": "3000"}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_create.gid", "Input should be a valid integer", 22]])
    );
    let e = admin.err("group.create", json!([{"name": "x", "builtin": true}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_create.builtin", "Extra inputs are not permitted", 22]])
    );
    let e = admin.err("group.create", json!([{"name": "-x"}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_create.name", "Value error, Cannot start with \"'-'\"", 22]])
    );
    let e = admin
        .err("group.create", json!([{"name": "a", "users": [424242, 1]}]))
        .await;
    assert_eq!(
        extra(&e),
        json!([
            ["group_create.users", "Following users do not exist: 424242", 22],
            ["group_create.users", "Cannot add the root user to this group", 22]
        ])
    );
    let e = admin
        .err("group.create", json!([{"name": "a", "users": [100000001]}]))
        .await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_create.users.0",
            "Directory services users may not be added as members of local groups.",
            22
        ]])
    );
    // SMB builtin names are reserved for SMB groups only.
    let e = admin.err("group.create", json!([{"name": "Users", "smb": true}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_create.name",
            "Group name \"Users\" conflicts with existing SMB Builtin entry. SMB group mapping is not permitted for this group.",
            17
        ]])
    );
    admin.ok("group.create", json!([{"name": "Users", "smb": false}])).await;
    // Nothing was created by the failed attempts.
    assert_eq!(
        admin
            .ok("group.query", json!([[["builtin", "=", false]], {"select": ["name"]}]))
            .await,
        json!([{"name": "truenas_admin"}, {"name": "Users"}])
    );
}

#[tokio::test]
async fn duplicate_names_and_gids_are_eexist() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew", "gid": 3100}])).await;

    let e = admin.err("group.create", json!([{"name": "crew", "smb": false}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_create.name",
            "A Group with the name \"crew\" already exists.",
            17
        ]])
    );
    assert_eq!(
        e["data"]["reason"],
        "[EEXIST] group_create.name: A Group with the name \"crew\" already exists.\n"
    );
    // With smb the case-insensitive SMB group map clashes too.
    let e = admin.err("group.create", json!([{"name": "crew"}])).await;
    assert_eq!(
        extra(&e),
        json!([
            [
                "group_create.name",
                "Group name \"crew\" conflicts with existing groupmap entry. SMB group mapping is not permitted for this group. Note that SMB group names are case-insensitive.",
                17
            ],
            [
                "group_create.name",
                "A Group with the name \"crew\" already exists.",
                17
            ]
        ])
    );
    let e = admin.err("group.create", json!([{"name": "CREW"}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_create.name",
            "Group name \"CREW\" conflicts with existing groupmap entry. SMB group mapping is not permitted for this group. Note that SMB group names are case-insensitive.",
            17
        ]])
    );
    // Without smb, names differing in case are distinct groups.
    admin.ok("group.create", json!([{"name": "CREW", "smb": false}])).await;

    let e = admin.err("group.create", json!([{"name": "other", "gid": 3100}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_create.gid", "Gid 3100 is already used (group crew has it)", 17]])
    );
    let e = admin.err("group.create", json!([{"name": "other", "gid": 544}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_create.gid",
            "Gid 544 is already used (group builtin_administrators has it)",
            17
        ]])
    );

    // Renaming onto an existing name.
    let other = admin.ok("group.create", json!([{"name": "other", "smb": false}])).await;
    let e = admin
        .err("group.update", json!([other, {"name": "crew", "smb": false}]))
        .await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_update.name",
            "A Group with the name \"crew\" already exists.",
            17
        ]])
    );
    // Keeping one's own name is not a clash.
    assert_eq!(admin.ok("group.update", json!([staff, {"name": "crew"}])).await, staff);
}

#[tokio::test]
async fn update_changes_only_the_given_fields() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let id = admin
        .ok("group.create", json!([{"name": "devs", "sudo_commands": ["ALL"]}]))
        .await;
    let before = admin.ok("group.get_instance", json!([id])).await;

    assert_eq!(
        admin
            .ok("group.update", json!([id, {"name": "developers", "smb": false}]))
            .await,
        id
    );
    let after = admin.ok("group.get_instance", json!([id])).await;
    let mut expected = before.clone();
    expected["name"] = json!("developers");
    expected["group"] = json!("developers");
    expected["smb"] = json!(false);
    expected["sid"] = Value::Null;
    assert_eq!(after, expected);

    admin
        .ok(
            "group.update",
            json!([id, {"users": [alice["id"]], "sudo_commands": [], "userns_idmap": 70000}]),
        )
        .await;
    let after = admin.ok("group.get_instance", json!([id])).await;
    expected["users"] = json!([alice["id"]]);
    expected["sudo_commands"] = json!([]);
    expected["userns_idmap"] = json!(70000);
    assert_eq!(after, expected);
    // An empty update changes nothing.
    admin.ok("group.update", json!([id, {}])).await;
    assert_eq!(admin.ok("group.get_instance", json!([id])).await, expected);
    // userns_idmap may be cleared again.
    admin.ok("group.update", json!([id, {"userns_idmap": null}])).await;
    assert_eq!(
        admin.ok("group.get_instance", json!([id])).await["userns_idmap"],
        Value::Null
    );

    // The gid is not part of the update model.
    let e = admin.err("group.update", json!([id, {"gid": 5000}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_update.gid", "Extra inputs are not permitted", 22]])
    );
    let e = admin.err("group.update", json!([4242, {"smb": true}])).await;
    assert_eq!(extra(&e), json!([[null, "Group 4242 does not exist", 2]]));
    let e = admin.err("group.update", json!([100000005, {"smb": true}])).await;
    assert_call_error(
        &e,
        "EPERM",
        "Groups provided by a directory service must be modified through the identity provider (LDAP server or \
         domain controller).",
    );
}

#[tokio::test]
async fn builtin_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let builtin = admin
        .ok(
            "group.query",
            json!([[["builtin", "=", true]], {"select": ["name", "gid", "immutable"], "order_by": ["gid"]}]),
        )
        .await;
    // TrueNAS 25.10's builtin groups (its /etc/group but `wheel` and `nobody`, whose gids root and nogroup hold),
    // and 26.04's `truenas_webshare`; only those whose membership may change are mutable.
    let builtin = builtin.as_array().expect("list");
    assert_eq!(builtin.len(), 91);
    assert_eq!(builtin[0], json!({"name": "root", "gid": 0, "immutable": true}));
    assert_eq!(builtin[90], json!({"name": "nogroup", "gid": 65534, "immutable": true}));
    for expected in [
        json!({"name": "news", "gid": 9, "immutable": true}),
        json!({"name": "ftp", "gid": 14, "immutable": false}),
        json!({"name": "operator", "gid": 37, "immutable": true}),
        json!({"name": "staff", "gid": 50, "immutable": true}),
        json!({"name": "truenas_webshare", "gid": 445, "immutable": false}),
        json!({"name": "builtin_administrators", "gid": 544, "immutable": false}),
        json!({"name": "builtin_users", "gid": 545, "immutable": false}),
        json!({"name": "builtin_guests", "gid": 546, "immutable": true}),
        json!({"name": "apps", "gid": 568, "immutable": false}),
        json!({"name": "truenas_readonly_administrators", "gid": 951, "immutable": false}),
        json!({"name": "truenas_sharing_administrators", "gid": 952, "immutable": false}),
        json!({"name": "docker", "gid": 999, "immutable": true}),
    ] {
        assert!(builtin.contains(&expected), "{expected}");
    }
    let apps = admin
        .ok("group.query", json!([[["name", "=", "apps"]], {"get": true}]))
        .await;
    assert_eq!(
        (apps["userns_idmap"].clone(), apps["smb"].clone()),
        (json!("DIRECT"), json!(false))
    );
    let guests = admin
        .ok("group.query", json!([[["name", "=", "builtin_guests"]], {"get": true}]))
        .await;
    assert_eq!(guests["smb"], true);
    let roles = admin
        .ok(
            "group.query",
            json!([[["roles", "!=", []]], {"select": ["name", "roles"], "order_by": ["name"]}]),
        )
        .await;
    assert_eq!(
        roles,
        json!([
            {"name": "builtin_administrators", "roles": ["FULL_ADMIN"]},
            {"name": "truenas_readonly_administrators", "roles": ["READONLY_ADMIN"]},
            {"name": "truenas_sharing_administrators", "roles": ["SHARING_ADMIN"]}
        ])
    );

    for name in ["root", "builtin_administrators", "nogroup", "builtin_users"] {
        let id = group_id(&mut admin, name).await;
        let e = admin.err("group.delete", json!([id])).await;
        assert_call_error(&e, "EACCES", "A built-in group cannot be deleted.");
        assert_eq!(e["data"]["error"], 13);
    }

    // Immutable groups: any change is refused (after the common checks, as TrueNAS orders them).
    let root_group = group_id(&mut admin, "root").await;
    let e = admin.err("group.update", json!([root_group, {"users": []}])).await;
    assert_eq!(
        extra(&e),
        json!([
            [
                "group_update.users",
                "This group is primary for the following users: root. You can't remove them.",
                22
            ],
            ["group_update.id", "Immutable groups cannot be changed", 22]
        ])
    );
    for name in ["root", "nogroup"] {
        let id = group_id(&mut admin, name).await;
        let members = admin.ok("group.get_instance", json!([id])).await["users"].clone();
        for change in [
            json!({"users": members}),
            json!({"smb": true}),
            json!({}),
            json!({"name": name}),
        ] {
            let e = admin.err("group.update", json!([id, change])).await;
            let mut expected = vec![json!(["group_update.id", "Immutable groups cannot be changed", 22])];
            // As TrueNAS: root is refused in the members of any group but builtin_administrators, even
            // the group that is its primary one.
            if name == "root" && change.get("users").is_some() {
                expected.insert(
                    0,
                    json!(["group_update.users", "Cannot add the root user to this group", 22]),
                );
            }
            assert_eq!(extra(&e), json!(expected), "{name} {change}");
        }
    }

    // Other builtin groups: members may change, their configuration may not.
    let admins = group_id(&mut admin, "builtin_administrators").await;
    for (key, value) in [
        ("name", json!("admins")),
        ("smb", json!(false)),
        ("sudo_commands", json!(["ALL"])),
        ("sudo_commands_nopasswd", json!(["ALL"])),
    ] {
        let e = admin.err("group.update", json!([admins, {key: value}])).await;
        assert_eq!(
            extra(&e),
            json!([[
                format!("group_update.{key}"),
                "This configuration parameter may not be changed for builtin groups.",
                22
            ]])
        );
    }
    // Unchanged values are fine.
    admin
        .ok(
            "group.update",
            json!([admins, {"name": "builtin_administrators", "smb": true}]),
        )
        .await;
    let me = admin
        .ok(
            "user.query",
            json!([[["username", "=", "truenas_admin"]], {"get": true}]),
        )
        .await["id"]
        .clone();
    let members = admin.ok("group.get_instance", json!([admins])).await["users"].clone();
    assert_eq!(members, json!([1, me]), "root and truenas_admin");
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    admin
        .ok("group.update", json!([admins, {"users": [1, me, alice["id"]]}]))
        .await;
    assert_eq!(
        admin.ok("group.get_instance", json!([admins])).await["users"],
        json!([1, me, alice["id"]])
    );
    // root must stay in builtin_administrators, and may not join any other group.
    let e = admin.err("group.update", json!([admins, {"users": [me]}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_update.users",
            "The root user must remain a member of the builtin_administrators group.",
            22
        ]])
    );
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let e = admin.err("group.update", json!([staff, {"users": [1]}])).await;
    assert_eq!(
        extra(&e),
        json!([["group_update.users", "Cannot add the root user to this group", 22]])
    );
}

#[tokio::test]
async fn primary_members_are_listed_and_cannot_be_dropped() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let bob = server.create_user(&mut admin, "bob", &[]).await;
    let (alice_id, bob_id) = (alice["id"].clone(), bob["id"].clone());
    let group = alice["group"]["id"].clone();
    assert_eq!(alice["group"]["bsdgrp_group"], "alice");

    // The users list includes the users whose primary group it is.
    let entry = admin.ok("group.get_instance", json!([group])).await;
    assert_eq!(entry["users"], json!([alice_id]));

    let e = admin.err("group.update", json!([group, {"users": []}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_update.users",
            "This group is primary for the following users: alice. You can't remove them.",
            22
        ]])
    );
    let e = admin.err("group.update", json!([group, {"users": [bob_id]}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "group_update.users",
            "This group is primary for the following users: alice. You can't remove them.",
            22
        ]])
    );
    // Keeping the primary member and adding another works; the primary member is not also stored as an
    // auxiliary member.
    admin
        .ok("group.update", json!([group, {"users": [bob_id, alice_id]}]))
        .await;
    let entry = admin.ok("group.get_instance", json!([group])).await;
    assert_eq!(entry["users"], json!([alice_id, bob_id]));
    let alice = admin.ok("user.get_instance", json!([alice_id])).await;
    assert!(!alice["groups"].as_array().expect("list").contains(&group), "{alice}");
    let bob = admin.ok("user.get_instance", json!([bob_id])).await;
    assert!(bob["groups"].as_array().expect("list").contains(&group), "{bob}");
    // get_group_obj lists the auxiliary members only, like /etc/group.
    let obj = admin.ok("group.get_group_obj", json!([{"groupname": "alice"}])).await;
    assert_eq!(obj["gr_mem"], json!(["bob"]));
}

#[tokio::test]
async fn delete_moves_primary_users_to_nogroup() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let team = admin.ok("group.create", json!([{"name": "team", "smb": false}])).await;
    let carol = admin
        .ok(
            "user.create",
            json!([{"username": "carol", "full_name": "Carol", "group": team, "password": "pw"}]),
        )
        .await;
    let dave = server
        .create_user(&mut admin, "dave", &[team.as_i64().expect("id")])
        .await;
    assert_eq!(
        admin.ok("group.get_instance", json!([team])).await["users"],
        json!([carol["id"], dave["id"]])
    );

    assert_eq!(admin.ok("group.delete", json!([team])).await, team);
    let e = admin.err("group.get_instance", json!([team])).await;
    assert_eq!(extra(&e), json!([[null, format!("Group {team} does not exist"), 2]]));
    // The primary member moved to nogroup, the auxiliary member lost the membership.
    let carol = admin.ok("user.get_instance", json!([carol["id"]])).await;
    assert_eq!(carol["group"]["bsdgrp_group"], "nogroup");
    assert_eq!(carol["group"]["bsdgrp_gid"], 65534);
    let nogroup = admin
        .ok("group.query", json!([[["name", "=", "nogroup"]], {"get": true}]))
        .await;
    assert_eq!(carol["group"]["id"], nogroup["id"]);
    assert!(
        nogroup["users"].as_array().expect("list").contains(&carol["id"]),
        "{nogroup}"
    );
    let dave = admin.ok("user.get_instance", json!([dave["id"]])).await;
    assert!(!dave["groups"].as_array().expect("list").contains(&team), "{dave}");

    // Deleting twice: not found.
    let e = admin.err("group.delete", json!([team])).await;
    assert_eq!(extra(&e), json!([[null, format!("Group {team} does not exist"), 2]]));
}

#[tokio::test]
async fn delete_with_delete_users_removes_primary_users() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let team = admin.ok("group.create", json!([{"name": "team", "smb": false}])).await;
    for name in ["erin", "fred"] {
        admin
            .ok(
                "user.create",
                json!([{"username": name, "full_name": name, "group": team, "password": "pw"}]),
            )
            .await;
    }
    let gina = server
        .create_user(&mut admin, "gina", &[team.as_i64().expect("id")])
        .await;
    assert_eq!(
        admin.ok("group.delete", json!([team, {"delete_users": true}])).await,
        team
    );
    let left = admin
        .ok(
            "user.query",
            json!([[["username", "in", ["erin", "fred", "gina"]]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(left, json!([{"username": "gina"}]));
    let gina_now = admin.ok("user.get_instance", json!([gina["id"]])).await;
    assert_eq!(gina_now["group"], gina["group"]);
    // Options are validated.
    let other = admin.ok("group.create", json!([{"name": "other"}])).await;
    let e = admin.err("group.delete", json!([other, {"delete_users": 1}])).await;
    assert_eq!(
        extra(&e),
        json!([["options.delete_users", "Input should be a valid boolean", 22]])
    );
    let e = admin.err("group.delete", json!([other, {"delete_group": true}])).await;
    assert_eq!(
        extra(&e),
        json!([["options.delete_group", "Extra inputs are not permitted", 22]])
    );
}

#[tokio::test]
async fn next_gid_fills_gaps() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3000);
    let a = admin.ok("group.create", json!([{"name": "a"}])).await;
    admin.ok("group.create", json!([{"name": "b", "gid": 3002}])).await;
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3001);
    let c = admin.ok("group.create", json!([{"name": "c"}])).await;
    assert_eq!(admin.ok("group.get_instance", json!([c])).await["gid"], 3001);
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3003);
    admin.ok("group.delete", json!([a])).await;
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3000);
    // Groups below 3000 do not count.
    admin.ok("group.create", json!([{"name": "low", "gid": 2999}])).await;
    assert_eq!(admin.ok("group.get_next_gid", json!([])).await, 3000);
}

#[tokio::test]
async fn get_group_obj() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let staff = admin
        .ok(
            "group.create",
            json!([{"name": "crew", "gid": 3500, "users": [alice["id"]]}]),
        )
        .await;
    let sid = admin.ok("group.get_instance", json!([staff])).await["sid"].clone();
    assert!(sid.is_string());

    let by_name = admin.ok("group.get_group_obj", json!([{"groupname": "crew"}])).await;
    assert_eq!(
        by_name,
        json!({"gr_name": "crew", "gr_gid": 3500, "gr_mem": ["alice"], "sid": null, "source": "LOCAL", "local": true})
    );
    assert_eq!(admin.ok("group.get_group_obj", json!([{"gid": 3500}])).await, by_name);
    let with_sid = admin
        .ok("group.get_group_obj", json!([{"gid": 3500, "sid_info": true}]))
        .await;
    assert_eq!(with_sid["sid"], sid);
    let admins = admin
        .ok("group.get_group_obj", json!([{"groupname": "builtin_administrators"}]))
        .await;
    assert_eq!(
        admins,
        json!({"gr_name": "builtin_administrators", "gr_gid": 544, "gr_mem": ["root", "truenas_admin"], "sid": null,
               "source": "LOCAL", "local": true})
    );

    let e = admin.err("group.get_group_obj", json!([{}])).await;
    assert_eq!(
        extra(&e),
        json!([[
            "get_group_obj.groupname",
            "Either \"groupname\" or \"gid\" must be specified",
            22
        ]])
    );
    let e = admin
        .err("group.get_group_obj", json!([{"groupname": "crew", "gid": 3500}]))
        .await;
    assert_eq!(
        extra(&e),
        json!([[
            "get_group_obj.groupname",
            "\"groupname\" and \"gid\" may not be simultaneously specified",
            22
        ]])
    );
    let e = admin.err("group.get_group_obj", json!([{"groupname": "nope"}])).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(e["data"]["errname"], "EINVAL");
    assert_eq!(e["data"]["reason"], "'nope: group with this name does not exist'");
    let e = admin.err("group.get_group_obj", json!([{"gid": 12345}])).await;
    assert_eq!(e["data"]["reason"], "'12345: group with this id does not exist'");
}

#[tokio::test]
async fn group_methods_need_account_roles() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ro = group_id(&mut admin, "truenas_readonly_administrators").await;
    admin
        .ok(
            "user.create",
            json!([{"username": "reader", "full_name": "r", "group_create": true, "password": "pw",
                    "groups": [ro]}]),
        )
        .await;
    let mut reader = server.client().await;
    reader.login("reader", "pw").await;
    // Reading is allowed.
    assert_eq!(reader.ok("group.get_instance", json!([ro])).await["gid"], 951);
    assert_eq!(reader.ok("group.get_next_gid", json!([])).await, 3001);
    reader.ok("group.get_group_obj", json!([{"gid": 951}])).await;
    // Writing is not.
    for (method, params) in [
        ("group.create", json!([{"name": "x"}])),
        ("group.update", json!([ro, {}])),
        ("group.delete", json!([ro])),
    ] {
        let e = reader.err(method, params).await;
        assert_call_error(&e, "EACCES", "Not authorized");
    }
    let mut anonymous = server.client().await;
    let e = anonymous.err("group.query", json!([])).await;
    assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
}

//! Many clients writing at once: 50 logged-in clients create, update and delete users and groups and change
//! memberships concurrently. Afterwards ids are unique, memberships agree from both sides, every client finds
//! exactly what it last wrote, and no call ever failed (in particular never with "database is locked" / busy).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer};
use serde_json::{Value, json};

const CLIENTS: usize = 50;
const SHARED_GROUPS: usize = 5;

/// Calls a method that must succeed; a failure names the client and the call (and would show a busy error).
async fn must(c: &mut Client, who: usize, method: &str, params: Value) -> Value {
    match c.call(method, params.clone()).await {
        Ok(v) => v,
        Err(e) => {
            let text = e.to_string().to_lowercase();
            assert!(
                !text.contains("locked") && !text.contains("busy"),
                "client {who}: {method} hit a busy database: {e}"
            );
            panic!("client {who}: {method}({params}) failed: {e}");
        }
    }
}

fn ids(v: &Value) -> BTreeSet<i64> {
    v.as_array()
        .expect("list")
        .iter()
        .map(|i| i.as_i64().expect("id"))
        .collect()
}

/// What one client ends up with, checked by itself and against the final listing.
struct Outcome {
    user_a: i64,
    group: i64,
    expected_groups: BTreeSet<i64>,
}

/// One client's script: its own group and users, renames, membership changes from both sides, deletions.
async fn script(url: String, who: usize, shared: Vec<i64>) -> Outcome {
    let mut c = Client::connect(&url).await;
    c.login("truenas_admin", ADMIN_PASSWORD).await;
    let s = |k: usize| shared[(who + k) % SHARED_GROUPS];

    let group = must(&mut c, who, "group.create", json!([{"name": format!("g{who}")}])).await;
    let group = group.as_i64().expect("group id");
    let a = must(
        &mut c,
        who,
        "user.create",
        json!([{"username": format!("u{who}a"), "full_name": "a", "group_create": true, "password": "pw",
                "groups": [group, s(0)]}]),
    )
    .await;
    let user_a = a["id"].as_i64().expect("user id");
    let b = must(
        &mut c,
        who,
        "user.create",
        json!([{"username": format!("u{who}b"), "full_name": "b", "group": group, "password_disabled": true, "smb": false,
                "groups": [s(1)]}]),
    )
    .await;
    let user_b = b["id"].as_i64().expect("user id");
    let tmp = must(
        &mut c,
        who,
        "user.create",
        json!([{"username": format!("u{who}c"), "full_name": "c", "group_create": true,
                "password_disabled": true, "smb": false, "groups": [s(2), group]}]),
    )
    .await;
    let user_c = tmp["id"].as_i64().expect("user id");

    // Successive updates of the same fields: the last one must win.
    for v in 0..4 {
        must(
            &mut c,
            who,
            "user.update",
            json!([user_a, {"full_name": format!("a v{v}"), "groups": [s(v)]}]),
        )
        .await;
    }
    must(
        &mut c,
        who,
        "group.update",
        json!([group, {"name": format!("g{who}r")}]),
    )
    .await;
    // Memberships from the group's side: b (primary) stays, a joins, c is dropped.
    must(&mut c, who, "group.update", json!([group, {"users": [user_a, user_b]}])).await;
    must(&mut c, who, "user.delete", json!([user_c, {"delete_group": true}])).await;
    must(&mut c, who, "user.delete", json!([user_b])).await;
    must(
        &mut c,
        who,
        "user.update",
        json!([user_a, {"full_name": format!("final {who}")}]),
    )
    .await;

    // The client reads back exactly what it wrote.
    let expected_groups: BTreeSet<i64> = [s(3), group].into();
    let a = must(&mut c, who, "user.get_instance", json!([user_a])).await;
    assert_eq!(a["full_name"], format!("final {who}"), "client {who}");
    assert_eq!(ids(&a["groups"]), expected_groups, "client {who}");
    let g = must(&mut c, who, "group.get_instance", json!([group])).await;
    assert_eq!(g["name"], format!("g{who}r"), "client {who}");
    assert_eq!(ids(&g["users"]), BTreeSet::from([user_a]), "client {who}");
    for gone in [user_b, user_c] {
        let e = c.err("user.get_instance", json!([gone])).await;
        assert_eq!(e["code"], -32602, "client {who}: {e}");
    }
    Outcome {
        user_a,
        group,
        expected_groups,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_clients_write_at_once_without_losing_anything() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let users_before = admin.ok("user.query", json!([])).await.as_array().expect("list").len();
    let groups_before = admin.ok("group.query", json!([])).await.as_array().expect("list").len();
    let mut shared = Vec::new();
    for i in 0..SHARED_GROUPS {
        let id = admin.ok("group.create", json!([{"name": format!("shared{i}")}])).await;
        shared.push(id.as_i64().expect("group id"));
    }

    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|who| tokio::spawn(script(server.url(), who, shared.clone())))
        .collect();
    let all = async {
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.expect("client task"));
        }
        outcomes
    };
    let outcomes = tokio::time::timeout(Duration::from_secs(120), all)
        .await
        .expect("no deadlock: every client finished within 120 s");
    eprintln!("{CLIENTS} clients done in {:?}", started.elapsed());

    let users = admin.ok("user.query", json!([])).await;
    let groups = admin.ok("group.query", json!([])).await;
    let users = users.as_array().expect("list");
    let groups = groups.as_array().expect("list");
    // Each client kept one user and two groups (its own and its user's primary group).
    assert_eq!(users.len(), users_before + CLIENTS);
    assert_eq!(groups.len(), groups_before + SHARED_GROUPS + 2 * CLIENTS);

    // Unique ids, uids, gids and names.
    let unique = |items: &[Value], key: &str| {
        let values: BTreeSet<String> = items.iter().map(|i| i[key].to_string()).collect();
        assert_eq!(values.len(), items.len(), "duplicate {key}");
    };
    for key in ["id", "uid", "username"] {
        unique(users, key);
    }
    for key in ["id", "gid", "name"] {
        unique(groups, key);
    }

    // Memberships agree: a group's `users` are the users having it as primary or auxiliary group.
    let mut members: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for u in users {
        let id = u["id"].as_i64().expect("user id");
        members
            .entry(u["group"]["id"].as_i64().expect("primary group"))
            .or_default()
            .insert(id);
        for g in ids(&u["groups"]) {
            members.entry(g).or_default().insert(id);
        }
    }
    for g in groups {
        let id = g["id"].as_i64().expect("group id");
        assert_eq!(
            ids(&g["users"]),
            members.remove(&id).unwrap_or_default(),
            "members of group {}",
            g["name"]
        );
    }
    assert!(members.is_empty(), "users in groups that do not exist: {members:?}");

    // Every client's final state is in the listing.
    for (who, o) in outcomes.iter().enumerate() {
        let a = users.iter().find(|u| u["id"] == o.user_a).expect("user a listed");
        assert_eq!(a["full_name"], format!("final {who}"));
        assert_eq!(ids(&a["groups"]), o.expected_groups);
        let g = groups.iter().find(|g| g["id"] == o.group).expect("group listed");
        assert_eq!(g["name"], format!("g{who}r"));
    }
}

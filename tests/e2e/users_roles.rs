//! Roles and the `user.*` methods: roles derived from group privileges, secret redaction, what READONLY_ADMIN,
//! SHARING_ADMIN, ACCOUNT_READ/ACCOUNT_WRITE and unauthenticated or unprivileged callers may do.

use accountd_e2e::{TestServer, assert_call_error, group_id, user_by_name};
use serde_json::{Value, json};

const REDACTED: &str = "********";

/// Replaces the secret fields of an entry as a redacting server would.
fn redacted(entry: &Value) -> Value {
    let mut e = entry.clone();
    for field in ["unixhash", "smbhash", "password_history"] {
        if !e[field].is_null() {
            e[field] = json!(REDACTED);
        }
    }
    e
}

/// Binds a new privilege with `roles` to a new group `group_name` by writing the database directly (no API
/// method manages privileges); returns the group's id.

#[tokio::test]
async fn roles_come_from_the_privileges_of_primary_and_auxiliary_groups() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let sharing = group_id(&mut admin, "truenas_sharing_administrators").await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;

    let cases: Vec<(&str, Value, Value)> = vec![
        ("full", json!([admins]), json!(["FULL_ADMIN"])),
        ("ro", json!([readonly]), json!(["READONLY_ADMIN"])),
        ("share", json!([sharing]), json!(["SHARING_ADMIN"])),
        (
            "both",
            json!([sharing, readonly, staff]),
            json!(["READONLY_ADMIN", "SHARING_ADMIN"]),
        ),
        ("plain", json!([staff]), json!([])),
    ];
    for (name, groups, roles) in cases {
        let user = admin
            .ok(
                "user.create",
                json!([{"username": name, "full_name": name, "group_create": true, "password": "pw",
                        "groups": groups}]),
            )
            .await;
        assert_eq!(user["roles"], roles, "{name}");
        assert_eq!(user_by_name(&mut admin, name).await["roles"], roles, "{name}");
        if roles != json!([]) {
            let mut c = server.logged_in(name, "pw").await;
            let me = c.ok("auth.me", json!([])).await;
            assert_eq!(me["privilege"]["roles"], json!({"$set": roles}), "{name}");
        }
    }

    // A privileged group as primary group counts too.
    let primary = admin
        .ok(
            "user.create",
            json!([{"username": "primary", "full_name": "p", "group": readonly, "password": "pw", "smb": false}]),
        )
        .await;
    assert_eq!(primary["groups"], json!([]));
    assert_eq!(primary["roles"], json!(["READONLY_ADMIN"]));
    assert_eq!(server.login_type("primary", "pw").await, "SUCCESS");

    // Changing groups changes roles.
    let plain = user_by_name(&mut admin, "plain").await;
    let promoted = admin
        .ok("user.update", json!([plain["id"], {"groups": [staff, admins]}]))
        .await;
    assert_eq!(promoted["roles"], json!(["FULL_ADMIN"]));
    let demoted = admin.ok("user.update", json!([plain["id"], {"groups": []}])).await;
    assert_eq!(demoted["roles"], json!([]));
}

#[tokio::test]
async fn readonly_admin_sees_secrets_redacted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let sharing = group_id(&mut admin, "truenas_sharing_administrators").await;
    server.create_user(&mut admin, "ro", &[readonly]).await;
    server.create_user(&mut admin, "share", &[sharing]).await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    admin
        .ok("user.update", json!([alice["id"], {"password": "second"}]))
        .await;
    let full_view = admin.ok("user.query", json!([[], {"order_by": ["id"]}])).await;
    let alice_full = user_by_name(&mut admin, "alice").await;
    assert!(alice_full["unixhash"].as_str().expect("hash").starts_with("$argon2id$"));
    assert_eq!(alice_full["password_history"].as_array().expect("list").len(), 1);

    for who in ["ro", "share"] {
        let mut c = server.logged_in(who, "pw").await;
        let list = c.ok("user.query", json!([[], {"order_by": ["id"]}])).await;
        let expected: Vec<Value> = full_view.as_array().expect("list").iter().map(redacted).collect();
        assert_eq!(list, json!(expected), "{who}");
        let alice_ro = c.ok("user.get_instance", json!([alice["id"]])).await;
        assert_eq!(alice_ro["unixhash"], REDACTED);
        assert_eq!(alice_ro["smbhash"], REDACTED);
        assert_eq!(alice_ro["password_history"], REDACTED);
        assert_eq!(alice_ro, redacted(&alice_full));
        // "*" (no password) and an empty history are redacted too: nothing leaks which users have passwords.
        let root = c.ok("user.get_instance", json!([1])).await;
        assert_eq!(root["unixhash"], REDACTED);
        assert_eq!(root["password_history"], REDACTED);
        // Filtering and selecting see only the redacted values.
        assert_eq!(
            c.ok(
                "user.query",
                json!([[["unixhash", "^", "$argon2id$"]], {"count": true}])
            )
            .await,
            0
        );
        assert_eq!(
            c.ok(
                "user.query",
                json!([[["username", "=", "alice"]], {"select": ["unixhash", "smbhash"], "get": true}]),
            )
            .await,
            json!({"unixhash": REDACTED, "smbhash": REDACTED})
        );
    }
    // The administrator's view is unredacted.
    assert!(
        admin
            .ok(
                "user.query",
                json!([[["unixhash", "^", "$argon2id$"]], {"count": true}])
            )
            .await
            .as_i64()
            .expect("count")
            >= 4
    );
}

#[tokio::test]
async fn readonly_admin_can_read_but_not_write() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let ro_user = server.create_user(&mut admin, "ro", &[readonly]).await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let before = admin.ok("user.query", json!([])).await;
    let mut ro = server.logged_in("ro", "pw").await;

    // Reading works.
    assert_eq!(user_by_name(&mut ro, "alice").await["uid"], 3001);
    assert_eq!(
        ro.ok("user.get_instance", json!([alice["id"]])).await["username"],
        "alice"
    );
    assert_eq!(ro.ok("user.get_next_uid", json!([])).await, 3002);
    assert_eq!(
        ro.ok("user.shell_choices", json!([[]])).await["/usr/sbin/nologin"],
        "nologin"
    );
    assert_eq!(
        ro.ok("user.get_user_obj", json!([{"username": "alice"}])).await["pw_uid"],
        3001
    );
    assert_eq!(ro.ok("user.has_local_administrator_set_up", json!([])).await, true);

    // Writing does not.
    let calls = [
        (
            "user.create",
            json!([{"username": "evil", "full_name": "e", "group_create": true, "password": "pw"}]),
        ),
        ("user.update", json!([alice["id"], {"full_name": "changed"}])),
        ("user.update", json!([ro_user["id"], {"groups": []}])),
        ("user.delete", json!([alice["id"]])),
    ];
    for (method, params) in calls {
        let e = ro.err(method, params.clone()).await;
        assert_call_error(&e, "EACCES", "Not authorized");
        assert_eq!(e["data"]["error"], 13, "{method} {params}");
    }
    // Authorization is checked before the params: even invalid params give EACCES.
    let e = ro.err("user.create", json!([{"bogus": true}])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    assert_eq!(admin.ok("user.query", json!([])).await, before);
}

#[tokio::test]
async fn unauthenticated_calls_are_refused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    let mut anon = server.client().await;
    let calls = [
        ("user.query", json!([])),
        ("user.get_instance", json!([alice["id"]])),
        (
            "user.create",
            json!([{"username": "evil", "full_name": "e", "group_create": true, "password": "pw"}]),
        ),
        ("user.update", json!([alice["id"], {"locked": true}])),
        ("user.delete", json!([alice["id"]])),
        ("user.get_next_uid", json!([])),
        ("user.shell_choices", json!([])),
        ("user.get_user_obj", json!([{"username": "alice"}])),
        ("user.set_password", json!([{"username": "alice", "new_password": "x"}])),
    ];
    for (method, params) in calls {
        let e = anon.err(method, params).await;
        assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
        assert_eq!(e["data"]["error"], 207, "{method}");
    }
    // The two setup helpers need no login.
    assert_eq!(anon.ok("user.has_local_administrator_set_up", json!([])).await, true);
    let e = anon.err("user.setup_local_administrator", json!(["root", "x"])).await;
    assert_call_error(&e, "EEXIST", "Local administrator is already set up");
    // Nothing changed.
    let now = admin.ok("user.get_instance", json!([alice["id"]])).await;
    assert_eq!(now["locked"], false);
    assert_eq!(now["unixhash"], alice["unixhash"]);
}

#[tokio::test]
async fn users_without_a_role_are_denied_at_login() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let plain = server
        .create_user(&mut admin, "plain", &[staff.as_i64().expect("id")])
        .await;
    assert_eq!(plain["roles"], json!([]));

    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "plain", "password": "pw"}]),
        )
        .await;
    assert_eq!(r, json!({"response_type": "DENIED"}));
    // The connection is not logged in.
    let e = c.err("user.query", json!([])).await;
    assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
    let e = c
        .err(
            "user.set_password",
            json!([{"username": "plain", "old_password": "pw", "new_password": "x"}]),
        )
        .await;
    assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
    // Wrong or unknown credentials are AUTH_ERR, not DENIED.
    assert_eq!(server.login_type("plain", "wrong").await, "AUTH_ERR");
    assert_eq!(server.login_type("ghost", "pw").await, "AUTH_ERR");

    // Once in a privileged group, the same credentials succeed.
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    admin
        .ok(
            "user.update",
            json!([plain["id"], {"groups": [staff, json!(readonly)]}]),
        )
        .await;
    assert_eq!(server.login_type("plain", "pw").await, "SUCCESS");
}

#[tokio::test]
async fn role_changes_reach_open_sessions() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let bob = server.create_user(&mut admin, "bob", &[readonly]).await;
    let mut session = server.logged_in("bob", "pw").await;
    let new_user = json!([{"username": "made", "full_name": "m", "group_create": true, "password": "pw"}]);
    assert_call_error(
        &session.err("user.create", new_user.clone()).await,
        "EACCES",
        "Not authorized",
    );
    assert_eq!(user_by_name(&mut session, "bob").await["unixhash"], REDACTED);

    admin.ok("user.update", json!([bob["id"], {"groups": [admins]}])).await;
    let made = session.ok("user.create", new_user).await;
    assert_eq!(made["username"], "made");
    assert!(
        user_by_name(&mut session, "bob").await["unixhash"]
            .as_str()
            .expect("hash")
            .starts_with("$argon2id$")
    );

    admin.ok("user.update", json!([bob["id"], {"groups": []}])).await;
    assert_call_error(&session.err("user.query", json!([])).await, "EACCES", "Not authorized");
    // Locking ends the session (and closes its connection).
    admin.ok("user.update", json!([bob["id"], {"locked": true}])).await;
    assert_eq!(session.closed().await, Some(1000));
}

#[tokio::test]
async fn account_read_and_account_write_roles() {
    // No API method grants ACCOUNT_READ or ACCOUNT_WRITE alone; privileges carrying them are written to the
    // database directly to check how the user.* methods treat such sessions.
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let writers = server.grant_privilege(&mut admin, "writers", &["ACCOUNT_WRITE"]).await;
    let readers = server.grant_privilege(&mut admin, "readers", &["ACCOUNT_READ"]).await;
    let w = server.create_user(&mut admin, "writer", &[writers]).await;
    assert_eq!(w["roles"], json!(["ACCOUNT_WRITE"]));
    let r = server.create_user(&mut admin, "reader", &[readers]).await;
    assert_eq!(r["roles"], json!(["ACCOUNT_READ"]));

    // ACCOUNT_WRITE: full user management, unredacted secrets, but no password reset for others.
    let mut writer = server.logged_in("writer", "pw").await;
    let alice = writer
        .ok(
            "user.create",
            json!([{"username": "alice", "full_name": "Alice", "group_create": true, "password": "password"}]),
        )
        .await;
    assert_eq!(alice["smbhash"], "8846F7EAEE8FB117AD06BDD830B7586C");
    let seen = writer.ok("user.get_instance", json!([alice["id"]])).await;
    assert_eq!(seen["unixhash"], alice["unixhash"]);
    assert_eq!(seen["password_history"], json!([]));
    let updated = writer
        .ok("user.update", json!([alice["id"], {"full_name": "Alice L"}]))
        .await;
    assert_eq!(updated["full_name"], "Alice L");
    assert_eq!(writer.ok("user.get_next_uid", json!([])).await, 3003);
    assert_eq!(writer.ok("user.shell_choices", json!([])).await["/usr/bin/zsh"], "zsh");
    let e = writer
        .err("user.set_password", json!([{"username": "alice", "new_password": "x"}]))
        .await;
    assert_call_error(
        &e,
        "EPERM",
        "alice: currently authenticated credential may not reset password for this user.",
    );
    assert_eq!(writer.ok("user.delete", json!([alice["id"]])).await, alice["id"]);
    let own = writer.err("user.delete", json!([w["id"]])).await;
    assert_call_error(&own, "EINVAL", "Cannot delete the currently active user");

    // ACCOUNT_READ: reads with redacted secrets, no writes.
    let mut reader = server.logged_in("reader", "pw").await;
    let seen = reader.ok("user.get_instance", json!([w["id"]])).await;
    assert_eq!(seen["unixhash"], REDACTED);
    assert_eq!(seen["smbhash"], REDACTED);
    assert_eq!(seen["password_history"], REDACTED);
    assert_eq!(
        reader.ok("user.get_user_obj", json!([{"username": "writer"}])).await["pw_uid"],
        3000
    );
    assert_eq!(
        reader.ok("user.shell_choices", json!([[writers]])).await["/usr/bin/cli"],
        "TrueNAS CLI"
    );
    let e = reader.err("user.update", json!([w["id"], {"full_name": "x"}])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    let e = reader.err("user.delete", json!([w["id"]])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    // Own password with the current one.
    reader
        .ok(
            "user.set_password",
            json!([{"username": "reader", "old_password": "pw", "new_password": "pw2"}]),
        )
        .await;
    assert_eq!(server.login_type("reader", "pw2").await, "SUCCESS");
}

/// A deleted user's id is never handed out again, so an open session of a deleted user cannot turn into a
/// session of whoever is created next.
#[tokio::test]
async fn sessions_of_deleted_users_end_and_ids_are_not_reused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readonly = group_id(&mut admin, "truenas_readonly_administrators").await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let x = server.create_user(&mut admin, "xuser", &[readonly]).await;
    let mut x_session = server.logged_in("xuser", "pw").await;
    x_session.ok("user.query", json!([[], {"count": true}])).await;

    admin.ok("user.delete", json!([x["id"]])).await;
    let y = server.create_user(&mut admin, "yadmin", &[admins]).await;
    assert_ne!(y["id"], x["id"], "ids of deleted users are not reused");
    assert_ne!(
        y["group"]["id"], x["group"]["id"],
        "ids of deleted groups are not reused"
    );

    // The deleted user's session was ended: nothing more can be sent on it.
    assert_eq!(x_session.closed().await, Some(1000));
}

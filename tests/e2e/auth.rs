//! Connection setup, logins (`auth.login_ex`, legacy `auth.login`), `auth.me`, logout, `core.subscribe` /
//! `core.get_jobs`, and role changes reaching live sessions.

use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error, assert_not_authenticated, group_id};
use serde_json::{Value, json};

/// Creates a non-SMB user with password `pw` in the given auxiliary groups; returns its entry.
async fn create_plain_user(admin: &mut Client, username: &str, groups: &[i64]) -> Value {
    admin
        .ok(
            "user.create",
            json!([{"username": username, "full_name": format!("{username} full"), "group_create": true,
                    "password": "pw", "smb": false, "groups": groups}]),
        )
        .await
}

/// Asserts a -32001 EACCES "Not authorized" error.
fn assert_not_authorized(e: &Value) {
    assert_call_error(e, "EACCES", "Not authorized");
    assert_eq!(e["data"]["error"], 13);
}

#[tokio::test]
async fn connection_setup_needs_no_login() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    // What truenas_api_client sends first.
    let r = c
        .ok(
            "core.set_options",
            json!([{"legacy_jobs": false, "private_methods": false, "py_exceptions": false}]),
        )
        .await;
    assert_eq!(
        r,
        json!({"legacy_jobs": false, "private_methods": false, "py_exceptions": false})
    );
    // Only given keys change; the effective values are returned.
    let r = c.ok("core.set_options", json!([{"private_methods": true}])).await;
    assert_eq!(
        r,
        json!({"legacy_jobs": false, "private_methods": true, "py_exceptions": false})
    );
    // Options are per connection: a new one starts from the defaults.
    let mut other = server.client().await;
    assert_eq!(
        other.ok("core.set_options", json!([{}])).await,
        json!({"legacy_jobs": true, "private_methods": false, "py_exceptions": false})
    );
    // Unknown keys and non-booleans are refused.
    let e = c.err("core.set_options", json!([{"legacy_jobs": 0}])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["options.legacy_jobs", "Input should be a valid boolean", 22]])
    );
    let e = c.err("core.set_options", json!([{"nope": true}])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["options.nope", "Extra inputs are not permitted", 22]])
    );
    assert_eq!(c.ok("core.ping", json!([])).await, "pong");
    assert_eq!(
        c.ok("auth.mechanism_choices", json!([])).await,
        json!(["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN", "ONETIME_PASSWORD"])
    );
    assert_eq!(c.ok("user.has_local_administrator_set_up", json!([])).await, false);
    // Everything else needs a login.
    for (method, params) in [
        ("auth.me", json!([])),
        ("auth.logout", json!([])),
        ("auth.set_attribute", json!(["k", 1])),
        ("user.query", json!([])),
        ("group.query", json!([])),
        ("core.get_jobs", json!([])),
        ("core.unsubscribe", json!(["x"])),
    ] {
        assert_not_authenticated(&c.err(method, params).await);
    }
}

#[tokio::test]
async fn login_ex_success_has_the_truenas_shape() {
    let server = TestServer::start().await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    let r = c.login_ex("truenas_admin", ADMIN_PASSWORD).await;
    let keys: Vec<&str> = r.as_object().expect("object").keys().map(String::as_str).collect();
    assert_eq!(keys, ["response_type", "user_info", "authenticator", "reconnect_token"]);
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(r["authenticator"], "LEVEL_1");
    assert_eq!(r["reconnect_token"], Value::Null);
    // user_info is exactly what auth.me answers.
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(r["user_info"], me);
    assert_eq!(me["pw_name"], "truenas_admin");

    // user_info can be left out.
    let mut c2 = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": ADMIN_PASSWORD,
                    "login_options": {"user_info": false}}]),
        )
        .await;
    assert_eq!(
        r,
        json!({"response_type": "SUCCESS", "user_info": null, "authenticator": "LEVEL_1", "reconnect_token": null})
    );
    // A login on one connection does not log in another.
    assert_not_authenticated(&c2.err("auth.me", json!([])).await);

    // Mechanisms this server does not offer are refused by the params model.
    let e = c2
        .err(
            "auth.login_ex",
            json!([{"mechanism": "SCRAM", "scram_type": "CLIENT_FIRST_MESSAGE", "rfc_str": "n,,n=truenas_admin,r=x"}]),
        )
        .await;
    assert_eq!(e["code"], -32602);
    assert_eq!(e["data"]["extra"][0][0], "login_data");
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let server = TestServer::start().await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    let wrong_password = c.login_ex("truenas_admin", "not-the-password").await;
    let unknown_user = c.login_ex("nobody-at-all", ADMIN_PASSWORD).await;
    let empty = c.login_ex("", "").await;
    // Names are case-sensitive.
    let other_case = c.login_ex("TRUENAS_ADMIN", ADMIN_PASSWORD).await;
    for r in [&wrong_password, &unknown_user, &empty, &other_case] {
        assert_eq!(*r, json!({"response_type": "AUTH_ERR"}));
    }
    // Builtin accounts without a usable password cannot log in either (root's password is disabled once
    // truenas_admin is set up; nobody never had one).
    assert_eq!(
        c.login_ex("root", ADMIN_PASSWORD).await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_eq!(c.login_ex("nobody", "*").await, json!({"response_type": "AUTH_ERR"}));
    // Still logged out.
    assert_not_authenticated(&c.err("auth.me", json!([])).await);
    // And the right password still works afterwards on the same connection.
    c.login("truenas_admin", ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn locked_and_password_disabled_users_cannot_log_in() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ro = group_id(&mut admin, "truenas_readonly_administrators").await;
    let carl = create_plain_user(&mut admin, "carl", &[ro]).await;
    let id = carl["id"].clone();

    let mut c = server.client().await;
    c.login("carl", "pw").await;

    // Locking the account: new logins fail, and the live session is ended (its connection closed).
    admin.ok("user.update", json!([id, {"locked": true}])).await;
    let mut other = server.client().await;
    assert_eq!(other.login_ex("carl", "pw").await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(other.ok("auth.login", json!(["carl", "pw"])).await, false);
    assert_eq!(c.closed().await, Some(1000));

    // Unlocked: the same password works again.
    admin.ok("user.update", json!([id, {"locked": false}])).await;
    other.login("carl", "pw").await;

    // Password login disabled: refused even with the old password.
    admin.ok("user.update", json!([id, {"password_disabled": true}])).await;
    let mut third = server.client().await;
    assert_eq!(third.login_ex("carl", "pw").await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(third.login_ex("carl", "*").await, json!({"response_type": "AUTH_ERR"}));
}

#[tokio::test]
async fn users_without_a_privilege_are_denied() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    create_plain_user(&mut admin, "dora", &[]).await;
    let mut c = server.client().await;
    assert_eq!(c.login_ex("dora", "pw").await, json!({"response_type": "DENIED"}));
    // A wrong password is still just AUTH_ERR (DENIED reveals nothing without the password).
    assert_eq!(c.login_ex("dora", "wrong").await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(c.ok("auth.login", json!(["dora", "pw"])).await, false);
    assert_not_authenticated(&c.err("auth.me", json!([])).await);
}

#[tokio::test]
async fn legacy_login_answers_a_boolean() {
    let server = TestServer::start().await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login", json!(["truenas_admin", "wrong"])).await, false);
    assert_eq!(c.ok("auth.login", json!(["nobody-here", "x"])).await, false);
    assert_not_authenticated(&c.err("auth.me", json!([])).await);
    assert_eq!(c.ok("auth.login", json!(["truenas_admin", ADMIN_PASSWORD])).await, true);
    assert_eq!(c.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    // The optional third argument (otp_token) is accepted.
    let mut c2 = server.client().await;
    assert_eq!(
        c2.ok("auth.login", json!(["truenas_admin", ADMIN_PASSWORD, null]))
            .await,
        true
    );
    // Arguments are positional and typed.
    let e = c2.err("auth.login", json!(["truenas_admin"])).await;
    assert_eq!(e["data"]["extra"], json!([["password", "Field required", 22]]));
    let e = c2.err("auth.login", json!(["a", "b", null, 4])).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["", "Too many arguments (expected 3, found 4)", 22]])
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(admin.ok("auth.logout", json!([])).await, true);
    assert_not_authenticated(&admin.err("auth.me", json!([])).await);
    assert_not_authenticated(&admin.err("user.query", json!([])).await);
    assert_not_authenticated(&admin.err("auth.logout", json!([])).await);
    // No-auth methods still work, and logging in again works.
    assert_eq!(admin.ok("core.ping", json!([])).await, "pong");
    admin.login("truenas_admin", ADMIN_PASSWORD).await;
    assert_eq!(
        admin
            .ok("user.query", json!([[["uid", "=", 0]], {"count": true}]))
            .await,
        1
    );
}

#[tokio::test]
async fn auth_me_describes_the_session() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let me = admin.ok("auth.me", json!([])).await;
    assert_eq!(
        me,
        json!({
            "pw_name": "truenas_admin",
            "pw_gecos": "Local Administrator",
            "pw_dir": "/home/truenas_admin",
            "pw_shell": "/usr/bin/zsh",
            "pw_uid": 950,
            "pw_gid": 950,
            "grouplist": null,
            "sid": null,
            "source": "LOCAL",
            "local": true,
            "attributes": {},
            "two_factor_config": {"provisioning_uri": null, "secret_configured": false, "interval": 30, "otp_digits": 6, "recovery_codes_remaining": 0},
            "privilege": {
                "roles": {"$set": ["FULL_ADMIN"]},
                "allowlist": [{"method": "*", "resource": "*"}],
                "web_shell": true,
                "webui_access": true
            },
            "account_attributes": ["SYS_ADMIN", "LOCAL"],
            "tenant": {"id": 1, "name": "admin"}
        })
    );

    // A read-only administrator.
    let ro = group_id(&mut admin, "truenas_readonly_administrators").await;
    let erin = create_plain_user(&mut admin, "erin", &[ro]).await;
    let mut c = server.client().await;
    c.login("erin", "pw").await;
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(
        me,
        json!({
            "pw_name": "erin",
            "pw_gecos": "erin full",
            "pw_dir": "/var/empty",
            "pw_shell": "/usr/bin/zsh",
            "pw_uid": erin["uid"],
            "pw_gid": erin["group"]["bsdgrp_gid"],
            "grouplist": null,
            "sid": null,
            "source": "LOCAL",
            "local": true,
            "attributes": {},
            "two_factor_config": {"provisioning_uri": null, "secret_configured": false, "interval": 30, "otp_digits": 6, "recovery_codes_remaining": 0},
            "privilege": {
                "roles": {"$set": ["READONLY_ADMIN"]},
                "allowlist": [],
                "web_shell": false,
                "webui_access": true
            },
            "account_attributes": ["LOCAL"],
            "tenant": {"id": 1, "name": "admin"}
        })
    );

    // Attributes are per user and survive a new login.
    assert_eq!(
        c.ok("auth.set_attribute", json!(["preferences", {"lang": "en"}])).await,
        Value::Null
    );
    c.ok("auth.set_attribute", json!(["count", 3])).await;
    c.ok("auth.set_attribute", json!(["count", 4])).await;
    let mut again = server.client().await;
    again.login("erin", "pw").await;
    assert_eq!(
        again.ok("auth.me", json!([])).await["attributes"],
        json!({"count": 4, "preferences": {"lang": "en"}})
    );
    assert_eq!(admin.ok("auth.me", json!([])).await["attributes"], json!({}));

    // Logging in again on a connection switches it to the new user; a failed attempt changes nothing.
    assert_eq!(
        admin.login_ex("erin", "wrong").await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_eq!(admin.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    admin.login("erin", "pw").await;
    assert_eq!(admin.ok("auth.me", json!([])).await["pw_name"], "erin");
    let e = admin.err("group.create", json!([{"name": "x"}])).await;
    assert_not_authorized(&e);
}

#[tokio::test]
async fn subscribe_to_jobs_needs_a_login() {
    let server = TestServer::start().await;
    let _ = server.admin().await;
    let mut c = server.client().await;
    // What truenas_api_client does before login, ignoring the 207.
    let e = c.err("core.subscribe", json!(["core.get_jobs"])).await;
    assert_not_authenticated(&e);

    c.login("truenas_admin", ADMIN_PASSWORD).await;
    let id = c.ok("core.subscribe", json!(["core.get_jobs"])).await;
    let id = id.as_str().expect("subscription id is a string");
    // A v4 UUID.
    assert_eq!(id.len(), 36, "{id}");
    for (i, ch) in id.chars().enumerate() {
        match i {
            8 | 13 | 18 | 23 => assert_eq!(ch, '-', "{id}"),
            14 => assert_eq!(ch, '4', "{id}"),
            _ => assert!(ch.is_ascii_hexdigit() && !ch.is_ascii_uppercase(), "{id}"),
        }
    }
    let second = c.ok("core.subscribe", json!(["core.get_jobs"])).await;
    assert_ne!(second.as_str(), Some(id));
    assert_eq!(c.ok("core.unsubscribe", json!([id])).await, Value::Null);
    // Events the session may not see.
    assert_not_authorized(&c.err("core.subscribe", json!(["no.such.event"])).await);

    // No method is a job: the job list is always empty, whatever the query.
    assert_eq!(c.ok("core.get_jobs", json!([])).await, json!([]));
    assert_eq!(c.ok("core.get_jobs", json!([[["id", "=", 1]]])).await, json!([]));
    assert_eq!(c.ok("core.get_jobs", json!([[], {"count": true}])).await, 0);
    let e = c.err("core.get_jobs", json!([[["id", "=", 1]], {"get": true}])).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(e["data"]["reason"], "MatchNotFound()");
}

#[tokio::test]
async fn role_changes_reach_live_sessions_at_their_next_call() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ro = group_id(&mut admin, "truenas_readonly_administrators").await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let frank = create_plain_user(&mut admin, "frank", &[ro]).await;
    let frank_id = frank["id"].as_i64().expect("id");

    let mut c = server.client().await;
    c.login("frank", "pw").await;
    // Read-only administrator: may read, may not write.
    assert_eq!(
        c.ok("user.query", json!([[["username", "=", "frank"]], {"count": true}]))
            .await,
        1
    );
    let create_group = json!([{"name": "frank_group"}]);
    assert_not_authorized(&c.err("group.create", create_group.clone()).await);

    // Removed from the read-only administrators: still logged in, but no longer allowed to read.
    admin.ok("group.update", json!([ro, {"users": []}])).await;
    assert_not_authorized(&c.err("user.query", json!([])).await);
    assert_not_authorized(&c.err("group.get_instance", json!([ro])).await);
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(me["privilege"]["roles"], json!({"$set": []}));

    // Back in the group (through user.update this time): reading works again without a new login.
    admin.ok("user.update", json!([frank_id, {"groups": [ro]}])).await;
    assert_eq!(
        c.ok("group.get_instance", json!([ro])).await["name"],
        "truenas_readonly_administrators"
    );
    assert_not_authorized(&c.err("group.create", create_group.clone()).await);

    // Made a full administrator: writing works.
    let members = admin.ok("group.get_instance", json!([admins])).await["users"].clone();
    let mut members: Vec<i64> = serde_json::from_value(members).expect("ids");
    members.push(frank_id);
    admin.ok("group.update", json!([admins, {"users": members}])).await;
    let gid = c.ok("group.create", create_group.clone()).await;
    assert!(gid.is_i64(), "{gid}");
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(
        me["privilege"]["roles"],
        json!({"$set": ["FULL_ADMIN", "READONLY_ADMIN"]})
    );
    assert_eq!(me["privilege"]["allowlist"], json!([{"method": "*", "resource": "*"}]));

    // Deleting the user ends the session (and closes its connection).
    admin.ok("user.delete", json!([frank_id])).await;
    assert_eq!(c.closed().await, Some(1000));
}

#[tokio::test]
async fn a_login_rehashes_a_password_made_with_other_argon2_parameters() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let hash_of = |entry: &Value| entry["unixhash"].as_str().expect("hash").to_string();
    let before = hash_of(&accountd_e2e::user_by_name(&mut admin, "alice").await);
    assert!(before.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{before}");

    // The service restarts with a higher cost for new hashes.
    server.settings.argon2 = accountd_core::password::Argon2Params { m_kib: 128, t: 2, p: 1 };
    server.restart().await;
    let mut admin = server.admin().await;
    assert_eq!(server.login_type("alice", "wrong").await, "AUTH_ERR");
    let entry = accountd_e2e::user_by_name(&mut admin, "alice").await;
    assert_eq!(hash_of(&entry), before, "a wrong password changes nothing");
    assert_eq!(server.login_type("alice", "pw").await, "SUCCESS");
    let after = hash_of(&accountd_e2e::user_by_name(&mut admin, "alice").await);
    assert!(after.starts_with("$argon2id$v=19$m=128,t=2,p=1$"), "{after}");
    assert_eq!(
        server.login_type("alice", "pw").await,
        "SUCCESS",
        "the new hash verifies"
    );
    assert_eq!(
        hash_of(&accountd_e2e::user_by_name(&mut admin, "alice").await),
        after,
        "a current hash is kept"
    );
}

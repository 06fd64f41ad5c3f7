//! Tokens (`auth.generate_token`, `TOKEN_PLAIN`, `auth.login_with_token`) and sessions (`auth.sessions`,
//! `auth.terminate_session`, `auth.terminate_other_sessions`, sessions ended by locking, deleting or a new
//! password).
#![allow(
    clippy::disallowed_methods,
    reason = "polls, under a deadline, for what the real server does after its reply"
)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error, assert_invalid, assert_not_authenticated};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// `auth.login_ex` with a token.
async fn token_login(c: &mut Client, token: &str) -> Value {
    c.ok("auth.login_ex", json!([{"mechanism": "TOKEN_PLAIN", "token": token}]))
        .await
}

/// This connection's own session entry.
async fn own_session(c: &mut Client) -> Value {
    c.ok("auth.sessions", json!([[["current", "=", true]], {"get": true}]))
        .await
}

#[tokio::test]
async fn a_token_logs_another_connection_in_as_its_creator() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let token = admin.ok("auth.generate_token", json!([])).await;
    let token = token.as_str().expect("a string").to_string();
    assert_eq!(token.len(), 64);
    assert!(token.bytes().all(|b| b.is_ascii_alphanumeric()), "{token}");
    assert_ne!(admin.ok("auth.generate_token", json!([])).await, json!(token));

    let mut c = server.client().await;
    let r = token_login(&mut c, &token).await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(r["authenticator"], "LEVEL_1");
    assert_eq!(r["user_info"]["pw_name"], "truenas_admin");
    assert_eq!(c.ok("auth.me", json!([])).await, r["user_info"]);
    // The session shows how it logged in, and on whose behalf.
    let own = own_session(&mut c).await;
    let admin_session = own_session(&mut admin).await;
    assert_eq!(own["credentials"], "TOKEN");
    assert_eq!(
        own["credentials_data"],
        json!({"username": "truenas_admin",
               "parent": {"credentials": "LOGIN_PASSWORD", "credentials_data": admin_session["credentials_data"]}})
    );
    // A token made by a token session still names the original login.
    let second = c.ok("auth.generate_token", json!([600, {}, true, false])).await;
    let mut d = server.client().await;
    assert_eq!(
        d.ok("auth.login_with_token", json!([second])).await,
        true,
        "legacy login with a token"
    );
    assert_eq!(
        own_session(&mut d).await["credentials_data"]["parent"]["credentials"],
        "LOGIN_PASSWORD"
    );

    // Bad tokens.
    let mut e = server.client().await;
    assert_eq!(
        token_login(&mut e, &"x".repeat(64)).await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_eq!(token_login(&mut e, "").await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(e.ok("auth.login_with_token", json!(["nope"])).await, false);
    assert_not_authenticated(&e.err("auth.me", json!([])).await);
    // Token generation needs a login; arguments are checked.
    assert_not_authenticated(&e.err("auth.generate_token", json!([])).await);
    let err = admin.err("auth.generate_token", json!(["600"])).await;
    assert_invalid(&err, "ttl", "Input should be a valid integer");
    let err = admin.err("auth.generate_token", json!([600, [], true])).await;
    assert_invalid(&err, "attrs", "Input should be a valid dictionary");
    let err = admin.err("auth.login_ex", json!([{"mechanism": "TOKEN_PLAIN"}])).await;
    assert_eq!(err["code"], -32602);
}

#[tokio::test]
async fn token_lifetime_counts_from_its_last_use() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let token = admin.ok("auth.generate_token", json!([10])).await;
    let token = token.as_str().expect("token");

    clock.advance_ms(9_000);
    let mut b = server.client().await;
    assert_eq!(token_login(&mut b, token).await["response_type"], "SUCCESS");
    // Every message on the token's session is a use.
    clock.advance_ms(9_000);
    assert_eq!(b.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    clock.advance_ms(9_000);
    let mut c = server.client().await;
    assert_eq!(token_login(&mut c, token).await["response_type"], "SUCCESS");
    // 10 s without use: the token and the sessions logged in with it expire.
    clock.advance_ms(10_000);
    assert_not_authenticated(&b.err("auth.me", json!([])).await);
    let mut d = server.client().await;
    assert_eq!(token_login(&mut d, token).await, json!({"response_type": "AUTH_ERR"}));
    assert_not_authenticated(&c.err("auth.me", json!([])).await);
    // The session that created it is a password session: unaffected.
    assert_eq!(admin.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");

    // ttl null is 600 s.
    let token = admin.ok("auth.generate_token", json!([null])).await;
    let token = token.as_str().expect("token");
    clock.advance_ms(599_999);
    assert_eq!(token_login(&mut d, token).await["response_type"], "SUCCESS");
    d.ok("auth.logout", json!([])).await;
    let token = admin.ok("auth.generate_token", json!([])).await;
    clock.advance_ms(600_000);
    let mut e = server.client().await;
    assert_eq!(e.ok("auth.login_with_token", json!([token])).await, false);
}

#[tokio::test]
async fn single_use_tokens_log_in_once() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let token = admin.ok("auth.generate_token", json!([600, {}, true, true])).await;
    let token = token.as_str().expect("token");
    let mut b = server.client().await;
    assert_eq!(token_login(&mut b, token).await["response_type"], "SUCCESS");
    let mut c = server.client().await;
    assert_eq!(token_login(&mut c, token).await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(c.ok("auth.login_with_token", json!([token])).await, false);
    // The session it logged in keeps working.
    assert_eq!(b.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
}

#[tokio::test]
async fn match_origin_binds_a_token_to_the_creators_address() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let elsewhere = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let bound = admin.ok("auth.generate_token", json!([600, {}])).await;
    let bound = bound.as_str().expect("token");
    let free = admin.ok("auth.generate_token", json!([600, {}, false])).await;
    let free = free.as_str().expect("token");

    let mut remote = Client::connect_from(&server.url(), elsewhere).await;
    let own = remote.call("auth.sessions", json!([])).await;
    assert!(own.is_err(), "not logged in yet");
    assert_eq!(
        token_login(&mut remote, bound).await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_eq!(token_login(&mut remote, free).await["response_type"], "SUCCESS");
    assert!(
        own_session(&mut remote).await["origin"]
            .as_str()
            .expect("origin")
            .starts_with("127.0.0.2:")
    );
    // The refused attempt did not use the bound token up.
    let mut local = server.client().await;
    assert_eq!(token_login(&mut local, bound).await["response_type"], "SUCCESS");
}

#[tokio::test]
async fn a_token_dies_with_the_session_logged_in_with_it() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    // Logout.
    let token = admin.ok("auth.generate_token", json!([])).await;
    let mut b = server.client().await;
    assert_eq!(b.ok("auth.login_with_token", json!([token])).await, true);
    assert_eq!(b.ok("auth.logout", json!([])).await, true);
    assert_eq!(b.ok("auth.login_with_token", json!([token])).await, false);
    // Closing the connection.
    let token = admin.ok("auth.generate_token", json!([])).await;
    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login_with_token", json!([token])).await, true);
    drop(c);
    let mut d = server.client().await;
    let mut alive = true;
    for _ in 0..100 {
        alive = d.ok("auth.login_with_token", json!([token])).await == true;
        if !alive {
            break;
        }
        d.ok("auth.logout", json!([])).await;
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(!alive, "the token outlived the connection that used it");
    // Logging the session in with something else.
    let token = admin.ok("auth.generate_token", json!([])).await;
    let mut e = server.client().await;
    assert_eq!(e.ok("auth.login_with_token", json!([token])).await, true);
    e.login("truenas_admin", ADMIN_PASSWORD).await;
    assert_eq!(d.ok("auth.login_with_token", json!([token])).await, false);
    // But the creator's connection closing normally does not kill its tokens.
    let mut creator = server.logged_in("truenas_admin", ADMIN_PASSWORD).await;
    let token = creator.ok("auth.generate_token", json!([])).await;
    drop(creator);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(d.ok("auth.login_with_token", json!([token])).await, true);
}

#[tokio::test]
async fn sessions_lists_logged_in_connections() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["API_KEY_READ"]).await;
    clock.advance_ms(1_000);
    let mut alice = server.logged_in("alice", "pw").await;
    clock.advance_ms(1_000);
    let mut bob = server.logged_in("bob", "pw").await;
    let mut bob2 = server.logged_in("bob", "pw").await;
    let _anonymous = server.client().await;

    let all = admin.ok("auth.sessions", json!([])).await;
    let all = all.as_array().expect("list");
    let users: Vec<&str> = all
        .iter()
        .map(|s| s["credentials_data"]["username"].as_str().expect("username"))
        .collect();
    assert_eq!(
        users,
        ["truenas_admin", "alice", "bob", "bob"],
        "in login order, logged-in only"
    );
    let alice_entry = &all[1];
    let keys: Vec<&str> = alice_entry
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "current",
            "internal",
            "origin",
            "credentials",
            "credentials_data",
            "created_at"
        ]
    );
    assert_eq!(alice_entry["id"].as_str().expect("id").len(), 36, "a UUID");
    assert_eq!(alice_entry["current"], false);
    assert_eq!(all[0]["current"], true);
    assert_eq!(alice_entry["internal"], false);
    assert!(
        alice_entry["origin"]
            .as_str()
            .expect("origin")
            .starts_with("127.0.0.1:")
    );
    assert_eq!(alice_entry["credentials"], "LOGIN_PASSWORD");
    assert_eq!(
        alice_entry["credentials_data"],
        json!({"username": "alice", "login_at": {"$date": T0 + 1_000}})
    );
    assert_eq!(alice_entry["created_at"], json!({"$date": T0 + 1_000}));

    // READONLY_ADMIN sees everyone; other users their own sessions.
    assert_eq!(alice.ok("auth.sessions", json!([[], {"count": true}])).await, 4);
    let own = bob.ok("auth.sessions", json!([])).await;
    let own = own.as_array().expect("list");
    assert_eq!(own.len(), 2);
    assert!(own.iter().all(|s| s["credentials_data"]["username"] == "bob"));
    assert_eq!(own.iter().filter(|s| s["current"] == true).count(), 1);
    // The query language applies.
    let r = admin
        .ok(
            "auth.sessions",
            json!([[["credentials_data.username", "=", "bob"]], {"select": ["credentials"]}]),
        )
        .await;
    assert_eq!(
        r,
        json!([{"credentials": "LOGIN_PASSWORD"}, {"credentials": "LOGIN_PASSWORD"}])
    );
    let e = admin.err("auth.sessions", json!([[["id", "=="]], {"nope": 1}])).await;
    assert_eq!(e["code"], -32602);
    // Logging out removes the session; so does closing the connection.
    bob2.ok("auth.logout", json!([])).await;
    drop(alice);
    let mut count = 0;
    for _ in 0..100 {
        count = admin
            .ok("auth.sessions", json!([[], {"count": true}]))
            .await
            .as_i64()
            .expect("count");
        if count == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(count, 2);
    assert_not_authenticated(&server.client().await.err("auth.sessions", json!([])).await);
}

#[tokio::test]
async fn terminate_session_closes_the_connection_and_kills_its_tokens() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "bob", &["API_KEY_READ"]).await;
    let mut bob1 = server.logged_in("bob", "pw").await;
    let token = bob1.ok("auth.generate_token", json!([])).await;
    let other_token = admin.ok("auth.generate_token", json!([])).await;
    let mut bob_by_token = server.client().await;
    assert_eq!(bob_by_token.ok("auth.login_with_token", json!([token])).await, true);
    let bob1_id = own_session(&mut bob1).await["id"].clone();
    let admin_id = own_session(&mut admin).await["id"].clone();

    // Not found (or not logged in): false.
    assert_eq!(
        admin
            .ok(
                "auth.terminate_session",
                json!(["0b7c6e2e-4f0d-4d3a-9a51-2f1f3f8a9c10"])
            )
            .await,
        false
    );
    // Other users' sessions need FULL_ADMIN.
    let e = bob1.err("auth.terminate_session", json!([admin_id])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    assert_eq!(admin.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");

    assert_eq!(admin.ok("auth.terminate_session", json!([bob1_id])).await, true);
    assert_eq!(bob1.closed().await, Some(1000));
    assert_eq!(admin.ok("auth.terminate_session", json!([bob1_id])).await, false);
    // The tokens it created died, and so did the session logged in with one.
    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login_with_token", json!([token])).await, false);
    assert_not_authenticated(&bob_by_token.err("auth.me", json!([])).await);
    // Other tokens live on.
    assert_eq!(c.ok("auth.login_with_token", json!([other_token])).await, true);

    // A user may end their own sessions, including the current one (the reply comes first).
    let mut bob2 = server.logged_in("bob", "pw").await;
    let mut bob3 = server.logged_in("bob", "pw").await;
    let bob3_id = own_session(&mut bob3).await["id"].clone();
    assert_eq!(bob2.ok("auth.terminate_session", json!([bob3_id])).await, true);
    assert_eq!(bob3.closed().await, Some(1000));
    let bob2_id = own_session(&mut bob2).await["id"].clone();
    assert_eq!(bob2.ok("auth.terminate_session", json!([bob2_id])).await, true);
    assert_eq!(bob2.closed().await, Some(1000));
}

#[tokio::test]
async fn terminate_other_sessions_spares_the_caller() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "bob", &["API_KEY_READ"]).await;
    let mut admin2 = server.logged_in("truenas_admin", ADMIN_PASSWORD).await;
    let mut bob1 = server.logged_in("bob", "pw").await;
    let mut bob2 = server.logged_in("bob", "pw").await;
    let mut anonymous = server.client().await;

    // A user without FULL_ADMIN ends only their own other sessions.
    assert_eq!(bob1.ok("auth.terminate_other_sessions", json!([])).await, true);
    assert_eq!(bob2.closed().await, Some(1000));
    assert_eq!(admin2.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    assert_eq!(bob1.ok("auth.me", json!([])).await["pw_name"], "bob");

    // FULL_ADMIN ends everyone else's.
    assert_eq!(admin.ok("auth.terminate_other_sessions", json!([])).await, true);
    assert_eq!(admin2.closed().await, Some(1000));
    assert_eq!(bob1.closed().await, Some(1000));
    assert_eq!(admin.ok("auth.sessions", json!([[], {"count": true}])).await, 1);
    // Connections that never logged in are not sessions.
    assert_eq!(anonymous.ok("core.ping", json!([])).await, "pong");
}

#[tokio::test]
async fn locking_deleting_or_a_new_password_ends_the_users_other_sessions() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.user_with_roles(&mut admin, "bob", &["API_KEY_READ"]).await;
    let carol = server.user_with_roles(&mut admin, "carol", &["API_KEY_READ"]).await;

    // Locked by an admin: every session of the user ends; other users are untouched.
    let mut b1 = server.logged_in("bob", "pw").await;
    let mut b2 = server.logged_in("bob", "pw").await;
    let mut c1 = server.logged_in("carol", "pw").await;
    admin.ok("user.update", json!([bob, {"locked": true}])).await;
    assert_eq!(b1.closed().await, Some(1000));
    assert_eq!(b2.closed().await, Some(1000));
    assert_eq!(c1.ok("auth.me", json!([])).await["pw_name"], "carol");
    admin.ok("user.update", json!([bob, {"locked": false}])).await;

    // The user's own new password: the session that changed it stays, the others end, and so do the tokens
    // they created.
    let mut b1 = server.logged_in("bob", "pw").await;
    let mut b2 = server.logged_in("bob", "pw").await;
    let kept = b1.ok("auth.generate_token", json!([])).await;
    let lost = b2.ok("auth.generate_token", json!([])).await;
    b1.ok(
        "user.set_password",
        json!([{"username": "bob", "old_password": "pw", "new_password": "pw2"}]),
    )
    .await;
    assert_eq!(b2.closed().await, Some(1000));
    assert_eq!(b1.ok("auth.me", json!([])).await["pw_name"], "bob");
    let mut t = server.client().await;
    assert_eq!(t.ok("auth.login_with_token", json!([lost])).await, false);
    assert_eq!(t.ok("auth.login_with_token", json!([kept])).await, true);

    // A password set by an admin (user.update, user.set_password): all of the user's sessions end.
    admin.ok("user.update", json!([bob, {"password": "pw3"}])).await;
    assert_eq!(b1.closed().await, Some(1000));
    assert_eq!(t.closed().await, Some(1000));
    let mut b1 = server.logged_in("bob", "pw3").await;
    admin
        .ok("user.set_password", json!([{"username": "bob", "new_password": "pw4"}]))
        .await;
    assert_eq!(b1.closed().await, Some(1000));
    // Changing other fields does not.
    let mut b1 = server.logged_in("bob", "pw4").await;
    admin.ok("user.update", json!([bob, {"full_name": "Bob B"}])).await;
    assert_eq!(b1.ok("auth.me", json!([])).await["pw_gecos"], "Bob B");

    // Deleted.
    admin.ok("user.delete", json!([bob])).await;
    assert_eq!(b1.closed().await, Some(1000));
    assert_eq!(c1.ok("auth.me", json!([])).await["pw_name"], "carol");
    let _ = carol;
}

#[tokio::test]
async fn mechanism_choices_lists_what_login_ex_accepts() {
    let server = TestServer::start().await;
    let mut c = server.client().await;
    assert_eq!(
        c.ok("auth.mechanism_choices", json!([])).await,
        json!(["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN", "ONETIME_PASSWORD"])
    );
}

/// A token of `c`'s session that any address may use.
async fn any_origin_token(c: &mut Client) -> String {
    let token = c.ok("auth.generate_token", json!([600, {}, false])).await;
    token.as_str().expect("token").to_string()
}

/// A new connection logged in with an API key.
async fn key_session(server: &TestServer, username: &str, key: &Value) -> Client {
    let mut c = server.client().await;
    let r = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": username, "api_key": key}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    c
}

#[tokio::test]
async fn a_token_with_attributes_never_logs_in() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let token = admin
        .ok("auth.generate_token", json!([600, {"job": 7}, false, true]))
        .await;
    let mut c = server.client().await;
    assert_eq!(
        token_login(&mut c, token.as_str().expect("token")).await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_eq!(c.ok("auth.login_with_token", json!([token])).await, false);
    assert_not_authenticated(&c.err("auth.me", json!([])).await);
}

#[tokio::test]
async fn tokens_of_an_api_key_session_die_with_the_key() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    for end in ["delete", "reset"] {
        let created = admin
            .ok(
                "api_key.create",
                json!([{"name": format!("k-{end}"), "username": "truenas_admin"}]),
            )
            .await;
        let mut keyed = key_session(&server, "truenas_admin", &created["key"]).await;
        let token = any_origin_token(&mut keyed).await;
        let mut t = server.client().await;
        assert_eq!(token_login(&mut t, &token).await["response_type"], "SUCCESS");
        // A token made by the token's session, and one not used yet.
        let grandchild = any_origin_token(&mut t).await;
        let unused = any_origin_token(&mut keyed).await;
        // A token whose key session has already closed.
        let orphan = any_origin_token(&mut key_session(&server, "truenas_admin", &created["key"]).await).await;
        let mut g = server.client().await;
        assert_eq!(token_login(&mut g, &grandchild).await["response_type"], "SUCCESS");

        match end {
            "delete" => admin.ok("api_key.delete", json!([created["id"]])).await,
            _ => {
                admin
                    .ok("api_key.update", json!([created["id"], {"reset": true}]))
                    .await
            }
        };
        // The key's session and the sessions of tokens made from it are terminated.
        for c in [&mut keyed, &mut t, &mut g] {
            c.closed().await;
        }
        for dead in [&token, &grandchild, &unused, &orphan] {
            let mut c = server.client().await;
            assert_eq!(
                token_login(&mut c, dead).await,
                json!({"response_type": "AUTH_ERR"}),
                "{end}"
            );
        }
    }
}

#[tokio::test]
async fn tokens_end_with_logout_and_with_password_disabled() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    // auth.logout ends the tokens the session made, and those made from them.
    let mut alice = server.logged_in("alice", "pw").await;
    let token = any_origin_token(&mut alice).await;
    let mut t = server.client().await;
    assert_eq!(token_login(&mut t, &token).await["response_type"], "SUCCESS");
    let child = any_origin_token(&mut t).await;
    alice.ok("auth.logout", json!([])).await;
    assert_not_authenticated(&t.err("auth.me", json!([])).await);
    for dead in [&token, &child] {
        let mut c = server.client().await;
        assert_eq!(token_login(&mut c, dead).await, json!({"response_type": "AUTH_ERR"}));
    }

    // password_disabled ends the password's sessions and their tokens; an API-key session stays.
    let key = admin
        .ok("api_key.create", json!([{"name": "alice-key", "username": "alice"}]))
        .await["key"]
        .clone();
    let mut keyed = key_session(&server, "alice", &key).await;
    let key_token = any_origin_token(&mut keyed).await;
    let mut alice = server.logged_in("alice", "pw").await;
    let token = any_origin_token(&mut alice).await;
    // A token whose password session has already closed.
    let orphan = any_origin_token(&mut server.logged_in("alice", "pw").await).await;
    let alice_id = accountd_e2e::user_id(&mut admin, "alice").await;
    admin
        .ok(
            "user.update",
            json!([alice_id, {"password_disabled": true, "smb": false}]),
        )
        .await;
    alice.closed().await;
    let mut c = server.client().await;
    for dead in [&token, &orphan] {
        assert_eq!(token_login(&mut c, dead).await, json!({"response_type": "AUTH_ERR"}));
    }
    assert_eq!(keyed.ok("auth.me", json!([])).await["pw_name"], "alice");
    assert_eq!(token_login(&mut c, &key_token).await["response_type"], "SUCCESS");
}

#[tokio::test]
async fn terminate_other_sessions_ends_the_tokens_of_closed_sessions_but_not_its_own() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let (orphan, mine) = {
        let mut gone = server.logged_in("alice", "pw").await;
        (any_origin_token(&mut gone).await, any_origin_token(&mut gone).await)
    };
    // The connection that made them has closed; this one logs in with one of them.
    let mut current = server.client().await;
    assert_eq!(token_login(&mut current, &mine).await["response_type"], "SUCCESS");
    let made_here = any_origin_token(&mut current).await;
    current.ok("auth.terminate_other_sessions", json!([])).await;
    let mut c = server.client().await;
    assert_eq!(token_login(&mut c, &orphan).await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(
        current.ok("auth.me", json!([])).await["pw_name"],
        "alice",
        "its own token stays"
    );
    assert_eq!(token_login(&mut c, &made_here).await["response_type"], "SUCCESS");
}

#[tokio::test]
async fn an_api_key_session_and_its_tokens_end_at_the_keys_expiry() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let created = admin
        .ok(
            "api_key.create",
            json!([{"name": "short", "username": "truenas_admin", "expires_at": {"$date": T0 + 3_600_000}}]),
        )
        .await;
    let mut keyed = key_session(&server, "truenas_admin", &created["key"]).await;
    // A token that would stay valid for two hours unused.
    let token = keyed.ok("auth.generate_token", json!([7200, {}, false])).await;
    let mut t = server.client().await;
    assert_eq!(
        token_login(&mut t, token.as_str().expect("token")).await["response_type"],
        "SUCCESS"
    );
    clock.advance_ms(3_600_000 - 1);
    assert_eq!(keyed.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    assert_eq!(t.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    clock.advance_ms(1);
    assert_not_authenticated(&keyed.err("auth.me", json!([])).await);
    assert_not_authenticated(&t.err("auth.me", json!([])).await);

    // A new expiry applies to the sessions already open.
    let created = admin
        .ok(
            "api_key.create",
            json!([{"name": "later", "username": "truenas_admin"}]),
        )
        .await;
    let mut keyed = key_session(&server, "truenas_admin", &created["key"]).await;
    let soon = T0 + 3_600_000 + 60_000;
    admin
        .ok(
            "api_key.update",
            json!([created["id"], {"expires_at": {"$date": soon}}]),
        )
        .await;
    assert_eq!(keyed.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    clock.advance_ms(60_000);
    assert_not_authenticated(&keyed.err("auth.me", json!([])).await);
}

#[tokio::test]
async fn a_token_session_changing_its_own_password_stays_logged_in() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let mut maker = server.logged_in("alice", "pw").await;
    let token = any_origin_token(&mut maker).await;
    let mut t = server.client().await;
    assert_eq!(token_login(&mut t, &token).await["response_type"], "SUCCESS");
    t.ok(
        "user.set_password",
        json!([{"username": "alice", "old_password": "pw", "new_password": "new-pw"}]),
    )
    .await;
    maker.closed().await;
    assert_eq!(
        t.ok("auth.me", json!([])).await["pw_name"],
        "alice",
        "the acting session is spared"
    );
}

//! `user.activity.*` (account-policy section 6) on a manual clock: the fields after logins from two addresses
//! and failed ones, the lockout as it starts and ends, events on `user.activity.query` (and none on
//! `user.query` for a login), the read role, and a restart keeping what was recorded.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const OTHER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// The next notification of `c`, within 10 s: a `user.activity.query` event (anything else fails the test:
/// logins, logouts and lockouts change no user entry, so they publish no `user.query` event).
/// Events of other users (the watcher's own login, announced in the background) are skipped.
async fn next_activity(c: &mut Client, user: i64) -> Value {
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), c.next_notification())
            .await
            .expect("a user.activity.query event");
        assert_eq!(n["params"]["collection"], "user.activity.query", "{n}");
        if n["params"]["id"] == user {
            return n["params"].clone();
        }
    }
}

#[tokio::test]
async fn activity_shows_logins_from_two_addresses_failures_and_sessions() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    let fresh = admin.ok("user.activity.get_instance", json!([alice])).await;
    assert_eq!(
        fresh,
        json!({"id": alice, "username": "alice", "failed_login_attempts": 0, "login_failure_timestamps": [],
               "last_failed_login": null, "locked_out": false, "lockout_until": null, "last_login": null,
               "last_login_ip": null, "logged_in": false, "concurrent_sessions": 0,
               "last_password_change": {"$date": T0}})
    );

    clock.advance_ms(1_000);
    let _home = server.logged_in("alice", "pw").await;
    clock.advance_ms(1_000);
    let mut away = Client::connect_from(&server.url(), OTHER).await;
    away.login("alice", "pw").await;
    clock.advance_ms(1_000);
    assert_eq!(server.login_type("alice", "wrong").await, "AUTH_ERR");
    clock.advance_ms(1_000);
    assert_eq!(server.login_type("alice", "wrong").await, "AUTH_ERR");

    let seen = admin.ok("user.activity.get_instance", json!([alice])).await;
    assert_eq!(seen["last_login"], json!({"$date": T0 + 2_000}));
    assert_eq!(seen["last_login_ip"], "127.0.0.2");
    assert_eq!(
        (&seen["logged_in"], &seen["concurrent_sessions"]),
        (&json!(true), &json!(2))
    );
    assert_eq!(seen["failed_login_attempts"], 2);
    assert_eq!(
        seen["login_failure_timestamps"],
        json!([{"$date": T0 + 3_000}, {"$date": T0 + 4_000}])
    );
    assert_eq!(seen["last_failed_login"], json!({"$date": T0 + 4_000}));
    assert_eq!(seen["locked_out"], false);

    // The usual query language; the admin's own login is there too.
    let logged_in = admin
        .ok(
            "user.activity.query",
            json!([[["logged_in", "=", true]], {"select": ["username", "concurrent_sessions"], "order_by": ["username"]}]),
        )
        .await;
    assert_eq!(
        logged_in,
        json!([{"username": "alice", "concurrent_sessions": 2}, {"username": "truenas_admin", "concurrent_sessions": 1}])
    );
    let err = admin.err("user.activity.get_instance", json!([9999])).await;
    assert_eq!(err["code"], -32602, "{err}");

    // A success clears the counted failures; the last failure stays.
    server.logged_in("alice", "pw").await;
    let after = admin.ok("user.activity.get_instance", json!([alice])).await;
    assert_eq!(after["failed_login_attempts"], 0);
    assert_eq!(after["last_failed_login"], json!({"$date": T0 + 4_000}));
}

#[tokio::test]
async fn lockouts_logins_and_logouts_are_events_of_user_activity_query_only() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let bob = server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let mut watcher = server.admin().await;
    watcher.ok("core.subscribe", json!(["user.activity.query"])).await;
    watcher.ok("core.subscribe", json!(["user.query"])).await;

    let mut session = server.logged_in("bob", "pw").await;
    let login = next_activity(&mut watcher, bob).await;
    assert_eq!((&login["msg"], &login["id"]), (&json!("changed"), &json!(bob)));
    assert_eq!(login["fields"]["logged_in"], true);
    session.ok("auth.logout", json!([])).await;
    let logout = next_activity(&mut watcher, bob).await;
    assert_eq!(
        (&logout["fields"]["logged_in"], &logout["fields"]["concurrent_sessions"]),
        (&json!(false), &json!(0))
    );

    // Ten wrong passwords lock the account for strangers: one event when the lock starts.
    let mut guesser = Client::connect_from(&server.url(), OTHER).await;
    for _ in 0..10 {
        assert_eq!(guesser.login_ex("bob", "wrong").await["response_type"], "AUTH_ERR");
    }
    let locked = loop {
        let e = next_activity(&mut watcher, bob).await;
        if e["fields"]["locked_out"] == true {
            break e;
        }
    };
    assert_eq!(locked["fields"]["lockout_until"], json!({"$date": T0 + 900_000}));
    // ... and one when the clock passes its end.
    clock.advance_ms(900_000);
    let ended = next_activity(&mut watcher, bob).await;
    assert_eq!(ended["fields"]["locked_out"], false, "{ended}");

    // No `user.query` event came for any of it (next_activity checks each): the first is an update's.
    admin.ok("user.update", json!([bob, {"full_name": "Bob"}])).await;
    let next = tokio::time::timeout(Duration::from_secs(10), watcher.next_notification())
        .await
        .expect("the user.query event of the update");
    assert_eq!(
        (&next["params"]["collection"], &next["params"]["fields"]["full_name"]),
        (&json!("user.query"), &json!("Bob")),
        "the first user.query event is the update's"
    );

    // user.reset_lockout ends a lock at once, with its event.
    for _ in 0..10 {
        guesser.login_ex("bob", "wrong").await;
    }
    loop {
        if next_activity(&mut watcher, bob).await["fields"]["locked_out"] == true {
            break;
        }
    }
    admin.ok("user.reset_lockout", json!(["bob"])).await;
    loop {
        if next_activity(&mut watcher, bob).await["fields"]["locked_out"] == false {
            break;
        }
    }
}

#[tokio::test]
async fn activity_needs_account_read_and_survives_a_restart() {
    let clock = Arc::new(ManualClock::new(T0));
    let mut server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let carol = server
        .user_with_roles(&mut admin, "carol", &["SYSTEM_AUDIT_READ"])
        .await;
    let mut plain = server.logged_in("carol", "pw").await;
    let err = plain.err("user.activity.query", json!([])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
    assert!(
        plain
            .call("core.subscribe", json!(["user.activity.query"]))
            .await
            .is_err()
    );
    drop(plain);
    assert_eq!(server.login_type("carol", "wrong").await, "AUTH_ERR");

    server.restart().await;
    let mut admin = server.admin().await;
    let kept = admin.ok("user.activity.get_instance", json!([carol])).await;
    assert_eq!(kept["last_login"], json!({"$date": T0}));
    assert_eq!(kept["last_login_ip"], "127.0.0.1");
    assert_eq!(kept["last_failed_login"], json!({"$date": T0}));
    assert_eq!(kept["failed_login_attempts"], 1);
    assert_eq!(
        (&kept["logged_in"], &kept["concurrent_sessions"]),
        (&json!(false), &json!(0))
    );
}

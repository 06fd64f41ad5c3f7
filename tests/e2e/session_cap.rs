//! The session cap of account profiles (account-policy section 5): `max_concurrent_sessions`, refused only
//! after the credentials were verified, and `login_options.terminate_other_sessions`.
#![allow(
    clippy::disallowed_methods,
    reason = "polls, under a deadline, for what the real server does after its reply"
)]

use accountd_e2e::{Client, TestServer, assert_call_error};
use serde_json::json;

/// Logs `c` in as `username` with `login_options`; the raw call result.
async fn login_with(
    c: &mut Client,
    username: &str,
    password: &str,
    options: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    c.call(
        "auth.login_ex",
        json!([{"mechanism": "PASSWORD_PLAIN", "username": username, "password": password,
                "login_options": options}]),
    )
    .await
}

#[tokio::test]
async fn a_login_over_the_cap_is_busy_unless_it_ends_the_other_sessions() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let profile = admin
        .ok(
            "account_profile.create",
            json!([{"name": "Pair", "max_concurrent_sessions": 2}]),
        )
        .await["id"]
        .clone();
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([alice, {"account_profile": profile}]))
        .await;

    let mut first = server.logged_in("alice", "pw").await;
    let _second = server.logged_in("alice", "pw").await;
    let mut third = server.client().await;
    let err = login_with(&mut third, "alice", "pw", json!({})).await.unwrap_err();
    assert_call_error(&err, "EBUSY", "Maximum number of sessions (2) reached for this user");
    // Without the password nothing tells that the cap is reached.
    let wrong = login_with(&mut third, "alice", "wrong", json!({})).await.unwrap();
    assert_eq!(wrong["response_type"], "AUTH_ERR");
    let mut legacy = server.client().await;
    assert!(legacy.call("auth.login", json!(["alice", "pw"])).await.is_err());
    // The refusal is in the audit log.
    let refused = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event", "=", "AUTHENTICATION"], ["success", "=", false],
                                      ["event_data.error", "^", "Maximum number of sessions"]],
                    "query-options": {"count": true}}]),
        )
        .await;
    assert_eq!(refused, 2);

    // A session logged out frees its place.
    first.ok("auth.logout", json!([])).await;
    let mut again = server.client().await;
    assert_eq!(
        login_with(&mut again, "alice", "pw", json!({})).await.unwrap()["response_type"],
        "SUCCESS"
    );

    // terminate_other_sessions ends them and logs in.
    let ok = login_with(&mut third, "alice", "pw", json!({"terminate_other_sessions": true}))
        .await
        .unwrap();
    assert_eq!(ok["response_type"], "SUCCESS");
    assert_eq!(
        again.closed().await,
        Some(1000),
        "the ended session's connection closes"
    );
    let sessions = admin
        .ok("auth.sessions", json!([[["credentials_data.username", "=", "alice"]]]))
        .await;
    assert_eq!(sessions.as_array().unwrap().len(), 1, "{sessions}");
    let count = admin.ok("user.activity.get_instance", json!([alice])).await["concurrent_sessions"].clone();
    assert_eq!(count, 1);
}

#[tokio::test]
async fn profiles_without_a_cap_take_any_number_and_hardened_takes_ten() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let mut open = Vec::new();
    for _ in 0..12 {
        open.push(server.logged_in("bob", "pw").await);
    }
    drop(open);
    // The closed connections leave the registry as the server notices them.
    for _ in 0..200 {
        let left = admin.ok("user.activity.get_instance", json!([bob])).await["concurrent_sessions"].clone();
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    admin.ok("user.update", json!([bob, {"account_profile": 3}])).await;
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(server.logged_in("bob", "pw").await);
    }
    let mut eleventh = server.client().await;
    let err = login_with(&mut eleventh, "bob", "pw", json!({})).await.unwrap_err();
    assert_call_error(&err, "EBUSY", "Maximum number of sessions (10) reached for this user");
}

//! One-time passwords (`auth.generate_onetime_password`, TrueNAS's OTPW): who may generate them and for whom,
//! the login with `PASSWORD_PLAIN` or `ONETIME_PASSWORD`, the session that must set a new password and makes
//! no tokens, single use, expiry by the clock, voiding by a new password, the assurance level, and the audit.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error, validation_items};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

async fn generate(admin: &mut Client, username: &str) -> String {
    let otpw = admin
        .ok("auth.generate_onetime_password", json!([{"username": username}]))
        .await;
    otpw.as_str().expect("a string").to_string()
}

async fn login_onetime(c: &mut Client, username: &str, password: &str) -> Value {
    c.ok(
        "auth.login_ex",
        json!([{"mechanism": "ONETIME_PASSWORD", "username": username, "password": password}]),
    )
    .await
}

#[tokio::test]
async fn generating_needs_account_write_and_a_user_who_may_log_in() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "reader", &["READONLY_ADMIN"]).await;
    let locked = server.create_user(&mut admin, "frozen", &[]).await["id"].clone();
    admin.ok("user.update", json!([locked, {"locked": true}])).await;
    admin
        .ok(
            "user.create",
            json!([{"username": "nopw", "full_name": "No Password", "group_create": true,
                    "password_disabled": true, "smb": false}]),
        )
        .await;

    let otpw = generate(&mut admin, "reader").await;
    let (index, secret) = otpw.split_once('_').expect("<n>_<secret>");
    assert!(index.parse::<u64>().is_ok(), "{otpw}");
    let groups: Vec<&str> = secret.split('-').collect();
    assert_eq!(groups.len(), 4, "{otpw}");
    assert!(
        groups
            .iter()
            .all(|g| g.len() == 6 && g.chars().all(|c| c.is_ascii_alphanumeric()))
    );

    for (username, message) in [
        ("nobody-here", "nobody-here: user does not exist."),
        ("frozen", "frozen: account is locked."),
        ("nopw", "nopw: password authentication is disabled for account."),
    ] {
        let err = admin
            .err("auth.generate_onetime_password", json!([{"username": username}]))
            .await;
        assert_eq!(
            validation_items(&err),
            [(
                json!("auth.generate_onetime_password.username"),
                message.to_string(),
                22
            )]
        );
    }
    let mut reader = server.logged_in("reader", "pw").await;
    let err = reader
        .err("auth.generate_onetime_password", json!([{"username": "reader"}]))
        .await;
    assert_call_error(&err, "EACCES", "Not authorized");
}

#[tokio::test]
async fn a_onetime_password_opens_one_session_that_must_set_a_password_and_makes_no_tokens() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let otpw = generate(&mut admin, "alice").await;

    let mut c = server.client().await;
    let login = c
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "alice", "password": otpw,
                    "login_options": {"reconnect_token": true}}]),
        )
        .await;
    assert_eq!(login["response_type"], "SUCCESS", "{login}");
    assert_eq!(login["reconnect_token"], Value::Null);
    let attributes = login["user_info"]["account_attributes"].clone();
    assert!(
        attributes
            .as_array()
            .unwrap()
            .contains(&json!("PASSWORD_CHANGE_REQUIRED")),
        "{attributes}"
    );
    let sessions = admin
        .ok("auth.sessions", json!([[["credentials_data.username", "=", "alice"]]]))
        .await;
    assert_eq!(sessions[0]["credentials"], "ONETIME_PASSWORD", "{sessions}");

    let err = c.err("user.query", json!([])).await;
    assert_call_error(&err, "EACCES", "Password has expired and must be changed");
    let choices = c.ok("auth.mechanism_choices", json!([])).await;
    assert!(
        !choices.as_array().unwrap().contains(&json!("TOKEN_PLAIN")),
        "{choices}"
    );

    // The new password needs no old one here; the rules of the profile still apply.
    c.ok(
        "user.set_password",
        json!([{"username": "alice", "new_password": "alice-chose-this"}]),
    )
    .await;
    assert!(c.ok("user.query", json!([[], {"count": true}])).await.as_i64().unwrap() > 0);
    let err = c.err("auth.generate_token", json!([])).await;
    assert_call_error(
        &err,
        "EOPNOTSUPP",
        "LoginOnetimePasswordSessionManagerCredentials: the current session type does not support creation \
         of authentication tokens.",
    );
    assert_eq!(server.login_type("alice", "alice-chose-this").await, "SUCCESS");
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");

    // Used once.
    assert_eq!(server.login_type("alice", &otpw).await, "AUTH_ERR");
    let mut again = server.client().await;
    assert_eq!(
        login_onetime(&mut again, "alice", &otpw).await["response_type"],
        "AUTH_ERR"
    );

    // Audited without the password.
    let log = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["username", "=", "alice"]], "query-options": {"limit": 1000}}]),
        )
        .await;
    let text = log.to_string();
    assert!(
        !text.contains(otpw.split_once('_').unwrap().1),
        "the password is not in the audit log"
    );
    let used = log
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            e["event"] == "AUTHENTICATION"
                && e["success"] == true
                && e["event_data"]["credentials"]["credentials"] == "ONETIME_PASSWORD"
        })
        .count();
    assert_eq!(used, 1, "{log}");
    let generated = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event_data.method", "=", "auth.generate_onetime_password"]],
                    "query-options": {"limit": 10}}]),
        )
        .await;
    assert_eq!(
        generated[0]["event_data"]["description"],
        "Generate onetime password for user alice"
    );
    let _ = alice;
}

#[tokio::test]
async fn the_onetime_mechanism_takes_only_onetime_passwords_within_a_day_until_voided() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let bob = server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;

    let mut c = server.client().await;
    assert_eq!(
        login_onetime(&mut c, "bob", "pw").await["response_type"],
        "AUTH_ERR",
        "not the own password"
    );
    let choices = c.ok("auth.mechanism_choices", json!([])).await;
    assert!(
        choices.as_array().unwrap().contains(&json!("ONETIME_PASSWORD")),
        "{choices}"
    );

    let otpw = generate(&mut admin, "bob").await;
    assert_eq!(login_onetime(&mut c, "bob", &otpw).await["response_type"], "SUCCESS");

    let late = generate(&mut admin, "bob").await;
    clock.advance_ms(86_400_000);
    let mut admin = server.admin().await;
    assert_eq!(
        server.login_type("bob", &late).await,
        "AUTH_ERR",
        "expired after 24 hours"
    );

    let voided = generate(&mut admin, "bob").await;
    admin
        .ok("user.update", json!([bob, {"password": "bob-new-password"}]))
        .await;
    assert_eq!(
        server.login_type("bob", &voided).await,
        "AUTH_ERR",
        "a new password voids it"
    );

    let voided = generate(&mut admin, "bob").await;
    admin.ok("user.update", json!([bob, {"locked": true}])).await;
    admin.ok("user.update", json!([bob, {"locked": false}])).await;
    assert_eq!(server.login_type("bob", &voided).await, "AUTH_ERR", "a lock voids it");

    // LEVEL_2 refuses the mechanism by name, and a one-time password sent as a password is a wrong password.
    let at_level_2 = generate(&mut admin, "bob").await;
    admin
        .ok("auth.set_authenticator_assurance_level", json!(["LEVEL_2"]))
        .await;
    let mut c = server.client().await;
    let err = c
        .err(
            "auth.login_ex",
            json!([{"mechanism": "ONETIME_PASSWORD", "username": "bob", "password": at_level_2}]),
        )
        .await;
    assert_call_error(
        &err,
        "EOPNOTSUPP",
        "ONETIME_PASSWORD: mechanism is not supported at current authenticator level.",
    );
    assert_eq!(server.login_type("bob", &at_level_2).await, "AUTH_ERR");
    let choices = c.ok("auth.mechanism_choices", json!([])).await;
    assert_eq!(choices, json!(["PASSWORD_PLAIN"]));
}

//! Profile fields (`description`, `locale`, `timezone`) and their choices, and self-service through
//! `user.account.*`: every user sees and edits their own name, contact and profile; a new password or email
//! needs the current password, a wrong one counts as a failed login; Foreman's self-lock rule.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{TestServer, assert_invalid, user_by_name, validation_items};
use serde_json::json;

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

#[tokio::test]
async fn profile_fields_are_validated_stored_and_cleared() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let created = admin
        .ok(
            "user.create",
            json!([{"username": "carol", "full_name": "Carol", "group_create": true, "password": "pw",
                    "description": "Night shift", "locale": "de", "timezone": "Pacific Time (US & Canada)"}]),
        )
        .await;
    assert_eq!(created["description"], "Night shift");
    assert_eq!(created["locale"], "de");
    // Foreman's Rails name is stored as its IANA zone.
    assert_eq!(created["timezone"], "America/Los_Angeles");
    let id = created["id"].as_i64().expect("id");

    let err = admin
        .err(
            "user.update",
            json!([id, {"locale": "en_US", "timezone": "Mars/Olympus", "description": "a\u{7}b"}]),
        )
        .await;
    assert_invalid(&err, "user_update.locale", "Invalid locale");
    assert_invalid(&err, "user_update.timezone", "Invalid timezone");
    assert_invalid(&err, "user_update.description", "Control characters are not allowed.");
    let err = admin
        .err("user.update", json!([id, {"description": "x".repeat(1025)}]))
        .await;
    assert_invalid(
        &err,
        "user_update.description",
        "String should have at most 1024 characters",
    );
    let err = admin
        .err(
            "user.create",
            json!([{"username": "dan", "full_name": "Dan", "group_create": true, "password": "pw",
                    "timezone": "Atlantis"}]),
        )
        .await;
    assert_invalid(&err, "user_create.timezone", "Invalid timezone");

    admin
        .ok(
            "user.update",
            json!([id, {"timezone": "Europe/Berlin", "locale": "pt_BR"}]),
        )
        .await;
    let entry = user_by_name(&mut admin, "carol").await;
    assert_eq!(entry["timezone"], "Europe/Berlin");
    assert_eq!(entry["locale"], "pt_BR");
    assert_eq!(entry["description"], "Night shift", "an omitted field keeps its value");
    let filtered = admin
        .ok(
            "user.query",
            json!([[["timezone", "=", "Europe/Berlin"]], {"select": ["username"]}]),
        )
        .await;
    assert_eq!(filtered, json!([{"username": "carol"}]));

    admin
        .ok(
            "user.update",
            json!([id, {"timezone": null, "locale": null, "description": null}]),
        )
        .await;
    let entry = user_by_name(&mut admin, "carol").await;
    assert_eq!(
        (&entry["timezone"], &entry["locale"], &entry["description"]),
        (&json!(null), &json!(null), &json!(null))
    );
}

#[tokio::test]
async fn choices_are_the_zone_database_and_foremans_locales_for_every_user() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &[]).await;
    let mut alice = server.logged_in("alice", "pw").await;
    let zones = alice.ok("user.timezone_choices", json!([])).await;
    let zones = zones.as_object().expect("map");
    assert!(zones.len() > 400, "{} zones", zones.len());
    for zone in [
        "Europe/Berlin",
        "America/Los_Angeles",
        "Asia/Kolkata",
        "UTC",
        "Pacific/Chatham",
    ] {
        assert_eq!(zones[zone], zone);
    }
    let locales = alice.ok("user.locale_choices", json!([])).await;
    let codes: Vec<&String> = locales.as_object().expect("map").keys().collect();
    assert_eq!(
        codes,
        [
            "ca", "cs_CZ", "de", "en", "en_GB", "es", "fr", "gl", "it", "ja", "ko", "nl_NL", "pl", "pt_BR", "ru",
            "sv_SE", "zh_CN", "zh_TW"
        ]
    );
    assert_eq!(locales["de"], "Deutsch");
}

#[tokio::test]
async fn a_user_without_roles_sees_and_edits_their_own_profile() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let alice_id = server.user_with_roles(&mut admin, "alice", &[]).await;
    admin
        .ok("user.update", json!([alice_id, {"description": "Set by the admin"}]))
        .await;
    let mut alice = server.logged_in("alice", "pw").await;
    let config = alice.ok("user.account.config", json!([])).await;
    assert_eq!(config["id"], alice_id);
    assert_eq!(config["username"], "alice");
    assert_eq!(config["description"], "Set by the admin");
    assert_eq!(config["twofactor_auth_configured"], false);
    assert_eq!(config["roles"], json!([]));

    let updated = alice
        .ok(
            "user.account.update",
            json!([{"full_name": "Alice Liddell", "locale": "en_GB", "timezone": "London"}]),
        )
        .await;
    assert_eq!(updated["full_name"], "Alice Liddell");
    assert_eq!(updated["locale"], "en_GB");
    assert_eq!(updated["timezone"], "Europe/London");
    let entry = user_by_name(&mut admin, "alice").await;
    assert_eq!(entry["full_name"], "Alice Liddell");

    // Nothing else is writable here: not the description, not roles, groups or the lock.
    for (key, value) in [
        ("description", json!("mine")),
        ("locked", json!(false)),
        ("groups", json!([1])),
        ("username", json!("queen")),
    ] {
        let err = alice.err("user.account.update", json!([{key: value}])).await;
        assert_eq!(
            validation_items(&err),
            [(
                json!(format!("user_account_update.{key}")),
                "Extra inputs are not permitted".to_string(),
                22
            )]
        );
    }
    let err = alice
        .err(
            "user.account.update",
            json!([{"timezone": "Nowhere", "full_name": "a:b"}]),
        )
        .await;
    assert_invalid(&err, "user_account_update.timezone", "Invalid timezone");
    assert_invalid(
        &err,
        "user_account_update.full_name",
        "The ':' character is not allowed.",
    );
}

#[tokio::test]
async fn password_and_email_changes_need_the_current_password_even_for_an_administrator() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &[]).await;
    let mut alice = server.logged_in("alice", "pw").await;
    let mut other_session = server.logged_in("alice", "pw").await;

    for params in [
        json!({"password": "new-alice-pw"}),
        json!({"email": "alice@example.com"}),
    ] {
        let err = alice.err("user.account.update", json!([params])).await;
        assert_invalid(
            &err,
            "user_account_update.old_password",
            "The current password is required to change the password or the email address.",
        );
        let err = admin.err("user.account.update", json!([params])).await;
        assert_invalid(
            &err,
            "user_account_update.old_password",
            "The current password is required to change the password or the email address.",
        );
    }
    let err = alice
        .err(
            "user.account.update",
            json!([{"password": "new-alice-pw", "old_password": "wrong"}]),
        )
        .await;
    assert_invalid(
        &err,
        "user_account_update.old_password",
        "alice: failed to validate password.",
    );
    let err = admin
        .err(
            "user.account.update",
            json!([{"email": "admin@example.com", "old_password": "wrong"}]),
        )
        .await;
    assert_invalid(
        &err,
        "user_account_update.old_password",
        "truenas_admin: failed to validate password.",
    );

    let updated = alice
        .ok(
            "user.account.update",
            json!([{"password": "new-alice-pw", "old_password": "pw", "email": "alice@example.com"}]),
        )
        .await;
    assert_eq!(updated["email"], "alice@example.com");
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
    assert_eq!(server.login_type("alice", "new-alice-pw").await, "SUCCESS");
    // The password change ended alice's other session, not this one.
    assert_eq!(other_session.closed().await, Some(1000));
    assert_eq!(alice.ok("auth.me", json!([])).await["pw_name"], "alice");

    // The same email again is no change and needs no password; clearing it is a change.
    alice
        .ok("user.account.update", json!([{"email": "alice@example.com"}]))
        .await;
    let err = alice.err("user.account.update", json!([{"email": null}])).await;
    assert_invalid(
        &err,
        "user_account_update.old_password",
        "The current password is required to change the password or the email address.",
    );
}

#[tokio::test]
async fn wrong_current_passwords_count_as_failed_logins() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &[]).await;
    let mut alice = server.logged_in("alice", "pw").await;
    for i in 0..10 {
        alice
            .err(
                "user.account.update",
                json!([{"password": "new-alice-pw", "old_password": format!("guess-{i}")}]),
            )
            .await;
    }
    // Ten failures lock the account for this origin: the right password is refused like a wrong one, here and
    // at login.
    let err = alice
        .err(
            "user.account.update",
            json!([{"password": "new-alice-pw", "old_password": "pw"}]),
        )
        .await;
    assert_invalid(
        &err,
        "user_account_update.old_password",
        "alice: failed to validate password.",
    );
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
    clock.advance_ms(16 * 60_000);
    assert_eq!(server.login_type("alice", "pw").await, "SUCCESS");
}

#[tokio::test]
async fn nobody_locks_themselves() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    // boss is not the last administrator (truenas_admin is one too): TrueNAS's last-administrator rules, which
    // answer first, do not apply, Foreman's does.
    let boss_id = server.user_with_roles(&mut admin, "boss", &["FULL_ADMIN"]).await;
    let mut boss = server.logged_in("boss", "pw").await;
    let err = boss.err("user.update", json!([boss_id, {"locked": true}])).await;
    assert_eq!(
        validation_items(&err),
        [(
            json!("user_update.locked"),
            "It is not possible to lock yourself".to_string(),
            1
        )]
    );
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    admin.ok("user.update", json!([alice["id"], {"locked": true}])).await;
    assert_eq!(user_by_name(&mut admin, "alice").await["locked"], true);
}

#[tokio::test]
async fn users_without_a_privilege_reach_only_their_own_account_when_allowed() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "plain", &[]).await;
    assert_eq!(
        server.login_type("plain", "pw").await,
        "DENIED",
        "TrueNAS's answer by default"
    );

    admin
        .ok(
            "auth.password_reset.update",
            json!([{"allow_unprivileged_self_service": true}]),
        )
        .await;
    let mut plain = server.logged_in("plain", "pw").await;
    assert_eq!(plain.ok("user.account.config", json!([])).await["username"], "plain");
    assert_eq!(plain.ok("auth.me", json!([])).await["pw_name"], "plain");
    plain.ok("core.ping", json!([])).await;
    let config = plain
        .ok("user.account.update", json!([{"full_name": "Plain User"}]))
        .await;
    assert_eq!(config["full_name"], "Plain User");
    for (method, params) in [
        ("user.query", json!([])),
        ("auth.generate_token", json!([])),
        ("auth.sessions", json!([])),
        (
            "user.set_password",
            json!([{"username": "plain", "old_password": "pw", "new_password": "another-password"}]),
        ),
    ] {
        let err = plain.err(method, params).await;
        accountd_e2e::assert_call_error(&err, "EACCES", "Not authorized");
    }
    // Its own password, through self-service.
    plain
        .ok(
            "user.account.update",
            json!([{"password": "plain-new-password", "old_password": "pw"}]),
        )
        .await;
    assert_eq!(server.login_type("plain", "plain-new-password").await, "SUCCESS");

    admin
        .ok(
            "auth.password_reset.update",
            json!([{"allow_unprivileged_self_service": false}]),
        )
        .await;
    assert_eq!(server.login_type("plain", "plain-new-password").await, "DENIED");
}

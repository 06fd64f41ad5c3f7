//! Password rules of the user's account profile, with TrueNAS's messages, on every method that sets a
//! password (`user.create`, `user.update`, `user.set_password`, `user.setup_local_administrator`); history
//! across several changes; the minimum password age for a user's own changes (manual clock);
//! `system.security.config/update` as the rules of the `Default` profile.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, validation_items};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const DAY: i64 = 86_400_000;

const SHORT: &str = "The specified password is too short. The minimum password length is 12 characters.";
const COMMON: &str = "The specified password is too common.";

fn absent(classes: &str) -> String {
    format!(
        "The specified password does not meet minimum complexity requirements. The following character types are \
         absent: {classes}"
    )
}

fn history(n: i64) -> String {
    format!(
        "The security configuration of the TrueNAS server requires a password that does not match any of the last \
         {n} passwords for this account."
    )
}

/// A profile `Strict`: 12 characters, UPPER and NUMBER, common passwords refused, history 3; returns its id.
async fn strict_profile(admin: &mut Client) -> i64 {
    admin
        .ok(
            "account_profile.create",
            json!([{"name": "Strict", "min_password_length": 12, "password_complexity_ruleset": ["UPPER", "NUMBER"],
                    "check_common_passwords": true, "password_history_length": 3}]),
        )
        .await["id"]
        .as_i64()
        .unwrap()
}

fn create(username: &str, password: &str, profile: i64) -> Value {
    json!([{"username": username, "full_name": "Carol Jones", "group_create": true, "password": password,
            "account_profile": profile}])
}

#[tokio::test]
async fn each_rule_has_its_message_on_each_method_that_sets_a_password() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let strict = strict_profile(&mut admin).await;

    // user.create: the profile given applies.
    let err = admin.err("user.create", create("carol", "qvzxkwj", strict)).await;
    assert_eq!(
        validation_items(&err),
        [
            (json!("user_create.password"), absent("UPPER, NUMBER"), 22),
            (json!("user_create.password"), SHORT.to_string(), 22),
        ]
    );
    for common in ["Password1234", "QWERTY123456", "Carol Jones", "CAROL"] {
        let err = admin.err("user.create", create("carol", common, strict)).await;
        let items = validation_items(&err);
        assert!(
            items.iter().any(|(a, m, _)| a == "user_create.password" && m == COMMON),
            "{common}: {items:?}"
        );
    }
    // Nothing was created; a good password is accepted; the Default profile has no rules.
    let none = admin
        .ok("user.query", json!([[["username", "=", "carol"]], {"count": true}]))
        .await;
    assert_eq!(none, 0);
    let carol = admin
        .ok("user.create", create("carol", "Tangerine-Orbit-42", strict))
        .await;
    let carol_id = carol["id"].as_i64().unwrap();
    admin.ok("user.create", create("dave", "pw", 1)).await;

    // user.update: the user's profile, or the one the same call sets.
    let err = admin
        .err("user.update", json!([carol_id, {"password": "tangerine-orbit"}]))
        .await;
    assert_invalid(&err, "user_update.password", &absent("UPPER, NUMBER"));
    let dave = accountd_e2e::user_id(&mut admin, "dave").await;
    let err = admin
        .err(
            "user.update",
            json!([dave, {"password": "Abc12345", "account_profile": strict}]),
        )
        .await;
    assert_invalid(&err, "user_update.password", SHORT);

    // user.set_password, by an administrator and by the user.
    let err = admin
        .err(
            "user.set_password",
            json!([{"username": "carol", "new_password": "letmein"}]),
        )
        .await;
    assert_invalid(&err, "user.set_password.new_password", SHORT);
    admin
        .ok(
            "privilege.create",
            json!([{"name": "carol readers", "local_groups": [carol["group"]["bsdgrp_gid"]],
                    "roles": ["READONLY_ADMIN"], "web_shell": false}]),
        )
        .await;
    let mut own = server.logged_in("carol", "Tangerine-Orbit-42").await;
    let err = own
        .err(
            "user.set_password",
            json!([{"username": "carol", "old_password": "Tangerine-Orbit-42", "new_password": "WINTERWINTER"}]),
        )
        .await;
    assert_invalid(&err, "user.set_password.new_password", &absent("NUMBER"));
    own.ok(
        "user.set_password",
        json!([{"username": "carol", "old_password": "Tangerine-Orbit-42", "new_password": "Winter-Orbit-43"}]),
    )
    .await;
}

#[tokio::test]
async fn history_refuses_the_last_n_passwords_across_several_changes() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let strict = strict_profile(&mut admin).await;
    let carol = admin
        .ok("user.create", create("carol", "Passphrase-0001", strict))
        .await;
    let id = carol["id"].as_i64().unwrap();
    for n in 2..=4 {
        admin
            .ok("user.update", json!([id, {"password": format!("Passphrase-000{n}")}]))
            .await;
    }
    // Current 0004, history 0003, 0002, 0001: the last 3 are 0004, 0003, 0002.
    for reused in ["Passphrase-0004", "Passphrase-0003", "Passphrase-0002"] {
        let err = admin
            .err(
                "user.set_password",
                json!([{"username": "carol", "new_password": reused}]),
            )
            .await;
        assert_eq!(
            validation_items(&err),
            [(json!("user.set_password.new_password"), history(3), 22)],
            "{reused}"
        );
    }
    admin
        .ok(
            "user.set_password",
            json!([{"username": "carol", "new_password": "Passphrase-0001"}]),
        )
        .await;
    // A longer history reaches further back (TrueNAS keeps 10 hashes whatever the length).
    admin
        .ok(
            "account_profile.update",
            json!([strict, {"password_history_length": 10}]),
        )
        .await;
    let err = admin
        .err("user.update", json!([id, {"password": "Passphrase-0003"}]))
        .await;
    assert_invalid(&err, "user_update.password", &history(10));
    // The refused changes left the password as it was (DENIED: valid credentials, carol holds no privilege).
    assert_eq!(server.login_type("carol", "Passphrase-0001").await, "DENIED");
    assert_eq!(server.login_type("carol", "Passphrase-0003").await, "AUTH_ERR");
}

#[tokio::test]
async fn minimum_password_age_applies_to_the_users_own_changes_only() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let aged = admin
        .ok(
            "account_profile.create",
            json!([{"name": "Aged", "min_password_age": 2}]),
        )
        .await;
    let id = server.user_with_roles(&mut admin, "erin", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([id, {"account_profile": aged["id"]}]))
        .await;
    let mut erin = server.logged_in("erin", "pw").await;
    let change = |old: &str, new: &str| json!([{"username": "erin", "old_password": old, "new_password": new}]);
    let err = erin.err("user.set_password", change("pw", "pw-2")).await;
    assert_eq!(
        validation_items(&err),
        [(
            json!("user.set_password.new_password"),
            "Password was changed less than 2 days ago.".into(),
            1
        )]
    );
    // An administrator resetting it is exempt (and ends erin's sessions).
    admin
        .ok(
            "user.set_password",
            json!([{"username": "erin", "new_password": "pw-admin"}]),
        )
        .await;
    let mut erin = server.logged_in("erin", "pw-admin").await;
    clock.advance_ms(2 * DAY - 1);
    let err = erin.err("user.set_password", change("pw-admin", "pw-3")).await;
    assert_eq!(validation_items(&err)[0].2, 1);
    clock.advance_ms(1);
    erin.ok("user.set_password", change("pw-admin", "pw-3")).await;
}

#[tokio::test]
async fn system_security_is_the_default_profiles_password_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(
        admin.ok("system.security.config", json!([])).await,
        json!({"id": 1, "enable_fips": false, "enable_gpos_stig": false, "min_password_age": null,
               "max_password_age": null, "password_complexity_ruleset": null, "min_password_length": null,
               "password_history_length": null})
    );
    let updated = admin
        .ok(
            "system.security.update",
            json!([{"min_password_length": 12, "max_password_age": 90, "password_complexity_ruleset": ["NUMBER"]}]),
        )
        .await;
    assert_eq!(
        (
            &updated["min_password_length"],
            &updated["max_password_age"],
            &updated["password_complexity_ruleset"]
        ),
        (&json!(12), &json!(90), &json!(["NUMBER"]))
    );
    let default = admin.ok("account_profile.get_instance", json!([1])).await;
    assert_eq!(default["password_expiration_days"], 90);
    for (field, value, message) in [
        (
            "max_password_age",
            json!(366),
            "Input should be less than or equal to 365",
        ),
        (
            "max_password_age",
            json!(6),
            "Input should be greater than or equal to 7",
        ),
        (
            "min_password_length",
            json!(7),
            "Input should be greater than or equal to 8",
        ),
        (
            "password_history_length",
            json!(11),
            "Input should be less than or equal to 10",
        ),
        (
            "min_password_age",
            json!(0),
            "Input should be greater than or equal to 1",
        ),
    ] {
        let mut data = json!({});
        data[field] = value;
        let err = admin.err("system.security.update", json!([data])).await;
        assert_invalid(&err, &format!("system_security_update.{field}"), message);
    }
    for field in ["enable_fips", "enable_gpos_stig"] {
        let mut data = json!({});
        data[field] = json!(true);
        let err = admin.err("system.security.update", json!([data])).await;
        assert_eq!(err["data"]["errname"], "EOPNOTSUPP", "{err}");
    }
    // The Default profile's rules now apply to its users, and to the first administrator's password.
    let err = admin
        .err(
            "user.create",
            json!([{"username": "frank", "full_name": "Frank", "group_create": true, "password": "pw"}]),
        )
        .await;
    assert_invalid(&err, "user_create.password", SHORT);
    let err = server
        .client()
        .await
        .err("user.setup_local_administrator", json!(["truenas_admin", "short"]))
        .await;
    assert_invalid(&err, "user.setup_local_administrator.password", SHORT);
    admin
        .ok(
            "system.security.update",
            json!([{"min_password_length": null, "password_complexity_ruleset": null}]),
        )
        .await;
    let config = admin.ok("system.security.config", json!([])).await;
    assert_eq!(
        (&config["min_password_length"], &config["password_complexity_ruleset"]),
        (&Value::Null, &Value::Null)
    );

    server.user_with_roles(&mut admin, "reader", &["READONLY_ADMIN"]).await;
    let mut reader = server.logged_in("reader", "pw").await;
    reader.ok("system.security.config", json!([])).await;
    let err = reader.err("system.security.update", json!([{}])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
}

//! Account profiles: the three builtin profiles, every field's range as a validation error naming the field,
//! the rules of builtin and in-use profiles, `UserEntry.account_profile`, the lockout taking its numbers from
//! the user's profile, and `account_profile.query` events.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::{TestServer, assert_call_error, assert_invalid, validation_items};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

#[tokio::test]
async fn builtin_profiles_exist_with_their_values_and_users_point_at_default() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let profiles = admin.ok("account_profile.query", json!([])).await;
    let summary: Vec<Value> = profiles
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            json!([
                p["id"],
                p["name"],
                p["builtin"],
                p["lockout_max_auth_failures"],
                p["lockout_evaluation_period"],
                p["lockout_period"],
                p["max_concurrent_sessions"],
                p["min_password_length"],
                p["password_history_length"],
                p["check_common_passwords"],
                p["expired_password_action"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([1, "Default", true, 10, 900, 900, 0, null, null, false, "RESTRICT"]),
            json!([2, "No-Lockout", true, 0, 900, 900, 0, null, null, false, "RESTRICT"]),
            json!([3, "Hardened", true, 5, 900, 900, 10, 12, 5, true, "RESTRICT"]),
        ]
    );
    let hardened = admin.ok("account_profile.get_instance", json!([3])).await;
    assert_eq!(
        (
            &hardened["password_complexity_ruleset"],
            &hardened["password_expiration_days"]
        ),
        (&Value::Null, &Value::Null)
    );
    let err = admin.err("account_profile.get_instance", json!([99])).await;
    assert_eq!(
        validation_items(&err),
        [(Value::Null, "Account profile 99 does not exist".into(), 2)]
    );

    // Every user, builtin or not, points at Default.
    let alice = server.create_user(&mut admin, "alice", &[]).await;
    assert_eq!(alice["account_profile"], 1);
    let root = admin.ok("user.get_instance", json!([1])).await;
    assert_eq!(root["account_profile"], 1);
    let other = admin
        .ok("user.query", json!([[["account_profile", "!=", 1]], {"count": true}]))
        .await;
    assert_eq!(other, 0);
}

#[tokio::test]
async fn every_field_out_of_range_names_the_field() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let cases: &[(&str, Value, &str)] = &[
        ("name", json!(""), "String should have at least 1 character"),
        (
            "name",
            json!("x".repeat(65)),
            "String should have at most 64 characters",
        ),
        (
            "lockout_max_auth_failures",
            json!(-1),
            "Input should be greater than or equal to 0",
        ),
        (
            "lockout_max_auth_failures",
            json!(101),
            "Input should be less than or equal to 100",
        ),
        (
            "lockout_evaluation_period",
            json!(59),
            "Input should be 0 or between 60 and 86400",
        ),
        (
            "lockout_evaluation_period",
            json!(86_401),
            "Input should be less than or equal to 86400",
        ),
        (
            "lockout_period",
            json!(59),
            "Input should be greater than or equal to 60",
        ),
        (
            "lockout_period",
            json!(86_401),
            "Input should be less than or equal to 86400",
        ),
        (
            "max_concurrent_sessions",
            json!(1001),
            "Input should be less than or equal to 1000",
        ),
        (
            "max_concurrent_sessions",
            json!(-1),
            "Input should be greater than or equal to 0",
        ),
        (
            "password_expiration_days",
            json!(6),
            "Input should be greater than or equal to 7",
        ),
        (
            "password_expiration_days",
            json!(731),
            "Input should be less than or equal to 730",
        ),
        (
            "min_password_age",
            json!(0),
            "Input should be greater than or equal to 1",
        ),
        (
            "min_password_age",
            json!(366),
            "Input should be less than or equal to 365",
        ),
        (
            "password_history_length",
            json!(0),
            "Input should be greater than or equal to 1",
        ),
        (
            "password_history_length",
            json!(11),
            "Input should be less than or equal to 10",
        ),
        (
            "min_password_length",
            json!(7),
            "Input should be greater than or equal to 8",
        ),
        (
            "min_password_length",
            json!(129),
            "Input should be less than or equal to 128",
        ),
    ];
    for (field, value, message) in cases {
        let mut create = json!({"name": "Edge"});
        create[*field] = value.clone();
        let err = admin.err("account_profile.create", json!([create])).await;
        assert_invalid(&err, &format!("account_profile_create.{field}"), message);
        let mut update = json!({});
        update[*field] = value.clone();
        let err = admin.err("account_profile.update", json!([1, update])).await;
        let expected = if *field == "name" {
            "This attribute cannot be changed"
        } else {
            message
        };
        assert_invalid(&err, &format!("account_profile_update.{field}"), expected);
    }
    // The bounds themselves are accepted; 0 disables the window.
    let edge = admin
        .ok(
            "account_profile.create",
            json!([{"name": "Edge", "lockout_max_auth_failures": 100, "lockout_evaluation_period": 0,
                    "lockout_period": 86400, "max_concurrent_sessions": 1000, "password_expiration_days": 730,
                    "min_password_age": 1, "password_history_length": 10, "min_password_length": 128,
                    "password_complexity_ruleset": ["UPPER", "NUMBER", "UPPER"], "check_common_passwords": true,
                    "expired_password_action": "DENY"}]),
        )
        .await;
    assert_eq!(edge["password_complexity_ruleset"], json!(["UPPER", "NUMBER"]));
    assert_eq!(edge["expired_password_action"], "DENY");
    let err = admin
        .err(
            "account_profile.create",
            json!([{"name": "Ruleset", "password_complexity_ruleset": ["SYMBOL"]}]),
        )
        .await;
    assert!(
        validation_items(&err).iter().any(|(a, _, _)| a
            .as_str()
            .is_some_and(|a| a.starts_with("account_profile_create.password_complexity_ruleset"))),
        "{err}"
    );
    // Names are unique regardless of case; nothing was written by the refused calls.
    let err = admin.err("account_profile.create", json!([{"name": "EDGE"}])).await;
    assert_invalid(
        &err,
        "account_profile_create.name",
        "Account profile with name EDGE already exists",
    );
    let count = admin.ok("account_profile.query", json!([[], {"count": true}])).await;
    assert_eq!(count, 4);
    let default = admin.ok("account_profile.get_instance", json!([1])).await;
    assert_eq!(default["lockout_max_auth_failures"], 10);
}

#[tokio::test]
async fn builtin_and_used_profiles_cannot_go_and_users_refer_only_to_existing_ones() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    for id in [1, 2, 3] {
        let err = admin.err("account_profile.delete", json!([id])).await;
        assert_call_error(&err, "EPERM", "Cannot delete a built-in account profile");
    }
    let err = admin
        .err("account_profile.update", json!([2, {"name": "Automation"}]))
        .await;
    assert_invalid(&err, "account_profile_update.name", "This attribute cannot be changed");
    // Other fields of builtin profiles are editable, and the same name is no rename.
    let updated = admin
        .ok(
            "account_profile.update",
            json!([3, {"name": "Hardened", "min_password_length": 14}]),
        )
        .await;
    assert_eq!(updated["min_password_length"], 14);

    let ops = admin.ok("account_profile.create", json!([{"name": "Operators"}])).await;
    let ops_id = ops["id"].as_i64().unwrap();
    assert_eq!(
        (ops["builtin"].clone(), ops["lockout_max_auth_failures"].clone()),
        (json!(false), json!(10))
    );
    let renamed = admin
        .ok(
            "account_profile.update",
            json!([ops_id, {"name": "Ops", "password_expiration_days": null}]),
        )
        .await;
    assert_eq!(renamed["name"], "Ops");

    let err = admin
        .err(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group_create": true, "password": "pw",
                    "account_profile": 42}]),
        )
        .await;
    assert_eq!(
        validation_items(&err),
        [(
            json!("user_create.account_profile"),
            "Account profile 42 does not exist".into(),
            2
        )]
    );
    let bob = admin
        .ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group_create": true, "password": "pw",
                    "account_profile": ops_id}]),
        )
        .await;
    assert_eq!(bob["account_profile"], ops_id);
    let carol = server.create_user(&mut admin, "carol", &[]).await;
    let carol_id = carol["id"].as_i64().unwrap();
    let err = admin
        .err("user.update", json!([carol_id, {"account_profile": 42}]))
        .await;
    assert_eq!(
        validation_items(&err),
        [(
            json!("user_update.account_profile"),
            "Account profile 42 does not exist".into(),
            2
        )]
    );
    let carol = admin
        .ok("user.update", json!([carol_id, {"account_profile": ops_id}]))
        .await;
    assert_eq!(carol["account_profile"], ops_id);

    let err = admin.err("account_profile.delete", json!([ops_id])).await;
    assert_call_error(&err, "EBUSY", "Account profile is used by 2 users");
    admin.ok("user.update", json!([carol_id, {"account_profile": 1}])).await;
    admin.ok("user.delete", json!([bob["id"]])).await;
    assert_eq!(admin.ok("account_profile.delete", json!([ops_id])).await, true);
    let err = admin.err("account_profile.get_instance", json!([ops_id])).await;
    assert_eq!(validation_items(&err)[0].2, 2);
}

#[tokio::test]
async fn profiles_need_the_security_roles() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "reader", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "accounts", &["ACCOUNT_WRITE"]).await;
    server
        .user_with_roles(&mut admin, "security", &["SYSTEM_SECURITY_WRITE"])
        .await;
    let mut reader = server.logged_in("reader", "pw").await;
    assert_eq!(
        reader.ok("account_profile.query", json!([[], {"count": true}])).await,
        3
    );
    let err = reader.err("account_profile.create", json!([{"name": "X"}])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
    let mut accounts = server.logged_in("accounts", "pw").await;
    let err = accounts.err("account_profile.query", json!([])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
    let mut security = server.logged_in("security", "pw").await;
    security.ok("account_profile.create", json!([{"name": "X"}])).await;
    assert_eq!(
        security.ok("account_profile.query", json!([[], {"count": true}])).await,
        4
    );
}

#[tokio::test]
async fn the_lockout_takes_its_numbers_from_the_users_profile() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let strict = admin
        .ok(
            "account_profile.create",
            json!([{"name": "Strict", "lockout_max_auth_failures": 3, "lockout_period": 120}]),
        )
        .await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let bot = server.user_with_roles(&mut admin, "bot", &["READONLY_ADMIN"]).await;
    admin
        .ok("user.update", json!([alice, {"account_profile": strict["id"]}]))
        .await;
    admin.ok("user.update", json!([bot, {"account_profile": 2}])).await;

    let mut stranger = accountd_e2e::Client::connect_from(&server.url(), STRANGER).await;
    for i in 0..3 {
        assert_eq!(
            stranger.login_ex("alice", &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "AUTH_ERR",
        "3 failures lock under Strict"
    );
    clock.advance_ms(120_000);
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "SUCCESS"
    );

    // No-Lockout never locks.
    for i in 0..30 {
        assert_eq!(
            stranger.login_ex("bot", &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    assert_eq!(
        server.login_from(STRANGER, "bot", "pw").await["response_type"],
        "SUCCESS"
    );

    // A profile change applies at the next attempt.
    admin
        .ok(
            "account_profile.update",
            json!([strict["id"], {"lockout_max_auth_failures": 1}]),
        )
        .await;
    assert_eq!(stranger.login_ex("alice", "wrong").await["response_type"], "AUTH_ERR");
    assert_eq!(
        server.login_from(STRANGER, "alice", "pw").await["response_type"],
        "AUTH_ERR"
    );
}

#[tokio::test]
async fn profile_writes_are_events_of_account_profile_query() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "reader", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "accounts", &["ACCOUNT_READ"]).await;
    let mut reader = server.logged_in("reader", "pw").await;
    reader.ok("core.subscribe", json!(["account_profile.query"])).await;
    let mut accounts = server.logged_in("accounts", "pw").await;
    let err = accounts.err("core.subscribe", json!(["account_profile.query"])).await;
    assert_eq!(err["data"]["errname"], "EACCES", "{err}");

    let created = admin.ok("account_profile.create", json!([{"name": "Ops"}])).await;
    let note = reader.next_notification().await;
    assert_eq!(
        (
            &note["params"]["msg"],
            &note["params"]["collection"],
            &note["params"]["id"]
        ),
        (&json!("added"), &json!("account_profile.query"), &created["id"])
    );
    assert_eq!(note["params"]["fields"]["name"], "Ops");
    admin
        .ok(
            "account_profile.update",
            json!([created["id"], {"max_concurrent_sessions": 2}]),
        )
        .await;
    let note = reader.next_notification().await;
    assert_eq!(note["params"]["msg"], "changed");
    assert_eq!(note["params"]["fields"]["max_concurrent_sessions"], 2);
    admin.ok("account_profile.delete", json!([created["id"]])).await;
    let note = reader.next_notification().await;
    assert_eq!(
        (&note["params"]["msg"], &note["params"]["fields"]),
        (&json!("removed"), &Value::Null)
    );
}

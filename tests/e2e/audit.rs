//! The audit log: logins, logouts and audited calls recorded in TrueNAS's entry shape; `audit.query`,
//! `audit.config`/`audit.update` with retention pruning on the manual clock, `audit.export`, and its roles.
#![allow(
    clippy::disallowed_methods,
    reason = "polls, under a deadline, for what the real server does after its reply"
)]

use std::os::unix::fs::PermissionsExt;
use std::sync::Arc;
use std::time::Duration;

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid};
use serde_json::{Value, json};

const T0: i64 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
const DAY_MS: i64 = 86_400_000;

/// Every MIDDLEWARE entry matching `filters`, in the order they were recorded.
async fn entries(c: &mut Client, filters: Value) -> Vec<Value> {
    let r = c
        .ok(
            "audit.query",
            json!([{"query-filters": filters, "query-options": {"limit": 10000}}]),
        )
        .await;
    r.as_array().expect("a list").clone()
}

/// The METHOD_CALL entries of `method`.
async fn calls_of(c: &mut Client, method: &str) -> Vec<Value> {
    entries(
        c,
        json!([["event", "=", "METHOD_CALL"], ["event_data.method", "=", method]]),
    )
    .await
}

fn is_uuid(v: &Value) -> bool {
    let s = v.as_str().unwrap_or_default();
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[tokio::test]
async fn logins_are_recorded_with_credentials_and_never_a_password() {
    let clock = Arc::new(ManualClock::new(T0));
    let s = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = s.admin().await;
    let mut bad = s.client().await;
    assert_eq!(
        bad.login_ex("truenas_admin", "wrong-secret-guess").await["response_type"],
        "AUTH_ERR"
    );
    let auth = entries(&mut admin, json!([["event", "=", "AUTHENTICATION"]])).await;
    assert_eq!(auth.len(), 2, "{auth:#?}");

    let ok = &auth[0];
    assert!(is_uuid(&ok["audit_id"]) && is_uuid(&ok["session"]), "{ok}");
    assert_eq!(ok["timestamp"], json!({"$date": T0}));
    assert_eq!(ok["message_timestamp"], T0 / 1000);
    assert_eq!(ok["address"], "127.0.0.1");
    assert_eq!(ok["username"], "truenas_admin");
    assert_eq!(ok["service"], "MIDDLEWARE");
    assert_eq!(ok["success"], true);
    assert_eq!(ok["service_data"]["protocol"], "WEBSOCKET");
    assert_eq!(ok["service_data"]["vers"], json!({"major": 0, "minor": 1}));
    assert!(ok["service_data"]["origin"].as_str().unwrap().starts_with("127.0.0.1:"));
    let credentials = json!({"credentials": "LOGIN_PASSWORD",
                             "credentials_data": {"username": "truenas_admin", "login_at": {"$date": T0}}});
    assert_eq!(ok["service_data"]["credentials"], credentials);
    assert_eq!(ok["event_data"], json!({"credentials": credentials, "error": null}));

    let refused = &auth[1];
    assert_eq!(refused["username"], ".UNAUTHENTICATED");
    assert_eq!(refused["success"], false);
    assert_eq!(refused["service_data"]["credentials"], Value::Null);
    assert_eq!(
        refused["event_data"],
        json!({"credentials": {"credentials": "LOGIN_PASSWORD", "credentials_data": {"username": "truenas_admin"}},
               "error": "Authentication failure"})
    );
    assert_ne!(ok["session"], refused["session"]);

    let everything = serde_json::to_string(&entries(&mut admin, json!([])).await).unwrap();
    for secret in [accountd_e2e::ADMIN_PASSWORD, "wrong-secret-guess"] {
        assert!(!everything.contains(secret), "{secret} in the audit log");
    }
}

#[tokio::test]
async fn user_writes_are_recorded_with_descriptions_and_redacted_params() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    let bob = admin
        .ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group_create": true, "password": "bob-first-secret"}]),
        )
        .await;
    let id = bob["id"].as_i64().unwrap();
    admin
        .ok(
            "user.update",
            json!([id, {"full_name": "Bobby", "password": "bob-second-secret"}]),
        )
        .await;
    admin.ok("user.delete", json!([id, {"delete_group": true}])).await;

    let created = calls_of(&mut admin, "user.create").await;
    assert_eq!(created.len(), 1);
    let c = &created[0];
    assert_eq!(c["username"], "truenas_admin");
    assert_eq!(c["success"], true);
    assert_eq!(c["service_data"]["credentials"]["credentials"], "LOGIN_PASSWORD");
    assert_eq!(
        c["event_data"],
        json!({"method": "user.create",
               "params": [{"username": "bob", "full_name": "Bob", "group_create": true, "password": "********"}],
               "description": "Create user bob", "authenticated": true, "authorized": true})
    );
    let updated = calls_of(&mut admin, "user.update").await;
    assert_eq!(updated[0]["event_data"]["description"], "Update user bob");
    assert_eq!(
        updated[0]["event_data"]["params"],
        json!([id, {"full_name": "Bobby", "password": "********"}])
    );
    let deleted = calls_of(&mut admin, "user.delete").await;
    assert_eq!(deleted[0]["event_data"]["description"], "Delete user bob");
    assert_eq!(deleted[0]["success"], true);

    // Group writes are audited the same way (the deletion of bob's primary group is not a call of its own).
    admin.ok("group.create", json!([{"name": "ops"}])).await;
    assert_eq!(
        calls_of(&mut admin, "group.create").await[0]["event_data"]["description"],
        "Create group ops"
    );

    let everything = serde_json::to_string(&entries(&mut admin, json!([])).await).unwrap();
    assert!(!everything.contains("bob-first-secret") && !everything.contains("bob-second-secret"));
}

#[tokio::test]
async fn refused_and_failed_calls_are_recorded_as_failures() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    // A validation error: authorized, not successful; a misspelled field (maybe a secret) is left out.
    let e = admin
        .err(
            "user.create",
            json!([{"username": "carol", "password": "carol-secret", "passwrod": "x"}]),
        )
        .await;
    assert_eq!(e["code"], -32602);
    // Not logged in, and logged in without the role.
    let mut anonymous = s.client().await;
    anonymous
        .err("user.create", json!([{"username": "mallory", "full_name": "M"}]))
        .await;
    s.user_with_roles(&mut admin, "reader", &["ACCOUNT_READ"]).await;
    let mut reader = s.logged_in("reader", "pw").await;
    let e = reader
        .err("user.create", json!([{"username": "eve", "full_name": "E"}]))
        .await;
    assert_call_error(&e, "EACCES", "Not authorized");

    let calls = calls_of(&mut admin, "user.create").await;
    let by_name = |name: &str| {
        calls
            .iter()
            .find(|c| c["event_data"]["description"] == format!("Create user {name}"))
            .unwrap_or_else(|| panic!("no entry for {name}: {calls:#?}"))
            .clone()
    };
    let carol = by_name("carol");
    assert_eq!(carol["success"], false);
    assert_eq!(
        carol["event_data"]["params"],
        json!([{"username": "carol", "password": "********"}])
    );
    assert_eq!(
        (
            carol["event_data"]["authenticated"].clone(),
            carol["event_data"]["authorized"].clone()
        ),
        (json!(true), json!(true))
    );
    let mallory = by_name("mallory");
    assert_eq!(mallory["success"], false);
    assert_eq!(mallory["username"], ".UNAUTHENTICATED");
    assert_eq!(mallory["event_data"]["authenticated"], false);
    assert_eq!(mallory["event_data"]["authorized"], false);
    let eve = by_name("eve");
    assert_eq!(eve["username"], "reader");
    assert_eq!(eve["event_data"]["authenticated"], true);
    assert_eq!(eve["event_data"]["authorized"], false);
    assert_eq!(eve["success"], false);
}

#[tokio::test]
async fn logout_and_a_closed_connection_are_recorded() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    let mut c = s.logged_in("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    assert_eq!(c.ok("auth.logout", json!([])).await, true);
    let logouts = entries(&mut admin, json!([["event", "=", "LOGOUT"]])).await;
    assert_eq!(logouts.len(), 1, "{logouts:#?}");
    assert_eq!(logouts[0]["username"], "truenas_admin");
    assert_eq!(logouts[0]["success"], true);
    assert_eq!(logouts[0]["event_data"]["credentials"]["credentials"], "LOGIN_PASSWORD");
    assert_eq!(
        logouts[0]["event_data"]["credentials"]["credentials_data"]["username"],
        "truenas_admin"
    );

    // A logged-in connection that goes away is logged out (recorded once the server notices).
    let closing = s.logged_in("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    drop(closing);
    let mut found = 0;
    for _ in 0..200 {
        found = entries(&mut admin, json!([["event", "=", "LOGOUT"]])).await.len();
        if found == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(found, 2);
}

#[tokio::test]
async fn query_filters_time_ranges_and_options() {
    let clock = Arc::new(ManualClock::new(T0));
    let s = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = s.admin().await; // AUTHENTICATION and METHOD_CALL (setup) at T0
    clock.advance_ms(3_600_000);
    let later = T0 + 3_600_000;
    let _second = s.logged_in("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
    clock.advance_ms(1);
    admin.ok("group.create", json!([{"name": "late"}])).await;

    let recent = entries(&mut admin, json!([["timestamp", ">=", {"$date": later}]])).await;
    assert_eq!(recent.len(), 2, "{recent:#?}");
    assert_eq!(recent[0]["event"], "AUTHENTICATION");
    assert_eq!(recent[1]["timestamp"], json!({"$date": later + 1}));
    let early = entries(&mut admin, json!([["timestamp", "<", {"$date": later}]])).await;
    assert!(!early.is_empty() && early.iter().all(|e| e["timestamp"]["$date"] == T0));
    let by_seconds = entries(&mut admin, json!([["message_timestamp", ">=", later / 1000]])).await;
    assert_eq!(by_seconds.len(), 2);
    let this_second = entries(&mut admin, json!([["message_timestamp", "=", later / 1000]])).await;
    assert_eq!(this_second, by_seconds);
    let after = entries(&mut admin, json!([["message_timestamp", ">", later / 1000]])).await;
    assert!(after.is_empty(), "{after:#?}");
    let before = entries(&mut admin, json!([["message_timestamp", "<", later / 1000]])).await;
    assert_eq!(before, early);
    let up_to = entries(&mut admin, json!([["message_timestamp", "<=", T0 / 1000]])).await;
    assert_eq!(up_to, early);
    let newest_by_seconds = admin
        .ok(
            "audit.query",
            json!([{"query-options": {"order_by": ["-message_timestamp"], "limit": 2}}]),
        )
        .await;
    let events: Vec<&Value> = newest_by_seconds
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| &e["event"])
        .collect();
    // Within one second, entries are ordered by their milliseconds.
    assert_eq!(
        events,
        [&json!("METHOD_CALL"), &json!("AUTHENTICATION")],
        "{newest_by_seconds:#}"
    );
    // Ids sort in the order the entries were recorded.
    let all = entries(&mut admin, json!([])).await;
    let ids: Vec<&str> = all.iter().filter_map(|e| e["audit_id"].as_str()).collect();
    assert!(ids.len() > 3 && ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
    let iso = entries(&mut admin, json!([["timestamp.$date", ">=", "2026-01-01T01:00:00Z"]])).await;
    assert_eq!(iso.len(), 2);

    let n = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event", "=", "AUTHENTICATION"], ["success", "=", true]],
                    "query-options": {"count": true}}]),
        )
        .await;
    assert_eq!(n, 2);
    let newest = admin
        .ok(
            "audit.query",
            json!([{"services": ["MIDDLEWARE"],
                    "query-options": {"order_by": ["-timestamp"], "limit": 1, "select": ["event", "event_data.method"]}}]),
        )
        .await;
    assert_eq!(
        newest,
        json!([{"event": "METHOD_CALL", "event_data": {"method": "group.create"}}])
    );
    let mixed = entries(
        &mut admin,
        json!([[
            "OR",
            [
                ["event", "=", "LOGOUT"],
                ["event_data.description", "=", "Create group late"]
            ]
        ]]),
    )
    .await;
    assert_eq!(mixed.len(), 1);
    let smb = admin
        .ok(
            "audit.query",
            json!([{"services": ["SMB"], "query-options": {"limit": 10}}]),
        )
        .await;
    assert_eq!(smb, json!([]));

    let e = admin
        .err(
            "audit.query",
            json!([{"services": ["MIDDLEWARE", "SUDO"], "query-options": {"limit": 1}}]),
        )
        .await;
    assert_invalid(
        &e,
        "audit.query.services",
        "Querying more than one audit database in a single request is not supported",
    );
    let e = admin.err("audit.query", json!([{}])).await;
    assert_invalid(
        &e,
        "audit.query.query-options",
        "query-options must be set to either gather row count or contain a limit on the rows returned.",
    );
    let e = admin
        .err(
            "audit.query",
            json!([{"query-options": {"limit": 1, "select": ["nope"]}}]),
        )
        .await;
    assert_invalid(&e, "audit.query.query-options.select.0", "nope: column does not exist");
}

#[tokio::test]
async fn retention_prunes_old_entries_on_the_clock() {
    let clock = Arc::new(ManualClock::new(T0));
    let s = TestServer::start_with_clock_and(clock.clone(), |s| {
        s.audit_prune_interval = Duration::from_millis(20);
    })
    .await;
    let mut admin = s.admin().await;
    assert_eq!(
        admin.ok("audit.config", json!([])).await,
        json!({"id": 1, "retention": 7})
    );
    let e = admin.err("audit.update", json!([{"retention": 0}])).await;
    assert_eq!(e["code"], -32602);
    assert_eq!(e["data"]["extra"][0][0], "data.retention");
    let e = admin.err("audit.update", json!([{"retention": 31}])).await;
    assert_eq!(e["data"]["extra"][0][0], "data.retention");
    let updates = calls_of(&mut admin, "audit.update").await;
    assert_eq!(updates.len(), 2);
    assert!(
        updates
            .iter()
            .all(|u| u["success"] == false && u["event_data"]["description"] == "Update Audit Configuration")
    );

    let before = entries(&mut admin, json!([])).await.len();
    assert!(before >= 4);
    // Six days later nothing is old enough; eight days later everything from T0 is.
    clock.advance_ms(6 * DAY_MS);
    admin.ok("group.create", json!([{"name": "day6"}])).await;
    // `audit.update` prunes at once (the background pruner runs every 20 ms as well).
    admin.ok("audit.update", json!([{"retention": 7}])).await;
    assert_eq!(entries(&mut admin, json!([])).await.len(), before + 2);
    clock.advance_ms(2 * DAY_MS);
    let mut left = Vec::new();
    for _ in 0..200 {
        left = entries(&mut admin, json!([])).await;
        if left.len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(left.len(), 2, "{left:#?}");
    assert_eq!(left[0]["event_data"]["description"], "Create group day6");

    // A shorter retention prunes at once.
    assert_eq!(
        admin.ok("audit.update", json!([{"retention": 1}])).await,
        json!({"id": 1, "retention": 1})
    );
    let left = entries(&mut admin, json!([])).await;
    assert_eq!(left.len(), 1, "{left:#?}");
    assert_eq!(left[0]["event_data"]["method"], "audit.update");
}

#[tokio::test]
async fn export_writes_each_format_inside_the_data_directory_only() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    let data_dir = std::fs::canonicalize(s.dir.path()).unwrap();
    let logins = json!([["event", "=", "AUTHENTICATION"]]);
    let expected = entries(&mut admin, logins.clone()).await;

    let path = admin
        .ok(
            "audit.export",
            json!([{"export_format": "JSON", "path": "exports/logins.json", "query-filters": logins}]),
        )
        .await;
    let path = std::path::PathBuf::from(path.as_str().unwrap());
    assert_eq!(path, data_dir.join("exports/logins.json"));
    assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(exported, Value::Array(expected.clone()));

    let csv = admin
        .ok(
            "audit.export",
            json!([{"export_format": "CSV", "path": data_dir.join("logins.csv"), "query-filters": logins}]),
        )
        .await;
    let csv = std::fs::read_to_string(csv.as_str().unwrap()).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "audit_id,message_timestamp,timestamp,address,username,session,service,service_data,event,event_data,success"
    );
    assert_eq!(lines.len(), 1 + expected.len());
    assert!(lines[1].starts_with(expected[0]["audit_id"].as_str().unwrap()));

    let yaml = admin.ok("audit.export", json!([{"export_format": "YAML"}])).await;
    let yaml_path = std::path::PathBuf::from(yaml.as_str().unwrap());
    assert!(
        yaml_path.starts_with(data_dir.join("audit_reports/truenas_admin")),
        "{}",
        yaml_path.display()
    );
    assert_eq!(yaml_path.extension().unwrap(), "yaml");
    let yaml = std::fs::read_to_string(&yaml_path).unwrap();
    assert!(yaml.starts_with("-\n  \"audit_id\": \""), "{yaml}");
    assert!(yaml.contains("\n  \"event\": \"AUTHENTICATION\"\n"));

    // Outside the data directory, through a symlink, over an existing file: refused, nothing written.
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), data_dir.join("escape")).unwrap();
    for bad in [
        json!(outside.path().join("x.json")),
        json!("../x.json"),
        json!("exports/../../x.json"),
        json!("escape/x.json"),
        json!("exports/logins.json"),
    ] {
        let e = admin.err("audit.export", json!([{"path": bad}])).await;
        assert_eq!(e["data"]["extra"][0][0], "data.path", "{bad}: {e}");
    }
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
    let e = admin
        .err("audit.export", json!([{"query-options": {"count": true}}]))
        .await;
    assert_call_error(&e, "EINVAL", "Raw row count may not be exported");
    let e = admin
        .err("audit.export", json!([{"query-filters": [["event", "=", "NOPE"]]}]))
        .await;
    assert_call_error(&e, "ENOENT", "No entries were returned by query.");

    let exports = calls_of(&mut admin, "audit.export").await;
    assert_eq!(exports.len(), 10);
    assert_eq!(exports[0]["event_data"]["description"], "Export Audit Data");
    assert_eq!(exports.iter().filter(|e| e["success"] == true).count(), 3);
}

#[tokio::test]
async fn audit_roles_guard_reading_and_settings() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    s.user_with_roles(&mut admin, "accounts", &["ACCOUNT_READ"]).await;
    s.user_with_roles(&mut admin, "auditor", &["SYSTEM_AUDIT_READ"]).await;
    s.user_with_roles(&mut admin, "readonly", &["READONLY_ADMIN"]).await;
    s.user_with_roles(&mut admin, "settings", &["SYSTEM_AUDIT_WRITE"]).await;
    let query = json!([{"query-options": {"limit": 1}}]);

    let mut accounts = s.logged_in("accounts", "pw").await;
    for (method, params) in [
        ("audit.query", query.clone()),
        ("audit.config", json!([])),
        ("audit.export", json!([{}])),
        ("audit.update", json!([{"retention": 3}])),
    ] {
        assert_call_error(&accounts.err(method, params).await, "EACCES", "Not authorized");
    }
    for reader in ["auditor", "readonly"] {
        let mut c = s.logged_in(reader, "pw").await;
        assert_eq!(c.ok("audit.query", query.clone()).await.as_array().unwrap().len(), 1);
        assert_eq!(c.ok("audit.config", json!([])).await["retention"], 7);
        let e = c.err("audit.update", json!([{"retention": 3}])).await;
        assert_call_error(&e, "EACCES", "Not authorized");
    }
    let mut settings = s.logged_in("settings", "pw").await;
    assert_eq!(
        settings.ok("audit.update", json!([{"retention": 3}])).await["retention"],
        3
    );
    assert_call_error(&settings.err("audit.query", query).await, "EACCES", "Not authorized");
}

#[tokio::test]
async fn two_factor_logins_record_wrong_and_abandoned_second_steps() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    s.user_with_roles(&mut admin, "otpuser", &["READONLY_ADMIN"]).await;
    admin
        .ok("auth.twofactor.update", json!([{"enabled": true, "window": 0}]))
        .await;
    admin.ok("user.renew_2fa_secret", json!(["otpuser", {}])).await;
    let mut c = s.client().await;
    assert_eq!(c.login_ex("otpuser", "pw").await["response_type"], "OTP_REQUIRED");
    // Another password login instead of the code abandons the first attempt.
    assert_eq!(c.login_ex("otpuser", "pw").await["response_type"], "OTP_REQUIRED");
    let r = c
        .ok(
            "auth.login_ex_continue",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": "000000"}]),
        )
        .await;
    assert_eq!(r["response_type"], "AUTH_ERR");
    let failed = entries(
        &mut admin,
        json!([["event", "=", "AUTHENTICATION"], ["success", "=", false]]),
    )
    .await;
    let data: Vec<Value> = failed.iter().map(|e| e["event_data"].clone()).collect();
    let twofactor = json!({"credentials": "LOGIN_TWOFACTOR", "credentials_data": {"username": "otpuser"}});
    assert_eq!(
        data,
        [
            json!({"credentials": twofactor, "error": "Abandoning login attempt after being presented with \
                   requirement for second factor for authentication."}),
            json!({"credentials": twofactor, "error": "One-time token validation failed: Authentication failure"}),
        ]
    );
    assert!(!serde_json::to_string(&failed).unwrap().contains("000000"));
}

#[tokio::test]
async fn sessions_ended_by_terminate_calls_and_credential_changes_are_logged_out() {
    let s = TestServer::start().await;
    let mut admin = s.admin().await;
    let alice = s.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    // auth.terminate_session: the ended session's LOGOUT, with its own session id.
    let mut victim = s.logged_in("alice", "pw").await;
    let id = victim
        .ok("auth.sessions", json!([[["current", "=", true]], {"get": true}]))
        .await["id"]
        .clone();
    assert_eq!(admin.ok("auth.terminate_session", json!([id])).await, true);
    let mut logouts = Vec::new();
    for _ in 0..200 {
        logouts = entries(
            &mut admin,
            json!([["event", "=", "LOGOUT"], ["username", "=", "alice"]]),
        )
        .await;
        if !logouts.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(logouts.len(), 1, "{logouts:#?}");
    assert_eq!(logouts[0]["session"], id);
    assert_eq!(logouts[0]["event_data"]["credentials"]["credentials"], "LOGIN_PASSWORD");
    drop(victim);

    // A new password ends alice's other session (a credential effect): logged out once, not again on close.
    let mut other = s.logged_in("alice", "pw").await;
    admin.ok("user.update", json!([alice, {"password": "pw2"}])).await;
    let mut found = 0;
    for _ in 0..200 {
        found = entries(
            &mut admin,
            json!([["event", "=", "LOGOUT"], ["username", "=", "alice"]]),
        )
        .await
        .len();
        if found == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(found, 2);
    assert_eq!(
        other.closed().await,
        Some(1000),
        "the ended session's connection closes"
    );

    // auth.terminate_other_sessions likewise.
    let _third = s.logged_in("alice", "pw2").await;
    assert_eq!(admin.ok("auth.terminate_other_sessions", json!([])).await, true);
    for _ in 0..200 {
        found = entries(
            &mut admin,
            json!([["event", "=", "LOGOUT"], ["username", "=", "alice"]]),
        )
        .await
        .len();
        if found == 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(found, 3);
    tokio::time::sleep(Duration::from_millis(100)).await;
    let all = entries(
        &mut admin,
        json!([["event", "=", "LOGOUT"], ["username", "=", "alice"]]),
    )
    .await;
    assert_eq!(
        all.len(),
        3,
        "no second LOGOUT when the ended connections close: {all:#?}"
    );
}

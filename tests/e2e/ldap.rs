//! LDAP authentication sources against a real OpenLDAP slapd started per test (`support/slapd.rs`): known
//! users, on-the-fly registration, FAULTED sources, timeouts, lockout, 2FA after LDAP, secrets and filter
//! injection. Group sync is in `ldap_groups.rs`, LDAPS in `ldap_tls.rs`.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd_core::ManualClock;
use accountd_e2e::slapd::{self, ASMITH, BAD_NAME, JDOE, JOSE, LONER, Slapd};
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, user_by_name};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;

/// The fields of `auth_source.create` for `slapd`, merged with `extra`.
pub fn source_fields(slapd: &Slapd, name: &str, extra: Value) -> Value {
    let mut fields = slapd.source(name);
    if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            f.insert(k.clone(), v.clone());
        }
    }
    fields
}

/// Creates a source for `slapd`; returns its id.
pub async fn create_source(admin: &mut Client, slapd: &Slapd, name: &str, extra: Value) -> i64 {
    let entry = admin
        .ok("auth_source.create", json!([source_fields(slapd, name, extra)]))
        .await;
    entry["id"].as_i64().expect("source id")
}

/// Creates `username` as a user of `source`, in the auxiliary `groups`; returns its id.
pub async fn create_external_user(admin: &mut Client, username: &str, source: i64, groups: &[i64]) -> i64 {
    admin
        .ok(
            "user.create",
            json!([{"username": username, "full_name": "Placeholder", "group_create": true,
                    "auth_source": source, "groups": groups}]),
        )
        .await["id"]
        .as_i64()
        .expect("user id")
}

/// The source's entry.
pub async fn source(admin: &mut Client, id: i64) -> Value {
    admin.ok("auth_source.get_instance", json!([id])).await
}

#[tokio::test]
async fn known_users_log_in_through_the_directory_and_their_names_are_refreshed() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    create_external_user(&mut admin, ASMITH.0, corp, &[readers]).await;

    // jdoe's password is {SSHA} in the directory, asmith's plain.
    let mut jdoe = server.client().await;
    jdoe.login(JDOE.0, JDOE.1).await;
    assert_eq!(server.login_type(ASMITH.0, ASMITH.1).await, "SUCCESS");
    assert_eq!(server.login_type(JDOE.0, "wrong").await, "AUTH_ERR");
    // A user of the directory has no local password: the hash is not a way in.
    assert_eq!(server.login_type(JDOE.0, "*").await, "AUTH_ERR");

    let entry = user_by_name(&mut admin, JDOE.0).await;
    assert_eq!(
        (
            &entry["full_name"],
            &entry["email"],
            &entry["auth_source"],
            &entry["auth_source_name"],
            &entry["unixhash"]
        ),
        (
            &json!("John Doe"),
            &json!("jdoe@example.org"),
            &json!(corp),
            &json!("corp"),
            &json!("*")
        )
    );
    // asmith has no mail in the directory: the email stays as it was.
    let entry = user_by_name(&mut admin, ASMITH.0).await;
    assert_eq!(
        (&entry["full_name"], &entry["email"]),
        (&json!("Anna Smith"), &Value::Null)
    );
    let me = jdoe.ok("auth.me", json!([])).await;
    assert!(
        me["account_attributes"]
            .as_array()
            .expect("list")
            .contains(&json!("LDAP")),
        "{me}"
    );
    // Local users are looked up as before.
    assert_eq!(source(&mut admin, corp).await["status"], "HEALTHY");
    assert_eq!(
        server.login_type("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await,
        "SUCCESS"
    );
}

#[tokio::test]
async fn an_empty_password_never_reaches_the_directory() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({"onthefly_register": true})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    // A frozen server would hold any connection until the 2 s timeout and fault the source: an empty password
    // is answered at once and the source stays healthy, so nothing was sent.
    ldap.freeze();
    for login in [JDOE.0, LONER.0] {
        let started = Instant::now();
        let mut c = server.client().await;
        let r = c
            .call(
                "auth.login_ex",
                json!([{"mechanism": "PASSWORD_PLAIN", "username": login, "password": ""}]),
            )
            .await;
        match r {
            Ok(r) => assert_eq!(r["response_type"], "AUTH_ERR"),
            Err(e) => assert_eq!(e["code"], -32602, "{e}"),
        }
        assert!(
            started.elapsed() < Duration::from_millis(1500),
            "{:?}",
            started.elapsed()
        );
    }
    ldap.thaw();
    assert_eq!(source(&mut admin, corp).await["status"], "HEALTHY");
    assert!(admin.ok("user.query", json!([[["username", "=", LONER.0]]])).await == json!([]));
}

#[tokio::test]
async fn external_users_cannot_have_a_local_password() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    let e = admin
        .err(
            "user.create",
            json!([{"username": "jdoe", "full_name": "J", "group_create": true, "auth_source": corp,
                    "password": "local-pw"}]),
        )
        .await;
    assert_invalid(
        &e,
        "user_create.password",
        "Password cannot be set for users of an external authentication source",
    );
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let id = create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    let e = admin.err("user.update", json!([id, {"password": "local-pw"}])).await;
    assert_invalid(
        &e,
        "user_update.password",
        "Password cannot be set for users of an external authentication source",
    );
    // Nor through self-service: the directory keeps the password.
    let mut jdoe = server.logged_in(JDOE.0, JDOE.1).await;
    let e = jdoe
        .err(
            "user.account.update",
            json!([{"password": "local-pw", "old_password": JDOE.1}]),
        )
        .await;
    assert_invalid(
        &e,
        "user_account_update.password",
        "Password cannot be changed for users of an external authentication source",
    );
    let e = admin
        .err(
            "user.create",
            json!([{"username": "x", "full_name": "X", "group_create": true, "auth_source": 99}]),
        )
        .await;
    assert_invalid(&e, "user_create.auth_source", "Authentication source 99 does not exist");
    // Moving a local user to the directory removes the local password.
    let alice = server.create_user(&mut admin, "alice", &[]).await["id"].clone();
    admin.ok("user.update", json!([alice, {"auth_source": corp}])).await;
    assert_eq!(user_by_name(&mut admin, "alice").await["unixhash"], "*");
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
}

#[tokio::test]
async fn unknown_logins_are_registered_on_the_fly_with_the_directorys_names() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    // A source without on-the-fly registration creates nobody.
    create_source(&mut admin, &ldap, "no-registration", json!({})).await;
    assert_eq!(server.login_type(LONER.0, LONER.1).await, "AUTH_ERR");
    assert_eq!(
        admin.ok("user.query", json!([[["username", "=", LONER.0]]])).await,
        json!([])
    );

    let corp = create_source(
        &mut admin,
        &ldap,
        "corp",
        json!({"onthefly_register": true, "default_group": readers}),
    )
    .await;
    // The non-ASCII name arrives intact.
    assert_eq!(server.login_type(JOSE.0, JOSE.1).await, "SUCCESS");
    let jose = user_by_name(&mut admin, JOSE.0).await;
    assert_eq!(
        (
            &jose["full_name"],
            &jose["email"],
            &jose["auth_source_name"],
            &jose["group"]["id"],
            &jose["unixhash"]
        ),
        (
            &json!("José Núñez"),
            &json!("jose@example.org"),
            &json!("corp"),
            &json!(readers),
            &json!("*")
        )
    );
    assert_eq!(jose["auth_source"], corp);
    // The directory decides the case of the username.
    assert_eq!(server.login_type("ASMITH", ASMITH.1).await, "SUCCESS");
    let asmith = user_by_name(&mut admin, ASMITH.0).await;
    assert_eq!(
        (&asmith["username"], &asmith["email"]),
        (&json!("asmith"), &Value::Null)
    );
    // A wrong password registers nobody; a directory login that breaks the username rules is refused.
    assert_eq!(server.login_type(LONER.0, "wrong").await, "AUTH_ERR");
    assert_eq!(server.login_type(BAD_NAME.0, BAD_NAME.1).await, "AUTH_ERR");
    let names: Vec<Value> = admin
        .ok(
            "user.query",
            json!([[["auth_source", "=", corp]], {"select": ["username"]}]),
        )
        .await
        .as_array()
        .expect("list")
        .iter()
        .map(|u| u["username"].clone())
        .collect();
    assert_eq!(names, [json!("jose"), json!("asmith")]);
    // Registered once: the next login is a known user's.
    assert_eq!(server.login_type(JOSE.0, JOSE.1).await, "SUCCESS");
    assert_eq!(
        admin
            .ok("user.query", json!([[], {"count": true}]))
            .await
            .as_i64()
            .map(|n| n > 0),
        Some(true)
    );
}

#[tokio::test]
async fn filter_injection_in_the_login_matches_nothing() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(
        &mut admin,
        &ldap,
        "corp",
        json!({"onthefly_register": true, "default_group": readers, "ldap_filter": "(objectClass=posixAccount)"}),
    )
    .await;
    for login in [
        "*",
        "*)(uid=*",
        "jdoe)(|(uid=*",
        "jdoe*",
        "*)(objectClass=*))(|(uid=*",
        "jdoe\\2a",
    ] {
        assert_eq!(server.login_type(login, JDOE.1).await, "AUTH_ERR", "{login}");
    }
    assert_eq!(
        admin.ok("user.query", json!([[["auth_source", "=", corp]]])).await,
        json!([])
    );
    assert_eq!(source(&mut admin, corp).await["status"], "HEALTHY");
    // The filter itself is ANDed with the login search.
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");
    admin
        .ok(
            "auth_source.update",
            json!([corp, {"ldap_filter": "(objectClass=groupOfNames)"}]),
        )
        .await;
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "AUTH_ERR");
}

#[tokio::test]
async fn a_stopped_server_faults_the_source_without_counting_for_lockout() {
    let mut ldap = Slapd::start();
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock).await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");

    ldap.stop();
    // More than the lockout's 10 failures, all with the right password while the server is down.
    let mut c = server.client().await;
    for _ in 0..12 {
        assert_eq!(c.login_ex(JDOE.0, JDOE.1).await, json!({"response_type": "AUTH_ERR"}));
    }
    let entry = source(&mut admin, corp).await;
    assert_eq!(entry["status"], "FAULTED");
    assert!(
        entry["status_msg"]
            .as_str()
            .expect("msg")
            .starts_with("Unable to connect to LDAP server"),
        "{entry}"
    );
    // Local users are unaffected.
    assert_eq!(
        server.login_type("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await,
        "SUCCESS"
    );

    ldap.restart();
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS", "not locked out");
    let entry = source(&mut admin, corp).await;
    assert_eq!(
        (&entry["status"], &entry["status_msg"]),
        (&json!("HEALTHY"), &json!(""))
    );
}

#[tokio::test]
async fn wrong_directory_passwords_count_for_lockout() {
    let ldap = Slapd::start();
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    let stranger = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let mut c = Client::connect_from(&server.url(), stranger).await;
    for i in 0..10 {
        assert_eq!(
            c.login_ex(JDOE.0, &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    assert_eq!(
        server.login_from(stranger, JDOE.0, JDOE.1).await["response_type"],
        "AUTH_ERR"
    );
    admin.ok("user.reset_lockout", json!([JDOE.0])).await;
    assert_eq!(
        server.login_from(stranger, JDOE.0, JDOE.1).await["response_type"],
        "SUCCESS"
    );
}

#[tokio::test]
async fn a_frozen_server_times_out_and_does_not_hold_other_logins() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({"timeout": 1})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    ldap.freeze();
    let url = server.url();
    let started = Instant::now();
    let stuck = tokio::spawn(async move {
        let mut c = Client::connect(&url).await;
        let r = c.login_ex(JDOE.0, JDOE.1).await;
        (r, started.elapsed())
    });
    // While that login waits on the directory, local logins and calls go on.
    for _ in 0..3 {
        assert_eq!(
            server.login_type("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await,
            "SUCCESS"
        );
        admin.ok("core.ping", json!([])).await;
    }
    let local_done = started.elapsed();
    let (r, took) = stuck.await.expect("join");
    assert_eq!(r["response_type"], "AUTH_ERR");
    assert!(
        local_done < took,
        "local logins finished first ({local_done:?} vs {took:?})"
    );
    assert!(
        took >= Duration::from_millis(900) && took < Duration::from_secs(5),
        "{took:?}"
    );
    ldap.thaw();
    assert_eq!(source(&mut admin, corp).await["status"], "FAULTED");
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");
}

#[tokio::test]
async fn two_factor_authentication_follows_the_directory_password() {
    let ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;
    create_external_user(&mut admin, JDOE.0, corp, &[readers]).await;
    admin
        .ok("auth.twofactor.update", json!([{"enabled": true, "window": 0}]))
        .await;
    admin.ok("user.renew_2fa_secret", json!([JDOE.0, {}])).await;
    let mut c = server.client().await;
    assert_eq!(
        c.login_ex(JDOE.0, JDOE.1).await,
        json!({"response_type": "OTP_REQUIRED", "username": "jdoe"})
    );
    assert_eq!(server.login_type(JDOE.0, "wrong").await, "AUTH_ERR");
}

#[tokio::test]
async fn sources_are_tested_kept_secret_and_not_deleted_while_used() {
    let mut ldap = Slapd::start();
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let corp = create_source(&mut admin, &ldap, "corp", json!({})).await;

    // The builtin source.
    let internal = source(&mut admin, 1).await;
    assert_eq!(
        (&internal["name"], &internal["type"]),
        (&json!("Internal"), &json!("INTERNAL"))
    );
    assert_call_error(
        &admin.err("auth_source.delete", json!([1])).await,
        "EPERM",
        "The builtin Internal authentication source cannot be changed or deleted",
    );

    // The bind password is never returned, and kept when an update omits it.
    assert_eq!(source(&mut admin, corp).await["account_password"], Value::Null);
    let listed = admin.ok("auth_source.query", json!([])).await;
    assert!(!listed.to_string().contains(slapd::SERVICE_PASSWORD), "{listed}");
    admin.ok("auth_source.update", json!([corp, {"timeout": 3}])).await;
    assert_eq!(
        admin.ok("auth_source.test", json!([corp])).await,
        json!({"success": true, "message": "Connected and searched with the service account"})
    );
    // Sealed at rest.
    let db = server.settings.db.clone();
    let raw: String = accountd_store::Connection::open(&db)
        .expect("open db")
        .query_row("SELECT account_password FROM auth_sources WHERE id = ?1", [corp], |r| {
            r.get(0)
        })
        .expect("row");
    assert!(raw.starts_with("$aes256gcm$"), "{raw}");
    // Not in the audit log either.
    let audit = admin
        .ok("audit.query", json!([{"query-filters": [["event_data.method", "=", "auth_source.create"]], "query-options": {"limit": 100}}]))
        .await;
    assert!(audit.as_array().is_some_and(|a| !a.is_empty()), "{audit}");
    assert!(!audit.to_string().contains(slapd::SERVICE_PASSWORD), "{audit}");

    // A wrong service password, a stopped server.
    admin
        .ok("auth_source.update", json!([corp, {"account_password": "wrong"}]))
        .await;
    let r = admin.ok("auth_source.test", json!([corp])).await;
    assert_eq!(r["success"], false);
    assert_eq!(r["message"], "The service account could not bind: invalid credentials");
    admin
        .ok(
            "auth_source.update",
            json!([corp, {"account_password": slapd::SERVICE_PASSWORD}]),
        )
        .await;
    ldap.stop();
    let r = admin.ok("auth_source.test", json!([corp])).await;
    assert_eq!(r["success"], false);
    assert!(
        r["message"]
            .as_str()
            .expect("msg")
            .starts_with("Unable to connect to LDAP server"),
        "{r}"
    );
    assert_eq!(source(&mut admin, corp).await["status"], "FAULTED");
    ldap.restart();
    assert_eq!(admin.ok("auth_source.test", json!([corp])).await["success"], true);
    assert_eq!(source(&mut admin, corp).await["status"], "HEALTHY");

    // Validation names the field.
    let e = admin
        .err(
            "auth_source.create",
            json!([source_fields(
                &ldap,
                "corp",
                json!({"base_dn": "people", "ldap_filter": "(uid=*"})
            )]),
        )
        .await;
    assert_invalid(
        &e,
        "auth_source_create.name",
        "An authentication source named \"corp\" already exists.",
    );
    assert_invalid(&e, "auth_source_create.base_dn", "Invalid DN");
    assert_invalid(&e, "auth_source_create.ldap_filter", "Invalid LDAP filter syntax");

    // In use: refused; unused: deleted.
    let id = create_external_user(&mut admin, JDOE.0, corp, &[]).await;
    assert_call_error(
        &admin.err("auth_source.delete", json!([corp])).await,
        "EBUSY",
        "Authentication source is used by 1 users",
    );
    admin.ok("user.delete", json!([id])).await;
    assert_eq!(admin.ok("auth_source.delete", json!([corp])).await, json!(true));
}

//! Two-factor authentication: per-user secrets (`user.renew_2fa_secret`, `user.unset_2fa_secret`,
//! `user.provisioning_uri`, `user.twofactor_config`), the global `auth.twofactor` settings, and logins that need
//! a one-time password (`OTP_REQUIRED`, `auth.login_ex_continue`, legacy `auth.login`). Codes come from Python's
//! pyotp, an implementation independent of the server's.

use std::sync::Arc;

use accountd_core::ManualClock;
use accountd_e2e::otp::{pyotp, pyotp_code_with};
use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer, assert_call_error, assert_invalid};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z: a multiple of every interval the tests use.
const T0: i64 = 1_767_225_600_000;

/// The base32 secret inside a provisioning URI.
fn secret_of(uri: &Value) -> String {
    let uri = uri.as_str().expect("a provisioning URI");
    let start = uri.find("secret=").expect("secret=") + "secret=".len();
    uri[start..].split('&').next().expect("secret").to_string()
}

/// `auth.login_ex_continue` with a code.
async fn otp(c: &mut Client, code: &str) -> Value {
    c.ok(
        "auth.login_ex_continue",
        json!([{"mechanism": "OTP_TOKEN", "otp_token": code}]),
    )
    .await
}

/// Enables two-factor authentication with `window`, renews `username`'s secret; returns the secret.
async fn enable_for(admin: &mut Client, username: &str, window: i64, options: Value) -> String {
    admin
        .ok("auth.twofactor.update", json!([{"enabled": true, "window": window}]))
        .await;
    let r = admin.ok("user.renew_2fa_secret", json!([username, options])).await;
    secret_of(&r["twofactor_config"]["provisioning_uri"])
}

fn assert_no_login_in_progress(e: &Value) {
    assert_call_error(e, "EINVAL", "OTP_TOKEN: no authentication in progress");
    assert_eq!(e["data"]["error"], 22);
}

#[tokio::test]
async fn renew_gives_a_new_secret_and_keeps_unspecified_options() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;

    let r = admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    assert_eq!(r["username"], "alice");
    assert_eq!(r["twofactor_auth_configured"], true);
    assert!(
        r["unixhash"].as_str().expect("hash").starts_with("$argon2id$"),
        "admin sees secrets"
    );
    let config = &r["twofactor_config"];
    let secret = secret_of(&config["provisioning_uri"]);
    assert_eq!(secret.len(), 32);
    assert!(
        secret
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b)),
        "{secret}"
    );
    assert_eq!(
        *config,
        json!({"provisioning_uri": format!("otpauth://totp/iXsystems:alice-accountd%40TrueNAS?secret={secret}&issuer=iXsystems"),
               "secret_configured": true, "interval": 30, "otp_digits": 6, "recovery_codes_remaining": 0})
    );
    // pyotp builds the same URI from the secret (as TrueNAS does).
    let expected = pyotp(&format!(
        "print(pyotp.TOTP('{secret}').provisioning_uri(name='alice-accountd@TrueNAS', issuer_name='iXsystems'))"
    ));
    assert_eq!(config["provisioning_uri"], expected);

    // Only given options change; every renewal draws a new secret.
    let r = admin
        .ok("user.renew_2fa_secret", json!(["alice", {"otp_digits": 8}]))
        .await;
    let second = secret_of(&r["twofactor_config"]["provisioning_uri"]);
    assert_ne!(second, secret);
    assert_eq!(r["twofactor_config"]["otp_digits"], 8);
    assert_eq!(r["twofactor_config"]["interval"], 30);
    assert!(
        r["twofactor_config"]["provisioning_uri"]
            .as_str()
            .expect("uri")
            .ends_with("&issuer=iXsystems&digits=8")
    );
    let r = admin
        .ok("user.renew_2fa_secret", json!(["alice", {"interval": 60}]))
        .await;
    assert_eq!(r["twofactor_config"]["otp_digits"], 8);
    assert_eq!(r["twofactor_config"]["interval"], 60);
    let third = secret_of(&r["twofactor_config"]["provisioning_uri"]);
    let expected = pyotp(&format!(
        "print(pyotp.TOTP('{third}', digits=8, interval=60).provisioning_uri(name='alice-accountd@TrueNAS', issuer_name='iXsystems'))"
    ));
    assert_eq!(r["twofactor_config"]["provisioning_uri"], expected);

    // The entry and auth.me follow the state.
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(entry["twofactor_auth_configured"], true);
    let mut alice = server.client().await;
    alice.login("alice", "pw").await;
    let me = alice.ok("auth.me", json!([])).await;
    assert_eq!(me["two_factor_config"], r["twofactor_config"]);
    assert!(
        me["account_attributes"]
            .as_array()
            .expect("list")
            .contains(&json!("2FA"))
    );

    // Unset: the secret is gone, the parameters stay.
    assert_eq!(admin.ok("user.unset_2fa_secret", json!(["alice"])).await, Value::Null);
    assert_eq!(
        admin.ok("user.twofactor_config", json!(["alice"])).await,
        json!({"provisioning_uri": null, "secret_configured": false, "interval": 60, "otp_digits": 8, "recovery_codes_remaining": 0})
    );
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(entry["twofactor_auth_configured"], false);
    let me = alice.ok("auth.me", json!([])).await;
    assert_eq!(me["two_factor_config"]["secret_configured"], false);
    assert!(
        !me["account_attributes"]
            .as_array()
            .expect("list")
            .contains(&json!("2FA"))
    );
    let e = admin.err("user.provisioning_uri", json!(["alice"])).await;
    assert_call_error(
        &e,
        "EFAULT",
        "'alice' user does not have two factor authentication configured",
    );
}

#[tokio::test]
async fn renew_is_for_oneself_or_full_admin_and_validates_options() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["ACCOUNT_WRITE"]).await;
    let mut alice = server.client().await;
    alice.login("alice", "pw").await;

    // Her own: allowed, with her secrets redacted in the entry but the provisioning URI shown.
    let r = alice
        .ok("user.renew_2fa_secret", json!(["alice", {"otp_digits": 7}]))
        .await;
    assert_eq!(r["unixhash"], "********");
    assert_eq!(r["twofactor_config"]["otp_digits"], 7);
    assert_eq!(secret_of(&r["twofactor_config"]["provisioning_uri"]).len(), 32);
    // Someone else's: EPERM, even with ACCOUNT_WRITE.
    let e = alice.err("user.renew_2fa_secret", json!(["bob", {}])).await;
    assert_call_error(
        &e,
        "EPERM",
        "bob: currently authenticated credential may not renew two-factor authentication for this user.",
    );
    let mut bob = server.client().await;
    bob.login("bob", "pw").await;
    let e = bob.err("user.renew_2fa_secret", json!(["alice", {}])).await;
    assert_eq!(e["data"]["errname"], "EPERM");
    // Unknown users (FULL_ADMIN gets past the permission check).
    let e = admin.err("user.renew_2fa_secret", json!(["ghost", {}])).await;
    assert_call_error(&e, "ENOENT", "User 'ghost' does not exist");
    assert_eq!(e["data"]["error"], 2);
    let e = admin.err("user.unset_2fa_secret", json!(["ghost"])).await;
    assert_call_error(&e, "ENOENT", "User 'ghost' does not exist");

    // Options: 6..8 digits, interval >= 5, nothing else; the options object is required.
    for (options, attribute) in [
        (json!({"otp_digits": 5}), "twofactor_options.otp_digits"),
        (json!({"otp_digits": 9}), "twofactor_options.otp_digits"),
        (json!({"interval": 4}), "twofactor_options.interval"),
        (json!({"otp_digits": "6"}), "twofactor_options.otp_digits"),
        (json!({"window": 1}), "twofactor_options.window"),
    ] {
        let e = admin.err("user.renew_2fa_secret", json!(["alice", options])).await;
        assert_eq!(e["code"], -32602, "{options}: {e}");
        assert_eq!(e["data"]["extra"][0][0], attribute, "{options}: {e}");
    }
    let e = admin.err("user.renew_2fa_secret", json!(["alice"])).await;
    assert_invalid(&e, "twofactor_options", "Field required");
    let e = admin
        .err("user.renew_2fa_secret", json!(["alice", {"interval": 4}]))
        .await;
    assert_invalid(
        &e,
        "twofactor_options.interval",
        "Input should be greater than or equal to 5",
    );
    // Nothing changed by the refused calls.
    let config = admin.ok("user.twofactor_config", json!(["alice"])).await;
    assert_eq!(
        (config["otp_digits"].clone(), config["interval"].clone()),
        (json!(7), json!(30))
    );

    // unset needs ACCOUNT_WRITE (READONLY_ADMIN may not; bob may).
    let e = alice.err("user.unset_2fa_secret", json!(["alice"])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    assert_eq!(bob.ok("user.unset_2fa_secret", json!(["alice"])).await, Value::Null);
    let config = admin.ok("user.twofactor_config", json!(["alice"])).await;
    assert_eq!(config["secret_configured"], false);
}

#[tokio::test]
async fn provisioning_uri_and_config_show_the_secret_only_to_whom_it_belongs_or_admins() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["ACCOUNT_WRITE"]).await;
    server.user_with_roles(&mut admin, "carol", &["API_KEY_READ"]).await;
    let alice_uri =
        admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await["twofactor_config"]["provisioning_uri"].clone();
    let bob_uri =
        admin.ok("user.renew_2fa_secret", json!(["bob", {}])).await["twofactor_config"]["provisioning_uri"].clone();

    let mut alice = server.client().await;
    alice.login("alice", "pw").await;
    let mut bob = server.client().await;
    bob.login("bob", "pw").await;
    let mut carol = server.client().await;
    carol.login("carol", "pw").await;

    // Own: always.
    assert_eq!(alice.ok("user.provisioning_uri", json!(["alice"])).await, alice_uri);
    assert_eq!(
        alice.ok("user.twofactor_config", json!(["alice"])).await["provisioning_uri"],
        alice_uri
    );
    let own = carol.ok("user.twofactor_config", json!(["carol"])).await;
    assert_eq!(
        own,
        json!({"provisioning_uri": null, "secret_configured": false, "interval": 30, "otp_digits": 6, "recovery_codes_remaining": 0})
    );
    // Someone else's URI: FULL_ADMIN or ACCOUNT_WRITE.
    assert_eq!(admin.ok("user.provisioning_uri", json!(["alice"])).await, alice_uri);
    assert_eq!(bob.ok("user.provisioning_uri", json!(["alice"])).await, alice_uri);
    let e = alice.err("user.provisioning_uri", json!(["bob"])).await;
    assert_call_error(
        &e,
        "EPERM",
        "bob: currently authenticated credential may not read the two-factor secret of this user.",
    );
    // Someone else's config: ACCOUNT_READ, with the URI redacted without FULL_ADMIN/ACCOUNT_WRITE.
    assert_eq!(
        alice.ok("user.twofactor_config", json!(["bob"])).await,
        json!({"provisioning_uri": "********", "secret_configured": true, "interval": 30, "otp_digits": 6, "recovery_codes_remaining": 0})
    );
    assert_eq!(
        bob.ok("user.twofactor_config", json!(["alice"])).await["provisioning_uri"],
        alice_uri
    );
    assert_eq!(
        admin.ok("user.twofactor_config", json!(["bob"])).await["provisioning_uri"],
        bob_uri
    );
    let e = carol.err("user.twofactor_config", json!(["alice"])).await;
    assert_call_error(
        &e,
        "EPERM",
        "alice: currently authenticated credential may not read the two-factor configuration of this user.",
    );
    let e = carol.err("user.provisioning_uri", json!(["alice"])).await;
    assert_eq!(e["data"]["errname"], "EPERM");
    // Unknown users.
    let e = admin.err("user.twofactor_config", json!(["ghost"])).await;
    assert_call_error(&e, "ENOENT", "User 'ghost' does not exist");
    let e = admin.err("user.provisioning_uri", json!(["ghost"])).await;
    assert_call_error(&e, "ENOENT", "User 'ghost' does not exist");
    // And no login, no access.
    let mut anonymous = server.client().await;
    let e = anonymous.err("user.twofactor_config", json!(["alice"])).await;
    assert_call_error(&e, "ENOTAUTHENTICATED", "Not authenticated");
}

#[tokio::test]
async fn global_settings_are_read_by_admins_and_changed_by_full_admin() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["ACCOUNT_WRITE"]).await;
    let defaults = json!({"enabled": false, "services": {"ssh": false}, "window": 0, "id": 1});
    assert_eq!(admin.ok("auth.twofactor.config", json!([])).await, defaults);

    let r = admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    assert_eq!(
        r,
        json!({"enabled": true, "services": {"ssh": false}, "window": 0, "id": 1})
    );
    let r = admin
        .ok(
            "auth.twofactor.update",
            json!([{"window": 2, "services": {"ssh": true}}]),
        )
        .await;
    assert_eq!(
        r,
        json!({"enabled": true, "services": {"ssh": true}, "window": 2, "id": 1})
    );
    // `services` given without `ssh` means ssh false (the services model's default).
    let r = admin.ok("auth.twofactor.update", json!([{"services": {}}])).await;
    assert_eq!(r["services"], json!({"ssh": false}));

    let mut alice = server.client().await;
    alice.login("alice", "pw").await;
    assert_eq!(alice.ok("auth.twofactor.config", json!([])).await, r);
    let e = alice.err("auth.twofactor.update", json!([{"enabled": false}])).await;
    assert_call_error(&e, "EACCES", "Not authorized");
    let mut bob = server.client().await;
    bob.login("bob", "pw").await;
    let e = bob.err("auth.twofactor.config", json!([])).await;
    assert_call_error(&e, "EACCES", "Not authorized");

    let e = admin.err("auth.twofactor.update", json!([{"window": -1}])).await;
    assert_invalid(
        &e,
        "auth_twofactor_update.window",
        "Input should be greater than or equal to 0",
    );
    let e = admin.err("auth.twofactor.update", json!([{"id": 2}])).await;
    assert_invalid(&e, "auth_twofactor_update.id", "Extra inputs are not permitted");
    let e = admin.err("auth.twofactor.update", json!([{"enabled": 1}])).await;
    assert_invalid(&e, "auth_twofactor_update.enabled", "Input should be a valid boolean");
    // Survives a restart.
    let mut server = server;
    server.restart().await;
    let mut admin = server.admin().await;
    assert_eq!(admin.ok("auth.twofactor.config", json!([])).await, r);
}

#[tokio::test]
async fn password_then_one_time_password_logs_in_at_level_2() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({})).await;

    let mut c = server.client().await;
    let r = c.login_ex("alice", "pw").await;
    assert_eq!(r, json!({"response_type": "OTP_REQUIRED", "username": "alice"}));
    // Not logged in yet.
    assert_call_error(
        &c.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
    assert_eq!(
        admin
            .ok("auth.sessions", json!([[["credentials_data.username", "=", "alice"]]]))
            .await,
        json!([])
    );
    let code = pyotp_code_with(&secret, 6, 30, Some(T0));
    let r = otp(&mut c, &code).await;
    assert_eq!(r["response_type"], "SUCCESS");
    // The server's assurance level, as TrueNAS reports it (LEVEL_2 only once the server is set to it).
    assert_eq!(r["authenticator"], "LEVEL_1");
    assert_eq!(r["reconnect_token"], Value::Null);
    assert_eq!(r["user_info"]["pw_name"], "alice");
    assert_eq!(r["user_info"]["two_factor_config"]["secret_configured"], true);
    assert_eq!(c.ok("auth.me", json!([])).await, r["user_info"]);
    let sessions = c.ok("auth.sessions", json!([[["current", "=", true]]])).await;
    assert_eq!(sessions[0]["credentials"], "LOGIN_TWOFACTOR");
    assert_eq!(
        sessions[0]["credentials_data"],
        json!({"username": "alice", "login_at": {"$date": T0}})
    );

    // The same code (its time step) is accepted once.
    let mut again = server.client().await;
    assert_eq!(again.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    assert_eq!(otp(&mut again, &code).await, json!({"response_type": "AUTH_ERR"}));
    // The failed attempt is over: another code needs a new password step.
    assert_no_login_in_progress(
        &again
            .err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": code}]),
            )
            .await,
    );
    assert_call_error(
        &again.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
    // The next step's code works, through auth.login_ex with OTP_TOKEN too.
    clock.advance_ms(30_000);
    assert_eq!(again.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let next = pyotp_code_with(&secret, 6, 30, Some(T0 + 30_000));
    let r = again
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": next, "login_options": {"user_info": false}}]),
        )
        .await;
    assert_eq!(
        r,
        json!({"response_type": "SUCCESS", "user_info": null, "authenticator": "LEVEL_1", "reconnect_token": null})
    );

    // A wrong code: AUTH_ERR, and the attempt is dropped.
    let mut wrong = server.client().await;
    assert_eq!(wrong.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let bad = if next == "000000" { "111111" } else { "000000" };
    assert_eq!(otp(&mut wrong, bad).await, json!({"response_type": "AUTH_ERR"}));
    assert_no_login_in_progress(
        &wrong
            .err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": next}]),
            )
            .await,
    );

    // OTP_TOKEN with nothing pending, on a fresh and on a logged-in connection.
    let mut fresh = server.client().await;
    assert_no_login_in_progress(
        &fresh
            .err(
                "auth.login_ex",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": "123456"}]),
            )
            .await,
    );
    assert_no_login_in_progress(
        &admin
            .err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": "123456"}]),
            )
            .await,
    );
    // A wrong password never asks for the code.
    assert_eq!(
        fresh.login_ex("alice", "nope").await,
        json!({"response_type": "AUTH_ERR"})
    );
    assert_no_login_in_progress(
        &fresh
            .err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": next}]),
            )
            .await,
    );

    // A new PASSWORD_PLAIN abandons the pending attempt (and a user without a secret logs straight in).
    clock.advance_ms(30_000);
    let third = pyotp_code_with(&secret, 6, 30, Some(T0 + 60_000));
    assert_eq!(fresh.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let r = fresh.login_ex("truenas_admin", ADMIN_PASSWORD).await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(r["authenticator"], "LEVEL_1");
    assert_eq!(fresh.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    assert_no_login_in_progress(
        &fresh
            .err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": third}]),
            )
            .await,
    );
    assert_eq!(
        fresh.ok("auth.me", json!([])).await["pw_name"],
        "truenas_admin",
        "still the admin"
    );

    // A pending attempt does not log out the connection's current login; completing it switches user.
    assert_eq!(fresh.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    assert_eq!(fresh.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    assert_eq!(otp(&mut fresh, &third).await["response_type"], "SUCCESS");
    assert_eq!(fresh.ok("auth.me", json!([])).await["pw_name"], "alice");

    // With two-factor disabled globally the secret is not asked for.
    admin.ok("auth.twofactor.update", json!([{"enabled": false}])).await;
    let mut plain = server.client().await;
    let r = plain.login_ex("alice", "pw").await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(r["authenticator"], "LEVEL_1");
}

#[tokio::test]
async fn window_widens_the_accepted_steps_and_older_steps_are_replays() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({"interval": 60})).await;
    clock.advance_ms(600_000);
    let now = T0 + 600_000;
    let at = |offset_steps: i64| pyotp_code_with(&secret, 6, 60, Some(now + offset_steps * 60_000));

    let mut c = server.client().await;
    // Window 0: only the current step.
    for (offset, expected) in [(-1, "AUTH_ERR"), (1, "AUTH_ERR")] {
        assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
        assert_eq!(
            otp(&mut c, &at(offset)).await["response_type"],
            expected,
            "offset {offset}"
        );
    }
    // Window 1: one step either side; a step after the last accepted one only.
    admin.ok("auth.twofactor.update", json!([{"window": 1}])).await;
    for (offset, expected) in [
        (-2, "AUTH_ERR"),
        (2, "AUTH_ERR"),
        (-1, "SUCCESS"),
        (-1, "AUTH_ERR"),
        (1, "SUCCESS"),
        (0, "AUTH_ERR"),
    ] {
        assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
        assert_eq!(
            otp(&mut c, &at(offset)).await["response_type"],
            expected,
            "offset {offset}"
        );
    }
    // Renewing the secret starts afresh: the current step of the new secret is accepted.
    let secret =
        admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await["twofactor_config"]["provisioning_uri"].clone();
    let secret = secret_of(&secret);
    assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    // (`{}` keeps the stored 60 s interval.)
    let code = pyotp_code_with(&secret, 6, 60, Some(now));
    assert_eq!(otp(&mut c, &code).await["response_type"], "SUCCESS");
}

#[tokio::test]
async fn legacy_login_takes_the_code_as_third_argument() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({"otp_digits": 8})).await;
    let code = pyotp_code_with(&secret, 8, 30, Some(T0));
    assert_eq!(code.len(), 8);

    let mut c = server.client().await;
    assert_eq!(c.ok("auth.login", json!(["alice", "pw"])).await, false);
    assert_no_login_in_progress(
        &c.err(
            "auth.login_ex_continue",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": code}]),
        )
        .await,
    );
    assert_eq!(c.ok("auth.login", json!(["alice", "pw", null])).await, false);
    assert_eq!(c.ok("auth.login", json!(["alice", "pw", "12345678"])).await, false);
    assert_eq!(c.ok("auth.login", json!(["alice", "wrong", code])).await, false);
    assert_call_error(
        &c.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
    assert_eq!(c.ok("auth.login", json!(["alice", "pw", code])).await, true);
    assert_eq!(c.ok("auth.me", json!([])).await["pw_name"], "alice");
    // Replayed code.
    let mut other = server.client().await;
    assert_eq!(other.ok("auth.login", json!(["alice", "pw", code])).await, false);
    // Users without a secret ignore the third argument.
    assert_eq!(
        other
            .ok("auth.login", json!(["truenas_admin", ADMIN_PASSWORD, "whatever"]))
            .await,
        true
    );
}

#[tokio::test]
async fn pyotp_drives_a_full_login_on_the_real_clock() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    // Window 1 so that a code computed just before a step boundary still counts just after it.
    let alice_secret = enable_for(&mut admin, "alice", 1, json!({"otp_digits": 8, "interval": 60})).await;
    let bob_secret = enable_for(&mut admin, "bob", 1, json!({})).await;

    for (user, secret, digits, interval) in [("alice", &alice_secret, 8, 60), ("bob", &bob_secret, 6, 30)] {
        let mut c = server.client().await;
        assert_eq!(
            c.login_ex(user, "pw").await,
            json!({"response_type": "OTP_REQUIRED", "username": user})
        );
        let code = pyotp_code_with(secret, digits, interval, None);
        assert_eq!(code.len(), digits as usize);
        let r = otp(&mut c, &code).await;
        assert_eq!(r["response_type"], "SUCCESS", "{user}: {r}");
        assert_eq!(r["authenticator"], "LEVEL_1");
        assert_eq!(c.ok("auth.me", json!([])).await["pw_name"], user);
    }
}

/// Secrets at rest: in the database file the TOTP secret and the NT hash are sealed (AES-GCM under the key
/// file beside it, 0600); one-time-password logins and the `smbhash` output work as before, across a restart.
#[tokio::test]
async fn secrets_are_sealed_in_the_database_file() {
    use std::os::unix::fs::PermissionsExt;

    use accountd_store::secrets::{SEALED_PREFIX, key_path};

    let clock = Arc::new(ManualClock::new(T0));
    let mut server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({})).await;
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    let smbhash = entry["smbhash"].as_str().expect("smbhash").to_string();
    assert_eq!(smbhash.len(), 32, "{smbhash}");
    drop(admin);
    server.restart().await;

    let db = accountd_store::Connection::open(&server.settings.db).expect("open the file");
    let stored: (String, String) = db
        .query_row(
            "SELECT u.smbhash, t.secret FROM users u JOIN twofactor t ON t.user_id = u.id WHERE u.id = ?1",
            [entry["id"].as_i64().expect("id")],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .expect("raw row");
    for (raw, plain) in [(&stored.0, &smbhash), (&stored.1, &secret)] {
        assert!(raw.starts_with(SEALED_PREFIX), "{raw}");
        assert!(
            !raw.contains(plain.as_str()) && !raw.contains(&plain.to_lowercase()),
            "{raw}"
        );
    }
    let key = std::fs::metadata(key_path(&server.settings.db)).expect("key file");
    assert_eq!(key.permissions().mode() & 0o777, 0o600);
    assert_eq!(key.len(), 32);

    let mut c = server.client().await;
    assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let r = otp(&mut c, &pyotp_code_with(&secret, 6, 30, Some(T0))).await;
    assert_eq!(r["response_type"], "SUCCESS");
    let mut admin = server.admin().await;
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(entry["smbhash"], smbhash);
    let config = admin.ok("user.provisioning_uri", json!(["alice"])).await;
    assert_eq!(secret_of(&config), secret);
}

/// A code for `secret` at `at_ms` that is not the right one (nor the one a step before or after).
fn wrong_code(secret: &str, at_ms: i64) -> String {
    let near: Vec<String> = [-30_000, 0, 30_000]
        .iter()
        .map(|d| pyotp_code_with(secret, 6, 30, Some(at_ms + d)))
        .collect();
    (0..)
        .map(|i| format!("{:06}", i * 111_111 % 1_000_000))
        .find(|c| !near.contains(c))
        .expect("a wrong code")
}

#[tokio::test]
async fn guessing_codes_is_bounded_per_account_whatever_the_connection() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "mallory", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({})).await;
    let right = pyotp_code_with(&secret, 6, 30, Some(T0));
    let wrong = wrong_code(&secret, T0);

    // A login parked before the guessing starts.
    let mut parked = server.client().await;
    assert_eq!(parked.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    // Mallory, logged in as herself on two connections, knows alice's password and guesses codes.
    let mut m1 = server.logged_in("mallory", "pw").await;
    let mut m2 = server.logged_in("mallory", "pw").await;
    for i in 0..10 {
        let c = if i % 2 == 0 { &mut m1 } else { &mut m2 };
        assert_eq!(
            c.login_ex("alice", "pw").await["response_type"],
            "OTP_REQUIRED",
            "guess {i}"
        );
        assert_eq!(otp(c, &wrong).await, json!({"response_type": "AUTH_ERR"}));
        // A wrong code ends the attempt.
        assert_no_login_in_progress(
            &c.err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": right}]),
            )
            .await,
        );
    }
    // Ten wrong codes locked alice out: her password answers as a wrong one, and the parked attempt fails
    // even with the right code.
    assert_eq!(m1.login_ex("alice", "pw").await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(otp(&mut parked, &right).await, json!({"response_type": "AUTH_ERR"}));
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
    clock.advance_ms(15 * 60_000);
    let mut c = server.client().await;
    assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    let code = pyotp_code_with(&secret, 6, 30, Some(T0 + 15 * 60_000));
    assert_eq!(
        otp(&mut c, &code).await["response_type"],
        "SUCCESS",
        "the lock ends by itself"
    );
}

#[tokio::test]
async fn a_pending_login_ends_when_the_password_changes_or_the_user_is_locked_or_deleted() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let alice = server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({})).await;
    let code = pyotp_code_with(&secret, 6, 30, Some(T0));
    let changes = [
        ("user.update", json!([alice, {"password": "new-pw"}]), "new-pw"),
        (
            "user.set_password",
            json!([{"username": "alice", "new_password": "newer-pw"}]),
            "newer-pw",
        ),
        ("user.update", json!([alice, {"locked": true}]), "newer-pw"),
        ("user.delete", json!([alice]), "newer-pw"),
    ];
    let mut password = "pw";
    for (method, params, next_password) in changes {
        let mut c = server.client().await;
        assert_eq!(
            c.login_ex("alice", password).await["response_type"],
            "OTP_REQUIRED",
            "{method}"
        );
        admin.ok(method, params.clone()).await;
        assert_no_login_in_progress(
            &c.err(
                "auth.login_ex_continue",
                json!([{"mechanism": "OTP_TOKEN", "otp_token": code}]),
            )
            .await,
        );
        password = next_password;
        if method == "user.update" && params[1]["locked"] == true {
            admin.ok("user.update", json!([alice, {"locked": false}])).await;
        }
    }
}

#[tokio::test]
async fn a_pending_login_times_out_even_on_a_logged_in_connection() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let secret = enable_for(&mut admin, "alice", 0, json!({})).await;
    server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let timeout = server.settings.limits.login_timeout.as_millis() as i64;

    assert_eq!(admin.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    clock.advance_ms(timeout - 1);
    let code = pyotp_code_with(&secret, 6, 30, Some(T0 + timeout - 1));
    assert_eq!(otp(&mut admin, &code).await["response_type"], "SUCCESS", "in time");

    let mut c = server.logged_in("bob", "pw").await;
    let start = T0 + timeout - 1;
    assert_eq!(c.login_ex("alice", "pw").await["response_type"], "OTP_REQUIRED");
    clock.advance_ms(timeout);
    let code = pyotp_code_with(&secret, 6, 30, Some(start + timeout));
    assert_eq!(
        otp(&mut c, &code).await,
        json!({"response_type": "AUTH_ERR"}),
        "too late"
    );
    assert_no_login_in_progress(
        &c.err(
            "auth.login_ex_continue",
            json!([{"mechanism": "OTP_TOKEN", "otp_token": code}]),
        )
        .await,
    );
}

#[tokio::test]
async fn verify_twofactor_token_confirms_a_new_secret_as_a_login_checks_codes() {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let mut alice = server.logged_in("alice", "pw").await;
    let verify = "user.verify_twofactor_token";
    let e = alice.err(verify, json!(["alice", "123456"])).await;
    assert_call_error(
        &e,
        "EFAULT",
        "Two Factor Authentication is not configured for this user",
    );

    // A new secret of her own, confirmed while two-factor login is still off.
    let renewed = alice.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    let secret = secret_of(&renewed["twofactor_config"]["provisioning_uri"]);
    let right = pyotp_code_with(&secret, 6, 30, Some(T0));
    assert_eq!(
        alice.ok(verify, json!(["alice", wrong_code(&secret, T0)])).await,
        json!(false)
    );
    assert_eq!(alice.ok(verify, json!(["alice", right])).await, json!(true));
    // Checking does not use the code up (a login may still use it); no code is a wrong one.
    assert_eq!(alice.ok(verify, json!(["alice", right])).await, json!(true));
    assert_eq!(alice.ok(verify, json!(["alice", null])).await, json!(false));

    // Another user's codes: only a FULL_ADMIN checks them.
    let mut bob = server.logged_in("bob", "pw").await;
    let e = bob.err(verify, json!(["alice", right])).await;
    assert_eq!(e["data"]["errname"], "EPERM", "{e}");
    clock.advance_ms(30_000);
    let next = pyotp_code_with(&secret, 6, 30, Some(T0 + 30_000));
    assert_eq!(admin.ok(verify, json!(["alice", next])).await, json!(true));
    let e = admin.err(verify, json!(["nobody-here", next])).await;
    assert_eq!(e["data"]["errname"], "ENOENT", "{e}");

    // Wrong codes count towards the account's lockout like wrong logins: two so far, eight more lock her out,
    // and then the right code answers false and her password logins fail.
    for _ in 0..8 {
        let wrong = wrong_code(&secret, T0 + 30_000);
        assert_eq!(alice.ok(verify, json!(["alice", wrong])).await, json!(false));
    }
    clock.advance_ms(30_000);
    let later = pyotp_code_with(&secret, 6, 30, Some(T0 + 60_000));
    assert_eq!(alice.ok(verify, json!(["alice", later])).await, json!(false));
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");
}

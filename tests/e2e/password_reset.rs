//! Password reset by email (`auth.password_reset.*`) through a real SMTP server (aiosmtpd): the request answers
//! null whatever the address (the mail goes out afterwards); the mailed link, parsed with a MIME parser, resets the
//! password once, within the TTL of the manual clock; a newer request, a password change, a lock or a deletion
//! cancels it; completing applies the password rules, clears the lockout, ends every session, logs nobody in and
//! keeps two-factor authentication. Failed mail is logged without the token.
#![allow(
    clippy::disallowed_methods,
    reason = "waits on real time to see that the real server sends no further mail"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd_core::ManualClock;
use accountd_e2e::smtp::{Mail, Mode, SmtpServer, closed_port};
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, assert_not_authenticated, logs};
use serde_json::{Value, json};

/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600_000;
const INVALID: &str = "Invalid or expired token";

/// A server on a manual clock whose mail goes to `smtp`, with reset enabled and carol (password `pw`, email
/// carol@example.org, full name "Carol Ünder", READONLY_ADMIN).
async fn reset_server(smtp: &SmtpServer) -> (TestServer, Arc<ManualClock>, Client, i64) {
    let clock = Arc::new(ManualClock::new(T0));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    admin.ok("mail.update", json!([smtp.settings()])).await;
    admin.ok("auth.password_reset.update", json!([{"enabled": true}])).await;
    let carol = add_user(&server, &mut admin, "carol", "Carol Ünder", "carol@example.org").await;
    (server, clock, admin, carol)
}

/// Creates `username` (password `pw`, READONLY_ADMIN) with this name and email; returns the id.
async fn add_user(server: &TestServer, admin: &mut Client, username: &str, full_name: &str, email: &str) -> i64 {
    let group = server
        .grant_privilege(admin, &format!("{username}-readers"), &["READONLY_ADMIN"])
        .await;
    admin
        .ok(
            "user.create",
            json!([{"username": username, "full_name": full_name, "group_create": true, "password": "pw",
                    "email": email, "groups": [group]}]),
        )
        .await["id"]
        .as_i64()
        .expect("id")
}

/// Requests a reset for `email` on a fresh connection; the answer must be null.
async fn request(server: &TestServer, email: &str) {
    let mut c = server.client().await;
    assert_eq!(
        c.ok("auth.password_reset.request", json!([{"email": email}])).await,
        Value::Null
    );
}

/// Completes a reset on a fresh connection.
async fn complete(server: &TestServer, token: &str, password: &str) -> Result<Value, Value> {
    let mut c = server.client().await;
    c.call(
        "auth.password_reset.complete",
        json!([{"token": token, "new_password": password}]),
    )
    .await
}

/// The token of the `n`-th delivered mail (1-based), once it has arrived.
async fn token_of_mail(smtp: &SmtpServer, n: usize) -> String {
    let messages = smtp.wait_for_messages(n).await;
    Mail::parse(&messages[n - 1]).reset_token()
}

/// Requests a reset for carol and returns the token of the mail that brings it (`mails` counts the mails so far).
async fn pending(server: &TestServer, smtp: &SmtpServer, mails: &mut usize) -> String {
    request(server, "carol@example.org").await;
    *mails += 1;
    token_of_mail(smtp, *mails).await
}

fn assert_invalid_token(result: Result<Value, Value>) {
    let err = result.expect_err("the token is refused");
    assert_invalid(&err, "password_reset_complete.token", INVALID);
}

#[tokio::test]
async fn the_mailed_link_sets_a_new_password_ends_every_session_and_logs_nobody_in() {
    let smtp = SmtpServer::start();
    let (server, _clock, mut admin, carol) = reset_server(&smtp).await;
    let mut session = server.logged_in("carol", "pw").await;

    request(&server, "CAROL@Example.org").await;
    let raw = smtp.wait_for_messages(1).await;
    let mail = Mail::parse(&raw[0]);
    assert_eq!(mail.to, ["carol@example.org"]);
    assert_eq!(mail.subject, "Password reset for carol");
    assert_eq!(mail.content_type, "text/plain; charset=utf-8");
    assert!(mail.message_id.is_some() && mail.date.is_some(), "{mail:?}");
    assert!(mail.text.starts_with("Hi Carol Ünder,\n"), "{}", mail.text);
    assert!(
        mail.text.contains("This link will be valid for the next 24 hours."),
        "{}",
        mail.text
    );
    assert!(
        mail.text
            .contains("Please disregard this e-mail if you did not request a password reset."),
        "{}",
        mail.text
    );
    // The default link is the service's own reset page.
    let address = server
        .url()
        .trim_start_matches("ws://")
        .split('/')
        .next()
        .expect("address")
        .to_string();
    let token = mail.reset_token();
    assert_eq!(token.len(), 43, "32 random bytes, base64url");
    assert!(
        mail.text
            .contains(&format!("http://{address}/ui/reset?token={token}\n")),
        "{}",
        mail.text
    );

    // The token is stored only as its digest.
    let stored: String = accountd_store::Connection::open(&server.settings.db)
        .expect("db")
        .query_row(
            "SELECT digest FROM password_reset_tokens WHERE user_id = ?1",
            [carol],
            |r| r.get(0),
        )
        .expect("a pending token");
    assert_eq!(stored.len(), 64);
    assert!(!stored.contains(&token));

    let mut completing = server.client().await;
    assert_eq!(
        completing
            .ok(
                "auth.password_reset.complete",
                json!([{"token": token, "new_password": "fresh-Password-1"}]),
            )
            .await,
        Value::Null
    );
    // Completing does not log the connection in, and carol's own session is over.
    assert_not_authenticated(&completing.err("auth.me", json!([])).await);
    assert_eq!(session.closed().await, Some(1000), "carol's session was ended");
    assert_eq!(server.login_type("carol", "pw").await, "AUTH_ERR");
    assert_eq!(server.login_type("carol", "fresh-Password-1").await, "SUCCESS");
    // Single use.
    assert_invalid_token(complete(&server, &token, "another-Password-2").await);

    // Audited without secrets.
    let calls = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event", "=", "METHOD_CALL"],
                                       ["event_data.method", "^", "auth.password_reset."]],
                    "query-options": {"limit": 100}}]),
        )
        .await;
    let calls = calls.as_array().expect("a list");
    let methods: Vec<(&str, bool)> = calls
        .iter()
        .map(|c| {
            (
                c["event_data"]["method"].as_str().unwrap_or(""),
                c["success"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        methods,
        [
            ("auth.password_reset.update", true),
            ("auth.password_reset.request", true),
            ("auth.password_reset.complete", true),
            ("auth.password_reset.complete", false),
        ]
    );
    assert_eq!(calls[1]["event_data"]["params"][0]["email"], "CAROL@Example.org");
    assert_eq!(calls[2]["event_data"]["description"], "Complete password reset");
    assert_eq!(
        calls[2]["event_data"]["params"][0],
        json!({"token": "********", "new_password": "********"})
    );
    let text = Value::Array(calls.clone()).to_string();
    assert!(!text.contains(&token) && !text.contains("fresh-Password-1"), "{text}");
}

#[tokio::test]
async fn every_address_gets_the_same_answer_and_only_eligible_accounts_get_mail() {
    let smtp = SmtpServer::start();
    let (server, _clock, mut admin, _carol) = reset_server(&smtp).await;
    let locked = add_user(&server, &mut admin, "lucy", "Lucy", "lucy@example.org").await;
    admin.ok("user.update", json!([locked, {"locked": true}])).await;
    let disabled = add_user(&server, &mut admin, "dave", "Dave", "dave@example.org").await;
    admin
        .ok(
            "user.update",
            json!([disabled, {"smb": false, "password_disabled": true}]),
        )
        .await;
    // A builtin system account with an address is not eligible either.
    admin.ok("user.update", json!([1, {"email": "root@example.org"}])).await;
    // Addresses are not unique: each account with it gets its own link.
    add_user(&server, &mut admin, "twin1", "Twin One", "twins@example.org").await;
    add_user(&server, &mut admin, "twin2", "Twin Two", "twins@example.org").await;

    let mut unknown = Vec::new();
    let mut known = Vec::new();
    for round in 0..3 {
        for email in [
            "nobody@example.org",
            "lucy@example.org",
            "dave@example.org",
            "root@example.org",
            "twins@example.org",
        ] {
            let is_known = email == "twins@example.org";
            if round == 0 && is_known {
                continue;
            }
            let started = Instant::now();
            request(&server, email).await;
            if is_known { &mut known } else { &mut unknown }.push(started.elapsed());
        }
    }
    // The twins asked twice: each has two mails, the older link replaced by the newer one.
    let messages = smtp.wait_for_messages(4).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let messages_after = smtp.messages();
    assert_eq!(
        messages_after.len(),
        messages.len(),
        "no mail for the ineligible addresses"
    );
    let mails: Vec<Mail> = messages_after.iter().map(|m| Mail::parse(m)).collect();
    let mut to: Vec<String> = mails.iter().map(|m| m.to.join(",")).collect();
    to.sort();
    assert_eq!(to, ["twins@example.org"; 4]);
    assert!(mails.iter().any(|m| m.text.starts_with("Hi Twin One,\n")));
    assert!(mails.iter().any(|m| m.text.starts_with("Hi Twin Two,\n")));
    // The answer's time does not depend on the address: the mail work comes after it.
    let slowest = |t: &[Duration]| t.iter().max().copied().unwrap_or_default();
    let fastest = |t: &[Duration]| t.iter().min().copied().unwrap_or_default();
    assert!(
        fastest(&known) < slowest(&unknown) + Duration::from_millis(250),
        "known {known:?} unknown {unknown:?}"
    );

    // Off, or without mail settings, the request is refused for everyone alike.
    admin
        .ok("auth.password_reset.update", json!([{"enabled": false}]))
        .await;
    let mut c = server.client().await;
    for email in ["twins@example.org", "nobody@example.org"] {
        let err = c.err("auth.password_reset.request", json!([{"email": email}])).await;
        assert_call_error(&err, "EOPNOTSUPP", "Password reset by email is not configured");
    }
    let err = c
        .err(
            "auth.password_reset.complete",
            json!([{"token": "x", "new_password": "y"}]),
        )
        .await;
    assert_call_error(&err, "EOPNOTSUPP", "Password reset by email is not configured");
    admin.ok("auth.password_reset.update", json!([{"enabled": true}])).await;
    admin.ok("mail.update", json!([{"outgoingserver": ""}])).await;
    let err = c
        .err("auth.password_reset.request", json!([{"email": "twins@example.org"}]))
        .await;
    assert_call_error(&err, "EOPNOTSUPP", "Password reset by email is not configured");
}

#[tokio::test]
async fn a_token_works_once_within_its_ttl_and_the_newest_request_wins() {
    let smtp = SmtpServer::start();
    let (mut server, clock, mut admin, _carol) = reset_server(&smtp).await;

    request(&server, "carol@example.org").await;
    let first = token_of_mail(&smtp, 1).await;
    request(&server, "carol@example.org").await;
    let second = token_of_mail(&smtp, 2).await;
    assert_ne!(first, second);
    assert_invalid_token(complete(&server, &first, "fresh-Password-1").await);
    assert_invalid_token(complete(&server, "not-a-token", "fresh-Password-1").await);

    // The TTL is the setting's, counted on the service's clock; the mail says so.
    let entry = admin
        .ok(
            "auth.password_reset.update",
            json!([{"token_ttl": 300, "url_template": "https://accounts.example.com/reset?token={token}&via=mail"}]),
        )
        .await;
    assert_eq!(
        entry,
        json!({"id": 1, "enabled": true, "token_ttl": 300,
               "url_template": "https://accounts.example.com/reset?token={token}&via=mail",
               "allow_unprivileged_self_service": false})
    );
    request(&server, "carol@example.org").await;
    let raw = smtp.wait_for_messages(3).await;
    let mail = Mail::parse(&raw[2]);
    assert!(mail.text.contains("valid for the next 5 minutes."), "{}", mail.text);
    let token = mail.reset_token();
    assert!(
        mail.text
            .contains(&format!("https://accounts.example.com/reset?token={token}&via=mail\n")),
        "{}",
        mail.text
    );
    assert_invalid_token(complete(&server, &second, "fresh-Password-1").await);
    clock.advance_ms(300_000);
    assert_invalid_token(complete(&server, &token, "fresh-Password-1").await);

    // A pending token survives a restart.
    request(&server, "carol@example.org").await;
    let fourth = token_of_mail(&smtp, 4).await;
    server.restart().await;
    clock.advance_ms(299_000);
    assert_eq!(complete(&server, &fourth, "fresh-Password-1").await, Ok(Value::Null));
    assert_eq!(server.login_type("carol", "fresh-Password-1").await, "SUCCESS");

    let mut admin = server.admin().await;
    for (update, message) in [
        (
            json!({"url_template": "https://accounts.example.com/reset"}),
            "The URL template must contain {token}",
        ),
        (
            json!({"url_template": "javascript:{token}"}),
            "The URL template must start with http:// or https://",
        ),
    ] {
        let err = admin.err("auth.password_reset.update", json!([update])).await;
        assert_invalid(&err, "password_reset_update.url_template", message);
    }
    let err = admin
        .err("auth.password_reset.update", json!([{"token_ttl": 299}]))
        .await;
    assert_invalid(
        &err,
        "password_reset_update.token_ttl",
        "Input should be greater than or equal to 300",
    );
    drop(admin);
}

#[tokio::test]
async fn a_password_change_a_lock_or_a_deletion_cancels_the_pending_token() {
    let smtp = SmtpServer::start();
    let (server, _clock, mut admin, carol) = reset_server(&smtp).await;
    let mut mails = 0;

    // The user changes their own password.
    let token = pending(&server, &smtp, &mut mails).await;
    let mut own = server.logged_in("carol", "pw").await;
    own.ok(
        "user.account.update",
        json!([{"password": "own-Password-1", "old_password": "pw"}]),
    )
    .await;
    assert_invalid_token(complete(&server, &token, "fresh-Password-1").await);

    // An administrator sets it.
    let token = pending(&server, &smtp, &mut mails).await;
    admin
        .ok("user.update", json!([carol, {"password": "admin-Set-2"}]))
        .await;
    assert_invalid_token(complete(&server, &token, "fresh-Password-1").await);

    // Locked (and unlocked again: the token stays cancelled).
    let token = pending(&server, &smtp, &mut mails).await;
    admin.ok("user.update", json!([carol, {"locked": true}])).await;
    admin.ok("user.update", json!([carol, {"locked": false}])).await;
    assert_invalid_token(complete(&server, &token, "fresh-Password-1").await);

    // Deleted.
    let token = pending(&server, &smtp, &mut mails).await;
    admin.ok("user.delete", json!([carol, {"delete_group": true}])).await;
    assert_invalid_token(complete(&server, &token, "fresh-Password-1").await);
}

#[tokio::test]
async fn completing_applies_the_rules_clears_the_lockout_and_keeps_two_factor() {
    let smtp = SmtpServer::start();
    let (server, _clock, mut admin, _carol) = reset_server(&smtp).await;
    admin
        .ok("system.security.update", json!([{"min_password_length": 12}]))
        .await;
    request(&server, "carol@example.org").await;
    let token = token_of_mail(&smtp, 1).await;

    let err = complete(&server, &token, "short").await.expect_err("too short");
    let items = accountd_e2e::validation_items(&err);
    assert!(
        items
            .iter()
            .all(|(a, _, _)| a == "password_reset_complete.new_password"),
        "{items:?}"
    );
    assert!(!items.is_empty());

    // Ten wrong passwords lock carol out.
    let mut c = server.client().await;
    for i in 0..10 {
        assert_eq!(
            c.login_ex("carol", &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    assert_eq!(server.login_type("carol", "pw").await, "AUTH_ERR", "locked out");

    // Two-factor authentication is on for carol.
    admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    admin.ok("user.renew_2fa_secret", json!(["carol", {}])).await;

    // A refused new password left the token usable.
    assert_eq!(
        complete(&server, &token, "long-enough-Password-1").await,
        Ok(Value::Null)
    );
    // The lockout is over, and the second factor is still asked for.
    assert_eq!(
        server.login_type("carol", "long-enough-Password-1").await,
        "OTP_REQUIRED"
    );
}

#[tokio::test]
async fn a_reset_goes_out_through_a_server_that_requires_auth() {
    let smtp = SmtpServer::start_mode(Mode::Auth("mailer".into(), "relay-pass".into()));
    let (server, _clock, mut admin, _carol) = reset_server(&smtp).await;
    admin
        .ok(
            "mail.update",
            json!([{"smtp": true, "user": "mailer", "pass": "relay-pass"}]),
        )
        .await;
    request(&server, "carol@example.org").await;
    let token = token_of_mail(&smtp, 1).await;
    assert_eq!(complete(&server, &token, "fresh-Password-1").await, Ok(Value::Null));
    assert_eq!(server.login_type("carol", "fresh-Password-1").await, "SUCCESS");
}

#[tokio::test]
async fn a_failed_mail_changes_no_answer_and_is_logged_without_the_token() {
    let logs = logs::capture();
    let smtp = SmtpServer::start_mode(Mode::Refuse);
    let (server, _clock, mut admin, carol) = reset_server(&smtp).await;

    request(&server, "carol@example.org").await;
    let refused = smtp.wait_for_refused(1).await;
    let token = Mail::parse(&refused[0]).reset_token();
    let line = logs
        .wait_for_line(&["password reset mail not sent", &format!("user_id={carol}")])
        .await;
    assert!(line.contains("554"), "the server's answer is logged: {line}");

    // The server is down: the request still answers null.
    admin.ok("mail.update", json!([{"port": closed_port()}])).await;
    let dan = add_user(&server, &mut admin, "dan", "Dan", "dan@example.org").await;
    request(&server, "dan@example.org").await;
    logs.wait_for_line(&["password reset mail not sent", &format!("user_id={dan}")])
        .await;

    let text = logs.text();
    assert!(!text.contains(&token), "the token is never logged");
    assert!(!text.contains("carol@example.org"), "nor the address");
}

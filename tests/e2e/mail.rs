//! Mail settings (`mail.config`, `mail.update`) with TrueNAS's fields and validation texts, the SMTP password
//! sealed at rest and never shown, and `mail.send` through a real SMTP server (aiosmtpd): delivered with the
//! headers a mail needs, with SMTP AUTH, and refusals or an unreachable server reported with the server's answer.

use std::path::{Path, PathBuf};

use accountd_e2e::smtp::{FROM, Mail, Mode, SmtpServer, closed_port};
use accountd_e2e::{TestServer, assert_call_error, assert_invalid};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::{Value, json};

/// A private CA's PEM file and a server certificate and key for 127.0.0.1 it signed, written into `dir`.
fn private_pki(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "accountd mail test CA");
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA");
    let key = KeyPair::generate().expect("key");
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string()])
        .expect("params")
        .signed_by(&key, &ca)
        .expect("server certificate");
    let paths = (dir.join("ca.pem"), dir.join("server.pem"), dir.join("server.key"));
    std::fs::write(&paths.0, ca.pem()).expect("ca");
    std::fs::write(&paths.1, cert.pem()).expect("cert");
    std::fs::write(&paths.2, key.serialize_pem()).expect("key");
    paths
}

/// Merges `extra` into the object `base`.
fn with(mut base: Value, extra: Value) -> Value {
    if let (Some(b), Some(e)) = (base.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    base
}

fn message(to: &str) -> Value {
    json!({"subject": "Grüße aus accountd", "text": "Hallo Jürgen,\nthe mail settings work.\n", "to": [to]})
}

#[tokio::test]
async fn settings_are_validated_as_truenas_and_the_password_is_never_shown() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    assert_eq!(
        admin.ok("mail.config", json!([])).await,
        json!({"id": 1, "fromemail": "", "fromname": "", "outgoingserver": "", "port": 25, "security": "PLAIN",
               "smtp": false, "user": null, "pass": null, "oauth": null})
    );
    let entry = admin
        .ok(
            "mail.update",
            json!([{"fromemail": FROM, "outgoingserver": "smtp.example.com", "port": 587, "security": "TLS",
                    "smtp": true, "user": "mailer", "pass": "smtp-secret"}]),
        )
        .await;
    assert_eq!(entry["pass"], Value::Null, "the password is not returned");
    assert_eq!(
        (entry["security"].clone(), entry["port"].clone()),
        (json!("TLS"), json!(587))
    );
    let config = admin.ok("mail.config", json!([])).await;
    assert_eq!(config["pass"], Value::Null);
    assert_eq!(config["user"], "mailer");

    // Sealed at rest: the database file holds no plaintext password.
    let raw: String = accountd_store::Connection::open(&server.settings.db)
        .expect("open db")
        .query_row("SELECT pass FROM mail_settings", [], |r| r.get(0))
        .expect("pass");
    assert!(raw.starts_with("$aes256gcm$") && !raw.contains("smtp-secret"), "{raw}");

    let err = admin.err("mail.update", json!([{"user": ""}])).await;
    assert_invalid(
        &err,
        "mail_update.user",
        "This field is required when SMTP authentication is enabled",
    );
    let err = admin.err("mail.update", json!([{"pass": "pässwörd"}])).await;
    assert_invalid(
        &err,
        "mail_update.pass",
        "Only plain text characters (7-bit ASCII) are allowed in passwords. UTF or composed characters are not \
         allowed.",
    );
    let err = admin.err("mail.update", json!([{"fromemail": "no-at-sign"}])).await;
    assert_invalid(
        &err,
        "mail_update.fromemail",
        "value is not a valid email address: An email address must have an @-sign.",
    );
    for (port, message) in [
        (0, "Input should be greater than or equal to 1"),
        (65536, "Input should be less than or equal to 65535"),
    ] {
        let err = admin.err("mail.update", json!([{"port": port}])).await;
        assert_invalid(&err, "mail_update.port", message);
    }
    let err = admin.err("mail.update", json!([{"security": "STARTTLS"}])).await;
    assert_eq!(err["code"], -32602, "{err}");
    let err = admin
        .err("mail.update", json!([{"oauth": {"provider": "gmail"}}]))
        .await;
    assert_eq!(err["data"]["errname"], "EOPNOTSUPP", "{err}");
    let err = admin.err("mail.update", json!([{"bogus": 1}])).await;
    assert_invalid(&err, "mail_update.bogus", "Extra inputs are not permitted");
    // Nothing of the refused updates was kept.
    assert_eq!(admin.ok("mail.config", json!([])).await, config);

    // Turning authentication off keeps the user; clearing the server turns mail off.
    let entry = admin
        .ok("mail.update", json!([{"smtp": false, "outgoingserver": ""}]))
        .await;
    assert_eq!(
        (entry["smtp"].clone(), entry["user"].clone()),
        (json!(false), json!("mailer"))
    );
    let err = admin.err("mail.send", json!([message("bob@example.org")])).await;
    assert_call_error(
        &err,
        "EFAULT",
        "you must provide an outgoing mailserver and mail server port when sending mail",
    );
}

#[tokio::test]
async fn alert_roles_guard_the_settings_and_the_audit_log_hides_the_password() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "reader", &["READONLY_ADMIN"]).await;
    server.user_with_roles(&mut admin, "alerts", &["ALERT_WRITE"]).await;
    server.user_with_roles(&mut admin, "accounts", &["ACCOUNT_WRITE"]).await;

    let mut reader = server.logged_in("reader", "pw").await;
    assert_eq!(reader.ok("mail.config", json!([])).await["pass"], Value::Null);
    let err = reader.err("mail.update", json!([{"fromname": "x"}])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
    let mut accounts = server.logged_in("accounts", "pw").await;
    let err = accounts.err("mail.config", json!([])).await;
    assert_call_error(&err, "EACCES", "Not authorized");
    let mut alerts = server.logged_in("alerts", "pw").await;
    alerts
        .ok(
            "mail.update",
            json!([{"fromemail": FROM, "smtp": true, "user": "u", "pass": "audit-me-not"}]),
        )
        .await;
    let err = alerts.err("mail.send", json!([message("not an address")])).await;
    assert_invalid(
        &err,
        "message.to.0",
        "value is not a valid email address: An email address must have an @-sign.",
    );

    let calls = admin
        .ok(
            "audit.query",
            json!([{"query-filters": [["event", "=", "METHOD_CALL"], ["event_data.method", "=", "mail.update"]],
                    "query-options": {"limit": 100}}]),
        )
        .await;
    let calls = calls.as_array().expect("a list");
    assert_eq!(calls.len(), 2, "the refused and the accepted update: {calls:?}");
    let last = &calls[1];
    assert_eq!(last["username"], "alerts");
    assert_eq!(last["event_data"]["description"], "Update mail configuration");
    assert_eq!(last["event_data"]["params"][0]["pass"], "********");
    assert!(!last.to_string().contains("audit-me-not"), "{last}");
}

#[tokio::test]
async fn a_test_mail_is_delivered_with_its_headers_in_utf8() {
    let server = TestServer::start().await;
    let smtp = SmtpServer::start();
    let mut admin = server.admin().await;
    admin.ok("mail.update", json!([smtp.settings()])).await;
    assert_eq!(
        admin.ok("mail.send", json!([message("bob@example.org")])).await,
        json!(true)
    );
    let messages = smtp.wait_for_messages(1).await;
    let mail = Mail::parse(&messages[0]);
    assert_eq!(mail.subject, "Grüße aus accountd");
    assert_eq!(mail.from, format!("Accounts <{FROM}>"));
    assert_eq!(mail.to, ["bob@example.org"]);
    assert_eq!(mail.text.trim_end(), "Hallo Jürgen,\nthe mail settings work.");
    assert_eq!(mail.content_type, "text/plain; charset=utf-8");
    let id = mail.message_id.expect("a Message-ID");
    assert!(id.starts_with("accountd-") && id.ends_with("@example.com"), "{id}");
    assert!(mail.date.is_some(), "a Date header");

    // Settings given with the message are used for it alone.
    let other = SmtpServer::start();
    admin
        .ok(
            "mail.send",
            json!([message("carol@example.org"), {"port": other.port, "fromname": "Elsewhere"}]),
        )
        .await;
    let mail = Mail::parse(&other.wait_for_messages(1).await[0]);
    assert_eq!(mail.from, format!("Elsewhere <{FROM}>"));
    assert_eq!(admin.ok("mail.config", json!([])).await["port"], smtp.port);
    assert_eq!(smtp.messages().len(), 1);
}

#[tokio::test]
async fn smtp_auth_is_used_and_the_omitted_password_kept() {
    let server = TestServer::start().await;
    let smtp = SmtpServer::start_mode(Mode::Auth("mailer".into(), "s3cret-pass".into()));
    let mut admin = server.admin().await;

    // Without authentication the server refuses, and the caller hears its answer.
    admin.ok("mail.update", json!([smtp.settings()])).await;
    let err = admin.err("mail.send", json!([message("bob@example.org")])).await;
    assert_eq!(err["data"]["errname"], "EIO", "{err}");
    let reason = err["data"]["reason"].as_str().expect("reason");
    assert!(
        reason.starts_with("[EIO] Failed to send email: ") && reason.contains("530"),
        "{reason}"
    );

    admin
        .ok(
            "mail.update",
            json!([{"smtp": true, "user": "mailer", "pass": "s3cret-pass"}]),
        )
        .await;
    admin.ok("mail.send", json!([message("bob@example.org")])).await;
    // An update that leaves `pass` out keeps it.
    admin.ok("mail.update", json!([{"fromname": "Renamed"}])).await;
    admin.ok("mail.send", json!([message("carol@example.org")])).await;
    let messages = smtp.wait_for_messages(2).await;
    assert_eq!(Mail::parse(&messages[1]).from, format!("Renamed <{FROM}>"));

    admin.ok("mail.update", json!([{"pass": "wrong-pass"}])).await;
    let err = admin.err("mail.send", json!([message("bob@example.org")])).await;
    let reason = err["data"]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("535"),
        "the server's refusal of the credentials: {reason}"
    );
    assert_eq!(smtp.messages().len(), 2);
}

#[tokio::test]
async fn a_refusing_or_unreachable_server_is_reported() {
    let server = TestServer::start().await;
    let smtp = SmtpServer::start_mode(Mode::Refuse);
    let mut admin = server.admin().await;
    admin.ok("mail.update", json!([smtp.settings()])).await;
    let err = admin.err("mail.send", json!([message("bob@example.org")])).await;
    assert_eq!(err["code"], -32001, "{err}");
    assert_eq!(err["data"]["errname"], "EIO", "{err}");
    let reason = err["data"]["reason"].as_str().expect("reason");
    assert!(
        reason.contains("554") && reason.contains("Message refused by the test policy"),
        "{reason}"
    );

    admin.ok("mail.update", json!([{"port": closed_port()}])).await;
    let err = admin.err("mail.send", json!([message("bob@example.org")])).await;
    assert_eq!(err["data"]["errname"], "EIO", "{err}");
    let reason = err["data"]["reason"].as_str().expect("reason");
    assert!(reason.starts_with("[EIO] Failed to send email: "), "{reason}");
}

#[tokio::test]
async fn ssl_and_starttls_check_the_server_certificate() {
    let pki = tempfile::tempdir().expect("tempdir");
    let (ca, cert, key) = private_pki(pki.path());
    let implicit = SmtpServer::start_mode(Mode::ImplicitTls(cert.clone(), key.clone()));
    let starttls = SmtpServer::start_mode(Mode::StartTls(cert, key));
    let plain = SmtpServer::start();

    // With the private CA trusted (`--mail-ca-file`), both kinds of TLS deliver.
    let server = TestServer::start_with(|s| s.mail_ca_file = Some(ca.clone())).await;
    let mut admin = server.admin().await;
    admin
        .ok(
            "mail.update",
            json!([with(implicit.settings(), json!({"security": "SSL"}))]),
        )
        .await;
    admin.ok("mail.send", json!([message("bob@example.org")])).await;
    assert_eq!(
        Mail::parse(&implicit.wait_for_messages(1).await[0]).to,
        ["bob@example.org"]
    );
    admin
        .ok(
            "mail.update",
            json!([with(starttls.settings(), json!({"security": "TLS"}))]),
        )
        .await;
    admin.ok("mail.send", json!([message("carol@example.org")])).await;
    assert_eq!(starttls.wait_for_messages(1).await.len(), 1);

    // TLS required: a server that offers no STARTTLS gets nothing.
    admin
        .ok(
            "mail.update",
            json!([with(plain.settings(), json!({"security": "TLS"}))]),
        )
        .await;
    let err = admin.err("mail.send", json!([message("dan@example.org")])).await;
    assert_eq!(err["data"]["errname"], "EIO", "{err}");
    assert!(plain.messages().is_empty());

    // Without the CA the certificate is not trusted (the system's roots do not know it).
    let untrusting = TestServer::start().await;
    let mut admin = untrusting.admin().await;
    admin
        .ok(
            "mail.update",
            json!([with(implicit.settings(), json!({"security": "SSL"}))]),
        )
        .await;
    let err = admin.err("mail.send", json!([message("erin@example.org")])).await;
    let reason = err["data"]["reason"].as_str().expect("reason");
    assert!(reason.to_lowercase().contains("certificate"), "{reason}");
    assert_eq!(implicit.messages().len(), 1);
}

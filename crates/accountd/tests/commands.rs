//! The account commands of the real `accountd` binary (`passwd`, `user show`, `user configure`, `unlock`)
//! against a real server over WebSocket, with secrets piped on standard input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::process::Output;

use accountd_e2e::{ADMIN_PASSWORD, Client, TestServer};
use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

/// Runs `accountd ARGS` with `stdin` on its standard input (not a terminal: one answer per line), without any
/// ACCOUNTD_* variable of the environment.
async fn accountd(args: &[&str], stdin: &str) -> Output {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_accountd"));
    command.args(args);
    for (name, _) in std::env::vars() {
        if name.starts_with("ACCOUNTD_") {
            command.env_remove(name);
        }
    }
    let mut child = command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("accountd runs");
    let mut input = child.stdin.take().expect("stdin");
    input.write_all(stdin.as_bytes()).await.expect("write stdin");
    drop(input);
    child.wait_with_output().await.expect("accountd ends")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn assert_success(out: &Output) {
    assert!(out.status.success(), "accountd failed: {}{}", stdout(out), stderr(out));
}

#[track_caller]
fn assert_failure(out: &Output, message: &str) {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    assert!(stderr(out).contains(message), "{message:?} not in {:?}", stderr(out));
}

/// `--url URL` of the server, then `extra`.
fn with_url<'a>(url: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--url", url];
    args.extend_from_slice(extra);
    args
}

/// `["--user", "truenas_admin", "--password", ADMIN_PASSWORD]`.
const AS_ADMIN: [&str; 4] = ["--user", "truenas_admin", "--password", ADMIN_PASSWORD];

#[tokio::test]
async fn passwd_changes_ones_own_password_with_the_servers_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    let url = server.url();

    // The login's password (asked for: not given) is the current one; then the new one twice.
    let mut args = vec!["passwd"];
    args.extend(with_url(&url, &["--user", "alice"]));
    let out = accountd(&args, "pw\nalice-new-pw-1\nalice-new-pw-1\n").await;
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "password of alice changed");
    assert_eq!(server.login_type("alice", "alice-new-pw-1").await, "SUCCESS");
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR");

    // Two different new passwords change nothing.
    let out = accountd(&args, "alice-new-pw-1\nalice-new-pw-2\nalice-new-pw-3\n").await;
    assert_failure(&out, "the two new passwords differ; nothing was changed");
    assert_eq!(server.login_type("alice", "alice-new-pw-1").await, "SUCCESS");

    // With an API key the current password is asked for, and a wrong one is refused as the server words it.
    let key = admin
        .ok("api_key.create", json!([{"name": "alice-key", "username": "alice"}]))
        .await["key"]
        .as_str()
        .expect("key")
        .to_string();
    let mut by_key = vec!["passwd"];
    by_key.extend(with_url(&url, &["--api-key", &key]));
    let out = accountd(&by_key, "wrong-pw\nalice-new-pw-2\nalice-new-pw-2\n").await;
    assert_failure(
        &out,
        "[EINVAL] user_account_update.old_password: alice: failed to validate password.",
    );
    let out = accountd(&by_key, "alice-new-pw-1\nalice-new-pw-2\nalice-new-pw-2\n").await;
    assert_success(&out);
    assert_eq!(server.login_type("alice", "alice-new-pw-2").await, "SUCCESS");

    // The password rules of the user's profile (Hardened: at least 12 characters), in the server's words.
    let alice = accountd_e2e::user_id(&mut admin, "alice").await;
    admin.ok("user.update", json!([alice, {"account_profile": 3}])).await;
    let out = accountd(&args, "alice-new-pw-2\nshort-pw\nshort-pw\n").await;
    assert_failure(
        &out,
        "[EINVAL] user_account_update.password: The specified password is too short. The minimum password \
         length is 12 characters.",
    );
    assert_eq!(server.login_type("alice", "alice-new-pw-2").await, "SUCCESS");

    // Standard input ends before the answers do: nothing changes.
    let out = accountd(&args, "alice-new-pw-2\n").await;
    assert_failure(&out, "no answer: standard input has ended");
}

#[tokio::test]
async fn passwd_sets_another_users_password_for_an_administrator_only() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    server.create_user(&mut admin, "bob", &[]).await;
    let url = server.url();

    let mut args = vec!["passwd"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("bob");
    let out = accountd(&args, "bob-new-pw\nbob-new-pw\n").await;
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "password of bob changed");
    let mut c = Client::connect(&url).await;
    assert_eq!(
        c.login_ex("bob", "bob-new-pw").await["response_type"],
        "DENIED",
        "bob has no privilege, but the new password is right"
    );

    let mut args = vec!["passwd"];
    args.extend(with_url(&url, &["--user", "alice", "--password", "pw", "bob"]));
    let out = accountd(&args, "bob-newer-pw\nbob-newer-pw\n").await;
    assert_failure(&out, "[EACCES] Not authorized");
    let mut c = Client::connect(&url).await;
    assert_eq!(c.login_ex("bob", "bob-new-pw").await["response_type"], "DENIED");

    let mut args = vec!["passwd"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("ghost");
    let out = accountd(&args, "x-pw-long-enough\nx-pw-long-enough\n").await;
    assert_failure(&out, "there is no user named ghost");
}

/// The value of row `label` of a `user show` table, and the column it starts at.
fn row<'a>(table: &'a str, label: &str) -> (&'a str, usize) {
    let line = table
        .lines()
        .find(|l| l.starts_with(label) && l[label.len()..].starts_with("  "))
        .unwrap_or_else(|| panic!("no row {label} in\n{table}"));
    let value = line[label.len()..].trim_start();
    (value, line.len() - value.len())
}

#[tokio::test]
async fn user_show_prints_an_aligned_table_or_the_raw_entry() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let privileged = server.grant_privilege(&mut admin, "crew", &["READONLY_ADMIN"]).await;
    let created = server.create_user(&mut admin, "alice", &[privileged]).await;
    let alice = created["id"].as_i64().expect("id");
    admin
        .ok(
            "user.update",
            json!([alice, {"full_name": "Alice Liddell", "email": "alice@example.com"}]),
        )
        .await;
    admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await;
    let url = server.url();

    let mut args = vec!["user", "show"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("alice");
    let out = accountd(&args, "").await;
    assert_success(&out);
    let table = stdout(&out);
    let expected = [
        ("Username", "alice".to_string()),
        ("UID", created["uid"].to_string()),
        ("Full name", "Alice Liddell".to_string()),
        ("Email", "alice@example.com".to_string()),
        ("Groups", "alice (primary), builtin_users, crew".to_string()),
        ("Roles", "READONLY_ADMIN".to_string()),
        ("Locked", "no".to_string()),
        ("2FA", "yes, 10 recovery codes left".to_string()),
    ];
    let mut columns = Vec::new();
    for (label, value) in &expected {
        let (shown, column) = row(&table, label);
        assert_eq!(shown, value, "{label} in\n{table}");
        columns.push(column);
    }
    // Last login and lockout come from user.activity where the service has it.
    let activity = admin.call("user.activity.get_instance", json!([alice])).await;
    for label in ["Last login", "Lockout"] {
        let (shown, column) = row(&table, label);
        columns.push(column);
        match &activity {
            Err(e) if e["code"] == -32601 => assert_eq!(shown, "unknown", "{label}"),
            _ => assert_ne!(shown, "unknown", "{label}"),
        }
    }
    assert!(
        columns.iter().all(|c| *c == columns[0]),
        "aligned: {columns:?}\n{table}"
    );
    assert_eq!(table.lines().count(), 10, "{table}");

    // --json: the raw user.query entry.
    let mut args = vec!["user", "show", "--json"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("alice");
    let out = accountd(&args, "").await;
    assert_success(&out);
    let shown: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(shown, entry);

    let mut args = vec!["user", "show"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("ghost");
    assert_failure(&accountd(&args, "").await, "there is no user named ghost");
}

#[tokio::test]
async fn a_two_factor_login_takes_a_recovery_code_from_standard_input() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    admin.ok("auth.twofactor.update", json!([{"enabled": true}])).await;
    admin.ok("user.renew_2fa_secret", json!(["alice", {}])).await;
    let codes = admin.ok("user.renew_2fa_recovery_codes", json!(["alice"])).await;
    let code = codes[0].as_str().expect("code");
    let url = server.url();

    let mut args = vec!["user", "show"];
    args.extend(with_url(&url, &["--user", "alice"]));
    args.push("alice");
    let out = accountd(&args, &format!("pw\n{code}\n")).await;
    assert_success(&out);
    assert_eq!(row(&stdout(&out), "2FA").0, "yes, 9 recovery codes left");
    // The code is used up.
    let out = accountd(&args, &format!("pw\n{code}\n")).await;
    assert_failure(&out, "login as alice failed: AUTH_ERR");
}

#[tokio::test]
async fn user_configure_types_the_values_and_prints_what_changed() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let crew = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let ops = admin.ok("group.create", json!([{"name": "ops"}])).await;
    let created = server
        .create_user(&mut admin, "alice", &[crew.as_i64().expect("id")])
        .await;
    let alice = created["id"].as_i64().expect("id");
    admin
        .ok("user.update", json!([alice, {"email": "alice@example.com"}]))
        .await;
    let url = server.url();
    let configure = |pairs: &[&'static str]| {
        let mut args = vec!["user", "configure"];
        args.extend(AS_ADMIN);
        args.extend(["--url", url.as_str(), "alice"]);
        args.extend_from_slice(pairs);
        args
    };

    let out = accountd(
        &configure(&[
            "locked=true",
            "groups=builtin_users,ops",
            "email=",
            "account_profile=2",
            "full_name=1234",
        ]),
        "",
    )
    .await;
    assert_success(&out);
    let printed = stdout(&out);
    for line in [
        "account_profile: 1 -> 2",
        "full_name: alice -> 1234",
        "groups: [builtin_users, crew] -> [builtin_users, ops]",
        "locked: false -> true",
        "email: alice@example.com -> null",
    ] {
        assert!(printed.lines().any(|l| l == line), "{line:?} not in\n{printed}");
    }
    let entry = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(entry["locked"], true);
    assert_eq!(entry["account_profile"], 2);
    assert_eq!(entry["full_name"], "1234");
    assert_eq!(entry["email"], Value::Null);
    let builtin_users = accountd_e2e::group_id(&mut admin, "builtin_users").await;
    let mut groups: Vec<i64> = entry["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .filter_map(Value::as_i64)
        .collect();
    groups.sort();
    let mut expected = vec![builtin_users, ops.as_i64().expect("id")];
    expected.sort();
    assert_eq!(groups, expected);

    // Setting what is already there changes nothing.
    let out = accountd(&configure(&["locked=true"]), "").await;
    assert_success(&out);
    assert_eq!(stdout(&out).trim(), "nothing changed");

    // Values that do not fit, unknown groups and fields: nothing changes, the error says why.
    assert_failure(
        &accountd(&configure(&["locked=maybe"]), "").await,
        "locked: \"maybe\" is not a boolean",
    );
    assert_failure(
        &accountd(&configure(&["groups=nope"]), "").await,
        "there is no group named nope",
    );
    assert_failure(
        &accountd(&configure(&["shoe_size=9"]), "").await,
        "user_update.shoe_size: Extra inputs are not permitted",
    );
    assert_failure(
        &accountd(&configure(&["locked"]), "").await,
        "\"locked\" is not key=value",
    );
    let after = admin
        .ok("user.query", json!([[["username", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(after, entry);
}

#[tokio::test]
async fn unlock_ends_a_lockout_while_the_service_is_stopped() {
    let mut server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "alice", &["READONLY_ADMIN"]).await;
    drop(admin);
    let mut c = Client::connect(&server.url()).await;
    for i in 0..10 {
        assert_eq!(
            c.login_ex("alice", &format!("guess-{i}")).await["response_type"],
            "AUTH_ERR"
        );
    }
    assert_eq!(server.login_type("alice", "pw").await, "AUTH_ERR", "locked out");
    drop(c);
    let db = server.settings.db.to_string_lossy().into_owned();

    // Not while the service runs on that database.
    let out = accountd(&["unlock", "--user", "alice", "--db", &db], "").await;
    assert_failure(&out, "is in use by a running accountd (stop the service first)");

    server.stop().await;
    let out = accountd(&["unlock", "--user", "ghost", "--db", &db], "").await;
    assert_failure(&out, "there is no user named ghost");
    let out = accountd(&["unlock", "--user", "alice", "--db", &db], "").await;
    assert_success(&out);
    assert!(stdout(&out).contains("lockout of alice reset"), "{}", stdout(&out));
    let out = accountd(&["unlock", "--user", "alice", "--db", &db], "").await;
    assert_success(&out);
    assert!(stdout(&out).contains("was not locked out"), "{}", stdout(&out));

    server.start_again().await;
    assert_eq!(server.login_type("alice", "pw").await, "SUCCESS");
}

#[tokio::test]
async fn help_lists_the_account_commands() {
    let out = accountd(&["--help"], "").await;
    assert_success(&out);
    let help = stdout(&out);
    for command in ["passwd", "user", "unlock", "call"] {
        assert!(
            help.lines().any(|l| l.trim_start().starts_with(command)),
            "{command} in\n{help}"
        );
    }
    let out = accountd(&["user", "--help"], "").await;
    assert!(stdout(&out).contains("show") && stdout(&out).contains("configure"));
}

#[tokio::test]
async fn the_commands_reach_a_service_over_tls_trusting_its_certificate() {
    let generated = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).expect("certificate");
    let dir = tempfile::tempdir().expect("tempdir");
    let files = accountd::config::TlsFiles {
        cert: dir.path().join("cert.pem"),
        key: dir.path().join("key.pem"),
    };
    std::fs::write(&files.cert, generated.cert.pem()).expect("cert file");
    std::fs::write(&files.key, generated.signing_key.serialize_pem()).expect("key file");
    let server = TestServer::start_with(|s| s.tls = Some(files.clone())).await;
    let url = server.url();
    assert!(url.starts_with("wss://"), "{url}");
    let mut setup = accountd::client::RpcClient::connect_trusting(&url, Some(generated.cert.pem().as_bytes()))
        .await
        .expect("TLS connection");
    setup
        .call_ok(
            "user.setup_local_administrator",
            json!(["truenas_admin", ADMIN_PASSWORD]),
        )
        .await
        .expect("set up");
    let cert = files.cert.to_string_lossy().into_owned();

    let mut args = vec!["user", "show", "--ca-cert", &cert];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("truenas_admin");
    let out = accountd(&args, "").await;
    assert_success(&out);
    assert_eq!(row(&stdout(&out), "Username").0, "truenas_admin");

    // Without it the self-signed certificate is not trusted.
    let mut args = vec!["user", "show"];
    args.extend(with_url(&url, &AS_ADMIN));
    args.push("truenas_admin");
    let out = accountd(&args, "").await;
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
}

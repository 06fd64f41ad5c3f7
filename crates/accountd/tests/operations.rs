//! Operating the service: crash safety under a write storm, backups while serving, and logs free of secrets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accountd::client::RpcClient;
use serde_json::json;

mod common;

struct Service {
    child: Child,
    url: String,
}

fn spawn(dir: &std::path::Path, log_level: &str, stderr: Stdio) -> Service {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(common::CHEAP_SERVE)
        .args(["--login-failure-delay-ms", "1"])
        .arg("--db")
        .arg(dir.join("accountd.db"))
        .arg("--home-root")
        .arg(dir.join("homes"))
        .env("ACCOUNTD_LOG", log_level)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("accountd starts");
    let url = common::ready_url(&mut child);
    Service { child, url }
}

async fn admin(url: &str, setup: bool) -> RpcClient {
    let mut c = RpcClient::connect(url).await.expect("connect");
    if setup {
        c.call_ok("user.setup_local_administrator", json!(["truenas_admin", "admin-pw"]))
            .await
            .expect("setup");
    }
    c.login_password("truenas_admin", "admin-pw").await.expect("login");
    c
}

/// Kills the server with SIGKILL in the middle of concurrent creates: every acknowledged user survives with
/// its primary group, no unacknowledged user is half there, and the database passes its integrity check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_write_storm_loses_nothing_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut service = spawn(dir.path(), "warn", Stdio::null());
    drop(admin(&service.url, true).await);

    let acknowledged = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..8 {
        let (url, acknowledged) = (service.url.clone(), acknowledged.clone());
        writers.push(tokio::spawn(async move {
            let mut c = admin(&url, false).await;
            for i in 0.. {
                let name = format!("w{w}u{i}");
                let params = json!([{"username": name, "full_name": name, "group_create": true, "password_disabled": true, "smb": false}]);
                match c.call("user.create", params).await {
                    Ok(Ok(_)) => acknowledged.lock().expect("lock").push(name),
                    _ => break, // the server died
                }
            }
        }));
    }
    while acknowledged.lock().expect("lock").len() < 60 {
        #[allow(
            clippy::disallowed_methods,
            reason = "waits for the writers' tasks to have 60 writes acknowledged"
        )]
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    service.child.kill().expect("SIGKILL");
    service.child.wait().expect("reaped");
    for w in writers {
        w.await.expect("writer task");
    }
    let acknowledged = acknowledged.lock().expect("lock").clone();

    let service = spawn(dir.path(), "warn", Stdio::null());
    let mut c = admin(&service.url, false).await;
    let users = c
        .call_ok(
            "user.query",
            json!([[["builtin", "=", false]], {"select": ["username", "group"]}]),
        )
        .await
        .expect("query");
    let users = users.as_array().expect("list");
    let names: Vec<&str> = users.iter().map(|u| u["username"].as_str().expect("name")).collect();
    for name in &acknowledged {
        assert!(names.contains(&name.as_str()), "acknowledged user {name} was lost");
    }
    for u in users {
        assert_eq!(
            u["group"]["bsdgrp_group"], u["username"],
            "user without its own primary group: {u}"
        );
    }
    let groups = c
        .call_ok(
            "group.query",
            json!([[["builtin", "=", false]], {"select": ["name", "users"]}]),
        )
        .await
        .expect("groups");
    for g in groups.as_array().expect("list") {
        if g["name"] != "truenas_admin" {
            assert_eq!(g["users"].as_array().map(Vec::len), Some(1), "half-created group {g}");
        }
    }
    drop(c);
    let mut service = service;
    service.child.kill().expect("kill");
    service.child.wait().expect("reaped");
    let conn = rusqlite_check(&dir.path().join("accountd.db"));
    assert_eq!(conn, "ok");
}

fn rusqlite_check(path: &std::path::Path) -> String {
    let backup = path.with_extension("check.db");
    // The online backup runs PRAGMA integrity_check on its copy.
    match accountd_store::backup_to(path, &backup) {
        Ok(()) => "ok".to_string(),
        Err(e) => e.to_string(),
    }
}

/// Runs `accountd restore` of `backup` onto the database in `dir`.
fn restore(dir: &std::path::Path, backup: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(["restore", "--db"])
        .arg(dir.join("accountd.db"))
        .arg("--from")
        .arg(backup)
        .output()
        .expect("restore runs")
}

#[tokio::test]
async fn backup_while_serving_then_restore() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut service = spawn(dir.path(), "warn", Stdio::null());
    let mut c = admin(&service.url, true).await;
    c.call_ok(
        "user.create",
        json!([{"username": "saved", "full_name": "S", "group_create": true, "password": "p"}]),
    )
    .await
    .expect("create");
    let backup = dir.path().join("backup.db");
    let out = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(["backup", "--db"])
        .arg(dir.path().join("accountd.db"))
        .arg("--out")
        .arg(&backup)
        .output()
        .expect("backup runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    c.call_ok(
        "user.create",
        json!([{"username": "later", "full_name": "L", "group_create": true, "password": "p"}]),
    )
    .await
    .expect("create");
    drop(c);
    // Not while the service runs on the database.
    let out = restore(dir.path(), &backup);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is in use by a running accountd (stop the service first)"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(service.child.wait().expect("exit").success());

    let out = restore(dir.path(), &backup);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let mut service = spawn(dir.path(), "warn", Stdio::null());
    let mut c = admin(&service.url, false).await;
    let names = c
        .call_ok(
            "user.query",
            json!([[["builtin", "=", false]], {"select": ["username"]}]),
        )
        .await
        .expect("q");
    assert_eq!(names, json!([{"username": "truenas_admin"}, {"username": "saved"}]));
    drop(c);
    service.child.kill().expect("kill");
    service.child.wait().expect("reaped");
}

/// A full session at the most verbose log level: no password, hash or secret reaches the log.
#[tokio::test]
async fn trace_logs_contain_no_secrets() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut service = spawn(dir.path(), "trace", Stdio::piped());
    let mut stderr = service.child.stderr.take().expect("stderr");
    let log = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let secrets = [
        "AdminSecret-7731",
        "UserSecret-1842",
        "NewSecret-5523",
        "WrongGuess-9911",
    ];
    let mut c = RpcClient::connect(&service.url).await.expect("connect");
    c.call_ok("user.setup_local_administrator", json!(["truenas_admin", secrets[0]]))
        .await
        .expect("setup");
    let _ = c
        .call(
            "auth.login_ex",
            json!([{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": secrets[3]}]),
        )
        .await;
    c.login_password("truenas_admin", secrets[0]).await.expect("login");
    let created = c
        .call_ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group_create": true, "password": secrets[1]}]),
        )
        .await
        .expect("create");
    let hash = created["unixhash"].as_str().expect("hash").to_string();
    let nt = created["smbhash"].as_str().expect("nt hash").to_string();
    c.call_ok(
        "user.set_password",
        json!([{"username": "bob", "new_password": secrets[2]}]),
    )
    .await
    .expect("set_password");
    let random = c
        .call_ok(
            "user.create",
            json!([{"username": "carol", "full_name": "C", "group_create": true, "random_password": true}]),
        )
        .await
        .expect("create");
    let random = random["password"].as_str().expect("random password").to_string();
    // The other credentials: a TOTP secret, an API key (then a login with it), a token (then a login with it).
    c.call_ok("user.renew_2fa_secret", json!(["truenas_admin", {}]))
        .await
        .expect("renew 2fa");
    let uri = c
        .call_ok("user.provisioning_uri", json!(["truenas_admin"]))
        .await
        .expect("provisioning uri");
    let uri = uri.as_str().expect("uri");
    let totp_secret = uri
        .split("secret=")
        .nth(1)
        .and_then(|rest| rest.split('&').next())
        .expect("secret in the URI")
        .to_string();
    // Recovery codes, one of them used for a two-factor login.
    let codes = c
        .call_ok("user.renew_2fa_recovery_codes", json!([]))
        .await
        .expect("recovery codes");
    let codes: Vec<String> = codes
        .as_array()
        .expect("codes")
        .iter()
        .map(|code| code.as_str().expect("code").to_string())
        .collect();
    c.call_ok("auth.twofactor.update", json!([{"enabled": true}]))
        .await
        .expect("enable 2fa");
    let mut by_code = RpcClient::connect(&service.url).await.expect("connect");
    by_code
        .login_password_then("truenas_admin", secrets[0], || Ok(codes[0].clone()))
        .await
        .expect("login with a recovery code");
    drop(by_code);
    let key = c
        .call_ok(
            "api_key.create",
            json!([{"name": "logged", "username": "truenas_admin"}]),
        )
        .await
        .expect("api key");
    let key = key["key"].as_str().expect("key").to_string();
    let token = c.call_ok("auth.generate_token", json!([300])).await.expect("token");
    let token = token.as_str().expect("token").to_string();
    let mut by_key = RpcClient::connect(&service.url).await.expect("connect");
    by_key
        .login_api_key(Some("truenas_admin"), &key)
        .await
        .expect("key login");
    let mut by_token = RpcClient::connect(&service.url).await.expect("connect");
    assert_eq!(
        by_token
            .call_ok("auth.login_with_token", json!([token]))
            .await
            .expect("token login"),
        json!(true)
    );
    drop((c, by_key, by_token));
    Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(service.child.wait().expect("exit").success());
    let log = log.join().expect("log reader");
    assert!(
        log.contains("TRACE") || log.contains("DEBUG"),
        "the log is at a verbose level"
    );
    assert!(log.contains("user created"), "the log records what happened");
    for secret in secrets
        .iter()
        .copied()
        .chain([
            hash.as_str(),
            nt.as_str(),
            random.as_str(),
            totp_secret.as_str(),
            token.as_str(),
        ])
        .chain(key.split_once('-').map(|(_, secret)| secret))
        .chain(codes.iter().map(String::as_str))
    {
        assert!(!log.contains(secret), "secret {secret} appears in the log");
    }
    assert!(
        log.contains("recovery code accepted"),
        "the log records the use of a recovery code"
    );
    for code in &codes {
        assert!(!log.contains(&code.replace('-', "")), "{code} appears in the log");
    }
}

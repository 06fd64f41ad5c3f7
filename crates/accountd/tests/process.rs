//! The `accountd` binary as an operator runs it: the ready line, signals, restarts, the schemas command.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

mod common;

struct Service {
    child: Child,
    url: String,
}

fn spawn(dir: &std::path::Path) -> Service {
    let mut child = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(common::CHEAP_SERVE)
        .arg("--db")
        .arg(dir.join("state/accountd.db"))
        .arg("--home-root")
        .arg(dir.join("homes"))
        .env("ACCOUNTD_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("accountd starts");
    let url = common::ready_url(&mut child);
    assert!(
        url.starts_with("ws://127.0.0.1:") && url.ends_with("/api/current"),
        "{url}"
    );
    Service { child, url }
}

fn signal(child: &Child, sig: &str) {
    let status = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().expect("wait") {
            return status;
        }
        assert!(Instant::now() < deadline, "accountd did not stop within 20 s");
        #[allow(
            clippy::disallowed_methods,
            reason = "polls a child process for its exit, under a deadline"
        )]
        std::thread::sleep(Duration::from_millis(20));
    }
}

async fn call(url: &str, calls: &[(&str, Value)]) -> Vec<Value> {
    let (mut ws, _) = connect_async(url).await.expect("connect");
    let mut out = Vec::new();
    for (i, (method, params)) in calls.iter().enumerate() {
        let req = json!({"jsonrpc": "2.0", "id": i, "method": method, "params": params});
        ws.send(Message::text(req.to_string())).await.expect("send");
        let Some(Ok(Message::Text(t))) = ws.next().await else {
            panic!("no reply to {method}")
        };
        out.push(serde_json::from_str(&t).expect("json"));
    }
    out
}

#[tokio::test]
async fn serves_stops_on_sigterm_and_keeps_data_across_restarts() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut service = spawn(dir.path());
    let login = json!([{"mechanism": "PASSWORD_PLAIN", "username": "truenas_admin", "password": "pw1"}]);
    let replies = call(
        &service.url,
        &[
            ("user.setup_local_administrator", json!(["truenas_admin", "pw1"])),
            ("auth.login_ex", login.clone()),
            (
                "user.create",
                json!([{"username": "kept", "full_name": "Kept", "group_create": true, "password": "x"}]),
            ),
        ],
    )
    .await;
    assert_eq!(replies[1]["result"]["response_type"], "SUCCESS", "{replies:?}");
    assert_eq!(replies[2]["result"]["username"], "kept", "{replies:?}");

    signal(&service.child, "-TERM");
    assert!(wait_exit(&mut service.child).success(), "SIGTERM exits cleanly");

    let mut service = spawn(dir.path());
    let replies = call(
        &service.url,
        &[
            ("auth.login_ex", login),
            ("user.query", json!([[["username", "=", "kept"]], {"select": ["uid"]}])),
        ],
    )
    .await;
    assert_eq!(replies[1]["result"], json!([{"uid": 3000}]), "{replies:?}");

    signal(&service.child, "-INT");
    assert!(wait_exit(&mut service.child).success(), "SIGINT exits cleanly");
}

#[test]
fn schemas_command_writes_every_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(["schemas", "--out"])
        .arg(dir.path())
        .output()
        .expect("runs");
    assert!(out.status.success());
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.contains(&"user.create.params.json".to_string()));
    assert!(names.contains(&"openrpc.json".to_string()));
    assert!(dir.path().join("reference/user.html").is_file());
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("user.create.params.json")).expect("read"))
            .expect("json");
    assert_eq!(schema["prefixItems"][0]["title"], "user_create");
}

#[test]
fn a_bad_config_file_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("accountd.toml");
    std::fs::write(&config, "listen = \"127.0.0.1:0\"\nunknown_key = 1\n").expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(["serve", "--config"])
        .arg(&config)
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field `unknown_key`"), "{stderr}");
}

/// A loopback port free at the time of the call.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

/// The URL `accountd serve` reports with the file `config`, the environment variable `ACCOUNTD_LISTEN` and the
/// flag `--listen` (each when given); the service is stopped after its ready line.
fn listen_url(dir: &std::path::Path, config: &std::path::Path, env: Option<&str>, flag: Option<&str>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accountd"));
    command
        .args(["serve", "--config"])
        .arg(config)
        .arg("--db")
        .arg(dir.join("accountd.db"))
        .env("ACCOUNTD_LOG", "warn")
        .env_remove("ACCOUNTD_LISTEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(listen) = env {
        command.env("ACCOUNTD_LISTEN", listen);
    }
    if let Some(listen) = flag {
        command.args(["--listen", listen]);
    }
    let mut child = command.spawn().expect("accountd starts");
    let url = common::ready_url(&mut child);
    signal(&child, "-TERM");
    assert!(wait_exit(&mut child).success(), "SIGTERM exits cleanly");
    url
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (file, env, flag) = (free_port(), free_port(), free_port());
    let config = dir.path().join("accountd.toml");
    let text = format!(
        "listen = \"127.0.0.1:{file}\"\nargon2_m_kib = 64\nargon2_t = 1\nhome_root = {:?}\n",
        dir.path().join("homes")
    );
    std::fs::write(&config, text).expect("write");
    let env_listen = format!("127.0.0.1:{env}");
    let flag_listen = format!("127.0.0.1:{flag}");
    let url = |env, flag| listen_url(dir.path(), &config, env, flag);
    assert_eq!(url(None, None), format!("ws://127.0.0.1:{file}/api/current"));
    assert_eq!(
        url(Some(&env_listen), None),
        format!("ws://127.0.0.1:{env}/api/current")
    );
    assert_eq!(
        url(Some(&env_listen), Some(&flag_listen)),
        format!("ws://127.0.0.1:{flag}/api/current")
    );
}

#[tokio::test]
async fn call_subcommand_logs_in_calls_and_reports_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut service = spawn(dir.path());
    call(
        &service.url,
        &[("user.setup_local_administrator", json!(["truenas_admin", "pw1"]))],
    )
    .await;
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_accountd"))
            .args(["call", "--url", &service.url])
            .args(args)
            .output()
            .expect("runs")
    };
    let out = run(&[
        "-u",
        "truenas_admin",
        "-p",
        "pw1",
        "user.query",
        r#"[["username","=","root"]]"#,
        r#"{"get":true,"select":["uid"]}"#,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let printed: Value = serde_json::from_slice(&out.stdout).expect("pretty JSON");
    assert_eq!(printed, json!({"uid": 0}));

    let out = run(&["-u", "truenas_admin", "-p", "pw1", "user.get_instance", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "[ENOENT] None: User 999 does not exist"
    );

    let out = run(&["user.query"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "[ENOTAUTHENTICATED] Not authenticated"
    );

    let out = run(&["-u", "truenas_admin", "-p", "wrong", "core.ping"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("login as truenas_admin failed: AUTH_ERR"));

    // API keys: with the owner's name (API_KEY_PLAIN) and alone (auth.login_with_api_key).
    let out = run(&[
        "-u",
        "truenas_admin",
        "-p",
        "pw1",
        "api_key.create",
        r#"{"name":"cli","username":"truenas_admin"}"#,
    ]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let created: Value = serde_json::from_slice(&out.stdout).expect("pretty JSON");
    let key = created["key"].as_str().expect("key").to_string();
    let out = run(&["-u", "truenas_admin", "-k", &key, "auth.me"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let me: Value = serde_json::from_slice(&out.stdout).expect("pretty JSON");
    assert_eq!(me["pw_name"], "truenas_admin");
    let out = Command::new(env!("CARGO_BIN_EXE_accountd"))
        .args(["call", "--url", &service.url, "core.ping"])
        .env("ACCOUNTD_API_KEY", &key)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        serde_json::from_slice::<Value>(&out.stdout).expect("JSON"),
        json!("pong")
    );
    let wrong = format!("{}-{}", created["id"], "x".repeat(64));
    let out = run(&["-k", &wrong, "core.ping"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("login with the API key failed"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["-u", "truenas_admin", "-p", "pw1", "-k", &key, "core.ping"]);
    assert_eq!(out.status.code(), Some(2), "--password and --api-key conflict");

    signal(&service.child, "-TERM");
    assert!(wait_exit(&mut service.child).success());
}

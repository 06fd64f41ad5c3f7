//! Files holding secrets as an operator meets them, under the usual 022 umask: the data directory accountd
//! creates is 0700; the database, its `-wal`/`-shm` files, the key file and backups are 0600; modes left open
//! by older versions are tightened (and logged) at start; a database whose key file is gone does not start.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accountd::client::RpcClient;
use serde_json::json;

mod common;

/// `accountd ARGS` run under umask 022.
fn accountd(args: &[&str]) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_accountd"))
        .args(args);
    cmd
}

struct Service {
    child: Child,
    url: String,
    stderr: Arc<Mutex<String>>,
}

fn serve(dir: &Path) -> Service {
    let mut child = accountd(common::CHEAP_SERVE)
        .arg("--db")
        .arg(db(dir))
        .arg("--home-root")
        .arg(dir.join("homes"))
        .env("ACCOUNTD_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("accountd starts");
    let stderr = Arc::new(Mutex::new(String::new()));
    let (sink, pipe) = (stderr.clone(), child.stderr.take().expect("stderr"));
    std::thread::spawn(move || {
        for line in BufReader::new(pipe).lines().map_while(Result::ok) {
            let mut s = sink.lock().expect("lock");
            s.push_str(&line);
            s.push('\n');
        }
    });
    let url = common::ready_url(&mut child);
    Service { child, url, stderr }
}

fn stop(mut service: Service) -> String {
    Command::new("kill")
        .args(["-TERM", &service.child.id().to_string()])
        .status()
        .expect("kill");
    assert!(service.child.wait().expect("exit").success());
    service.stderr.lock().expect("lock").clone()
}

fn db(dir: &Path) -> PathBuf {
    dir.join("data/accountd.db")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o7777
}

async fn set_up(url: &str) {
    let mut c = RpcClient::connect(url).await.expect("connect");
    c.call_ok("user.setup_local_administrator", json!(["truenas_admin", "admin-pw"]))
        .await
        .expect("setup");
    c.login_password("truenas_admin", "admin-pw").await.expect("login");
    c.call_ok(
        "user.create",
        json!([{"username": "alice", "full_name": "A", "group_create": true, "password": "pw"}]),
    )
    .await
    .expect("create");
}

#[tokio::test]
async fn database_key_and_backups_are_private_and_old_modes_are_tightened() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let service = serve(dir.path());
    set_up(&service.url).await;
    let key = with_suffix(&db, ".key");
    assert_eq!(mode(db.parent().expect("data dir")), 0o700, "data directory");
    for file in [
        db.clone(),
        with_suffix(&db, "-wal"),
        with_suffix(&db, "-shm"),
        key.clone(),
    ] {
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }

    let plain = dir.path().join("plain.db");
    let out = accountd(&["backup", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&plain)
        .output()
        .expect("backup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&plain), 0o600);
    assert!(
        !with_suffix(&plain, ".key").exists(),
        "the key is included only when asked"
    );
    let keyed = dir.path().join("keyed.db");
    let out = accountd(&["backup", "--include-key", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&keyed)
        .output()
        .expect("backup");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!((mode(&keyed), mode(&with_suffix(&keyed, ".key"))), (0o600, 0o600));
    assert_eq!(
        std::fs::read(with_suffix(&keyed, ".key")).expect("key copy"),
        std::fs::read(&key).expect("key")
    );
    stop(service);

    // An install made by an older version: world-readable files.
    for file in [&db, &key] {
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    let service = serve(dir.path());
    assert_eq!((mode(&db), mode(&key)), (0o600, 0o600));
    let log = stop(service);
    assert!(log.contains("tightened the mode of a database file to 0600"), "{log}");
    assert!(log.contains("tightened the mode of the key file to 0600"), "{log}");
}

#[tokio::test]
async fn a_missing_key_file_stops_the_start_with_a_clear_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = db(dir.path());
    let service = serve(dir.path());
    set_up(&service.url).await;
    stop(service);
    let key = with_suffix(&db, ".key");
    let saved = std::fs::read(&key).expect("key");
    std::fs::remove_file(&key).expect("remove key");

    let mut child = accountd(&["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&db)
        .arg("--home-root")
        .arg(dir.path().join("homes"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("accountd runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().expect("kill");
            panic!("accountd started without its key file");
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "polls a child process for its exit, under a deadline"
        )]
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr).expect("stderr");
    assert!(!status.success());
    assert!(
        stderr.contains(&format!("key file {} is missing", key.display())) && stderr.contains("--include-key"),
        "{stderr}"
    );
    assert!(!key.exists(), "no new key replaces the lost one");

    std::fs::write(&key, saved).expect("key back");
    let service = serve(dir.path());
    let mut c = RpcClient::connect(&service.url).await.expect("connect");
    c.login_password("truenas_admin", "admin-pw").await.expect("login");
    stop(service);
}

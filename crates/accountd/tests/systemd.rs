//! `accountd serve` under a service manager: `READY=1` on `$NOTIFY_SOCKET` (a path, or an abstract `@name`)
//! once it listens, `STOPPING=1` at shutdown, and journald's `<N>` priority prefixes when `$JOURNAL_STREAM`
//! names its standard error. The socket is bound here, as systemd binds its own.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::net::TcpStream;
use std::os::unix::fs::MetadataExt;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod common;

/// Starts the service with `env` set, standard error into `stderr`.
fn spawn(dir: &std::path::Path, env: &[(&str, String)], stderr: Stdio) -> Child {
    let mut command = Command::new(env!("CARGO_BIN_EXE_accountd"));
    command
        .args(common::CHEAP_SERVE)
        .arg("--db")
        .arg(dir.join("accountd.db"))
        .arg("--home-root")
        .arg(dir.join("homes"))
        .env("ACCOUNTD_LOG", "info")
        .env_remove("NOTIFY_SOCKET")
        .env_remove("JOURNAL_STREAM")
        .stdout(Stdio::piped())
        .stderr(stderr);
    for (key, value) in env {
        command.env(key, value);
    }
    command.spawn().expect("accountd starts")
}

/// The next notification on `socket`, within 30 s.
fn next_notification(socket: &UnixDatagram) -> String {
    socket.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let mut buf = [0u8; 4096];
    let n = socket.recv(&mut buf).expect("a notification within 30 s");
    String::from_utf8(buf[..n].to_vec()).expect("utf-8 notification")
}

/// SIGTERM, then the exit status.
fn terminate(mut child: Child) -> std::process::ExitStatus {
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    child.wait().expect("accountd exits")
}

/// READY=1 arrives once the service listens (its address takes connections by then, and is the one of the
/// ready line), STOPPING=1 when it is told to stop.
fn readiness_over(socket: UnixDatagram, notify_socket: String, dir: &std::path::Path) {
    let mut child = spawn(dir, &[("NOTIFY_SOCKET", notify_socket)], Stdio::null());
    let ready = next_notification(&socket);
    let lines: Vec<&str> = ready.lines().collect();
    assert_eq!(lines.first(), Some(&"READY=1"), "{ready}");
    let status = lines
        .iter()
        .find_map(|l| l.strip_prefix("STATUS=listening on "))
        .expect("a STATUS with the address");
    let address = status
        .strip_prefix("ws://")
        .and_then(|a| a.strip_suffix("/api/current"))
        .expect("a ws:// URL");
    TcpStream::connect(address).expect("the service listens when it says it is ready");
    // The ready line on standard output names the same address.
    assert_eq!(common::ready_url(&mut child), status);
    let exit = {
        let stopping = std::thread::scope(|s| {
            let waiter = s.spawn(|| next_notification(&socket));
            let exit = terminate(child);
            (waiter.join().expect("notification thread"), exit)
        });
        assert!(stopping.0.starts_with("STOPPING=1"), "{}", stopping.0);
        stopping.1
    };
    assert!(exit.success(), "{exit}");
}

#[test]
fn ready_is_sent_to_a_notify_socket_path_once_listening_and_stopping_at_shutdown() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).expect("bind the notify socket");
    readiness_over(socket, path.to_str().unwrap().to_string(), dir.path());
}

#[cfg(target_os = "linux")]
#[test]
fn ready_is_sent_to_an_abstract_notify_socket() {
    use std::os::linux::net::SocketAddrExt;
    let dir = tempfile::tempdir().unwrap();
    let name = format!("accountd-test-notify-{}", std::process::id());
    let addr = std::os::unix::net::SocketAddr::from_abstract_name(name.as_bytes()).unwrap();
    let socket = UnixDatagram::bind_addr(&addr).expect("bind the abstract notify socket");
    readiness_over(socket, format!("@{name}"), dir.path());
}

#[test]
fn logs_carry_journal_priorities_when_stderr_is_the_journal_stream() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("journal-stream");
    let log = std::fs::File::create(&log_path).unwrap();
    let meta = log.metadata().unwrap();
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    let mut child = spawn(dir.path(), &[("JOURNAL_STREAM", stream)], Stdio::from(log));
    common::ready_url(&mut child);
    assert!(terminate(child).success());
    let text = std::fs::read_to_string(&log_path).unwrap();
    let started = text
        .lines()
        .find(|l| l.contains("started"))
        .unwrap_or_else(|| panic!("no start line in\n{text}"));
    // The priority instead of the level, no timestamp (journald keeps its own) and no colours.
    assert!(started.starts_with("<6>accountd: started "), "{started}");
    assert!(!text.contains('\u{1b}'), "{text}");
    assert!(text.lines().all(|l| l.starts_with('<')), "{text}");
}

#[test]
fn logs_keep_their_format_when_journal_stream_names_another_file() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr");
    let log = std::fs::File::create(&log_path).unwrap();
    let other = std::fs::File::create(dir.path().join("other"))
        .unwrap()
        .metadata()
        .unwrap();
    let stream = format!("{}:{}", other.dev(), other.ino());
    let mut child = spawn(dir.path(), &[("JOURNAL_STREAM", stream)], Stdio::from(log));
    common::ready_url(&mut child);
    assert!(terminate(child).success());
    let text = std::fs::read_to_string(&log_path).unwrap();
    assert!(text.lines().any(|l| l.contains("started")), "{text}");
    assert!(text.lines().all(|l| !l.starts_with('<')), "{text}");
}

#[test]
fn the_unit_is_a_hardened_notify_service_setting_only_real_settings() {
    let unit = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../packaging/accountd.service"))
        .expect("packaging/accountd.service");
    let directives: Vec<(&str, &str)> = unit
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('['))
        .filter_map(|l| l.split_once('='))
        .collect();
    let has = |key: &str, value: &str| directives.iter().any(|&(k, v)| k == key && v == value);
    for (key, value) in [
        ("Type", "notify"),
        ("ExecStart", "/usr/bin/accountd serve"),
        ("DynamicUser", "yes"),
        ("StateDirectory", "accountd"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("NoNewPrivileges", "yes"),
        ("PrivateTmp", "yes"),
        ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
        ("SystemCallFilter", "@system-service"),
    ] {
        assert!(has(key, value), "{key}={value} missing from the unit");
    }
    // Every ACCOUNTD_* variable the unit sets is a serve setting (or the log filter, or the config file).
    let known: Vec<String> = accountd::config::ServeSettings::KEYS
        .iter()
        .map(|k| format!("ACCOUNTD_{}", k.to_ascii_uppercase()))
        .chain(["ACCOUNTD_LOG".to_string(), "ACCOUNTD_CONFIG".to_string()])
        .collect();
    let set: Vec<&str> = directives
        .iter()
        .filter(|&&(k, _)| k == "Environment")
        .filter_map(|&(_, v)| v.split_once('=').map(|(name, _)| name))
        .collect();
    assert!(!set.is_empty());
    for name in set {
        assert!(
            known.iter().any(|k| k == name),
            "{name} is not a setting of accountd serve"
        );
    }
}

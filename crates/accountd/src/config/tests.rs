//! The settings: layering, defaults and checks.

use super::*;

#[test]
fn flags_win_over_file_and_defaults_fill_in() {
    let file: ServeSettings = toml::from_str("db = \"/f.db\"\nlisten = \"127.0.0.1:1\"\nargon2_t = 3").unwrap();
    let flags = ServeSettings {
        listen: Some("127.0.0.1:0".parse().unwrap()),
        ..Default::default()
    };
    let s = flags.over(file).resolve().unwrap();
    assert_eq!(s.listen.port(), 0);
    assert_eq!(s.db, PathBuf::from("/f.db"));
    assert_eq!(
        s.argon2,
        Argon2Params {
            m_kib: 19456,
            t: 3,
            p: 1
        }
    );
    assert_eq!(s.login_failure_delay, Duration::from_secs(1));
}

#[test]
fn frame_ancestors_are_origins() {
    let s = ServeSettings::default().resolve().unwrap();
    assert!(s.limits.ui_frame_ancestors.is_empty());
    let file: ServeSettings =
        toml::from_str("ui_frame_ancestors = [\"https://nas.example\", \"http://10.0.0.2:8080\"]").unwrap();
    assert_eq!(
        file.resolve().unwrap().limits.ui_frame_ancestors,
        ["https://nas.example", "http://10.0.0.2:8080"]
    );
    for bad in [
        "*",
        "https://nas.example; script-src *",
        "nas.example",
        "https://nas.example/ui",
    ] {
        let file = ServeSettings {
            ui_frame_ancestors: Some(vec![bad.to_string()]),
            ..Default::default()
        };
        let err = file.resolve().expect_err(bad).to_string();
        assert!(err.starts_with("ui_frame_ancestors:"), "{bad}: {err}");
    }
}

#[test]
fn audit_sync_is_full_unless_normal_is_asked_for() {
    use accountd_store::audit::AuditSync;
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!(s.audit_sync, AuditSync::Full);
    let file: ServeSettings = toml::from_str("audit_sync = \"normal\"").unwrap();
    assert_eq!(file.resolve().unwrap().audit_sync, AuditSync::Normal);
    let file: ServeSettings = toml::from_str("audit_sync = \"fast\"").unwrap();
    let err = file.resolve().unwrap_err().to_string();
    assert!(err.contains("audit_sync must be"), "{err}");
}

#[test]
fn read_cache_size_is_configurable() {
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!(s.read_cache_entries, 200_000);
    let file: ServeSettings = toml::from_str("read_cache_entries = 0").unwrap();
    assert_eq!(file.resolve().unwrap().read_cache_entries, 0);
}

#[test]
fn connection_limits_are_configurable() {
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!(s.limits.max_connections, 10_000);
    assert_eq!(s.limits.login_timeout, Duration::from_secs(60));
    assert_eq!(s.limits.write_timeout, Duration::from_secs(30));
    assert_eq!(s.limits.outbound_queue_bytes, 8 << 20);
    let file: ServeSettings = toml::from_str("outbound_queue_bytes = 65536").unwrap();
    assert_eq!(file.resolve().unwrap().limits.outbound_queue_bytes, 65536);
    let file: ServeSettings =
        toml::from_str("max_connections = 5\nlogin_timeout_ms = 200\nwrite_timeout_ms = 300").unwrap();
    let s = file.resolve().unwrap();
    assert_eq!(s.limits.max_connections, 5);
    assert_eq!(s.limits.login_timeout, Duration::from_millis(200));
    assert_eq!(s.limits.write_timeout, Duration::from_millis(300));
    assert_eq!(s.limits.max_unauthenticated_per_address(), 1);
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!(s.limits.max_unauthenticated_per_address(), 1000);
    let file: ServeSettings = toml::from_str("max_connections = 50\nunauthenticated_share_percent = 20").unwrap();
    assert_eq!(file.resolve().unwrap().limits.max_unauthenticated_per_address(), 10);
    for bad in [
        "max_connections = 0",
        "login_timeout_ms = 0",
        "write_timeout_ms = 0",
        "outbound_queue_bytes = 0",
        "unauthenticated_share_percent = 0",
        "unauthenticated_share_percent = 101",
    ] {
        let file: ServeSettings = toml::from_str(bad).unwrap();
        assert!(file.resolve().is_err(), "{bad}");
    }
}

#[test]
fn rate_limits_are_configurable() {
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!(s.limits.rate_limit, accountd_server::RateLimitConfig::default());
    let file: ServeSettings = toml::from_str(
        "rate_limit_max_calls = 3\nrate_limit_window_ms = 500\nrate_limit_sleep_min_ms = 0\nrate_limit_sleep_max_ms = 0",
    )
    .unwrap();
    let r = file.resolve().unwrap().limits.rate_limit;
    assert_eq!(
        (r.max_calls, r.window, r.sleep_min, r.sleep_max),
        (3, Duration::from_millis(500), Duration::ZERO, Duration::ZERO)
    );
    let bad: ServeSettings = toml::from_str("rate_limit_sleep_min_ms = 5\nrate_limit_sleep_max_ms = 1").unwrap();
    assert!(bad.resolve().is_err());
}

#[test]
fn tls_needs_both_files() {
    assert_eq!(ServeSettings::default().resolve().unwrap().tls, None);
    let file: ServeSettings = toml::from_str("tls_cert = \"/c.pem\"\ntls_key = \"/k.pem\"").unwrap();
    let tls = file.resolve().unwrap().tls.unwrap();
    assert_eq!((tls.cert, tls.key), (PathBuf::from("/c.pem"), PathBuf::from("/k.pem")));
    for one in ["tls_cert = \"/c.pem\"", "tls_key = \"/k.pem\""] {
        let file: ServeSettings = toml::from_str(one).unwrap();
        assert!(file.resolve().is_err(), "{one}");
    }
}

#[test]
fn trusted_proxies_are_configurable() {
    let s = ServeSettings::default().resolve().unwrap();
    assert!(s.limits.trusted_proxies.addresses().is_empty());
    let file: ServeSettings = toml::from_str("trusted_proxy = [\"127.0.0.1\", \"::1\"]").unwrap();
    let t = file.resolve().unwrap().limits.trusted_proxies;
    assert!(t.contains("127.0.0.1".parse().unwrap()) && t.contains("::1".parse().unwrap()));
    assert!(!t.contains("127.0.0.2".parse().unwrap()));
    assert!(toml::from_str::<ServeSettings>("trusted_proxy = [\"localhost\"]").is_err());
}

#[test]
fn mail_settings_are_configurable() {
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!((s.mail_timeout, s.mail_ca_file), (Duration::from_secs(30), None));
    let file: ServeSettings =
        toml::from_str("mail_timeout_ms = 5000\nmail_ca_file = \"/etc/accountd/mail-ca.pem\"").unwrap();
    let s = file.resolve().unwrap();
    assert_eq!(s.mail_timeout, Duration::from_secs(5));
    assert_eq!(s.mail_ca_file, Some(PathBuf::from("/etc/accountd/mail-ca.pem")));
    let bad: ServeSettings = toml::from_str("mail_timeout_ms = 0").unwrap();
    assert!(bad.resolve().is_err());
}

#[test]
fn unknown_keys_in_the_file_are_refused() {
    assert!(toml::from_str::<ServeSettings>("dbx = 1").is_err());
    let err = toml::from_str::<ServeSettings>("listen = \"127.0.0.1:0\"\nmax_conections = 5")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `max_conections`"), "{err}");
    // `--config` is a flag only: a file cannot name another file.
    let err = toml::from_str::<ServeSettings>("config = \"/other.toml\"")
        .unwrap_err()
        .to_string();
    assert!(err.contains("unknown field `config`"), "{err}");
}

/// The serve arguments as clap parses them, without reading the environment.
fn parse_flags(args: &[&str]) -> (ServeSettings, clap::ArgMatches) {
    use clap::{Args, FromArgMatches};
    let command = ServeArgs::augment_args(clap::Command::new("serve")).mut_args(|arg| arg.env(None::<&str>));
    let matches = command
        .try_get_matches_from(std::iter::once("serve").chain(args.iter().copied()))
        .unwrap();
    let parsed = ServeArgs::from_arg_matches(&matches).unwrap();
    (parsed.settings, matches)
}

#[test]
fn a_flag_beats_the_file_which_beats_the_default() {
    let (parsed, matches) = parse_flags(&["--argon2-t", "5", "--max-connections", "7"]);
    // clap fills in every declared default; only what was given is kept to be layered over the file.
    assert_eq!(parsed.argon2_p, Some(1));
    let flags = parsed.given_only(&matches);
    assert_eq!((flags.argon2_t, flags.argon2_p, flags.listen), (Some(5), None, None));
    let file: ServeSettings = toml::from_str("argon2_t = 3\nargon2_p = 4\nmax_connections = 9").unwrap();
    let s = flags.over(file).resolve().unwrap();
    assert_eq!(
        s.argon2,
        Argon2Params {
            m_kib: 19456,
            t: 5,
            p: 4
        }
    );
    assert_eq!(s.limits.max_connections, 7);
    assert_eq!(s.listen, DEFAULT_LISTEN);
}

#[test]
fn the_declared_defaults_are_the_effective_defaults() {
    let (declared, _) = parse_flags(&[]);
    assert_eq!(declared.listen, Some("127.0.0.1:6780".parse().unwrap()));
    assert_eq!(declared.audit_sync.as_deref(), Some("full"));
    let effective = ServeSettings::default().resolve().unwrap();
    assert_eq!(format!("{:?}", declared.resolve().unwrap()), format!("{effective:?}"));
}

#[test]
fn every_setting_is_named_alike_as_flag_variable_and_key() {
    use clap::Args;
    let command = ServeSettings::augment_args(clap::Command::new("serve"));
    let ids: Vec<&str> = command.get_arguments().map(|a| a.get_id().as_str()).collect();
    assert_eq!(ids, ServeSettings::KEYS);
    for arg in command.get_arguments() {
        let key = arg.get_id().as_str();
        assert_eq!(arg.get_long(), Some(key.replace('_', "-").as_str()), "{key}");
        let env = arg.get_env().map(|e| e.to_string_lossy().into_owned());
        assert_eq!(env, Some(format!("ACCOUNTD_{}", key.to_uppercase())), "{key}");
    }
}

#[test]
fn the_settings_table_has_a_row_per_flag_and_replaces_the_marked_lines() {
    let table = table::settings_table().unwrap();
    assert!(table.contains(
        "| `--max-connections N` | `ACCOUNTD_MAX_CONNECTIONS` | `max_connections` | `10000` | Open connections at most"
    ));
    assert!(
        table.contains("| `--trusted-proxy ADDR,...` | `ACCOUNTD_TRUSTED_PROXY` | `trusted_proxy` (a list) | none |")
    );
    assert!(table.contains("| `--config FILE` | `ACCOUNTD_CONFIG` |  | none |"));
    assert!(table.contains("| `--audit-sync full\\|normal` |"), "{table}");
    assert_eq!(table.lines().count(), 2 + ServeSettings::KEYS.len() + 1);
    let readme = format!(
        "# Title\n\n{}\nold rows\n{}\n\nAfter.\n",
        table::BEGIN_MARKER,
        table::END_MARKER
    );
    let rewritten = table::with_settings_table(&readme).unwrap();
    assert_eq!(
        rewritten,
        format!(
            "# Title\n\n{}\n{table}{}\n\nAfter.\n",
            table::BEGIN_MARKER,
            table::END_MARKER
        )
    );
    assert_eq!(table::with_settings_table(&rewritten).unwrap(), rewritten);
    assert!(table::with_settings_table("no markers").is_err());
}

#[test]
fn metrics_are_off_unless_the_flag_the_file_or_a_listen_address_says_so() {
    let s = ServeSettings::default().resolve().unwrap();
    assert_eq!((s.metrics, s.metrics_listen), (false, None));
    let on = |args: &[&str]| {
        let (parsed, matches) = parse_flags(args);
        parsed.given_only(&matches).resolve().unwrap()
    };
    assert!(on(&["--metrics"]).metrics, "a bare --metrics turns them on");
    assert!(!on(&["--metrics", "false"]).metrics);
    assert!(!on(&[]).metrics);
    let s = on(&["--metrics-listen", "127.0.0.1:9780"]);
    assert_eq!(
        (s.metrics, s.metrics_listen),
        (false, Some("127.0.0.1:9780".parse().unwrap()))
    );
    let file: ServeSettings = toml::from_str("metrics = true\nmetrics_listen = \"[::1]:9780\"").unwrap();
    let s = file.resolve().unwrap();
    assert_eq!(
        (s.metrics, s.metrics_listen),
        (true, Some("[::1]:9780".parse().unwrap()))
    );
}

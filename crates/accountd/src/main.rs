//! The `accountd` command.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

use accountd::commands::ConnectArgs;
use accountd::commands::prompt::Prompter;
use accountd::config::PartialSettings;
use anyhow::Context;
use clap::{Args, Parser, Subcommand};

/// TrueNAS-compatible user accounts over WebSocket JSON-RPC.
#[derive(Debug, Parser)]
#[command(name = "accountd", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the service.
    Serve(Box<ServeArgs>),
    /// Call a method on a running service and print the result as JSON (like TrueNAS's `midclt call`).
    Call(CallArgs),
    /// Change your own password, or as an administrator another user's.
    ///
    /// Asks for the current password (unless the login just used it) and the new one twice, without echo; with
    /// standard input not a terminal, reads one line per answer. The server's password rules are reported as
    /// it words them.
    Passwd {
        #[command(flatten)]
        connect: ConnectArgs,
        /// Another user whose password to set (needs ACCOUNT_WRITE); your own when omitted.
        username: Option<String>,
    },
    /// Show or change a user on a running service.
    #[command(subcommand)]
    User(UserCommand),
    /// End a login lockout offline, with the service stopped.
    ///
    /// Clears the user's failed logins in the database, for an administrator locked out of every address.
    /// Refuses while a service runs on the database.
    Unlock {
        /// The locked-out user's login name.
        #[arg(long)]
        user: String,
        /// Database file [default: as for serve].
        #[arg(long, env = "ACCOUNTD_DB")]
        db: Option<PathBuf>,
    },
    /// Copy the database to FILE with SQLite's online backup (safe while the service runs).
    Backup {
        /// Database file [default: as for serve].
        #[arg(long, env = "ACCOUNTD_DB")]
        db: Option<PathBuf>,
        /// Where to write the backup (written 0600).
        #[arg(long)]
        out: PathBuf,
        /// Also copy the key file that encrypts TOTP secrets and NT hashes, as FILE.key (0600). Without it the
        /// backup restores only into the installation whose key file it was made with.
        #[arg(long)]
        include_key: bool,
    },
    /// Replace the database with a backup (stop the service first); the old one is kept as *.before-restore.
    /// A key file beside the backup (FILE.key, from `backup --include-key`) replaces the current key file.
    Restore {
        /// Database file [default: as for serve].
        #[arg(long, env = "ACCOUNTD_DB")]
        db: Option<PathBuf>,
        /// The backup to restore.
        #[arg(long)]
        from: PathBuf,
    },
    /// (Re)write the generated files under schemas/: JSON Schemas, example responses (by running every
    /// example against a real in-process server), the HTML reference and the OpenRPC document.
    Schemas {
        /// Output directory.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
    },
}

#[derive(Debug, Args)]
struct CallArgs {
    #[command(flatten)]
    connect: ConnectArgs,
    /// Method name, e.g. `user.query`.
    method: String,
    /// Positional arguments, each one JSON value, e.g. '[["username","=","root"]]' '{"get":true}'.
    args: Vec<String>,
}

#[derive(Debug, Subcommand)]
enum UserCommand {
    /// Show a user: username, uid, full name, email, groups, roles, locked, 2FA, last login, lockout.
    Show {
        #[command(flatten)]
        connect: ConnectArgs,
        /// Print the raw `user.query` entry as JSON instead.
        #[arg(long)]
        json: bool,
        /// The user's login name.
        name: String,
    },
    /// Change fields of a user with `user.update` and print what changed.
    ///
    /// For example `locked=true`, `groups=builtin_users,staff` (group names or ids), `email=` (empty clears),
    /// `account_profile=2`. Values are typed by the field's schema.
    Configure {
        #[command(flatten)]
        connect: ConnectArgs,
        /// The user's login name.
        name: String,
        /// `key=value` pairs; values are typed by the field (booleans, numbers, lists, null when empty).
        #[arg(required = true, value_name = "KEY=VALUE")]
        pairs: Vec<String>,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on (port 0 picks a free port) [default: 127.0.0.1:6780].
    #[arg(long, env = "ACCOUNTD_LISTEN")]
    listen: Option<SocketAddr>,
    /// SQLite database file [default: $XDG_DATA_HOME/accountd/accountd.db].
    #[arg(long, env = "ACCOUNTD_DB")]
    db: Option<PathBuf>,
    /// Directory under which home directories may be created (TrueNAS's /mnt).
    #[arg(long, env = "ACCOUNTD_HOME_ROOT")]
    home_root: Option<PathBuf>,
    /// TOML config file with the same settings (listen, db, home_root, argon2_*, login_failure_delay_ms,
    /// max_connections, unauthenticated_share_percent, trusted_proxy, login_timeout_ms, write_timeout_ms,
    /// outbound_queue_bytes, rate_limit_*, read_cache_entries, tls_cert, tls_key, audit,
    /// audit_prune_interval_ms, audit_sync, mail_timeout_ms, mail_ca_file, ui_frame_ancestors).
    #[arg(long, env = "ACCOUNTD_CONFIG")]
    config: Option<PathBuf>,
    /// argon2id memory cost in KiB for new password hashes [default: 19456].
    #[arg(long, env = "ACCOUNTD_ARGON2_M_KIB")]
    argon2_m_kib: Option<u32>,
    /// argon2id iterations [default: 2].
    #[arg(long, env = "ACCOUNTD_ARGON2_T")]
    argon2_t: Option<u32>,
    /// argon2id parallelism [default: 1].
    #[arg(long, env = "ACCOUNTD_ARGON2_P")]
    argon2_p: Option<u32>,
    /// Delay before answering a failed login, in milliseconds [default: 1000].
    #[arg(long, env = "ACCOUNTD_LOGIN_FAILURE_DELAY_MS")]
    login_failure_delay_ms: Option<u64>,
    /// Open connections at most; more are answered HTTP 503 [default: 10000].
    #[arg(long, env = "ACCOUNTD_MAX_CONNECTIONS")]
    max_connections: Option<usize>,
    /// Percentage of --max-connections (at least one) one client address may hold with connections that are
    /// not logged in; more are answered HTTP 503 [default: 10].
    #[arg(long, env = "ACCOUNTD_UNAUTHENTICATED_SHARE_PERCENT")]
    unauthenticated_share_percent: Option<u8>,
    /// Comma-separated peer addresses (e.g. a TLS proxy on this host, 127.0.0.1) whose X-Real-Remote-Addr or
    /// X-Forwarded-For header names the real client; never believed from other peers [default: none].
    #[arg(long, env = "ACCOUNTD_TRUSTED_PROXY", value_delimiter = ',')]
    trusted_proxy: Option<Vec<std::net::IpAddr>>,
    /// A connection that has not logged in after this many milliseconds is closed [default: 60000].
    #[arg(long, env = "ACCOUNTD_LOGIN_TIMEOUT_MS")]
    login_timeout_ms: Option<u64>,
    /// A connection whose peer reads nothing of what is sent for this many milliseconds is dropped
    /// [default: 30000].
    #[arg(long, env = "ACCOUNTD_WRITE_TIMEOUT_MS")]
    write_timeout_ms: Option<u64>,
    /// Bytes of replies and events queued per connection at most; a client that does not read stops being
    /// read from (or, for events, is closed) [default: 8388608].
    #[arg(long, env = "ACCOUNTD_OUTBOUND_QUEUE_BYTES")]
    outbound_queue_bytes: Option<usize>,
    /// Unauthenticated calls of one no-auth method allowed per address and window [default: 20].
    #[arg(long, env = "ACCOUNTD_RATE_LIMIT_MAX_CALLS")]
    rate_limit_max_calls: Option<u32>,
    /// The rate limit window in milliseconds [default: 60000].
    #[arg(long, env = "ACCOUNTD_RATE_LIMIT_WINDOW_MS")]
    rate_limit_window_ms: Option<u64>,
    /// Shortest wait before refusing a call over the rate limit, in milliseconds [default: 1000].
    #[arg(long, env = "ACCOUNTD_RATE_LIMIT_SLEEP_MIN_MS")]
    rate_limit_sleep_min_ms: Option<u64>,
    /// Longest wait before refusing a call over the rate limit, in milliseconds [default: 10000].
    #[arg(long, env = "ACCOUNTD_RATE_LIMIT_SLEEP_MAX_MS")]
    rate_limit_sleep_max_ms: Option<u64>,
    /// User entries kept in memory for point reads (`user.get_instance`); about 400 bytes each; 0 turns the
    /// cache off [default: 200000].
    #[arg(long, env = "ACCOUNTD_READ_CACHE_ENTRIES")]
    read_cache_entries: Option<usize>,
    /// Serve TLS (wss://) with this PEM certificate chain (leaf first); needs --tls-key [default: no TLS].
    #[arg(long, env = "ACCOUNTD_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert (PKCS#8, PKCS#1 or SEC1).
    #[arg(long, env = "ACCOUNTD_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Record logins, logouts and account changes in the audit log [default: true].
    #[arg(long, env = "ACCOUNTD_AUDIT")]
    audit: Option<bool>,
    /// How often audit entries older than the retention are pruned, in ms [default: 3600000].
    #[arg(long, env = "ACCOUNTD_AUDIT_PRUNE_INTERVAL_MS")]
    audit_prune_interval_ms: Option<u64>,
    /// Comma-separated origins (e.g. https://nas.example) that may show the web page in a frame; the page
    /// then says `frame-ancestors <origins>` instead of `X-Frame-Options: DENY` [default: none].
    #[arg(long, env = "ACCOUNTD_UI_FRAME_ANCESTORS", value_delimiter = ',')]
    ui_frame_ancestors: Option<Vec<String>>,
    /// How long sending one mail (a test mail, a password reset link) may take, in ms [default: 30000].
    #[arg(long, env = "ACCOUNTD_MAIL_TIMEOUT_MS")]
    mail_timeout_ms: Option<u64>,
    /// PEM certificates trusted for the SMTP server's TLS (mail.update security SSL or TLS) besides the system's
    /// roots, e.g. a private CA [default: the system's roots only].
    #[arg(long, env = "ACCOUNTD_MAIL_CA_FILE")]
    mail_ca_file: Option<PathBuf>,
    /// How audit commits reach the disk: `full` (synced before each reply) or `normal` (survive a crash of the
    /// service, not a power loss) [default: full].
    #[arg(long, env = "ACCOUNTD_AUDIT_SYNC")]
    audit_sync: Option<String>,
}

/// Log levels that third-party crates never exceed, whatever `ACCOUNTD_LOG` says: at trace level they print
/// message payloads, which carry passwords.
const SECRET_SAFE_CAPS: [&str; 4] = [
    "tungstenite=debug",
    "tokio_tungstenite=debug",
    "jsonrpsee_core=debug",
    "jsonrpsee=debug",
];

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Serve(args) => serve(*args),
        Command::Call(args) => {
            let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
            match runtime.block_on(call(args)) {
                Ok(result) => {
                    println!("{}", serde_json::to_string_pretty(&result)?);
                    Ok(())
                }
                Err(e) => {
                    eprintln!("{e:#}");
                    std::process::exit(1);
                }
            }
        }
        Command::Backup { db, out, include_key } => {
            let db = PartialSettings {
                db,
                ..Default::default()
            }
            .resolve()?
            .db;
            accountd_store::backup_to(&db, &out).with_context(|| format!("backing up {}", db.display()))?;
            println!("backed up {} to {}", db.display(), out.display());
            if include_key {
                let key = accountd_store::secrets::key_path(&out);
                if !accountd_store::secrets::copy_key(&db, &out)
                    .with_context(|| format!("copying the key of {}", db.display()))?
                {
                    anyhow::bail!("{} has no key file to include", db.display());
                }
                println!("copied its key file to {}", key.display());
            }
            Ok(())
        }
        Command::Restore { db, from } => {
            let db = PartialSettings {
                db,
                ..Default::default()
            }
            .resolve()?
            .db;
            let _lock = accountd_store::files::DatabaseLock::acquire(&db)?;
            accountd_store::restore_from(&from, &db).with_context(|| format!("restoring {}", from.display()))?;
            println!("restored {} from {}", db.display(), from.display());
            Ok(())
        }
        Command::Passwd { connect, username } => {
            client_command(
                async move { accountd::commands::passwd::run(&connect, username, &mut Prompter::new()).await },
            )
        }
        Command::User(UserCommand::Show { connect, json, name }) => client_command(async move {
            let (mut client, _) = connect.connect(&mut Prompter::new(), true).await?;
            accountd::commands::user::show(&mut client, &name, json).await
        }),
        Command::User(UserCommand::Configure { connect, name, pairs }) => client_command(async move {
            let (mut client, _) = connect.connect(&mut Prompter::new(), true).await?;
            accountd::commands::user::configure(&mut client, &name, &pairs).await
        }),
        Command::Unlock { user, db } => {
            let db = PartialSettings {
                db,
                ..Default::default()
            }
            .resolve()?
            .db;
            match accountd::commands::unlock::run(&db, &user) {
                Ok(line) => {
                    println!("{line}");
                    Ok(())
                }
                Err(e) => {
                    eprintln!("accountd unlock: {e:#}");
                    std::process::exit(1);
                }
            }
        }
        Command::Schemas { out } => {
            let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
            let changed = runtime.block_on(accountd::schemas::write_schema_files(&out))?;
            println!("{changed} generated files updated in {}", out.display());
            Ok(())
        }
    }
}

/// Runs a command that talks to the service: prints its output, or its error (as the server words it) and
/// exits 1.
fn client_command(work: impl std::future::Future<Output = anyhow::Result<String>>) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    match runtime.block_on(work) {
        Ok(out) => {
            println!("{out}");
            Ok(())
        }
        Err(e) => {
            eprintln!("{e:#}");
            std::process::exit(1);
        }
    }
}

async fn call(args: CallArgs) -> anyhow::Result<serde_json::Value> {
    let params = args
        .args
        .iter()
        .enumerate()
        .map(|(i, a)| serde_json::from_str(a).with_context(|| format!("argument {} is not JSON: {a}", i + 1)))
        .collect::<anyhow::Result<Vec<serde_json::Value>>>()?;
    let (mut client, _) = args.connect.connect(&mut Prompter::new(), false).await?;
    Ok(client.call(&args.method, serde_json::Value::Array(params)).await??)
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("ACCOUNTD_LOG").unwrap_or_else(|_| "info".into());
    // Libraries that print whole frames or responses at trace level would log passwords and hashes: cap them.
    for directive in SECRET_SAFE_CAPS {
        filter = filter.add_directive(directive.parse()?);
    }
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    let from_flags = PartialSettings {
        listen: args.listen,
        db: args.db,
        home_root: args.home_root,
        argon2_m_kib: args.argon2_m_kib,
        argon2_t: args.argon2_t,
        argon2_p: args.argon2_p,
        login_failure_delay_ms: args.login_failure_delay_ms,
        max_connections: args.max_connections,
        unauthenticated_share_percent: args.unauthenticated_share_percent,
        trusted_proxy: args.trusted_proxy,
        login_timeout_ms: args.login_timeout_ms,
        write_timeout_ms: args.write_timeout_ms,
        outbound_queue_bytes: args.outbound_queue_bytes,
        rate_limit_max_calls: args.rate_limit_max_calls,
        rate_limit_window_ms: args.rate_limit_window_ms,
        rate_limit_sleep_min_ms: args.rate_limit_sleep_min_ms,
        rate_limit_sleep_max_ms: args.rate_limit_sleep_max_ms,
        read_cache_entries: args.read_cache_entries,
        tls_cert: args.tls_cert,
        tls_key: args.tls_key,
        audit: args.audit,
        audit_prune_interval_ms: args.audit_prune_interval_ms,
        ui_frame_ancestors: args.ui_frame_ancestors,
        mail_timeout_ms: args.mail_timeout_ms,
        mail_ca_file: args.mail_ca_file,
        audit_sync: args.audit_sync,
    };
    let from_file = match &args.config {
        Some(path) => PartialSettings::from_file(path)?,
        None => PartialSettings::default(),
    };
    let settings = from_flags.over(from_file).resolve()?;
    let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
    runtime.block_on(async move {
        let running = accountd::start(&settings).await?;
        tracing::info!(db = %settings.db.display(), home_root = %settings.home_root.display(), "started");
        // Handlers first: a SIGTERM sent as soon as the ready line is read must stop the service cleanly.
        let stop = stop_signals()?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", running.url())?;
        out.flush()?;
        drop(out);
        stop.wait().await;
        tracing::info!("shutting down");
        running.shutdown().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// SIGTERM and SIGINT, caught from the moment this returns.
struct StopSignals {
    term: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

fn stop_signals() -> anyhow::Result<StopSignals> {
    use tokio::signal::unix::{SignalKind, signal};
    Ok(StopSignals {
        term: signal(SignalKind::terminate()).context("installing SIGTERM handler")?,
        int: signal(SignalKind::interrupt()).context("installing SIGINT handler")?,
    })
}

impl StopSignals {
    /// Waits for either signal.
    async fn wait(mut self) {
        tokio::select! {
            _ = self.term.recv() => {},
            _ = self.int.recv() => {},
        }
    }
}

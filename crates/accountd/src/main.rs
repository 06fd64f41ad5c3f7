//! The `accountd` command.

use std::io::Write;
use std::path::PathBuf;

use accountd::commands::ConnectArgs;
use accountd::commands::prompt::Prompter;
use accountd::config::{ServeArgs, ServeSettings};
use anyhow::Context;
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand};

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
    /// example against a real in-process server), the HTML reference and the OpenRPC document; and the
    /// README's settings table.
    Schemas {
        /// Output directory.
        #[arg(long, default_value = "schemas")]
        out: PathBuf,
        /// The README whose settings table (between its marker comments) is rewritten; skipped when there is
        /// no such file.
        #[arg(long, default_value = "README.md")]
        readme: PathBuf,
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

/// Log levels that third-party crates never exceed, whatever `ACCOUNTD_LOG` says: at trace level they print
/// message payloads, which carry passwords.
const SECRET_SAFE_CAPS: [&str; 4] = [
    "tungstenite=debug",
    "tokio_tungstenite=debug",
    "jsonrpsee_core=debug",
    "jsonrpsee=debug",
];

fn main() -> anyhow::Result<()> {
    // Parsed in two steps: serving needs to know which settings clap filled in from their defaults.
    let matches = Cli::command().get_matches();
    let cli = Cli::from_arg_matches(&matches)
        .map_err(|e| e.format(&mut Cli::command()))
        .unwrap_or_else(|e| e.exit());
    match cli.command {
        Command::Serve(args) => {
            let serve_matches = matches.subcommand_matches("serve").context("the serve arguments")?;
            serve(*args, serve_matches)
        }
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
            let db = ServeSettings {
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
            let db = ServeSettings {
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
            let db = ServeSettings {
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
        Command::Schemas { out, readme } => {
            let runtime = tokio::runtime::Runtime::new().context("starting the runtime")?;
            let changed = runtime.block_on(accountd::schemas::write_schema_files(&out))?;
            println!("{changed} generated files updated in {}", out.display());
            if readme.is_file() {
                let updated = accountd::schemas::write_settings_table(&readme)?;
                let state = if updated { "updated" } else { "unchanged" };
                println!("settings table in {} {state}", readme.display());
            } else {
                println!("no {}: settings table not written", readme.display());
            }
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

fn serve(args: ServeArgs, matches: &clap::ArgMatches) -> anyhow::Result<()> {
    let mut filter = tracing_subscriber::EnvFilter::try_from_env("ACCOUNTD_LOG").unwrap_or_else(|_| "info".into());
    // Libraries that print whole frames or responses at trace level would log passwords and hashes: cap them.
    for directive in SECRET_SAFE_CAPS {
        filter = filter.add_directive(directive.parse()?);
    }
    if accountd::systemd::stderr_is_journal() {
        // journald stamps each line itself and reads its priority (the level) from the `<N>` prefix.
        let format = tracing_subscriber::fmt::format()
            .without_time()
            .with_level(false)
            .with_ansi(false);
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(false)
            .with_writer(std::io::stderr)
            .event_format(accountd::systemd::JournalFormat(format))
            .init();
    } else {
        tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .with_writer(std::io::stderr)
            .init();
    }
    let from_flags = args.settings.given_only(matches);
    let from_file = match &args.config {
        Some(path) => ServeSettings::from_file(path)?,
        None => ServeSettings::default(),
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
        // Under a `Type=notify` unit, the service manager learns here that the service listens.
        tell_service_manager(&format!("READY=1\nSTATUS=listening on {}", running.url()));
        stop.wait().await;
        tell_service_manager("STOPPING=1\nSTATUS=shutting down");
        tracing::info!("shutting down");
        running.shutdown().await?;
        tracing::info!("stopped");
        Ok(())
    })
}

/// Sends `state` to the service manager when there is one (`$NOTIFY_SOCKET`); a failure is logged, never fatal.
fn tell_service_manager(state: &str) {
    if let Err(e) = accountd::systemd::notify(state) {
        tracing::warn!(error = %e, "notifying the service manager failed");
    }
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

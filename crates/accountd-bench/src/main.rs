//! `accountd-bench`: seeds a database, starts the release `accountd serve` on it and measures each scenario of
//! the benchmark targets against baselines taken in the same run (see BENCHMARKS.md).

mod baseline;
mod client;
mod fairness;
mod load;
mod report;
mod scenarios;
mod seed;
mod server;
mod stats;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;

/// Load generator and benchmark for accountd.
#[derive(Debug, Parser)]
#[command(name = "accountd-bench", version, about)]
struct Cli {
    /// Users to seed (the scaling table uses 1000, 10000 and 100000).
    #[arg(long, default_value_t = 10_000)]
    users: u64,
    /// Seconds each timed load runs.
    #[arg(long, default_value_t = 3.0)]
    duration: f64,
    /// Connections for the throughput loads (get, create).
    #[arg(long, default_value_t = 16)]
    connections: usize,
    /// Connections of the login storm.
    #[arg(long, default_value_t = 32)]
    login_connections: usize,
    /// Idle logged-in connections to hold.
    #[arg(long, default_value_t = 10_000)]
    idle_connections: usize,
    /// Scenarios to run, comma-separated [default: all:
    /// startup,ping,get,query,list,create,login,ldap,fairness,audit,idle].
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// The accountd binary [default: `accountd` next to this program, i.e. target/release/accountd].
    #[arg(long)]
    server: Option<PathBuf>,
    /// Working directory for the database [default: a temporary directory, removed afterwards].
    #[arg(long)]
    workdir: Option<PathBuf>,
    /// Also print the report as Markdown tables (for BENCHMARKS.md).
    #[arg(long)]
    markdown: bool,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let nofile = server::raise_nofile_limit().context("raising RLIMIT_NOFILE")?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let binary = match cli.server.clone() {
        Some(b) => b,
        None => server::default_binary()?,
    };
    anyhow::ensure!(
        binary.is_file(),
        "{} not found: build it with `cargo build --release -p accountd -p accountd-bench`",
        binary.display()
    );
    if cli.idle_connections as u64 + 256 > nofile {
        anyhow::bail!(
            "RLIMIT_NOFILE is {nofile}: too low for {} connections",
            cli.idle_connections
        );
    }
    let temp = tempfile::Builder::new().prefix("accountd-bench-").tempdir()?;
    let workdir = cli.workdir.clone().unwrap_or_else(|| temp.path().to_path_buf());
    std::fs::create_dir_all(&workdir)?;
    let _ = std::fs::remove_file(workdir.join("accountd.db"));
    let settings = scenarios::Settings {
        binary,
        workdir,
        users: cli.users,
        duration: Duration::from_secs_f64(cli.duration),
        connections: cli.connections,
        login_connections: cli.login_connections,
        idle_connections: cli.idle_connections,
        cores,
    };
    let selected: Vec<String> = if cli.only.is_empty() {
        scenarios::ALL.iter().map(|s| s.to_string()).collect()
    } else {
        cli.only.clone()
    };
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let report = runtime.block_on(async move {
        let mut bench = scenarios::Bench::new(settings).await?;
        bench.report.fact("cores", cores.to_string());
        bench.report.fact("RLIMIT_NOFILE", nofile.to_string());
        let mut result = Ok(());
        for name in &selected {
            if let Err(e) = bench.run(name).await {
                result = Err(e.context(format!("scenario {name}")));
                break;
            }
        }
        bench.finish()?;
        result.map(|()| bench.report)
    })?;
    let misses = report.checks.iter().filter(|c| !c.pass()).count();
    println!("\n{} targets checked, {misses} missed", report.checks.len());
    if cli.markdown {
        println!("\n{}", report.markdown());
    }
    Ok(())
}

//! The server under test: the release `accountd serve` as a child process, and its resource use read from
//! `/proc/<pid>`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture we run on.
const TICKS_PER_SECOND: f64 = 100.0;

/// A running `accountd serve`.
pub struct Server {
    child: Child,
    /// `ws://127.0.0.1:PORT/api/current`.
    pub url: String,
    /// Time from spawning the process to its "listening on" line.
    pub startup: Duration,
}

/// CPU time and memory of the server at one instant.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    at: Instant,
    cpu_ticks: u64,
    /// Resident set size in bytes.
    pub rss: u64,
}

impl Server {
    /// Starts `binary serve` on `db` (port chosen by the kernel) and waits until it listens. The server keeps
    /// its production defaults (argon2id cost included) except two limits a benchmark from one address must
    /// lift: the unauthenticated-call rate limit (every login of the storm comes from 127.0.0.1) and the
    /// connection cap (`max_connections`).
    pub fn start(binary: &Path, db: &Path, home_root: &Path, max_connections: usize) -> anyhow::Result<Server> {
        Server::start_configured(binary, db, home_root, max_connections, "")
    }

    /// [`Server::start`] with more TOML settings (`extra`, whole lines).
    pub fn start_configured(
        binary: &Path,
        db: &Path,
        home_root: &Path,
        max_connections: usize,
        extra: &str,
    ) -> anyhow::Result<Server> {
        let config = db.with_extension("toml");
        std::fs::write(
            &config,
            format!("rate_limit_max_calls = 4000000000\nmax_connections = {max_connections}\n{extra}"),
        )?;
        let started = Instant::now();
        let mut child = Command::new(binary)
            .arg("serve")
            .args(["--listen", "127.0.0.1:0"])
            .arg("--db")
            .arg(db)
            .arg("--home-root")
            .arg(home_root)
            .arg("--config")
            .arg(&config)
            .env_remove("ACCOUNTD_CONFIG")
            .env_remove("ACCOUNTD_ARGON2_M_KIB")
            .env_remove("ACCOUNTD_ARGON2_T")
            .env_remove("ACCOUNTD_ARGON2_P")
            .env_remove("ACCOUNTD_LOG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let url = loop {
            match lines.next() {
                Some(line) => {
                    if let Some(url) = line?.strip_prefix("listening on ") {
                        break url.trim().to_string();
                    }
                }
                None => {
                    let status = child.wait()?;
                    bail!("the server exited before listening ({status})");
                }
            }
        };
        let startup = started.elapsed();
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        Ok(Server { child, url, startup })
    }

    /// Waits until the server uses less than 5% of a core over 100 ms, so that background work (the read
    /// cache fill after start-up, say) does not run during a measurement; gives up after `max`. Returns how long
    /// it waited.
    pub async fn wait_until_idle(&self, max: Duration) -> anyhow::Result<Duration> {
        let started = Instant::now();
        let mut before = self.sample()?;
        while started.elapsed() < max {
            #[allow(
                clippy::disallowed_methods,
                reason = "samples the server process's CPU time at intervals of real time"
            )]
            tokio::time::sleep(Duration::from_millis(100)).await;
            let now = self.sample()?;
            if now.cpu_percent_since(&before) < 5.0 {
                break;
            }
            before = now;
        }
        Ok(started.elapsed())
    }

    /// The child's pid.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// CPU time used so far and current RSS.
    pub fn sample(&self) -> anyhow::Result<Sample> {
        let pid = self.pid();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
        // Fields after the command name (which may hold spaces) start at state (field 3).
        let rest = stat.rsplit_once(')').map(|(_, r)| r).context("bad /proc stat")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: u64 = fields.get(11).context("utime")?.parse()?;
        let stime: u64 = fields.get(12).context("stime")?.parse()?;
        Ok(Sample {
            at: Instant::now(),
            cpu_ticks: utime + stime,
            rss: status_kib(pid, "VmRSS:")? * 1024,
        })
    }

    /// Peak RSS so far, in bytes.
    pub fn peak_rss(&self) -> anyhow::Result<u64> {
        Ok(status_kib(self.pid(), "VmHWM:")? * 1024)
    }

    /// Stops the server with SIGTERM (a graceful shutdown) and waits for it.
    pub fn stop(mut self) -> anyhow::Result<()> {
        let pid = rustix::process::Pid::from_raw(self.pid() as i32).context("pid")?;
        rustix::process::kill_process(pid, rustix::process::Signal::TERM)?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if self.child.try_wait()?.is_some() {
                return Ok(());
            }
            #[allow(
                clippy::disallowed_methods,
                reason = "polls the server process for its exit, under a deadline"
            )]
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill()?;
        self.child.wait()?;
        bail!("the server did not stop within 10 s of SIGTERM")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Sample {
    /// Average CPU use between two samples, in percent of one core.
    pub fn cpu_percent_since(&self, earlier: &Sample) -> f64 {
        let wall = self.at.duration_since(earlier.at).as_secs_f64();
        if wall <= 0.0 {
            return 0.0;
        }
        (self.cpu_ticks.saturating_sub(earlier.cpu_ticks) as f64 / TICKS_PER_SECOND) / wall * 100.0
    }
}

fn status_kib(pid: u32, key: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with(key))
        .with_context(|| format!("{key} missing"))?;
    Ok(line[key.len()..].trim().trim_end_matches("kB").trim().parse()?)
}

/// The `accountd` binary next to this one (both are built by `cargo build --release -p accountd -p
/// accountd-bench`).
pub fn default_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe()?;
    let dir = me.parent().context("no directory")?;
    Ok(dir.join("accountd"))
}

/// Raises this process's open-file soft limit to its hard limit (the server inherits it), so that 10,000
/// connections fit on both ends. Returns the new soft limit.
pub fn raise_nofile_limit() -> anyhow::Result<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let current = getrlimit(Resource::Nofile);
    let wanted = Rlimit {
        current: current.maximum,
        maximum: current.maximum,
    };
    setrlimit(Resource::Nofile, wanted)?;
    Ok(getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX))
}

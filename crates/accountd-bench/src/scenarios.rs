//! The scenarios of the benchmark issue, each bounded in time and count, each compared with a baseline measured
//! in the same run.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rand::Rng;
use serde_json::Value;

mod ldap;

use crate::baseline;
use crate::client::Conn;
use crate::load::{self, Load, Outcome};
use crate::report::{Bound, Check, Report, Row, mb};
use crate::seed::{self, Seeded};
use crate::server::Server;
use crate::stats::{Summary, fmt_duration as ms, median};

/// Every scenario, in the order they run.
pub const ALL: &[&str] = &[
    "startup", "ping", "get", "query", "list", "create", "login", "ldap", "fairness", "audit", "idle",
];

/// How a run is set up.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The `accountd` binary.
    pub binary: PathBuf,
    /// Working directory (database, homes).
    pub workdir: PathBuf,
    /// Seeded users.
    pub users: u64,
    /// Length of each timed load.
    pub duration: Duration,
    /// Connections for the throughput loads.
    pub connections: usize,
    /// Connections for the login storm.
    pub login_connections: usize,
    /// Connections held by the idle scenario.
    pub idle_connections: usize,
    /// Threads for the in-process argon2 baseline (the server's hasher allows one per core).
    pub cores: usize,
}

/// A run in progress.
pub struct Bench {
    settings: Settings,
    db: PathBuf,
    home_root: PathBuf,
    seeded: Seeded,
    server: Option<Server>,
    /// What was measured.
    pub report: Report,
    ping1: Option<Summary>,
    ping_n: Option<Summary>,
    get1: Option<Summary>,
}

impl Bench {
    /// Seeds the database and starts the server.
    pub async fn new(settings: Settings) -> anyhow::Result<Bench> {
        let db = settings.workdir.join("accountd.db");
        let home_root = settings.workdir.join("homes");
        std::fs::create_dir_all(&home_root)?;
        println!("seeding {} users into {}", settings.users, db.display());
        let seeded = seed::seed(&db, settings.users).await?;
        let mut report = Report::default();
        report.fact(
            "users seeded",
            format!("{} in {:.1} s", seeded.users, seeded.took.as_secs_f64()),
        );
        let server = start_server(&settings, &db, &home_root)?;
        report.fact("server", format!("{} (pid {})", server.url, server.pid()));
        Ok(Bench {
            settings,
            db,
            home_root,
            seeded,
            server: Some(server),
            report,
            ping1: None,
            ping_n: None,
            get1: None,
        })
    }

    fn server(&self) -> anyhow::Result<&Server> {
        self.server
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("server not running"))
    }

    fn url(&self) -> anyhow::Result<String> {
        Ok(self.server()?.url.clone())
    }

    /// Runs one named scenario.
    pub async fn run(&mut self, name: &str) -> anyhow::Result<()> {
        println!("\n== {name}");
        match name {
            "startup" => self.startup().await,
            "ping" => self.ping().await,
            "get" => self.get().await,
            "query" => self.query().await,
            "list" => self.list().await,
            "create" => self.create().await,
            "login" => self.login().await,
            "ldap" => self.ldap().await,
            "fairness" => {
                let server = self
                    .server
                    .as_ref()
                    .ok_or_else(|| anyhow::anyhow!("server not running"))?;
                server.wait_until_idle(Duration::from_secs(60)).await?;
                let (conns, duration) = (self.settings.login_connections, self.settings.duration);
                crate::fairness::run(server, conns, duration, &mut self.report).await
            }
            "audit" => self.audit().await,
            "idle" => self.idle().await,
            other => anyhow::bail!("unknown scenario {other}; known: {}", ALL.join(", ")),
        }
    }

    /// Stops the server.
    pub fn finish(&mut self) -> anyhow::Result<()> {
        if let Some(s) = self.server.take() {
            let peak = s.peak_rss()?;
            self.report
                .fact("server peak RSS over the run", format!("{:.1} MB", mb(peak)));
            s.stop()?;
        }
        Ok(())
    }

    /// Drives a load and records it with the server's CPU and RSS.
    async fn measure(&mut self, name: &str, load: &Load) -> anyhow::Result<Outcome> {
        let url = self.url()?;
        let waited = self.server()?.wait_until_idle(Duration::from_secs(60)).await?;
        if waited > Duration::from_millis(500) {
            println!("  (waited {} for the server to finish background work)", ms(waited));
        }
        let before = self.server()?.sample()?;
        let out = load::run(&url, load).await?;
        let after = self.server()?.sample()?;
        if let Some(e) = &out.first_error {
            println!("  ({name}: {} errors, first: {e})", out.summary.errors);
        }
        self.report.row(Row {
            name: name.to_string(),
            connections: load.connections,
            summary: out.summary.clone(),
            cpu: after.cpu_percent_since(&before),
            rss: after.rss,
        });
        Ok(out)
    }

    fn load(&self, connections: usize, method: &'static str, params: load::ParamsFn) -> Load {
        Load {
            connections,
            duration: self.settings.duration,
            max_calls_per_connection: None,
            login: Some((seed::ADMIN, seed::ADMIN_PASSWORD)),
            method,
            params,
            collect: None,
        }
    }

    /// Start-up to "listening" with every seeded user in the database (median of three starts).
    async fn startup(&mut self) -> anyhow::Result<()> {
        let mut times = vec![self.server()?.startup];
        for _ in 0..2 {
            if let Some(s) = self.server.take() {
                s.stop()?;
            }
            let s = start_server(&self.settings, &self.db, &self.home_root)?;
            times.push(s.startup);
            self.server = Some(s);
        }
        let rss = self.server()?.sample()?.rss;
        let startup = median(times.clone());
        self.report.fact(
            "start-up to listening",
            format!(
                "{} median of {:?}; idle RSS {:.1} MB",
                ms(startup),
                times.iter().map(|t| ms(*t)).collect::<Vec<_>>(),
                mb(rss)
            ),
        );
        self.report.check(Check {
            target: format!("start-up to listening with {} users < 500 ms", self.seeded.users),
            measured: ms(startup),
            ratio: startup.as_secs_f64() * 1000.0,
            limit: 500.0,
            bound: Bound::AtMost,
        });
        Ok(())
    }

    /// `core.ping`: the transport's limit, with one connection (latency) and with N (throughput).
    async fn ping(&mut self) -> anyhow::Result<()> {
        let params: load::ParamsFn = Arc::new(|_, _| "[]".to_string());
        let one = self.load(1, "core.ping", params.clone());
        self.ping1 = Some(self.measure("core.ping", &one).await?.summary);
        let n = self.load(self.settings.connections, "core.ping", params);
        self.ping_n = Some(self.measure("core.ping", &n).await?.summary);
        Ok(())
    }

    async fn need_ping(&mut self) -> anyhow::Result<(Summary, Summary)> {
        if self.ping1.is_none() || self.ping_n.is_none() {
            self.ping().await?;
        }
        match (&self.ping1, &self.ping_n) {
            (Some(a), Some(b)) => Ok((a.clone(), b.clone())),
            _ => anyhow::bail!("no ping baseline"),
        }
    }

    fn random_id_params(&self, method_args: fn(i64) -> String) -> load::ParamsFn {
        let (first, count) = (self.seeded.first_id, self.seeded.users.max(1));
        Arc::new(move |_, _| method_args(first + rand::thread_rng().gen_range(0..count) as i64))
    }

    /// `user.get_instance` by id vs `core.ping`, plus SQLite point reads in-process for scale.
    async fn get(&mut self) -> anyhow::Result<()> {
        let (ping1, ping_n) = self.need_ping().await?;
        let reads = baseline::sqlite_point_reads(
            &self.db,
            self.seeded.first_id,
            self.seeded.users,
            Duration::from_secs(1),
        )?;
        self.report.fact(
            "baseline: SQLite point reads in-process (1 thread)",
            format!("{:.0}/s, p50 {}", reads.throughput(), ms(reads.p50)),
        );
        let params = self.random_id_params(|id| format!("[{id}]"));
        let one = self.load(1, "user.get_instance", params.clone());
        let get1 = self.measure("user.get_instance", &one).await?.summary;
        let n = self.load(self.settings.connections, "user.get_instance", params);
        let get_n = self.measure("user.get_instance", &n).await?.summary;
        self.report.check(Check::latency(
            "user.get_instance p50 ≤ 1.5× core.ping p50",
            get1.p50,
            ping1.p50,
            1.5,
        ));
        self.report.check(Check {
            target: format!(
                "user.get_instance throughput ({} conns) ≥ 50% of core.ping's",
                self.settings.connections
            ),
            measured: format!("{:.0}/s vs {:.0}/s", get_n.throughput(), ping_n.throughput()),
            ratio: get_n.throughput() / ping_n.throughput().max(1e-9),
            limit: 0.5,
            bound: Bound::AtLeast,
        });
        self.report.fact(
            "user.get_instance vs SQLite point reads",
            format!(
                "{:.2}× the in-process read rate",
                get_n.throughput() / reads.throughput().max(1e-9)
            ),
        );
        self.get1 = Some(get1);
        Ok(())
    }

    /// `user.query` filtered on `username` and on `uid` vs `user.get_instance`.
    async fn query(&mut self) -> anyhow::Result<()> {
        if self.get1.is_none() {
            self.get().await?;
        }
        let get1 = self.get1.clone().unwrap_or_default();
        let count = self.seeded.users.max(1);
        let by_name: load::ParamsFn = Arc::new(move |_, _| {
            let i = rand::thread_rng().gen_range(0..count);
            format!(r#"[[["username","=","{}"]]]"#, seed::username(i))
        });
        let by_uid: load::ParamsFn = Arc::new(move |_, _| {
            let i = rand::thread_rng().gen_range(0..count);
            format!(r#"[[["uid","=",{}]]]"#, seed::uid(i))
        });
        for (label, params) in [("username", by_name), ("uid", by_uid)] {
            let load = self.load(1, "user.query", params);
            let s = self.measure(&format!("user.query {label} ="), &load).await?.summary;
            self.report.check(Check::latency(
                format!(
                    "user.query on {label} over {} users: p50 ≤ 2× user.get_instance p50",
                    self.seeded.users
                ),
                s.p50,
                get1.p50,
                2.0,
            ));
        }
        Ok(())
    }

    /// A full listing (up to `MAX_LIMIT` = 10,000 users) vs reading and serializing the same users in-process.
    async fn list(&mut self) -> anyhow::Result<()> {
        // Besides the bench users: the 54 builtin users, the administrator and the idle-connection account.
        let listed = (self.seeded.users + 56).min(10_000);
        let (in_process, bytes) = baseline::listing_in_process(&self.db, 10_000, 5)?;
        self.report.fact(
            format!("baseline: read + assemble + serialize {listed} users in-process"),
            format!("{} ({:.1} MB of JSON)", ms(in_process), mb(bytes as u64)),
        );
        let mut load = self.load(1, "user.query", Arc::new(|_, _| r#"[[],{"limit":10000}]"#.to_string()));
        load.duration = Duration::from_secs(120);
        load.max_calls_per_connection = Some(5);
        let s = self
            .measure(&format!("user.query listing {listed}"), &load)
            .await?
            .summary;
        self.report.check(Check::latency(
            format!("listing of {listed} users ≤ 3× in-process read + serialize"),
            s.p50,
            in_process,
            3.0,
        ));
        Ok(())
    }

    /// `user.create` (password login disabled) from N connections vs raw single-row inserts; then every
    /// returned uid must be distinct and stored.
    async fn create(&mut self) -> anyhow::Result<()> {
        let raw = baseline::sqlite_insert_rate(&self.settings.workdir, Duration::from_secs(2))?;
        self.report.fact(
            "baseline: raw single-row SQLite inserts (own transaction each, WAL, synchronous=FULL)",
            format!("{raw:.0}/s"),
        );
        let params: load::ParamsFn = Arc::new(|c, n| {
            format!(
                r#"[{{"username":"bc{c}n{n}","full_name":"Bench create","group_create":true,"password_disabled":true,"smb":false}}]"#
            )
        });
        let mut load = self.load(self.settings.connections, "user.create", params);
        load.collect = Some(uid_of_reply);
        let out = self.measure("user.create", &load).await?;
        let s = &out.summary;
        self.report.check(Check {
            target: format!(
                "user.create ({} conns) ≥ 30% of raw single-row insert throughput",
                self.settings.connections
            ),
            measured: format!("{:.0}/s vs {raw:.0}/s", s.throughput()),
            ratio: s.throughput() / raw.max(1e-9),
            limit: 0.3,
            bound: Bound::AtLeast,
        });
        let returned: HashSet<i64> = out.collected.iter().copied().collect();
        let stored = stored_bench_uids(&self.db)?;
        let duplicated = out.collected.len() - returned.len();
        let lost = returned.difference(&stored).count() + stored.difference(&returned).count();
        self.report.check(Check {
            target: "user.create: no lost or duplicated uid".into(),
            measured: format!(
                "{} created, {} uids returned, {} stored, {duplicated} duplicated, {lost} lost",
                s.calls,
                out.collected.len(),
                stored.len()
            ),
            ratio: (duplicated + lost + (s.calls as usize).abs_diff(out.collected.len())) as f64,
            limit: 0.0,
            bound: Bound::AtMost,
        });
        Ok(())
    }

    /// Login storm with production-cost argon2id from many connections vs raw argon2 verifications, while a
    /// probe pings every 5 ms.
    async fn login(&mut self) -> anyhow::Result<()> {
        let url = self.url()?;
        let interval = Duration::from_millis(5);
        let idle = load::probe(&url, None, "core.ping", "[]", interval, self.settings.duration).await?;
        self.report.fact(
            "core.ping probe (every 5 ms) on an idle server",
            format!("p50 {} p99 {} max {}", ms(idle.p50), ms(idle.p99), ms(idle.max)),
        );
        let cores = self.settings.cores;
        let raw = baseline::argon2_rate(
            &self.db,
            seed::ADMIN,
            seed::ADMIN_PASSWORD,
            cores,
            self.settings.duration,
        )?;
        self.report.fact(
            format!("baseline: argon2id verifications in-process ({cores} threads, m=19456 KiB t=2 p=1)"),
            format!("{raw:.1}/s"),
        );
        let login_params = crate::client::login_params(seed::ADMIN, seed::ADMIN_PASSWORD).to_string();
        let mut storm = self.load(
            self.settings.login_connections,
            "auth.login_ex",
            Arc::new(move |_, _| login_params.clone()),
        );
        storm.login = None;
        let probe_url = url.clone();
        let duration = self.settings.duration;
        let probe = tokio::spawn(async move {
            #[allow(
                clippy::disallowed_methods,
                reason = "a benchmark on real time: the probe starts once the storm filled the queue"
            )]
            tokio::time::sleep(Duration::from_millis(300)).await;
            load::probe(
                &probe_url,
                None,
                "core.ping",
                "[]",
                interval,
                duration.saturating_sub(Duration::from_millis(600)),
            )
            .await
        });
        let s = self.measure("auth.login_ex (argon2id)", &storm).await?.summary;
        let busy = probe.await??;
        self.report.row(Row {
            name: "core.ping probe during the storm".into(),
            connections: 1,
            summary: busy.clone(),
            cpu: 0.0,
            rss: 0,
        });
        self.report.check(Check {
            target: format!(
                "login storm ({} conns) ≥ 85% of raw argon2 verify rate",
                self.settings.login_connections
            ),
            measured: format!("{:.1}/s vs {raw:.1}/s", s.throughput()),
            ratio: s.throughput() / raw.max(1e-9),
            limit: 0.85,
            bound: Bound::AtLeast,
        });
        self.report.check(Check::latency(
            "core.ping p99 during the login storm ≤ 5× idle p99",
            busy.p99,
            idle.p99,
            5.0,
        ));
        Ok(())
    }

    /// Restarts the server with auditing on or off, and the audit database's `audit_sync`.
    fn restart_with_audit(&mut self, on: bool, sync: &str) -> anyhow::Result<()> {
        if let Some(s) = self.server.take() {
            s.stop()?;
        }
        let extra = format!("audit = {on}\naudit_sync = \"{sync}\"\n");
        let max = self.settings.idle_connections + 256;
        let s = Server::start_configured(&self.settings.binary, &self.db, &self.home_root, max, &extra)?;
        self.server = Some(s);
        Ok(())
    }

    /// Bulk `user.create` and the login storm with the audit log off and on (each call then also commits an
    /// audit entry to the audit database before its reply): auditing with the default `audit_sync = "full"`
    /// must keep 90% of the throughput. Runs with `audit_sync = "normal"` show what skipping the audit commit's
    /// `fsync` saves. Every create adds a user, and a bigger table makes later creates slower, so the rounds run
    /// in the order off, on, normal, normal, on, off: each setting's mean then carries the same drift.
    async fn audit(&mut self) -> anyhow::Result<()> {
        let settings = [
            ("off", false, "full"),
            ("on", true, "full"),
            ("on, sync normal", true, "normal"),
        ];
        let mut sums = [(0.0_f64, 0.0_f64); 3];
        for (round, which) in [0, 1, 2, 2, 1, 0].into_iter().enumerate() {
            let (tag, on, sync) = settings[which];
            self.restart_with_audit(on, sync)?;
            let create_params: load::ParamsFn = Arc::new(move |c, n| {
                format!(
                    r#"[{{"username":"ba{round}c{c}n{n}","full_name":"Bench audit","group_create":true,"password_disabled":true,"smb":false}}]"#
                )
            });
            let create = self.load(self.settings.connections, "user.create", create_params);
            let created = self
                .measure(&format!("user.create, audit {tag}"), &create)
                .await?
                .summary;
            let login_params = crate::client::login_params(seed::ADMIN, seed::ADMIN_PASSWORD).to_string();
            let mut storm = self.load(
                self.settings.login_connections,
                "auth.login_ex",
                Arc::new(move |_, _| login_params.clone()),
            );
            storm.login = None;
            let logins = self
                .measure(&format!("auth.login_ex, audit {tag}"), &storm)
                .await?
                .summary;
            sums[which].0 += created.throughput() / 2.0;
            sums[which].1 += logins.throughput() / 2.0;
        }
        let rates = sums.to_vec();
        let [
            (create_off, login_off),
            (create_on, login_on),
            (create_normal, login_normal),
        ] = rates[..]
        else {
            anyhow::bail!("three settings expected");
        };
        self.report.fact(
            "with audit_sync = \"normal\"",
            format!(
                "user.create {create_normal:.1}/s ({:.2} of off), login storm {login_normal:.1}/s ({:.2} of off)",
                create_normal / create_off.max(1e-9),
                login_normal / login_off.max(1e-9)
            ),
        );
        for (what, off, on) in [
            ("user.create", create_off, create_on),
            ("login storm", login_off, login_on),
        ] {
            self.report.check(Check {
                target: format!("{what} with the audit log on ≥ 90% of its throughput with it off (mean of 2 rounds)"),
                measured: format!("{on:.1}/s vs {off:.1}/s"),
                ratio: on / off.max(1e-9),
                limit: 0.9,
                bound: Bound::AtLeast,
            });
        }
        Ok(())
    }

    /// Holds many idle logged-in connections and reads the server's RSS.
    async fn idle(&mut self) -> anyhow::Result<()> {
        let url = self.url()?;
        let n = self.settings.idle_connections;
        let before = self.server()?.sample()?;
        let started = std::time::Instant::now();
        let results: Vec<anyhow::Result<Conn>> = futures::stream::iter(0..n)
            .map(|_| {
                let url = url.clone();
                async move {
                    let mut c = Conn::connect(&url).await?;
                    c.login(seed::IDLE_USER, seed::IDLE_PASSWORD).await?;
                    Ok(c)
                }
            })
            .buffer_unordered(64)
            .collect()
            .await;
        let opened = started.elapsed();
        let mut conns = Vec::with_capacity(n);
        let mut first_error = None;
        for r in results {
            match r {
                Ok(c) => conns.push(c),
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            println!("  ({} of {n} connections failed; first: {e:#})", n - conns.len());
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "a benchmark on real time: lets the connections settle before measuring"
        )]
        tokio::time::sleep(Duration::from_secs(1)).await;
        let held = self.server()?.sample()?;
        let probe = load::probe(
            &url,
            None,
            "core.ping",
            "[]",
            Duration::from_millis(5),
            self.settings.duration,
        )
        .await?;
        let per_conn = held.rss.saturating_sub(before.rss) as f64 / conns.len().max(1) as f64;
        self.report.fact(
            format!("{} idle logged-in connections", conns.len()),
            format!(
                "opened in {:.1} s; server RSS {:.1} MB → {:.1} MB ({:.1} KB per connection); ping p50 {} p99 {} meanwhile",
                opened.as_secs_f64(),
                mb(before.rss),
                mb(held.rss),
                per_conn / 1000.0,
                ms(probe.p50),
                ms(probe.p99)
            ),
        );
        self.report.row(Row {
            name: format!("core.ping with {} idle connections held", conns.len()),
            connections: 1,
            summary: probe,
            cpu: 0.0,
            rss: held.rss,
        });
        self.report.check(Check {
            target: format!("{n} idle logged-in connections: server RSS < 300 MB"),
            measured: format!("{:.1} MB with {} connections", mb(held.rss), conns.len()),
            ratio: if conns.len() == n { mb(held.rss) } else { f64::INFINITY },
            limit: 300.0,
            bound: Bound::AtMost,
        });
        futures::stream::iter(conns)
            .for_each_concurrent(256, |c| c.close())
            .await;
        Ok(())
    }
}

/// Starts the server on the seeded database, with room for the idle scenario's connections.
fn start_server(settings: &Settings, db: &std::path::Path, home_root: &std::path::Path) -> anyhow::Result<Server> {
    Server::start(&settings.binary, db, home_root, settings.idle_connections + 256)
}

fn uid_of_reply(reply: &str) -> Option<i64> {
    let v: Value = serde_json::from_str(reply).ok()?;
    v["result"]["uid"].as_i64()
}

/// uids of the users the create scenario made (names `bc<conn>n<seq>`).
fn stored_bench_uids(db: &std::path::Path) -> anyhow::Result<HashSet<i64>> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut stmt = conn.prepare("SELECT uid FROM users WHERE username GLOB 'bc[0-9]*n[0-9]*'")?;
    let uids = stmt.query_map([], |r| r.get(0))?.collect::<Result<HashSet<i64>, _>>()?;
    Ok(uids)
}

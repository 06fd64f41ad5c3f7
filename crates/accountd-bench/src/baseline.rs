//! The hardware's limits, measured in-process in the same run: argon2id verifications, SQLite point reads and
//! single-row inserts, and reading + serializing a listing without any transport.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use accountd_core::entry::Directory;
use accountd_core::password::{Argon2Params, PasswordHasher};
use accountd_store::users;
use anyhow::Context;
use rand::Rng;
use rusqlite::{Connection, OpenFlags};

use crate::stats::{Summary, median};

fn read_only(db: &Path) -> anyhow::Result<Connection> {
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    accountd_store::secrets::install_existing_key(&conn, db)?;
    Ok(conn)
}

/// argon2id verifications per second of `username`'s stored hash, with `threads` threads verifying at once
/// (the server's hasher allows as many as there are cores).
pub fn argon2_rate(
    db: &Path,
    username: &str,
    password: &str,
    threads: usize,
    duration: Duration,
) -> anyhow::Result<f64> {
    let conn = read_only(db)?;
    let phc = users::by_username(&conn, username)?
        .with_context(|| format!("{username} not seeded"))?
        .unixhash;
    let hasher = PasswordHasher::new(Argon2Params::default(), threads).map_err(|e| anyhow::anyhow!("{e}"))?;
    let started = Instant::now();
    let deadline = started + duration;
    let verified: u64 = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                let (hasher, phc) = (&hasher, phc.as_str());
                s.spawn(move || {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        if hasher.verify_blocking(password, Some(phc)) {
                            n += 1;
                        }
                    }
                    n
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    Ok(crate::stats::per_second(verified, started.elapsed()))
}

/// Point reads of whole user rows by primary key (random ids among the bench users), one thread.
pub fn sqlite_point_reads(db: &Path, first_id: i64, count: u64, duration: Duration) -> anyhow::Result<Summary> {
    let conn = read_only(db)?;
    let mut rng = rand::thread_rng();
    let mut samples = Vec::new();
    let started = Instant::now();
    while started.elapsed() < duration {
        let id = first_id + rng.gen_range(0..count.max(1)) as i64;
        let t = Instant::now();
        let row = users::get(&conn, id)?;
        samples.push(t.elapsed().as_nanos() as u64);
        anyhow::ensure!(row.is_some(), "user {id} missing");
    }
    Ok(Summary::from_samples(samples, 0, started.elapsed()))
}

/// Single-row inserts per second, each in its own transaction, on a scratch database in `dir` opened like
/// the server's (WAL, synchronous=FULL).
pub fn sqlite_insert_rate(dir: &Path, duration: Duration) -> anyhow::Result<f64> {
    let path: PathBuf = dir.join("insert-baseline.db");
    let _ = std::fs::remove_file(&path);
    let conn = Connection::open(&path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, uid INTEGER NOT NULL UNIQUE)",
    )?;
    let mut stmt = conn.prepare("INSERT INTO t (name, uid) VALUES (?1, ?2)")?;
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < duration {
        stmt.execute(rusqlite::params![format!("row{n}"), n as i64])?;
        n += 1;
    }
    let rate = crate::stats::per_second(n, started.elapsed());
    drop(stmt);
    drop(conn);
    let _ = std::fs::remove_file(&path);
    Ok(rate)
}

/// Reads the first `limit` users (by id), assembles their entries and serializes them to JSON, in-process:
/// the median time of `runs` repetitions, and the size of the JSON.
pub fn listing_in_process(db: &Path, limit: u64, runs: usize) -> anyhow::Result<(Duration, usize)> {
    let conn = read_only(db)?;
    #[allow(
        clippy::disallowed_methods,
        reason = "entries are assembled as of now, as the measured server does"
    )]
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis() as i64;
    let home_root = Path::new("/nonexistent-home-root");
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let rows = users::select(
            &conn,
            "id IN (SELECT id FROM users ORDER BY id LIMIT ?1)",
            &[&(limit as i64)],
        )?;
        let dir = Directory::load_for_users(&conn, &rows)?;
        let entries: Vec<_> = rows.iter().map(|r| dir.user_entry(r, now, home_root)).collect();
        let json = serde_json::to_vec(&entries)?;
        times.push(started.elapsed());
        size = json.len();
    }
    Ok((median(times), size))
}

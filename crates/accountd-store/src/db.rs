//! The store handle: a writer thread and a pool of read-only connections.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::metrics::CommitMetrics;
use crate::threads::{ReaderPool, WriterThread};
use crate::{files, secrets};

/// How to open the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Database file.
    pub path: PathBuf,
    /// Number of read-only connections.
    pub readers: usize,
}

impl StoreOptions {
    /// Defaults for a database file: as many readers as cores (at least 2).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        let cores = thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
        StoreOptions {
            path: path.into(),
            readers: cores.max(2),
        }
    }
}

type WriteJob = Box<dyn FnOnce(&mut Connection) + Send>;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    writer: WriterThread<WriteJob>,
    readers: ReaderPool,
    path: PathBuf,
    /// Committed write transactions since the store was opened.
    commits: AtomicU64,
    /// Commit latency and writes per commit.
    metrics: CommitMetrics,
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and migrates the database, then starts the writer thread.
    pub fn open(options: &StoreOptions) -> Result<Store, StoreError> {
        if let Some(parent) = options.path.parent() {
            files::create_private_dir(parent)?;
        }
        // Created 0600 before SQLite opens it: SQLite gives `-wal` and `-shm` the database file's mode.
        files::create_private_file(&options.path)?;
        files::tighten_database(&options.path)?;
        let mut writer = Connection::open(&options.path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        // WAL + synchronous=FULL: a committed transaction survives process crashes and power loss.
        writer.pragma_update(None, "synchronous", "FULL")?;
        configure(&writer)?;
        crate::migrations::migrate(&mut writer)?;
        crate::migrations::seed(&mut writer)?;
        crate::ids::install(&writer)?;
        let sealer = secrets::open(&mut writer, &options.path)?;

        let mut readers = Vec::with_capacity(options.readers);
        for _ in 0..options.readers.max(1) {
            let conn = Connection::open_with_flags(
                &options.path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
            )?;
            configure(&conn)?;
            sealer.install(&conn)?;
            readers.push(conn);
        }

        let writer = WriterThread::spawn(
            "accountd-sqlite-writer",
            move |mut rx: mpsc::UnboundedReceiver<WriteJob>| {
                while let Some(job) = rx.blocking_recv() {
                    job(&mut writer);
                }
                if let Err((_, e)) = writer.close() {
                    tracing::error!(error = %e, "closing the database failed");
                }
            },
        )?;

        Ok(Store {
            inner: Arc::new(Inner {
                writer,
                readers: ReaderPool::new(readers, "reader"),
                path: options.path.clone(),
                commits: AtomicU64::new(0),
                metrics: CommitMetrics::default(),
            }),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// How many write transactions have committed since the store was opened. It moves right after each
    /// commit, on the writer thread, before that write's hook runs and before its caller is answered: a cache
    /// of what it read can tell from it that some write, by whatever path, may have changed the data.
    pub fn commits(&self) -> u64 {
        self.inner.commits.load(Ordering::SeqCst)
    }

    /// The writer's commit measurements (for `/metrics`).
    pub fn commit_metrics(&self) -> &CommitMetrics {
        &self.inner.metrics
    }

    /// Runs `f` in one IMMEDIATE transaction on the writer thread; commits when it returns `Ok`, rolls back
    /// otherwise, so a failed call changes nothing.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
    {
        self.write_then(f, |_, _| {}).await
    }

    /// Like [`Store::write`], and after a successful commit runs `after` on the writer thread with the
    /// writer connection and the result. Hooks run in commit order, so whatever they publish is ordered like
    /// the commits.
    pub async fn write_then<T, E, F, H>(&self, f: F, after: H) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T, E> + Send + 'static,
        H: FnOnce(&Connection, &T) + Send + 'static,
    {
        let (reply_tx, reply_rx) = oneshot::channel();
        let inner = self.inner.clone();
        let job: WriteJob = Box::new(move |conn: &mut Connection| {
            let result = run_in_transaction(conn, f, &inner.metrics);
            if let Ok(value) = &result {
                inner.commits.fetch_add(1, Ordering::SeqCst);
                after(conn, value);
            }
            let _ = reply_tx.send(result);
        });
        self.inner.writer.send(job)?;
        reply_rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read-only connection on a blocking thread, inside one read transaction: every statement
    /// of `f` sees the same snapshot, and the WAL read lock is taken once rather than once per statement.
    pub async fn read<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        self.inner.readers.run(move |conn| read_in_transaction(conn, f)).await
    }

    /// Stops accepting writes, lets queued writes finish and closes the writer connection.
    pub fn close(&self) {
        self.inner.writer.close();
    }
}

fn read_in_transaction<T, E, F>(conn: &Connection, f: F) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&Connection) -> Result<T, E>,
{
    // A deferred transaction on a read-only connection: nothing to commit; ending it releases the snapshot.
    // The two statements are cached (rusqlite's `Transaction` would compile them on every read).
    conn.prepare_cached("BEGIN DEFERRED")
        .and_then(|mut s| s.execute([]))
        .map_err(StoreError::from)?;
    let result = f(conn);
    if let Err(e) = conn.prepare_cached("ROLLBACK").and_then(|mut s| s.execute([])) {
        tracing::error!(error = %e, "ending a read transaction failed");
    }
    result
}

fn run_in_transaction<T, E, F>(conn: &mut Connection, f: F, metrics: &CommitMetrics) -> Result<T, E>
where
    E: From<StoreError>,
    F: FnOnce(&Transaction<'_>) -> Result<T, E>,
{
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    match f(&tx) {
        Ok(v) => {
            let started = std::time::Instant::now();
            tx.commit().map_err(StoreError::from)?;
            metrics.observe(started.elapsed(), 1);
            Ok(v)
        }
        Err(e) => {
            if let Err(rb) = tx.rollback() {
                tracing::error!(error = %rb, "rollback failed");
            }
            Err(e)
        }
    }
}

/// Copies a live database into `dest` with SQLite's online backup (consistent even while the service writes),
/// then checks the copy with `PRAGMA integrity_check`.
pub fn backup_to(source: &Path, dest: &Path) -> Result<(), StoreError> {
    let src = Connection::open_with_flags(
        source,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    src.busy_timeout(Duration::from_secs(10))?;
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    // The copy holds the same secrets as the database: 0600 from the start.
    files::create_private_file(&tmp)?;
    {
        let mut out = Connection::open(&tmp)?;
        let backup = rusqlite::backup::Backup::new(&src, &mut out)?;
        backup.run_to_completion(256, Duration::from_millis(5), None)?;
    }
    let check = Connection::open(&tmp)?;
    let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    drop(check);
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "backup failed its integrity check: {verdict}"
        )));
    }
    std::fs::rename(&tmp, dest).map_err(|e| StoreError::Sqlite(format!("{}: {e}", dest.display())))?;
    Ok(())
}

/// Replaces the database at `db` with the backup `source` (the service must be stopped). The backup is
/// checked first, and the current database is kept as `<db>.before-restore`.
pub fn restore_from(source: &Path, db: &Path) -> Result<(), StoreError> {
    let check = Connection::open_with_flags(source, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = check.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    let version: i64 = check.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if verdict != "ok" || version == 0 {
        return Err(StoreError::Corrupt(format!(
            "{} is not a usable accountd backup ({verdict})",
            source.display()
        )));
    }
    secrets::check_restore(&check, source, db)?;
    drop(check);
    if db.exists() {
        let before = db.with_extension("before-restore");
        backup_to(db, &before)?;
        secrets::copy_key(db, &before)?;
    }
    // A backup made with its key file brings the key along; one without keeps the current key.
    secrets::copy_key(source, db)?;
    for suffix in ["-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
    backup_to(source, db)
}

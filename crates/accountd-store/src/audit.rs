//! The audit log's own SQLite database, beside the accounts database: its own file, its own writer thread and
//! its own readers, so that recording an entry never waits for, slows or fails an account write.
//!
//! Entries are appended in batches: the writer takes every entry queued while it was committing the previous
//! batch and commits them in one transaction (group commit), then acknowledges each. A caller that awaits the
//! acknowledgement knows its entry is committed. When other audited calls are under way (they said so with
//! [`AuditStore::expect_entry`]), the writer lingers [`LINGER`] before committing, so that their entries share
//! the commit; a lone call's entry is committed at once.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use rusqlite::types::Value as SqlParam;
use rusqlite::{Connection, OpenFlags, ToSql, TransactionBehavior, params_from_iter};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::metrics::CommitMetrics;
use crate::threads::{ReaderPool, WriterThread};

/// Entries committed in one transaction at most.
const MAX_BATCH: usize = 1024;

/// How long the writer waits for the entries of calls under way before committing a batch. Each commit
/// writes the touched pages of the table and its indexes to the WAL and syncs it: under a stream of audited
/// writes, batches of several entries cost a fraction of one commit each.
pub const LINGER: Duration = Duration::from_millis(2);

/// Days entries are kept when nothing else was set (TrueNAS `AUDIT_LIFETIME`).
pub const DEFAULT_RETENTION_DAYS: i64 = 7;

/// One stored entry.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditRow {
    /// UUID of the entry.
    pub audit_id: String,
    /// When the event happened, ms since the epoch.
    pub timestamp_ms: i64,
    /// Client IP address.
    pub address: String,
    /// The session's user.
    pub username: String,
    /// Session UUID.
    pub session: String,
    /// Service name (`MIDDLEWARE`).
    pub service: String,
    /// JSON object text.
    pub service_data: String,
    /// Event name.
    pub event: String,
    /// JSON object text.
    pub event_data: String,
    /// Whether the action succeeded.
    pub success: bool,
}

/// How many rows of a selection to read.
#[derive(Debug, Clone, PartialEq)]
pub struct RowPage {
    /// `ORDER BY` terms; empty: insertion order.
    pub order_sql: String,
    /// Rows at most; negative: all.
    pub limit: i64,
    /// Rows skipped.
    pub offset: i64,
}

/// The SQL expression of each entry field stored in its own column (for query pushdown).
pub mod columns {
    /// `audit_id`.
    pub const AUDIT_ID: &str = "audit_id";
    /// `message_timestamp` (seconds).
    pub const MESSAGE_TIMESTAMP: &str = "message_timestamp";
    /// The event time in ms (the entry's `timestamp`).
    pub const TIMESTAMP_MS: &str = "timestamp_ms";
    /// `address`.
    pub const ADDRESS: &str = "address";
    /// `username`.
    pub const USERNAME: &str = "username";
    /// `session`.
    pub const SESSION: &str = "session";
    /// `service`.
    pub const SERVICE: &str = "service";
    /// `event`.
    pub const EVENT: &str = "event";
    /// `success`.
    pub const SUCCESS: &str = "success";
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit_middleware (
    id INTEGER PRIMARY KEY,
    audit_id TEXT NOT NULL,
    message_timestamp INTEGER NOT NULL,
    timestamp_ms INTEGER NOT NULL,
    address TEXT NOT NULL,
    username TEXT NOT NULL,
    session TEXT NOT NULL,
    service TEXT NOT NULL,
    service_data TEXT NOT NULL,
    event TEXT NOT NULL,
    event_data TEXT NOT NULL,
    success INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS audit_middleware_audit_id ON audit_middleware (audit_id);
CREATE INDEX IF NOT EXISTS audit_middleware_timestamp ON audit_middleware (timestamp_ms);
CREATE INDEX IF NOT EXISTS audit_middleware_username ON audit_middleware (username);
DROP INDEX IF EXISTS audit_middleware_message_timestamp;
DROP INDEX IF EXISTS audit_middleware_event;
DROP INDEX IF EXISTS audit_middleware_session;
CREATE TABLE IF NOT EXISTS audit_config (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    retention INTEGER NOT NULL
);
";

enum Job {
    Append(AuditRow, oneshot::Sender<Result<(), StoreError>>),
    Prune(i64, oneshot::Sender<Result<usize, StoreError>>),
    SetRetention(i64, oneshot::Sender<Result<(), StoreError>>),
}

/// Handle to the audit database; cheap to clone.
#[derive(Clone)]
pub struct AuditStore {
    inner: Arc<Inner>,
}

struct Inner {
    writer: WriterThread<Job>,
    readers: ReaderPool,
    path: PathBuf,
    expected: Arc<AtomicUsize>,
    /// Commit latency and entries per commit.
    metrics: CommitMetrics,
}

/// An entry a call under way will record: while it lives, the writer waits briefly for it before committing a
/// batch. Drop it just before appending the entry (or when the call records nothing after all).
pub struct ExpectedEntry(Arc<AtomicUsize>);

impl Drop for ExpectedEntry {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How the audit database's commits reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditSync {
    /// WAL with `synchronous=FULL`, as the accounts database: every commit is synced to disk before the reply,
    /// so an entry survives a power loss whenever the account change it describes does.
    #[default]
    Full,
    /// WAL with `synchronous=NORMAL`: a committed entry survives a crash of the service (it is in the WAL file
    /// before the call's reply), but the last commits before a power loss or kernel crash may be lost. Saves
    /// the audit commit's `fsync` (a few percent of an audited write's throughput, see BENCHMARKS.md).
    Normal,
}

impl AuditSync {
    /// Parses the setting's value (`normal` or `full`).
    pub fn parse(value: &str) -> Option<AuditSync> {
        match value {
            "normal" => Some(AuditSync::Normal),
            "full" => Some(AuditSync::Full),
            _ => None,
        }
    }

    /// The setting's value naming this mode (what [`AuditSync::parse`] reads).
    pub fn name(self) -> &'static str {
        match self {
            AuditSync::Normal => "normal",
            AuditSync::Full => "full",
        }
    }

    fn pragma(self) -> &'static str {
        match self {
            AuditSync::Normal => "NORMAL",
            AuditSync::Full => "FULL",
        }
    }
}

impl AuditStore {
    /// Opens (creating if needed) the audit database at `path` and starts its writer thread.
    pub fn open(path: &Path, readers: usize, sync: AuditSync) -> Result<AuditStore, StoreError> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            crate::files::create_private_dir(parent)?;
        }
        crate::files::create_private_file(path)?;
        crate::files::tighten_database(path)?;
        let mut writer = Connection::open(path)?;
        writer.pragma_update(None, "journal_mode", "WAL")?;
        writer.pragma_update(None, "synchronous", sync.pragma())?;
        writer.busy_timeout(Duration::from_secs(10))?;
        writer.execute_batch(SCHEMA)?;
        writer.execute(
            "INSERT OR IGNORE INTO audit_config (id, retention) VALUES (1, ?1)",
            [DEFAULT_RETENTION_DAYS],
        )?;
        let mut pool = Vec::new();
        for _ in 0..readers.max(1) {
            let conn =
                Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
            conn.busy_timeout(Duration::from_secs(10))?;
            pool.push(conn);
        }
        let expected = Arc::new(AtomicUsize::new(0));
        let waiting = expected.clone();
        let metrics = CommitMetrics::default();
        let observed = metrics.clone();
        let writer = WriterThread::spawn("accountd-audit-writer", move |rx| {
            writer_loop(&mut writer, rx, &waiting, &observed)
        })?;
        Ok(AuditStore {
            inner: Arc::new(Inner {
                writer,
                readers: ReaderPool::new(pool, "audit reader"),
                path: path.to_path_buf(),
                expected,
                metrics,
            }),
        })
    }

    /// Says a call under way will append an entry soon (see [`ExpectedEntry`]).
    pub fn expect_entry(&self) -> ExpectedEntry {
        self.inner.expected.fetch_add(1, Ordering::AcqRel);
        ExpectedEntry(self.inner.expected.clone())
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The writer's commit measurements (for `/metrics`).
    pub fn commit_metrics(&self) -> &CommitMetrics {
        &self.inner.metrics
    }

    fn send(&self, job: Job) -> Result<(), StoreError> {
        self.inner.writer.send(job)
    }

    /// Queues an entry; the returned receiver answers once it is committed.
    pub fn append(&self, row: AuditRow) -> oneshot::Receiver<Result<(), StoreError>> {
        let (tx, rx) = oneshot::channel();
        match self.inner.writer.sender() {
            Some(sender) => {
                if let Err(mpsc::error::SendError(Job::Append(_, tx))) = sender.send(Job::Append(row, tx)) {
                    let _ = tx.send(Err(StoreError::Closed));
                }
            }
            None => {
                let _ = tx.send(Err(StoreError::Closed));
            }
        }
        rx
    }

    /// Deletes the entries older than `cutoff_ms`; returns how many.
    pub async fn prune(&self, cutoff_ms: i64) -> Result<usize, StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::Prune(cutoff_ms, tx))?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Stores the retention in days.
    pub async fn set_retention(&self, days: i64) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        self.send(Job::SetRetention(days, tx))?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// The retention in days.
    pub async fn retention(&self) -> Result<i64, StoreError> {
        self.read(|c| {
            c.query_row("SELECT retention FROM audit_config WHERE id = 1", [], |r| r.get(0))
                .map_err(StoreError::from)
        })
        .await
    }

    /// The number of entries matching `where_sql`.
    pub async fn count(&self, where_sql: String, params: Vec<SqlParam>) -> Result<u64, StoreError> {
        self.read(move |c| {
            let sql = format!("SELECT COUNT(*) FROM audit_middleware WHERE {where_sql}");
            let n: i64 = c
                .prepare_cached(&sql)?
                .query_row(params_from_iter(params.iter()), |r| r.get(0))?;
            Ok(u64::try_from(n).unwrap_or(0))
        })
        .await
    }

    /// The entries matching `where_sql`, paged.
    pub async fn select(
        &self,
        where_sql: String,
        params: Vec<SqlParam>,
        page: RowPage,
    ) -> Result<Vec<AuditRow>, StoreError> {
        self.read(move |c| select_rows(c, &where_sql, &params, &page)).await
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.inner.readers.run(f).await
    }

    /// Stops accepting entries, commits the queued ones and closes the database.
    pub fn close(&self) {
        self.inner.writer.close();
    }
}

fn select_rows(
    c: &Connection,
    where_sql: &str,
    params: &[SqlParam],
    page: &RowPage,
) -> Result<Vec<AuditRow>, StoreError> {
    let order = if page.order_sql.is_empty() {
        "id".to_string()
    } else {
        format!("{}, id", page.order_sql)
    };
    let sql = format!(
        "SELECT audit_id, timestamp_ms, address, username, session, service, service_data, event, event_data, \
         success FROM audit_middleware WHERE {where_sql} ORDER BY {order} LIMIT {} OFFSET {}",
        page.limit, page.offset
    );
    let mut stmt = c.prepare_cached(&sql)?;
    let args: Vec<&dyn ToSql> = params.iter().map(|p| p as &dyn ToSql).collect();
    let rows = stmt.query_map(args.as_slice(), |r| {
        Ok(AuditRow {
            audit_id: r.get(0)?,
            timestamp_ms: r.get(1)?,
            address: r.get(2)?,
            username: r.get(3)?,
            session: r.get(4)?,
            service: r.get(5)?,
            service_data: r.get(6)?,
            event: r.get(7)?,
            event_data: r.get(8)?,
            success: r.get(9)?,
        })
    })?;
    rows.collect::<Result<Vec<_>, _>>().map_err(StoreError::from)
}

type Batch = Vec<(AuditRow, oneshot::Sender<Result<(), StoreError>>)>;

/// Moves `first` and every job queued behind it (up to [`MAX_BATCH`] entries) into `batch` and `other`.
fn take_queued(first: Job, rx: &mut mpsc::UnboundedReceiver<Job>, batch: &mut Batch, other: &mut Vec<Job>) {
    let mut next = Some(first);
    while let Some(job) = next.take() {
        match job {
            Job::Append(row, ack) => batch.push((row, ack)),
            job => other.push(job),
        }
        if batch.len() < MAX_BATCH {
            next = rx.try_recv().ok();
        }
    }
}

fn writer_loop(
    conn: &mut Connection,
    mut rx: mpsc::UnboundedReceiver<Job>,
    expected: &AtomicUsize,
    metrics: &CommitMetrics,
) {
    let mut batch: Batch = Vec::new();
    let mut other: Vec<Job> = Vec::new();
    while let Some(first) = rx.blocking_recv() {
        // Everything queued meanwhile joins this batch.
        take_queued(first, &mut rx, &mut batch, &mut other);
        // Calls under way will record entries soon: they join this commit rather than each paying its own.
        if !batch.is_empty() && batch.len() < MAX_BATCH && expected.load(Ordering::Acquire) > 0 {
            linger();
            if let Ok(job) = rx.try_recv() {
                take_queued(job, &mut rx, &mut batch, &mut other);
            }
        }
        if !batch.is_empty() {
            let rows: Vec<&AuditRow> = batch.iter().map(|(r, _)| r).collect();
            let result = append_batch(conn, &rows, metrics);
            if let Err(e) = &result {
                tracing::error!(error = %e, entries = batch.len(), "recording audit entries failed");
            }
            for (_, ack) in batch.drain(..) {
                let _ = ack.send(result.clone());
            }
        }
        for job in other.drain(..) {
            match job {
                Job::Prune(cutoff, ack) => {
                    let _ = ack.send(
                        conn.execute("DELETE FROM audit_middleware WHERE timestamp_ms < ?1", [cutoff])
                            .map_err(StoreError::from),
                    );
                }
                Job::SetRetention(days, ack) => {
                    let _ = ack.send(
                        conn.execute("UPDATE audit_config SET retention = ?1 WHERE id = 1", [days])
                            .map(|_| ())
                            .map_err(StoreError::from),
                    );
                }
                Job::Append(..) => {}
            }
        }
    }
}

/// The writer's pause for the entries of calls under way: a batching window on the writer thread, not a
/// business time (those come from the Clock).
#[allow(clippy::disallowed_methods)]
fn linger() {
    std::thread::sleep(LINGER);
}

fn append_batch(conn: &mut Connection, rows: &[&AuditRow], metrics: &CommitMetrics) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    {
        let mut stmt = tx.prepare_cached(
            "INSERT INTO audit_middleware (audit_id, message_timestamp, timestamp_ms, address, username, session, \
             service, service_data, event, event_data, success) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        )?;
        for r in rows {
            stmt.execute(rusqlite::params![
                r.audit_id,
                r.timestamp_ms.div_euclid(1000),
                r.timestamp_ms,
                r.address,
                r.username,
                r.session,
                r.service,
                r.service_data,
                r.event,
                r.event_data,
                r.success,
            ])?;
        }
    }
    let started = std::time::Instant::now();
    tx.commit()?;
    metrics.observe(started.elapsed(), rows.len());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn row(id: &str, ts: i64, event: &str) -> AuditRow {
        AuditRow {
            audit_id: id.into(),
            timestamp_ms: ts,
            address: "127.0.0.1".into(),
            username: "alice".into(),
            session: "s".into(),
            service: "MIDDLEWARE".into(),
            service_data: "{}".into(),
            event: event.into(),
            event_data: "{}".into(),
            success: true,
        }
    }

    fn all() -> RowPage {
        RowPage {
            order_sql: String::new(),
            limit: -1,
            offset: 0,
        }
    }

    #[tokio::test]
    async fn appends_selects_counts_and_prunes() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::open(&dir.path().join("audit.db"), 1, AuditSync::Full).unwrap();
        let acks: Vec<_> = (0..50)
            .map(|i| store.append(row(&format!("id{i}"), 1000 * i, "LOGOUT")))
            .collect();
        for ack in acks {
            ack.await.unwrap().unwrap();
        }
        let n = store
            .count("event = ?".into(), vec![SqlParam::Text("LOGOUT".into())])
            .await
            .unwrap();
        assert_eq!(n, 50);
        let page = RowPage {
            order_sql: "timestamp_ms DESC".into(),
            limit: 2,
            offset: 1,
        };
        let rows = store.select("1".into(), vec![], page).await.unwrap();
        assert_eq!(
            rows.iter().map(|r| r.audit_id.as_str()).collect::<Vec<_>>(),
            ["id48", "id47"]
        );
        assert_eq!(store.prune(10_000).await.unwrap(), 10);
        assert_eq!(store.select("1".into(), vec![], all()).await.unwrap().len(), 40);
        let mode = std::fs::metadata(store.path()).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[tokio::test]
    async fn retention_defaults_to_seven_days_and_persists() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.db");
        let store = AuditStore::open(&path, 1, AuditSync::Full).unwrap();
        assert_eq!(store.retention().await.unwrap(), DEFAULT_RETENTION_DAYS);
        store.set_retention(20).await.unwrap();
        store.close();
        let store = AuditStore::open(&path, 1, AuditSync::Full).unwrap();
        assert_eq!(store.retention().await.unwrap(), 20);
    }

    #[tokio::test]
    async fn a_duplicate_id_fails_its_batch_and_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::open(&dir.path().join("audit.db"), 1, AuditSync::Full).unwrap();
        store.append(row("same", 1, "LOGOUT")).await.unwrap().unwrap();
        assert!(store.append(row("same", 2, "LOGOUT")).await.unwrap().is_err());
        store.close();
        assert!(matches!(
            store.append(row("x", 3, "LOGOUT")).await.unwrap(),
            Err(StoreError::Closed)
        ));
    }

    #[tokio::test]
    async fn entries_of_calls_under_way_are_committed_and_an_expectation_never_holds_others_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::open(&dir.path().join("audit.db"), 1, AuditSync::Full).unwrap();
        // A call under way that never records: the others are still committed, after at most the linger.
        let _never = store.expect_entry();
        let acks: Vec<_> = (0..20)
            .map(|i| store.append(row(&format!("id-{i:02}"), i, "LOGIN")))
            .collect();
        for ack in acks {
            tokio::time::timeout(Duration::from_secs(10), ack)
                .await
                .unwrap()
                .unwrap()
                .unwrap();
        }
        let expected = store.expect_entry();
        drop(expected);
        let rows = store
            .select(
                "1".into(),
                Vec::new(),
                RowPage {
                    order_sql: String::new(),
                    limit: -1,
                    offset: 0,
                },
            )
            .await
            .unwrap();
        assert_eq!(rows.len(), 20);
        assert_eq!(
            store.inner.expected.load(Ordering::Acquire),
            1,
            "only the call that never recorded is expected"
        );
    }
}

//! The audit log (TrueNAS `audit.*`): entries of logins, logouts and audited method calls, kept in their own
//! database for `retention` days, queried with query-filters and exported to files.
//!
//! The transport decides what an entry says (who, from where, which call); this module stamps it with an id
//! and the time of the injected clock, stores it, answers queries and prunes old entries.

mod export;
mod render;

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use accountd_api::types::audit::{AuditConfig, AuditEntry, AuditExport, AuditQuery, AuditService, AuditUpdate};
use accountd_api::types::common::Timestamp;
use accountd_api::types::query::{QueryAnswer, QueryFilter, QueryOptions as WireOptions};
use accountd_query::{Column, ColumnKind, FieldPath, Filter, Op};
pub use accountd_store::audit::ExpectedEntry;
use accountd_store::audit::{AuditRow, AuditStore, RowPage, columns};
use accountd_store::rusqlite_types::Value as SqlParam;
use serde_json::{Map, Value};

use crate::clock::Clock;
use crate::error::{Error, errno};
use crate::querying;

/// The one service accountd records.
pub const SERVICE: &str = "MIDDLEWARE";

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// Top-level fields of an entry (what `select` may name).
const FIELDS: [&str; 11] = [
    "audit_id",
    "message_timestamp",
    "timestamp",
    "address",
    "username",
    "session",
    "service",
    "service_data",
    "event",
    "event_data",
    "success",
];

const fn column(field: &'static str, sql: &'static str, kind: ColumnKind) -> Column {
    Column {
        field,
        sql,
        kind,
        nullable: false,
    }
}

/// Entry fields stored in their own (indexed) columns; filters on them run in SQL. `timestamp_ms` is the
/// column `timestamp` filters are rewritten to (see [`sql_filters`]).
const FILTER_COLUMNS: &[Column] = &[
    column("audit_id", columns::AUDIT_ID, ColumnKind::Text),
    column("message_timestamp", columns::MESSAGE_TIMESTAMP, ColumnKind::Integer),
    column("timestamp_ms", columns::TIMESTAMP_MS, ColumnKind::Integer),
    column("address", columns::ADDRESS, ColumnKind::Text),
    column("username", columns::USERNAME, ColumnKind::Text),
    column("session", columns::SESSION, ColumnKind::Text),
    column("service", columns::SERVICE, ColumnKind::Text),
    column("event", columns::EVENT, ColumnKind::Text),
    column("success", columns::SUCCESS, ColumnKind::Bool),
];

/// Columns `order_by` may be pushed to: the filter columns and `timestamp`; both times are ordered by the
/// indexed milliseconds (`message_timestamp` is its seconds: entries of one second come in the order of their
/// milliseconds).
const ORDER_COLUMNS: &[Column] = &[
    column("audit_id", columns::AUDIT_ID, ColumnKind::Text),
    column("message_timestamp", columns::TIMESTAMP_MS, ColumnKind::Integer),
    column("timestamp", columns::TIMESTAMP_MS, ColumnKind::Integer),
    column("address", columns::ADDRESS, ColumnKind::Text),
    column("username", columns::USERNAME, ColumnKind::Text),
    column("session", columns::SESSION, ColumnKind::Text),
    column("service", columns::SERVICE, ColumnKind::Text),
    column("event", columns::EVENT, ColumnKind::Text),
    column("success", columns::SUCCESS, ColumnKind::Bool),
];

/// What the transport says about an event; [`AuditLog::record`] adds the id and the time.
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Client IP address.
    pub address: String,
    /// The session's user (`.UNAUTHENTICATED` before login).
    pub username: String,
    /// Session UUID.
    pub session: String,
    /// `{vers, origin, protocol, credentials}`.
    pub service_data: Map<String, Value>,
    /// `AUTHENTICATION`, `METHOD_CALL` or `LOGOUT`.
    pub event: &'static str,
    /// The event's details (secrets already replaced).
    pub event_data: Map<String, Value>,
    /// Whether the action succeeded.
    pub success: bool,
}

/// An entry on its way to the database: await [`Pending::committed`] before answering the call it records.
pub struct Pending(Option<tokio::sync::oneshot::Receiver<Result<(), accountd_store::StoreError>>>);

impl Pending {
    /// Waits until the entry is committed. A failure is logged, never passed on: an audit write never fails
    /// the call it records.
    pub async fn committed(self) {
        let Some(rx) = self.0 else { return };
        match rx.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "audit entry not recorded"),
            Err(_) => tracing::error!("audit entry not recorded: the audit writer stopped"),
        }
    }
}

/// The audit log service; cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    store: AuditStore,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    recording: bool,
    ids: Arc<IdSequence>,
}

impl AuditLog {
    /// The audit log stored in `store`, timed by `clock`; exports are written under `data_dir`. With
    /// `recording` false nothing new is recorded (for measuring what recording costs); queries still work.
    pub fn new(store: AuditStore, clock: Arc<dyn Clock>, data_dir: PathBuf, recording: bool) -> AuditLog {
        AuditLog {
            store,
            clock,
            data_dir,
            recording,
            ids: Arc::default(),
        }
    }

    /// The directory exports are confined to.
    pub fn data_dir(&self) -> &std::path::Path {
        &self.data_dir
    }

    /// Says a call under way will record an entry (none when nothing is recorded): hold it until the entry is
    /// recorded, so that the writer lets it share a commit with the entries before it.
    pub fn expect_entry(&self) -> Option<ExpectedEntry> {
        self.recording.then(|| self.store.expect_entry())
    }

    /// Stamps `entry` with a new id and the current time and queues it for the database.
    pub fn record(&self, entry: NewEntry) -> Pending {
        if !self.recording {
            return Pending(None);
        }
        let timestamp_ms = self.clock.now_ms();
        let row = AuditRow {
            audit_id: self.ids.next(timestamp_ms),
            timestamp_ms,
            address: entry.address,
            username: entry.username,
            session: entry.session,
            service: SERVICE.to_string(),
            service_data: Value::Object(entry.service_data).to_string(),
            event: entry.event.to_string(),
            event_data: Value::Object(entry.event_data).to_string(),
            success: entry.success,
        };
        Pending(Some(self.store.append(row)))
    }

    /// `audit.config`.
    pub async fn config(&self) -> Result<AuditConfig, Error> {
        Ok(AuditConfig {
            id: 1,
            retention: self.store.retention().await?,
        })
    }

    /// `audit.update`: stores the new retention and prunes at once by it.
    pub async fn update(&self, update: &AuditUpdate) -> Result<AuditConfig, Error> {
        if let Some(days) = update.retention {
            if days < 1 {
                return Err(Error::invalid(
                    "data.retention",
                    "Input should be greater than or equal to 1",
                ));
            }
            if days > 30 {
                return Err(Error::invalid(
                    "data.retention",
                    "Input should be less than or equal to 30",
                ));
            }
            self.store.set_retention(days).await?;
            self.prune_expired().await?;
        }
        self.config().await
    }

    /// Deletes the entries older than the retention; returns how many.
    pub async fn prune_expired(&self) -> Result<usize, Error> {
        let days = self.store.retention().await?;
        let cutoff = self.clock.now_ms().saturating_sub(days.saturating_mul(DAY_MS));
        let n = self.store.prune(cutoff).await?;
        if n > 0 {
            tracing::info!(entries = n, retention_days = days, "pruned the audit log");
        }
        Ok(n)
    }

    /// Prunes expired entries now and then every `every`, until the returned task is aborted.
    pub fn spawn_pruner(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let log = self.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = log.prune_expired().await {
                    tracing::error!(error = %e, "pruning the audit log failed");
                }
                #[allow(
                    clippy::disallowed_methods,
                    reason = "the pruning period is wall time between runs; what is expired is decided by the clock"
                )]
                tokio::time::sleep(every).await;
            }
        })
    }

    /// `audit.query`, with TrueNAS's rules: one service, and a `limit`, `count` or `get`.
    pub async fn query(&self, query: &AuditQuery) -> Result<QueryAnswer<AuditEntry>, Error> {
        check_services(&query.services, "audit.query.services")?;
        let o = &query.query_options;
        if o.limit == 0 && !o.count && !o.get {
            return Err(Error::invalid(
                "audit.query.query-options",
                "query-options must be set to either gather row count or contain a limit on the rows returned.",
            ));
        }
        check_select(o)?;
        self.select(&query.services, &query.query_filters, o).await
    }

    /// `audit.export`: writes the selected entries to a file under the data directory; returns its path.
    pub async fn export(&self, username: &str, export: &AuditExport) -> Result<String, Error> {
        check_services(&export.services, "audit.export.services")?;
        let o = &export.query_options;
        if o.count {
            return Err(Error::call(errno::EINVAL, "Raw row count may not be exported"));
        }
        if o.get {
            return Err(Error::call(
                errno::EINVAL,
                "Use of \"get\" query-option is not supported for export",
            ));
        }
        check_select(o)?;
        let target = export::target(&self.data_dir, username, export)?;
        let entries = match self.select(&export.services, &export.query_filters, o).await? {
            QueryAnswer::Entries(entries) => entries
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<Vec<_>, _>>()
                .map_err(Error::internal)?,
            QueryAnswer::Projected(entries) => entries,
            _ => Vec::new(),
        };
        if entries.is_empty() {
            return Err(Error::call(errno::ENOENT, "No entries were returned by query."));
        }
        let text = render::render(export.export_format, &entries);
        let data_dir = self.data_dir.clone();
        tokio::task::spawn_blocking(move || export::write(&data_dir, &target, text.as_bytes()))
            .await
            .map_err(Error::internal)?
    }

    async fn select(
        &self,
        services: &[AuditService],
        filters: &[QueryFilter],
        options: &WireOptions,
    ) -> Result<QueryAnswer<AuditEntry>, Error> {
        let mut query = querying::parse(filters, options)?;
        if !services.contains(&AuditService::Middleware) {
            // Only the MIDDLEWARE database has entries.
            return querying::answer(Vec::new(), &query);
        }
        let plan = accountd_query::plan_sql(&sql_filters(&query.filters), FILTER_COLUMNS);
        let params: Vec<SqlParam> = querying::sql_params(&plan);
        let page = match querying::pushdown(&plan, &mut query.options, ORDER_COLUMNS) {
            querying::Page::Count => {
                let n = self.store.count(plan.where_sql, params).await?;
                return Ok(QueryAnswer::Count(n));
            }
            querying::Page::Rows {
                order_sql,
                limit,
                offset,
                ..
            } => RowPage {
                order_sql,
                limit,
                offset,
            },
        };
        let rows = self.store.select(plan.where_sql, params, page).await?;
        let entries = rows.into_iter().map(entry_of).collect();
        querying::answer(entries, &query)
    }
}

/// TrueNAS queries one audit database per request.
fn check_services(services: &[AuditService], attribute: &str) -> Result<(), Error> {
    if services.len() > 1 {
        return Err(Error::invalid(
            attribute,
            "Querying more than one audit database in a single request is not supported",
        ));
    }
    Ok(())
}

/// `select` may only name fields entries have (TrueNAS: "<name>: column does not exist").
fn check_select(options: &WireOptions) -> Result<(), Error> {
    let raw = serde_json::to_value(&options.select).map_err(Error::internal)?;
    let mut errors = crate::error::ValidationErrors::new();
    for (idx, item) in raw.as_array().into_iter().flatten().enumerate() {
        let name = match item {
            Value::Array(parts) => parts.first().and_then(Value::as_str),
            other => other.as_str(),
        };
        let Some(name) = name else { continue };
        if !FIELDS.contains(&FieldPath::parse(name).first_segment()) {
            errors.add(
                format!("audit.query.query-options.select.{idx}"),
                format!("{name}: column does not exist"),
            );
        }
    }
    errors.check()
}

/// The filters as planned for SQL, on the indexed `timestamp_ms` column where the time is compared: a comparison
/// of `timestamp` with a whole-millisecond datetime becomes the same comparison of `timestamp_ms`, and one of
/// `message_timestamp` (seconds) with an integer the equivalent range of milliseconds. Entries are still
/// checked against the original filters.
fn sql_filters(filters: &[Filter]) -> Vec<Filter> {
    filters.iter().flat_map(sql_filter).collect()
}

fn ms_condition(op: Op, ms: i64) -> Filter {
    Filter::Cond {
        path: FieldPath::parse("timestamp_ms"),
        op,
        case_insensitive: false,
        value: Value::from(ms),
        date: false,
    }
}

fn sql_filter(f: &Filter) -> Vec<Filter> {
    match f {
        Filter::Cond {
            path,
            op,
            case_insensitive: false,
            value,
            ..
        } if matches!(path.as_str(), "timestamp" | "timestamp.$date")
            && matches!(op, Op::Eq | Op::Ne | Op::Gt | Op::Ge | Op::Lt | Op::Le) =>
        {
            match value.get("$date").and_then(Value::as_i64) {
                Some(ms) => vec![ms_condition(*op, ms)],
                None => vec![f.clone()],
            }
        }
        Filter::Cond {
            path,
            op,
            case_insensitive: false,
            value,
            ..
        } if path.as_str() == "message_timestamp" => {
            let Some(seconds) = value.as_i64() else {
                return vec![f.clone()];
            };
            let start = seconds.saturating_mul(1000);
            let next = seconds.saturating_add(1).saturating_mul(1000);
            match op {
                Op::Eq => vec![ms_condition(Op::Ge, start), ms_condition(Op::Lt, next)],
                Op::Gt => vec![ms_condition(Op::Ge, next)],
                Op::Ge => vec![ms_condition(Op::Ge, start)],
                Op::Lt => vec![ms_condition(Op::Lt, start)],
                Op::Le => vec![ms_condition(Op::Lt, next)],
                _ => vec![f.clone()],
            }
        }
        Filter::Or(branches) => vec![Filter::Or(branches.iter().map(|b| sql_filters(b)).collect())],
        other => vec![other.clone()],
    }
}

/// A stored row as an entry.
fn entry_of(row: AuditRow) -> AuditEntry {
    let object = |text: &str| match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(m)) => m,
        _ => Map::new(),
    };
    AuditEntry {
        audit_id: row.audit_id,
        message_timestamp: row.timestamp_ms.div_euclid(1000),
        timestamp: Timestamp { ms: row.timestamp_ms },
        address: row.address,
        username: row.username,
        session: row.session,
        // Only the MIDDLEWARE database is recorded.
        service: AuditService::Middleware,
        service_data: object(&row.service_data),
        event: row.event,
        event_data: object(&row.event_data),
        success: row.success,
    }
}

/// A random (version 4) UUID.
fn new_uuid() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    uuid_text(b)
}

/// The ids of one audit log: version 7 UUIDs, the entry's time in milliseconds, then a 12-bit sequence (RFC
/// 9562's method 1: random at each new millisecond, counting up within it), then random bits. Ids of later
/// entries sort later, also within one millisecond, so the unique index on `audit_id` grows at its end instead
/// of at random pages and ids list entries in the order they were recorded.
#[derive(Debug, Default)]
struct IdSequence {
    /// The millisecond of the last id and its sequence number.
    last: Mutex<(i64, u16)>,
}

/// The largest 12-bit sequence number.
const SEQUENCE_MAX: u16 = 0x0fff;

impl IdSequence {
    /// The id of an entry recorded at `timestamp_ms`.
    fn next(&self, timestamp_ms: i64) -> String {
        let sequence = match self.last.lock() {
            Ok(mut last) => {
                let sequence = if last.0 == timestamp_ms && last.1 < SEQUENCE_MAX {
                    last.1 + 1
                } else {
                    // A new millisecond starts in the lower half, leaving room to count up.
                    rand::random::<u16>() & (SEQUENCE_MAX >> 1)
                };
                *last = (timestamp_ms, sequence);
                sequence
            }
            Err(_) => rand::random::<u16>() & SEQUENCE_MAX,
        };
        time_ordered_uuid(timestamp_ms, sequence)
    }
}

/// A version 7 UUID of `timestamp_ms` with the 12-bit `sequence` after it.
fn time_ordered_uuid(timestamp_ms: i64, sequence: u16) -> String {
    let mut b: [u8; 16] = rand::random();
    let ms = u64::try_from(timestamp_ms).unwrap_or(0).to_be_bytes();
    b[..6].copy_from_slice(&ms[2..]);
    let [high, low] = (sequence & SEQUENCE_MAX).to_be_bytes();
    b[6] = 0x70 | high;
    b[7] = low;
    uuid_text(b)
}

/// The 8-4-4-4-12 text of a UUID, with the RFC 4122 variant bits set.
fn uuid_text(mut b: [u8; 16]) -> String {
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_version_4_uuids() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(u, new_uuid());
    }

    #[test]
    fn ids_are_version_7_uuids_in_time_order() {
        let ids = IdSequence::default();
        let u = ids.next(1_700_000_000_123);
        assert_eq!(u.len(), 36);
        // 1_700_000_000_123 ms is 0x018bcfe5687b.
        assert_eq!(&u[..13], "018bcfe5-687b");
        assert_eq!(&u[14..15], "7");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert!(ids.next(1_700_000_000_124) > u);
        assert!(ids.next(1_700_000_001_000) > ids.next(1_700_000_000_999));
    }

    #[test]
    fn ids_within_one_millisecond_count_up() {
        let ids = IdSequence::default();
        let mut previous = ids.next(1_700_000_000_123);
        for _ in 0..5000 {
            let next = ids.next(1_700_000_000_123);
            assert_eq!(&next[..13], "018bcfe5-687b");
            assert_ne!(next, previous);
            // Past the 4,096th id of a millisecond the order within it is random; it never is before.
            if u16::from_str_radix(&previous[15..18], 16).unwrap() < SEQUENCE_MAX {
                assert!(next > previous, "{previous} {next}");
            }
            previous = next;
        }
    }

    #[test]
    fn timestamp_filters_are_planned_on_the_millisecond_column() {
        let raw = serde_json::json!([["timestamp", ">=", {"$date": 5000}], ["event", "=", "LOGOUT"]]);
        let filters = accountd_query::parse_filters(&raw).unwrap();
        let plan = accountd_query::plan_sql(&sql_filters(&filters), FILTER_COLUMNS);
        assert!(plan.exact, "{plan:?}");
        assert!(plan.where_sql.contains("timestamp_ms"), "{}", plan.where_sql);
        let raw = serde_json::json!([["event_data.method", "=", "user.create"]]);
        let plan = accountd_query::plan_sql(
            &sql_filters(&accountd_query::parse_filters(&raw).unwrap()),
            FILTER_COLUMNS,
        );
        assert!(!plan.exact);
    }

    /// Rows of (seconds filter, millisecond times it must keep, millisecond times it must drop).
    #[test]
    fn message_timestamp_filters_become_exact_millisecond_ranges() {
        let rows: &[(&str, &[i64], &[i64])] = &[
            ("=", &[5000, 5999], &[4999, 6000]),
            (">", &[6000], &[5999, 5000]),
            (">=", &[5000], &[4999]),
            ("<", &[4999], &[5000]),
            ("<=", &[5999], &[6000]),
        ];
        for (op, keep, drop) in rows {
            let raw = serde_json::json!([["message_timestamp", op, 5]]);
            let planned = sql_filters(&accountd_query::parse_filters(&raw).unwrap());
            let plan = accountd_query::plan_sql(&planned, FILTER_COLUMNS);
            assert!(plan.exact, "{op}: {plan:?}");
            assert!(
                !plan.where_sql.contains("message_timestamp"),
                "{op}: {}",
                plan.where_sql
            );
            let entry = |ms: i64| serde_json::json!({"timestamp_ms": ms});
            for ms in keep.iter() {
                assert!(
                    accountd_query::matches(&planned, &entry(*ms)).unwrap(),
                    "{op} 5 keeps {ms}"
                );
            }
            for ms in drop.iter() {
                assert!(
                    !accountd_query::matches(&planned, &entry(*ms)).unwrap(),
                    "{op} 5 drops {ms}"
                );
            }
        }
    }
}

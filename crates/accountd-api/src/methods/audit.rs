//! `audit.*` methods: the audit log of logins, logouts and account changes (TrueNAS `audit.*`).

use crate::declare_method;
use crate::method::Audit;
use crate::types::audit::{AuditConfig, AuditEntry, AuditExportArgs, AuditQueryArgs, AuditUpdateArgs};
use crate::types::common::NoArgs;
use crate::types::query::QueryAnswer;
use crate::{Access, Role};

const READ: Access = Access::Roles(&[Role::SystemAuditRead]);
const WRITE: Access = Access::Roles(&[Role::SystemAuditWrite]);

declare_method! {
    /// Queries the audit log of `services` (only `MIDDLEWARE` holds entries) with query-filters and
    /// query-options. One of `limit` (at most 10000), `count` or `get` is required. Filters on the plain columns
    /// (`audit_id`, `message_timestamp`, `timestamp`, `address`, `username`, `session`, `service`, `event`,
    /// `success`) run in SQL on indexed columns; filters on `event_data` and `service_data` fields are applied
    /// to the rows read.
    AuditQuery = "audit.query", READ, AuditQueryArgs => QueryAnswer<AuditEntry>,
    examples: [
        Admin r#"[{"query-filters": [["event", "=", "METHOD_CALL"]], "query-options": {"limit": 1, "select": ["event", "event_data.method", "event_data.description", "success"]}}]"#,
        Admin r#"[{"query-filters": [["event", "=", "AUTHENTICATION"], ["timestamp", ">=", {"$date": 1700000000000}]], "query-options": {"count": true}}]"#,
    ]
}

declare_method! {
    /// The audit settings: `retention`, the days entries are kept (pruned in the background).
    AuditConfigGet = "audit.config", READ, NoArgs => AuditConfig,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the audit settings: `retention` in days, 1 to 30. Returns the settings.
    AuditUpdate = "audit.update", WRITE, AuditUpdateArgs => AuditConfig,
    audit: Audit::plain("Update Audit Configuration"),
    examples: [
        Admin r#"[{"retention": 14}]"#,
    ]
}

declare_method! {
    /// Writes the entries a query selects to a file in the data directory as `CSV`, `JSON` (default) or `YAML`
    /// and returns its path. The file is created with mode 0600 and must not exist yet; `path` must lie inside
    /// the data directory and no component of it may be a symlink. `count` and `get` are refused (EINVAL); a
    /// query matching nothing fails with ENOENT.
    AuditExport = "audit.export", READ, AuditExportArgs => String,
    audit: Audit::plain("Export Audit Data"),
    examples: [
        Admin r#"[{"export_format": "CSV", "path": "reports/logins.csv", "query-filters": [["event", "=", "AUTHENTICATION"]]}]"#,
        Admin r#"[{"path": "/etc/passwd"}]"# => error,
    ]
}

//! `audit.*` wire types: the audit log's entries, its query and export arguments, and its settings.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::types::common::Timestamp;
use crate::types::query::{QueryFilter, QueryOptions};

/// The audited services TrueNAS knows; accountd records `MIDDLEWARE` (its API) only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuditService {
    /// The API: logins, logouts and audited method calls.
    Middleware,
    /// SMB (never recorded here).
    Smb,
    /// sudo (never recorded here).
    Sudo,
    /// System events (never recorded here).
    System,
}

fn default_services() -> Vec<AuditService> {
    vec![AuditService::Middleware]
}

/// `audit.query` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// The audit database to query (exactly one; TrueNAS refuses several in one request).
    #[serde(default = "default_services")]
    pub services: Vec<AuditService>,
    /// query-filters on the entries (`timestamp` compares as a datetime; `message_timestamp` is in seconds).
    #[serde(default, rename = "query-filters")]
    pub query_filters: Vec<QueryFilter>,
    /// query-options; one of `limit`, `count` or `get` is required (as in TrueNAS).
    #[serde(default, rename = "query-options")]
    pub query_options: QueryOptions,
    /// HA systems only; accountd has one node and ignores it.
    #[serde(default)]
    pub remote_controller: bool,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            services: default_services(),
            query_filters: Vec::new(),
            query_options: QueryOptions::default(),
            remote_controller: false,
        }
    }
}

/// `audit.query` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuditQueryArgs {
    /// Services, filters and options.
    #[serde(default)]
    pub data: AuditQuery,
}

/// One audit log entry.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct AuditEntry {
    /// UUID of the entry.
    pub audit_id: String,
    /// When it was recorded, seconds since the epoch.
    pub message_timestamp: i64,
    /// When the event happened.
    pub timestamp: Timestamp,
    /// IP address of the client.
    pub address: String,
    /// The session's user (`.UNAUTHENTICATED` before login).
    pub username: String,
    /// UUID of the client's session.
    pub session: String,
    /// `MIDDLEWARE`.
    pub service: AuditService,
    /// `{vers, origin, protocol, credentials}`: the connection and how its session authenticated.
    pub service_data: Map<String, Value>,
    /// `AUTHENTICATION`, `METHOD_CALL` or `LOGOUT`.
    pub event: String,
    /// Per event: `{credentials, error}` (AUTHENTICATION; a two-factor login completed with a recovery code
    /// adds `"second_factor": "RECOVERY_CODE"`), `{method, params, description, authenticated,
    /// authorized}` (METHOD_CALL, secrets in `params` shown as `********`), `{credentials}` (LOGOUT).
    pub event_data: Map<String, Value>,
    /// Whether the action succeeded.
    pub success: bool,
}

/// `audit.export` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum ExportFormat {
    /// Comma-separated values with a header row; `service_data` and `event_data` as JSON text.
    Csv,
    /// A JSON array of entries.
    #[default]
    Json,
    /// A YAML sequence of entries.
    Yaml,
}

impl ExportFormat {
    /// The file name extension.
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Yaml => "yaml",
        }
    }
}

/// `audit.export` input: a query plus the format and the file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditExport {
    /// The audit database to export (exactly one).
    #[serde(default = "default_services")]
    pub services: Vec<AuditService>,
    /// query-filters selecting the entries.
    #[serde(default, rename = "query-filters")]
    pub query_filters: Vec<QueryFilter>,
    /// query-options (`count` and `get` are refused).
    #[serde(default, rename = "query-options")]
    pub query_options: QueryOptions,
    /// HA systems only; ignored.
    #[serde(default)]
    pub remote_controller: bool,
    /// File format.
    #[serde(default)]
    pub export_format: ExportFormat,
    /// The file to write, relative to the data directory or absolute inside it; it must not exist yet and no
    /// component may be a symlink. Default: `audit_reports/<username>/<uuid>.<format>` in the data directory.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub path: Option<String>,
}

impl Default for AuditExport {
    fn default() -> Self {
        AuditExport {
            services: default_services(),
            query_filters: Vec::new(),
            query_options: QueryOptions::default(),
            remote_controller: false,
            export_format: ExportFormat::Json,
            path: None,
        }
    }
}

/// `audit.export` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuditExportArgs {
    /// What to export, how and where.
    #[serde(default)]
    pub data: AuditExport,
}

/// The audit settings (`audit.config`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AuditConfig {
    /// Always 1.
    pub id: i64,
    /// Days entries are kept (1..30, default 7).
    pub retention: i64,
}

/// `audit.update` input.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditUpdate {
    /// Days entries are kept.
    #[serde(default)]
    #[schemars(range(min = 1, max = 30))]
    pub retention: Option<i64>,
}

/// `audit.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuditUpdateArgs {
    /// Settings to change.
    pub data: AuditUpdate,
}

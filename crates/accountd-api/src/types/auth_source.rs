//! `auth_source.*` wire types: external authentication sources (Foreman's LDAP auth sources).

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// An authentication source: the builtin `Internal` (local passwords, id 1) or an LDAP server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuthSourceEntry {
    /// Database id (`Internal` is 1).
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// `INTERNAL` or `LDAP`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Server host name or IP address.
    pub host: String,
    /// Server port.
    pub port: i64,
    /// LDAPS: TLS from the first byte.
    pub tls: bool,
    /// The server certificate is checked against the system roots or `ca_certificate`.
    pub tls_verify: bool,
    /// PEM of the CA the server certificate is checked against (null: the system roots).
    pub ca_certificate: Option<String>,
    /// Bind DN of the service account (`$login`: bind as the user with their own password); null: anonymous.
    pub account: Option<String>,
    /// The service account's password: always null (secret, never returned).
    pub account_password: Option<String>,
    /// A service account password is stored (what a form shows instead of the password).
    pub account_password_set: bool,
    /// Where users are searched.
    pub base_dn: String,
    /// Where groups are searched (null: `base_dn`).
    pub groups_base: Option<String>,
    /// An LDAP filter ANDed with the login search.
    pub ldap_filter: Option<String>,
    /// Login attribute.
    pub attr_login: String,
    /// First-name attribute.
    pub attr_firstname: String,
    /// Last-name attribute.
    pub attr_lastname: String,
    /// Mail attribute.
    pub attr_mail: String,
    /// `posix`, `free_ipa` or `active_directory`: how group membership is read.
    pub server_type: String,
    /// An unknown login that binds creates the local user.
    pub onthefly_register: bool,
    /// Primary group (database id) of created users; null: a group named after the user.
    pub default_group: Option<i64>,
    /// Memberships of linked local groups follow the directory at each login.
    pub usergroup_sync: bool,
    /// Netgroups (not with `active_directory`).
    pub use_netgroups: bool,
    /// Connect and operation timeout, seconds.
    pub timeout: i64,
    /// `HEALTHY` or `FAULTED`, set by the last login or test.
    pub status: String,
    /// Why the source is faulted (empty when healthy).
    pub status_msg: String,
}

fn default_attr_login() -> String {
    "uid".into()
}
fn default_attr_firstname() -> String {
    "givenName".into()
}
fn default_attr_lastname() -> String {
    "sn".into()
}
fn default_attr_mail() -> String {
    "mail".into()
}
fn default_server_type() -> String {
    "posix".into()
}
fn default_true() -> bool {
    true
}
fn default_timeout() -> i64 {
    10
}
fn default_kind() -> String {
    "LDAP".into()
}

/// `auth_source.create` input (an LDAP source).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthSourceCreate {
    /// Unique name, 1-60 characters.
    #[schemars(length(min = 1, max = 60))]
    pub name: String,
    /// `LDAP` (the only type that can be created).
    #[serde(rename = "type", default = "default_kind")]
    pub kind: String,
    /// Server host name or IP address.
    #[schemars(length(min = 1, max = 255))]
    pub host: String,
    /// Server port; null: 389, or 636 with `tls`.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// LDAPS.
    #[serde(default)]
    pub tls: bool,
    /// Check the server certificate.
    #[serde(default = "default_true")]
    pub tls_verify: bool,
    /// PEM of the CA to check the server certificate against.
    #[serde(default)]
    #[schemars(extend("x-long-string" = true))]
    pub ca_certificate: Option<String>,
    /// Bind DN of the service account (may contain `$login`); null: anonymous search.
    #[serde(default)]
    pub account: Option<String>,
    /// The service account's password (secret).
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub account_password: Option<String>,
    /// Where users are searched.
    #[schemars(length(min = 1))]
    pub base_dn: String,
    /// Where groups are searched (null: `base_dn`).
    #[serde(default)]
    pub groups_base: Option<String>,
    /// An LDAP filter ANDed with the login search.
    #[serde(default)]
    pub ldap_filter: Option<String>,
    /// Login attribute.
    #[serde(default = "default_attr_login")]
    pub attr_login: String,
    /// First-name attribute.
    #[serde(default = "default_attr_firstname")]
    pub attr_firstname: String,
    /// Last-name attribute.
    #[serde(default = "default_attr_lastname")]
    pub attr_lastname: String,
    /// Mail attribute.
    #[serde(default = "default_attr_mail")]
    pub attr_mail: String,
    /// `posix`, `free_ipa` or `active_directory`.
    #[serde(default = "default_server_type")]
    pub server_type: String,
    /// Unknown logins that bind create local users.
    #[serde(default)]
    pub onthefly_register: bool,
    /// Primary group (database id) of created users.
    #[serde(default)]
    pub default_group: Option<i64>,
    /// Sync memberships of linked local groups at each login.
    #[serde(default = "default_true")]
    pub usergroup_sync: bool,
    /// Read netgroups.
    #[serde(default)]
    pub use_netgroups: bool,
    /// Connect and operation timeout, seconds (1-60).
    #[serde(default = "default_timeout")]
    #[schemars(range(min = 1, max = 60))]
    pub timeout: i64,
}

/// `auth_source.update` input: only given keys change; an omitted `account_password` is kept.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthSourceUpdate {
    /// Unique name.
    #[serde(default)]
    #[schemars(length(min = 1, max = 60))]
    pub name: Option<String>,
    /// Server host.
    #[serde(default)]
    #[schemars(length(min = 1, max = 255))]
    pub host: Option<String>,
    /// Server port.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// LDAPS.
    #[serde(default)]
    pub tls: Option<bool>,
    /// Check the server certificate.
    #[serde(default)]
    pub tls_verify: Option<bool>,
    /// CA PEM (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(extend("x-long-string" = true))]
    pub ca_certificate: Option<Option<String>>,
    /// Service account DN (null: anonymous).
    #[serde(default, deserialize_with = "double_option")]
    pub account: Option<Option<String>>,
    /// Service account password (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(extend("writeOnly" = true))]
    pub account_password: Option<Option<String>>,
    /// Where users are searched.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub base_dn: Option<String>,
    /// Where groups are searched (null: `base_dn`).
    #[serde(default, deserialize_with = "double_option")]
    pub groups_base: Option<Option<String>>,
    /// Filter ANDed with the login search (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub ldap_filter: Option<Option<String>>,
    /// Login attribute.
    #[serde(default)]
    pub attr_login: Option<String>,
    /// First-name attribute.
    #[serde(default)]
    pub attr_firstname: Option<String>,
    /// Last-name attribute.
    #[serde(default)]
    pub attr_lastname: Option<String>,
    /// Mail attribute.
    #[serde(default)]
    pub attr_mail: Option<String>,
    /// `posix`, `free_ipa` or `active_directory`.
    #[serde(default)]
    pub server_type: Option<String>,
    /// On-the-fly registration.
    #[serde(default)]
    pub onthefly_register: Option<bool>,
    /// Primary group of created users (null: a group named after the user).
    #[serde(default, deserialize_with = "double_option")]
    pub default_group: Option<Option<i64>>,
    /// Group sync.
    #[serde(default)]
    pub usergroup_sync: Option<bool>,
    /// Netgroups.
    #[serde(default)]
    pub use_netgroups: Option<bool>,
    /// Timeout, seconds (1-60).
    #[serde(default)]
    #[schemars(range(min = 1, max = 60))]
    pub timeout: Option<i64>,
}

/// `auth_source.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuthSourceCreateArgs {
    /// The new source.
    pub auth_source_create: AuthSourceCreate,
}

/// `auth_source.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuthSourceUpdateArgs {
    /// The source's id.
    pub id: i64,
    /// Fields to change.
    pub auth_source_update: AuthSourceUpdate,
}

/// `auth_source.delete` and `auth_source.test` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct AuthSourceIdArgs {
    /// The source's id.
    pub id: i64,
}

/// What `auth_source.test` found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AuthSourceTestResult {
    /// The service account bound and the login search ran.
    pub success: bool,
    /// What happened, e.g. `Unable to connect to LDAP server`.
    pub message: String,
}

/// A link of a local group to a group of an LDAP source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalGroup {
    /// The source's id.
    pub auth_source: i64,
    /// The group's name (`cn`) in the directory.
    #[schemars(length(min = 1))]
    pub name: String,
}

/// `group.refresh_external` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GroupRefreshExternalArgs {
    /// The local group's database id.
    pub id: i64,
}

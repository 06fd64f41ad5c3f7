//! `user.*` wire types.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{Timestamp, UsernsIdmap, double_option};

/// The raw primary-group row embedded in a user entry (TrueNAS `bsdgrp_*` names).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserGroupRow {
    /// Group database id.
    pub id: i64,
    /// Group id.
    pub bsdgrp_gid: i64,
    /// Group name.
    pub bsdgrp_group: String,
    /// Whether the group is builtin.
    pub bsdgrp_builtin: bool,
    /// Group sudo commands.
    pub bsdgrp_sudo_commands: Vec<String>,
    /// Group sudo commands without password.
    pub bsdgrp_sudo_commands_nopasswd: Vec<String>,
    /// Whether the group is an SMB group.
    pub bsdgrp_smb: bool,
    /// Container id mapping.
    pub bsdgrp_userns_idmap: Option<UsernsIdmap>,
}

/// A user as `user.query` and `user.get_instance` return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct UserEntry {
    /// Database id (root is 1).
    pub id: i64,
    /// Unix user id.
    pub uid: i64,
    /// Login name.
    pub username: String,
    /// argon2id PHC string of the password, `*` when none (secret).
    pub unixhash: Option<String>,
    /// NT hash (upper-case hex) when `smb`, `*` otherwise (secret).
    pub smbhash: Option<String>,
    /// Home directory.
    pub home: String,
    /// Login shell.
    pub shell: String,
    /// Full name (GECOS).
    pub full_name: String,
    /// Builtin system account.
    pub builtin: bool,
    /// SMB authentication enabled.
    pub smb: bool,
    /// Container id mapping.
    pub userns_idmap: Option<UsernsIdmap>,
    /// Primary group row.
    pub group: UserGroupRow,
    /// Auxiliary group database ids (not gids).
    pub groups: Vec<i64>,
    /// Password login disabled.
    pub password_disabled: bool,
    /// SSH password login enabled.
    pub ssh_password_enabled: bool,
    /// Contents of `<home>/.ssh/authorized_keys`, null when absent.
    pub sshpubkey: Option<String>,
    /// Account locked.
    pub locked: bool,
    /// Commands the user may run with sudo.
    pub sudo_commands: Vec<String>,
    /// Commands the user may run with sudo without a password.
    pub sudo_commands_nopasswd: Vec<String>,
    /// E-mail address.
    pub email: Option<String>,
    /// Free-text description (at most 1024 characters).
    pub description: Option<String>,
    /// Preferred locale (one of `user.locale_choices`).
    pub locale: Option<String>,
    /// Time zone, an IANA name (one of `user.timezone_choices`).
    pub timezone: Option<String>,
    /// Whether the id is shared by a user and a group (directory services only; always false).
    pub id_type_both: bool,
    /// Local account (always true).
    pub local: bool,
    /// Builtin or the local administrator (uid 950): some attributes cannot change.
    pub immutable: bool,
    /// The user has a two-factor secret.
    pub twofactor_auth_configured: bool,
    /// SMB security identifier when `smb`.
    pub sid: Option<String>,
    /// When the password last changed.
    pub last_password_change: Option<Timestamp>,
    /// Days since the password changed; null when unknown or in the future.
    pub password_age: Option<i64>,
    /// Previous password hashes, newest last, at most 10 (secret: `********` when redacted).
    pub password_history: Option<SecretList>,
    /// The password must be changed: it has expired or expires within 6 days (its profile's
    /// `password_expiration_days`), or an administrator required it.
    pub password_change_required: bool,
    /// Id of the account profile whose policy applies to the user.
    pub account_profile: i64,
    /// Roles granted through the privileges of the user's groups.
    pub roles: Vec<String>,
    /// Ids of the user's API keys.
    pub api_keys: Vec<i64>,
    /// The user may use WebShare: a member of the builtin group `truenas_webshare`.
    pub webshare: bool,
    /// The authentication source that checks the user's password (`auth_source.query`; 1 is `Internal`, local
    /// passwords).
    pub auth_source: i64,
    /// That source's name.
    pub auth_source_name: String,
    /// The user's access entries: the roles of a privilege in one tenant or in every tenant, in the order given.
    pub access: Vec<AccessEntry>,
    /// The tenant the user's sessions start in; null: the first tenant the user has access in, else `admin`.
    pub default_tenant: Option<i64>,
}

/// One access entry (`tenants-and-roles.md`): "this privilege's roles in this tenant", or "in every tenant".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessEntry {
    /// The privilege (`privilege.query` id) whose roles are granted.
    pub privilege: i64,
    /// The tenant they apply in (exactly one of `tenant` and `all_tenants`).
    #[serde(default)]
    pub tenant: Option<i64>,
    /// They apply in every tenant.
    #[serde(default)]
    pub all_tenants: bool,
}

impl UserEntry {
    /// Fields shown as `********` to callers without FULL_ADMIN or ACCOUNT_WRITE.
    pub const SECRET_FIELDS: &'static [&'static str] = &["unixhash", "smbhash", "password_history"];
}

/// A list of secrets, or `********` for callers who may not see them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum SecretList {
    /// The values.
    Values(Vec<String>),
    /// The redaction marker `********`.
    Redacted(String),
}

/// A user entry plus the cleartext password that was given or generated (`user.create`, `user.update`).
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserWithPassword {
    /// The entry.
    #[serde(flatten)]
    pub entry: UserEntry,
    /// The password set by this call (given or generated), else null.
    pub password: Option<String>,
}

fn default_home() -> String {
    "/var/empty".to_string()
}
fn default_shell() -> String {
    "/usr/bin/zsh".to_string()
}
fn default_home_mode() -> String {
    "700".to_string()
}
fn default_true() -> bool {
    true
}

/// `user.create` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserCreate {
    /// Unix user id; null picks the next free one (>= 3000).
    #[serde(default)]
    #[schemars(range(min = 0, max = 90000000))]
    pub uid: Option<i64>,
    /// Login name: 1-32 characters from `[A-Za-z0-9_.-]`, starting with a letter or `_`.
    pub username: String,
    /// Full name.
    #[schemars(length(min = 1))]
    pub full_name: String,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Free-text description (at most 1024 characters, no control characters).
    #[serde(default)]
    pub description: Option<String>,
    /// Preferred locale (one of `user.locale_choices`).
    #[serde(default)]
    pub locale: Option<String>,
    /// Time zone: an IANA name, or one of Foreman's Rails names (stored as its IANA zone).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Create (or reuse) a primary group named like the user.
    #[serde(default)]
    pub group_create: bool,
    /// Primary group database id (exactly one of `group` and `group_create`).
    #[serde(default)]
    pub group: Option<i64>,
    /// Home directory.
    #[serde(default = "default_home")]
    pub home: String,
    /// Create `<home>/<username>`.
    #[serde(default)]
    pub home_create: bool,
    /// Octal permissions of a created home directory.
    #[serde(default = "default_home_mode")]
    pub home_mode: String,
    /// Password (required unless `password_disabled` or `random_password`).
    #[serde(default)]
    #[schemars(length(min = 1))]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<String>,
    /// Generate a random 20-character password and return it.
    #[serde(default)]
    pub random_password: bool,
    /// Login shell.
    #[serde(default = "default_shell")]
    pub shell: String,
    /// Enable SMB authentication.
    #[serde(default = "default_true")]
    pub smb: bool,
    /// Container id mapping.
    #[serde(default)]
    pub userns_idmap: Option<UsernsIdmap>,
    /// Auxiliary group database ids.
    #[serde(default)]
    pub groups: Vec<i64>,
    /// Disable password login.
    #[serde(default)]
    pub password_disabled: bool,
    /// Allow SSH password login.
    #[serde(default)]
    pub ssh_password_enabled: bool,
    /// SSH public keys written to `<home>/.ssh/authorized_keys`.
    #[serde(default)]
    #[schemars(extend("x-long-string" = true))]
    pub sshpubkey: Option<String>,
    /// Lock the account.
    #[serde(default)]
    pub locked: bool,
    /// Commands the user may run with sudo.
    #[serde(default)]
    #[schemars(inner(length(min = 1)))]
    pub sudo_commands: Vec<SudoCommand>,
    /// Commands the user may run with sudo without a password.
    #[serde(default)]
    #[schemars(inner(length(min = 1)))]
    pub sudo_commands_nopasswd: Vec<SudoCommand>,
    /// Allow WebShare access: the user joins the builtin group `truenas_webshare` (false leaves it out).
    #[serde(default)]
    pub webshare: bool,
    /// The authentication source (`auth_source.query` id) that checks the password; users of an external
    /// source have no local password.
    #[serde(default = "default_auth_source")]
    pub auth_source: i64,
    /// Id of the account profile whose policy applies (default 1, `Default`).
    #[serde(default = "default_profile")]
    pub account_profile: i64,
    /// Access entries: privileges granted in one tenant or in every tenant (privilege, tenant ids checked;
    /// duplicates refused).
    #[serde(default)]
    pub access: Vec<AccessEntry>,
    /// The tenant sessions start in: one the user has access in; null: the first such tenant, else `admin`.
    #[serde(default)]
    pub default_tenant: Option<i64>,
}

fn default_profile() -> i64 {
    1
}

fn default_auth_source() -> i64 {
    1
}

/// A non-empty sudo command.
pub type SudoCommand = String;

/// `user.update` input: every field optional; only given keys change.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserUpdate {
    /// Login name.
    #[serde(default)]
    pub username: Option<String>,
    /// Full name.
    #[serde(default)]
    #[schemars(length(min = 1))]
    pub full_name: Option<String>,
    /// E-mail address (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub email: Option<Option<String>>,
    /// Free-text description (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub description: Option<Option<String>>,
    /// Preferred locale (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub locale: Option<Option<String>>,
    /// Time zone: an IANA name or a Rails name (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    pub timezone: Option<Option<String>>,
    /// Primary group database id (null is refused).
    #[serde(default, deserialize_with = "double_option")]
    pub group: Option<Option<i64>>,
    /// Home directory.
    #[serde(default)]
    pub home: Option<String>,
    /// Create `<home>/<username>`.
    #[serde(default)]
    pub home_create: Option<bool>,
    /// Octal permissions of the home directory.
    #[serde(default)]
    pub home_mode: Option<String>,
    /// New password.
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(length(min = 1))]
    #[schemars(extend("writeOnly" = true))]
    pub password: Option<Option<String>>,
    /// Generate a random password.
    #[serde(default)]
    pub random_password: Option<bool>,
    /// Login shell.
    #[serde(default)]
    pub shell: Option<String>,
    /// Enable SMB authentication.
    #[serde(default)]
    pub smb: Option<bool>,
    /// Container id mapping.
    #[serde(default, deserialize_with = "double_option")]
    pub userns_idmap: Option<Option<UsernsIdmap>>,
    /// Auxiliary group database ids.
    #[serde(default)]
    pub groups: Option<Vec<i64>>,
    /// Disable password login.
    #[serde(default)]
    pub password_disabled: Option<bool>,
    /// Allow SSH password login.
    #[serde(default)]
    pub ssh_password_enabled: Option<bool>,
    /// SSH public keys.
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(extend("x-long-string" = true))]
    pub sshpubkey: Option<Option<String>>,
    /// Lock the account.
    #[serde(default)]
    pub locked: Option<bool>,
    /// Commands the user may run with sudo.
    #[serde(default)]
    #[schemars(inner(length(min = 1)))]
    pub sudo_commands: Option<Vec<SudoCommand>>,
    /// Commands the user may run with sudo without a password.
    #[serde(default)]
    #[schemars(inner(length(min = 1)))]
    pub sudo_commands_nopasswd: Option<Vec<SudoCommand>>,
    /// Allow WebShare access (membership of `truenas_webshare`; refused for root).
    #[serde(default)]
    pub webshare: Option<bool>,
    /// The authentication source; moving a user to an external source removes its local password.
    #[serde(default)]
    pub auth_source: Option<i64>,
    /// Id of the account profile whose policy applies.
    #[serde(default)]
    pub account_profile: Option<i64>,
    /// Require a password change at the next login (false clears an administrator's requirement; an expired
    /// password still requires one).
    #[serde(default)]
    pub password_change_required: Option<bool>,
    /// Access entries (replaces the list).
    #[serde(default)]
    pub access: Option<Vec<AccessEntry>>,
    /// The tenant sessions start in (null: the first tenant the user has access in, else `admin`). Left out,
    /// a stored default tenant the new access entries no longer reach is cleared.
    #[serde(default, deserialize_with = "double_option")]
    pub default_tenant: Option<Option<i64>>,
}

/// `user.create` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct UserCreateArgs {
    /// The new user.
    pub user_create: UserCreate,
}

/// `user.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct UserUpdateArgs {
    /// The user's database id.
    pub id: i64,
    /// Fields to change.
    pub user_update: UserUpdate,
}

/// `user.delete` options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserDeleteOptions {
    /// Delete the primary group when no other user uses it and it is not builtin.
    #[serde(default = "default_true")]
    pub delete_group: bool,
}

impl Default for UserDeleteOptions {
    fn default() -> Self {
        UserDeleteOptions { delete_group: true }
    }
}

/// `user.delete` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct UserDeleteArgs {
    /// The user's database id.
    pub id: i64,
    /// Options.
    #[serde(default)]
    pub options: UserDeleteOptions,
}

/// `user.shell_choices` arguments.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct ShellChoicesArgs {
    /// Group database ids; privileged groups add the TrueNAS CLI shells.
    #[serde(default)]
    pub group_ids: Vec<i64>,
}

/// `user.get_user_obj` input: exactly one of `username` and `uid`.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetUserObjQuery {
    /// Look up by name.
    #[serde(default)]
    pub username: Option<String>,
    /// Look up by uid.
    #[serde(default)]
    pub uid: Option<i64>,
    /// Include the list of group ids.
    #[serde(default)]
    pub get_groups: bool,
    /// Include the SID.
    #[serde(default)]
    pub sid_info: bool,
}

/// `user.get_user_obj` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct GetUserObjArgs {
    /// Which user.
    pub get_user_obj: GetUserObjQuery,
}

/// A passwd-style user object.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct UserObj {
    /// Name.
    pub pw_name: String,
    /// GECOS.
    pub pw_gecos: String,
    /// Home directory.
    pub pw_dir: String,
    /// Shell.
    pub pw_shell: String,
    /// uid.
    pub pw_uid: i64,
    /// Primary gid.
    pub pw_gid: i64,
    /// gids of every group (when `get_groups`), else null.
    pub grouplist: Option<Vec<i64>>,
    /// SID (when `sid_info` and SMB), else null.
    pub sid: Option<String>,
    /// `LOCAL`.
    pub source: String,
    /// Always true.
    pub local: bool,
}

/// `user.set_password` input.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordData {
    /// Whose password.
    pub username: String,
    /// The current password (required unless the caller has FULL_ADMIN).
    #[serde(default)]
    #[schemars(extend("writeOnly" = true))]
    pub old_password: Option<String>,
    /// The new password.
    #[schemars(length(min = 1))]
    #[schemars(extend("writeOnly" = true))]
    pub new_password: String,
}

/// `user.set_password` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SetPasswordArgs {
    /// What to change.
    pub set_password_data: SetPasswordData,
}

/// `user.reset_lockout` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct ResetLockoutArgs {
    /// Login name of the locked-out user.
    pub username: String,
}

/// Which local administrator account to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum AdminUsername {
    /// Set root's password.
    #[serde(rename = "root")]
    Root,
    /// Create `truenas_admin` (uid 950) and disable root's password.
    #[serde(rename = "truenas_admin")]
    TruenasAdmin,
}

/// `user.setup_local_administrator` options.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupLocalAdministratorOptions {
    /// Cloud instance check; accepted and ignored (not a cloud appliance).
    #[serde(default)]
    pub ec2: Option<Ec2Options>,
}

/// EC2 instance options.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ec2Options {
    /// Instance id.
    pub instance_id: String,
}

/// `user.setup_local_administrator` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct SetupLocalAdministratorArgs {
    /// `root` or `truenas_admin`.
    pub username: AdminUsername,
    /// The password.
    #[schemars(length(min = 1))]
    #[schemars(extend("writeOnly" = true))]
    pub password: String,
    /// Options.
    #[serde(default)]
    pub options: SetupLocalAdministratorOptions,
}

//! `user.activity.*` wire types: what logins did to each account (Avi's `UserActivity`), kept out of
//! `UserEntry` so that a login does not change the user entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::Timestamp;

/// One user's login activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct UserActivityEntry {
    /// The user's database id (as `user.query`'s `id`).
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Failed password or one-time-password checks that still count towards the lockout (within the profile's
    /// evaluation period), on both counters (known origins and other addresses).
    pub failed_login_attempts: i64,
    /// When those failures happened, oldest first.
    pub login_failure_timestamps: Vec<Timestamp>,
    /// The last failed password or one-time-password check of the account (kept after the counters clear).
    pub last_failed_login: Option<Timestamp>,
    /// Logins are refused now, for the account's known origins, for other addresses, or both.
    pub locked_out: bool,
    /// The end of the latest lock in force; null when not locked out.
    pub lockout_until: Option<Timestamp>,
    /// The last successful login (any mechanism).
    pub last_login: Option<Timestamp>,
    /// The client address of that login.
    pub last_login_ip: Option<String>,
    /// The user holds at least one logged-in session now.
    pub logged_in: bool,
    /// How many logged-in sessions the user holds now.
    pub concurrent_sessions: i64,
    /// When the password last changed.
    pub last_password_change: Option<Timestamp>,
}

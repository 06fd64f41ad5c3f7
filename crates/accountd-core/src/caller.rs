//! Who is calling: the logged-in user of a session and the roles they hold now.

use std::sync::Arc;

use accountd_api::Method;
use accountd_api::Role;
use accountd_api::methods::account::{UserAccountConfig, UserAccountUpdate};
use accountd_api::methods::auth::{AuthLogout, AuthMe};
use accountd_api::methods::core::CorePing;
use accountd_api::roles::any_grants;

use crate::account_profiles::expiry;
use crate::error::{Error, errno};

/// The authenticated principal of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's database id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
    /// Roles granted by the privileges of the user's groups (not expanded).
    pub roles: Vec<Role>,
    /// The session (connection) the call comes from, as `auth.sessions` names it; `None` outside a session.
    /// Writes that end someone's sessions spare this one.
    pub session_id: Option<Arc<str>>,
    /// The session logged in with an expired password under a `RESTRICT` profile (or one an administrator
    /// marked as to be changed): until the password is changed, only the methods
    /// [`permitted_while_password_expired`](crate::account_profiles::expiry::permitted_while_password_expired)
    /// names may be called.
    pub password_change_required: bool,
    /// The session logged in with a one-time password (`auth.generate_onetime_password`): it sets its own
    /// password without giving the old one, and creates no tokens.
    pub onetime_password: bool,
    /// A user matched by no privilege, let in because `allow_unprivileged_self_service` is on: the session may
    /// call only [`PERMITTED_SELF_SERVICE`] (Avi: every user reaches My Account).
    pub self_service_only: bool,
}

/// The methods a session of a user without any privilege may call (with `allow_unprivileged_self_service`).
pub const PERMITTED_SELF_SERVICE: &[&str] = &[
    AuthMe::NAME,
    AuthLogout::NAME,
    CorePing::NAME,
    UserAccountConfig::NAME,
    UserAccountUpdate::NAME,
];

impl Caller {
    /// True when the caller's roles grant `role`.
    pub fn has(&self, role: Role) -> bool {
        any_grants(&self.roles, role)
    }

    /// The refusal of `method` by the session's restriction, if any: a password that must be changed first
    /// (EACCES "Password has expired and must be changed"), or a user let in only to their own account (EACCES
    /// "Not authorized"). The auth gate asks this before every call that needs a login.
    pub fn restriction_refuses(&self, method: &str) -> Option<Error> {
        if self.password_change_required && !expiry::permitted_while_password_expired(method) {
            return Some(expiry::password_expired_error());
        }
        if self.self_service_only && !PERMITTED_SELF_SERVICE.contains(&method) {
            return Some(Error::call(errno::EACCES, "Not authorized"));
        }
        None
    }

    /// True when secret fields may be shown (FULL_ADMIN or ACCOUNT_WRITE).
    pub fn may_see_secrets(&self) -> bool {
        self.has(Role::FullAdmin) || self.has(Role::AccountWrite)
    }
}

//! Who is calling: the logged-in user of a session and the roles they hold now.

use std::sync::Arc;

use accountd_api::Role;
use accountd_api::roles::any_grants;

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
    "auth.me",
    "auth.logout",
    "core.ping",
    "user.account.config",
    "user.account.update",
];

impl Caller {
    /// True when the caller's roles grant `role`.
    pub fn has(&self, role: Role) -> bool {
        any_grants(&self.roles, role)
    }

    /// True when secret fields may be shown (FULL_ADMIN or ACCOUNT_WRITE).
    pub fn may_see_secrets(&self) -> bool {
        self.has(Role::FullAdmin) || self.has(Role::AccountWrite)
    }
}

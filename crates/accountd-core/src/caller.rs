//! Who is calling: the logged-in user of a session, the grants they hold now and how their session is
//! restricted. What a caller may do is decided in [`crate::authz`].

use std::sync::Arc;

use crate::authz::{Grant, SessionTenant};

/// The authenticated principal of a call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// The user's database id.
    pub user_id: i64,
    /// The user's name.
    pub username: String,
    /// The roles the user holds and where (group privileges and the Default privilege globally, access
    /// entries in their tenants or everywhere; not expanded).
    pub grants: Vec<Grant>,
    /// The tenant the session works in (`tenant.switch`).
    pub tenant: SessionTenant,
    /// The session (connection) the call comes from, as `auth.sessions` names it; `None` outside a session.
    /// Writes that end someone's sessions spare this one.
    pub session_id: Option<Arc<str>>,
    /// The session logged in with an expired password under a `RESTRICT` profile (or one an administrator
    /// marked as to be changed): until the password is changed, only the methods
    /// [`PERMITTED_WHILE_PASSWORD_EXPIRED`](crate::authz::restriction::PERMITTED_WHILE_PASSWORD_EXPIRED) names may
    /// be called.
    pub password_change_required: bool,
    /// The session logged in with a one-time password (`auth.generate_onetime_password`): it sets its own
    /// password without giving the old one, and creates no tokens.
    pub onetime_password: bool,
    /// A user matched by no privilege, let in because `allow_unprivileged_self_service` is on: the session may
    /// call only [`PERMITTED_SELF_SERVICE`](crate::authz::restriction::PERMITTED_SELF_SERVICE) (Avi: every user
    /// reaches My Account).
    pub self_service_only: bool,
}

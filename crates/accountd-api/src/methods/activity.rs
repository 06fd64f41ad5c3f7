//! `user.activity.*` methods: each account's login activity, read-only.

use crate::declare_method;
use crate::method::Events;
use crate::types::activity::UserActivityEntry;
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::{Access, Role};

/// TrueNAS's ACCOUNT_READ.
const READ: Access = Access::Roles(&[Role::AccountRead]);

declare_method! {
    /// Queries the login activity of every user (id = the user's id) with query-filters and query-options:
    /// recent failed checks and the lockout they caused, the last login and its address, the sessions held
    /// now, the last password change. Subscribable as `user.activity.query`: an event when a lockout starts or
    /// ends and when the user logs in or out.
    UserActivityQuery = "user.activity.query", READ, QueryArgs => QueryAnswer<UserActivityEntry>,
    events: Events::Public,
    tenant_scoped: true,
    examples: [
        Admin r#"[[["username", "=", "truenas_admin"]], {"select": ["username", "logged_in", "concurrent_sessions", "failed_login_attempts"]}]"#,
    ]
}

declare_method! {
    /// Returns the login activity of the user with id `id`; an unknown id is an ENOENT validation error.
    UserActivityGetInstance = "user.activity.get_instance", READ, GetInstanceArgs => Instance<UserActivityEntry>,
    tenant_scoped: true,
    examples: [
        Admin r#"[1]"#,
    ]
}

//! Every access decision: the grants a caller holds ([`Grant`], a role in a [`Scope`]), the method table's role
//! check ([`allows`], [`call_refusal`]), the restrictions of sessions ([`restriction_refuses`]) and each
//! record-level rule (whose sessions, keys, passwords and secrets a caller reaches) as a named function. Services
//! and the server's handlers ask these; nothing else compares roles or user ids to decide who may do what.

mod credentials;
mod escalation;
mod gate;
mod grant;
mod me;
pub mod restriction;
mod secrets;
mod sessions;
mod tenants;
mod user_writes;
mod users;

#[cfg(test)]
mod service_tests;
#[cfg(test)]
pub(crate) mod testing;

pub use credentials::{
    may_manage_api_keys_of, may_read_twofactor_config_of, may_renew_twofactor_of, may_set_password_of,
    skips_old_password,
};
pub use escalation::{ESCALATION_ERRNO, escalation_message, may_change_credentials_of, roles_not_held};
pub use gate::{allows, allows_everywhere, call_refusal, method_scope};
pub use grant::{Grant, Scope, SessionTenant, TenantId, UserRef, global_grants};
pub use me::{allowlist_of, session_role_names};
pub use restriction::{may_create_tokens, may_get_reconnect_token, restriction_refuses, restriction_refuses_target};
pub use secrets::{Redaction, may_see_secrets, redaction_for, sees_twofactor_secret};
pub use sessions::{may_end_session, may_list_sessions_of};
pub use tenants::{
    TenantView, UserReach, may_enter_tenant, may_view_all_tenants, starting_tenant, tenants_visible_to,
    users_reached_with, users_readable_by,
};
pub use user_writes::{creates_users_in, creation_refusal, may_grant_access, may_write_user};
pub use users::{may_delete_user, may_lock};

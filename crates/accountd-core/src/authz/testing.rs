//! Callers for the rule tables.

use accountd_api::Role;

use super::global_grants;
use crate::caller::Caller;

/// User 5, `bob`, holding `roles` everywhere, in an unrestricted session.
pub(crate) fn caller_with(roles: &[Role]) -> Caller {
    Caller {
        user_id: 5,
        username: "bob".to_string(),
        grants: global_grants(roles.iter().copied()),
        session_id: None,
        tenant: crate::authz::SessionTenant::default(),
        password_change_required: false,
        onetime_password: false,
        self_service_only: false,
    }
}

//! The method table's role check: who may call a method declared with an [`Access`]. The server asks it before
//! the params are validated (EACCES first, as TrueNAS answers), for `core.get_methods` and for event
//! subscriptions.

use accountd_api::Access;

use super::Scope;
use super::restriction::restriction_refuses;
use crate::caller::Caller;
use crate::error::{Error, errno};

/// The scope the method table's roles are checked in: every grant is global until sessions work in a tenant.
const METHOD_SCOPE: Scope = Scope::Global;

/// True when `caller` holds what a method with this access needs (the session's restriction aside).
pub fn allows(access: Access, caller: &Caller) -> bool {
    match access {
        Access::NoAuth | Access::AnyUser => true,
        Access::Roles(wanted) => wanted.iter().any(|r| caller.may(*r, METHOD_SCOPE)),
    }
}

/// The refusal of a logged-in caller's call of `method` (declared with `access`): the session's restriction
/// first, then the roles (EACCES "Not authorized").
pub fn call_refusal(caller: &Caller, method: &str, access: Access) -> Option<Error> {
    if let Some(refusal) = restriction_refuses(caller, method) {
        return Some(refusal);
    }
    (!allows(access, caller)).then(|| Error::call(errno::EACCES, "Not authorized"))
}

#[cfg(test)]
mod tests {
    use accountd_api::Role;

    use super::*;
    use crate::authz::testing::caller_with;

    #[test]
    fn a_method_needs_one_of_its_roles() {
        const READ: Access = Access::Roles(&[Role::AccountRead]);
        const KEYS: Access = Access::Roles(&[Role::ApiKeyRead, Role::AccountWrite]);
        // (caller's roles, access, allowed)
        let rows: &[(&[Role], Access, bool)] = &[
            (&[], Access::NoAuth, true),
            (&[], Access::AnyUser, true),
            (&[], READ, false),
            (&[Role::AccountRead], READ, true),
            (&[Role::AccountWrite], READ, true),
            (&[Role::ReadonlyAdmin], READ, true),
            (&[Role::FullAdmin], READ, true),
            (&[Role::ApiKeyWrite], READ, false),
            (&[Role::ApiKeyWrite], KEYS, true),
            (&[Role::AccountWrite], KEYS, true),
            (&[Role::SystemAuditRead], KEYS, false),
        ];
        for (roles, access, allowed) in rows {
            assert_eq!(allows(*access, &caller_with(roles)), *allowed, "{roles:?} {access:?}");
        }
    }

    #[test]
    fn the_restriction_answers_before_the_roles() {
        const READ: Access = Access::Roles(&[Role::AccountRead]);
        let expired = Caller {
            password_change_required: true,
            ..caller_with(&[])
        };
        let refusal = |c: &Caller, m| call_refusal(c, m, READ).map(|e| e.to_string());
        assert_eq!(
            refusal(&expired, "user.query").as_deref(),
            Some("[EACCES] Password has expired and must be changed")
        );
        assert_eq!(
            refusal(&caller_with(&[]), "user.query").as_deref(),
            Some("[EACCES] Not authorized")
        );
        assert_eq!(refusal(&caller_with(&[Role::AccountRead]), "user.query"), None);
    }
}

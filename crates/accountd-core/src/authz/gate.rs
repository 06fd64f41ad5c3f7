//! The method table's role check: who may call a method declared with an [`Access`]. The server asks it before
//! the params are validated (EACCES first, as TrueNAS answers), for `core.get_methods` and for event
//! subscriptions.

use accountd_api::Access;

use super::Scope;
use super::restriction::restriction_refuses;
use crate::caller::Caller;
use crate::error::{Error, errno};

/// The scope `method`'s roles are checked in for `caller`: the session's tenant for a method declared
/// `tenant_scoped` (whose records this module scopes to the tenant), else global (groups, settings, mail, auth
/// sources, tenant writes).
pub fn method_scope(method: &str, caller: &Caller) -> Scope {
    if accountd_api::methods::is_tenant_scoped(method) {
        caller.scope()
    } else {
        Scope::Global
    }
}

/// True when `caller` holds what `method`, declared with this access, needs (the session's restriction
/// aside): one of its roles among the caller's effective roles (global grants, and the grants of the session's
/// tenant for a tenant-scoped method).
pub fn allows(method: &str, access: Access, caller: &Caller) -> bool {
    match access {
        Access::NoAuth | Access::AnyUser => true,
        Access::Roles(wanted) => {
            let scope = method_scope(method, caller);
            wanted.iter().any(|r| caller.may(*r, scope))
        }
    }
}

/// True when `caller` holds one of the roles of `access` globally: what an event subscription needs (events are
/// not scoped to a tenant).
pub fn allows_everywhere(access: Access, caller: &Caller) -> bool {
    match access {
        Access::NoAuth | Access::AnyUser => true,
        Access::Roles(wanted) => wanted.iter().any(|r| caller.may(*r, Scope::Global)),
    }
}

/// The refusal of a logged-in caller's call of `method` (declared with `access`): the session's restriction
/// first, then the roles (EACCES "Not authorized").
pub fn call_refusal(caller: &Caller, method: &str, access: Access) -> Option<Error> {
    if let Some(refusal) = restriction_refuses(caller, method) {
        return Some(refusal);
    }
    (!allows(method, access, caller)).then(|| Error::call(errno::EACCES, "Not authorized"))
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
            assert_eq!(
                allows("user.query", *access, &caller_with(roles)),
                *allowed,
                "{roles:?} {access:?}"
            );
        }
    }

    #[test]
    fn tenant_grants_count_in_the_session_tenant_for_tenant_scoped_methods_only() {
        use crate::authz::{Grant, SessionTenant, TenantId};
        const READ: Access = Access::Roles(&[Role::TenantRead]);
        const WRITE: Access = Access::Roles(&[Role::TenantWrite]);
        let in_tenant = |role, t| Grant {
            role,
            scope: Scope::Tenant(TenantId(t)),
        };
        let caller = |grants: Vec<Grant>, tenant| Caller {
            grants,
            tenant,
            ..caller_with(&[])
        };
        let t2 = SessionTenant::One(TenantId(2));
        let t3 = SessionTenant::One(TenantId(3));
        // (grants, session tenant, method, access, allowed)
        let rows = vec![
            (vec![in_tenant(Role::TenantRead, 2)], t2, "tenant.query", READ, true),
            (vec![in_tenant(Role::TenantRead, 2)], t3, "tenant.query", READ, false),
            (
                vec![in_tenant(Role::TenantRead, 2)],
                SessionTenant::All,
                "tenant.query",
                READ,
                false,
            ),
            (vec![in_tenant(Role::TenantWrite, 2)], t2, "tenant.create", WRITE, false),
            (
                vec![in_tenant(Role::FullAdmin, 2)],
                t2,
                "mail.update",
                Access::Roles(&[Role::AlertWrite]),
                false,
            ),
            (vec![Grant::global(Role::TenantRead)], t3, "tenant.query", READ, true),
            (
                vec![Grant::global(Role::TenantWrite)],
                SessionTenant::All,
                "tenant.create",
                WRITE,
                true,
            ),
        ];
        for (grants, tenant, method, access, allowed) in rows {
            let c = caller(grants.clone(), tenant);
            assert_eq!(allows(method, access, &c), allowed, "{grants:?} {tenant:?} {method}");
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

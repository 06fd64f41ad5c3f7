//! The escalation guard (`tenants-and-roles.md` section 5, Foreman's rule): whoever grants a role must hold it in
//! the scope it is granted in, unless they hold FULL_ADMIN globally; and whoever changes the credentials of a
//! user (password, email, lock, ...) must hold every role that user holds.

use accountd_api::Role;

use super::{Grant, Scope};
use crate::caller::Caller;
use crate::error::errno;

/// The message of a refused grant, naming the missing roles.
pub fn escalation_message(missing: &[Role]) -> String {
    let names: Vec<&str> = missing.iter().map(|r| r.as_str()).collect();
    format!("You cannot grant roles you do not hold: {}", names.join(", "))
}

/// The errno of a refused grant or credential change.
pub const ESCALATION_ERRNO: i32 = errno::EPERM;

/// The roles of `granted` that `caller` does not hold in `scope` (none for a global FULL_ADMIN), in order,
/// once each.
pub fn roles_not_held(caller: &Caller, granted: &[Role], scope: Scope) -> Vec<Role> {
    if caller.may(Role::FullAdmin, Scope::Global) {
        return Vec::new();
    }
    let mut missing: Vec<Role> = Vec::new();
    for role in granted {
        if !caller.may(*role, scope) && !missing.contains(role) {
            missing.push(*role);
        }
    }
    missing
}

/// True when `caller` may change the credentials (password, email, lock, two-factor secret, API keys) of a
/// user holding `target`: it holds each of the target's roles where the target holds it.
pub fn may_change_credentials_of(caller: &Caller, target: &[Grant]) -> bool {
    caller.may(Role::FullAdmin, Scope::Global) || target.iter().all(|g| caller.may(g.role, g.scope))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::TenantId;
    use crate::authz::testing::caller_with;

    const T2: Scope = Scope::Tenant(TenantId(2));

    #[test]
    fn only_roles_held_in_the_scope_may_be_granted() {
        let tenant_admin = Caller {
            grants: vec![Grant {
                role: Role::AccountWrite,
                scope: T2,
            }],
            ..caller_with(&[])
        };
        // (caller, granted roles, scope, missing)
        let rows: Vec<(Caller, &[Role], Scope, &[Role])> = vec![
            (caller_with(&[Role::FullAdmin]), &[Role::FullAdmin], Scope::Global, &[]),
            (
                caller_with(&[Role::AccountWrite]),
                &[Role::FullAdmin],
                Scope::Global,
                &[Role::FullAdmin],
            ),
            (
                caller_with(&[Role::AccountWrite]),
                &[Role::AccountRead],
                Scope::Global,
                &[],
            ),
            (caller_with(&[Role::AccountWrite]), &[Role::AccountRead], T2, &[]),
            (
                caller_with(&[Role::ReadonlyAdmin]),
                &[Role::AccountWrite, Role::AccountRead, Role::AccountWrite],
                Scope::Global,
                &[Role::AccountWrite],
            ),
            (tenant_admin.clone(), &[Role::AccountRead], T2, &[]),
            (
                tenant_admin.clone(),
                &[Role::AccountRead],
                Scope::Global,
                &[Role::AccountRead],
            ),
            (tenant_admin.clone(), &[Role::ApiKeyWrite], T2, &[Role::ApiKeyWrite]),
        ];
        for (caller, granted, scope, missing) in rows {
            assert_eq!(
                roles_not_held(&caller, granted, scope),
                missing,
                "{:?} {granted:?} {scope:?}",
                caller.grants
            );
        }
        assert_eq!(
            escalation_message(&[Role::FullAdmin, Role::AccountWrite]),
            "You cannot grant roles you do not hold: FULL_ADMIN, ACCOUNT_WRITE"
        );
    }

    #[test]
    fn credentials_of_a_user_holding_more_stay_out_of_reach() {
        let admin = [Grant::global(Role::FullAdmin)];
        let in_t2 = [Grant {
            role: Role::AccountWrite,
            scope: T2,
        }];
        // (caller's roles, target's grants, may change)
        let rows: Vec<(&[Role], &[Grant], bool)> = vec![
            (&[Role::FullAdmin], &admin, true),
            (&[Role::AccountWrite], &admin, false),
            (&[Role::AccountWrite], &[], true),
            (&[Role::AccountWrite], &in_t2, true),
            (&[Role::AccountRead], &in_t2, false),
        ];
        for (roles, target, expected) in rows {
            assert_eq!(
                may_change_credentials_of(&caller_with(roles), target),
                expected,
                "{roles:?} {target:?}"
            );
        }
    }
}

//! Tenant-scoped writes of users (`tenants-and-roles.md` section 3): a caller whose ACCOUNT_WRITE is held only in
//! tenants changes users whose every access entry is in such a tenant and who hold no global role, grants access
//! only in those tenants, and creates users in the session's tenant; the all-tenants view creates nothing.

use accountd_api::Role;
use accountd_store::tenants::AccessRow;

use super::{Grant, Scope, SessionTenant, TenantId};
use crate::caller::Caller;
use crate::error::{Error, errno};

fn writes_in(caller: &Caller, entry: &AccessRow) -> bool {
    match entry.tenant_id {
        Some(t) if !entry.all_tenants => caller.may(Role::AccountWrite, Scope::Tenant(TenantId(t))),
        _ => false,
    }
}

/// True when `caller` may update or delete the user `target` with these access entries and grants (its own
/// account always: self-service goes through the same write).
pub fn may_write_user(caller: &Caller, target: i64, target_access: &[AccessRow], target_grants: &[Grant]) -> bool {
    if caller.is_self(target) || caller.may(Role::AccountWrite, Scope::Global) {
        return true;
    }
    !target_access.is_empty()
        && target_access.iter().all(|a| writes_in(caller, a))
        && target_grants.iter().all(|g| g.scope != Scope::Global)
}

/// True when `caller` may give a user this access entry (besides the escalation guard's check of its roles): a
/// global account writer anywhere, a tenant-scoped one only in the tenants it writes in.
pub fn may_grant_access(caller: &Caller, entry: &AccessRow) -> bool {
    caller.may(Role::AccountWrite, Scope::Global) || writes_in(caller, entry)
}

/// The tenant a caller without a global ACCOUNT_WRITE creates users in (the session's), or `None` for a global
/// writer.
pub fn creates_users_in(caller: &Caller) -> Option<TenantId> {
    if caller.may(Role::AccountWrite, Scope::Global) {
        return None;
    }
    match caller.tenant {
        SessionTenant::One(t) => Some(t),
        SessionTenant::All => None,
    }
}

/// The refusal of creating a tenant-scoped object (a user, an API key) in the all-tenants view.
pub fn creation_refusal(caller: &Caller) -> Option<Error> {
    (caller.tenant == SessionTenant::All)
        .then(|| Error::call(errno::EINVAL, "Objects cannot be created in the all-tenants context"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    fn entry(tenant: Option<i64>) -> AccessRow {
        AccessRow {
            privilege_id: 6,
            tenant_id: tenant,
            all_tenants: tenant.is_none(),
        }
    }

    fn tenant_writer(tenants: &[i64]) -> Caller {
        Caller {
            grants: tenants
                .iter()
                .map(|t| Grant {
                    role: Role::AccountWrite,
                    scope: Scope::Tenant(TenantId(*t)),
                })
                .collect(),
            tenant: SessionTenant::One(TenantId(tenants.first().copied().unwrap_or(1))),
            ..caller_with(&[])
        }
    }

    #[test]
    fn tenant_writers_reach_users_entirely_within_their_tenants() {
        let scoped = |t| Grant {
            role: Role::AccountRead,
            scope: Scope::Tenant(TenantId(t)),
        };
        let global = [Grant::global(Role::AccountRead)];
        // (caller, target's entries, target's grants, may write)
        let rows: Vec<(Caller, Vec<AccessRow>, Vec<Grant>, bool)> = vec![
            (caller_with(&[Role::AccountWrite]), vec![], global.to_vec(), true),
            (tenant_writer(&[2]), vec![entry(Some(2))], vec![scoped(2)], true),
            (
                tenant_writer(&[2, 3]),
                vec![entry(Some(2)), entry(Some(3))],
                vec![],
                true,
            ),
            // Also in another tenant.
            (tenant_writer(&[2]), vec![entry(Some(2)), entry(Some(3))], vec![], false),
            // In every tenant.
            (tenant_writer(&[2]), vec![entry(None)], vec![], false),
            // A global role.
            (tenant_writer(&[2]), vec![entry(Some(2))], global.to_vec(), false),
            // In no tenant at all.
            (tenant_writer(&[2]), vec![], vec![], false),
            (caller_with(&[Role::AccountRead]), vec![entry(Some(2))], vec![], false),
        ];
        for (caller, access, grants, expected) in rows {
            assert_eq!(
                may_write_user(&caller, 9, &access, &grants),
                expected,
                "{:?} {access:?} {grants:?}",
                caller.grants
            );
        }
        // caller_with is user 5: its own account is in reach.
        assert!(may_write_user(
            &tenant_writer(&[2]),
            5,
            &[],
            &[Grant::global(Role::AccountRead)]
        ));
        assert!(may_grant_access(&tenant_writer(&[2]), &entry(Some(2))));
        assert!(!may_grant_access(&tenant_writer(&[2]), &entry(Some(3))));
        assert!(!may_grant_access(&tenant_writer(&[2]), &entry(None)));
        assert!(may_grant_access(&caller_with(&[Role::AccountWrite]), &entry(None)));
        assert_eq!(creates_users_in(&tenant_writer(&[2])), Some(TenantId(2)));
        assert_eq!(creates_users_in(&caller_with(&[Role::FullAdmin])), None);
        let everywhere = Caller {
            tenant: SessionTenant::All,
            ..caller_with(&[Role::FullAdmin])
        };
        assert!(creation_refusal(&everywhere).is_some());
        assert!(creation_refusal(&caller_with(&[Role::FullAdmin])).is_none());
    }
}

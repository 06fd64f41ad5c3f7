//! Which tenants a caller reaches: every tenant with TENANT_READ held globally (or an all-tenants access
//! entry), else the tenants of its own access entries (`tenants-and-roles.md` section 1).

use std::collections::BTreeSet;

use accountd_api::Role;
use accountd_store::tenants::AccessRow;

use super::Scope;
use crate::caller::Caller;

/// The tenants a caller may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TenantView {
    /// Every tenant.
    Every,
    /// Only these tenants (by id).
    Only(BTreeSet<i64>),
}

impl TenantView {
    /// True when the tenant with this id is in the view.
    pub fn includes(&self, tenant: i64) -> bool {
        match self {
            TenantView::Every => true,
            TenantView::Only(ids) => ids.contains(&tenant),
        }
    }
}

/// The tenants `caller` sees in `tenant.query`, given the caller's own access entries.
pub fn tenants_visible_to(caller: &Caller, own_access: &[AccessRow]) -> TenantView {
    if caller.may(Role::TenantRead, Scope::Global) || own_access.iter().any(|a| a.all_tenants) {
        return TenantView::Every;
    }
    TenantView::Only(own_access.iter().filter_map(|a| a.tenant_id).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    #[test]
    fn global_readers_see_every_tenant_others_their_own() {
        let in_tenant = |t| AccessRow {
            privilege_id: 5,
            tenant_id: Some(t),
            all_tenants: false,
        };
        let everywhere = AccessRow {
            privilege_id: 6,
            tenant_id: None,
            all_tenants: true,
        };
        let only = |ids: &[i64]| TenantView::Only(ids.iter().copied().collect());
        // (caller's global roles, its access entries, expected view)
        let rows: Vec<(&[Role], Vec<AccessRow>, TenantView)> = vec![
            (&[], vec![], only(&[])),
            (&[Role::TenantRead], vec![], TenantView::Every),
            (&[Role::ReadonlyAdmin], vec![], TenantView::Every),
            (&[Role::FullAdmin], vec![in_tenant(2)], TenantView::Every),
            (&[Role::AccountWrite], vec![in_tenant(2), in_tenant(3)], only(&[2, 3])),
            (&[], vec![in_tenant(2), in_tenant(2)], only(&[2])),
            (&[], vec![in_tenant(2), everywhere], TenantView::Every),
        ];
        for (roles, access, expected) in rows {
            assert_eq!(
                tenants_visible_to(&caller_with(roles), &access),
                expected,
                "{roles:?} {access:?}"
            );
        }
        assert!(only(&[2]).includes(2) && !only(&[2]).includes(3) && TenantView::Every.includes(9));
    }
}

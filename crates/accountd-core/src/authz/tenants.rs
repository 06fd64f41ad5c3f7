//! Which tenants a caller reaches: every tenant with TENANT_READ held globally (or an all-tenants access
//! entry), else the tenants of its own access entries (`tenants-and-roles.md` section 1).

use std::collections::BTreeSet;

use accountd_api::Role;
use accountd_store::tenants::AccessRow;

use accountd_store::tenants::ADMIN_ID;

use super::{Scope, TenantId};
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

/// The tenant a session of a user starts in: its default tenant while its access entries reach it, else the
/// first tenant it has an entry in, else `admin`.
pub fn starting_tenant(default_tenant: Option<i64>, own_access: &[AccessRow]) -> TenantId {
    let reaches = |t: i64| own_access.iter().any(|a| a.all_tenants || a.tenant_id == Some(t));
    default_tenant
        .filter(|t| reaches(*t))
        .or_else(|| own_access.iter().find_map(|a| a.tenant_id))
        .map_or(TenantId(ADMIN_ID), TenantId)
}

/// True when `caller` may work in the tenant `tenant` (`tenant.switch`, `login_options.tenant`): one it sees.
/// Anything else answers as a missing tenant would.
pub fn may_enter_tenant(caller: &Caller, own_access: &[AccessRow], tenant: i64) -> bool {
    tenants_visible_to(caller, own_access).includes(tenant)
}

/// True when `caller` may enter the all-tenants view (Avi's `"*"`): FULL_ADMIN held globally.
pub fn may_view_all_tenants(caller: &Caller) -> bool {
    caller.may(Role::FullAdmin, Scope::Global)
}

/// Whose user entries (and the API keys, sessions and activity that go with them) a caller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserReach {
    /// Every user: ACCOUNT_READ held globally.
    Every,
    /// The members of this tenant: ACCOUNT_READ held only in the session's tenant.
    MembersOf(TenantId),
    /// Nobody (no ACCOUNT_READ where the session works).
    Nobody,
}

/// The users `caller` reads in `user.query`, `user.get_instance` and `user.activity.*`.
pub fn users_readable_by(caller: &Caller) -> UserReach {
    users_reached_with(caller, Role::AccountRead)
}

/// The users whose records `caller` reaches through `role`: every user when it holds the role globally, the
/// members of the session's tenant when it holds it only there, else nobody (`api_key.*` with API_KEY_READ).
pub fn users_reached_with(caller: &Caller, role: Role) -> UserReach {
    if caller.may(role, Scope::Global) {
        return UserReach::Every;
    }
    match caller.scope() {
        Scope::Tenant(t) if caller.may(role, Scope::Tenant(t)) => UserReach::MembersOf(t),
        _ => UserReach::Nobody,
    }
}

impl UserReach {
    /// True when a user with these access entries is within reach.
    pub fn includes(self, access: &[accountd_api::types::user::AccessEntry]) -> bool {
        match self {
            UserReach::Every => true,
            UserReach::MembersOf(TenantId(t)) => access.iter().any(|a| a.all_tenants || a.tenant == Some(t)),
            UserReach::Nobody => false,
        }
    }
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

    #[test]
    fn sessions_start_in_the_default_tenant_while_it_is_reached() {
        let entry = |tenant: Option<i64>| AccessRow {
            privilege_id: 5,
            tenant_id: tenant,
            all_tenants: tenant.is_none(),
        };
        // (default tenant, entries, start)
        let rows: Vec<(Option<i64>, Vec<AccessRow>, i64)> = vec![
            (None, vec![], 1),
            (Some(3), vec![], 1),
            (None, vec![entry(Some(3)), entry(Some(2))], 3),
            (Some(2), vec![entry(Some(3)), entry(Some(2))], 2),
            (Some(4), vec![entry(Some(3))], 3),
            (Some(4), vec![entry(None)], 4),
            (None, vec![entry(None)], 1),
        ];
        for (default, access, start) in rows {
            assert_eq!(
                starting_tenant(default, &access),
                TenantId(start),
                "{default:?} {access:?}"
            );
        }
    }

    #[test]
    fn entering_a_tenant_and_the_all_tenants_view() {
        let in_tenant = AccessRow {
            privilege_id: 5,
            tenant_id: Some(2),
            all_tenants: false,
        };
        // (global roles, entries, tenant, may enter)
        let rows: Vec<(&[Role], Vec<AccessRow>, i64, bool)> = vec![
            (&[], vec![in_tenant], 2, true),
            (&[], vec![in_tenant], 3, false),
            (&[], vec![], 1, false),
            (&[Role::ReadonlyAdmin], vec![], 3, true),
            (&[Role::AccountWrite], vec![], 3, false),
        ];
        for (roles, access, tenant, expected) in rows {
            assert_eq!(
                may_enter_tenant(&caller_with(roles), &access, tenant),
                expected,
                "{roles:?} {access:?} {tenant}"
            );
        }
        assert!(may_view_all_tenants(&caller_with(&[Role::FullAdmin])));
        assert!(!may_view_all_tenants(&caller_with(&[Role::ReadonlyAdmin])));
        let tenant_admin = Caller {
            grants: vec![crate::authz::Grant {
                role: Role::FullAdmin,
                scope: Scope::Tenant(TenantId(2)),
            }],
            ..caller_with(&[])
        };
        assert!(!may_view_all_tenants(&tenant_admin));
    }

    #[test]
    fn tenant_scoped_readers_reach_the_members_of_their_tenant() {
        use crate::authz::{Grant, SessionTenant};
        use accountd_api::types::user::AccessEntry;
        let in_tenant = |role, t| Grant {
            role,
            scope: Scope::Tenant(TenantId(t)),
        };
        let caller = |grants: Vec<Grant>, tenant: i64| Caller {
            grants,
            tenant: SessionTenant::One(TenantId(tenant)),
            ..caller_with(&[])
        };
        let member_of = |t: Option<i64>| AccessEntry {
            privilege: 6,
            tenant: t,
            all_tenants: t.is_none(),
        };
        // (caller, target's entries, reached)
        let rows: Vec<(Caller, Vec<AccessEntry>, bool)> = vec![
            (caller(vec![Grant::global(Role::AccountRead)], 2), vec![], true),
            (
                caller(vec![in_tenant(Role::AccountRead, 2)], 2),
                vec![member_of(Some(2))],
                true,
            ),
            (
                caller(vec![in_tenant(Role::AccountWrite, 2)], 2),
                vec![member_of(None)],
                true,
            ),
            (
                caller(vec![in_tenant(Role::AccountRead, 2)], 2),
                vec![member_of(Some(3))],
                false,
            ),
            (caller(vec![in_tenant(Role::AccountRead, 2)], 2), vec![], false),
            // Working in another tenant: the grant of tenant 2 does not count.
            (
                caller(vec![in_tenant(Role::AccountRead, 2)], 3),
                vec![member_of(Some(2))],
                false,
            ),
            (
                caller(vec![in_tenant(Role::AccountRead, 2)], 3),
                vec![member_of(Some(3))],
                false,
            ),
        ];
        for (c, access, reached) in rows {
            assert_eq!(
                users_readable_by(&c).includes(&access),
                reached,
                "{:?} {access:?}",
                c.grants
            );
        }
        assert_eq!(
            users_readable_by(&caller(vec![in_tenant(Role::AccountRead, 2)], 2)),
            UserReach::MembersOf(TenantId(2))
        );
    }
}

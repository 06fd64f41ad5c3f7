//! Grants: a role held in a scope, and the two questions every rule is built from, [`Caller::may`] and
//! [`Caller::is_self_or`].

use accountd_api::Role;

use crate::caller::Caller;

/// The database id of a tenant (tenant-scoped roles, `tenants-and-roles.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub i64);

/// Where a grant applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Everywhere: group privileges (TrueNAS's model).
    Global,
    /// Inside one tenant only.
    Tenant(TenantId),
}

impl Scope {
    /// True when a grant in `self` applies in `wanted`: a global grant applies everywhere, a tenant's grant in
    /// that tenant only.
    pub fn covers(self, wanted: Scope) -> bool {
        match self {
            Scope::Global => true,
            Scope::Tenant(_) => self == wanted,
        }
    }
}

/// The tenant a session works in: one tenant, or Avi's all-tenants view (`"*"`, FULL_ADMIN only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionTenant {
    /// One tenant: the roles granted in it count besides the global ones.
    One(TenantId),
    /// Every tenant at once: only global roles count, and nothing tenant-scoped is created.
    All,
}

impl Default for SessionTenant {
    /// The builtin `admin` tenant.
    fn default() -> Self {
        SessionTenant::One(TenantId(accountd_store::tenants::ADMIN_ID))
    }
}

/// One role held in one scope (the role's implications come from the catalogue, see [`Role::grants`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The role granted.
    pub role: Role,
    /// Where it applies.
    pub scope: Scope,
}

impl Grant {
    /// `role` held everywhere.
    pub fn global(role: Role) -> Grant {
        Grant {
            role,
            scope: Scope::Global,
        }
    }
}

/// Each of `roles` held everywhere, in order.
pub fn global_grants(roles: impl IntoIterator<Item = Role>) -> Vec<Grant> {
    roles.into_iter().map(Grant::global).collect()
}

/// The user a rule is about, by id or by name (services know one or the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRef<'a> {
    /// The user's database id.
    Id(i64),
    /// The user's name.
    Name(&'a str),
}

impl From<i64> for UserRef<'_> {
    fn from(id: i64) -> Self {
        UserRef::Id(id)
    }
}

impl<'a> From<&'a str> for UserRef<'a> {
    fn from(name: &'a str) -> Self {
        UserRef::Name(name)
    }
}

impl<'a> From<&'a String> for UserRef<'a> {
    fn from(name: &'a String) -> Self {
        UserRef::Name(name)
    }
}

impl Caller {
    /// True when one of the caller's grants gives `role` (directly or through its implications) in `scope`.
    pub fn may(&self, role: Role, scope: Scope) -> bool {
        self.grants.iter().any(|g| g.scope.covers(scope) && g.role.grants(role))
    }

    /// The scope of the session's tenant: the roles granted there count (global roles count everywhere).
    pub fn scope(&self) -> Scope {
        match self.tenant {
            SessionTenant::One(t) => Scope::Tenant(t),
            SessionTenant::All => Scope::Global,
        }
    }

    /// True when the caller holds `role` in the session's tenant (its effective roles).
    pub fn may_here(&self, role: Role) -> bool {
        self.may(role, self.scope())
    }

    /// True when `user` is the caller.
    pub fn is_self<'a>(&self, user: impl Into<UserRef<'a>>) -> bool {
        match user.into() {
            UserRef::Id(id) => id == self.user_id,
            UserRef::Name(name) => name == self.username,
        }
    }

    /// True when `user` is the caller or the caller holds `role` everywhere: the rule of most per-user methods.
    pub fn is_self_or<'a>(&self, user: impl Into<UserRef<'a>>, role: Role) -> bool {
        self.is_self(user) || self.may(role, Scope::Global)
    }

    /// The roles the caller holds in `scope` (the grants' roles, not expanded), sorted, without duplicates.
    pub fn roles_in(&self, scope: Scope) -> Vec<Role> {
        let mut roles: Vec<Role> = self
            .grants
            .iter()
            .filter(|g| g.scope.covers(scope))
            .map(|g| g.role)
            .collect();
        roles.sort();
        roles.dedup();
        roles
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    const T1: Scope = Scope::Tenant(TenantId(1));
    const T2: Scope = Scope::Tenant(TenantId(2));

    #[test]
    fn grants_apply_in_their_scope_with_their_implications() {
        let in_t1 = |role| Grant { role, scope: T1 };
        // (grants, wanted role, wanted scope, expected)
        let rows: &[(&[Grant], Role, Scope, bool)] = &[
            (&[], Role::AccountRead, Scope::Global, false),
            (
                &[Grant::global(Role::AccountRead)],
                Role::AccountRead,
                Scope::Global,
                true,
            ),
            (&[Grant::global(Role::AccountRead)], Role::AccountRead, T1, true),
            (
                &[Grant::global(Role::AccountRead)],
                Role::AccountWrite,
                Scope::Global,
                false,
            ),
            (
                &[Grant::global(Role::AccountWrite)],
                Role::AccountRead,
                Scope::Global,
                true,
            ),
            (&[Grant::global(Role::FullAdmin)], Role::ApiKeyWrite, T2, true),
            (
                &[Grant::global(Role::ReadonlyAdmin)],
                Role::SystemAuditRead,
                Scope::Global,
                true,
            ),
            (
                &[Grant::global(Role::ReadonlyAdmin)],
                Role::AccountWrite,
                Scope::Global,
                false,
            ),
            (&[in_t1(Role::AccountWrite)], Role::AccountWrite, T1, true),
            (&[in_t1(Role::AccountWrite)], Role::AccountRead, T1, true),
            (&[in_t1(Role::AccountWrite)], Role::AccountWrite, T2, false),
            (&[in_t1(Role::AccountWrite)], Role::AccountWrite, Scope::Global, false),
        ];
        for (grants, role, scope, expected) in rows {
            let caller = Caller {
                grants: grants.to_vec(),
                ..caller_with(&[])
            };
            assert_eq!(caller.may(*role, *scope), *expected, "{grants:?} {role:?} {scope:?}");
        }
    }

    #[test]
    fn self_or_role() {
        // caller_with makes user 5, "bob".
        let rows: &[(&[Role], UserRef, Role, bool)] = &[
            (&[], UserRef::Id(5), Role::FullAdmin, true),
            (&[], UserRef::Name("bob"), Role::FullAdmin, true),
            (&[], UserRef::Id(6), Role::FullAdmin, false),
            (&[], UserRef::Name("root"), Role::FullAdmin, false),
            (&[Role::AccountWrite], UserRef::Id(6), Role::FullAdmin, false),
            (&[Role::FullAdmin], UserRef::Id(6), Role::FullAdmin, true),
            (&[Role::ReadonlyAdmin], UserRef::Name("root"), Role::AccountRead, true),
        ];
        for (roles, user, role, expected) in rows {
            assert_eq!(
                caller_with(roles).is_self_or(*user, *role),
                *expected,
                "{roles:?} {user:?} {role:?}"
            );
        }
    }

    #[test]
    fn roles_in_a_scope_are_sorted_once_each() {
        let caller = Caller {
            grants: vec![
                Grant::global(Role::AccountWrite),
                Grant {
                    role: Role::ApiKeyRead,
                    scope: T1,
                },
                Grant::global(Role::AccountRead),
                Grant::global(Role::AccountWrite),
            ],
            ..caller_with(&[])
        };
        assert_eq!(
            caller.roles_in(Scope::Global),
            vec![Role::AccountRead, Role::AccountWrite]
        );
        assert_eq!(
            caller.roles_in(T1),
            vec![Role::AccountRead, Role::AccountWrite, Role::ApiKeyRead]
        );
    }
}

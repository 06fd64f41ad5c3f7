//! What `auth.me` tells a session about its own authority: the roles it holds and the allowlist.

use accountd_api::Role;
use accountd_api::types::auth::AllowlistEntry;

use super::Scope;
use crate::caller::Caller;

/// The names of the roles the session holds in its tenant (global ones and those granted there), sorted by
/// name (`auth.me`'s `privilege.roles.$set`).
pub fn session_role_names(caller: &Caller) -> Vec<String> {
    let mut names: Vec<String> = caller
        .roles_in(caller.scope())
        .into_iter()
        .map(|r| r.as_str().to_string())
        .collect();
    names.sort();
    names
}

/// `auth.me`'s `privilege.allowlist`: every method on every resource for FULL_ADMIN, nothing otherwise.
pub fn allowlist_of(caller: &Caller) -> Vec<AllowlistEntry> {
    if caller.may(Role::FullAdmin, Scope::Global) {
        vec![AllowlistEntry {
            method: "*".into(),
            resource: "*".into(),
        }]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    #[test]
    fn the_allowlist_is_full_admins() {
        let rows: &[(&[Role], usize)] = &[
            (&[], 0),
            (&[Role::ReadonlyAdmin], 0),
            (&[Role::AccountWrite, Role::ApiKeyWrite], 0),
            (&[Role::FullAdmin], 1),
        ];
        for (roles, entries) in rows {
            let list = allowlist_of(&caller_with(roles));
            assert_eq!(list.len(), *entries, "{roles:?}");
            assert!(list.iter().all(|e| e.method == "*" && e.resource == "*"));
        }
    }

    #[test]
    fn role_names_are_sorted_by_name() {
        let caller = caller_with(&[Role::ReadonlyAdmin, Role::AccountWrite, Role::FullAdmin]);
        assert_eq!(
            session_role_names(&caller),
            vec!["ACCOUNT_WRITE", "FULL_ADMIN", "READONLY_ADMIN"]
        );
    }
}

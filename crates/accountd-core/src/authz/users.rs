//! What a caller may do to their own account through the administrators' methods.

use super::UserRef;
use crate::caller::Caller;

/// True when `caller` may lock `user` (Foreman's rule: nobody locks themselves out).
pub fn may_lock<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    !caller.is_self(user)
}

/// True when `caller` may delete `user` (TrueNAS: never the currently active user).
pub fn may_delete_user<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    !caller.is_self(user)
}

#[cfg(test)]
mod tests {
    use accountd_api::Role;

    use super::*;
    use crate::authz::testing::caller_with;

    #[test]
    fn nobody_locks_or_deletes_themselves() {
        // caller_with makes user 5.
        let rows: &[(&[Role], i64, bool)] = &[
            (&[Role::FullAdmin], 5, false),
            (&[Role::AccountWrite], 5, false),
            (&[Role::FullAdmin], 6, true),
            (&[Role::AccountWrite], 6, true),
        ];
        for (roles, user, expected) in rows {
            let caller = caller_with(roles);
            assert_eq!(may_lock(&caller, *user), *expected, "{roles:?} {user}");
            assert_eq!(may_delete_user(&caller, *user), *expected, "{roles:?} {user}");
        }
    }
}

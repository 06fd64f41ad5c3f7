//! Who may see and end whose sessions (`auth.sessions`, `auth.terminate_session`,
//! `auth.terminate_other_sessions`).

use accountd_api::Role;

use crate::caller::Caller;

/// True when `caller` sees the sessions of the user `owner` in `auth.sessions`: their own, or anyone's with
/// READONLY_ADMIN.
pub fn may_list_sessions_of(caller: &Caller, owner: i64) -> bool {
    caller.is_self_or(owner, Role::ReadonlyAdmin)
}

/// True when `caller` may end a session of the user `owner`: their own, or anyone's with FULL_ADMIN.
pub fn may_end_session(caller: &Caller, owner: i64) -> bool {
    caller.is_self_or(owner, Role::FullAdmin)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    /// The caller of [`caller_with`] is user 5; user 6 is someone else.
    const OWN: i64 = 5;
    const OTHER: i64 = 6;

    #[test]
    fn listing_sessions() {
        let rows: &[(&[Role], i64, bool)] = &[
            (&[], OWN, true),
            (&[], OTHER, false),
            (&[Role::AccountWrite], OTHER, false),
            (&[Role::ReadonlyAdmin], OTHER, true),
            (&[Role::SharingAdmin], OTHER, true),
            (&[Role::FullAdmin], OTHER, true),
        ];
        for (roles, owner, expected) in rows {
            assert_eq!(
                may_list_sessions_of(&caller_with(roles), *owner),
                *expected,
                "{roles:?} {owner}"
            );
        }
    }

    #[test]
    fn ending_sessions() {
        let rows: &[(&[Role], i64, bool)] = &[
            (&[], OWN, true),
            (&[], OTHER, false),
            (&[Role::ReadonlyAdmin], OTHER, false),
            (&[Role::AccountWrite], OTHER, false),
            (&[Role::FullAdmin], OTHER, true),
        ];
        for (roles, owner, expected) in rows {
            assert_eq!(
                may_end_session(&caller_with(roles), *owner),
                *expected,
                "{roles:?} {owner}"
            );
        }
    }
}

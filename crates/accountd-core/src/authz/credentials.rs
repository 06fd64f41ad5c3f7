//! Who may change or read whose credentials: passwords (`user.set_password`), two-factor secrets and recovery
//! codes, API keys.

use accountd_api::Role;

use super::{Scope, UserRef};
use crate::caller::Caller;

/// True when `caller` may set the password of `user` with `user.set_password`: their own, or anyone's with
/// FULL_ADMIN.
pub fn may_set_password_of<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    caller.is_self_or(user, Role::FullAdmin)
}

/// True when `caller` sets `user`'s password without giving the current one: with FULL_ADMIN, or on their own
/// account from a session that logged in with a one-time password.
pub fn skips_old_password<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    caller.may(Role::FullAdmin, Scope::Global) || (caller.onetime_password && caller.is_self(user))
}

/// True when `caller` may renew `user`'s two-factor secret or recovery codes: their own, or anyone's with
/// FULL_ADMIN.
pub fn may_renew_twofactor_of<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    caller.is_self_or(user, Role::FullAdmin)
}

/// True when `caller` may read `user`'s two-factor configuration (`user.twofactor_config`): their own, or
/// anyone's with ACCOUNT_READ (the secret in it is [`sees_twofactor_secret`](super::sees_twofactor_secret)'s).
pub fn may_read_twofactor_config_of<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    caller.is_self_or(user, Role::AccountRead)
}

/// TrueNAS `api_key_privilege_check`: `caller` may create or change API keys of `owner` (`None`: no such
/// user) when they are its own, or anyone's with API_KEY_WRITE (FULL_ADMIN includes it).
pub fn may_manage_api_keys_of(caller: &Caller, owner: Option<&str>) -> bool {
    match owner {
        Some(owner) => caller.is_self_or(owner, Role::ApiKeyWrite),
        None => caller.may(Role::ApiKeyWrite, Scope::Global),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    // caller_with makes "bob"; "root" is someone else.

    #[test]
    fn setting_passwords() {
        let rows: &[(&[Role], &str, bool)] = &[
            (&[], "bob", true),
            (&[], "root", false),
            (&[Role::AccountWrite], "root", false),
            (&[Role::ReadonlyAdmin], "root", false),
            (&[Role::FullAdmin], "root", true),
        ];
        for (roles, user, expected) in rows {
            assert_eq!(
                may_set_password_of(&caller_with(roles), *user),
                *expected,
                "{roles:?} {user}"
            );
        }
    }

    #[test]
    fn the_old_password_is_skipped_by_full_admins_and_one_time_logins() {
        let onetime = Caller {
            onetime_password: true,
            ..caller_with(&[])
        };
        let rows = [
            (caller_with(&[]), "bob", false),
            (caller_with(&[Role::AccountWrite]), "bob", false),
            (caller_with(&[Role::FullAdmin]), "bob", true),
            (caller_with(&[Role::FullAdmin]), "root", true),
            (onetime.clone(), "bob", true),
            (onetime, "root", false),
        ];
        for (caller, user, expected) in rows {
            assert_eq!(skips_old_password(&caller, user), expected, "{caller:?} {user}");
        }
    }

    #[test]
    fn renewing_and_reading_two_factor() {
        // (roles, user, may renew, may read the configuration)
        let rows: &[(&[Role], &str, bool, bool)] = &[
            (&[], "bob", true, true),
            (&[], "root", false, false),
            (&[Role::AccountRead], "root", false, true),
            (&[Role::ReadonlyAdmin], "root", false, true),
            (&[Role::AccountWrite], "root", false, true),
            (&[Role::FullAdmin], "root", true, true),
        ];
        for (roles, user, renew, read) in rows {
            let caller = caller_with(roles);
            assert_eq!(may_renew_twofactor_of(&caller, *user), *renew, "{roles:?} {user}");
            assert_eq!(may_read_twofactor_config_of(&caller, *user), *read, "{roles:?} {user}");
        }
    }

    #[test]
    fn owners_and_key_writers_may_manage_keys() {
        let rows: &[(&[Role], Option<&str>, bool)] = &[
            (&[], Some("bob"), true),
            (&[Role::ReadonlyAdmin], Some("bob"), true),
            (&[Role::ReadonlyAdmin], Some("root"), false),
            (&[Role::ReadonlyAdmin], None, false),
            (&[Role::ApiKeyRead], Some("root"), false),
            (&[Role::ApiKeyWrite], Some("root"), true),
            (&[Role::ApiKeyWrite], None, true),
            (&[Role::FullAdmin], Some("root"), true),
            (&[Role::SharingAdmin], Some("root"), false),
        ];
        for (roles, owner, expected) in rows {
            assert_eq!(
                may_manage_api_keys_of(&caller_with(roles), *owner),
                *expected,
                "{roles:?} {owner:?}"
            );
        }
    }
}

//! Restricted sessions: a session logged in with an expired password (or one an administrator marked as to be
//! changed) reaches only the methods that change it, and a session of a user matched by no privilege (let in by
//! `allow_unprivileged_self_service`) only its own account.

use accountd_api::Method;
use accountd_api::methods::account::{UserAccountConfig, UserAccountUpdate};
use accountd_api::methods::auth::{AuthLogout, AuthMe};
use accountd_api::methods::core::CorePing;
use accountd_api::methods::user::UserSetPassword;

use super::UserRef;
use crate::caller::Caller;
use crate::error::{Error, errno};

/// The methods a session whose password must be changed may call (besides those needing no login).
pub const PERMITTED_WHILE_PASSWORD_EXPIRED: &[&str] = &[
    AuthMe::NAME,
    AuthLogout::NAME,
    CorePing::NAME,
    UserSetPassword::NAME,
    UserAccountConfig::NAME,
    UserAccountUpdate::NAME,
];

/// The methods a session of a user without any privilege may call (with `allow_unprivileged_self_service`).
pub const PERMITTED_SELF_SERVICE: &[&str] = &[
    AuthMe::NAME,
    AuthLogout::NAME,
    CorePing::NAME,
    UserAccountConfig::NAME,
    UserAccountUpdate::NAME,
];

/// True when a session whose password must be changed may call `method`.
pub fn permitted_while_password_expired(method: &str) -> bool {
    PERMITTED_WHILE_PASSWORD_EXPIRED.contains(&method)
}

/// The refusal of a session whose password must be changed (CallError EACCES).
pub fn password_expired_error() -> Error {
    Error::call(errno::EACCES, "Password has expired and must be changed")
}

/// The refusal of `method` by the session's restriction, if any: a password that must be changed first
/// (EACCES "Password has expired and must be changed"), or a user let in only to their own account (EACCES
/// "Not authorized"). The auth gate asks this before every call that needs a login.
pub fn restriction_refuses(caller: &Caller, method: &str) -> Option<Error> {
    if caller.password_change_required && !permitted_while_password_expired(method) {
        return Some(password_expired_error());
    }
    if caller.self_service_only && !PERMITTED_SELF_SERVICE.contains(&method) {
        return Some(Error::call(errno::EACCES, "Not authorized"));
    }
    None
}

/// The refusal of a permitted method aimed at another user by a session whose password must be changed: it may
/// change its own password and nothing else.
pub fn restriction_refuses_target<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> Option<Error> {
    (caller.password_change_required && !caller.is_self(user)).then(password_expired_error)
}

/// True when the session may make authentication tokens (`auth.generate_token`, and the token login offered
/// by `auth.mechanism_choices`): not one that logged in with a one-time password.
pub fn may_create_tokens(caller: &Caller) -> bool {
    !caller.onetime_password
}

/// True when a login answers with a reconnect token: not for a session restricted to changing its expired
/// password (it would come back unrestricted with it), nor for one that may make no tokens.
pub fn may_get_reconnect_token(caller: &Caller) -> bool {
    !caller.password_change_required && may_create_tokens(caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;

    fn expired() -> Caller {
        Caller {
            password_change_required: true,
            ..caller_with(&[accountd_api::Role::FullAdmin])
        }
    }

    fn self_service() -> Caller {
        Caller {
            self_service_only: true,
            ..caller_with(&[])
        }
    }

    #[test]
    fn only_the_password_methods_are_permitted() {
        for (method, permitted) in [
            ("user.set_password", true),
            ("user.account.update", true),
            ("auth.me", true),
            ("user.query", false),
            ("auth.generate_token", false),
        ] {
            assert_eq!(permitted_while_password_expired(method), permitted, "{method}");
        }
    }

    #[test]
    fn restricted_sessions_reach_only_their_methods() {
        // (caller, method, refusal's message or None)
        let rows = [
            (caller_with(&[]), "user.query", None),
            (
                expired(),
                "user.query",
                Some("[EACCES] Password has expired and must be changed"),
            ),
            (expired(), "user.set_password", None),
            (expired(), "auth.me", None),
            (self_service(), "user.set_password", Some("[EACCES] Not authorized")),
            (self_service(), "user.account.update", None),
            (self_service(), "core.ping", None),
            (self_service(), "user.query", Some("[EACCES] Not authorized")),
        ];
        for (caller, method, expected) in rows {
            let got = restriction_refuses(&caller, method).map(|e| e.to_string());
            assert_eq!(got.as_deref(), expected, "{caller:?} {method}");
        }
    }

    #[test]
    fn tokens_are_not_for_one_time_logins() {
        let onetime = Caller {
            onetime_password: true,
            password_change_required: true,
            ..caller_with(&[])
        };
        // (caller, may create tokens, gets a reconnect token)
        let rows = [
            (caller_with(&[]), true, true),
            (expired(), true, false),
            (self_service(), true, true),
            (onetime, false, false),
        ];
        for (caller, tokens, reconnect) in rows {
            assert_eq!(may_create_tokens(&caller), tokens, "{caller:?}");
            assert_eq!(may_get_reconnect_token(&caller), reconnect, "{caller:?}");
        }
    }

    #[test]
    fn an_expired_session_changes_only_its_own_password() {
        // caller_with makes user 5, "bob".
        let rows = [
            (expired(), UserRef::Name("bob"), false),
            (expired(), UserRef::Name("root"), true),
            (expired(), UserRef::Id(6), true),
            (caller_with(&[]), UserRef::Name("root"), false),
        ];
        for (caller, user, refused) in rows {
            assert_eq!(restriction_refuses_target(&caller, user).is_some(), refused, "{user:?}");
        }
    }
}

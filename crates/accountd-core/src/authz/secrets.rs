//! Who sees secret fields: user entries' password hashes and history, and other users' two-factor secrets.

use accountd_api::methods::event_collection;
use accountd_api::{Events, Role};

use super::{Scope, UserRef};
use crate::caller::Caller;

/// True when secret fields of user entries may be shown to `caller` (FULL_ADMIN or ACCOUNT_WRITE).
pub fn may_see_secrets(caller: &Caller) -> bool {
    caller.may(Role::AccountWrite, Scope::Global)
}

/// What is hidden from a reader of a collection's entries (query results, write results, events).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    /// Nothing.
    Nothing,
    /// The secret fields of user entries (`UserEntry::SECRET_FIELDS`) read `********`.
    UserSecrets,
}

/// What `caller` (`None`: no session, e.g. a command of the service itself) may not see of the entries of
/// `collection` (an event collection, named after its query method; the method table says which collections
/// carry secrets).
pub fn redaction_for(caller: Option<&Caller>, collection: &str) -> Redaction {
    if event_collection(collection) == Some(Events::UserSecrets) && !caller.is_some_and(may_see_secrets) {
        Redaction::UserSecrets
    } else {
        Redaction::Nothing
    }
}

/// True when `caller` sees the two-factor secret (the provisioning URI) of `user`: their own, or anyone's with
/// the roles that show secrets.
pub fn sees_twofactor_secret<'a>(caller: &Caller, user: impl Into<UserRef<'a>>) -> bool {
    caller.is_self(user) || may_see_secrets(caller)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::authz::testing::caller_with;
    use crate::events::{API_KEYS, GROUPS, USERS};

    #[test]
    fn secrets_are_for_account_writers() {
        let rows: &[(&[Role], bool)] = &[
            (&[], false),
            (&[Role::AccountRead], false),
            (&[Role::ReadonlyAdmin], false),
            (&[Role::ApiKeyWrite], false),
            (&[Role::AccountWrite], true),
            (&[Role::FullAdmin], true),
        ];
        for (roles, expected) in rows {
            assert_eq!(may_see_secrets(&caller_with(roles)), *expected, "{roles:?}");
        }
    }

    #[test]
    fn redaction_of_collections() {
        let reader = caller_with(&[Role::ReadonlyAdmin]);
        let writer = caller_with(&[Role::AccountWrite]);
        let rows = [
            (None, USERS, Redaction::UserSecrets),
            (Some(&reader), USERS, Redaction::UserSecrets),
            (Some(&writer), USERS, Redaction::Nothing),
            (Some(&reader), GROUPS, Redaction::Nothing),
            (Some(&reader), API_KEYS, Redaction::Nothing),
            (None, GROUPS, Redaction::Nothing),
        ];
        for (caller, collection, expected) in rows {
            assert_eq!(redaction_for(caller, collection), expected, "{caller:?} {collection}");
        }
    }

    #[test]
    fn twofactor_secrets_are_their_owners_and_account_writers() {
        // caller_with makes "bob".
        let rows: &[(&[Role], &str, bool)] = &[
            (&[], "bob", true),
            (&[], "root", false),
            (&[Role::AccountRead], "root", false),
            (&[Role::AccountWrite], "root", true),
            (&[Role::FullAdmin], "root", true),
        ];
        for (roles, user, expected) in rows {
            assert_eq!(
                sees_twofactor_secret(&caller_with(roles), *user),
                *expected,
                "{roles:?} {user}"
            );
        }
    }
}

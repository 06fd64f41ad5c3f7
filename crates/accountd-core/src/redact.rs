//! Results as their caller may see them. Services return their results whole, secrets included; the server,
//! as it serializes a result, hides what [`authz::redaction_for`] decides the caller may not see
//! ([`redaction_of`]), through the result type's [`Redact`]. Every method's result type implements it: a new
//! one says here whether it holds secrets.

use std::collections::BTreeMap;

use accountd_api::types::account::AccountConfig;
use accountd_api::types::account_profile::{AccountProfileEntry, SystemSecurityEntry};
use accountd_api::types::activity::UserActivityEntry;
use accountd_api::types::api_key::{ApiKeyEntry, ApiKeyUpdated, ApiKeyWithKey};
use accountd_api::types::audit::{AuditConfig, AuditEntry};
use accountd_api::types::auth::{AuthMe as AuthMeEntry, LoginResult};
use accountd_api::types::auth_source::{AuthSourceEntry, AuthSourceTestResult};
use accountd_api::types::core::{EffectiveOptions, MethodMetadata};
use accountd_api::types::group::{GroupEntry, GroupObj};
use accountd_api::types::mail::MailEntry;
use accountd_api::types::password_reset::PasswordResetEntry;
use accountd_api::types::privilege::{PrivilegeEntry, PrivilegeRolesEntry};
use accountd_api::types::query::{Instance, QueryAnswer};
use accountd_api::types::rpc::OpenRpcDocument;
use accountd_api::types::sessions::SessionEntry;
use accountd_api::types::tenant::{SessionTenantEntry, TenantEntry};
use accountd_api::types::twofactor::{TwoFactorAuthEntry, UserTwofactorConfig, UserWithTwofactor};
use accountd_api::types::user::{UserEntry, UserObj, UserWithPassword};

use crate::authz::{self, Redaction};
use crate::caller::Caller;
use crate::events::USERS;
use crate::users::present::redact_entry;

/// A result that may hold secret fields of a collection's entries.
pub trait Redact {
    /// The collection (named after its query method, as events name it) whose entries, or parts of them, this
    /// holds; `None`: nothing in it is ever hidden.
    const COLLECTION: Option<&'static str> = None;

    /// Hides what `redaction` names.
    fn redact(&mut self, redaction: Redaction) {
        let _ = redaction;
    }
}

/// What a result of type `T` hides from `caller` (`None`: no session), as [`authz::redaction_for`] decides for
/// `T`'s collection.
pub fn redaction_of<T: Redact>(caller: Option<&Caller>) -> Redaction {
    T::COLLECTION.map_or(Redaction::Nothing, |collection| {
        authz::redaction_for(caller, collection)
    })
}

impl Redact for UserEntry {
    const COLLECTION: Option<&'static str> = Some(USERS);

    fn redact(&mut self, redaction: Redaction) {
        if redaction == Redaction::UserSecrets {
            redact_entry(self);
        }
    }
}

impl Redact for UserWithPassword {
    const COLLECTION: Option<&'static str> = UserEntry::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.entry.redact(redaction);
    }
}

impl Redact for UserWithTwofactor {
    const COLLECTION: Option<&'static str> = UserEntry::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.entry.redact(redaction);
    }
}

/// The typed entries are redacted here; entries shaped by `select` were shaped from entries the service had
/// already redacted for the caller (a renamed field would escape a redaction by name).
impl<T: Redact> Redact for QueryAnswer<T> {
    const COLLECTION: Option<&'static str> = T::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.entries_mut().iter_mut().for_each(|e| e.redact(redaction));
    }
}

impl<T: Redact> Redact for Instance<T> {
    const COLLECTION: Option<&'static str> = T::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.0.redact(redaction);
    }
}

impl<T: Redact> Redact for Vec<T> {
    const COLLECTION: Option<&'static str> = T::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.iter_mut().for_each(|e| e.redact(redaction));
    }
}

impl<K, V: Redact> Redact for BTreeMap<K, V> {
    const COLLECTION: Option<&'static str> = V::COLLECTION;

    fn redact(&mut self, redaction: Redaction) {
        self.values_mut().for_each(|v| v.redact(redaction));
    }
}

/// Result types without secrets.
macro_rules! no_secrets {
    ($($t:ty),* $(,)?) => {
        $( impl Redact for $t {} )*
    };
}

no_secrets!(
    (),
    bool,
    i64,
    String,
    serde_json::Value,
    AccountConfig,
    AccountProfileEntry,
    ApiKeyEntry,
    ApiKeyUpdated,
    ApiKeyWithKey,
    AuditConfig,
    AuditEntry,
    AuthMeEntry,
    AuthSourceEntry,
    AuthSourceTestResult,
    EffectiveOptions,
    GroupEntry,
    GroupObj,
    LoginResult,
    MailEntry,
    MethodMetadata,
    OpenRpcDocument,
    PasswordResetEntry,
    PrivilegeEntry,
    PrivilegeRolesEntry,
    SessionEntry,
    SystemSecurityEntry,
    SessionTenantEntry,
    TenantEntry,
    TwoFactorAuthEntry,
    UserActivityEntry,
    UserObj,
    UserTwofactorConfig,
);

#[cfg(test)]
mod tests {
    use accountd_api::Role;
    use accountd_store::users::UserRow;
    use serde_json::{Value, json};

    use super::*;
    use crate::authz::testing::caller_with;
    use crate::entry::Directory;

    fn entry() -> UserEntry {
        let row = UserRow {
            unixhash: "$argon2id$x".into(),
            smbhash: "ABC".into(),
            smb: true,
            password_history: vec!["$argon2id$old".into()],
            ..crate::entry::test_user_row(4, "alice", 3000)
        };
        Directory::default().user_entry(&row, 0, std::path::Path::new("/mnt"))
    }

    fn secrets(v: &Value) -> (Value, Value, Value) {
        (
            v["unixhash"].clone(),
            v["smbhash"].clone(),
            v["password_history"].clone(),
        )
    }

    #[test]
    fn user_results_hide_secrets_from_readers_only() {
        let marker = (json!("********"), json!("********"), json!("********"));
        let reader = caller_with(&[Role::ReadonlyAdmin]);
        let writer = caller_with(&[Role::AccountWrite]);
        let rows = [(None, true), (Some(&reader), true), (Some(&writer), false)];
        for (caller, hidden) in rows {
            let redaction = redaction_of::<UserWithPassword>(caller);
            let mut created = UserWithPassword {
                entry: entry(),
                password: Some("cleartext".into()),
            };
            created.redact(redaction);
            let v = serde_json::to_value(&created).unwrap();
            assert_eq!(secrets(&v) == marker, hidden, "{caller:?}");
            // The password the call set is the caller's answer, never hidden.
            assert_eq!(v["password"], "cleartext");

            let mut answer = QueryAnswer::Entries(vec![entry(), entry()]);
            answer.redact(redaction_of::<QueryAnswer<UserEntry>>(caller));
            let v = serde_json::to_value(&answer).unwrap();
            assert!(v.as_array().unwrap().iter().all(|e| (secrets(e) == marker) == hidden));

            let mut one = Instance(QueryAnswer::One(entry()));
            one.redact(redaction_of::<Instance<UserEntry>>(caller));
            assert_eq!(secrets(&serde_json::to_value(&one).unwrap()) == marker, hidden);
        }
    }

    #[test]
    fn results_without_secrets_are_never_redacted() {
        assert_eq!(redaction_of::<GroupEntry>(None), Redaction::Nothing);
        assert_eq!(redaction_of::<QueryAnswer<ApiKeyEntry>>(None), Redaction::Nothing);
        assert_eq!(redaction_of::<i64>(None), Redaction::Nothing);
        assert_eq!(redaction_of::<Vec<UserEntry>>(None), Redaction::UserSecrets);
    }

    #[test]
    fn typed_entries_serialize_as_their_json_trees() {
        // The server serializes typed results straight to text; the engine's trees of the same entries read
        // the same.
        let created = UserWithPassword {
            entry: entry(),
            password: None,
        };
        let text = serde_json::to_string(&created).unwrap();
        let tree = serde_json::to_string(&serde_json::to_value(&created).unwrap()).unwrap();
        assert_eq!(text, tree);
        let answer = QueryAnswer::Entries(vec![entry()]);
        let tree = serde_json::to_value(vec![serde_json::to_value(entry()).unwrap()]).unwrap();
        assert_eq!(serde_json::to_string(&answer).unwrap(), tree.to_string());
    }
}

//! Turning user entries into what a caller may see.

use accountd_api::types::common::REDACTED;
use accountd_api::types::user::{SecretList, UserEntry};
use serde::Serialize;
use serde_json::Value;

use crate::authz::{self, Redaction};
use crate::caller::Caller;
use crate::error::Error;
use crate::events::USERS;

/// Serializes a user entry (or an entry plus password) and redacts the secret fields `caller` may not see
/// ([`authz::redaction_for`]).
pub fn present_user<T: Serialize>(entry: &T, caller: Option<&Caller>) -> Result<Value, Error> {
    let mut value = serde_json::to_value(entry).map_err(Error::internal)?;
    if authz::redaction_for(caller, USERS) == Redaction::UserSecrets {
        redact(&mut value);
    }
    Ok(value)
}

/// Replaces the secret fields of a typed user entry with `********`: serialized, the same as [`redact`] on the
/// serialized entry.
pub fn redact_entry(entry: &mut UserEntry) {
    let marker = || REDACTED.to_string();
    if entry.unixhash.is_some() {
        entry.unixhash = Some(marker());
    }
    if entry.smbhash.is_some() {
        entry.smbhash = Some(marker());
    }
    if entry.password_history.is_some() {
        entry.password_history = Some(SecretList::Redacted(marker()));
    }
}

/// Replaces the secret fields of a serialized user entry with `********`.
pub fn redact(value: &mut Value) {
    if let Some(obj) = value.as_object_mut() {
        for field in UserEntry::SECRET_FIELDS {
            if let Some(v) = obj.get_mut(*field)
                && !v.is_null()
            {
                *v = Value::String(REDACTED.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use accountd_store::users::UserRow;

    use super::*;
    use crate::entry::Directory;

    #[test]
    fn typed_redaction_matches_json_redaction() {
        let row = UserRow {
            unixhash: "$argon2id$x".into(),
            smbhash: "ABC".into(),
            full_name: "Alice".into(),
            smb: true,
            group_id: 8,
            password_disabled: false,
            password_history: vec!["$argon2id$old".into()],
            ..crate::entry::test_user_row(4, "alice", 3000)
        };
        let mut entry = Directory::default().user_entry(&row, 0, std::path::Path::new("/mnt"));
        let mut tree = serde_json::to_value(&entry).unwrap();
        redact(&mut tree);
        redact_entry(&mut entry);
        assert_eq!(serde_json::to_value(&entry).unwrap(), tree);
        assert_eq!(
            (&tree["unixhash"], &tree["smbhash"], &tree["password_history"]),
            (
                &Value::from("********"),
                &Value::from("********"),
                &Value::from("********")
            )
        );
    }
}

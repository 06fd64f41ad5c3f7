//! Turning user entries into what a caller may see.

use accountd_api::types::common::REDACTED;
use accountd_api::types::user::UserEntry;
use serde::Serialize;
use serde_json::Value;

use crate::caller::Caller;
use crate::error::Error;

/// Serializes a user entry (or an entry plus password) and redacts secret fields for callers without
/// FULL_ADMIN or ACCOUNT_WRITE.
pub fn present_user<T: Serialize>(entry: &T, caller: Option<&Caller>) -> Result<Value, Error> {
    let mut value = serde_json::to_value(entry).map_err(Error::internal)?;
    if !caller.is_some_and(Caller::may_see_secrets) {
        redact(&mut value);
    }
    Ok(value)
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

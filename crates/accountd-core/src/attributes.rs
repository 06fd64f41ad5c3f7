//! `auth.set_attribute`: free-form per-user attributes, bounded in size because every login answer and
//! `auth.me` carries all of them.

use accountd_store::users;
use serde_json::Value;

use crate::accounts::Accounts;
use crate::caller::Caller;
use crate::error::{Error, ValidationErrors};

/// Longest attribute name, in bytes.
pub const MAX_KEY_BYTES: usize = 256;
/// Largest attribute value, in bytes of its JSON encoding.
pub const MAX_VALUE_BYTES: usize = 32 * 1024;
/// Largest total of one user's attributes (names and JSON values), in bytes.
pub const MAX_TOTAL_BYTES: usize = 128 * 1024;

impl Accounts {
    /// `auth.set_attribute`: stores `key` = `value` for the caller. A name over [`MAX_KEY_BYTES`], a value over
    /// [`MAX_VALUE_BYTES`] or a total over [`MAX_TOTAL_BYTES`] is refused (ValidationError `key` / `value`).
    pub async fn set_attribute(&self, caller: &Caller, key: String, value: Value) -> Result<(), Error> {
        let id = caller.user_id;
        let encoded = value.to_string();
        let mut errs = ValidationErrors::new();
        if key.len() > MAX_KEY_BYTES {
            errs.add(
                "key",
                format!("Attribute names may not be longer than {MAX_KEY_BYTES} bytes."),
            );
        }
        if encoded.len() > MAX_VALUE_BYTES {
            errs.add(
                "value",
                format!("An attribute value may not take more than {MAX_VALUE_BYTES} bytes as JSON."),
            );
        }
        errs.check()?;
        self.write_outside_entries(move |tx| {
            let others = usize::try_from(users::attributes_size_except(tx, id, &key)?).unwrap_or(usize::MAX);
            if others.saturating_add(key.len() + encoded.len()) > MAX_TOTAL_BYTES {
                return Err(Error::invalid(
                    "value",
                    format!("The attributes of a user may not take more than {MAX_TOTAL_BYTES} bytes in all."),
                ));
            }
            users::set_attribute(tx, id, &key, &value).map_err(Error::from)
        })
        .await
    }
}

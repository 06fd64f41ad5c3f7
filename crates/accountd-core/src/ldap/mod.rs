//! External authentication against LDAP servers (Foreman's LDAP auth sources): the sources
//! (`auth_source.*`, `sources.rs`), the directory operations on short-lived connections (`client.rs`,
//! `directory.rs`), logins of known and unknown users (`login.rs`) and the sync of linked groups (`sync.rs`).
//! Everything here is async with the source's timeout; passwords never reach a log.

pub mod client;
pub mod directory;
mod login;
mod sources;
mod sync;
mod validate;

use accountd_store::Transaction;
use accountd_store::auth_sources::{self, INTERNAL_ID};

use crate::error::{Error, ValidationErrors, errno};

pub use login::LdapLogin;
pub(crate) use sources::entry_value;
pub(crate) use sync::set_links;

/// Refusal of a local password for a user of an external source.
pub const EXTERNAL_PASSWORD: &str = "Password cannot be set for users of an external authentication source";
/// Refusal of SMB (which needs a local NT hash) for a user of an external source.
pub const EXTERNAL_SMB: &str = "SMB authentication needs a local password, which users of an external \
    authentication source do not have";

/// `type` of the builtin source.
pub const INTERNAL: &str = "INTERNAL";
/// `type` of LDAP sources.
pub const LDAP: &str = "LDAP";
/// `status` of a source that works.
pub const HEALTHY: &str = "HEALTHY";
/// `status` of a source whose server could not be reached.
pub const FAULTED: &str = "FAULTED";

/// Checks that `source` may own users: it exists (ENOENT otherwise).
pub(crate) fn check_user_source(
    tx: &Transaction<'_>,
    errs: &mut ValidationErrors,
    attribute: &str,
    source: i64,
) -> Result<(), Error> {
    if source == INTERNAL_ID {
        return Ok(());
    }
    if auth_sources::get(tx, source)?.is_none() {
        errs.add_errno(
            attribute,
            format!("Authentication source {source} does not exist"),
            errno::ENOENT,
        );
    }
    Ok(())
}

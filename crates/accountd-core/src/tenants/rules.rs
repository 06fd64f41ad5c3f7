//! The checks of tenant writes: the name (length, reserved, unique case-insensitively), unique attribute keys,
//! the builtin tenant's name, and what still refers to a tenant being deleted.

use accountd_store::tenants::{self, TenantRow};
use accountd_store::{Connection, StoreError, users};

use crate::args::TENANT_UPDATE;
use crate::error::{Error, ValidationErrors, errno};

/// Longest tenant name.
const NAME_MAX: usize = 64;
/// The name of the all-tenants view (`tenant.switch("*")`), which no tenant may take.
pub(crate) const ALL_TENANTS: &str = "*";
/// How many referring users an EBUSY refusal names.
const NAMED_USERS: usize = 5;

/// Checks the tenant as it would be stored (`id`: the tenant being updated). `schema` is `tenant_create` or
/// `tenant_update`.
pub(super) fn validate(
    conn: &Connection,
    schema: &str,
    row: &TenantRow,
    id: Option<i64>,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    let field = format!("{schema}.name");
    let chars = row.name.chars().count();
    if row.name.trim().is_empty() {
        errs.add(field, "String should have at least 1 character");
    } else if chars > NAME_MAX {
        errs.add(field, format!("String should have at most {NAME_MAX} characters"));
    } else if row.name == ALL_TENANTS {
        errs.add(field, "The name \"*\" is reserved for the all-tenants view");
    } else {
        let wanted = row.name.to_lowercase();
        if tenants::all(conn)?
            .iter()
            .any(|t| Some(t.id) != id && t.name.to_lowercase() == wanted)
        {
            errs.add_errno(
                field,
                format!("The tenant \"{}\" already exists.", row.name),
                errno::EEXIST,
            );
        }
    }
    for (i, (key, _)) in row.attrs.iter().enumerate() {
        if row.attrs[..i].iter().any(|(k, _)| k == key) {
            errs.add_errno(
                format!("{schema}.attrs.{i}.key"),
                format!("Duplicate attribute \"{key}\""),
                errno::EEXIST,
            );
        }
    }
    Ok(())
}

/// The builtin tenant keeps its name.
pub(super) fn check_builtin_rename(old: &TenantRow, new_name: &str, errs: &mut ValidationErrors) {
    if old.builtin && new_name != old.name {
        errs.add(format!("{TENANT_UPDATE}.name"), "This attribute cannot be changed");
    }
}

/// What refers to a tenant: the users (by access entry or default tenant) and the privileges it owns.
pub(super) struct References {
    pub users: Vec<i64>,
    pub privileges: Vec<i64>,
}

/// The references to a tenant.
pub(super) fn references(conn: &Connection, id: i64) -> Result<References, StoreError> {
    Ok(References {
        users: tenants::users_referring_to(conn, id)?,
        privileges: tenants::privileges_owned_by(conn, id)?,
    })
}

/// TrueNAS-style refusals of `tenant.delete`: the builtin tenant (EPERM), and a tenant still referred to
/// without `force` (EBUSY naming up to five users).
pub(super) fn check_delete(conn: &Connection, row: &TenantRow, refs: &References, force: bool) -> Result<(), Error> {
    if row.builtin {
        return Err(Error::call(errno::EPERM, "Cannot delete a built-in tenant"));
    }
    if force || (refs.users.is_empty() && refs.privileges.is_empty()) {
        return Ok(());
    }
    let mut names = Vec::new();
    for id in refs.users.iter().take(NAMED_USERS) {
        if let Some(user) = users::get(conn, *id)? {
            names.push(user.username);
        }
    }
    let mut message = format!("Tenant \"{}\" is in use", row.name);
    if !names.is_empty() {
        message.push_str(&format!(" by users {}", names.join(", ")));
        let more = refs.users.len().saturating_sub(names.len());
        if more > 0 {
            message.push_str(&format!(" and {more} more"));
        }
    }
    if !refs.privileges.is_empty() {
        let joint = if names.is_empty() { " by" } else { " and by" };
        message.push_str(&format!("{joint} {} privilege(s)", refs.privileges.len()));
    }
    message.push_str("; delete it with force to remove these references");
    Err(Error::call(errno::EBUSY, message))
}

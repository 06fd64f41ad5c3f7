//! The checks of profile writes: every field's range (each a validation error naming the field), unique
//! names, and the rules of builtin profiles.

use accountd_store::account_profiles::{self, ProfileRow};
use accountd_store::{Connection, StoreError};

use crate::args::ACCOUNT_PROFILE_UPDATE;
use crate::error::{Error, ValidationErrors, errno};

/// Longest profile name.
const NAME_MAX: usize = 64;

fn range(errs: &mut ValidationErrors, schema: &str, field: &str, value: i64, min: i64, max: i64) {
    if value < min {
        errs.add(
            format!("{schema}.{field}"),
            format!("Input should be greater than or equal to {min}"),
        );
    } else if value > max {
        errs.add(
            format!("{schema}.{field}"),
            format!("Input should be less than or equal to {max}"),
        );
    }
}

fn optional(errs: &mut ValidationErrors, schema: &str, field: &str, value: Option<i64>, min: i64, max: i64) {
    if let Some(v) = value {
        range(errs, schema, field, v, min, max);
    }
}

/// Checks the profile as it would be stored: ranges of every field and a unique name (`id`: the profile being
/// updated). `schema` is `account_profile_create` or `account_profile_update`.
pub(super) fn validate(
    conn: &Connection,
    schema: &str,
    row: &ProfileRow,
    id: Option<i64>,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    let chars = row.name.chars().count();
    if row.name.trim().is_empty() {
        errs.add(format!("{schema}.name"), "String should have at least 1 character");
    } else if chars > NAME_MAX {
        errs.add(
            format!("{schema}.name"),
            format!("String should have at most {NAME_MAX} characters"),
        );
    } else if account_profiles::id_by_name(conn, &row.name)?.is_some_and(|other| Some(other) != id) {
        errs.add(
            format!("{schema}.name"),
            format!("Account profile with name {} already exists", row.name),
        );
    }
    range(
        errs,
        schema,
        "lockout_max_auth_failures",
        row.lockout_max_auth_failures,
        0,
        100,
    );
    range(
        errs,
        schema,
        "lockout_evaluation_period",
        row.lockout_evaluation_period,
        0,
        86_400,
    );
    if (1..60).contains(&row.lockout_evaluation_period) {
        errs.add(
            format!("{schema}.lockout_evaluation_period"),
            "Input should be 0 or between 60 and 86400",
        );
    }
    range(errs, schema, "lockout_period", row.lockout_period, 60, 86_400);
    range(
        errs,
        schema,
        "max_concurrent_sessions",
        row.max_concurrent_sessions,
        0,
        1000,
    );
    optional(
        errs,
        schema,
        "password_expiration_days",
        row.password_expiration_days,
        7,
        730,
    );
    optional(errs, schema, "min_password_age", row.min_password_age, 1, 365);
    optional(
        errs,
        schema,
        "password_history_length",
        row.password_history_length,
        1,
        10,
    );
    optional(errs, schema, "min_password_length", row.min_password_length, 8, 128);
    if let (Some(min_age), Some(max_age)) = (row.min_password_age, row.password_expiration_days)
        && min_age >= max_age
    {
        errs.add(
            format!("{schema}.min_password_age"),
            "Minimum password age must be lower than the password expiration days",
        );
    }
    Ok(())
}

/// `user_create.account_profile` / `user_update.account_profile`: ENOENT when no such profile exists.
pub fn check_profile_exists(
    conn: &Connection,
    schema: &str,
    id: i64,
    errs: &mut ValidationErrors,
) -> Result<(), StoreError> {
    if account_profiles::get(conn, id)?.is_none() {
        errs.add_errno(
            format!("{schema}.account_profile"),
            format!("Account profile {id} does not exist"),
            errno::ENOENT,
        );
    }
    Ok(())
}

/// Builtin profiles keep their names.
pub(super) fn check_builtin_rename(old: &ProfileRow, new_name: &str, errs: &mut ValidationErrors) {
    if old.builtin && new_name != old.name {
        errs.add(
            format!("{ACCOUNT_PROFILE_UPDATE}.name"),
            "This attribute cannot be changed",
        );
    }
}

/// Builtin profiles, and profiles users point at, cannot be deleted.
pub(super) fn check_delete(conn: &Connection, old: &ProfileRow) -> Result<(), Error> {
    if old.builtin {
        return Err(Error::call(errno::EPERM, "Cannot delete a built-in account profile"));
    }
    let users = account_profiles::users_of(conn, old.id)?;
    if users > 0 {
        return Err(Error::call(
            errno::EBUSY,
            format!("Account profile is used by {users} users"),
        ));
    }
    Ok(())
}

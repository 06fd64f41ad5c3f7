//! The rule that two local groups never map to the same container gid (TrueNAS `group.validate_userns_idmap`).

use accountd_api::types::common::UsernsIdmap;
use accountd_store::groups::{self, GroupRow};
use accountd_store::{StoreError, Transaction};

use crate::error::ValidationErrors;

/// The container gid a stored group's `userns_idmap` targets: its own gid for `DIRECT`, else the number.
fn stored_target(group: &GroupRow) -> Option<i64> {
    match group.userns_idmap.as_ref()? {
        serde_json::Value::String(s) if s == "DIRECT" => Some(group.gid),
        v => v.as_i64(),
    }
}

/// Adds `<schema>.userns_idmap` "Group 'x' already maps to container GID n." when another group (not
/// `exclude_id`) already maps to the container gid `idmap` targets for a group whose host gid is `gid`.
pub(super) fn check_unique(
    tx: &Transaction<'_>,
    errs: &mut ValidationErrors,
    schema: &str,
    idmap: Option<UsernsIdmap>,
    gid: i64,
    exclude_id: Option<i64>,
) -> Result<(), StoreError> {
    let Some(idmap) = idmap else {
        return Ok(());
    };
    let proposed = match idmap {
        UsernsIdmap::Direct(_) => gid,
        UsernsIdmap::Id(n) => i64::from(n),
    };
    let exclude = exclude_id.unwrap_or(-1);
    let others = groups::select(tx, "userns_idmap IS NOT NULL AND id != ?1", &[&exclude])?;
    if let Some(other) = others.iter().find(|g| stored_target(g) == Some(proposed)) {
        errs.add(
            format!("{schema}.userns_idmap"),
            format!(
                "Group {} already maps to container GID {proposed}.",
                accountd_api::pytext::repr_str(&other.name)
            ),
        );
    }
    Ok(())
}

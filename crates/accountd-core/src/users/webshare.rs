//! The `webshare` flag of a user: membership of the builtin group `truenas_webshare`, added or removed as the
//! flag says when a user is created or updated (TrueNAS's `handle_webshare`; root never joins).

use accountd_store::Transaction;
use accountd_store::groups;

use crate::entry::builtin;
use crate::error::Error;

/// Message of TrueNAS for `webshare: true` on root.
pub(crate) const ROOT_REFUSED: &str = "The root user is not allowed access via webshare.";

/// Whether the auxiliary groups `aux` hold the webshare group.
pub(crate) fn is_member(tx: &Transaction<'_>, aux: &[i64]) -> Result<bool, Error> {
    let group = groups::by_name(tx, builtin::WEBSHARE_GROUP)?.filter(|g| g.builtin);
    Ok(group.is_some_and(|g| aux.contains(&g.id)))
}

/// Adds the webshare group to the auxiliary groups `aux` when `webshare` (and the user is not root), removes it
/// otherwise.
pub(crate) fn apply(tx: &Transaction<'_>, aux: &mut Vec<i64>, webshare: bool, username: &str) -> Result<(), Error> {
    let group = groups::by_name(tx, builtin::WEBSHARE_GROUP)?.filter(|g| g.builtin);
    let Some(group) = group else {
        if webshare {
            return Err(Error::internal("the builtin group truenas_webshare is missing"));
        }
        return Ok(());
    };
    if webshare && username != "root" {
        if !aux.contains(&group.id) {
            aux.push(group.id);
        }
    } else {
        aux.retain(|id| *id != group.id);
    }
    Ok(())
}

//! `user.update`: the service checks what needs no transaction and hashes the new password, then one write
//! transaction validates (`checks.rs`), plans the new row (`plan.rs`) and applies it (`apply.rs`).

mod apply;
mod checks;
mod plan;

use accountd_api::types::user::{UserUpdate, UserWithPassword};
use accountd_store::Transaction;
use accountd_store::users;

use super::profile::normalize_timezone;
use crate::account_profiles::PasswordCandidate;
use crate::accounts::Accounts;
use crate::args::USER_UPDATE;
use crate::caller::Caller;
use crate::error::{Error, errno};
use crate::events::ChangeSet;
use crate::password::{nt_hash, random_password};

/// What the service prepared before the transaction.
struct Prepared {
    id: i64,
    data: UserUpdate,
    new_password: Option<(String, String, String)>,
    now_ms: i64,
    home_root: std::path::PathBuf,
    caller: Caller,
}

impl Accounts {
    /// `user.update`: the changed entry whole, with the password the call set.
    pub async fn user_update(&self, caller: &Caller, id: i64, mut data: UserUpdate) -> Result<UserWithPassword, Error> {
        if id > 100_000_000 {
            return Err(Error::call(
                errno::EPERM,
                "Users provided by a directory service must be modified through the identity provider \
                 (LDAP server or domain controller).",
            ));
        }
        if self.user_entry(id).await?.is_none() {
            return Err(Error::not_found(format!("User {id} does not exist")));
        }
        if let Some(Some(email)) = &data.email
            && email.is_empty()
        {
            data.email = Some(None);
        }
        if let Some(timezone) = &mut data.timezone {
            normalize_timezone(timezone);
        }
        let given = data.password.clone().flatten();
        if let Some(given) = given.as_deref() {
            self.check_new_password(PasswordCandidate {
                attribute: &format!("{USER_UPDATE}.password"),
                password: given,
                user_id: Some(id),
                profile: data.account_profile,
                username: data.username.as_deref(),
                full_name: data.full_name.as_deref(),
                self_service: false,
            })
            .await?;
        }
        let cleartext = match (data.random_password, &given) {
            (Some(true), None) => Some(random_password()),
            (_, Some(p)) => Some(p.clone()),
            _ => None,
        };
        let new_password = match &cleartext {
            Some(p) => Some((p.clone(), self.inner.hasher.hash(p.clone()).await?, nt_hash(p))),
            None => None,
        };
        let prepared = Prepared {
            id,
            data,
            new_password,
            now_ms: self.now_ms(),
            home_root: self.config().home_root.clone(),
            caller: caller.clone(),
        };
        self.write_changes(move |tx, changes| apply_update(tx, prepared, changes))
            .await?;
        tracing::info!(user_id = id, "user updated");
        let entry = self
            .user_entry(id)
            .await?
            .ok_or_else(|| Error::not_found(format!("User {id} does not exist")))?;
        Ok(UserWithPassword {
            entry,
            password: cleartext,
        })
    }
}

/// The transaction of `user.update`: validate against the stored user, plan the new row, write it, check what
/// only the written rows can tell (rolled back on refusal), then the filesystem.
fn apply_update(tx: &Transaction<'_>, p: Prepared, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = users::get(tx, p.id)?.ok_or_else(|| Error::not_found(format!("User {} does not exist", p.id)))?;
    let checked = checks::validate(tx, &p, &old)?;
    let planned = plan::plan_row(&p, &old, &checked);
    apply::write_rows(tx, &p, &old, &checked, &planned, changes)?;
    apply::check_after_write(tx, &p, &checked)?;
    apply::write_home(&p, &planned, &checked.group)
}

//! `auth_source.*`: the builtin `Internal` source and LDAP sources; `auth_source.test`; the status a login or
//! test leaves.

use accountd_api::types::auth_source::{AuthSourceCreate, AuthSourceEntry, AuthSourceTestResult, AuthSourceUpdate};
use accountd_api::types::query::{Instance, QueryAnswer, QueryOptions as WireOptions};
use accountd_store::auth_sources::{self, AuthSourceRow, INTERNAL_ID};
use accountd_store::{Connection, Transaction};
use serde_json::Value;

use super::client::Failure;
use super::{FAULTED, HEALTHY, LDAP, directory, validate};
use crate::accounts::Accounts;
use crate::args::{AUTH_SOURCE_CREATE, AUTH_SOURCE_UPDATE};
use crate::error::{Error, errno};
use crate::events::ChangeSet;
use crate::querying;

/// The entry of a source as readers see it: the bind password is never returned.
pub fn entry_of(row: &AuthSourceRow) -> AuthSourceEntry {
    AuthSourceEntry {
        id: row.id,
        name: row.name.clone(),
        kind: row.kind.clone(),
        host: row.host.clone(),
        port: row.port,
        tls: row.tls,
        tls_verify: row.tls_verify,
        ca_certificate: row.ca_certificate.clone(),
        account: row.account.clone(),
        account_password: None,
        account_password_set: row.account_password.as_deref().is_some_and(|p| !p.is_empty()),
        base_dn: row.base_dn.clone(),
        groups_base: row.groups_base.clone(),
        ldap_filter: row.ldap_filter.clone(),
        attr_login: row.attr_login.clone(),
        attr_firstname: row.attr_firstname.clone(),
        attr_lastname: row.attr_lastname.clone(),
        attr_mail: row.attr_mail.clone(),
        server_type: row.server_type.clone(),
        onthefly_register: row.onthefly_register,
        default_group: row.default_group,
        usergroup_sync: row.usergroup_sync,
        use_netgroups: row.use_netgroups,
        timeout: row.timeout,
        status: row.status.clone(),
        status_msg: row.status_msg.clone(),
    }
}

/// The serialized entry of one source, for change events (`None` when it is gone).
pub(crate) fn entry_value(conn: &Connection, id: i64) -> Option<Value> {
    let row = auth_sources::get(conn, id).ok()??;
    serde_json::to_value(entry_of(&row)).ok()
}

fn not_found(id: i64) -> Error {
    Error::not_found(format!("Authentication source {id} does not exist"))
}

fn builtin_refused() -> Error {
    Error::call(
        errno::EPERM,
        "The builtin Internal authentication source cannot be changed or deleted",
    )
}

fn empty_to_none(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn create_in(tx: &Transaction<'_>, data: AuthSourceCreate, changes: &mut ChangeSet) -> Result<i64, Error> {
    if data.kind != LDAP {
        return Err(Error::invalid(
            format!("{AUTH_SOURCE_CREATE}.type"),
            "Only LDAP authentication sources can be created",
        ));
    }
    let row = AuthSourceRow {
        id: 0,
        name: data.name,
        kind: data.kind,
        host: data.host,
        port: data.port.unwrap_or(if data.tls { 636 } else { 389 }),
        tls: data.tls,
        tls_verify: data.tls_verify,
        ca_certificate: empty_to_none(data.ca_certificate),
        account: empty_to_none(data.account),
        account_password: data.account_password,
        base_dn: data.base_dn,
        groups_base: empty_to_none(data.groups_base),
        ldap_filter: empty_to_none(data.ldap_filter),
        attr_login: data.attr_login,
        attr_firstname: data.attr_firstname,
        attr_lastname: data.attr_lastname,
        attr_mail: data.attr_mail,
        server_type: data.server_type,
        onthefly_register: data.onthefly_register,
        default_group: data.default_group,
        usergroup_sync: data.usergroup_sync,
        use_netgroups: data.use_netgroups,
        timeout: data.timeout,
        status: HEALTHY.to_string(),
        status_msg: String::new(),
    };
    validate::check(tx, AUTH_SOURCE_CREATE, &row, None)?;
    let id = auth_sources::insert(tx, &row)?;
    changes.auth_source_added(id);
    Ok(id)
}

fn update_in(tx: &Transaction<'_>, id: i64, data: AuthSourceUpdate, changes: &mut ChangeSet) -> Result<(), Error> {
    let old = auth_sources::get(tx, id)?.ok_or_else(|| not_found(id))?;
    if old.id == INTERNAL_ID {
        return Err(builtin_refused());
    }
    let mut row = old.clone();
    let tls_changed = data.tls.is_some_and(|t| t != old.tls);
    if let Some(v) = data.name {
        row.name = v;
    }
    if let Some(v) = data.host {
        row.host = v;
    }
    if let Some(v) = data.tls {
        row.tls = v;
    }
    match data.port {
        Some(v) => row.port = v,
        // The default port follows LDAPS when it was the default.
        None if tls_changed && [389, 636].contains(&old.port) => row.port = if row.tls { 636 } else { 389 },
        None => {}
    }
    if let Some(v) = data.tls_verify {
        row.tls_verify = v;
    }
    if let Some(v) = data.ca_certificate {
        row.ca_certificate = empty_to_none(v);
    }
    if let Some(v) = data.account {
        row.account = empty_to_none(v);
    }
    if let Some(v) = data.account_password {
        row.account_password = v;
    }
    if let Some(v) = data.base_dn {
        row.base_dn = v;
    }
    if let Some(v) = data.groups_base {
        row.groups_base = empty_to_none(v);
    }
    if let Some(v) = data.ldap_filter {
        row.ldap_filter = empty_to_none(v);
    }
    if let Some(v) = data.attr_login {
        row.attr_login = v;
    }
    if let Some(v) = data.attr_firstname {
        row.attr_firstname = v;
    }
    if let Some(v) = data.attr_lastname {
        row.attr_lastname = v;
    }
    if let Some(v) = data.attr_mail {
        row.attr_mail = v;
    }
    if let Some(v) = data.server_type {
        row.server_type = v;
    }
    if let Some(v) = data.onthefly_register {
        row.onthefly_register = v;
    }
    if let Some(v) = data.default_group {
        row.default_group = v;
    }
    if let Some(v) = data.usergroup_sync {
        row.usergroup_sync = v;
    }
    if let Some(v) = data.use_netgroups {
        row.use_netgroups = v;
    }
    if let Some(v) = data.timeout {
        row.timeout = v;
    }
    validate::check(tx, AUTH_SOURCE_UPDATE, &row, Some(id))?;
    auth_sources::update(tx, &row)?;
    changes.auth_source_changed(id);
    if row.name != old.name {
        for user in auth_sources::users_of(tx, id)? {
            changes.user_changed(user);
        }
    }
    Ok(())
}

fn delete_in(tx: &Transaction<'_>, id: i64, changes: &mut ChangeSet) -> Result<(), Error> {
    if auth_sources::get(tx, id)?.is_none() {
        return Err(not_found(id));
    }
    if id == INTERNAL_ID {
        return Err(builtin_refused());
    }
    let users = auth_sources::user_count(tx, id)?;
    if users > 0 {
        return Err(Error::call(
            errno::EBUSY,
            format!("Authentication source is used by {users} users"),
        ));
    }
    for (group, _) in auth_sources::links_of_source(tx, id)? {
        changes.group_members_changed(group);
    }
    auth_sources::delete(tx, id)?;
    changes.auth_source_removed(id);
    Ok(())
}

impl Accounts {
    /// `auth_source.query`.
    pub async fn auth_source_query(
        &self,
        filters: &[Vec<Value>],
        options: &WireOptions,
    ) -> Result<QueryAnswer<AuthSourceEntry>, Error> {
        let query = querying::parse(filters, options)?;
        let rows = self.store().read(auth_sources::all).await?;
        querying::answer(rows.iter().map(entry_of).collect(), &query)
    }

    /// `auth_source.get_instance`.
    pub async fn auth_source_get_instance(
        &self,
        id: i64,
        options: &WireOptions,
    ) -> Result<Instance<AuthSourceEntry>, Error> {
        let (filters, options) = querying::instance_query(id, options);
        querying::instance(self.auth_source_query(&filters, &options).await, || not_found(id))
    }

    /// The stored source `id` (with its bind password: never returned to callers).
    pub(crate) async fn auth_source_row(&self, id: i64) -> Result<AuthSourceRow, Error> {
        self.store()
            .read(move |conn| auth_sources::get(conn, id))
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// `auth_source.create`: returns the entry.
    pub async fn auth_source_create(&self, data: AuthSourceCreate) -> Result<AuthSourceEntry, Error> {
        let id = self
            .write_changes(move |tx, changes| create_in(tx, data, changes))
            .await?;
        tracing::info!(auth_source_id = id, "authentication source created");
        Ok(entry_of(&self.auth_source_row(id).await?))
    }

    /// `auth_source.update`: returns the entry.
    pub async fn auth_source_update(&self, id: i64, data: AuthSourceUpdate) -> Result<AuthSourceEntry, Error> {
        self.write_changes(move |tx, changes| update_in(tx, id, data, changes))
            .await?;
        tracing::info!(auth_source_id = id, "authentication source updated");
        Ok(entry_of(&self.auth_source_row(id).await?))
    }

    /// `auth_source.delete`: refused (EBUSY) while users belong to the source.
    pub async fn auth_source_delete(&self, id: i64) -> Result<bool, Error> {
        self.write_changes(move |tx, changes| delete_in(tx, id, changes))
            .await?;
        tracing::info!(auth_source_id = id, "authentication source deleted");
        Ok(true)
    }

    /// `auth_source.test`: binds with the service account and runs the login search; the outcome sets the
    /// source's status.
    pub async fn auth_source_test(&self, id: i64) -> Result<AuthSourceTestResult, Error> {
        let row = self.auth_source_row(id).await?;
        if row.id == INTERNAL_ID {
            return Ok(AuthSourceTestResult {
                success: true,
                message: "Local passwords need no server".to_string(),
            });
        }
        let result = directory::test(&row).await;
        self.record_status(&row, result.as_ref().err()).await;
        Ok(match result {
            Ok(()) => AuthSourceTestResult {
                success: true,
                message: "Connected and searched with the service account".to_string(),
            },
            Err(failure) => AuthSourceTestResult {
                success: false,
                message: failure.message(),
            },
        })
    }

    /// Records what the last operation on `row` found: FAULTED when the server could not be reached, HEALTHY
    /// otherwise. Writes only when the status changes.
    pub(crate) async fn record_status(&self, row: &AuthSourceRow, failure: Option<&Failure>) {
        let (status, message) = match failure {
            Some(f @ (Failure::Unreachable(_) | Failure::Refused(_))) => (FAULTED, f.message()),
            _ => (HEALTHY, String::new()),
        };
        if row.status == status && row.status_msg == message {
            return;
        }
        if status == FAULTED {
            tracing::warn!(auth_source_id = row.id, reason = %message, "authentication source faulted");
        } else {
            tracing::info!(auth_source_id = row.id, "authentication source healthy");
        }
        let id = row.id;
        let status = status.to_string();
        let written = self
            .write_changes(move |tx, changes| {
                if auth_sources::set_status(tx, id, &status, &message)? {
                    changes.auth_source_changed(id);
                }
                Ok(())
            })
            .await;
        if let Err(e) = written {
            tracing::warn!(auth_source_id = id, error = %e, "recording the status of an authentication source failed");
        }
    }
}

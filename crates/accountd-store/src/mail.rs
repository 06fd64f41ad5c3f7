//! The outgoing mail settings (`mail_settings`, one row) and the password reset settings
//! (`password_reset_settings`, one row). `mail_settings.pass` is sealed at rest.

use rusqlite::{Connection, Row, params};

use crate::error::StoreError;

/// The stored mail settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailRow {
    /// Sender address.
    pub fromemail: String,
    /// Sender display name (may be empty).
    pub fromname: String,
    /// SMTP server host name or address (empty: not configured).
    pub outgoingserver: String,
    /// SMTP server port.
    pub port: i64,
    /// `PLAIN`, `SSL` or `TLS`.
    pub security: String,
    /// SMTP AUTH with `user` and `pass`.
    pub smtp: bool,
    /// SMTP user.
    pub user: Option<String>,
    /// SMTP password (plaintext here; sealed in the table).
    pub pass: Option<String>,
}

fn mail_from_row(r: &Row<'_>) -> rusqlite::Result<MailRow> {
    Ok(MailRow {
        fromemail: r.get(0)?,
        fromname: r.get(1)?,
        outgoingserver: r.get(2)?,
        port: r.get(3)?,
        security: r.get(4)?,
        smtp: r.get(5)?,
        user: r.get(6)?,
        pass: r.get(7)?,
    })
}

/// The mail settings.
pub fn mail(conn: &Connection) -> Result<MailRow, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT fromemail, fromname, outgoingserver, port, security, smtp, user, \
         unseal(pass, 'mail_settings.pass') FROM mail_settings WHERE id = 1",
    )?;
    Ok(stmt.query_row([], mail_from_row)?)
}

/// Replaces the mail settings.
pub fn set_mail(conn: &Connection, row: &MailRow) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE mail_settings SET fromemail = ?1, fromname = ?2, outgoingserver = ?3, port = ?4, security = ?5, \
         smtp = ?6, user = ?7, pass = seal(?8, 'mail_settings.pass') WHERE id = 1",
        params![
            row.fromemail,
            row.fromname,
            row.outgoingserver,
            row.port,
            row.security,
            row.smtp,
            row.user,
            row.pass
        ],
    )?;
    Ok(())
}

/// The stored password reset settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResetSettingsRow {
    /// Reset by email is offered.
    pub enabled: bool,
    /// Seconds a token stays valid.
    pub token_ttl: i64,
    /// The link with `{token}` in it; `None`: the service's own reset page.
    pub url_template: Option<String>,
    /// Users matched by no privilege may log in to a session restricted to their own account.
    pub allow_unprivileged_self_service: bool,
}

/// The password reset settings.
pub fn reset_settings(conn: &Connection) -> Result<ResetSettingsRow, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT enabled, token_ttl, url_template, allow_unprivileged_self_service \
         FROM password_reset_settings WHERE id = 1",
    )?;
    Ok(stmt.query_row([], |r| {
        Ok(ResetSettingsRow {
            enabled: r.get(0)?,
            token_ttl: r.get(1)?,
            url_template: r.get(2)?,
            allow_unprivileged_self_service: r.get(3)?,
        })
    })?)
}

/// Replaces the password reset settings.
pub fn set_reset_settings(conn: &Connection, row: &ResetSettingsRow) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE password_reset_settings SET enabled = ?1, token_ttl = ?2, url_template = ?3, \
         allow_unprivileged_self_service = ?4 WHERE id = 1",
        params![
            row.enabled,
            row.token_ttl,
            row.url_template,
            row.allow_unprivileged_self_service
        ],
    )?;
    Ok(())
}

//! `mail.*`: TrueNAS's outgoing mail settings (`mail.config` / `mail.update`), the test message (`mail.send`) and
//! the one way mail leaves the service ([`send`]: lettre over tokio, rustls for SSL and STARTTLS, SMTP AUTH,
//! under the mail timeout).

mod send;

use accountd_api::types::mail::{MailEntry, MailMessage, MailSecurity, MailUpdate};
use accountd_store::mail::{self, MailRow};

pub use send::check_ca_pem;
pub(crate) use send::{Outgoing, SendOptions, send};

use crate::accounts::Accounts;
use crate::args::MAIL_UPDATE;
use crate::error::{Error, ValidationErrors, errno};
use crate::users::email_error;

/// The entry readers see: `pass` is never shown.
fn entry_of(row: &MailRow) -> MailEntry {
    MailEntry {
        id: 1,
        fromemail: row.fromemail.clone(),
        fromname: row.fromname.clone(),
        outgoingserver: row.outgoingserver.clone(),
        port: row.port,
        security: MailSecurity::parse(&row.security).unwrap_or_default(),
        smtp: row.smtp,
        user: row.user.clone(),
        pass: None,
        oauth: None,
    }
}

/// `old` with the given fields of `update` applied (an omitted `pass` stays).
fn merged(old: &MailRow, update: MailUpdate) -> MailRow {
    MailRow {
        fromemail: update.fromemail.unwrap_or_else(|| old.fromemail.clone()),
        fromname: update.fromname.unwrap_or_else(|| old.fromname.clone()),
        outgoingserver: update.outgoingserver.unwrap_or_else(|| old.outgoingserver.clone()),
        port: update.port.unwrap_or(old.port),
        security: update
            .security
            .map_or_else(|| old.security.clone(), |s| s.as_str().to_string()),
        smtp: update.smtp.unwrap_or(old.smtp),
        user: update.user.unwrap_or_else(|| old.user.clone()),
        pass: update.pass.unwrap_or_else(|| old.pass.clone()),
    }
}

/// TrueNAS's checks of merged settings, on attributes under `schema`.
fn validate(schema: &str, new: &MailRow, oauth: Option<&Option<serde_json::Value>>) -> Result<(), Error> {
    if let Some(Some(value)) = oauth
        && !value.is_null()
    {
        return Err(Error::call(
            errno::EOPNOTSUPP,
            "oauth: OAuth mail providers are not supported by this service",
        ));
    }
    let mut errs = ValidationErrors::new();
    if new.smtp && new.user.as_deref().unwrap_or("").is_empty() {
        errs.add(
            format!("{schema}.user"),
            "This field is required when SMTP authentication is enabled",
        );
    }
    if let Some(pass) = &new.pass
        && !pass.is_ascii()
    {
        errs.add(
            format!("{schema}.pass"),
            "Only plain text characters (7-bit ASCII) are allowed in passwords. UTF or composed characters are not \
             allowed.",
        );
    }
    if !new.fromemail.is_empty()
        && let Some(message) = email_error(&new.fromemail)
    {
        errs.add(format!("{schema}.fromemail"), message);
    }
    if new.outgoingserver.chars().any(|c| c.is_whitespace() || c.is_control()) {
        errs.add(
            format!("{schema}.outgoingserver"),
            "Must be a host name or an IP address",
        );
    }
    errs.check()
}

/// True when mail can go out: a server and a sender address are set.
pub(crate) fn configured(row: &MailRow) -> bool {
    !row.outgoingserver.is_empty() && !row.fromemail.is_empty()
}

impl Accounts {
    /// `mail.config`.
    pub async fn mail_config(&self) -> Result<MailEntry, Error> {
        let row = self.store().read(mail::mail).await?;
        Ok(entry_of(&row))
    }

    /// `mail.update`.
    pub async fn mail_update(&self, update: MailUpdate) -> Result<MailEntry, Error> {
        let oauth = update.oauth.clone();
        let row = self
            .write_outside_entries(move |tx| {
                let old = mail::mail(tx)?;
                let new = merged(&old, update);
                validate(MAIL_UPDATE, &new, oauth.as_ref())?;
                mail::set_mail(tx, &new)?;
                Ok::<_, Error>(new)
            })
            .await?;
        tracing::info!(
            server = %row.outgoingserver,
            port = row.port,
            security = %row.security,
            "mail configuration updated"
        );
        Ok(entry_of(&row))
    }

    /// `mail.send`: `message` through the stored settings with `config` merged over them.
    pub async fn mail_send(&self, message: MailMessage, config: MailUpdate) -> Result<bool, Error> {
        let oauth = config.oauth.clone();
        let stored = self.store().read(mail::mail).await?;
        let settings = merged(&stored, config);
        validate("config", &settings, oauth.as_ref())?;
        let mut errs = ValidationErrors::new();
        for (i, to) in message.to.iter().enumerate() {
            if let Some(reason) = email_error(to) {
                errs.add(format!("message.to.{i}"), reason);
            }
        }
        errs.check()?;
        if settings.outgoingserver.is_empty() {
            return Err(Error::call(
                errno::EFAULT,
                "you must provide an outgoing mailserver and mail server port when sending mail",
            ));
        }
        if settings.fromemail.is_empty() {
            return Err(Error::call(
                errno::EFAULT,
                "you must provide a sender address (fromemail) when sending mail",
            ));
        }
        let outgoing = Outgoing {
            to: message.to,
            subject: message.subject,
            text: message.text,
        };
        match send(&settings, outgoing, self.now_ms(), SendOptions::of(self.config())).await {
            Ok(()) => {
                tracing::info!("test mail sent");
                Ok(true)
            }
            Err(e) => {
                tracing::warn!(error = %e, "test mail not sent");
                Err(Error::call(errno::EIO, format!("Failed to send email: {e}")))
            }
        }
    }
}

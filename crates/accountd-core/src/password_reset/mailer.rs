//! The reset mailer: one background task takes the addresses of reset requests in order, finds the eligible
//! accounts, stores a new token for each and mails the link. The request has been answered by then, so neither
//! its answer nor its timing depends on the address. The queue is bounded: when requests arrive faster than
//! mail goes out, the excess is dropped (and logged), never queued without limit.

use std::sync::{Arc, OnceLock, Weak};

use accountd_store::mail::{self as mail_store, MailRow};
use accountd_store::password_reset as tokens;
use accountd_store::users::{self, UserRow};
use accountd_store::{Transaction, auth_sources};
use tokio::sync::mpsc;

use super::{TOKEN_PLACEHOLDER, token};
use crate::accounts::{Accounts, Inner};
use crate::error::Error;
use crate::mail::{Outgoing, SendOptions, configured, send};

/// Requests waiting for the mailer at most.
const QUEUE: usize = 256;

/// The queue of reset requests and the task that works through it (started with the first request).
#[derive(Default)]
pub(crate) struct ResetMailer {
    sender: OnceLock<mpsc::Sender<String>>,
}

impl ResetMailer {
    /// Hands a request for `email` to the mailer task of `accounts` (started on first use).
    pub(crate) fn enqueue(&self, accounts: &Accounts, email: String) {
        let sender = self.sender.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(Arc::downgrade(&accounts.inner), rx));
            tx
        });
        if sender.try_send(email).is_err() {
            tracing::warn!("password reset requests arrive faster than mail goes out: a request was dropped");
        }
    }
}

async fn run(inner: Weak<Inner>, mut requests: mpsc::Receiver<String>) {
    while let Some(email) = requests.recv().await {
        let Some(inner) = inner.upgrade() else { break };
        let accounts = Accounts { inner };
        if let Err(e) = accounts.mail_reset_links(email).await {
            tracing::warn!(error = %e, "a password reset request could not be processed");
        }
    }
}

/// What one request produced: the mail settings to send with, the TTL and link template in force, and the new
/// token of each eligible account.
struct Issued {
    mail: MailRow,
    ttl: i64,
    template: Option<String>,
    tokens: Vec<(UserRow, String)>,
}

/// A user a reset link may be sent to: a local account of the Internal source that can log in with a password
/// and is not a builtin system account.
fn eligible(tx: &Transaction<'_>, row: &UserRow) -> Result<bool, Error> {
    Ok(!row.builtin
        && !row.locked
        && !row.password_disabled
        && row.email.is_some()
        && auth_sources::source_of_user(tx, row.id)? == auth_sources::INTERNAL_ID)
}

/// "the next 24 hours", "the next hour", "the next 5 minutes".
fn validity(ttl_seconds: i64) -> String {
    match ttl_seconds {
        3600 => "the next hour".to_string(),
        s if s % 3600 == 0 => format!("the next {} hours", s / 3600),
        s => format!("the next {} minutes", s / 60),
    }
}

/// The text of the reset mail (after Avi's sample mail).
fn message_text(username: &str, full_name: &str, link: &str, ttl_seconds: i64) -> String {
    let name = if full_name.trim().is_empty() {
        username
    } else {
        full_name
    };
    format!(
        "Hi {name},\n\nYou recently requested a password reset for the account {username}.\n\nPlease set a new \
         password by following the link below:\n\n{link}\n\nThis link will be valid for {validity}.\n\nPlease \
         disregard this e-mail if you did not request a password reset.\n\nThanks,\n\n- Administrator\n",
        validity = validity(ttl_seconds),
    )
}

impl Accounts {
    /// The link mailed for `token`: `url_template` with the token put in, else the service's own reset page,
    /// else (no address known) the token itself.
    fn reset_link(&self, template: Option<&str>, token: &str) -> String {
        match (template, self.inner.service_url.get()) {
            (Some(t), _) => t.replace(TOKEN_PLACEHOLDER, token),
            (None, Some(base)) => format!("{base}/ui/reset?token={token}"),
            (None, None) => token.to_string(),
        }
    }

    /// Finds the eligible accounts with `email`, gives each a new token (replacing an older one) and mails the
    /// links. A failed send is logged with the user's id and the server's answer, never the token.
    async fn mail_reset_links(&self, email: String) -> Result<(), Error> {
        let now = self.now_ms();
        let issued: Option<Issued> = self
            .write_outside_entries(move |tx| {
                let settings = mail_store::reset_settings(tx)?;
                let mail = mail_store::mail(tx)?;
                if !settings.enabled || !configured(&mail) {
                    return Ok(None);
                }
                tokens::prune_expired(tx, now)?;
                let expires = now.saturating_add(settings.token_ttl.saturating_mul(1000));
                let mut issued = Vec::new();
                for row in users::with_email(tx, &email)? {
                    if !eligible(tx, &row)? {
                        continue;
                    }
                    let (token, digest) = token::generate();
                    tokens::replace(tx, row.id, &digest, now, expires)?;
                    issued.push((row, token));
                }
                Ok::<_, Error>(Some(Issued {
                    mail,
                    ttl: settings.token_ttl,
                    template: settings.url_template,
                    tokens: issued,
                }))
            })
            .await?;
        let Some(Issued {
            mail,
            ttl,
            template,
            tokens: issued,
        }) = issued
        else {
            tracing::info!("password reset request dropped: reset by email is no longer configured");
            return Ok(());
        };
        if issued.is_empty() {
            tracing::info!("password reset requested for an address of no eligible account");
        }
        for (row, token) in issued {
            let Some(to) = row.email.clone() else { continue };
            let link = self.reset_link(template.as_deref(), &token);
            let outgoing = Outgoing {
                to: vec![to],
                subject: format!("Password reset for {}", row.username),
                text: message_text(&row.username, &row.full_name, &link, ttl),
            };
            match send(&mail, outgoing, self.now_ms(), SendOptions::of(self.config())).await {
                Ok(()) => tracing::info!(user_id = row.id, "password reset mail sent"),
                Err(e) => tracing::warn!(user_id = row.id, error = %e, "password reset mail not sent"),
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_is_worded_from_the_ttl() {
        for (ttl, text) in [
            (86400, "the next 24 hours"),
            (3600, "the next hour"),
            (7200, "the next 2 hours"),
            (300, "the next 5 minutes"),
            (5400, "the next 90 minutes"),
        ] {
            assert_eq!(validity(ttl), text, "{ttl}");
        }
    }

    #[test]
    fn the_mail_greets_by_full_name_or_username() {
        let text = message_text("carol", "Carol Ünder", "https://x/reset?token=t", 86400);
        assert!(text.starts_with("Hi Carol Ünder,\n\nYou recently requested a password reset for the account carol."));
        assert!(text.contains("\n\nhttps://x/reset?token=t\n\nThis link will be valid for the next 24 hours.\n"));
        assert!(message_text("carol", " ", "t", 3600).starts_with("Hi carol,\n"));
    }
}

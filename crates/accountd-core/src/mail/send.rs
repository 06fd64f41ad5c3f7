//! Sending one plain-text message with lettre's tokio transport: plain SMTP for `PLAIN`, TLS from the first byte
//! for `SSL`, STARTTLS (required) for `TLS`, both with rustls and the system's root certificates; SMTP AUTH when
//! `smtp` is set. Every step runs under the mail timeout, and the whole send under it once more.

use std::time::{Duration, UNIX_EPOCH};

use accountd_api::types::mail::MailSecurity;
use accountd_store::mail::MailRow;
use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rand::RngCore;

/// A plain-text message to send.
#[derive(Debug, Clone)]
pub(crate) struct Outgoing {
    /// Recipient addresses.
    pub(crate) to: Vec<String>,
    /// Subject line.
    pub(crate) subject: String,
    /// Body, UTF-8 plain text.
    pub(crate) text: String,
}

/// Why a message did not go out, worded for the caller (the SMTP server's reply when there was one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SendError(pub(crate) String);

impl std::fmt::Display for SendError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn address(value: &str, what: &str) -> Result<Address, SendError> {
    value
        .parse::<Address>()
        .map_err(|e| SendError(format!("{what} {value:?} is not a valid address: {e}")))
}

/// The message as it goes on the wire: `From` (with the display name), `To`, `Subject`, `Date` (from the
/// service's clock, `now_ms`), a fresh `Message-ID` in the sender's domain, UTF-8 plain text.
fn build(settings: &MailRow, mail: &Outgoing, now_ms: i64) -> Result<Message, SendError> {
    let from_address = address(&settings.fromemail, "the sender")?;
    let name = (!settings.fromname.is_empty()).then(|| settings.fromname.clone());
    let mut id = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut id);
    let date = UNIX_EPOCH + Duration::from_millis(u64::try_from(now_ms).unwrap_or(0));
    let mut builder = Message::builder()
        .from(Mailbox::new(name, from_address.clone()))
        .subject(mail.subject.clone())
        .date(date)
        .message_id(Some(format!(
            "<accountd-{}@{}>",
            hex::encode(id),
            from_address.domain()
        )))
        .header(ContentType::TEXT_PLAIN);
    for to in &mail.to {
        builder = builder.to(Mailbox::new(None, address(to, "the recipient")?));
    }
    builder
        .body(mail.text.clone())
        .map_err(|e| SendError(format!("the message could not be built: {e}")))
}

/// How mail leaves the service: the service's own settings, not the stored ones.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendOptions<'a> {
    /// Bound of each SMTP step and of the whole send.
    pub(crate) timeout: Duration,
    /// PEM certificates trusted besides the system's roots.
    pub(crate) ca_pem: Option<&'a [u8]>,
}

impl<'a> SendOptions<'a> {
    /// The options of a service configured with `config`.
    pub(crate) fn of(config: &'a crate::config::Config) -> Self {
        SendOptions {
            timeout: config.mail_timeout,
            ca_pem: config.mail_ca_pem.as_deref(),
        }
    }
}

/// Checks that `pem` holds PEM certificates and nothing unreadable; returns how many.
pub fn check_ca_pem(pem: &[u8]) -> Result<usize, String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("not PEM certificates: {e}"))?;
    if certs.is_empty() {
        return Err("no PEM certificate in it".to_string());
    }
    Ok(certs.len())
}

/// The transport for `settings`: a new connection per message (no pool), each SMTP step bounded by the timeout,
/// TLS checked against the system's roots and the extra ones.
fn transport(settings: &MailRow, options: SendOptions<'_>) -> Result<AsyncSmtpTransport<Tokio1Executor>, SendError> {
    let timeout = options.timeout;
    let host = settings.outgoingserver.clone();
    let port =
        u16::try_from(settings.port).map_err(|_| SendError(format!("port {} is out of range", settings.port)))?;
    let tls_parameters = || {
        let mut builder = TlsParameters::builder(host.clone());
        if let Some(pem) = options.ca_pem {
            let roots = Certificate::from_pem(pem).map_err(|e| SendError(format!("the mail CA file: {e}")))?;
            builder = builder.add_root_certificate(roots);
        }
        builder
            .build_rustls()
            .map_err(|e| SendError(format!("TLS setup for {host} failed: {e}")))
    };
    let tls = match MailSecurity::parse(&settings.security).unwrap_or_default() {
        MailSecurity::Plain => Tls::None,
        MailSecurity::Ssl => Tls::Wrapper(tls_parameters()?),
        MailSecurity::Tls => Tls::Required(tls_parameters()?),
    };
    let hello = address(&settings.fromemail, "the sender")?.domain().to_string();
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host.clone())
        .port(port)
        .tls(tls)
        .timeout(Some(timeout))
        .hello_name(ClientId::Domain(hello));
    if settings.smtp {
        builder = builder.credentials(Credentials::new(
            settings.user.clone().unwrap_or_default(),
            settings.pass.clone().unwrap_or_default(),
        ));
    }
    Ok(builder.build())
}

/// Sends `mail` with `settings`; `now_ms` dates it. Answers once the server accepted the message, or with the
/// server's reply (or the network error) when it did not, or after the timeout.
pub(crate) async fn send(
    settings: &MailRow,
    mail: Outgoing,
    now_ms: i64,
    options: SendOptions<'_>,
) -> Result<(), SendError> {
    let timeout = options.timeout;
    let message = build(settings, &mail, now_ms)?;
    let transport = transport(settings, options)?;
    match tokio::time::timeout(timeout, transport.send(message)).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(SendError(e.to_string())),
        Err(_) => Err(SendError(format!(
            "no answer from {}:{} within {} s",
            settings.outgoingserver,
            settings.port,
            timeout.as_secs()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> MailRow {
        MailRow {
            fromemail: "accountd@example.com".into(),
            fromname: "Accounts Ünit".into(),
            outgoingserver: "127.0.0.1".into(),
            port: 25,
            security: "PLAIN".into(),
            smtp: false,
            user: None,
            pass: None,
        }
    }

    #[test]
    fn the_message_has_sender_date_id_and_utf8_text() {
        let mail = Outgoing {
            to: vec!["alice@example.org".into()],
            subject: "Grüße".into(),
            text: "Hallo Jürgen\nhttps://example.com/ui/reset?token=abc\n".into(),
        };
        let now = 1_767_225_600_000;
        let text = String::from_utf8(build(&settings(), &mail, now).unwrap().formatted()).unwrap();
        assert!(text.contains("Date: Thu, 01 Jan 2026 00:00:00 +0000"), "{text}");
        assert!(text.contains("Message-ID: <accountd-"), "{text}");
        assert!(text.contains("@example.com>"), "{text}");
        assert!(text.contains("To: alice@example.org"), "{text}");
        assert!(text.contains("<accountd@example.com>"), "{text}");
        assert!(text.contains("Content-Type: text/plain; charset=utf-8"), "{text}");
    }

    #[test]
    fn bad_addresses_are_named() {
        let mail = Outgoing {
            to: vec!["not an address".into()],
            subject: "s".into(),
            text: String::new(),
        };
        let err = build(&settings(), &mail, 0).unwrap_err();
        assert!(err.0.contains("the recipient \"not an address\""), "{err}");
    }
}

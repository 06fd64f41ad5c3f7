//! `mail.*` methods: TrueNAS's outgoing mail settings and test mail.

use crate::declare_method;
use crate::method::Audit;
use crate::types::common::NoArgs;
use crate::types::mail::{MailEntry, MailSendArgs, MailUpdateArgs};
use crate::{Access, Role};

declare_method! {
    /// The outgoing mail settings. `pass` is always null (the stored password is never returned).
    MailConfig = "mail.config", Access::Roles(&[Role::AlertRead]), NoArgs => MailEntry,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Changes the outgoing mail settings; an omitted `pass` keeps the stored one (sealed at rest). `smtp: true`
    /// needs a `user` ("This field is required when SMTP authentication is enabled"); `fromemail` must be a valid
    /// address; `pass` must be 7-bit ASCII, as in TrueNAS. A non-null `oauth` is EOPNOTSUPP. Returns the new
    /// settings.
    MailUpdate = "mail.update", Access::Roles(&[Role::AlertWrite]), MailUpdateArgs => MailEntry,
    audit: Audit::plain("Update mail configuration"),
    examples: [
        Admin r#"[{"fromemail": "accountd@example.com", "fromname": "Accounts", "outgoingserver": "smtp.example.com", "port": 587, "security": "TLS", "smtp": true, "user": "accountd", "pass": "smtp-password"}]"#,
        Admin r#"[{"smtp": true, "user": ""}]"# => error,
    ]
}

declare_method! {
    /// Sends a plain-text message through the stored settings (or `config` merged over them, to test settings
    /// before saving them) and answers true once the SMTP server accepted it. Unlike TrueNAS this is not a job:
    /// the call answers when the server has answered (or after the mail timeout). A refusal or an unreachable
    /// server is EIO with the server's reply ("Failed to send email: ..."); no outgoing server is EFAULT.
    MailSend = "mail.send", Access::Roles(&[Role::AlertWrite]), MailSendArgs => bool,
    audit: Audit::plain("Send test mail"),
    examples: [
        Admin r#"[{"subject": "Test message", "text": "Mail from accountd works.", "to": ["alice@example.com"]}]"# => error,
    ]
}

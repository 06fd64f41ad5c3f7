//! `mail.*` wire types: TrueNAS's outgoing mail settings (`MailEntry`) and test messages.

use crate::ArgNames;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::double_option;

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub enum MailSecurity {
    /// Plain SMTP, no TLS.
    #[default]
    #[serde(rename = "PLAIN")]
    Plain,
    /// TLS from the first byte (SMTPS, usually port 465).
    #[serde(rename = "SSL")]
    Ssl,
    /// Plain SMTP upgraded with STARTTLS (usually port 587); refused when the server does not offer it.
    #[serde(rename = "TLS")]
    Tls,
}

impl MailSecurity {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailSecurity::Plain => "PLAIN",
            MailSecurity::Ssl => "SSL",
            MailSecurity::Tls => "TLS",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<MailSecurity> {
        [MailSecurity::Plain, MailSecurity::Ssl, MailSecurity::Tls]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The outgoing mail settings (TrueNAS `MailEntry`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct MailEntry {
    /// Always 1.
    pub id: i64,
    /// The sending address (envelope and `From` header); empty: mail is not configured.
    pub fromemail: String,
    /// The display name in the `From` header (may be empty).
    pub fromname: String,
    /// Host name or IP address of the SMTP server; empty: mail is not configured.
    pub outgoingserver: String,
    /// SMTP server port.
    pub port: i64,
    /// `PLAIN`, `SSL` or `TLS` (STARTTLS).
    pub security: MailSecurity,
    /// SMTP authentication with `user` and `pass`.
    pub smtp: bool,
    /// SMTP user.
    pub user: Option<String>,
    /// SMTP password: always null (secret, never returned).
    pub pass: Option<String>,
    /// OAuth mail providers are not supported: always null.
    pub oauth: Option<serde_json::Value>,
}

/// `mail.update` input: only given keys change; an omitted `pass` is kept.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailUpdate {
    /// The sending address (empty turns mail off).
    #[serde(default)]
    #[schemars(length(max = 120))]
    pub fromemail: Option<String>,
    /// The display name in the `From` header.
    #[serde(default)]
    #[schemars(length(max = 120))]
    pub fromname: Option<String>,
    /// Host name or IP address of the SMTP server (empty turns mail off).
    #[serde(default)]
    #[schemars(length(max = 120))]
    pub outgoingserver: Option<String>,
    /// SMTP server port.
    #[serde(default)]
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<i64>,
    /// `PLAIN`, `SSL` or `TLS`.
    #[serde(default)]
    pub security: Option<MailSecurity>,
    /// Authenticate with `user` and `pass`.
    #[serde(default)]
    pub smtp: Option<bool>,
    /// SMTP user (null clears it).
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(length(max = 120))]
    pub user: Option<Option<String>>,
    /// SMTP password (secret; null clears it, omitted keeps it).
    #[serde(default, rename = "pass", deserialize_with = "double_option")]
    #[schemars(extend("writeOnly" = true))]
    pub pass: Option<Option<String>>,
    /// OAuth settings: only null is accepted (OAuth providers are not supported).
    #[serde(default, deserialize_with = "double_option")]
    pub oauth: Option<Option<serde_json::Value>>,
}

/// `mail.update` arguments.
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct MailUpdateArgs {
    /// Fields to change.
    pub mail_update: MailUpdate,
}

/// A plain-text message for `mail.send`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MailMessage {
    /// Subject line.
    #[schemars(length(max = 998))]
    pub subject: String,
    /// Body (plain text, UTF-8).
    #[serde(default)]
    #[schemars(extend("x-long-string" = true))]
    pub text: String,
    /// Recipients (at least one address).
    #[schemars(length(min = 1, max = 50))]
    pub to: Vec<String>,
}

/// `mail.send` arguments: the message, and settings that replace the stored ones for this message only (to test
/// settings before saving them; an omitted `pass` is the stored one).
#[derive(Debug, Clone, Deserialize, JsonSchema, ArgNames)]
#[serde(deny_unknown_fields)]
pub struct MailSendArgs {
    /// The message.
    pub message: MailMessage,
    /// Settings for this message (omitted fields: the stored ones).
    #[serde(default)]
    pub config: MailUpdate,
}

//! One short-lived connection to an LDAP server per operation: connect (plain or LDAPS), bind, search, all
//! under the source's timeout. Values put into filters and DNs are escaped with ldap3's helpers by the callers.

use std::sync::Arc;
use std::time::Duration;

use accountd_store::auth_sources::AuthSourceRow;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, Scope, SearchEntry};
use rustls::ClientConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

/// LDAP result code of a bind with wrong credentials.
const INVALID_CREDENTIALS: u32 = 49;
/// LDAP result code of a search whose base does not exist.
const NO_SUCH_OBJECT: u32 = 32;

/// Why an LDAP operation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The server could not be reached, timed out or failed TLS: the source is FAULTED.
    Unreachable(String),
    /// A bind was refused (wrong DN or password).
    InvalidCredentials,
    /// The server answered with another error (bad filter, missing base, ...).
    Refused(String),
}

impl Failure {
    /// The message shown in `status_msg` and `auth_source.test`.
    pub fn message(&self) -> String {
        match self {
            Failure::Unreachable(why) => format!("Unable to connect to LDAP server: {why}"),
            Failure::InvalidCredentials => "Invalid credentials".to_string(),
            Failure::Refused(why) => why.clone(),
        }
    }
}

fn classify(err: LdapError) -> Failure {
    match err {
        LdapError::LdapResult { result } if result.rc == INVALID_CREDENTIALS => Failure::InvalidCredentials,
        LdapError::LdapResult { result } if result.rc == NO_SUCH_OBJECT => {
            Failure::Refused(format!("No such object: {}", result.matched))
        }
        LdapError::LdapResult { result } => Failure::Refused(format!("LDAP error {}: {}", result.rc, result.text)),
        LdapError::FilterParsing => Failure::Refused("Invalid LDAP filter syntax".to_string()),
        other => Failure::Unreachable(other.to_string()),
    }
}

/// An open, driven connection.
pub struct Conn {
    ldap: Ldap,
    timeout: Duration,
}

impl Conn {
    /// Connects to the source's server within its timeout.
    pub async fn open(source: &AuthSourceRow) -> Result<Conn, Failure> {
        let timeout = Duration::from_secs(source.timeout.clamp(1, 60) as u64);
        let mut settings = LdapConnSettings::new().set_conn_timeout(timeout);
        let scheme = if source.tls {
            settings = settings.set_config(tls_config(source)?);
            "ldaps"
        } else {
            "ldap"
        };
        let host = if source.host.contains(':') {
            format!("[{}]", source.host)
        } else {
            source.host.clone()
        };
        let url = format!("{scheme}://{host}:{}", source.port);
        let (conn, ldap) = match tokio::time::timeout(timeout, LdapConnAsync::with_settings(settings, &url)).await {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(Failure::Unreachable(e.to_string())),
            Err(_) => return Err(Failure::Unreachable("connection timed out".to_string())),
        };
        tokio::spawn(async move {
            if let Err(e) = conn.drive().await {
                tracing::debug!(error = %e, "LDAP connection ended");
            }
        });
        Ok(Conn { ldap, timeout })
    }

    /// A simple bind; never called with an empty password (an anonymous bind would succeed).
    pub async fn bind(&mut self, dn: &str, password: &str) -> Result<(), Failure> {
        if password.is_empty() {
            return Err(Failure::InvalidCredentials);
        }
        let timeout = self.timeout;
        let result = tokio::time::timeout(timeout, self.ldap.with_timeout(timeout).simple_bind(dn, password)).await;
        match result {
            Ok(Ok(res)) => res.success().map(|_| ()).map_err(classify),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(Failure::Unreachable("bind timed out".to_string())),
        }
    }

    /// A subtree search returning the entries (their DN and the attributes asked for).
    pub async fn search(&mut self, base: &str, filter: &str, attrs: &[&str]) -> Result<Vec<SearchEntry>, Failure> {
        let timeout = self.timeout;
        let result = tokio::time::timeout(
            timeout,
            self.ldap
                .with_timeout(timeout)
                .search(base, Scope::Subtree, filter, attrs.to_vec()),
        )
        .await;
        match result {
            Ok(Ok(res)) => {
                let (entries, _) = res.success().map_err(classify)?;
                Ok(entries.into_iter().map(SearchEntry::construct).collect())
            }
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(Failure::Unreachable("search timed out".to_string())),
        }
    }

    /// Unbinds (best effort); the connection closes.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(self.timeout, self.ldap.unbind()).await;
    }
}

/// The first value of an attribute, when not blank.
pub fn first_value(entry: &SearchEntry, attr: &str) -> Option<String> {
    entry
        .attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(attr))
        .and_then(|(_, v)| v.first())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
}

/// Every value of an attribute.
pub fn values(entry: &SearchEntry, attr: &str) -> Vec<String> {
    entry
        .attrs
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(attr))
        .flat_map(|(_, v)| v.iter().cloned())
        .collect()
}

/// The rustls configuration of an LDAPS source: its CA (or the system roots), or no check with `tls_verify`
/// off. The ring provider is named explicitly so that no process-wide default is needed.
fn tls_config(source: &AuthSourceRow) -> Result<Arc<ClientConfig>, Failure> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Failure::Unreachable(e.to_string()))?;
    if !source.tls_verify {
        let config = builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(NoVerify(provider)))
            .with_no_client_auth();
        return Ok(Arc::new(config));
    }
    let mut roots = rustls::RootCertStore::empty();
    match &source.ca_certificate {
        Some(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| Failure::Unreachable(format!("CA certificate: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| Failure::Unreachable(format!("CA certificate: {e}")))?;
            }
        }
        None => {
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
        }
    }
    Ok(Arc::new(builder.with_root_certificates(roots).with_no_client_auth()))
}

/// Accepts any server certificate (`tls_verify` off), still checking the handshake signatures.
#[derive(Debug)]
struct NoVerify(Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

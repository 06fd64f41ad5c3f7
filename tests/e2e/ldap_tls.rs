//! LDAPS (TLS from the first byte) against a real slapd with a CA and server certificate the test makes:
//! the source's CA is trusted, a different CA is refused, and `tls_verify` off accepts any certificate.

use accountd_e2e::TestServer;
use accountd_e2e::slapd::{JDOE, Slapd, TlsFiles};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::json;

use super::ldap::{create_external_user, create_source, source};

/// A CA: its PEM and the issuer that signs with it.
fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(rcgen::DnType::CommonName, name);
    CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("CA")
}

/// Writes a server certificate for 127.0.0.1 signed by `issuer` into `dir`.
fn server_files(dir: &std::path::Path, issuer: &CertifiedIssuer<'static, KeyPair>) -> TlsFiles {
    let params = CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
    let key = KeyPair::generate().expect("key");
    let cert = params.signed_by(&key, issuer).expect("server certificate");
    let files = TlsFiles {
        cert: dir.join("server.pem"),
        key: dir.join("server.key"),
    };
    std::fs::write(&files.cert, cert.pem()).expect("cert");
    std::fs::write(&files.key, key.serialize_pem()).expect("key");
    files
}

#[tokio::test]
async fn ldaps_trusts_the_given_ca_and_refuses_another() {
    let pki = tempfile::tempdir().expect("tempdir");
    let authority = ca("accountd test CA");
    let ldap = Slapd::start_ldaps(server_files(pki.path(), &authority));
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let readers = server.grant_privilege(&mut admin, "readers", &["READONLY_ADMIN"]).await;

    let good = create_source(&mut admin, &ldap, "corp", json!({"ca_certificate": authority.pem()})).await;
    assert_eq!(source(&mut admin, good).await["port"], ldap.port);
    assert_eq!(admin.ok("auth_source.test", json!([good])).await["success"], true);
    create_external_user(&mut admin, JDOE.0, good, &[readers]).await;
    assert_eq!(server.login_type(JDOE.0, JDOE.1).await, "SUCCESS");

    let other = ca("someone else's CA");
    let wrong = create_source(&mut admin, &ldap, "impostor", json!({"ca_certificate": other.pem()})).await;
    let r = admin.ok("auth_source.test", json!([wrong])).await;
    assert_eq!(r["success"], false);
    let message = r["message"].as_str().expect("message");
    assert!(message.starts_with("Unable to connect to LDAP server"), "{message}");
    assert!(message.to_lowercase().contains("certificate"), "{message}");
    assert_eq!(source(&mut admin, wrong).await["status"], "FAULTED");

    // The system roots do not know the test CA either; with tls_verify off any certificate is accepted.
    let system = create_source(&mut admin, &ldap, "system-roots", json!({})).await;
    assert_eq!(admin.ok("auth_source.test", json!([system])).await["success"], false);
    admin
        .ok("auth_source.update", json!([system, {"tls_verify": false}]))
        .await;
    assert_eq!(admin.ok("auth_source.test", json!([system])).await["success"], true);
}

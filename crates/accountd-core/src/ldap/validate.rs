//! Checks of an authentication source's configuration (`auth_source_create.*` / `auth_source_update.*`).

use accountd_store::auth_sources::AuthSourceRow;
use accountd_store::{Transaction, groups};

use crate::error::{Error, ValidationErrors, errno};

/// The server types and how they read group membership.
pub const SERVER_TYPES: [&str; 3] = ["posix", "free_ipa", "active_directory"];

fn valid_host(host: &str) -> bool {
    if host.parse::<std::net::IpAddr>().is_ok() {
        return true;
    }
    !host.is_empty()
        && host.len() <= 255
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// A DN: comma-separated `attr=value` RDNs (escaped commas allowed), each part non-empty.
pub fn valid_dn(dn: &str) -> bool {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut escaped = false;
    for c in dn.chars() {
        if escaped {
            current.push(c);
            escaped = false;
        } else if c == '\\' {
            current.push(c);
            escaped = true;
        } else if c == ',' {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    if escaped {
        return false;
    }
    parts.push(current);
    parts.iter().all(|rdn| {
        rdn.split('+').all(|ava| {
            let mut kv = ava.splitn(2, '=');
            let attr = kv.next().unwrap_or("").trim();
            let value = kv.next().unwrap_or("").trim();
            !attr.is_empty()
                && attr.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
                && !value.is_empty()
        })
    })
}

/// Validates a source about to be stored (`id`: the source being updated).
pub fn check(tx: &Transaction<'_>, schema: &str, row: &AuthSourceRow, id: Option<i64>) -> Result<(), Error> {
    let mut errs = ValidationErrors::new();
    let field = |f: &str| format!("{schema}.{f}");
    let name = row.name.trim();
    if name.is_empty() || name.chars().count() > 60 {
        errs.add(field("name"), "Name must be 1 to 60 characters long");
    } else if let Some(other) = accountd_store::auth_sources::id_by_name(tx, &row.name)?
        && Some(other) != id
    {
        errs.add_errno(
            field("name"),
            format!("An authentication source named \"{}\" already exists.", row.name),
            errno::EEXIST,
        );
    }
    if !valid_host(&row.host) {
        errs.add(field("host"), "Invalid hostname or IP address");
    }
    if !(1..=65535).contains(&row.port) {
        errs.add(field("port"), "Port must be between 1 and 65535");
    }
    if !valid_dn(&row.base_dn) {
        errs.add(field("base_dn"), "Invalid DN");
    }
    if let Some(base) = &row.groups_base
        && !valid_dn(base)
    {
        errs.add(field("groups_base"), "Invalid DN");
    }
    if let Some(account) = &row.account
        && !valid_dn(&account.replace("$login", "login"))
    {
        errs.add(field("account"), "Invalid DN");
    }
    if let Some(filter) = &row.ldap_filter
        && !filter.trim().is_empty()
    {
        let wrapped = if filter.trim().starts_with('(') {
            filter.trim().to_string()
        } else {
            format!("({})", filter.trim())
        };
        if ldap3::parse_filter(&wrapped).is_err() {
            errs.add(field("ldap_filter"), "Invalid LDAP filter syntax");
        }
    }
    if !SERVER_TYPES.contains(&row.server_type.as_str()) {
        errs.add(
            field("server_type"),
            format!("Server type must be one of {}", SERVER_TYPES.join(", ")),
        );
    }
    if row.use_netgroups && row.server_type == "active_directory" {
        errs.add(
            field("use_netgroups"),
            "Netgroups are not supported with Active Directory",
        );
    }
    for (key, value) in [
        ("attr_login", &row.attr_login),
        ("attr_firstname", &row.attr_firstname),
        ("attr_lastname", &row.attr_lastname),
        ("attr_mail", &row.attr_mail),
    ] {
        let valid = !value.is_empty() && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ';');
        if !valid && (row.onthefly_register || key == "attr_login") {
            errs.add(
                field(key),
                "Must be an LDAP attribute name (required with on-the-fly registration)",
            );
        }
    }
    if let Some(pem) = &row.ca_certificate {
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject;
        let certs = CertificateDer::pem_slice_iter(pem.as_bytes()).collect::<Result<Vec<_>, _>>();
        if !certs.is_ok_and(|c| !c.is_empty()) {
            errs.add(field("ca_certificate"), "Not a PEM certificate");
        }
    }
    if !(1..=60).contains(&row.timeout) {
        errs.add(field("timeout"), "Timeout must be between 1 and 60 seconds");
    }
    if let Some(g) = row.default_group
        && groups::get(tx, g)?.is_none()
    {
        errs.add_errno(field("default_group"), format!("Group {g} not found"), errno::ENOENT);
    }
    errs.check()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_and_hosts() {
        for (dn, ok) in [
            ("dc=example,dc=org", true),
            ("uid=a\\,b,ou=people,dc=example,dc=org", true),
            ("cn=x+sn=y,dc=org", true),
            ("", false),
            ("dc=example,", false),
            ("example", false),
            ("dc=", false),
        ] {
            assert_eq!(valid_dn(dn), ok, "{dn}");
        }
        for (host, ok) in [
            ("ldap.example.org", true),
            ("127.0.0.1", true),
            ("::1", true),
            ("-bad", false),
            ("a b", false),
        ] {
            assert_eq!(valid_host(host), ok, "{host}");
        }
    }
}

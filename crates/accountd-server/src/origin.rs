//! The effective client address of a connection: the TCP peer, or, when the peer is a trusted proxy, the client
//! the proxy names in its forwarding headers (`X-Real-Remote-Addr` / `X-Real-Remote-Port` as TrueNAS's nginx
//! sends them, else `X-Forwarded-For`). Headers from any other peer are ignored. Rate limits, the per-address
//! connection share, `auth.sessions` origins, token origins and the API-key transport check all use it.

use std::net::{IpAddr, SocketAddr};

use axum::http::HeaderMap;

/// Peers whose forwarding headers are believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<IpAddr>);

impl TrustedProxies {
    /// Trusts exactly these addresses (IPv4-mapped IPv6 addresses match their IPv4 form).
    pub fn new(addresses: impl IntoIterator<Item = IpAddr>) -> Self {
        TrustedProxies(addresses.into_iter().map(|a| a.to_canonical()).collect())
    }

    /// True when `ip` is a trusted proxy.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }

    /// The trusted addresses.
    pub fn addresses(&self) -> &[IpAddr] {
        &self.0
    }
}

/// Who is at the other end of a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOrigin {
    /// The client's address (the forwarded one behind a trusted proxy; port 0 when the proxy gave none).
    pub addr: SocketAddr,
    /// The transport is secure for API keys: TLS to accountd, TLS to a trusted proxy that says so
    /// (`X-Https: on` or `X-Forwarded-Proto: https`), or a loopback client.
    pub secure_transport: bool,
}

/// The effective origin of a connection from `peer` (over TLS when `tls`) that sent `headers`.
pub fn client_origin(peer: SocketAddr, tls: bool, headers: &HeaderMap, trusted: &TrustedProxies) -> ClientOrigin {
    let peer = SocketAddr::new(peer.ip().to_canonical(), peer.port());
    if !trusted.contains(peer.ip()) {
        return ClientOrigin {
            addr: peer,
            secure_transport: tls || peer.ip().is_loopback(),
        };
    }
    let addr = real_remote(headers)
        .or_else(|| forwarded_for(headers, trusted).map(|ip| SocketAddr::new(ip, 0)))
        .unwrap_or(peer);
    let proxy_tls = header(headers, "x-https").is_some_and(|v| v.eq_ignore_ascii_case("on"))
        || header(headers, "x-forwarded-proto").is_some_and(|v| v.eq_ignore_ascii_case("https"));
    ClientOrigin {
        addr,
        secure_transport: tls || proxy_tls || addr.ip().is_loopback(),
    }
}

/// The first value of header `name`, trimmed.
fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name)?.to_str().ok().map(str::trim)
}

/// `X-Real-Remote-Addr` (with `X-Real-Remote-Port` when it parses).
fn real_remote(headers: &HeaderMap) -> Option<SocketAddr> {
    let ip: IpAddr = header(headers, "x-real-remote-addr")?.parse().ok()?;
    let port = header(headers, "x-real-remote-port")
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    Some(SocketAddr::new(ip.to_canonical(), port))
}

/// The client in `X-Forwarded-For`: walking from the right (the entry the nearest proxy appended), the first
/// address that is not a trusted proxy; the leftmost when every entry is one. None when an entry does not
/// parse before that point, or there is no such header.
fn forwarded_for(headers: &HeaderMap, trusted: &TrustedProxies) -> Option<IpAddr> {
    let mut entries = Vec::new();
    for value in headers.get_all("x-forwarded-for") {
        let value = value.to_str().ok()?;
        entries.extend(value.split(',').map(str::trim).filter(|e| !e.is_empty()));
    }
    let mut leftmost = None;
    for entry in entries.iter().rev() {
        let ip = entry.parse::<IpAddr>().ok()?.to_canonical();
        if !trusted.contains(ip) {
            return Some(ip);
        }
        leftmost = Some(ip);
    }
    leftmost
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.append(*name, value.parse().unwrap());
        }
        h
    }

    fn origin(peer: &str, tls: bool, pairs: &[(&'static str, &str)]) -> (String, bool) {
        let trusted = TrustedProxies::new(["127.0.0.1".parse().unwrap(), "10.0.0.9".parse().unwrap()]);
        let o = client_origin(peer.parse().unwrap(), tls, &headers(pairs), &trusted);
        (o.addr.to_string(), o.secure_transport)
    }

    fn s(addr: &str, secure: bool) -> (String, bool) {
        (addr.to_string(), secure)
    }

    #[test]
    fn forwarding_headers_are_believed_only_from_trusted_proxies() {
        let real = [("x-real-remote-addr", "203.0.113.5"), ("x-real-remote-port", "4242")];
        let xff = [("x-forwarded-for", "198.51.100.1, 203.0.113.7")];
        let cases = [
            // Untrusted peers: the socket's address whatever they send.
            (origin("192.0.2.1:5000", false, &real), s("192.0.2.1:5000", false)),
            (origin("192.0.2.1:5000", false, &xff), s("192.0.2.1:5000", false)),
            (origin("127.0.0.2:5000", false, &real), s("127.0.0.2:5000", true)),
            (origin("192.0.2.1:5000", true, &[]), s("192.0.2.1:5000", true)),
            // Trusted proxies: the client they name.
            (origin("127.0.0.1:5000", false, &real), s("203.0.113.5:4242", false)),
            (origin("127.0.0.1:5000", false, &xff), s("203.0.113.7:0", false)),
            (
                origin("[::ffff:127.0.0.1]:5000", false, &xff),
                s("203.0.113.7:0", false),
            ),
            (
                origin("10.0.0.9:5000", false, &[("x-forwarded-for", "203.0.113.8, 127.0.0.1")]),
                s("203.0.113.8:0", false),
            ),
            (
                origin("10.0.0.9:5000", false, &[("x-forwarded-for", "127.0.0.1, 10.0.0.9")]),
                s("127.0.0.1:0", true),
            ),
            // The proxy says the client used TLS.
            (
                origin("127.0.0.1:5000", false, &[real[0], ("x-https", "on")]),
                s("203.0.113.5:0", true),
            ),
            (
                origin("127.0.0.1:5000", false, &[xff[0], ("x-forwarded-proto", "https")]),
                s("203.0.113.7:0", true),
            ),
            // Nothing usable: the proxy's own connection.
            (origin("127.0.0.1:5000", false, &[]), s("127.0.0.1:5000", true)),
            (
                origin("127.0.0.1:5000", false, &[("x-forwarded-for", "garbage")]),
                s("127.0.0.1:5000", true),
            ),
            (
                origin("127.0.0.1:5000", false, &[("x-real-remote-addr", "nope")]),
                s("127.0.0.1:5000", true),
            ),
        ];
        for (i, (got, want)) in cases.into_iter().enumerate() {
            assert_eq!(got, want, "case {i}");
        }
    }
}

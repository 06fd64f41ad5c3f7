//! The management web page at `/ui/`: the embedded bundle, served with a strict Content-Security-Policy (scripts
//! and styles only from the page's own files, WebSocket connections only to this service), no framing and no
//! referrer (a reset link's token must not leak to another site). Framing is refused unless origins are
//! configured (`ui_frame_ancestors`).

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /ui`: to the page.
pub async fn redirect_to_page() -> Response {
    (StatusCode::FOUND, [(LOCATION, HeaderValue::from_static("/ui/"))]).into_response()
}

/// `GET /ui/`: the page; `frame_ancestors` are the origins that may frame it.
pub fn page_index(headers: &HeaderMap, frame_ancestors: &[String]) -> Response {
    respond("", headers, frame_ancestors)
}

/// `GET /ui/<path>`: a file of the page (or the page, for its routes).
pub fn page_file(Path(path): Path<String>, headers: &HeaderMap, frame_ancestors: &[String]) -> Response {
    respond(&path, headers, frame_ancestors)
}

/// True when `origin` may stand in `frame-ancestors`: `http(s)://host[:port]`, a host of letters, digits, `-`,
/// `.` (or a bracketed IPv6 address), nothing else (no path, wildcard, quote, space or `;`).
pub fn is_frame_ancestor(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"))
    else {
        return false;
    };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') && !p.contains(']') => (h, Some(p)),
        _ => (rest, None),
    };
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        !host.is_empty()
            && host.len() <= 253
            && host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    host_ok && port_ok
}

fn respond(path: &str, headers: &HeaderMap, frame_ancestors: &[String]) -> Response {
    let Some(asset) = accountd_web::asset(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let cache = if asset.immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let mut response = (
        [
            (CONTENT_TYPE, HeaderValue::from_static(asset.content_type)),
            (CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        asset.body,
    )
        .into_response();
    let out = response.headers_mut();
    let ancestors: Vec<&str> = frame_ancestors
        .iter()
        .map(String::as_str)
        .filter(|o| is_frame_ancestor(o))
        .collect();
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(headers.get(HOST), &ancestors)) {
        out.insert(HeaderName::from_static("content-security-policy"), csp);
    }
    if ancestors.is_empty() {
        out.insert(
            HeaderName::from_static("x-frame-options"),
            HeaderValue::from_static("DENY"),
        );
    }
    out.insert(
        HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    out.insert(
        HeaderName::from_static("referrer-policy"),
        HeaderValue::from_static("no-referrer"),
    );
    response
}

/// The policy of the page: nothing inline, nothing from elsewhere, WebSockets only to the host the page came from,
/// framed only by `frame_ancestors` (none: by no one).
fn content_security_policy(host: Option<&HeaderValue>, frame_ancestors: &[&str]) -> String {
    let sockets = host
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_plain_host(h))
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    let ancestors = if frame_ancestors.is_empty() {
        "'none'".to_string()
    } else {
        frame_ancestors.join(" ")
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{sockets}; \
         base-uri 'none'; form-action 'self'; frame-ancestors {ancestors}"
    )
}

/// A `Host` value that can stand in a policy: a name or address and an optional port, nothing else.
fn is_plain_host(host: &str) -> bool {
    !host.is_empty() && host.len() <= 255 && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_the_pages_own_host_for_websockets_only_when_it_is_a_plain_host() {
        let rows: &[(Option<&str>, &str)] = &[
            (
                Some("127.0.0.1:6780"),
                "connect-src 'self' ws://127.0.0.1:6780 wss://127.0.0.1:6780;",
            ),
            (Some("[::1]:80"), "connect-src 'self' ws://[::1]:80 wss://[::1]:80;"),
            (
                Some("nas.example"),
                "connect-src 'self' ws://nas.example wss://nas.example;",
            ),
            (Some("evil.example; script-src *"), "connect-src 'self';"),
            (Some("a b"), "connect-src 'self';"),
            (None, "connect-src 'self';"),
        ];
        for (host, expected) in rows {
            let value = host.map(|h| HeaderValue::from_str(h).unwrap_or(HeaderValue::from_static("x")));
            let policy = content_security_policy(value.as_ref(), &[]);
            assert!(policy.contains(expected), "{host:?}: {policy}");
            assert!(
                policy.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"),
                "{policy}"
            );
            assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        }
    }

    #[test]
    fn frame_ancestors_are_plain_origins() {
        let rows: &[(&str, bool)] = &[
            ("https://nas.example", true),
            ("http://127.0.0.1:8080", true),
            ("https://[::1]:8443", true),
            ("https://[fe80::1]", true),
            ("nas.example", false),
            ("https://", false),
            ("https://*.example", false),
            ("https://nas.example/path", false),
            ("https://nas.example 'unsafe-inline'", false),
            ("https://nas.example; script-src *", false),
            ("https://nas.example:", false),
            ("https://nas.example:123456", false),
            ("ftp://nas.example", false),
            ("'self'", false),
        ];
        for (origin, ok) in rows {
            assert_eq!(is_frame_ancestor(origin), *ok, "{origin}");
        }
        let policy = content_security_policy(None, &["https://a.example", "https://b.example:8443"]);
        assert!(
            policy.ends_with("frame-ancestors https://a.example https://b.example:8443"),
            "{policy}"
        );
    }
}

//! The management web page at `/ui/`: the embedded bundle, served with a strict Content-Security-Policy (scripts
//! and styles only from the page's own files, WebSocket connections only to this service), no framing and no
//! referrer (a reset link's token must not leak to another site).

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, HOST, LOCATION};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// `GET /ui`: to the page.
pub async fn redirect_to_page() -> Response {
    (StatusCode::FOUND, [(LOCATION, HeaderValue::from_static("/ui/"))]).into_response()
}

/// `GET /ui/`: the page.
pub async fn page_index(headers: HeaderMap) -> Response {
    respond("", &headers)
}

/// `GET /ui/<path>`: a file of the page (or the page, for its routes).
pub async fn page_file(Path(path): Path<String>, headers: HeaderMap) -> Response {
    respond(&path, &headers)
}

fn respond(path: &str, headers: &HeaderMap) -> Response {
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
    if let Ok(csp) = HeaderValue::from_str(&content_security_policy(headers.get(HOST))) {
        out.insert(HeaderName::from_static("content-security-policy"), csp);
    }
    out.insert(
        HeaderName::from_static("x-frame-options"),
        HeaderValue::from_static("DENY"),
    );
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

/// The policy of the page: nothing inline, nothing from elsewhere, WebSockets only to the host the page came from.
fn content_security_policy(host: Option<&HeaderValue>) -> String {
    let sockets = host
        .and_then(|h| h.to_str().ok())
        .filter(|h| is_plain_host(h))
        .map(|h| format!(" ws://{h} wss://{h}"))
        .unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'{sockets}; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
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
            let policy = content_security_policy(value.as_ref());
            assert!(policy.contains(expected), "{host:?}: {policy}");
            assert!(
                policy.starts_with("default-src 'none'; script-src 'self'; style-src 'self';"),
                "{policy}"
            );
            assert!(policy.ends_with("frame-ancestors 'none'"), "{policy}");
        }
    }
}

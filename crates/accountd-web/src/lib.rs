//! The management web page, built from `ui/` (TypeScript, Preact, Vite) into `dist/` and embedded here, so the
//! binary serves it at `/ui/` without Node.js. `npm run build` in `ui/` rebuilds `dist/`; the test
//! `tests/bundle.rs` fails when a source (or a method's schema) changed and the bundle was not rebuilt.

use include_dir::{Dir, include_dir};

static DIST: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/dist");

/// The digest of the sources the embedded bundle was built from (`dist/inputs.sha256`).
pub const INPUTS_DIGEST: &str = include_str!("../dist/inputs.sha256");

/// One file of the page.
pub struct Asset {
    /// The file's bytes.
    pub body: &'static [u8],
    /// Its `Content-Type`.
    pub content_type: &'static str,
    /// Whether its name carries a content hash (`assets/index-3f2a.js`), so it may be cached for good.
    pub immutable: bool,
}

/// The file served at `/ui/<path>`: `""` and every path without a file extension are the page itself (its routes
/// are in the URL fragment, but a reload of `/ui/reset` must still find it).
pub fn asset(path: &str) -> Option<Asset> {
    let path = path.trim_start_matches('/');
    let name = if path.is_empty() || !path.rsplit('/').next().unwrap_or("").contains('.') {
        "index.html"
    } else {
        path
    };
    if name.split('/').any(|part| part == ".." || part.is_empty()) || name == "inputs.sha256" {
        return None;
    }
    let file = DIST.get_file(name)?;
    Some(Asset {
        body: file.contents(),
        content_type: content_type(name),
        immutable: name.starts_with("assets/"),
    })
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next() {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_is_served_for_its_routes_and_files_by_name() {
        for path in ["", "/", "reset", "users/5"] {
            let page = asset(path).map(|a| a.content_type);
            assert_eq!(page, Some("text/html; charset=utf-8"), "{path}");
        }
        let index = std::str::from_utf8(asset("").map(|a| a.body).unwrap_or_default()).unwrap_or_default();
        let script = index
            .split("src=\"/ui/")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or_default();
        let js = asset(script).map(|a| (a.content_type, a.immutable));
        assert_eq!(js, Some(("text/javascript; charset=utf-8", true)), "{script}");
    }

    #[test]
    fn nothing_outside_the_bundle_is_served() {
        for path in [
            "../Cargo.toml",
            "assets/../../src/lib.rs",
            "inputs.sha256",
            "assets/missing.js",
            "a//b.js",
        ] {
            assert!(asset(path).is_none(), "{path}");
        }
    }
}

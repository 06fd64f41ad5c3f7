//! The embedded bundle is built from the current sources: the digest `ui/scripts/stamp.mjs` wrote at build time
//! equals the digest of the sources now (the same files, hashed the same way, without Node.js).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::fs;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

const INPUTS: &[&str] = &[
    "index.html",
    "package.json",
    "package-lock.json",
    "tsconfig.json",
    "vite.config.ts",
    "src",
    "../../../schemas",
];

fn files(path: &Path) -> Vec<PathBuf> {
    if path.is_dir() {
        let mut names: Vec<_> = fs::read_dir(path)
            .map(|d| d.filter_map(|e| e.ok()).map(|e| e.file_name()).collect())
            .unwrap_or_default();
        names.sort();
        names.into_iter().flat_map(|n| files(&path.join(n))).collect()
    } else {
        vec![path.to_path_buf()]
    }
}

/// JavaScript sorts names by UTF-16 code units and Rust `OsString`s by bytes: the same order for ASCII names. A
/// file's name is its path below `ui/` without leading `../` (`src/App.tsx`, `schemas/user.query.params.json`),
/// as `stamp.mjs` names it.
fn digest_of_sources(ui: &Path) -> String {
    let mut hash = Sha256::new();
    for input in INPUTS {
        let root = ui.join(input);
        assert!(root.exists(), "{} is missing", root.display());
        let prefix = input.trim_start_matches("../");
        for file in files(&root) {
            let below = file.strip_prefix(&root).unwrap_or(Path::new(""));
            let name = if below.as_os_str().is_empty() {
                prefix.to_string()
            } else {
                format!("{prefix}/{}", below.to_string_lossy().replace('\\', "/"))
            };
            let body = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            hash.update(format!("{name}\0{}\0", body.len()).as_bytes());
            hash.update(&body);
        }
    }
    hex::encode(hash.finalize())
}

#[test]
fn the_embedded_bundle_is_built_from_the_current_sources() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("ui");
    let now = digest_of_sources(&ui);
    assert_eq!(
        accountd_web::INPUTS_DIGEST.trim(),
        now,
        "the web page's bundle is stale: run `npm ci && npm run build` in crates/accountd-web/ui and commit dist/"
    );
}

//! The OpenRPC document validates against the official OpenRPC meta-schema (fetched once from the npm
//! registry with `npm pack @open-rpc/meta-schema`, cached under `target/`), and the running service serves the
//! same document through `rpc.discover` and `GET /api/openrpc.json`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::path::PathBuf;
use std::process::Command;

use accountd::client::RpcClient;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const META_SCHEMA_PACKAGE: &str = "@open-rpc/meta-schema@1.14.9";

/// The OpenRPC meta-schema as JSON, fetched with npm on first use.
/// The tests of this file run in parallel; one of them fetches the meta-schema while the others wait for it.
static FETCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn meta_schema() -> Value {
    let _fetching = FETCH.lock().unwrap_or_else(|e| e.into_inner());
    let cache = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/openrpc-meta-schema");
    let json_path = cache.join("schema.json");
    if !json_path.is_file() {
        std::fs::create_dir_all(&cache).expect("cache dir");
        let pack = Command::new("npm")
            .args(["pack", META_SCHEMA_PACKAGE, "--silent"])
            .current_dir(&cache)
            .output()
            .expect("npm is needed to fetch the OpenRPC meta-schema");
        assert!(
            pack.status.success(),
            "npm pack failed: {}",
            String::from_utf8_lossy(&pack.stderr)
        );
        let tarball = String::from_utf8_lossy(&pack.stdout)
            .trim()
            .lines()
            .last()
            .unwrap_or_default()
            .to_string();
        let untar = Command::new("tar")
            .args(["xzf", &tarball])
            .current_dir(&cache)
            .status()
            .expect("tar");
        assert!(untar.success());
        let extract = Command::new("node")
            .args([
                "-e",
                "process.stdout.write(JSON.stringify(require('./package/index.js').openrpcDocument))",
            ])
            .current_dir(&cache)
            .output()
            .expect("node is needed to read the meta-schema package");
        assert!(extract.status.success(), "{}", String::from_utf8_lossy(&extract.stderr));
        std::fs::write(&json_path, &extract.stdout).expect("write meta-schema");
    }
    let mut schema: Value = serde_json::from_str(&std::fs::read_to_string(&json_path).expect("read")).expect("json");
    // The package names a custom dialect URI for itself and for embedded JSON Schemas; its keywords are
    // draft-07's, whose meta-schema the validator has built in.
    schema["$schema"] = json!(DRAFT7);
    point_refs_at_draft7(&mut schema);
    schema
}

const DRAFT7: &str = "http://json-schema.org/draft-07/schema#";

fn point_refs_at_draft7(value: &mut Value) {
    match value {
        Value::Object(obj) => {
            if let Some(Value::String(r)) = obj.get_mut("$ref")
                && r.starts_with("https://meta.json-schema.tools")
            {
                *r = DRAFT7.to_string();
            }
            obj.values_mut().for_each(point_refs_at_draft7);
        }
        Value::Array(items) => items.iter_mut().for_each(point_refs_at_draft7),
        _ => {}
    }
}

fn generated_document() -> Value {
    accountd_api::openrpc::document(&accountd_api::methods::all(), env!("CARGO_PKG_VERSION"))
}

#[test]
fn document_validates_against_the_openrpc_meta_schema() {
    let schema = meta_schema();
    let validator = jsonschema::validator_for(&schema).expect("meta-schema compiles");
    let document = generated_document();
    let errors: Vec<String> = validator
        .iter_errors(&document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let names: Vec<&str> = document["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, accountd_api::methods::names());
}

#[test]
fn a_broken_document_is_rejected_by_the_meta_schema() {
    let validator = jsonschema::validator_for(&meta_schema()).expect("meta-schema compiles");
    let mut document = generated_document();
    document["methods"][0]["params"] = json!("not a list");
    assert!(!validator.is_valid(&document));
}

async fn http_get(addr: std::net::SocketAddr, path: &str) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).await.expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("http response");
    (head.lines().next().unwrap_or_default().to_string(), body.to_string())
}

#[tokio::test]
async fn served_document_and_reference_match_the_generated_ones() {
    let dir = tempfile::tempdir().unwrap();
    let settings = accountd::Settings::ephemeral(dir.path());
    let running = accountd::start(&settings).await.unwrap();
    let mut client = RpcClient::connect(&running.url()).await.unwrap();
    let discovered = client.call_ok("rpc.discover", json!([])).await.unwrap();
    assert_eq!(discovered, generated_document());

    let addr = running.server.local_addr;
    let (status, body) = http_get(addr, "/api/openrpc.json").await;
    assert!(status.contains("200"), "{status}");
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), discovered);

    let committed_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../schemas/reference");
    for (path, page) in [("/api/docs", "index.html"), ("/api/docs/user.html", "user.html")] {
        let (status, body) = http_get(addr, path).await;
        assert!(status.contains("200"), "{path}: {status}");
        assert_eq!(
            body,
            std::fs::read_to_string(committed_dir.join(page)).unwrap(),
            "{path}"
        );
    }
    let (status, _) = http_get(addr, "/api/docs/nope.html").await;
    assert!(status.contains("404"), "{status}");
    running.shutdown().await.unwrap();
}

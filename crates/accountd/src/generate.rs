//! Everything under `schemas/` that is generated: the params/result schemas, the example responses (captured
//! by running every example against a real server), the HTML reference and the OpenRPC document.

use std::sync::{Arc, LazyLock};

use accountd_api::method::{Example, Fixture};
use accountd_api::reference::ExampleResponses;
use accountd_api::{MethodSpec, methods};
use accountd_core::ManualClock;
use anyhow::Context;
use regex::Regex;
use serde_json::{Value, json};

use crate::Settings;
use crate::client::RpcClient;

/// The clock examples run at: 2026-01-01T00:00:00Z.
pub const EXAMPLE_CLOCK_MS: i64 = 1_767_225_600_000;
/// The fixture administrator's password.
pub const ADMIN_PASSWORD: &str = "admin-password";

/// Validates `instance` against a JSON Schema.
pub fn check_schema(schema: &Value, instance: &Value) -> anyhow::Result<()> {
    let validator = jsonschema::validator_for(schema).map_err(|e| anyhow::anyhow!("invalid schema: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    anyhow::ensure!(errors.is_empty(), "does not match its schema: {}", errors.join("; "));
    Ok(())
}

async fn apply_fixture(url: &str, fixture: Fixture) -> anyhow::Result<()> {
    if fixture == Fixture::Fresh {
        return Ok(());
    }
    let mut c = RpcClient::connect(url).await?;
    c.call_ok(
        "user.setup_local_administrator",
        json!(["truenas_admin", ADMIN_PASSWORD]),
    )
    .await?;
    c.login_password("truenas_admin", ADMIN_PASSWORD).await?;
    let alice = c
        .call_ok(
            "user.create",
            json!([{"username": "alice", "full_name": "Alice", "group_create": true, "password": "alice-password"}]),
        )
        .await?;
    anyhow::ensure!(alice["id"] == 56, "fixture user alice has id {}", alice["id"]);
    let staff = c
        .call_ok("group.create", json!([{"name": "crew", "users": [56]}]))
        .await?;
    anyhow::ensure!(staff == 94, "fixture group crew has id {staff}");
    let key = c
        .call_ok(
            "api_key.create",
            json!([{"name": "fixture key", "username": "truenas_admin"}]),
        )
        .await?;
    anyhow::ensure!(key["id"] == 1, "fixture API key has id {}", key["id"]);
    let auditors = c
        .call_ok(
            "privilege.create",
            json!([{"name": "Auditors", "roles": ["READONLY_ADMIN"], "web_shell": false}]),
        )
        .await?;
    anyhow::ensure!(
        auditors["id"] == 7,
        "fixture privilege Auditors has id {}",
        auditors["id"]
    );
    Ok(())
}

/// Runs one example on a fresh server in its fixture; returns the server's reply.
pub async fn run_example(method: &str, example: &Example) -> anyhow::Result<Result<Value, Value>> {
    let dir = tempfile::tempdir()?;
    let settings = Settings::ephemeral(dir.path());
    std::fs::create_dir_all(settings.home_root.join("tank"))?;
    let running = crate::start_with_clock(&settings, Arc::new(ManualClock::new(EXAMPLE_CLOCK_MS))).await?;
    let url = running.url();
    let outcome = async {
        apply_fixture(&url, example.fixture)
            .await
            .context("setting up the fixture")?;
        let mut client = RpcClient::connect(&url).await?;
        if example.fixture == Fixture::Admin {
            client.login_password("truenas_admin", ADMIN_PASSWORD).await?;
        }
        let params: Value = serde_json::from_str(example.params).context("example params are not JSON")?;
        Ok::<_, anyhow::Error>(client.call(method, params).await?.map_err(|e| e.0))
    }
    .await;
    running.shutdown().await?;
    outcome
}

static ARGON2: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"\$argon2id\$[^"]*"#).ok());
static SID: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"S-1-5-21-\d+-\d+-\d+").ok());
/// The secret part of an API key (`<id>-<64 letters and digits>`).
static API_KEY: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"-[A-Za-z0-9]{64}""#).ok());
static UUID: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}").ok());
static TOTP_SECRET: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"secret=[A-Z2-7]{32}").ok());
static TOKEN: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#""[A-Za-z0-9]{64}""#).ok());
/// A one-time password (`<n>_<xxxxxx-xxxxxx-xxxxxx-xxxxxx>`).
static ONETIME_PASSWORD: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r#""\d+_[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}-[A-Za-z0-9]{6}""#).ok());
/// A temporary data directory (`tempfile`'s `.tmpXXXXXX`), as in the path of an audit export.
static TEMP_DIR: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r#"(?:/[^"\s/]+)*/\.tmp[A-Za-z0-9]{6}"#).ok());
static LOOPBACK_PORT: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(r"127\.0\.0\.1:\d+").ok());

/// Replaces values that differ on every run (salted hashes, the installation SID, random ids) with fixed ones,
/// so the committed files are reproducible.
pub fn normalize(value: &Value) -> Value {
    let mut text = value.to_string();
    let replacements = [
        (
            &*ARGON2,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g",
        ),
        (&*SID, "S-1-5-21-1111111111-2222222222-3333333333"),
        (&*UUID, "0b7c6e2e-4f0d-4d3a-9a51-2f1f3f8a9c10"),
        (
            &*API_KEY,
            r#"-Xq7vLm2Rk9TfW4pZs8NbC3yHj6DgE1uAo5KiQwVr0tYxMnBcPlSdFgHjKzLaQwEr""#,
        ),
        (&*TOTP_SECRET, "secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"),
        (
            &*TOKEN,
            r#""6yMjYF0nqy3mQZGH2qJ4PXkVvb8Wc1RtLs9aE5dTBo7uNf3xKhIgOpwzrCl4eSDa""#,
        ),
        (&*ONETIME_PASSWORD, r#""1_Hq4tZm-Rw7KcP-x9LsVb-N2yDfG""#),
        (&*LOOPBACK_PORT, "127.0.0.1:50000"),
        (&*TEMP_DIR, "/var/lib/accountd"),
    ];
    for (re, fixed) in replacements {
        if let Some(re) = re {
            text = re.replace_all(&text, regex::NoExpand(fixed)).into_owned();
        }
    }
    serde_json::from_str(&text).unwrap_or_else(|_| value.clone())
}

/// Runs every example of every method: each must pass its params schema, succeed against a real server, and
/// return a result matching the result schema. Returns the normalized responses.
pub async fn capture_examples(specs: &[MethodSpec]) -> anyhow::Result<ExampleResponses> {
    let mut responses = ExampleResponses::new();
    for spec in specs {
        anyhow::ensure!(!spec.examples.is_empty(), "{} has no example", spec.name);
        for (i, example) in spec.examples.iter().enumerate() {
            let what = format!("{} example {}", spec.name, i + 1);
            let params: Value = serde_json::from_str(example.params).with_context(|| format!("{what}: params"))?;
            check_schema(&spec.params_schema(), &params).with_context(|| format!("{what}: params"))?;
            let reply = run_example(spec.name, example).await.with_context(|| what.clone())?;
            let response = match (reply, example.error) {
                (Ok(result), false) => {
                    check_schema(&spec.result_schema(), &result).with_context(|| format!("{what}: result"))?;
                    json!({"result": normalize(&result)})
                }
                (Err(error), true) => json!({"error": normalize(&error)}),
                (Ok(result), true) => anyhow::bail!("{what} should document an error but returned {result}"),
                (Err(error), false) => anyhow::bail!("{what} failed: {error}"),
            };
            responses.entry(spec.name.to_string()).or_default().push(response);
        }
    }
    Ok(responses)
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

/// `(path under schemas/, content)` of every generated file.
pub async fn generated_files() -> anyhow::Result<Vec<(String, String)>> {
    let specs = methods::all();
    let responses = capture_examples(&specs).await?;
    let mut files = accountd_api::files::schema_files();
    files.push(("examples.json".to_string(), pretty(&serde_json::to_value(&responses)?)));
    files.push((
        "openrpc.json".to_string(),
        pretty(&accountd_api::openrpc::document(&specs, env!("CARGO_PKG_VERSION"))),
    ));
    for (name, html) in accountd_api::reference::render(&specs, &responses) {
        files.push((format!("reference/{name}"), html));
    }
    Ok(files)
}

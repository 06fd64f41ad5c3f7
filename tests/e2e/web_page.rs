//! The management web page at `/ui/`: served from the binary with a strict policy, and its flows driven in a real
//! browser (Debian's Chromium through playwright-core, `crates/accountd-web/ui/tests/flows.mjs`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use accountd_e2e::TestServer;
use accountd_e2e::smtp::SmtpServer;
use serde_json::Value;

use crate::transport::http_get;

#[tokio::test]
async fn the_page_is_served_with_a_strict_content_security_policy() {
    let server = TestServer::start().await;
    let addr = server.running.as_ref().expect("running").server.local_addr;
    let page = http_get(&server, "/ui/").await;
    assert_eq!(page.status, 200);
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let csp = page.header("content-security-policy").expect("a policy");
    for part in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        &format!("connect-src 'self' ws://{addr} wss://{addr}"),
        "frame-ancestors 'none'",
    ] {
        assert!(csp.contains(part), "{part} in {csp}");
    }
    assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"), "{csp}");
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("referrer-policy"), Some("no-referrer"));
    // No inline script or style in the page itself.
    assert!(
        !page.body.contains("<script>") && !page.body.contains("<style"),
        "{}",
        page.body
    );

    // Its script, by the name the page gives, cached for good (the name carries the content's hash).
    let script = page
        .body
        .split("src=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a script");
    assert!(script.starts_with("/ui/assets/") && script.ends_with(".js"), "{script}");
    let js = http_get(&server, script).await;
    assert_eq!(js.status, 200);
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(js.header("cache-control"), Some("public, max-age=31536000, immutable"));

    // Routes of the page reload to the page; `/ui` redirects; nothing else is served.
    assert_eq!(http_get(&server, "/ui/reset?token=abc").await.status, 200);
    let bare = http_get(&server, "/ui").await;
    assert_eq!((bare.status, bare.header("location")), (302, Some("/ui/")));
    for path in [
        "/ui/assets/missing.js",
        "/ui/inputs.sha256",
        "/ui/..%2f..%2fCargo.toml",
        "/ui/assets/../../x.js",
    ] {
        assert_eq!(http_get(&server, path).await.status, 404, "{path}");
    }
}

/// The flows of the page in a real browser: first boot, login (a wrong password first), a validation error on its
/// field, create and edit a user, a user created by the API appearing in the open list, search, every page, an API
/// key shown once, a reload keeping the session without storing a secret, two-factor enrolment and a login with a
/// code computed by the test, changing the own password, the phone layout and the keyboard, and a forgotten
/// password reset through a link mailed by a real SMTP server (aiosmtpd).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_person_manages_accounts_in_a_real_browser() {
    let server = TestServer::start().await;
    let smtp = SmtpServer::start();
    let addr = server.running.as_ref().expect("running").server.local_addr;
    let ui = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/accountd-web/ui");
    assert!(
        ui.join("node_modules/playwright-core").is_dir(),
        "the browser tests need the page's npm packages: run `npm ci` in {}",
        ui.display()
    );
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-page-screenshots");
    let run = tokio::process::Command::new("node")
        .arg("--experimental-websocket")
        .arg("tests/flows.mjs")
        .arg(format!("http://{addr}"))
        .arg(&shots)
        .arg(smtp.maildir())
        .arg(smtp.port.to_string())
        .current_dir(&ui)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(Duration::from_secs(240), run)
        .await
        .expect("the browser flows finish within 4 minutes")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "browser flows failed:\n{stderr}\n{stdout}");
    let facts: Value = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("facts as JSON");
    eprintln!("screenshots in {}", shots.display());

    let email_error = facts["email_error"].as_str().unwrap_or("");
    assert!(email_error.starts_with("value is not a valid email address"), "{facts}");
    assert!(
        facts["alice_row"].as_str().unwrap_or("").contains("Alice P. Liddell"),
        "{facts}"
    );
    assert_eq!(facts["search_rows"], 1, "only alice starts with 'ali'");
    assert!(
        facts["roles_listed"].as_u64().unwrap_or(0) > 100,
        "the role catalogue: {facts}"
    );
    assert_eq!(facts["key_shape"], true);
    assert_eq!(facts["storage"]["local"], serde_json::json!([]));
    assert_eq!(facts["storage"]["session"], serde_json::json!(["accountd.token"]));
    assert_eq!(facts["storage"]["secretsInStorage"], false);
    assert_eq!(facts["storage_after_logout"], serde_json::json!([]));
    assert_eq!(facts["who"], "alice");
    assert_eq!(facts["phone_overflow"], false, "nothing wider than a 390-pixel screen");
    assert_eq!(facts["first_tab_stop"], "Skip to content");
    assert_eq!(facts["csp_violations"], serde_json::json!([]));
    assert_eq!(facts["page_errors"], serde_json::json!([]));
    assert_eq!(facts["reset_link_is_own_page"], true, "{facts}");
    assert_eq!(facts["token_left_in_address_bar"], false, "{facts}");
    assert_eq!(facts["reset_keeps_second_factor"], true, "{facts}");

    // What the page did is what the service holds.
    let mut admin = server.client().await;
    admin.login("truenas_admin", "admin-password-1").await;
    let alice = admin
        .ok(
            "user.query",
            serde_json::json!([[["username", "=", "alice"]], {"get": true}]),
        )
        .await;
    assert_eq!(alice["full_name"], "Alice P. Liddell");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["twofactor_auth_configured"], true);
    assert_eq!(server.login_type("alice", "alice-password-3").await, "OTP_REQUIRED");
}

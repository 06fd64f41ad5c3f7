//! The management web page at `/ui/`: served from the binary with a strict policy, and its flows driven in a real
//! browser (Debian's Chromium through playwright-core, `crates/accountd-web/ui/tests/flows.mjs`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use accountd_e2e::TestServer;
use accountd_e2e::smtp::{Mail, Mode, SmtpServer};
use serde_json::{Value, json};

use crate::transport::http_get;

/// One browser at a time: the two browser tests would otherwise share two cores with each other's Chromium.
static BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The administrator password the browser flows use.
const ADMIN_PASSWORD: &str = "admin-password-1";

/// The SMTP AUTH credentials the flows' mail server requires (the page's mail settings enter them).
const SMTP_USER: &str = "mailer";
const SMTP_PASS: &str = "smtp-pass-1";

/// Runs `flows.mjs` (with `mode`, if any) against `server` in Chromium; returns its facts and the mails the SMTP
/// server received meanwhile.
async fn browser_flows(server: &TestServer, mode: Option<&str>) -> (Value, Vec<Mail>) {
    let _one_at_a_time = BROWSER.lock().await;
    let addr = server.running.as_ref().expect("running").server.local_addr;
    let ui = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crates/accountd-web/ui");
    assert!(
        ui.join("node_modules/playwright-core").is_dir(),
        "the browser tests need the page's npm packages: run `npm ci` in {}",
        ui.display()
    );
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("web-page-screenshots");
    std::fs::create_dir_all(&shots).expect("screenshot directory");
    // Its output goes to files, not pipes: Chromium's processes could hold a pipe open after node has exited (and
    // the test would then wait for them), and on a timeout the steps so far must still be readable.
    let name = mode.unwrap_or("flows");
    let (stdout_path, stderr_path) = (
        shots.join(format!("{name}.stdout")),
        shots.join(format!("{name}.stderr")),
    );
    let file = |path: &PathBuf| std::fs::File::create(path).expect("output file");
    // The real SMTP server the test mail and reset links go through (the flows read its Maildir); it requires AUTH.
    let smtp = SmtpServer::start_mode(Mode::Auth(SMTP_USER.into(), SMTP_PASS.into()));
    let mut command = tokio::process::Command::new("node");
    command
        .arg("--experimental-websocket")
        .arg("tests/flows.mjs")
        .arg(format!("http://{addr}"))
        .arg(&shots)
        .arg(smtp.maildir())
        .arg(smtp.port.to_string())
        .env("SMTP_USER", SMTP_USER)
        .env("SMTP_PASS", SMTP_PASS);
    if let Some(mode) = mode {
        command.arg(mode);
    }
    let mut child = command
        .current_dir(&ui)
        .stdin(Stdio::null())
        .stdout(file(&stdout_path))
        .stderr(file(&stderr_path))
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let status = tokio::time::timeout(Duration::from_secs(240), child.wait()).await;
    let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let status = status
        .unwrap_or_else(|_| panic!("the browser flows take over 4 minutes:\n{stderr}\n{stdout}"))
        .expect("node ran");
    assert!(status.success(), "browser flows failed:\n{stderr}\n{stdout}");
    eprintln!("screenshots in {}", shots.display());
    let facts = serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("facts as JSON");
    let mails = smtp.messages().iter().map(|raw| Mail::parse(raw)).collect();
    (facts, mails)
}

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

/// With `ui_frame_ancestors` set, the page may be framed by those origins only: the policy names them and no
/// `X-Frame-Options: DENY` is sent; the documentation and API routes are unchanged.
#[tokio::test]
async fn configured_origins_may_frame_the_page() {
    let server = TestServer::start_with(|s| {
        s.limits.ui_frame_ancestors = vec!["https://nas.example".into(), "https://10.0.0.2:8443".into()];
    })
    .await;
    for path in ["/ui/", "/ui/reset?token=abc"] {
        let page = http_get(&server, path).await;
        assert_eq!(page.status, 200);
        let csp = page.header("content-security-policy").expect("a policy");
        assert!(
            csp.ends_with("frame-ancestors https://nas.example https://10.0.0.2:8443"),
            "{csp}"
        );
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert_eq!(page.header("x-frame-options"), None, "{path}");
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
    let (facts, mails) = browser_flows(&server, None).await;

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
    assert_eq!(
        facts["recovery_codes"], 10,
        "ten recovery codes shown once in My account"
    );
    assert_eq!(facts["phone_overflow"], false, "nothing wider than a 390-pixel screen");
    assert_eq!(
        facts["phone_overflow_pages"],
        json!([]),
        "nothing wider than a 390-pixel screen"
    );
    assert_eq!(facts["first_tab_stop"], "Skip to content");
    assert_eq!(facts["csp_violations"], serde_json::json!([]));
    assert_eq!(facts["page_errors"], serde_json::json!([]));
    assert_eq!(facts["reset_link_is_own_page"], true, "{facts}");
    assert_eq!(facts["token_left_in_address_bar"], false, "{facts}");
    assert_eq!(facts["reset_keeps_second_factor"], true, "{facts}");

    // Account profiles: the builtin ones cannot be deleted or renamed; errors show on their fields.
    assert_eq!(facts["builtin_profile_delete_buttons"], 0, "{facts}");
    assert_eq!(facts["builtin_tenant_delete_buttons"], 0, "{facts}");
    assert_eq!(
        facts["wrong_code_answer"], "That code is not right. Check the app's clock and try the next code.",
        "{facts}"
    );
    assert_eq!(
        facts["admin_tenant_choices"],
        json!(["admin", "Sales", "Support", "All tenants"]),
        "{facts}"
    );
    assert_eq!(facts["tara_starts_in"], "Sales", "{facts}");
    assert_eq!(facts["sales_users"], json!(["alice", "tara"]), "{facts}");
    assert_eq!(facts["support_users"], json!(["sam", "tara"]), "{facts}");
    assert_eq!(facts["tara_tenant_choices"], json!(["Sales", "Support"]), "{facts}");
    assert_eq!(
        facts["tenant_name_error"], "The tenant \"SALES\" already exists.",
        "{facts}"
    );
    assert!(
        facts["sales_row"].as_str().unwrap_or("").contains("The field team"),
        "{facts}"
    );
    assert_eq!(facts["builtin_name_disabled"], true, "{facts}");
    let profile_error = facts["profile_error"].as_str().unwrap_or("");
    assert!(!profile_error.is_empty(), "{facts}");
    assert!(
        facts["strict_row"].as_str().unwrap_or("").contains("at least 12"),
        "{facts}"
    );
    // LDAP sources: the bind password is only "set"; the test of an unreachable server fails and says so.
    assert!(!facts["source_error"].as_str().unwrap_or("").is_empty(), "{facts}");
    assert!(facts["source_row"].as_str().unwrap_or("").contains("set"), "{facts}");
    assert!(
        facts["source_test"].as_str().unwrap_or("").contains("failed"),
        "{facts}"
    );
    assert_eq!(facts["source_password_field"], "", "the password is never shown");
    assert_eq!(facts["source_password_hint"], 1, "{facts}");
    assert!(facts["security_error"].as_str().unwrap_or("").contains('8'), "{facts}");
    // Activity, reset lockout, one-time password; a required change before anything else.
    assert_eq!(facts["wrong_logins"], json!(["AUTH_ERR", "AUTH_ERR"]), "{facts}");
    assert_eq!(facts["failed_before_reset"], "2", "{facts}");
    assert_eq!(facts["onetime_shape"], true, "{facts}");
    assert_eq!(facts["carol_change_required_checked"], true, "{facts}");
    assert_eq!(facts["onetime_asks_old_password"], 0, "{facts}");
    assert_eq!(facts["dave_after_change"], "dave");
    assert!(
        facts["old_password_error"]
            .as_str()
            .unwrap_or("")
            .contains("failed to validate password"),
        "{facts}"
    );
    assert_eq!(facts["carol_after_change"], "carol");
    assert!(
        facts["expired_message"]
            .as_str()
            .unwrap_or("")
            .starts_with("The password has expired"),
        "{facts}"
    );

    // Mail settings: errors on their fields, the server's refusal shown, the password never shown back, and the
    // test mail delivered to the address typed (with the stored password: the form sent none).
    assert_eq!(
        facts["mail_errors"]["user"], "This field is required when SMTP authentication is enabled",
        "{facts}"
    );
    assert!(
        facts["mail_errors"]["fromemail"]
            .as_str()
            .unwrap_or("")
            .starts_with("value is not a valid email address"),
        "{facts}"
    );
    let refused = facts["mail_test_refused"].as_str().unwrap_or("");
    assert!(
        refused.starts_with("The test mail was not sent: Failed to send email: ") && refused.contains("530"),
        "{facts}"
    );
    assert_eq!(facts["mail_pass_field"], "", "the SMTP password is never shown");
    assert_eq!(
        (&facts["mail_user_field"], &facts["mail_smtp_checked"]),
        (&json!(SMTP_USER), &json!(true))
    );
    assert!(
        facts["mail_to_error"]
            .as_str()
            .unwrap_or("")
            .starts_with("value is not a valid email address"),
        "{facts}"
    );
    assert_eq!(
        facts["mail_test_sent"], "Test mail sent to postmaster@example.net.",
        "{facts}"
    );
    let tests: Vec<&Mail> = mails
        .iter()
        .filter(|m| m.subject == "Test message from accountd")
        .collect();
    assert_eq!(tests.len(), 1, "one test mail: {mails:?}");
    assert_eq!(tests[0].to, ["postmaster@example.net"]);
    assert_eq!(tests[0].from, "Accounts <accountd@example.com>");
    assert!(tests[0].text.contains("outgoing mail settings"), "{:?}", tests[0]);
    assert!(!facts["reset_ttl_error"].as_str().unwrap_or("").is_empty(), "{facts}");

    // API keys, groups, privileges and the role catalogue, sessions, the audit log, lock and delete.
    assert_eq!(
        (&facts["key_login_before"], &facts["key_login_after"]),
        (&json!("SUCCESS"), &json!("AUTH_ERR")),
        "a revoked key no longer logs in"
    );
    assert_eq!(
        facts["key_expiry_error"],
        "api_key_create: Expiration date is in the past"
    );
    assert!(
        !facts["deploy_row"].as_str().unwrap_or("").contains("never"),
        "the expiry shows: {facts}"
    );
    assert_eq!(
        facts["deploy_logins"],
        json!(["AUTH_ERR", "SUCCESS"]),
        "the replaced key no longer logs in, the new one does"
    );
    assert_eq!(facts["group_members_error"], "No user named nobody-such.");
    assert!(
        facts["group_name_error"]
            .as_str()
            .unwrap_or("")
            .contains("Valid characters are"),
        "{facts}"
    );
    assert_eq!(facts["readers_members_shown"], "alice\nbob");
    assert_eq!(facts["privilege_error"], "Object with this name already exists");
    assert!(
        facts["privilege_row"]
            .as_str()
            .unwrap_or("")
            .contains("ACCOUNT_READ, ALERT_READ"),
        "{facts}"
    );
    assert!(
        facts["account_read_row"]
            .as_str()
            .unwrap_or("")
            .contains("Book readers"),
        "the role catalogue names the privilege granting it: {facts}"
    );
    assert_eq!(
        (&facts["alice_script_before"], &facts["alice_script_after"]),
        (&json!("alice"), &json!("connection closed")),
        "the session ended from the page is closed"
    );
    assert_eq!(
        (
            &facts["script_before_end_all"],
            &facts["sessions_after_end_all"],
            &facts["script_after_end_all"]
        ),
        (&json!("truenas_admin"), &json!(1), &json!("connection closed")),
        "\"End all other sessions\" leaves the page's own"
    );
    assert_eq!(facts["audit_dave_failed"], 2, "dave's two refused logins: {facts}");
    assert_eq!(facts["audit_future_rows"], 0, "{facts}");
    assert_eq!(facts["retention_error"], "Input should be less than or equal to 30");
    let export = facts["audit_export_path"].as_str().unwrap_or("");
    assert!(export.ends_with(".csv"), "{facts}");
    let exported = std::fs::read_to_string(export).expect("the exported file");
    assert_eq!(
        exported.lines().count(),
        3,
        "a header and dave's two refused logins: {exported}"
    );
    assert_eq!(facts["bob_locked"], true, "{facts}");
    assert_eq!(facts["my_email_error"], "alice: failed to validate password.");
    assert_eq!(facts["my_timezone_shown"], "Europe/London");

    // What the page did is what the service holds.
    let mut admin = server.client().await;
    admin.login("truenas_admin", ADMIN_PASSWORD).await;
    let alice = admin
        .ok(
            "user.query",
            serde_json::json!([[["username", "=", "alice"]], {"get": true}]),
        )
        .await;
    // The administrator's edit (description, time zone), then alice's own in My account (full name, locale, time
    // zone; the email she tried to change without her password stayed).
    assert_eq!(alice["full_name"], "Alice Pleasance Liddell");
    assert_eq!(alice["email"], "alice@example.com");
    assert_eq!(alice["description"], "Reads the books");
    assert_eq!(
        (&alice["locale"], &alice["timezone"]),
        (&json!("de"), &json!("Europe/Berlin"))
    );
    assert_eq!(alice["twofactor_auth_configured"], true);
    let strict = admin
        .ok(
            "account_profile.query",
            json!([[["name", "=", "Strict"]], {"get": true}]),
        )
        .await;
    assert_eq!(alice["account_profile"], strict["id"]);
    let sales = admin
        .ok("tenant.query", json!([[["name", "=", "Sales"]], {"get": true}]))
        .await;
    assert_eq!(sales["description"], "The field team");
    let read_only = admin
        .ok(
            "privilege.query",
            json!([[["name", "=", "Tenant Read-Only"]], {"get": true}]),
        )
        .await;
    assert_eq!(
        alice["access"],
        json!([{"privilege": read_only["id"], "tenant": sales["id"], "all_tenants": false}])
    );
    assert_eq!(alice["default_tenant"], sales["id"]);
    let scratch = admin.ok("tenant.query", json!([[["name", "=", "Scratch"]]])).await;
    assert_eq!(scratch, json!([]), "Scratch was deleted");
    assert_eq!(
        (
            &strict["min_password_length"],
            &strict["lockout_period"],
            &strict["expired_password_action"]
        ),
        (&json!(12), &json!(600), &json!("DENY"))
    );
    assert_eq!(strict["password_complexity_ruleset"], json!(["NUMBER"]));
    let source = admin
        .ok(
            "auth_source.query",
            json!([[["name", "=", "Directory"]], {"get": true}]),
        )
        .await;
    assert_eq!(
        (&source["base_dn"], &source["account_password_set"], &source["status"]),
        (&json!("ou=people,dc=example,dc=org"), &json!(true), &json!("FAULTED"))
    );
    let readers = admin
        .ok("group.query", json!([[["group", "=", "readers"]], {"get": true}]))
        .await;
    assert_eq!(readers["users"], json!([alice["id"]]), "alice (bob was deleted)");
    assert_eq!(
        (&readers["smb"], &readers["sudo_commands"]),
        (&json!(true), &json!(["/usr/bin/ls"]))
    );
    let privilege = admin
        .ok(
            "privilege.query",
            json!([[["name", "=", "Book readers"]], {"get": true}]),
        )
        .await;
    assert_eq!(privilege["local_groups"][0]["gid"], readers["gid"]);
    assert_eq!(privilege["roles"], json!(["ACCOUNT_READ", "ALERT_READ"]));
    assert_eq!(
        (&privilege["description"], &privilege["tenant"]),
        (&json!("Reads the catalogue"), &json!(null))
    );
    let bob = admin.ok("user.query", json!([[["username", "=", "bob"]]])).await;
    assert_eq!(bob, json!([]), "bob was deleted");
    assert_eq!(admin.ok("audit.config", json!([])).await["retention"], 20);
    assert_eq!(
        admin
            .ok("api_key.query", json!([[["name", "=", "backup-script"]]]))
            .await,
        json!([])
    );
    let mail = admin.ok("mail.config", json!([])).await;
    assert_eq!(
        (
            &mail["fromemail"],
            &mail["fromname"],
            &mail["outgoingserver"],
            &mail["security"]
        ),
        (
            &json!("accountd@example.com"),
            &json!("Accounts"),
            &json!("127.0.0.1"),
            &json!("PLAIN")
        )
    );
    assert_eq!(
        (&mail["smtp"], &mail["user"], &mail["pass"]),
        (&json!(true), &json!(SMTP_USER), &Value::Null)
    );
    let reset = admin.ok("auth.password_reset.config", json!([])).await;
    assert_eq!((&reset["enabled"], &reset["token_ttl"]), (&json!(true), &json!(3600)));
    let security = admin.ok("system.security.config", json!([])).await;
    assert_eq!(
        (
            &security["min_password_length"],
            &security["password_complexity_ruleset"]
        ),
        (&json!(10), &json!(["NUMBER"]))
    );
    for (name, password) in [("carol", "carol-password-2A"), ("dave", "dave-password-2A")] {
        let login = server.client().await.login_ex(name, password).await;
        assert_eq!(login["response_type"], "SUCCESS", "{name}: {login}");
        let user = admin
            .ok("user.query", json!([[["username", "=", name]], {"get": true}]))
            .await;
        assert_eq!(user["password_change_required"], false, "{name}: {user}");
    }
    assert_eq!(server.login_type("erin", "erin-password-1A").await, "EXPIRED");
    assert_eq!(server.login_type("alice", "alice-password-3").await, "OTP_REQUIRED");
}

/// The users page of a service holding 100,000 users (seeded through the store before it starts): the first page,
/// a search, a sort and the next page in a real browser. The times are reported, not asserted; the test also
/// writes the README's picture of the users page (`users-page-readme.png` among the screenshots).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_page_with_100000_users() {
    const USERS: u64 = 100_000;
    let seeding = std::time::Instant::now();
    let server = TestServer::start_with_seeded_users(USERS).await;
    let seeded_in = seeding.elapsed();
    let mut c = server.client().await;
    c.ok(
        "user.setup_local_administrator",
        json!(["truenas_admin", ADMIN_PASSWORD]),
    )
    .await;
    let (facts, _) = browser_flows(&server, Some("many-users")).await;
    eprintln!(
        "users page with {USERS} users (seeded and started in {} ms): {facts}",
        seeded_in.as_millis()
    );
    let total = facts["users_total"].as_str().unwrap_or("");
    assert!(total.starts_with("1–50 of 1000"), "{facts}");
    assert_eq!(facts["search_rows"], 10, "person099990 to person099999: {facts}");
    assert_eq!(facts["csp_violations"], json!([]));
    assert_eq!(facts["page_errors"], json!([]));
}

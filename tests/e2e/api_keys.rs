//! API keys: `api_key.*`, logging in with them (`API_KEY_PLAIN`, `auth.login_with_api_key`), expiry,
//! revocation, owners' lock and deletion, who may manage whose keys, and their change events.

use std::sync::Arc;
use std::time::{Duration, Instant};

use accountd_core::ManualClock;
use accountd_e2e::{Client, TestServer, assert_call_error, assert_invalid, user_id, validation_items};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

const NOW_MS: i64 = 1_767_225_600_000;

fn is_key_of(key: &Value, id: &Value) -> bool {
    let Some((kid, secret)) = key.as_str().and_then(|k| k.split_once('-')) else {
        return false;
    };
    Some(kid) == id.as_i64().map(|i| i.to_string()).as_deref()
        && secret.len() == 64
        && secret.chars().all(|c| c.is_ascii_alphanumeric())
}

async fn login_key(c: &mut Client, username: &str, key: &Value) -> Value {
    c.ok(
        "auth.login_ex",
        json!([{"mechanism": "API_KEY_PLAIN", "username": username, "api_key": key}]),
    )
    .await
}

async fn response_type(server: &TestServer, username: &str, key: &Value) -> String {
    let mut c = server.client().await;
    let r = login_key(&mut c, username, key).await;
    r["response_type"].as_str().expect("response_type").to_string()
}

/// Sends a call on a connection whose session should be gone: the reply is an error, or the server closed
/// the connection. Returns the error (None when closed).
async fn call_refused(c: &mut Client, method: &str) -> Option<Value> {
    c.send_text(&json!({"jsonrpc": "2.0", "id": 900, "method": method, "params": []}).to_string())
        .await;
    loop {
        match c.recv().await {
            Some(Message::Text(t)) => {
                let m: Value = serde_json::from_str(&t).expect("json");
                if m.get("id").is_none() {
                    continue;
                }
                assert!(m.get("result").is_none(), "{method} still worked: {m}");
                return Some(m["error"].clone());
            }
            Some(Message::Close(_)) | None => return None,
            Some(_) => continue,
        }
    }
}

#[tokio::test]
async fn create_shows_the_key_once_and_stores_only_a_hash() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admin_id = user_id(&mut admin, "truenas_admin").await;
    let created = admin
        .ok(
            "api_key.create",
            json!([{"name": "backup", "username": "truenas_admin"}]),
        )
        .await;
    let id = created["id"].clone();
    assert!(is_key_of(&created["key"], &id), "{created}");
    let created_at = created["created_at"]["$date"].as_i64().expect("$date");
    let mut entry = created.clone();
    entry.as_object_mut().expect("object").remove("key");
    assert_eq!(
        entry,
        json!({"id": id, "name": "backup", "username": "truenas_admin", "user_identifier": admin_id,
               "keyhash": "********", "created_at": {"$date": created_at}, "expires_at": null, "local": true,
               "revoked": false, "revoked_reason": null})
    );
    assert_eq!(admin.ok("api_key.query", json!([])).await, json!([entry.clone()]));
    assert_eq!(admin.ok("api_key.get_instance", json!([id])).await, entry);
    assert_eq!(admin.ok("api_key.my_keys", json!([])).await, json!([entry.clone()]));
    let user = admin.ok("user.get_instance", json!([admin_id])).await;
    assert_eq!(user["api_keys"], json!([id]));

    // Only an argon2id hash of the secret part is stored.
    let secret = created["key"]
        .as_str()
        .expect("key")
        .split_once('-')
        .expect("dash")
        .1
        .to_string();
    let stored: String = server
        .running
        .as_ref()
        .expect("running")
        .store
        .read(|c| -> Result<String, accountd_core::Error> {
            c.query_row("SELECT key_hash FROM api_keys", [], |r| r.get(0))
                .map_err(accountd_core::Error::internal)
        })
        .await
        .expect("read");
    assert!(stored.starts_with("$argon2id$"), "{stored}");
    assert!(!stored.contains(&secret));
}

#[tokio::test]
async fn api_key_plain_and_legacy_logins() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    let key = created["key"].clone();
    let id = created["id"].clone();

    let mut c = server.client().await;
    assert_eq!(
        c.ok("auth.mechanism_choices", json!([])).await[0],
        "API_KEY_PLAIN",
        "API_KEY_PLAIN is offered first, as in TrueNAS"
    );
    let r = login_key(&mut c, "truenas_admin", &key).await;
    assert_eq!(r["response_type"], "SUCCESS", "{r}");
    assert_eq!(r["authenticator"], "LEVEL_1");
    assert_eq!(r["user_info"]["pw_name"], "truenas_admin");
    let attributes = r["user_info"]["account_attributes"]
        .as_array()
        .expect("attributes")
        .clone();
    assert!(attributes.contains(&json!("API_KEY")), "{attributes:?}");
    assert!(c.ok("user.query", json!([[], {"count": true}])).await.as_i64() > Some(0));
    let me = c.ok("auth.me", json!([])).await;
    assert_eq!(me["pw_name"], "truenas_admin");
    assert_eq!(me["account_attributes"], r["user_info"]["account_attributes"]);
    let by_password = admin.ok("auth.me", json!([])).await;
    assert!(
        !by_password["account_attributes"]
            .as_array()
            .expect("attributes")
            .contains(&json!("API_KEY"))
    );
    let session = c
        .ok("auth.sessions", json!([[["current", "=", true]], {"get": true}]))
        .await;
    assert_eq!(session["credentials"], "API_KEY");
    assert_eq!(session["credentials_data"]["api_key"], json!({"id": id, "name": "k"}));

    let mut quiet = server.client().await;
    let r = quiet
        .ok(
            "auth.login_ex",
            json!([{"mechanism": "API_KEY_PLAIN", "username": "truenas_admin", "api_key": key,
                    "login_options": {"user_info": false}}]),
        )
        .await;
    assert_eq!(r["response_type"], "SUCCESS");
    assert_eq!(r["user_info"], Value::Null);

    let wrong_secret = format!("{id}-{}", "a".repeat(64));
    let secret = key.as_str().and_then(|k| k.split_once('-')).expect("key").1;
    let other_id = format!("{}-{secret}", id.as_i64().expect("id") + 1);
    let cases = [
        ("truenas_admin", json!(wrong_secret)),
        ("truenas_admin", json!(other_id)),
        ("truenas_admin", json!("garbage")),
        ("truenas_admin", json!("")),
        ("root", key.clone()),
        ("nosuchuser", key.clone()),
    ];
    for (user, k) in cases {
        assert_eq!(response_type(&server, user, &k).await, "AUTH_ERR", "{user} {k}");
    }

    let mut legacy = server.client().await;
    assert_eq!(legacy.ok("auth.login_with_api_key", json!([key])).await, json!(true));
    assert_eq!(legacy.ok("auth.me", json!([])).await["pw_name"], "truenas_admin");
    let mut legacy = server.client().await;
    for bad in [json!(wrong_secret), json!("999-x"), json!("nonsense")] {
        assert_eq!(legacy.ok("auth.login_with_api_key", json!([bad])).await, json!(false));
    }
    assert_call_error(
        &legacy.err("auth.me", json!([])).await,
        "ENOTAUTHENTICATED",
        "Not authenticated",
    );
}

#[tokio::test]
async fn expired_keys_answer_expired() {
    let clock = Arc::new(ManualClock::new(NOW_MS));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    let expires = NOW_MS + 60_500;
    let created = admin
        .ok(
            "api_key.create",
            json!([{"name": "short", "username": "truenas_admin", "expires_at": {"$date": expires}}]),
        )
        .await;
    // Kept in whole seconds, as TrueNAS stores it.
    assert_eq!(created["expires_at"], json!({"$date": NOW_MS + 60_000}));
    assert_eq!(created["created_at"], json!({"$date": NOW_MS}));
    let key = created["key"].clone();
    assert_eq!(response_type(&server, "truenas_admin", &key).await, "SUCCESS");
    clock.advance_ms(60_000);
    assert_eq!(response_type(&server, "truenas_admin", &key).await, "EXPIRED");
    let mut legacy = server.client().await;
    assert_eq!(legacy.ok("auth.login_with_api_key", json!([key])).await, json!(false));
    // A wrong secret for an expired key is still just wrong.
    let wrong = format!("{}-{}", created["id"], "b".repeat(64));
    assert_eq!(response_type(&server, "truenas_admin", &json!(wrong)).await, "AUTH_ERR");
    let entry = admin.ok("api_key.get_instance", json!([created["id"]])).await;
    assert_eq!(
        (&entry["revoked"], &entry["expires_at"]),
        (&json!(false), &created["expires_at"])
    );

    // The expiry can be lifted again (null = never), and the same key works.
    let updated = admin
        .ok("api_key.update", json!([created["id"], {"expires_at": null}]))
        .await;
    assert_eq!(updated["expires_at"], Value::Null);
    assert!(updated.get("key").is_none(), "no new key without reset: {updated}");
    assert_eq!(response_type(&server, "truenas_admin", &key).await, "SUCCESS");
}

#[tokio::test]
async fn create_and_update_validation() {
    let clock = Arc::new(ManualClock::new(NOW_MS));
    let server = TestServer::start_with_clock(clock.clone()).await;
    let mut admin = server.admin().await;
    server.create_user(&mut admin, "alice", &[]).await;
    let past = json!({"$date": NOW_MS - 1});
    let cases = [
        (
            json!({"name": "k", "username": "truenas_admin", "expires_at": past}),
            "api_key_create",
            "Expiration date is in the past",
        ),
        (
            json!({"name": "k", "username": "nosuchuser"}),
            "api_key_create",
            "User does not exist.",
        ),
        (
            json!({"name": "k", "username": "alice"}),
            "api_key_create",
            "User lacks privilege role membership.",
        ),
        (
            json!({"name": "x".repeat(201), "username": "truenas_admin"}),
            "api_key_create.name",
            "String should have at most 200 characters",
        ),
        (
            json!({"name": "", "username": "truenas_admin"}),
            "api_key_create.name",
            "String should have at least 1 character",
        ),
        (
            json!({"name": "k", "username": "truenas_admin", "revoked": true}),
            "api_key_create.revoked",
            "Extra inputs are not permitted",
        ),
        (json!({"name": "k"}), "api_key_create.username", "Field required"),
    ];
    for (data, attribute, message) in cases {
        let e = admin.err("api_key.create", json!([data])).await;
        assert_invalid(&e, attribute, message);
    }
    // All of TrueNAS's checks are reported together.
    let e = admin
        .err(
            "api_key.create",
            json!([{"name": "k", "username": "nosuchuser", "expires_at": past}]),
        )
        .await;
    assert_eq!(
        validation_items(&e),
        [
            (
                json!("api_key_create"),
                "Expiration date is in the past".to_string(),
                22
            ),
            (json!("api_key_create"), "User does not exist.".to_string(), 22)
        ]
    );
    assert_eq!(admin.ok("api_key.query", json!([])).await, json!([]));

    let a = admin
        .ok("api_key.create", json!([{"name": "a", "username": "truenas_admin"}]))
        .await;
    let b = admin
        .ok("api_key.create", json!([{"name": "b", "username": "truenas_admin"}]))
        .await;
    let e = admin
        .err("api_key.create", json!([{"name": "a", "username": "truenas_admin"}]))
        .await;
    assert_eq!(
        validation_items(&e),
        [(json!("api_key_create"), "name must be unique".to_string(), 22)]
    );
    let e = admin.err("api_key.update", json!([b["id"], {"name": "a"}])).await;
    assert_eq!(
        validation_items(&e),
        [(json!("api_key_update"), "name must be unique".to_string(), 22)]
    );
    admin.ok("api_key.update", json!([a["id"], {"name": "a"}])).await;
    let e = admin
        .err("api_key.update", json!([a["id"], {"expires_at": past}]))
        .await;
    assert_eq!(
        validation_items(&e),
        [(
            json!("api_key_update"),
            "Expiration date is in the past".to_string(),
            22
        )]
    );
    for field in ["username", "revoked", "keyhash"] {
        let e = admin.err("api_key.update", json!([a["id"], {field: "x"}])).await;
        assert_invalid(&e, &format!("api_key_update.{field}"), "Extra inputs are not permitted");
    }

    // An expired key cannot be renamed without also moving its expiry (TrueNAS validates the merged entry).
    let short = admin
        .ok(
            "api_key.create",
            json!([{"name": "short", "username": "truenas_admin", "expires_at": {"$date": NOW_MS + 5_000}}]),
        )
        .await;
    clock.advance_ms(10_000);
    let e = admin
        .err("api_key.update", json!([short["id"], {"name": "renamed"}]))
        .await;
    assert_invalid(&e, "api_key_update", "Expiration date is in the past");
    admin
        .ok(
            "api_key.update",
            json!([short["id"], {"name": "renamed", "expires_at": null}]),
        )
        .await;

    let e = admin.err("api_key.get_instance", json!([99])).await;
    assert_eq!(
        validation_items(&e),
        [(Value::Null, "ApiKey 99 does not exist".to_string(), 2)]
    );
    let e = admin.err("api_key.delete", json!([99])).await;
    assert_eq!(
        validation_items(&e),
        [(Value::Null, "ApiKey 99 does not exist".to_string(), 2)]
    );
    let e = admin.err("api_key.update", json!([99, {"name": "x"}])).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(e["data"]["reason"], "MatchNotFound()");
}

#[tokio::test]
async fn reset_replaces_the_key_and_clears_a_revocation() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    let (id, old_key) = (created["id"].clone(), created["key"].clone());
    let mut live = server.client().await;
    assert_eq!(
        login_key(&mut live, "truenas_admin", &old_key).await["response_type"],
        "SUCCESS"
    );

    // Revoked keys (TrueNAS revokes a key used over an insecure transport) no longer log in.
    let kid = id.as_i64().expect("id");
    server
        .running
        .as_ref()
        .expect("running")
        .store
        .write(move |tx| -> Result<(), accountd_core::Error> {
            tx.execute(
                "UPDATE api_keys SET revoked = 1, revoked_reason = 'Attempt to use over an insecure transport' \
                 WHERE id = ?1",
                [kid],
            )
            .map_err(accountd_core::Error::internal)?;
            Ok(())
        })
        .await
        .expect("revoke");
    let entry = admin.ok("api_key.get_instance", json!([id])).await;
    assert_eq!(entry["revoked"], true);
    assert_eq!(entry["revoked_reason"], "Attempt to use over an insecure transport");
    assert_eq!(response_type(&server, "truenas_admin", &old_key).await, "AUTH_ERR");

    let reset = admin.ok("api_key.update", json!([id, {"reset": true}])).await;
    assert!(is_key_of(&reset["key"], &id), "{reset}");
    assert_ne!(reset["key"], old_key);
    assert_eq!(
        (&reset["revoked"], &reset["revoked_reason"]),
        (&json!(false), &Value::Null)
    );
    assert_eq!(response_type(&server, "truenas_admin", &old_key).await, "AUTH_ERR");
    assert_eq!(response_type(&server, "truenas_admin", &reset["key"]).await, "SUCCESS");
    // The session logged in with the replaced key has ended.
    call_refused(&mut live, "user.query").await;

    let renamed = admin.ok("api_key.update", json!([id, {"name": "renamed"}])).await;
    assert!(renamed.get("key").is_none(), "{renamed}");
    assert_eq!(renamed["name"], "renamed");
    assert_eq!(response_type(&server, "truenas_admin", &reset["key"]).await, "SUCCESS");
}

#[tokio::test]
async fn keys_stop_working_when_deleted_or_their_owner_is_locked_or_deleted() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let bob = server.user_with_roles(&mut admin, "bob", &["READONLY_ADMIN"]).await;
    let mut bob_c = server.logged_in("bob", "pw").await;
    let k1 = bob_c
        .ok("api_key.create", json!([{"name": "bob1", "username": "bob"}]))
        .await;
    let k2 = bob_c
        .ok("api_key.create", json!([{"name": "bob2", "username": "bob"}]))
        .await;
    assert_eq!(
        admin.ok("user.get_instance", json!([bob])).await["api_keys"],
        json!([k1["id"], k2["id"]])
    );

    // Deleting a key ends the sessions logged in with it.
    let mut s1 = server.client().await;
    assert_eq!(login_key(&mut s1, "bob", &k1["key"]).await["response_type"], "SUCCESS");
    assert_eq!(admin.ok("api_key.delete", json!([k1["id"]])).await, json!(true));
    call_refused(&mut s1, "user.query").await;
    assert_eq!(response_type(&server, "bob", &k1["key"]).await, "AUTH_ERR");
    assert_eq!(
        admin.ok("user.get_instance", json!([bob])).await["api_keys"],
        json!([k2["id"]])
    );

    // Locking the owner stops the key at once, including its live session.
    let mut s2 = server.client().await;
    assert_eq!(login_key(&mut s2, "bob", &k2["key"]).await["response_type"], "SUCCESS");
    admin.ok("user.update", json!([bob, {"locked": true}])).await;
    call_refused(&mut s2, "user.query").await;
    assert_eq!(response_type(&server, "bob", &k2["key"]).await, "AUTH_ERR");
    admin.ok("user.update", json!([bob, {"locked": false}])).await;
    assert_eq!(response_type(&server, "bob", &k2["key"]).await, "SUCCESS");

    // Deleting the owner deletes the keys.
    admin.ok("user.delete", json!([bob])).await;
    assert_eq!(response_type(&server, "bob", &k2["key"]).await, "AUTH_ERR");
    assert_eq!(admin.ok("api_key.query", json!([])).await, json!([]));
}

#[tokio::test]
async fn owner_without_privilege_is_denied() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let group = server.grant_privilege(&mut admin, "ops", &["READONLY_ADMIN"]).await;
    let carl = server.create_user(&mut admin, "carl", &[group]).await["id"].clone();
    let key = admin
        .ok("api_key.create", json!([{"name": "carl", "username": "carl"}]))
        .await["key"]
        .clone();
    admin.ok("user.update", json!([carl, {"groups": []}])).await;
    assert_eq!(response_type(&server, "carl", &key).await, "DENIED");
}

#[tokio::test]
async fn who_may_manage_and_read_keys() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    server.user_with_roles(&mut admin, "ro", &["READONLY_ADMIN"]).await;
    server
        .user_with_roles(&mut admin, "keywriter", &["API_KEY_WRITE"])
        .await;
    server.user_with_roles(&mut admin, "acct", &["ACCOUNT_WRITE"]).await;
    let admins_key = admin
        .ok("api_key.create", json!([{"name": "adm", "username": "truenas_admin"}]))
        .await;

    // READONLY_ADMIN manages its own keys only.
    let mut ro = server.logged_in("ro", "pw").await;
    let own = ro.ok("api_key.create", json!([{"name": "ro", "username": "ro"}])).await;
    ro.ok("api_key.update", json!([own["id"], {"name": "ro2"}])).await;
    let message = "ro: authenticated user lacks privileges to create or modify API keys of other users.";
    let e = ro
        .err("api_key.create", json!([{"name": "x", "username": "truenas_admin"}]))
        .await;
    assert_call_error(&e, "EACCES", message);
    // The privilege check comes first, before any validation (nothing leaks about other users).
    let e = ro
        .err("api_key.create", json!([{"name": "adm", "username": "nosuchuser"}]))
        .await;
    assert_call_error(&e, "EACCES", message);
    let e = ro.err("api_key.update", json!([admins_key["id"], {"name": "x"}])).await;
    assert_call_error(&e, "EACCES", message);
    let e = ro.err("api_key.delete", json!([admins_key["id"]])).await;
    assert_call_error(&e, "EACCES", message);
    assert_eq!(ro.ok("api_key.query", json!([[], {"count": true}])).await, json!(2));
    assert_eq!(
        ro.ok("api_key.my_keys", json!([])).await.as_array().map(Vec::len),
        Some(1)
    );
    assert_eq!(ro.ok("api_key.delete", json!([own["id"]])).await, json!(true));

    // API_KEY_WRITE manages everyone's keys.
    let mut kw = server.logged_in("keywriter", "pw").await;
    let for_ro = kw
        .ok("api_key.create", json!([{"name": "for-ro", "username": "ro"}]))
        .await;
    assert_eq!(for_ro["username"], "ro");
    kw.ok("api_key.update", json!([admins_key["id"], {"name": "renamed"}]))
        .await;
    kw.ok("api_key.delete", json!([for_ro["id"]])).await;
    assert_eq!(kw.ok("api_key.query", json!([[], {"count": true}])).await, json!(1));

    // Without API_KEY_READ or READONLY_ADMIN: no query, no writes; my_keys still answers.
    let mut acct = server.logged_in("acct", "pw").await;
    for (method, params) in [
        ("api_key.query", json!([])),
        ("api_key.get_instance", json!([admins_key["id"]])),
        ("api_key.create", json!([{"name": "a", "username": "acct"}])),
        ("api_key.delete", json!([admins_key["id"]])),
    ] {
        assert_call_error(&acct.err(method, params).await, "EACCES", "Not authorized");
    }
    assert_eq!(acct.ok("api_key.my_keys", json!([])).await, json!([]));
    assert_call_error(
        &acct.err("core.subscribe", json!(["api_key.query"])).await,
        "EACCES",
        "Not authorized",
    );
}

#[tokio::test]
async fn changes_are_published_without_hashes() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let mut watcher = server.admin().await;
    watcher.ok("core.subscribe", json!(["api_key.query"])).await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    let id = created["id"].clone();
    let reset = admin.ok("api_key.update", json!([id, {"reset": true}])).await;
    admin.ok("api_key.delete", json!([id])).await;

    let mut entry = created.clone();
    entry.as_object_mut().expect("object").remove("key");
    let mut after_reset = reset.clone();
    after_reset.as_object_mut().expect("object").remove("key");
    let expected = [
        json!({"msg": "added", "collection": "api_key.query", "id": id, "fields": entry}),
        json!({"msg": "changed", "collection": "api_key.query", "id": id, "fields": after_reset}),
        json!({"msg": "removed", "collection": "api_key.query", "id": id}),
    ];
    for want in expected {
        let n = watcher.next_notification().await;
        assert_eq!(n["method"], "collection_update");
        assert_eq!(n["params"], want);
        let text = n.to_string();
        assert!(!text.contains("argon2"), "{text}");
        for key in [&created["key"], &reset["key"]] {
            let secret = key.as_str().expect("key").split_once('-').expect("dash").1;
            assert!(!text.contains(secret), "{text}");
        }
    }
}

#[tokio::test]
async fn failed_key_logins_wait_the_failure_delay() {
    let server = TestServer::start_with(|s| s.login_failure_delay = Duration::from_millis(300)).await;
    let mut admin = server.admin().await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    let wrong = json!(format!("{}-{}", created["id"], "c".repeat(64)));
    let started = Instant::now();
    assert_eq!(response_type(&server, "truenas_admin", &wrong).await, "AUTH_ERR");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let mut legacy = server.client().await;
    let started = Instant::now();
    assert_eq!(
        legacy.ok("auth.login_with_api_key", json!(["12345-nope"])).await,
        json!(false)
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    let started = Instant::now();
    assert_eq!(
        response_type(&server, "truenas_admin", &created["key"]).await,
        "SUCCESS"
    );
    assert!(started.elapsed() < Duration::from_millis(300), "success is not delayed");
}

/// A local non-loopback IPv4 address (no packet is sent), if the machine has one.
fn lan_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn a_key_used_in_the_clear_from_another_host_is_revoked() {
    let Some(lan) = lan_address() else {
        eprintln!("skipped: this machine has no non-loopback IPv4 address");
        return;
    };
    let server = TestServer::start_with(|s| s.listen = "0.0.0.0:0".parse().expect("addr")).await;
    let mut admin = server.admin().await;
    let created = admin
        .ok("api_key.create", json!([{"name": "k", "username": "truenas_admin"}]))
        .await;
    let port = server.running.as_ref().expect("running").server.local_addr.port();
    let url = format!("ws://{lan}:{port}/api/current");

    let mut remote = Client::connect_from(&url, lan).await;
    // A wrong key from afar is only wrong.
    let wrong = json!(format!("{}-{}", created["id"], "d".repeat(64)));
    assert_eq!(
        login_key(&mut remote, "truenas_admin", &wrong).await["response_type"],
        "AUTH_ERR"
    );
    assert_eq!(
        admin.ok("api_key.get_instance", json!([created["id"]])).await["revoked"],
        false
    );
    // The right key sent in the clear is revoked on the spot, as TrueNAS does.
    let r = login_key(&mut remote, "truenas_admin", &created["key"]).await;
    assert_eq!(r, json!({"response_type": "EXPIRED"}));
    let entry = admin.ok("api_key.get_instance", json!([created["id"]])).await;
    assert_eq!(
        (&entry["revoked"], &entry["revoked_reason"]),
        (&json!(true), &json!("Attempt to use over an insecure transport"))
    );
    assert_eq!(
        response_type(&server, "truenas_admin", &created["key"]).await,
        "AUTH_ERR"
    );
    // Passwords still work from afar.
    remote.login("truenas_admin", accountd_e2e::ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn deleting_the_owner_publishes_the_removal_of_its_keys() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let owner = server.user_with_roles(&mut admin, "keyowner", &["ACCOUNT_READ"]).await;
    let first = admin
        .ok("api_key.create", json!([{"name": "one", "username": "keyowner"}]))
        .await;
    let second = admin
        .ok("api_key.create", json!([{"name": "two", "username": "keyowner"}]))
        .await;
    let mut watcher = server.admin().await;
    watcher.ok("core.subscribe", json!(["api_key.query"])).await;
    admin.ok("user.delete", json!([owner])).await;
    let mut removed = Vec::new();
    for _ in 0..2 {
        let n = watcher.next_notification().await;
        assert_eq!(n["params"]["msg"], "removed", "{n}");
        assert_eq!(n["params"]["collection"], "api_key.query", "{n}");
        removed.push(n["params"]["id"].clone());
    }
    removed.sort_by_key(|v| v.as_i64());
    assert_eq!(removed, vec![first["id"].clone(), second["id"].clone()]);
    assert_eq!(admin.ok("api_key.query", json!([])).await, json!([]));
}

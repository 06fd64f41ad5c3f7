//! Home directories are never reached through a symbolic link: with alice's home replaced by a link to
//! bob's, no call on alice changes bob's home (mode, owner, `authorized_keys`, `.ssh`) or shows his keys.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use accountd_e2e::{TestServer, assert_call_error, assert_invalid};
use serde_json::{Value, json};

const BOB_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBobBobBobBobBobBobBobBobBobBobBobBobBobBobB bob@host";
const EVIL_KEY: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEvilEvilEvilEvilEvilEvilEvilEvilEvilEvilE evil@host";

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).expect("metadata").permissions().mode() & 0o7777
}

#[tokio::test]
async fn a_home_replaced_by_a_symlink_to_another_home_is_never_followed() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let pool_str = pool.to_str().expect("utf-8");
    let create = |name: &'static str, extra: Value| {
        let mut params = json!({"username": name, "full_name": name, "group_create": true, "password": "pw",
                                "home": pool_str, "home_create": true});
        for (k, v) in extra.as_object().expect("object") {
            params[k] = v.clone();
        }
        params
    };
    let alice = admin.ok("user.create", json!([create("alice", json!({}))])).await;
    let bob = admin
        .ok("user.create", json!([create("bob", json!({"sshpubkey": BOB_KEY}))]))
        .await;
    let (alice_home, bob_home) = (pool.join("alice"), pool.join("bob"));
    let bob_keys = bob_home.join(".ssh/authorized_keys");
    assert_eq!(std::fs::read_to_string(&bob_keys).expect("bob's keys").trim(), BOB_KEY);
    let bob_before = std::fs::metadata(&bob_home).expect("bob's home");
    assert_eq!(mode(&bob_home), 0o700);

    std::fs::remove_dir_all(&alice_home).expect("rm -r");
    std::os::unix::fs::symlink(&bob_home, &alice_home).expect("symlink");
    let refused = format!(
        "{}: a home directory may not be, or lie below, a symbolic link under the home root (it is not followed).",
        alice_home.display()
    );
    let alice_entry = admin.ok("user.get_instance", json!([alice["id"]])).await;

    let err = admin
        .err("user.update", json!([alice["id"], {"home_mode": "777"}]))
        .await;
    assert_call_error(&err, "EINVAL", &refused);
    let err = admin
        .err("user.update", json!([alice["id"], {"sshpubkey": EVIL_KEY}]))
        .await;
    assert_call_error(&err, "EINVAL", &refused);
    let err = admin
        .err("user.update", json!([alice["id"], {"sshpubkey": null}]))
        .await;
    assert_call_error(&err, "EINVAL", &refused);
    // Nothing was half done: alice's entry is as it was, bob's home untouched.
    assert_eq!(admin.ok("user.get_instance", json!([alice["id"]])).await, alice_entry);
    assert_eq!(
        alice_entry["sshpubkey"],
        Value::Null,
        "bob's keys are not shown as alice's"
    );
    let bob_after = std::fs::metadata(&bob_home).expect("bob's home");
    assert_eq!(mode(&bob_home), 0o700);
    assert_eq!((bob_after.uid(), bob_after.gid()), (bob_before.uid(), bob_before.gid()));
    assert_eq!(std::fs::read_to_string(&bob_keys).expect("bob's keys").trim(), BOB_KEY);
    assert_eq!(
        admin.ok("user.get_instance", json!([bob["id"]])).await["sshpubkey"],
        BOB_KEY
    );

    // A symlink is not accepted as a new home either.
    let elsewhere = pool.join("elsewhere");
    std::os::unix::fs::symlink(&bob_home, &elsewhere).expect("symlink");
    let carol = admin.ok("user.create", json!([create("carol", json!({}))])).await;
    let err = admin
        .err(
            "user.update",
            json!([carol["id"], {"home": elsewhere.to_str().expect("utf-8")}]),
        )
        .await;
    assert_invalid(&err, "user_update.home", &refused.replace("/alice:", "/elsewhere:"));

    // Deleting alice leaves bob's ~/.ssh where it is.
    admin.ok("user.delete", json!([alice["id"]])).await;
    assert_eq!(std::fs::read_to_string(&bob_keys).expect("bob's keys").trim(), BOB_KEY);
    // A symlink higher up (a linked pool directory) is refused as well.
    std::os::unix::fs::symlink(&pool, server.settings.home_root.join("linked")).expect("symlink");
    let linked = server.settings.home_root.join("linked/bob");
    let err = admin
        .err(
            "user.update",
            json!([carol["id"], {"home": linked.to_str().expect("utf-8")}]),
        )
        .await;
    assert_invalid(
        &err,
        "user_update.home",
        &format!(
            "{}: a home directory may not be, or lie below, a symbolic link under the home root (it is not followed).",
            linked.display()
        ),
    );
}

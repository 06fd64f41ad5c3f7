//! `user.create`: the entry it returns, primary and auxiliary groups, passwords, home directories, SSH keys and
//! every validation rule of TrueNAS `user.create` / `common_validation`.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

use accountd_e2e::{Client, TestServer, assert_invalid, group_id, validation_items};
use serde_json::{Value, json};

/// `user.create` with `group_create` and a password, plus the given extra fields.
async fn create(admin: &mut Client, username: &str, extra: Value) -> Result<Value, Value> {
    let mut data = json!({"username": username, "full_name": "Test User", "group_create": true, "password": "pw"});
    for (k, v) in extra.as_object().expect("object") {
        data[k] = v.clone();
    }
    admin.call("user.create", json!([data])).await
}

/// Like [`create`], but the call must fail with a validation error; returns the error.
async fn create_invalid(admin: &mut Client, username: &str, extra: Value) -> Value {
    match create(admin, username, extra.clone()).await {
        Ok(v) => panic!("user.create {username} {extra} succeeded: {v}"),
        Err(e) => e,
    }
}

/// Permission bits of a path.
fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).expect("metadata").permissions().mode() & 0o7777
}

fn count_users(v: &Value) -> usize {
    v.as_array().expect("list").len()
}

#[tokio::test]
async fn create_returns_the_full_entry_with_defaults() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let users_group = group_id(&mut admin, "builtin_users").await;
    let before = admin.ok("user.query", json!([])).await;

    let alice = admin
        .ok(
            "user.create",
            json!([{"username": "alice", "full_name": "Alice Liddell", "group_create": true, "password": "password"}]),
        )
        .await;
    let id = alice["id"].as_i64().expect("id");
    assert_eq!(alice["uid"], 3000);
    assert_eq!(alice["username"], "alice");
    assert_eq!(alice["full_name"], "Alice Liddell");
    assert_eq!(alice["home"], "/var/empty");
    assert_eq!(alice["shell"], "/usr/bin/zsh");
    assert_eq!(alice["builtin"], false);
    assert_eq!(alice["smb"], true);
    assert_eq!(alice["local"], true);
    assert_eq!(alice["immutable"], false);
    assert_eq!(alice["locked"], false);
    assert_eq!(alice["password_disabled"], false);
    assert_eq!(alice["ssh_password_enabled"], false);
    assert_eq!(alice["twofactor_auth_configured"], false);
    assert_eq!(alice["id_type_both"], false);
    assert_eq!(alice["userns_idmap"], Value::Null);
    assert_eq!(alice["sudo_commands"], json!([]));
    assert_eq!(alice["sudo_commands_nopasswd"], json!([]));
    assert_eq!(alice["email"], Value::Null);
    assert_eq!(alice["sshpubkey"], Value::Null);
    assert_eq!(alice["roles"], json!([]));
    assert_eq!(alice["api_keys"], json!([]));
    // smb (the default) puts the user in builtin_users.
    assert_eq!(alice["groups"], json!([users_group]));
    // group_create made a non-SMB group named like the user with the next free gid.
    assert_eq!(alice["group"]["bsdgrp_group"], "alice");
    assert_eq!(alice["group"]["bsdgrp_gid"], 3000);
    assert_eq!(alice["group"]["bsdgrp_builtin"], false);
    assert_eq!(alice["group"]["bsdgrp_smb"], false);
    assert_eq!(alice["group"]["bsdgrp_sudo_commands"], json!([]));
    assert_eq!(alice["group"]["bsdgrp_sudo_commands_nopasswd"], json!([]));
    assert_eq!(alice["group"]["bsdgrp_userns_idmap"], Value::Null);
    // Secrets: argon2id PHC and the NT hash of "password".
    assert!(
        alice["unixhash"].as_str().expect("unixhash").starts_with("$argon2id$"),
        "{alice}"
    );
    assert_eq!(alice["smbhash"], "8846F7EAEE8FB117AD06BDD830B7586C");
    assert_eq!(alice["password"], "password");
    assert_eq!(alice["password_history"], json!([]));
    assert_eq!(alice["password_age"], 0);
    assert_eq!(alice["password_change_required"], false);
    let changed = alice["last_password_change"]["$date"].as_i64().expect("$date");
    #[allow(
        clippy::disallowed_methods,
        reason = "the server under test runs on the system clock"
    )]
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_millis() as i64;
    assert!(
        (now - changed).abs() < 60_000,
        "last_password_change {changed} vs now {now}"
    );
    let sid = alice["sid"].as_str().expect("sid");
    assert!(sid.starts_with("S-1-5-21-"), "{sid}");
    assert!(sid.ends_with(&format!("-{}", 20000 + id)), "{sid}");

    // get_instance shows the same entry, without the cleartext password.
    let mut fetched = admin.ok("user.get_instance", json!([id])).await;
    let mut expected = alice.clone();
    expected.as_object_mut().expect("object").remove("password");
    fetched.as_object_mut().expect("object").remove("password_age");
    expected.as_object_mut().expect("object").remove("password_age");
    assert_eq!(fetched, expected);
    assert_eq!(
        count_users(&admin.ok("user.query", json!([])).await),
        count_users(&before) + 1
    );

    // The created group is real and lists the user.
    let group = admin
        .ok("group.query", json!([[["name", "=", "alice"]], {"get": true}]))
        .await;
    assert_eq!(group["gid"], 3000);
    assert_eq!(group["smb"], false);
    assert_eq!(group["users"], json!([id]));
}

#[tokio::test]
async fn create_needs_exactly_one_of_group_and_group_create() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let msg = "Enter either a group name or create a new group to continue.";

    let neither = admin
        .err(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "password": "pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&neither),
        vec![(json!("user_create.group"), msg.to_string(), 22)]
    );
    assert_eq!(neither["data"]["errname"], "EINVAL");
    assert_eq!(
        neither["data"]["reason"],
        format!("[EINVAL] user_create.group: {msg}\n")
    );

    let both = create_invalid(&mut admin, "bob", json!({"group": staff})).await;
    assert_eq!(
        validation_items(&both),
        vec![(json!("user_create.group"), msg.to_string(), 22)]
    );

    let unknown = admin
        .err(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group": 9999, "password": "pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&unknown),
        vec![(json!("user_create.group"), "Group 9999 not found".to_string(), 2)]
    );
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "=", "bob"]], {"count": true}]))
            .await,
        0
    );

    // An existing group as primary group: no new group is made.
    let bob = admin
        .ok(
            "user.create",
            json!([{"username": "bob", "full_name": "Bob", "group": staff, "password": "pw"}]),
        )
        .await;
    assert_eq!(bob["group"]["id"], staff);
    assert_eq!(bob["group"]["bsdgrp_group"], "crew");
    assert_eq!(
        admin
            .ok("group.query", json!([[["name", "=", "bob"]], {"count": true}]))
            .await,
        0
    );
}

#[tokio::test]
async fn group_create_reuses_an_existing_group_of_the_same_name() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let carol_group = admin
        .ok("group.create", json!([{"name": "carol", "gid": 4321, "smb": true}]))
        .await;
    let carol = create(&mut admin, "carol", json!({})).await.expect("created");
    assert_eq!(carol["group"]["id"], carol_group);
    assert_eq!(carol["group"]["bsdgrp_gid"], 4321);
    assert_eq!(carol["group"]["bsdgrp_smb"], true);
    assert_eq!(
        admin
            .ok("group.query", json!([[["name", "=", "carol"]], {"count": true}]))
            .await,
        1
    );
    // The next created group takes the lowest free gid >= 3000.
    let dave = create(&mut admin, "dave", json!({})).await.expect("created");
    assert_eq!(dave["group"]["bsdgrp_gid"], 3000);
}

#[tokio::test]
async fn smb_false_skips_builtin_users_and_the_nt_hash() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew"}])).await;
    let erin = create(&mut admin, "erin", json!({"smb": false, "groups": [staff]}))
        .await
        .expect("created");
    assert_eq!(erin["smb"], false);
    assert_eq!(erin["groups"], json!([staff]));
    assert_eq!(erin["smbhash"], "*");
    assert_eq!(erin["sid"], Value::Null);

    // builtin_users is not added twice when given explicitly.
    let users_group = group_id(&mut admin, "builtin_users").await;
    let fred = create(&mut admin, "fred", json!({"groups": [users_group, staff]}))
        .await
        .expect("created");
    assert_eq!(fred["groups"], json!([users_group, staff]));
}

#[tokio::test]
async fn password_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;

    let missing = admin
        .err(
            "user.create",
            json!([{"username": "gina", "full_name": "Gina", "group_create": true}]),
        )
        .await;
    assert_eq!(
        validation_items(&missing),
        vec![(json!("user_create.password"), "Password is required".to_string(), 22)]
    );

    let both = create_invalid(&mut admin, "gina", json!({"password_disabled": true, "smb": false})).await;
    assert_eq!(
        validation_items(&both),
        vec![(
            json!("user_create.password_disabled"),
            "Leave \"Password\" blank when \"Disable password login\" is checked.".to_string(),
            22
        )]
    );

    let smb_disabled = admin
        .err(
            "user.create",
            json!([{"username": "gina", "full_name": "Gina", "group_create": true, "password_disabled": true}]),
        )
        .await;
    assert_eq!(
        validation_items(&smb_disabled),
        vec![(
            json!("user_create.password_disabled"),
            "Password authentication may not be disabled for SMB users.".to_string(),
            22
        )]
    );

    let random_and_given = create_invalid(&mut admin, "gina", json!({"random_password": true})).await;
    assert_eq!(
        validation_items(&random_and_given),
        vec![(
            json!("user_create.random_password"),
            "Requesting a randomized password while simultaneously supplying an explicit password is not permitted."
                .to_string(),
            22
        )]
    );

    let empty = create_invalid(&mut admin, "gina", json!({"password": ""})).await;
    assert_invalid(
        &empty,
        "user_create.password",
        "String should have at least 1 character",
    );

    let gina = admin
        .ok(
            "user.create",
            json!([{"username": "gina", "full_name": "Gina", "group_create": true, "password_disabled": true,
                    "smb": false}]),
        )
        .await;
    assert_eq!(gina["password_disabled"], true);
    assert_eq!(gina["unixhash"], "*");
    assert_eq!(gina["smbhash"], "*");
    assert_eq!(gina["password"], Value::Null);
    assert_eq!(gina["last_password_change"], Value::Null);
    assert_eq!(gina["password_age"], Value::Null);
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "=", "gina"]], {"count": true}]))
            .await,
        1
    );
}

#[tokio::test]
async fn random_password_is_20_alphanumerics_that_log_in() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let mut seen = Vec::new();
    for name in ["rp1", "rp2"] {
        let user = admin
            .ok(
                "user.create",
                json!([{"username": name, "full_name": name, "group_create": true, "random_password": true,
                        "groups": [admins]}]),
            )
            .await;
        let pw = user["password"].as_str().expect("password").to_string();
        assert_eq!(pw.len(), 20, "{pw}");
        assert!(pw.chars().all(|c| c.is_ascii_alphanumeric()), "{pw}");
        assert!(user["unixhash"].as_str().expect("hash").starts_with("$argon2id$"));
        let mut c = server.client().await;
        let login = c.login(name, &pw).await;
        assert_eq!(login["user_info"]["pw_name"], name);
        seen.push(pw);
    }
    assert_ne!(seen[0], seen[1]);
}

#[tokio::test]
async fn uid_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let u = create(&mut admin, "uidguy", json!({"uid": 5000}))
        .await
        .expect("created");
    assert_eq!(u["uid"], 5000);

    let taken = create_invalid(&mut admin, "other", json!({"uid": 5000})).await;
    assert_eq!(
        validation_items(&taken),
        vec![(
            json!("user_create.uid"),
            "Uid 5000 is already used (user uidguy has it)".to_string(),
            17
        )]
    );
    assert_eq!(
        taken["data"]["reason"],
        "[EEXIST] user_create.uid: Uid 5000 is already used (user uidguy has it)\n"
    );
    let root = create_invalid(&mut admin, "other", json!({"uid": 0})).await;
    assert_eq!(
        validation_items(&root),
        vec![(
            json!("user_create.uid"),
            "Uid 0 is already used (user root has it)".to_string(),
            17
        )]
    );
    let too_big = create_invalid(&mut admin, "other", json!({"uid": 90000001})).await;
    assert_invalid(
        &too_big,
        "user_create.uid",
        "Input should be less than or equal to 90000000",
    );
    let negative = create_invalid(&mut admin, "other", json!({"uid": -1})).await;
    assert_invalid(
        &negative,
        "user_create.uid",
        "Input should be greater than or equal to 0",
    );
    let string = create_invalid(&mut admin, "other", json!({"uid": "3000"})).await;
    assert_invalid(&string, "user_create.uid", "Input should be a valid integer");

    // Automatic uids skip the explicit one and fill from 3000.
    let auto = create(&mut admin, "auto", json!({"uid": null})).await.expect("created");
    assert_eq!(auto["uid"], 3000);
}

#[tokio::test]
async fn username_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    create(&mut admin, "alice", json!({})).await.expect("created");

    let dup = create_invalid(&mut admin, "alice", json!({"smb": false})).await;
    assert_eq!(
        validation_items(&dup),
        vec![(
            json!("user_create.username"),
            "The username \"alice\" already exists.".to_string(),
            17
        )]
    );

    // SMB names are case-insensitive.
    let clash = create_invalid(&mut admin, "ALICE", json!({})).await;
    assert_eq!(
        validation_items(&clash),
        vec![(
            json!("user_create.smb"),
            "Username \"ALICE\" conflicts with existing SMB user. Note that SMB usernames are case-insensitive."
                .to_string(),
            17
        )]
    );
    let not_smb = create(&mut admin, "ALICE", json!({"smb": false}))
        .await
        .expect("no SMB clash");
    assert_eq!(not_smb["username"], "ALICE");

    let chars: Vec<String> = ('a'..='z')
        .chain('A'..='Z')
        .chain('0'..='9')
        .chain(['_', '-', '.'])
        .map(String::from)
        .collect();
    let cases = [
        ("1bob", "Value error, Cannot start with \"'1'\"".to_string()),
        ("-bob", "Value error, Cannot start with \"'-'\"".to_string()),
        (".bob", "Value error, Cannot start with \"'.'\"".to_string()),
        (
            &"a".repeat(33),
            "Value error, Cannot exceed 32 charaters in length".to_string(),
        ),
        (
            "bo b",
            format!("Value error, Valid characters are: '{}'", chars.join(", ")),
        ),
        (
            "bob$",
            format!("Value error, Valid characters are: '{}'", chars.join(", ")),
        ),
        ("", "Value error, Must be at least 1 character in length".to_string()),
    ];
    for (name, message) in cases {
        let err = create_invalid(&mut admin, name, json!({"group_create": false, "group": 1})).await;
        assert_eq!(
            validation_items(&err),
            vec![(json!("user_create.username"), message, 22)],
            "{name:?}"
        );
    }
    for name in ["_svc", "a.b-c_d", &"z".repeat(32)] {
        let user = create(&mut admin, name, json!({"smb": false})).await.expect(name);
        assert_eq!(user["username"], *name);
    }

    let no_name = admin
        .err(
            "user.create",
            json!([{"full_name": "x", "group_create": true, "password": "pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&no_name),
        vec![(json!("user_create.username"), "Field required".to_string(), 22)]
    );
}

#[tokio::test]
async fn full_name_and_email_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let empty = create_invalid(&mut admin, "hank", json!({"full_name": ""})).await;
    assert_eq!(
        validation_items(&empty),
        vec![(
            json!("user_create.full_name"),
            "String should have at least 1 character".to_string(),
            22
        )]
    );
    let missing = admin
        .err(
            "user.create",
            json!([{"username": "hank", "group_create": true, "password": "pw"}]),
        )
        .await;
    assert_eq!(
        validation_items(&missing),
        vec![(json!("user_create.full_name"), "Field required".to_string(), 22)]
    );
    let colon = create_invalid(&mut admin, "hank", json!({"full_name": "Hank: the tank"})).await;
    assert_eq!(
        validation_items(&colon),
        vec![(
            json!("user_create.full_name"),
            "The ':' character is not allowed.".to_string(),
            22
        )]
    );
    let newline = create_invalid(&mut admin, "hank", json!({"full_name": "Hank\nTank"})).await;
    assert_eq!(
        validation_items(&newline),
        vec![(
            json!("user_create.full_name"),
            "The '\\n' character is not allowed.".to_string(),
            22
        )]
    );

    // pydantic's EmailStr (email-validator) reasons; the five last are the hostile forms it refuses.
    let domain = format!("{}.{}.{}.com", "b".repeat(63), "c".repeat(63), "d".repeat(59));
    let too_long = format!("{}@{domain}", "a".repeat(63));
    assert_eq!(too_long.len(), 255);
    let cases = [
        ("hank", "An email address must have an @-sign."),
        ("@example.com", "There must be something before the @-sign."),
        ("hank@", "There must be something after the @-sign."),
        (
            "a@b@c.com",
            "The part after the @-sign contains invalid characters: '@'.",
        ),
        (
            too_long.as_str(),
            "The email address is too long (1 character too many).",
        ),
        (
            "a b@c.com",
            "The email address contains invalid characters before the @-sign: SPACE.",
        ),
        ("<script>@x.com", "There can't be anything after the email address."),
        (
            "a\u{0}@b.com",
            "The email address contains invalid characters before the @-sign: U+0000.",
        ),
        (
            "a@b",
            "The part after the @-sign is not valid. It should have a period.",
        ),
        ("\"a\"@b.com", "Quoting the part before the @-sign is not allowed here."),
    ];
    for (bad, reason) in cases {
        let err = create_invalid(&mut admin, "hank", json!({"email": bad})).await;
        assert_eq!(
            validation_items(&err),
            vec![(
                json!("user_create.email"),
                format!("value is not a valid email address: {reason}"),
                22
            )],
            "{bad:?}"
        );
    }
    assert_eq!(
        admin.ok("user.query", json!([[["username", "=", "hank"]]])).await,
        json!([]),
        "nothing was created"
    );

    let ok = format!("{}@{domain}", "a".repeat(62));
    let hank = create(&mut admin, "hank", json!({"email": ok}))
        .await
        .expect("254 chars is fine");
    assert_eq!(hank["email"], ok);
    let ivan = create(&mut admin, "ivan", json!({"email": ""}))
        .await
        .expect("empty email");
    assert_eq!(ivan["email"], Value::Null);
}

#[tokio::test]
async fn params_are_strict() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let extra = create_invalid(&mut admin, "jack", json!({"bogus": 1})).await;
    assert_eq!(
        validation_items(&extra),
        vec![(
            json!("user_create.bogus"),
            "Extra inputs are not permitted".to_string(),
            22
        )]
    );
    // Output-only fields are not inputs.
    for field in ["id", "builtin", "unixhash", "roles", "immutable"] {
        let err = create_invalid(&mut admin, "jack", json!({field: null})).await;
        assert_invalid(&err, &format!("user_create.{field}"), "Extra inputs are not permitted");
    }
    let not_bool = create_invalid(&mut admin, "jack", json!({"smb": 1})).await;
    assert_eq!(
        validation_items(&not_bool),
        vec![(
            json!("user_create.smb"),
            "Input should be a valid boolean".to_string(),
            22
        )]
    );
    let not_list = create_invalid(&mut admin, "jack", json!({"groups": 3})).await;
    assert_invalid(&not_list, "user_create.groups", "Input should be a valid list");
    let too_many = admin.err("user.create", json!([{}, {}])).await;
    assert_eq!(
        validation_items(&too_many),
        vec![(json!(""), "Too many arguments (expected 1, found 2)".to_string(), 22)]
    );
    let none = admin.err("user.create", json!([])).await;
    assert_eq!(
        validation_items(&none),
        vec![(json!("user_create"), "Field required".to_string(), 22)]
    );
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "=", "jack"]], {"count": true}]))
            .await,
        0
    );
}

#[tokio::test]
async fn home_create_makes_the_home_with_mode_owner_and_skeleton() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let pool_str = pool.to_str().expect("utf-8").to_string();

    let kate = create(
        &mut admin,
        "kate",
        json!({"home": pool_str, "home_create": true, "home_mode": "750"}),
    )
    .await
    .expect("created");
    let home = pool.join("kate");
    assert_eq!(kate["home"], home.to_str().expect("utf-8"));
    let meta = std::fs::metadata(&home).expect("home exists");
    assert!(meta.is_dir());
    assert_eq!(mode(&home), 0o750);
    assert_eq!(i64::from(meta.uid()), kate["uid"].as_i64().expect("uid"));
    assert_eq!(
        i64::from(meta.gid()),
        kate["group"]["bsdgrp_gid"].as_i64().expect("gid")
    );
    // /etc/skel is copied (dot-files keep their names), owned by the user.
    let skel = Path::new("/etc/skel");
    let mut copied = 0;
    for entry in std::fs::read_dir(skel).into_iter().flatten().flatten() {
        if entry.file_type().expect("type").is_file() {
            let name = entry.file_name();
            let copy = std::fs::metadata(home.join(&name)).expect("skeleton file copied");
            assert_eq!(i64::from(copy.uid()), kate["uid"].as_i64().expect("uid"), "{name:?}");
            copied += 1;
        }
    }
    assert_eq!(
        std::fs::read_dir(&home).expect("read home").count(),
        copied,
        "only the skeleton's files are in the new home"
    );

    // The default mode is 700, and the user's own primary group owns it.
    let staff = admin.ok("group.create", json!([{"name": "crew", "gid": 4444}])).await;
    let liam = admin
        .ok(
            "user.create",
            json!([{"username": "liam", "full_name": "Liam", "group": staff, "password": "pw",
                    "home": pool_str, "home_create": true, "uid": 4567}]),
        )
        .await;
    let home = pool.join("liam");
    assert_eq!(liam["home"], home.to_str().expect("utf-8"));
    assert_eq!(mode(&home), 0o700);
    let meta = std::fs::metadata(&home).expect("home exists");
    assert_eq!((meta.uid(), meta.gid()), (4567, 4444));

    // A deeper dataset path works too, and an existing directory is reused (idempotent).
    std::fs::create_dir_all(pool.join("homes/mia")).expect("mkdir");
    std::fs::write(pool.join("homes/mia/keep"), "x").expect("write");
    let mia = create(
        &mut admin,
        "mia",
        json!({"home": pool.join("homes").to_str().expect("utf-8"), "home_create": true, "home_mode": "755"}),
    )
    .await
    .expect("created");
    assert_eq!(mia["home"], pool.join("homes/mia").to_str().expect("utf-8"));
    assert_eq!(mode(&pool.join("homes/mia")), 0o755);
    assert!(pool.join("homes/mia/keep").exists());

    // Without home_create an existing directory below the pool is used as it is.
    std::fs::create_dir_all(pool.join("homes/nina")).expect("mkdir");
    let before = mode(&pool.join("homes/nina"));
    let nina = create(
        &mut admin,
        "nina",
        json!({"home": pool.join("homes/nina").to_str().expect("utf-8")}),
    )
    .await
    .expect("created");
    assert_eq!(nina["home"], pool.join("homes/nina").to_str().expect("utf-8"));
    assert_eq!(mode(&pool.join("homes/nina")), before);
    assert!(!pool.join("homes/nina/nina").exists());
}

#[tokio::test]
async fn home_paths_outside_the_pool_are_refused() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let root = server.settings.home_root.clone();
    let root_str = root.to_str().expect("utf-8").to_string();
    let pool = server.pool();
    let pool_str = pool.to_str().expect("utf-8").to_string();
    std::fs::write(pool.join("afile"), "x").expect("write");
    let outside = server.dir.path().join("outside");
    std::fs::create_dir(&outside).expect("mkdir");
    std::os::unix::fs::symlink(&outside, pool.join("escape")).expect("symlink");

    let home_err = |home: &str, create_home: bool| json!({"home": home, "home_create": create_home});
    let cases: Vec<(Value, &str, String)> = vec![
        (
            home_err("tank/x", false),
            "user_create.home",
            "\"Home Directory\" must be an absolute path.".to_string(),
        ),
        (
            home_err(&format!("{pool_str}/afile"), false),
            "user_create.home",
            "\"Home Directory\" cannot be a file.".to_string(),
        ),
        (
            home_err(&format!("{pool_str}/a:b"), false),
            "user_create.home",
            "\"Home Directory\" cannot contain colons (:).".to_string(),
        ),
        (
            home_err("/tmp", true),
            "user_create.home",
            format!("\"Home Directory\" must begin with {root_str} or set to /var/empty."),
        ),
        (
            home_err(&root_str, true),
            "user_create.home",
            format!("\"Home Directory\" cannot be at root of \"{root_str}\""),
        ),
        (
            home_err(&pool_str, false),
            "user_create.home",
            format!("The specified path is a ZFS pool mountpoint \"({pool_str})\"."),
        ),
        (
            home_err(&format!("{pool_str}/../.."), true),
            "user_create",
            "The path must reside within a pool mount point".to_string(),
        ),
        (
            home_err(&format!("{pool_str}/../../outside"), true),
            "user_create",
            "The path must reside within a pool mount point".to_string(),
        ),
        (
            home_err(&format!("{pool_str}/escape"), true),
            "user_create",
            "The path must reside within a pool mount point".to_string(),
        ),
        (
            home_err(&format!("{pool_str}/missing"), false),
            "user_create.home",
            format!("{pool_str}/missing: path specified to use as home directory does not exist."),
        ),
        (
            home_err(&format!("{pool_str}/missing"), true),
            "user_create.home",
            format!(
                "{pool_str}/missing: path specified to use for home directory creation does not exist. TrueNAS \
                 uses the provided path as the parent directory of the newly-created home directory."
            ),
        ),
    ];
    for (extra, attr, message) in cases {
        let err = create_invalid(&mut admin, "olga", extra.clone()).await;
        assert_eq!(validation_items(&err), vec![(json!(attr), message, 22)], "{extra}");
    }
    assert!(!outside.join("olga").exists());
    assert!(!server.dir.path().join("olga").exists());
    assert!(!root.join("olga").exists());
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "=", "olga"]], {"count": true}]))
            .await,
        0
    );

    // SSH password login needs a usable home.
    let err = create_invalid(
        &mut admin,
        "olga",
        json!({"home": "/tmp", "ssh_password_enabled": true}),
    )
    .await;
    assert_invalid(
        &err,
        "user_create.home",
        "SSH password login requires a valid home path.",
    );

    // A home already used by another user.
    std::fs::create_dir(pool.join("shared")).expect("mkdir");
    let shared = pool.join("shared");
    let shared_str = shared.to_str().expect("utf-8");
    create(&mut admin, "pat", json!({"home": shared_str}))
        .await
        .expect("created");
    let err = create_invalid(&mut admin, "olga", json!({"home": shared_str})).await;
    assert_eq!(
        validation_items(&err),
        vec![(
            json!("user_create.home"),
            format!("{shared_str}: homedir already used by pat."),
            17
        )]
    );
    // ... also when home_create would land on it.
    create(&mut admin, "quinn", json!({"home": pool_str, "home_create": true}))
        .await
        .expect("created");
    let err = create_invalid(
        &mut admin,
        "olga",
        json!({"home": pool.join("quinn").to_str().expect("utf-8")}),
    )
    .await;
    assert_eq!(
        validation_items(&err),
        vec![(
            json!("user_create.home"),
            format!("{}: homedir already used by quinn.", pool.join("quinn").display()),
            17
        )]
    );
}

#[tokio::test]
async fn home_mode_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool_str = server.pool().to_str().expect("utf-8").to_string();
    let cases: [(&str, &[&str]); 5] = [
        ("600", &["Home directory must be executable by User."]),
        ("300", &["Home directory must be readable by User."]),
        (
            "070",
            &[
                "Home directory must be readable by User.",
                "Home directory must be executable by User.",
            ],
        ),
        ("1777", &["Please provide a valid value for home_mode attribute"]),
        ("rwx", &["Please provide a valid value for home_mode attribute"]),
    ];
    for (home_mode, messages) in cases {
        let err = create_invalid(
            &mut admin,
            "rita",
            json!({"home": pool_str, "home_create": true, "home_mode": home_mode}),
        )
        .await;
        let expected: Vec<_> = messages
            .iter()
            .map(|m| (json!("user_create.home_mode"), m.to_string(), 22))
            .collect();
        assert_eq!(validation_items(&err), expected, "{home_mode}");
    }
    assert!(!server.pool().join("rita").exists());
    create(
        &mut admin,
        "rita",
        json!({"home": pool_str, "home_create": true, "home_mode": "0o500"}),
    )
    .await
    .expect("created");
    assert_eq!(mode(&server.pool().join("rita")), 0o500);
}

#[tokio::test]
async fn sshpubkey_is_written_to_authorized_keys_and_read_back() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let pool = server.pool();
    let key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyForTests sam@laptop";
    let sam = create(
        &mut admin,
        "sam",
        json!({"home": pool.to_str().expect("utf-8"), "home_create": true, "sshpubkey": format!("{key}\n\n")}),
    )
    .await
    .expect("created");
    assert_eq!(sam["sshpubkey"], key);
    let ssh = pool.join("sam/.ssh");
    let keys = ssh.join("authorized_keys");
    assert_eq!(
        std::fs::read_to_string(&keys).expect("authorized_keys"),
        format!("{key}\n")
    );
    assert_eq!(mode(&ssh), 0o700);
    assert_eq!(mode(&keys), 0o600);
    let uid = sam["uid"].as_i64().expect("uid");
    let gid = sam["group"]["bsdgrp_gid"].as_i64().expect("gid");
    for p in [&ssh, &keys] {
        let meta = std::fs::metadata(p).expect("meta");
        assert_eq!(
            (i64::from(meta.uid()), i64::from(meta.gid())),
            (uid, gid),
            "{}",
            p.display()
        );
    }
    let id = sam["id"].clone();
    assert_eq!(admin.ok("user.get_instance", json!([id])).await["sshpubkey"], key);

    // The file is the source of truth.
    let second = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ second@host";
    std::fs::write(&keys, format!("{key}\n{second}\n")).expect("write");
    assert_eq!(
        admin.ok("user.get_instance", json!([id])).await["sshpubkey"],
        format!("{key}\n{second}")
    );
    std::fs::remove_file(&keys).expect("rm");
    assert_eq!(
        admin.ok("user.get_instance", json!([id])).await["sshpubkey"],
        Value::Null
    );
}

#[tokio::test]
async fn sshpubkey_needs_a_home_in_a_pool() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let err = create_invalid(&mut admin, "tom", json!({"sshpubkey": "ssh-ed25519 AAAA tom@x"})).await;
    assert_eq!(
        validation_items(&err),
        vec![(
            json!("user_create.sshpubkey"),
            "/var/empty: the user home directory must be set to a writable path located within a data pool."
                .to_string(),
            22
        )]
    );
    let nul = create_invalid(
        &mut admin,
        "tom",
        json!({"home": server.pool().to_str().expect("utf-8"), "home_create": true, "sshpubkey": "ssh-ed25519 A\u{0}B"}),
    )
    .await;
    assert_eq!(
        validation_items(&nul),
        vec![(
            json!("user_create.sshpubkey"),
            "SSH public keys may not contain NUL characters.".to_string(),
            22
        )]
    );
    assert!(!server.pool().join("tom").exists());
    // A blank key with the default home is accepted and means "no keys".
    let tom = create(&mut admin, "tom", json!({"sshpubkey": ""}))
        .await
        .expect("created");
    assert_eq!(tom["sshpubkey"], Value::Null);
}

#[tokio::test]
async fn shell_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let pool_str = server.pool().to_str().expect("utf-8").to_string();

    let bad = create_invalid(&mut admin, "uma", json!({"shell": "/bin/false"})).await;
    assert_eq!(
        validation_items(&bad),
        vec![(
            json!("user_create.shell"),
            "Please select a valid shell.".to_string(),
            22
        )]
    );
    let cli = create_invalid(&mut admin, "uma", json!({"shell": "/usr/bin/cli"})).await;
    assert_eq!(
        validation_items(&cli),
        vec![(
            json!("user_create.shell"),
            "Please select a valid shell.".to_string(),
            22
        )]
    );
    let uma = create(&mut admin, "uma", json!({"shell": "/usr/bin/cli", "groups": [admins]}))
        .await
        .expect("privileged users may use the CLI shell");
    assert_eq!(uma["shell"], "/usr/bin/cli");
    let vic = create(&mut admin, "vic", json!({"shell": "/usr/sbin/nologin"}))
        .await
        .expect("nologin is always valid");
    assert_eq!(vic["shell"], "/usr/sbin/nologin");
    let bash = create(&mut admin, "walt", json!({"shell": "/usr/bin/bash"}))
        .await
        .expect("bash");
    assert_eq!(bash["shell"], "/usr/bin/bash");

    // SSH password login needs a login shell and a real home.
    let no_shell = create_invalid(
        &mut admin,
        "xena",
        json!({"shell": "/usr/sbin/nologin", "ssh_password_enabled": true, "home": pool_str, "home_create": true}),
    )
    .await;
    assert_eq!(
        validation_items(&no_shell),
        vec![
            (
                json!("user_create.shell"),
                "SSH password login requires a login shell.".to_string(),
                22
            ),
            (
                json!("user_create.ssh_password_enabled"),
                "Cannot be enabled without a valid home path and login shell.".to_string(),
                22
            ),
        ]
    );
    let no_home = create_invalid(&mut admin, "xena", json!({"ssh_password_enabled": true})).await;
    assert_eq!(
        validation_items(&no_home),
        vec![
            (
                json!("user_create.home"),
                "SSH password login requires a valid home path.".to_string(),
                22
            ),
            (
                json!("user_create.ssh_password_enabled"),
                "Cannot be enabled without a valid home path and login shell.".to_string(),
                22
            ),
        ]
    );
    let xena = create(
        &mut admin,
        "xena",
        json!({"ssh_password_enabled": true, "home": pool_str, "home_create": true}),
    )
    .await
    .expect("created");
    assert_eq!(xena["ssh_password_enabled"], true);
}

#[tokio::test]
async fn sudo_command_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let ls = ["/usr/bin/ls", "/bin/ls"]
        .into_iter()
        .find(|p| Path::new(p).is_file())
        .expect("ls exists");
    for field in ["sudo_commands", "sudo_commands_nopasswd"] {
        let cases: Vec<(Value, usize, String)> = vec![
            (
                json!(["ALL", ls]),
                0,
                "ALL cannot be used with other commands".to_string(),
            ),
            (
                json!([ls, "ALL"]),
                1,
                "ALL cannot be used with other commands".to_string(),
            ),
            (json!(["ls -l"]), 0, "Executable must be an absolute path".to_string()),
            (
                json!([ls, "/usr/bin/../bin/ls"]),
                1,
                "Executable path must be normalized".to_string(),
            ),
            (
                json!(["/nonexistent/tool --x"]),
                0,
                "No paths matching '/nonexistent/tool' exist".to_string(),
            ),
            (
                json!(["/etc/passwd"]),
                0,
                "None of the paths matching '/etc/passwd' is executable".to_string(),
            ),
        ];
        for (cmds, idx, message) in cases {
            let err = create_invalid(&mut admin, "yuri", json!({field: cmds})).await;
            assert_eq!(
                validation_items(&err),
                vec![(json!(format!("user_create.{field}.{idx}")), message, 22)],
                "{field} {cmds}"
            );
        }
    }
    // Commands must be non-empty strings (a params-model rule).
    let empty = create_invalid(&mut admin, "yuri", json!({"sudo_commands": [ls, ""]})).await;
    assert_eq!(
        validation_items(&empty),
        vec![(
            json!("user_create.sudo_commands.1"),
            "String should have at least 1 character".to_string(),
            22
        )]
    );
    let yuri = create(
        &mut admin,
        "yuri",
        json!({"sudo_commands": [format!("{ls} -l /tmp")], "sudo_commands_nopasswd": ["ALL"]}),
    )
    .await
    .expect("created");
    assert_eq!(yuri["sudo_commands"], json!([format!("{ls} -l /tmp")]));
    assert_eq!(yuri["sudo_commands_nopasswd"], json!(["ALL"]));
}

#[tokio::test]
async fn auxiliary_group_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let nogroup = group_id(&mut admin, "nogroup").await;
    let root_group = group_id(&mut admin, "root").await;

    let missing = create_invalid(&mut admin, "zack", json!({"groups": [9999]})).await;
    assert_eq!(
        validation_items(&missing),
        vec![(
            json!("user_create.groups.0"),
            "This group does not exist.".to_string(),
            22
        )]
    );
    let ds = create_invalid(&mut admin, "zack", json!({"groups": [nogroup, 100000001]})).await;
    assert_eq!(
        validation_items(&ds),
        vec![
            (
                json!("user_create.groups.0"),
                "nogroup: membership of this builtin group may not be altered.".to_string(),
                22
            ),
            (
                json!("user_create.groups.1"),
                "This group does not exist.".to_string(),
                22
            ),
            (
                json!("user_create.groups.1"),
                "Local users may not be members of directory services groups.".to_string(),
                22
            ),
        ]
    );
    let root = create_invalid(&mut admin, "zack", json!({"groups": [root_group]})).await;
    assert_eq!(
        validation_items(&root),
        vec![(
            json!("user_create.groups.0"),
            "root: membership of this builtin group may not be altered.".to_string(),
            22
        )]
    );

    let mut ids = Vec::new();
    for i in 0..65 {
        ids.push(admin.ok("group.create", json!([{"name": format!("g{i}")}])).await);
    }
    let too_many = create_invalid(&mut admin, "zack", json!({"groups": ids, "smb": false})).await;
    assert_eq!(
        validation_items(&too_many),
        vec![(
            json!("user_create.groups"),
            "A user cannot belong to more than 64 auxiliary groups.".to_string(),
            22
        )]
    );
    let zack = create(&mut admin, "zack", json!({"groups": ids[..64], "smb": false}))
        .await
        .expect("64 groups are fine");
    assert_eq!(zack["groups"], json!(ids[..64]));

    // The alterable builtin groups may be joined.
    let mut alterable = Vec::new();
    for name in [
        "builtin_administrators",
        "builtin_users",
        "truenas_readonly_administrators",
        "truenas_sharing_administrators",
    ] {
        alterable.push(group_id(&mut admin, name).await);
    }
    let amy = create(&mut admin, "amy", json!({"groups": alterable}))
        .await
        .expect("created");
    assert_eq!(amy["groups"], json!(alterable));
    assert_eq!(amy["roles"], json!(["FULL_ADMIN", "READONLY_ADMIN", "SHARING_ADMIN"]));
}

#[tokio::test]
async fn userns_idmap_rules() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let admins = group_id(&mut admin, "builtin_administrators").await;
    let privileged = create_invalid(&mut admin, "ben", json!({"groups": [admins], "userns_idmap": "DIRECT"})).await;
    assert_eq!(
        validation_items(&privileged),
        vec![(
            json!("user_create.userns_idmap"),
            "User namespace idmaps may not be configured for privileged accounts.".to_string(),
            22
        )]
    );
    let ben = create(&mut admin, "ben", json!({"userns_idmap": "DIRECT", "uid": 7000}))
        .await
        .expect("created");
    assert_eq!(ben["userns_idmap"], "DIRECT");
    let cat = create(&mut admin, "cat", json!({"userns_idmap": 8000}))
        .await
        .expect("created");
    assert_eq!(cat["userns_idmap"], 8000);

    // The container id a mapping targets must be free.
    let clash = create_invalid(&mut admin, "dan", json!({"userns_idmap": 8000})).await;
    assert_eq!(
        validation_items(&clash),
        vec![(
            json!("user_create.userns_idmap"),
            "User 'cat' already maps to container UID 8000.".to_string(),
            22
        )]
    );
    let clash = create_invalid(&mut admin, "dan", json!({"userns_idmap": 7000})).await;
    assert_eq!(
        validation_items(&clash),
        vec![(
            json!("user_create.userns_idmap"),
            "User 'ben' already maps to container UID 7000.".to_string(),
            22
        )]
    );
    let clash = create_invalid(&mut admin, "dan", json!({"userns_idmap": "DIRECT", "uid": 8000})).await;
    assert_eq!(
        validation_items(&clash),
        vec![(
            json!("user_create.userns_idmap"),
            "User 'cat' already maps to container UID 8000.".to_string(),
            22
        )]
    );

    let bad = create_invalid(&mut admin, "dan", json!({"userns_idmap": 0})).await;
    assert_eq!(validation_items(&bad)[0].0, json!("user_create.userns_idmap"), "{bad}");
    let bad = create_invalid(&mut admin, "dan", json!({"userns_idmap": "INDIRECT"})).await;
    assert_eq!(validation_items(&bad)[0].0, json!("user_create.userns_idmap"), "{bad}");
}

#[tokio::test]
async fn failed_validation_changes_nothing() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let users_before = admin.ok("user.query", json!([])).await;
    let groups_before = admin.ok("group.query", json!([])).await;
    // Several problems at once are all reported, and neither the group nor the home is created.
    let err = create_invalid(
        &mut admin,
        "1bad",
        json!({"full_name": "a:b", "shell": "/bin/false", "home": server.pool().to_str().expect("utf-8"),
               "home_create": true, "home_mode": "600"}),
    )
    .await;
    let attrs: Vec<Value> = validation_items(&err).into_iter().map(|i| i.0).collect();
    for attr in [
        "user_create.username",
        "user_create.full_name",
        "user_create.shell",
        "user_create.home_mode",
    ] {
        assert!(attrs.contains(&json!(attr)), "{attr} in {attrs:?}");
    }
    assert_eq!(admin.ok("user.query", json!([])).await, users_before);
    assert_eq!(admin.ok("group.query", json!([])).await, groups_before);
    assert_eq!(std::fs::read_dir(server.pool()).expect("pool").count(), 0);
}

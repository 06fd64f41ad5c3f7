//! Table tests of params validation against the real method table.

use accountd_core::error::ValidationItem;
use serde_json::{Value, json};

use super::{ParamsValidator, reason_lines};

fn validator(method: &str) -> ParamsValidator {
    let spec = accountd_api::methods::all()
        .into_iter()
        .find(|s| s.name == method)
        .expect("method exists");
    ParamsValidator::compile(&spec).expect("schemas compile")
}

/// Validates `params` of `method` and compares the items as `[[attribute, message, errno], ...]`.
#[track_caller]
fn check(method: &str, params: Value, expected: Value) {
    let params = params.as_array().expect("params array").clone();
    let got = match validator(method).validate(&params) {
        Ok(object) => panic!("{method} {params:?} passed: {object:?}"),
        Err(items) => Value::Array(items.iter().map(|i| json!([i.attribute, i.message, i.errno])).collect()),
    };
    assert_eq!(got, expected, "{method} {params:?}");
}

/// Validates `params` of `method` and compares the object handed to deserialization.
#[track_caller]
fn check_ok(method: &str, params: Value, expected: Value) {
    let params = params.as_array().expect("params array").clone();
    match validator(method).validate(&params) {
        Ok(object) => assert_eq!(Value::Object(object), expected, "{method}"),
        Err(items) => panic!("{method} {params:?} failed: {items:?}"),
    }
}

/// A valid `user_create` object with `changes` applied (`null` removes a key).
fn user(changes: Value) -> Value {
    let mut base = json!({"username": "alice", "full_name": "Alice", "group_create": true, "password": "pw"});
    if let (Some(obj), Some(changes)) = (base.as_object_mut(), changes.as_object()) {
        for (k, v) in changes {
            if v.is_null() {
                obj.remove(k);
            } else {
                obj.insert(k.clone(), v.clone());
            }
        }
    }
    base
}

#[test]
fn every_method_compiles() {
    for spec in accountd_api::methods::all() {
        assert!(ParamsValidator::compile(&spec).is_ok(), "{}", spec.name);
    }
}

#[test]
fn user_create_field_errors() {
    let long = "a".repeat(1025);
    let table = [
        (
            user(json!({"username": null})),
            json!([["user_create.username", "Field required", 22]]),
        ),
        (
            user(json!({"nickname": "x"})),
            json!([["user_create.nickname", "Extra inputs are not permitted", 22]]),
        ),
        (
            user(json!({"uid": "3000"})),
            json!([["user_create.uid", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"uid": 3000.0})),
            json!([["user_create.uid", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"uid": true})),
            json!([["user_create.uid", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"uid": 1e10})),
            json!([["user_create.uid", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"smb": 1})),
            json!([["user_create.smb", "Input should be a valid boolean", 22]]),
        ),
        (
            user(json!({"home": 5})),
            json!([["user_create.home", "Input should be a valid string", 22]]),
        ),
        (
            user(json!({"username": long})),
            json!([["user_create.username", "String should have at most 1024 characters", 22]]),
        ),
        (
            user(json!({"full_name": ""})),
            json!([["user_create.full_name", "String should have at least 1 character", 22]]),
        ),
        (
            user(json!({"uid": 90000001})),
            json!([["user_create.uid", "Input should be less than or equal to 90000000", 22]]),
        ),
        (
            user(json!({"uid": -1})),
            json!([["user_create.uid", "Input should be greater than or equal to 0", 22]]),
        ),
        (
            user(json!({"groups": ["a"]})),
            json!([["user_create.groups.0", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"groups": [1, 2, 1.5]})),
            json!([["user_create.groups.2", "Input should be a valid integer", 22]]),
        ),
        (
            user(json!({"groups": 1})),
            json!([["user_create.groups", "Input should be a valid list", 22]]),
        ),
        (
            user(json!({"userns_idmap": "FOO"})),
            json!([["user_create.userns_idmap", "Input should be 'DIRECT'", 22]]),
        ),
        (
            user(json!({"userns_idmap": 0})),
            json!([[
                "user_create.userns_idmap",
                "Input should be greater than or equal to 1",
                22
            ]]),
        ),
        (
            json!("alice"),
            json!([[
                "user_create",
                "Input should be a valid dictionary or instance of UserCreate",
                22
            ]]),
        ),
    ];
    for (arg, expected) in table {
        check("user.create", json!([arg]), expected);
    }
}

#[test]
fn long_strings_and_nullable_unions_pass() {
    let keys = "ssh-ed25519 AAAA".repeat(100);
    for arg in [
        user(json!({"sshpubkey": keys})),
        user(json!({"userns_idmap": "DIRECT"})),
        user(json!({"userns_idmap": 5})),
        user(json!({"uid": 3000, "email": null})),
    ] {
        check_ok("user.create", json!([arg.clone()]), json!({"user_create": arg}));
    }
}

#[test]
fn several_errors_come_in_field_order_then_extras_in_input_order() {
    let arg = json!({"zzz": 1, "full_name": 5, "uid": "x", "aaa": 2, "groups": [1, "b", "c"]});
    check(
        "user.create",
        json!([arg]),
        json!([
            ["user_create.uid", "Input should be a valid integer", 22],
            ["user_create.username", "Field required", 22],
            ["user_create.full_name", "Input should be a valid string", 22],
            ["user_create.groups.1", "Input should be a valid integer", 22],
            ["user_create.groups.2", "Input should be a valid integer", 22],
            ["user_create.zzz", "Extra inputs are not permitted", 22],
            ["user_create.aaa", "Extra inputs are not permitted", 22],
        ]),
    );
}

#[test]
fn user_update_errors() {
    let table = [
        (
            json!([1, {"uid": 5}]),
            json!([["user_update.uid", "Extra inputs are not permitted", 22]]),
        ),
        (
            json!([1, {"groups": ["x"]}]),
            json!([["user_update.groups.0", "Input should be a valid integer", 22]]),
        ),
        (
            json!([1, {"password": ""}]),
            json!([["user_update.password", "String should have at least 1 character", 22]]),
        ),
        (json!(["1", {}]), json!([["id", "Input should be a valid integer", 22]])),
        (json!([1]), json!([["user_update", "Field required", 22]])),
        (
            json!([]),
            json!([["id", "Field required", 22], ["user_update", "Field required", 22]]),
        ),
        (
            json!([null, "x"]),
            json!([
                ["id", "Input should be a valid integer", 22],
                [
                    "user_update",
                    "Input should be a valid dictionary or instance of UserUpdate",
                    22
                ]
            ]),
        ),
        (
            json!([1, {}, 3]),
            json!([["", "Too many arguments (expected 2, found 3)", 22]]),
        ),
    ];
    for (params, expected) in table {
        check("user.update", params, expected);
    }
}

#[test]
fn too_many_arguments() {
    check(
        "user.create",
        json!([user(json!({})), 1]),
        json!([["", "Too many arguments (expected 1, found 2)", 22]]),
    );
    check(
        "core.ping",
        json!([1]),
        json!([["", "Too many arguments (expected 0, found 1)", 22]]),
    );
}

#[test]
fn login_ex_is_a_tagged_union() {
    let table = [
        (
            json!({"mechanism": "FOO", "username": "a", "password": "b"}),
            json!([[
                "login_data",
                "Input tag 'FOO' found using 'mechanism' does not match any of the expected tags: 'PASSWORD_PLAIN', \
                 'API_KEY_PLAIN', 'TOKEN_PLAIN', 'OTP_TOKEN', 'ONETIME_PASSWORD'",
                22
            ]]),
        ),
        (
            json!({"username": "a", "password": "b"}),
            json!([["login_data.mechanism", "Field required", 22]]),
        ),
        (
            json!({"mechanism": "PASSWORD_PLAIN", "username": "a", "passwd": "b"}),
            json!([
                ["login_data.PASSWORD_PLAIN.password", "Field required", 22],
                ["login_data.PASSWORD_PLAIN.passwd", "Extra inputs are not permitted", 22]
            ]),
        ),
        (
            json!({"mechanism": "PASSWORD_PLAIN", "username": "a", "password": "b", "login_options": {"user_info": "yes"}}),
            json!([[
                "login_data.PASSWORD_PLAIN.login_options.user_info",
                "Input should be a valid boolean",
                22
            ]]),
        ),
        (
            json!("PASSWORD_PLAIN"),
            json!([["login_data", "Input should be a valid dictionary", 22]]),
        ),
    ];
    for (login_data, expected) in table {
        check("auth.login_ex", json!([login_data]), expected);
    }
}

#[test]
fn query_options_errors() {
    let table = [
        (
            json!([[], {"limit": -1}]),
            json!([["options.limit", "Input should be greater than or equal to 0", 22]]),
        ),
        (
            json!([[], {"limits": 1}]),
            json!([["options.limits", "Extra inputs are not permitted", 22]]),
        ),
        (
            json!([[], {"select": [5]}]),
            json!([["options.select.0", "Input should be a valid string", 22]]),
        ),
        (json!(["x"]), json!([["filters", "Input should be a valid list", 22]])),
        (
            json!([[], []]),
            json!([[
                "options",
                "Input should be a valid dictionary or instance of QueryOptions",
                22
            ]]),
        ),
        (
            json!([[], {"extra": 1}]),
            json!([["options.extra", "Input should be a valid dictionary", 22]]),
        ),
    ];
    for (params, expected) in table {
        check("user.query", params, expected);
    }
}

#[test]
fn literal_unions_list_every_choice() {
    let expected = json!([["username", "Input should be 'root' or 'truenas_admin'", 22]]);
    check("user.setup_local_administrator", json!(["bob", "pw"]), expected.clone());
    check("user.setup_local_administrator", json!([5, "pw"]), expected);
    check(
        "user.setup_local_administrator",
        json!(["root", "pw", {"ec2": {}}]),
        json!([["options.ec2.instance_id", "Field required", 22]]),
    );
    check_ok(
        "user.setup_local_administrator",
        json!(["root", "pw"]),
        json!({"username": "root", "password": "pw"}),
    );
}

#[test]
fn valid_calls_return_the_given_args_by_name() {
    check_ok("user.query", json!([]), json!({}));
    check_ok(
        "user.query",
        json!([[["username", "=", "a"]], {"limit": 10, "select": ["id", ["uid", "u"]]}]),
        json!({"filters": [["username", "=", "a"]], "options": {"limit": 10, "select": ["id", ["uid", "u"]]}}),
    );
    check_ok(
        "user.update",
        json!([7, {"full_name": "B", "email": null}]),
        json!({"id": 7, "user_update": {"full_name": "B", "email": null}}),
    );
    check_ok(
        "auth.login_ex",
        json!([{"mechanism": "PASSWORD_PLAIN", "username": "a", "password": "b"}]),
        json!({"login_data": {"mechanism": "PASSWORD_PLAIN", "username": "a", "password": "b"}}),
    );
}

#[test]
fn reason_lines_render_like_truenas() {
    let items = [
        ValidationItem {
            attribute: Some("user_create.username".into()),
            message: "Field required".into(),
            errno: 22,
        },
        ValidationItem {
            attribute: Some(String::new()),
            message: "Too many arguments".into(),
            errno: 22,
        },
        ValidationItem {
            attribute: None,
            message: "User 5 does not exist".into(),
            errno: 2,
        },
    ];
    assert_eq!(
        reason_lines(&items),
        "[EINVAL] user_create.username: Field required\n[EINVAL] : Too many arguments\n\
         [ENOENT] None: User 5 does not exist\n"
    );
    assert_eq!(reason_lines(&[]), "");
}

//! query-filters and query-options end to end, on `user.query` and `group.query`.

use accountd_e2e::{Client, TestServer, validation_items};
use serde_json::{Value, json};

/// Four users besides the builtin ones and truenas_admin:
///
/// | username | uid  | full_name     | email             | smb   | aux groups                      |
/// |----------|------|---------------|-------------------|-------|---------------------------------|
/// | alice    | 3000 | Alice Liddell | alice@example.com | true  | builtin_users                   |
/// | bob      | 3001 | Bob Builder   | null              | false |                                 |
/// | Carol    | 3002 | carol singer  | carol@EXAMPLE.com | true  | builtin_users                   |
/// | dave     | 3005 | Dave          | null              | false | truenas_readonly_administrators |
///
/// Each has a primary group of its own (`group_create`), with gids 3000..=3003 in that order.
struct Dataset {
    server: TestServer,
    admin: Client,
    /// Database id of truenas_readonly_administrators.
    readonly: i64,
    /// Database id of builtin_users.
    builtin_users: i64,
    /// User ids by name.
    alice: i64,
}

async fn dataset() -> Dataset {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let gid_of = |name: &str| json!([[["name", "=", name]], {"get": true}]);
    let readonly = admin.ok("group.query", gid_of("truenas_readonly_administrators")).await["id"]
        .as_i64()
        .expect("id");
    let builtin_users = admin.ok("group.query", gid_of("builtin_users")).await["id"]
        .as_i64()
        .expect("id");
    let mut alice = 0;
    for (username, uid, full_name, email, smb, groups) in [
        (
            "alice",
            3000,
            "Alice Liddell",
            json!("alice@example.com"),
            true,
            json!([]),
        ),
        ("bob", 3001, "Bob Builder", Value::Null, false, json!([])),
        (
            "Carol",
            3002,
            "carol singer",
            json!("carol@EXAMPLE.com"),
            true,
            json!([]),
        ),
        ("dave", 3005, "Dave", Value::Null, false, json!([readonly])),
    ] {
        let u = admin
            .ok(
                "user.create",
                json!([{"username": username, "uid": uid, "full_name": full_name, "email": email, "smb": smb,
                        "groups": groups, "group_create": true, "password": "pw"}]),
            )
            .await;
        if username == "alice" {
            alice = u["id"].as_i64().expect("id");
        }
    }
    Dataset {
        server,
        admin,
        readonly,
        builtin_users,
        alice,
    }
}

/// The filters that keep only the four users of the dataset.
fn mine() -> Vec<Value> {
    vec![
        json!(["builtin", "=", false]),
        json!(["username", "!=", "truenas_admin"]),
    ]
}

impl Dataset {
    /// Usernames matching `filters` (plus [`mine`]), in uid order.
    async fn names(&mut self, filters: Value) -> Vec<String> {
        let mut all = mine();
        all.extend(filters.as_array().expect("filters list").iter().cloned());
        let r = self.admin.ok("user.query", json!([all, {"order_by": ["uid"]}])).await;
        r.as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().expect("username").to_string())
            .collect()
    }

    /// `user.query` over the dataset's users with these options.
    async fn query(&mut self, options: Value) -> Value {
        self.admin.ok("user.query", json!([mine(), options])).await
    }

    /// The error of `user.query(filters, options)`.
    async fn query_err(&mut self, filters: Value, options: Value) -> Value {
        self.admin.err("user.query", json!([filters, options])).await
    }
}

/// Compares a list of usernames.
fn assert_names(got: Vec<String>, expected: &[&str], what: &Value) {
    assert_eq!(got, expected, "filters {what}");
}

#[tokio::test]
async fn comparison_and_membership_operators() {
    let mut d = dataset().await;
    let ro = d.readonly;
    let table: Vec<(Value, Vec<&str>)> = vec![
        (json!([["username", "=", "alice"]]), vec!["alice"]),
        (json!([["username", "=", "ALICE"]]), vec![]),
        (json!([["username", "!=", "alice"]]), vec!["bob", "Carol", "dave"]),
        (json!([["uid", ">", 3001]]), vec!["Carol", "dave"]),
        (json!([["uid", ">=", 3001]]), vec!["bob", "Carol", "dave"]),
        (json!([["uid", "<", 3001]]), vec!["alice"]),
        (json!([["uid", "<=", 3001]]), vec!["alice", "bob"]),
        (json!([["uid", "=", 3001.0]]), vec!["bob"]),
        (json!([["uid", ">", 3001.5]]), vec!["Carol", "dave"]),
        (json!([["smb", "=", false]]), vec!["bob", "dave"]),
        (json!([["email", "=", null]]), vec!["bob", "dave"]),
        (json!([["email", "!=", null]]), vec!["alice", "Carol"]),
        // Null fields take part in `!=` and `in` like any value.
        (
            json!([["email", "!=", "alice@example.com"]]),
            vec!["bob", "Carol", "dave"],
        ),
        (
            json!([["email", "in", [null, "carol@EXAMPLE.com"]]]),
            vec!["bob", "Carol", "dave"],
        ),
        (json!([["full_name", "=", null]]), vec![]),
        // Equality across types is simply false.
        (json!([["uid", "=", "3000"]]), vec![]),
        (json!([["uid", "in", ["3000", 3001]]]), vec!["bob"]),
        (json!([["username", "!=", 5]]), vec!["alice", "bob", "Carol", "dave"]),
        (
            json!([["OR", [["smb", "=", true], ["email", "=", null]]]]),
            vec!["alice", "bob", "Carol", "dave"],
        ),
        (
            json!([
                ["OR", [["uid", "=", 3000], ["email", "!=", "carol@EXAMPLE.com"]]],
                ["smb", "=", true]
            ]),
            vec!["alice"],
        ),
        // Ordering comparisons of strings are by code point.
        (json!([["full_name", ">", "c"]]), vec!["Carol"]),
        (json!([["full_name", "<", "C"]]), vec!["alice", "bob"]),
        (json!([["uid", "in", [3000, 3005, 1]]]), vec!["alice", "dave"]),
        (json!([["uid", "in", []]]), vec![]),
        (json!([["uid", "nin", [3000, 3005]]]), vec!["bob", "Carol"]),
        // nin on a null field never matches.
        (json!([["email", "nin", ["alice@example.com"]]]), vec!["Carol"]),
        // rin: the field (a list or a string) contains the value.
        (json!([["groups", "rin", ro]]), vec!["dave"]),
        (json!([["groups", "rnin", ro]]), vec!["alice", "bob", "Carol"]),
        (json!([["full_name", "rin", "Build"]]), vec!["bob"]),
        (json!([["email", "rin", "example"]]), vec!["alice"]),
        (json!([["email", "rnin", "example"]]), vec!["Carol"]),
        (json!([["roles", "rin", "READONLY_ADMIN"]]), vec!["dave"]),
        (json!([["username", "^", "a"]]), vec!["alice"]),
        (json!([["username", "!^", "a"]]), vec!["bob", "Carol", "dave"]),
        (json!([["full_name", "$", "er"]]), vec!["bob", "Carol"]),
        (json!([["full_name", "!$", "er"]]), vec!["alice", "dave"]),
        // Start/end operators never match a null field, negated or not.
        (json!([["email", "^", "carol"]]), vec!["Carol"]),
        (json!([["email", "!^", "carol"]]), vec!["alice"]),
        (json!([["email", "!$", ".com"]]), vec![]),
        // Conditions are ANDed.
        (json!([["smb", "=", true], ["uid", ">", 3000]]), vec!["Carol"]),
        // A missing key never matches, whatever the operator.
        (json!([["no_such_field", "=", null]]), vec![]),
        (json!([["no_such_field", "!=", 1]]), vec![]),
        (json!([["no_such_field", "nin", [1]]]), vec![]),
    ];
    for (filters, expected) in table {
        let got = d.names(filters.clone()).await;
        assert_names(got, &expected, &filters);
    }
}

#[tokio::test]
async fn regex_operator_matches_at_the_start() {
    let mut d = dataset().await;
    let table: Vec<(Value, Vec<&str>)> = vec![
        (json!([["username", "~", "a.i"]]), vec!["alice"]),
        (json!([["username", "~", "li"]]), vec![]),
        (json!([["username", "~", ".*li"]]), vec!["alice"]),
        (json!([["username", "~", "[a-c]"]]), vec!["alice", "bob"]),
        (json!([["username", "~", "(?i)c"]]), vec!["Carol"]),
        (json!([["full_name", "~", "\\w+ \\w+er$"]]), vec!["bob", "Carol"]),
        // A null field is matched as "".
        (json!([["email", "~", "^$"]]), vec!["bob", "dave"]),
        (json!([["email", "~", ""]]), vec!["alice", "bob", "Carol", "dave"]),
    ];
    for (filters, expected) in table {
        let got = d.names(filters.clone()).await;
        assert_names(got, &expected, &filters);
    }
    // A bad pattern fails the call.
    let e = d.query_err(json!([["username", "~", "("]]), json!({})).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(e["data"]["error"], 22);
    assert_eq!(e["data"]["errname"], "EINVAL");
}

#[tokio::test]
async fn case_insensitive_prefix() {
    let mut d = dataset().await;
    let table: Vec<(Value, Vec<&str>)> = vec![
        (json!([["username", "C=", "ALICE"]]), vec!["alice"]),
        (json!([["username", "C=", "carol"]]), vec!["Carol"]),
        (json!([["username", "C!=", "carol"]]), vec!["alice", "bob", "dave"]),
        (json!([["username", "C^", "C"]]), vec!["Carol"]),
        (json!([["username", "C!^", "c"]]), vec!["alice", "bob", "dave"]),
        (json!([["email", "C$", "EXAMPLE.COM"]]), vec!["alice", "Carol"]),
        (json!([["email", "C!$", "example.com"]]), vec![]),
        (json!([["username", "Cin", ["BOB", "DAVE", "x"]]]), vec!["bob", "dave"]),
        (json!([["username", "Cnin", ["BOB"]]]), vec!["alice", "Carol", "dave"]),
        (json!([["full_name", "Crin", "BUILD"]]), vec!["bob"]),
        (json!([["full_name", "Crnin", "BUILD"]]), vec!["alice", "Carol", "dave"]),
        // Casefolded ordering: "carol singer" and "dave" sort after "c".
        (json!([["full_name", "C>", "C"]]), vec!["Carol", "dave"]),
        (json!([["full_name", "C<=", "BOB BUILDER"]]), vec!["alice", "bob"]),
    ];
    for (filters, expected) in table {
        let got = d.names(filters.clone()).await;
        assert_names(got, &expected, &filters);
    }
}

#[tokio::test]
async fn or_groups_and_their_limits() {
    let mut d = dataset().await;
    let table: Vec<(Value, Vec<&str>)> = vec![
        // The spec's example shape: a condition or an ANDed list of conditions per branch.
        (
            json!([[
                "OR",
                [["username", "=", "alice"], [["smb", "=", false], ["uid", ">", 3001]]]
            ]]),
            vec!["alice", "dave"],
        ),
        (
            json!([
                ["smb", "=", true],
                ["OR", [["username", "=", "alice"], ["username", "=", "bob"]]]
            ]),
            vec!["alice"],
        ),
        (json!([["OR", [["username", "=", "nobody-here"]]]]), vec![]),
        // Nested ORs, up to three levels deep.
        (
            json!([[
                "OR",
                [
                    ["OR", [["OR", [["username", "=", "bob"], ["uid", "=", 3005]]]]],
                    ["email", "C^", "ALICE"]
                ]
            ]]),
            vec!["alice", "bob", "dave"],
        ),
    ];
    for (filters, expected) in table {
        let got = d.names(filters.clone()).await;
        assert_names(got, &expected, &filters);
    }

    let too_deep = json!([["OR", [["OR", [["OR", [["OR", [["uid", "=", 3000]]]]]]]]]]);
    let e = d.query_err(too_deep, json!({})).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["filters", "Value error, query-filters max recursion depth exceeded", 22]])
    );
    let e = d.query_err(json!([["OR", []]]), json!({})).await;
    let items = validation_items(&e);
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].0, "filters");
    assert!(items[0].1.starts_with("Value error, "), "{items:?}");
    for (filters, op) in [
        (json!([["username", "="]]), "username"),
        (json!([["AND", [["uid", "=", 1]]]]), "AND"),
        (json!([["username", "==", "x"]]), "=="),
    ] {
        let e = d.query_err(filters.clone(), json!({})).await;
        assert_eq!(
            e["data"]["extra"],
            json!([["filters", format!("Value error, Invalid operation: {op}"), 22]]),
            "{filters}"
        );
    }
    // `C` applies to every operator except the regex one.
    let e = d.query_err(json!([["username", "C~", "x"]]), json!({})).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["filters", "Value error, Invalid case-insensitive operation: C~", 22]])
    );
    let e = d.query_err(json!(["username"]), json!({})).await;
    assert_eq!(e["code"], -32602, "{e}");
    assert_eq!(e["data"]["extra"][0][0], "filters.0");
    let e = d.query_err(json!("username"), json!({})).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["filters", "Input should be a valid list", 22]])
    );
}

#[tokio::test]
async fn dotted_paths() {
    let mut d = dataset().await;
    let ro = d.readonly;
    let table: Vec<(Value, Vec<&str>)> = vec![
        (json!([["group.bsdgrp_gid", "=", 3001]]), vec!["bob"]),
        (json!([["group.bsdgrp_gid", ">=", 3002]]), vec!["Carol", "dave"]),
        (json!([["group.bsdgrp_group", "C^", "CAR"]]), vec!["Carol"]),
        (
            json!([["group.bsdgrp_builtin", "=", false]]),
            vec!["alice", "bob", "Carol", "dave"],
        ),
        // A numeric segment indexes a list.
        (json!([["groups.0", "=", ro]]), vec!["dave"]),
        (json!([["groups.5", "=", ro]]), vec![]),
        // `*` matches any element.
        (json!([["roles.*", "=", "READONLY_ADMIN"]]), vec!["dave"]),
        // `\.` is a literal dot in a key: there is no key "group.bsdgrp_gid".
        (json!([["group\\.bsdgrp_gid", "=", 3001]]), vec![]),
    ];
    for (filters, expected) in table {
        let got = d.names(filters.clone()).await;
        assert_names(got, &expected, &filters);
    }
    // Datetimes compare against ISO-8601 strings through `.$date`.
    let got = d
        .names(json!([["last_password_change.$date", ">", "2020-01-01T00:00:00"]]))
        .await;
    assert_eq!(got, ["alice", "bob", "Carol", "dave"]);
    let got = d
        .names(json!([["last_password_change.$date", "<", "2020-01-01T00:00:00"]]))
        .await;
    assert!(got.is_empty(), "{got:?}");
}

#[tokio::test]
async fn select_with_renames() {
    let mut d = dataset().await;
    let r = d
        .query(
            json!({"select": [["username", "login"], "uid", "group.bsdgrp_gid", "no_such_field"],
                      "order_by": ["uid"]}),
        )
        .await;
    assert_eq!(
        r,
        json!([
            {"login": "alice", "uid": 3000, "group": {"bsdgrp_gid": 3000}},
            {"login": "bob", "uid": 3001, "group": {"bsdgrp_gid": 3001}},
            {"login": "Carol", "uid": 3002, "group": {"bsdgrp_gid": 3002}},
            {"login": "dave", "uid": 3005, "group": {"bsdgrp_gid": 3003}}
        ])
    );
    // A renamed dotted path lands at the top level; order_by sees the selected (renamed) keys.
    let r = d
        .query(
            json!({"select": [["group.bsdgrp_gid", "gid"], ["username", "name"]], "order_by": ["-gid"],
                      "limit": 2}),
        )
        .await;
    assert_eq!(
        r,
        json!([{"gid": 3003, "name": "dave"}, {"gid": 3002, "name": "Carol"}])
    );
    // get_instance honours select too.
    let alice = d.alice;
    let r = d
        .admin
        .ok("user.get_instance", json!([alice, {"select": ["username", "email"]}]))
        .await;
    assert_eq!(r, json!({"username": "alice", "email": "alice@example.com"}));

    // Bad select entries.
    let e = d.query_err(json!([]), json!({"select": [["username"]]})).await;
    assert_eq!(
        e["data"]["extra"],
        json!([[
            "options",
            "Value error, ['username']: A select as list may only contain two parameters: the name of the parameter being selected, and the name to which to assign it in resulting data.",
            22
        ]])
    );
    let e = d.query_err(json!([]), json!({"select": [["username", 1]]})).await;
    assert_eq!(
        e["data"]["extra"],
        json!([[
            "options",
            "Value error, ['username', 1]: second item must be a string.",
            22
        ]])
    );
}

#[tokio::test]
async fn order_by() {
    let mut d = dataset().await;
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().expect("username").to_string())
            .collect()
    };
    let table: Vec<(Value, Vec<&str>)> = vec![
        (json!(["uid"]), vec!["alice", "bob", "Carol", "dave"]),
        (json!(["-uid"]), vec!["dave", "Carol", "bob", "alice"]),
        // Strings sort by code point: upper case first.
        (json!(["username"]), vec!["Carol", "alice", "bob", "dave"]),
        // Null placement; nulls keep their relative (id) order.
        (json!(["nulls_first:email"]), vec!["bob", "dave", "alice", "Carol"]),
        (json!(["nulls_last:email"]), vec!["alice", "Carol", "bob", "dave"]),
        (json!(["nulls_first:-email"]), vec!["bob", "dave", "Carol", "alice"]),
        (json!(["nulls_last:-email"]), vec!["Carol", "alice", "bob", "dave"]),
        // One stable sort per key in list order: the last key dominates.
        (json!(["uid", "smb"]), vec!["bob", "dave", "alice", "Carol"]),
        (json!(["-uid", "smb"]), vec!["dave", "bob", "Carol", "alice"]),
        (json!(["smb", "-uid"]), vec!["dave", "Carol", "bob", "alice"]),
        (json!(["group.bsdgrp_gid"]), vec!["alice", "bob", "Carol", "dave"]),
    ];
    for (order_by, expected) in table {
        let r = d.query(json!({"order_by": order_by})).await;
        assert_eq!(names(r), expected, "order_by {order_by}");
    }
    // Nulls without a placement prefix cannot be sorted.
    let e = d.query_err(json!(mine()), json!({"order_by": ["email"]})).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(e["data"]["error"], 22);
    assert_eq!(
        e["data"]["reason"],
        "Cannot sort by 'email' because the field contains null values. Please use \"nulls_first:email\" or \
         \"nulls_last:email\" to specify null placement."
    );
    // Neither can values of different types.
    let e = d.query_err(json!([["uid", ">", "3000"]]), json!({})).await;
    assert_eq!(e["code"], -32001);
    assert_eq!(
        e["data"]["reason"],
        "'>' not supported between instances of 'int' and 'str'"
    );
}

#[tokio::test]
async fn offset_limit_count_get() {
    let mut d = dataset().await;
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|u| u["username"].as_str().expect("username").to_string())
            .collect()
    };
    let r = d.query(json!({"order_by": ["uid"], "offset": 1, "limit": 2})).await;
    assert_eq!(names(&r), ["bob", "Carol"]);
    let r = d.query(json!({"order_by": ["uid"], "offset": 3})).await;
    assert_eq!(names(&r), ["dave"]);
    let r = d.query(json!({"order_by": ["uid"], "offset": 10})).await;
    assert_eq!(r, json!([]));
    let r = d.query(json!({"order_by": ["-uid"], "limit": 1})).await;
    assert_eq!(names(&r), ["dave"]);
    let r = d.query(json!({"limit": 0})).await;
    assert_eq!(names(&r).len(), 4);

    // count: the number of matches, before offset and limit.
    assert_eq!(d.query(json!({"count": true})).await, 4);
    assert_eq!(d.query(json!({"count": true, "limit": 1, "offset": 3})).await, 4);
    assert_eq!(
        d.admin
            .ok("user.query", json!([[["uid", "=", 12]], {"count": true}]))
            .await,
        0
    );

    // get: the first match (after ordering) as an object.
    let r = d.query(json!({"get": true, "order_by": ["-uid"]})).await;
    assert_eq!(r["username"], "dave");
    assert!(r.is_object());
    let r = d
        .query(json!({"get": true, "order_by": ["uid"], "select": ["username", "uid"]}))
        .await;
    assert_eq!(r, json!({"username": "alice", "uid": 3000}));
    let r = d.query(json!({"get": true, "limit": 1})).await;
    assert_eq!(r["username"], "alice");

    // get without a match.
    let e = d
        .query_err(json!([["username", "=", "nobody-here"]]), json!({"get": true}))
        .await;
    assert_eq!(
        e,
        json!({"code": -32001, "message": "Method call error", "data": {
            "error": 22, "errname": "EINVAL", "reason": "MatchNotFound()", "trace": null, "extra": null}})
    );
    // get with more than one result asked for.
    for options in [json!({"get": true, "limit": 2}), json!({"get": true, "offset": 1})] {
        let e = d.query_err(json!([]), options.clone()).await;
        assert_eq!(
            e["data"]["extra"],
            json!([[
                "options",
                "Value error, Invalid options combination. `get` implies a single result.",
                22
            ]]),
            "{options}"
        );
    }
}

#[tokio::test]
async fn invalid_options_name_the_attribute() {
    let mut d = dataset().await;
    let table = [
        (
            json!({"limit": 10001}),
            json!([["options", "Value error, Options limit must be between 1 and 10000", 22]]),
        ),
        (
            json!({"limit": -1}),
            json!([["options.limit", "Input should be greater than or equal to 0", 22]]),
        ),
        (
            json!({"limit": "5"}),
            json!([["options.limit", "Input should be a valid integer", 22]]),
        ),
        (
            json!({"offset": 1.5}),
            json!([["options.offset", "Input should be a valid integer", 22]]),
        ),
        (
            json!({"count": 1}),
            json!([["options.count", "Input should be a valid boolean", 22]]),
        ),
        (
            json!({"get": "true"}),
            json!([["options.get", "Input should be a valid boolean", 22]]),
        ),
        (
            json!({"order_by": "uid"}),
            json!([["options.order_by", "Input should be a valid list", 22]]),
        ),
        (
            json!({"foo": 1}),
            json!([["options.foo", "Extra inputs are not permitted", 22]]),
        ),
        (
            json!({"relationships": true}),
            json!([["options.relationships", "Extra inputs are not permitted", 22]]),
        ),
    ];
    for (options, expected) in table {
        let e = d.query_err(json!([]), options.clone()).await;
        assert_eq!(e["code"], -32602, "{options}");
        assert_eq!(e["data"]["extra"], expected, "{options}");
    }
    // The largest limit and the legacy extra options are accepted.
    let r = d
        .query(json!({"limit": 10000, "select": ["uid"], "order_by": ["uid"]}))
        .await;
    assert_eq!(r, json!([{"uid": 3000}, {"uid": 3001}, {"uid": 3002}, {"uid": 3005}]));
    let r = d
        .query(json!({"extra": {"additional_information": ["SMB", "DS"]}, "count": true, "force_sql_filters": true}))
        .await;
    assert_eq!(r, 4);
}

#[tokio::test]
async fn group_query_uses_the_same_language() {
    let mut d = dataset().await;
    let alice = d.alice;
    let bu = d.builtin_users;
    let q = |filters: Value, options: Value| json!([filters, options]);
    let names = |v: Value| -> Vec<String> {
        v.as_array()
            .expect("list")
            .iter()
            .map(|g| g["name"].as_str().expect("name").to_string())
            .collect()
    };
    let table: Vec<(Value, Value, Vec<&str>)> = vec![
        (
            json!([["name", "C^", "TRUENAS"]]),
            json!({"order_by": ["name"]}),
            vec![
                "truenas_admin",
                "truenas_readonly_administrators",
                "truenas_sharing_administrators",
                "truenas_webshare",
            ],
        ),
        (
            json!([["users", "rin", alice]]),
            json!({"order_by": ["gid"]}),
            vec!["builtin_users", "alice"],
        ),
        (
            json!([["roles", "rin", "FULL_ADMIN"]]),
            json!({}),
            vec!["builtin_administrators"],
        ),
        (
            json!([["gid", "in", [544, 545]]]),
            json!({"order_by": ["-gid"]}),
            vec!["builtin_users", "builtin_administrators"],
        ),
        (
            json!([["OR", [["gid", "<", 1], ["gid", ">", 60000]]]]),
            json!({"order_by": ["gid"]}),
            vec!["root", "nogroup"],
        ),
        (
            json!([["builtin", "=", false], ["smb", "=", false]]),
            json!({"order_by": ["gid"]}),
            vec!["truenas_admin", "alice", "bob", "Carol", "dave"],
        ),
        (json!([["id", "=", bu]]), json!({}), vec!["builtin_users"]),
        (
            json!([["group", "~", "builtin_"]]),
            json!({"order_by": ["-name"], "offset": 1}),
            vec!["builtin_guests", "builtin_administrators"],
        ),
    ];
    for (filters, options, expected) in table {
        let r = d.admin.ok("group.query", q(filters.clone(), options.clone())).await;
        assert_eq!(names(r), expected, "{filters} {options}");
    }
    assert_eq!(
        d.admin
            .ok(
                "group.query",
                q(json!([["builtin", "=", true]]), json!({"count": true}))
            )
            .await,
        91
    );
    let r = d
        .admin
        .ok(
            "group.query",
            q(
                json!([]),
                json!({"select": ["name", ["gid", "id_number"]], "order_by": ["-id_number"], "limit": 2}),
            ),
        )
        .await;
    assert_eq!(
        r,
        json!([{"name": "nogroup", "id_number": 65534}, {"name": "dave", "id_number": 3003}])
    );
    let e = d
        .admin
        .err("group.query", q(json!([["name", "=", "x"]]), json!({"get": true})))
        .await;
    assert_eq!(e["data"]["reason"], "MatchNotFound()");
    let e = d.admin.err("group.query", q(json!([]), json!({"limit": 10001}))).await;
    assert_eq!(
        e["data"]["extra"],
        json!([["options", "Value error, Options limit must be between 1 and 10000", 22]])
    );
    let _ = &d.server;
}

#[tokio::test]
async fn a_name_filter_over_2000_users_returns_one() {
    let server = TestServer::start().await;
    let mut admin = server.admin().await;
    let staff = admin.ok("group.create", json!([{"name": "crew", "smb": false}])).await;
    // Pipelined creates: up to 16 calls in flight on the connection.
    const USERS: i64 = 2000;
    let request = |i: i64| {
        json!({"jsonrpc": "2.0", "id": 100000 + i, "method": "user.create", "params": [{
            "username": format!("user{i:04}"), "uid": 10000 + i, "full_name": format!("User {i}"),
            "group": staff, "smb": false, "password_disabled": true}]})
        .to_string()
    };
    let mut sent = 0;
    let mut received = 0;
    while received < USERS {
        while sent < USERS && sent - received < 16 {
            admin.send_text(&request(sent)).await;
            sent += 1;
        }
        let r = admin.recv_json().await;
        assert!(r.get("result").is_some(), "{r}");
        received += 1;
    }

    for filters in [
        json!([["username", "=", "user1234"]]),
        json!([["username", "C=", "USER1234"]]),
        json!([["uid", "=", 11234]]),
        json!([["username", "in", ["user1234", "nope"]]]),
        json!([["OR", [["username", "=", "user1234"], ["username", "=", "nope"]]]]),
        json!([["full_name", "=", "User 1234"]]),
    ] {
        let r = admin.ok("user.query", json!([filters.clone()])).await;
        let list = r.as_array().expect("list");
        assert_eq!(list.len(), 1, "{filters}");
        assert_eq!(list[0]["username"], "user1234", "{filters}");
        assert_eq!(list[0]["uid"], 11234, "{filters}");
        assert_eq!(list[0]["group"]["bsdgrp_group"], "crew", "{filters}");
    }
    assert_eq!(
        admin
            .ok("user.query", json!([[["username", "^", "user1"]], {"count": true}]))
            .await,
        1000
    );
    assert_eq!(
        admin
            .ok(
                "user.query",
                json!([[["uid", ">=", 10000], ["uid", "<", 20000]], {"count": true}])
            )
            .await,
        USERS
    );
    let r = admin
        .ok(
            "user.query",
            json!([[["uid", ">=", 10000], ["uid", "<", 20000]],
                   {"order_by": ["-uid"], "offset": 5, "limit": 2, "select": ["username", "uid"]}]),
        )
        .await;
    assert_eq!(
        r,
        json!([{"username": "user1994", "uid": 11994}, {"username": "user1993", "uid": 11993}])
    );
    assert_eq!(
        admin.ok("group.get_instance", json!([staff])).await["users"]
            .as_array()
            .expect("list")
            .len(),
        USERS as usize
    );
}

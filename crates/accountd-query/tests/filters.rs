//! query-filters over the fixed dataset: every operator, C prefix, paths, dates, OR nesting and the errors.

mod common;

use common::{check, check_err, failed, invalid_filters};
use serde_json::{Value, json};

fn run(table: Vec<(Value, &[i64])>) {
    for (filters, expected) in table {
        check(filters, expected);
    }
}

#[test]
fn equality() {
    run(vec![
        (json!([]), &[1, 2, 3, 4, 5, 6]),
        (json!([["username", "=", "alice"]]), &[2]),
        (json!([["uid", "=", 3000.0]]), &[2]),
        (json!([["score", "=", 3]]), &[2, 4]),
        (json!([["builtin", "=", true]]), &[1, 5]),
        (json!([["builtin", "=", 1]]), &[]),
        (json!([["email", "=", null]]), &[1, 3, 5]),
        (json!([["last_password_change", "=", null]]), &[3]),
        (json!([["score", "=", null]]), &[6]),
        (json!([["missing", "=", null]]), &[]),
        (json!([["groups", "=", [40, 41]]]), &[2]),
        (
            json!([["group", "=", {"bsdgrp_group": "wheel", "id": 1, "bsdgrp_gid": 0}]]),
            &[1],
        ),
        (json!([["username", "!=", "alice"]]), &[1, 3, 4, 5, 6]),
        (json!([["email", "!=", null]]), &[2, 4, 6]),
        (json!([["score", "!=", 3]]), &[1, 3, 6]),
        (json!([["missing", "!=", 1]]), &[]),
    ]);
}

#[test]
fn ordering() {
    run(vec![
        (json!([["uid", ">", 3000]]), &[3, 4, 5, 6]),
        (json!([["uid", ">=", 3000]]), &[2, 3, 4, 5, 6]),
        (json!([["uid", "<", 3000]]), &[1]),
        (json!([["uid", "<=", 3000.5]]), &[1, 2]),
        (json!([["username", ">", "b"]]), &[1, 4, 5, 6]),
        (json!([["groups", "<", [41]]]), &[1, 2, 3, 5]),
        (json!([["builtin", "<", true]]), &[2, 3, 4, 6]),
        // a condition never reached never raises
        (json!([["uid", "=", -1], ["username", ">", 1]]), &[]),
    ]);
    let table = [
        (
            json!([["score", ">", 2]]),
            "'>' not supported between instances of 'NoneType' and 'int'",
        ),
        (
            json!([["username", ">", 1]]),
            "'>' not supported between instances of 'str' and 'int'",
        ),
        (
            json!([["builtin", "<", 2]]),
            "'<' not supported between instances of 'bool' and 'int'",
        ),
        (
            json!([["groups", ">=", ["x"]]]),
            "'>=' not supported between instances of 'int' and 'str'",
        ),
        (
            json!([["group", "<", {}]]),
            "'<' not supported between instances of 'dict' and 'dict'",
        ),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
}

#[test]
fn regex() {
    run(vec![
        (json!([["username", "~", "a"]]), &[2]),
        (json!([["username", "~", ".*o"]]), &[1, 3, 4, 5]),
        (json!([["full_name", "~", "^$"]]), &[4, 6]),
        (json!([["full_name", "~", ""]]), &[1, 2, 3, 4, 5, 6]),
        (json!([["email", "~", "(?i).*EXAMPLE"]]), &[2, 4, 6]),
        (json!([["username", "~", "b|a"]]), &[2]),
        (json!([["username", "~", "[a-c][a-z]+$"]]), &[2, 4]),
    ]);
    let table = [
        (
            json!([["uid", "~", "3"]]),
            "expected string or bytes-like object, got 'int'",
        ),
        (
            json!([["username", "~", 5]]),
            "first argument must be string or compiled pattern",
        ),
        (
            json!([["username", "~", "(unclosed"]]),
            "Invalid regular expression '(unclosed': unclosed group",
        ),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
    // A pattern whose compiled form is huge fails cleanly instead of exhausting memory.
    let hostile = common::query(&json!([["username", "~", "((a{100}){100}){100}"]]), &json!({}));
    assert!(
        matches!(&hostile, Err(accountd_query::QueryError::Failed(m)) if m.contains("size limit")),
        "{hostile:?}"
    );
    check_err(
        json!([["username", "C~", "x"]]),
        invalid_filters("Invalid case-insensitive operation: C~"),
    );
}

#[test]
fn membership() {
    run(vec![
        (json!([["uid", "in", [0, 3001, "x"]]]), &[1, 3]),
        (json!([["uid", "in", []]]), &[]),
        (json!([["username", "in", "xalicex"]]), &[2]),
        (json!([["email", "in", [null, "alice@example.com"]]]), &[1, 2, 3, 5]),
        (json!([["username", "in", {"root": 1}]]), &[1]),
        (json!([["email", "nin", ["alice@example.com"]]]), &[4, 6]),
        (json!([["uid", "nin", [0, 3000]]]), &[3, 4, 5, 6]),
        (json!([["groups", "rin", 41]]), &[2, 4, 6]),
        (json!([["roles", "rin", "FULL_ADMIN"]]), &[1]),
        (json!([["email", "rin", "example"]]), &[2, 6]),
        (json!([["group", "rin", "bsdgrp_gid"]]), &[1, 2, 3, 5, 6]),
        (json!([["groups", "rnin", 41]]), &[1, 3, 5]),
        (json!([["email", "rnin", "example"]]), &[4]),
    ]);
    let table = [
        (json!([["uid", "in", 5]]), "argument of type 'int' is not iterable"),
        (
            json!([["uid", "in", "abc"]]),
            "'in <string>' requires string as left operand, not int",
        ),
        (json!([["uid", "rin", 1]]), "argument of type 'int' is not iterable"),
        (json!([["groups", "in", {"a": 1}]]), "unhashable type: 'list'"),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
}

#[test]
fn affixes() {
    run(vec![
        (json!([["home", "^", "/mnt/"]]), &[2, 3, 6]),
        (json!([["home", "!^", "/mnt/"]]), &[1, 4, 5]),
        (json!([["email", "^", "carol"]]), &[4]),
        (json!([["email", "!^", "carol"]]), &[2, 6]),
        (json!([["home", "$", "empty"]]), &[4, 5]),
        (json!([["home", "!$", "empty"]]), &[1, 2, 3, 6]),
        (json!([["full_name", "$", ""]]), &[1, 2, 3, 4, 5]),
        (json!([["full_name", "!^", ""]]), &[]),
    ]);
    let table = [
        (json!([["uid", "^", "3"]]), "'int' object has no attribute 'startswith'"),
        (
            json!([["groups", "!$", "3"]]),
            "'list' object has no attribute 'endswith'",
        ),
        (
            json!([["username", "^", ["a"]]]),
            "startswith first arg must be str or a tuple of str, not list",
        ),
        (
            json!([["username", "$", null]]),
            "endswith first arg must be str or a tuple of str, not NoneType",
        ),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
}

#[test]
fn case_insensitive() {
    run(vec![
        (json!([["username", "C=", "BOB"]]), &[3]),
        (json!([["full_name", "C=", "BOB STRASSE"]]), &[3]),
        (json!([["username", "C!=", "BOB"]]), &[1, 2, 4, 5, 6]),
        (json!([["username", "C^", "ALI"]]), &[2]),
        (json!([["username", "C!^", "ALI"]]), &[1, 3, 4, 5, 6]),
        (json!([["email", "C$", "@example.com"]]), &[2, 4, 6]),
        (json!([["email", "C!$", "@EXAMPLE.COM"]]), &[]),
        (json!([["username", "Cin", ["ROOT", "BOB"]]]), &[1, 3]),
        (json!([["username", "Cnin", ["ROOT", "BOB"]]]), &[2, 4, 5, 6]),
        (json!([["roles", "Crin", "full_admin"]]), &[1]),
        (json!([["roles", "Crnin", "full_admin"]]), &[2, 3, 4, 5, 6]),
        (json!([["local_groups.*.name", "C=", "STAFF"]]), &[2, 4, 6]),
        (json!([["username", "C>", "BOB"]]), &[1, 4, 5, 6]),
        (json!([["username", "C<=", "BOB"]]), &[2, 3]),
        (json!([["email", "C=", null]]), &[1, 3, 5]),
    ]);
    let table = [
        (
            json!([["uid", "C=", "0"]]),
            "<class 'int'>: support for casefolding object type not implemented.",
        ),
        (
            json!([["groups", "C=", "x"]]),
            "'int' object has no attribute 'casefold'",
        ),
        (
            json!([["username", "C=", 5]]),
            "<class 'int'>: support for casefolding object type not implemented.",
        ),
        (
            json!([["group", "Cin", "x"]]),
            "<class 'dict'>: support for casefolding object type not implemented.",
        ),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
}

#[test]
fn paths() {
    run(vec![
        (json!([["group.bsdgrp_gid", "=", 3000]]), &[2]),
        // a scalar (here null) met before the path ends ignores the rest, as TrueNAS's get_impl does
        (json!([["group.bsdgrp_gid", "=", null]]), &[4]),
        (json!([["username.x", "=", "root"]]), &[1]),
        (json!([["username.", "=", "root"]]), &[1]),
        (json!([["group.missing", "=", null]]), &[4]),
        (json!([["local_groups.*.gid", "=", 41]]), &[2, 4, 6]),
        (json!([["local_groups.0.name", "=", "Staff"]]), &[6]),
        (json!([["local_groups.1.name", "=", "Staff"]]), &[2]),
        // an index past the end gives null, not "missing"
        (json!([["local_groups.5", "=", null]]), &[1, 2, 3, 4, 5, 6]),
        (
            json!([["local_groups.99999999999999999999999", "=", null]]),
            &[1, 2, 3, 4, 5, 6],
        ),
        (json!([["groups.*", "=", 42]]), &[6]),
        (json!([["groups.*", "in", [40]]]), &[1, 2]),
        (json!([["groups.*", "!=", 40]]), &[2, 4, 6]),
        (json!([["groups.*.x", "=", 41]]), &[2, 4, 6]),
        (json!([["local_groups.*", "=", {"name": "wheel", "gid": 0}]]), &[1]),
        (json!([[r"a\.b", "=", "dotted"]]), &[1]),
        (json!([["a.b", "=", "nested"]]), &[1]),
        (json!([["a.b", "=", "dotted"]]), &[]),
    ]);
    let table = [
        (
            json!([["local_groups.name", "=", "x"]]),
            "name: must be array index or wildcard character",
        ),
        (json!([[".username", "=", "x"]]), "string index out of range"),
        (json!([["group..id", "=", 1]]), "string index out of range"),
        (
            json!([["groups.-1", "=", 1]]),
            "-1: must be array index or wildcard character",
        ),
    ];
    for (filters, msg) in table {
        check_err(filters, failed(msg));
    }
    // The malformed tail is only reached through a non-empty list (entry 3 has none).
    check_err(
        json!([["groups.*..x", "=", 1], ["id", "=", 3]]),
        failed("string index out of range"),
    );
    check(json!([["id", "=", 3], ["groups.*..x", "=", 1]]), &[]);
}

#[test]
fn dates() {
    let set = json!(["last_password_change", "!=", null]);
    run(vec![
        (
            json!([set, ["last_password_change.$date", ">", "2024-01-01"]]),
            &[2, 4, 6],
        ),
        (
            json!([["last_password_change.$date", "=", "2024-03-09T16:00:00Z"]]),
            &[2, 6],
        ),
        (
            json!([["last_password_change.$date", "=", "2024-03-09T18:00:00+02:00"]]),
            &[2, 6],
        ),
        (json!([["last_password_change.$date", "=", "20240309T160000"]]), &[2, 6]),
        (
            json!([["last_password_change.$date", "!=", "2024-03-09 16:00:00"]]),
            &[1, 3, 4],
        ),
        (
            json!([set, ["last_password_change.$date", "<=", "2023-11-14T22:13:20.000"]]),
            &[1],
        ),
        (
            json!([set, ["last_password_change.$date", "<", "2023-11-14T22:13:20.000001"]]),
            &[1],
        ),
        // a datetime value in wire form compares the same way without `.$date`
        (
            json!([set, ["last_password_change", ">", {"$date": 1_705_000_000_000_i64}]]),
            &[2, 4, 6],
        ),
        (json!([["last_password_change", "=", "2024-03-09T16:00:00Z"]]), &[]),
    ]);
    check_err(
        json!([["last_password_change.$date", ">", "2024-01-01"]]),
        failed("'>' not supported between instances of 'NoneType' and 'datetime.datetime'"),
    );
    check_err(
        json!([["last_password_change.$date", "C=", "2024-01-01"]]),
        failed("<class 'datetime.datetime'>: support for casefolding object type not implemented."),
    );
    check_err(
        json!([["last_password_change.$date", "in", "2024-01-01"]]),
        invalid_filters("in: invalid timestamp operation."),
    );
    check_err(
        json!([["last_password_change.$date", "C^", "2024"]]),
        invalid_filters("^: invalid timestamp operation."),
    );
    check_err(
        json!([["last_password_change.$date", ">", "yesterday"]]),
        invalid_filters("yesterday: must be an ISO-8601 formatted timestamp string"),
    );
    check_err(
        json!([["last_password_change.$date", ">", 5]]),
        invalid_filters("5: must be an ISO-8601 formatted timestamp string"),
    );
    check_err(
        json!([["username", "=", "x.$date"]]),
        invalid_filters("username: must be an ISO-8601 formatted timestamp string"),
    );
    // TrueNAS turns the field name itself into a datetime there, then fails to walk it.
    check_err(
        json!([["2024-01-01", "=", "x.$date"]]),
        failed("'datetime.datetime' object has no attribute 'partition'"),
    );

    let parsed = accountd_query::parse_filters(&json!([["last_password_change.$date", ">", "2024-01-01"]]));
    let Ok(parsed) = parsed else { panic!("{parsed:?}") };
    assert!(matches!(
        &parsed[0],
        accountd_query::Filter::Cond { date: true, value, .. } if value == &json!({"$date": 1_704_067_200_000_i64})
    ));
}

#[test]
fn or_groups() {
    run(vec![
        (
            json!([[
                "OR",
                [["builtin", "=", false], [["locked", "=", false], ["smb", "=", true]]]
            ]]),
            &[2, 3, 4, 6],
        ),
        (json!([["OR", [["uid", "=", 0], ["uid", "=", 65534]]]]), &[1, 5]),
        (
            json!([
                ["OR", [["uid", "=", 0]]],
                ["OR", [["username", "=", "root"], ["username", "=", "x"]]]
            ]),
            &[1],
        ),
        (
            json!([[
                "OR",
                [[["uid", ">", 0], ["uid", "<", 3002]], ["username", "=", "nobody"]]
            ]]),
            &[2, 3, 5],
        ),
        // nesting up to three ORs deep is accepted
        (json!([["OR", [["OR", [["OR", [["uid", "=", 0]]]]]]]]), &[1]),
        (
            json!([["OR", [[["OR", [[["OR", [["uid", "=", 0], ["uid", "=", 3000]]]]]]]]]]),
            &[1, 2],
        ),
        // OR short-circuits: the failing branch is never reached for root
        (
            json!([["uid", "=", 0], ["OR", [["uid", "=", 0], ["username", ">", 1]]]]),
            &[1],
        ),
    ]);
    check_err(
        json!([["OR", [["OR", [["OR", [["OR", [["uid", "=", 0]]]]]]]]]]),
        invalid_filters("query-filters max recursion depth exceeded"),
    );
    check_err(
        json!([["OR", []]]),
        invalid_filters("OR filter requires at least one branch."),
    );
    check_err(
        json!([["OR", null]]),
        invalid_filters("OR filter requires at least one branch."),
    );
    check_err(json!([["OR", 5]]), failed("'int' object is not iterable"));
    check_err(json!([["OR", [[]]]]), failed("list index out of range"));
    check_err(
        json!([["OR", [["uid", "==", 0]]]]),
        invalid_filters("Invalid operation: =="),
    );
}

#[test]
fn malformed() {
    let table = [
        (
            json!([["AND", [["uid", "=", 0]]]]),
            invalid_filters("Invalid operation: AND"),
        ),
        (json!([["uid", "="]]), invalid_filters("Invalid operation: uid")),
        (
            json!([["uid", "=", 0, 1]]),
            invalid_filters("Invalid filter ['uid', '=', 0, 1]"),
        ),
        (json!([[]]), invalid_filters("Invalid filter []")),
        (json!([["uid", "==", 0]]), invalid_filters("Invalid operation: ==")),
        (json!([["uid", "Cfoo", 0]]), invalid_filters("Invalid operation: Cfoo")),
        (json!([["uid", "C", 0]]), invalid_filters("Invalid operation: C")),
        (
            json!([["OR", [["uid", "=", 0]]], "x"]),
            invalid_filters("Invalid filter x"),
        ),
        (json!([["uid", 5, 0]]), failed("'int' object is not subscriptable")),
        (
            json!([["uid", null, 0]]),
            failed("'NoneType' object is not subscriptable"),
        ),
        (json!([["uid", "", 0]]), failed("string index out of range")),
        (json!([["uid", ["="], 0]]), failed("unhashable type: 'list'")),
        (json!([5]), failed("object of type 'int' has no len()")),
        (json!([null]), failed("object of type 'NoneType' has no len()")),
        (json!([{"a": 1, "b": 2, "c": 3}]), failed("1")),
        (
            json!([5, ["uid", "==", 0]]),
            failed("object of type 'int' has no len()"),
        ),
        (
            json!("uid"),
            accountd_query::QueryError::Invalid {
                attribute: "filters".into(),
                message: "Input should be a valid list".into(),
            },
        ),
    ];
    for (filters, expected) in table {
        check_err(filters, expected);
    }
    // Python treats a 3-character string as a 3-element condition.
    check(json!(["a=b"]), &[]);
    // A non-string field name: falsy names address the whole entry, others fail when evaluated.
    check(json!([[null, "rin", "username"]]), &[1, 2, 3, 4, 5, 6]);
    check_err(
        json!([[5, "=", 1]]),
        failed("'int' object has no attribute 'partition'"),
    );
}

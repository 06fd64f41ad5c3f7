//! The shapes `plan_sql` produces: what is pushed, how, and when the plan is exact.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use accountd_query::{Column, ColumnKind, SqlValue, parse_filters, plan_sql};
use serde_json::{Value, json};

const COLUMNS: &[Column] = &[
    Column {
        field: "uid",
        sql: "u.uid",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "username",
        sql: "u.username",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "email",
        sql: "u.email",
        kind: ColumnKind::Text,
        nullable: true,
    },
    Column {
        field: "builtin",
        sql: "u.builtin",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    Column {
        field: "expire",
        sql: "u.expire",
        kind: ColumnKind::Integer,
        nullable: true,
    },
];

use SqlValue::{Integer as I, Real as R, Text as T};

fn t(s: &str) -> SqlValue {
    T(s.to_owned())
}

#[track_caller]
fn check(filters: Value, where_sql: &str, params: Vec<SqlValue>, exact: bool) {
    let parsed = parse_filters(&filters);
    let Ok(parsed) = parsed else {
        panic!("{filters}: {parsed:?}")
    };
    let plan = plan_sql(&parsed, COLUMNS);
    assert_eq!(
        (plan.where_sql.as_str(), plan.params, plan.exact),
        (where_sql, params, exact),
        "filters: {filters}"
    );
}

#[test]
fn pushed_exactly() {
    check(json!([]), "1", vec![], true);
    check(json!([["uid", "=", 0]]), "((u.uid) = ?)", vec![I(0)], true);
    check(json!([["uid", "=", 2.5]]), "((u.uid) = ?)", vec![R(2.5)], true);
    check(json!([["uid.", "!=", 0]]), "((u.uid) IS NOT ?)", vec![I(0)], true);
    check(
        json!([["username", "=", "root"]]),
        "((u.username) = ? COLLATE BINARY)",
        vec![t("root")],
        true,
    );
    check(json!([["email", "=", null]]), "((u.email) IS NULL)", vec![], true);
    check(json!([["email", "!=", null]]), "((u.email) IS NOT NULL)", vec![], true);
    check(
        json!([["email", "!=", "x"]]),
        "((u.email) IS NOT ? COLLATE BINARY)",
        vec![t("x")],
        true,
    );
    check(json!([["builtin", "=", true]]), "((u.builtin) = ?)", vec![I(1)], true);
    check(json!([["uid", ">=", 1000]]), "((u.uid) >= ?)", vec![I(1000)], true);
    check(
        json!([["username", "<", "b"]]),
        "((u.username) < ? COLLATE BINARY)",
        vec![t("b")],
        true,
    );
    check(
        json!([["uid", "in", [1, "x", null, 2.0, true]]]),
        "((u.uid) IN (?, ?) OR (u.uid) IS NULL)",
        vec![I(1), R(2.0)],
        true,
    );
    check(json!([["uid", "in", []]]), "(0)", vec![], true);
    // Branches that are each one equality on the same column become one IN list.
    check(
        json!([["OR", [[["uid", "=", 1]], [["username", "=", "a"]], [["uid", "=", 2]]]]]),
        "((u.uid) IN (?, ?) OR ((u.username) = ? COLLATE BINARY))",
        vec![I(1), I(2), t("a")],
        true,
    );
    // A long list is one JSON parameter.
    let long: Vec<i64> = (0..300).collect();
    check(
        json!([["uid", "in", long]]),
        "((u.uid) IN (SELECT value FROM json_each(?)))",
        vec![t(&serde_json::to_string(&long).unwrap_or_default())],
        true,
    );
    check(json!([["uid", "in", ["a"]]]), "(0)", vec![], true);
    check(
        json!([["uid", "nin", [1, null]]]),
        "((u.uid) IS NOT NULL AND (u.uid) NOT IN (?))",
        vec![I(1)],
        true,
    );
    check(json!([["uid", "nin", []]]), "((u.uid) IS NOT NULL)", vec![], true);
    check(
        json!([["username", "in", ["a", "b"]]]),
        "((u.username) COLLATE BINARY IN (?, ?))",
        vec![t("a"), t("b")],
        true,
    );
    check(
        json!([["username", "^", "rö"]]),
        "(substr((u.username), 1, 2) = ? COLLATE BINARY)",
        vec![t("rö")],
        true,
    );
    check(
        json!([["username", "!^", "r"]]),
        "(substr((u.username), 1, 1) <> ? COLLATE BINARY)",
        vec![t("r")],
        true,
    );
    check(
        json!([["email", "$", ".com"]]),
        "(substr((u.email), -4) = ? COLLATE BINARY)",
        vec![t(".com")],
        true,
    );
    check(
        json!([["email", "!$", ".com"]]),
        "(substr((u.email), -4) <> ? COLLATE BINARY)",
        vec![t(".com")],
        true,
    );
    check(json!([["email", "^", ""]]), "((u.email) IS NOT NULL)", vec![], true);
    check(json!([["email", "!$", ""]]), "(0)", vec![], true);
    check(
        json!([["uid", ">", 0], ["username", "!=", "root"]]),
        "((u.uid) > ?) AND ((u.username) IS NOT ? COLLATE BINARY)",
        vec![I(0), t("root")],
        true,
    );
    check(
        json!([[
            "OR",
            [["uid", "=", 0], [["username", "=", "x"], ["builtin", "=", false]]]
        ]]),
        "(((u.uid) = ?) OR (((u.username) = ? COLLATE BINARY) AND ((u.builtin) = ?)))",
        vec![I(0), t("x"), I(0)],
        true,
    );
}

#[test]
fn pushed_loosely() {
    // NULL rows are kept for ordering on a nullable column: they make the in-memory check raise as TrueNAS does.
    check(
        json!([["expire", "<", 5]]),
        "((u.expire) IS NULL OR (u.expire) < ?)",
        vec![I(5)],
        false,
    );
    // The pushable part of a filter list is pushed, the rest left to the in-memory check.
    check(
        json!([["uid", "=", 0], ["username", "~", "r"]]),
        "((u.uid) = ?)",
        vec![I(0)],
        false,
    );
    check(
        json!([["OR", [[["uid", "=", 0], ["username", "~", "r"]], ["uid", "=", 1]]]]),
        "(((u.uid) = ?) OR ((u.uid) = ?))",
        vec![I(0), I(1)],
        false,
    );
    // A case-insensitive prefix with an ASCII value: LIKE (ASCII folding, wildcards escaped), and every field
    // with a character outside printable ASCII kept for the exact casefold check.
    check(
        json!([["username", "C^", "Jo_%"]]),
        r"((u.username) LIKE ? ESCAPE '\' OR (u.username) GLOB '*[^ -~]*')",
        vec![t(r"Jo\_\%%")],
        false,
    );
    // The web page's search box.
    check(
        json!([["OR", [["username", "C^", "al"], ["email", "C^", "al"]]]]),
        r"(((u.username) LIKE ? ESCAPE '\' OR (u.username) GLOB '*[^ -~]*') OR ((u.email) LIKE ? ESCAPE '\' OR (u.email) GLOB '*[^ -~]*'))",
        vec![t("al%"), t("al%")],
        false,
    );
}

#[test]
fn not_pushed() {
    let table = [
        json!([["username", "C=", "ROOT"]]),
        json!([["username", "C^", "Ö"]]),
        json!([["username", "C$", "x"]]),
        json!([["uid", "C^", "1"]]),
        json!([["username", "~", "r"]]),
        json!([["username", "rin", "o"]]),
        json!([["username", "rnin", "o"]]),
        json!([["username", "in", "rootx"]]),
        json!([["group.id", "=", 1]]),
        json!([[r"uid\.x", "=", 1]]),
        json!([["uid", "=", "0"]]),
        json!([["uid", "=", true]]),
        json!([["uid", "=", 1e300]]),
        json!([["uid", "in", [1e300]]]),
        json!([["builtin", "=", 1]]),
        json!([["uid", ">", null]]),
        json!([["uid", "^", "1"]]),
        json!([["username", "^", 1]]),
        json!([["expire.$date", ">", "2024-01-01"]]),
        json!([["missing", "=", 1]]),
        json!([["OR", [["username", "~", "r"], ["uid", "=", 1]]]]),
    ];
    for filters in table {
        check(filters, "1", vec![], false);
    }
}

#[test]
fn order_by_pushdown() {
    let order = |keys: &[&str]| {
        let parsed: Vec<_> = keys.iter().map(|k| accountd_query::OrderBy::parse(k)).collect();
        accountd_query::plan_order(&parsed, COLUMNS)
    };
    let cases: [(&[&str], Option<&str>); 7] = [
        (&[], Some("")),
        (&["uid"], Some("(u.uid)")),
        (&["-username"], Some("(u.username) COLLATE BINARY DESC")),
        // The last key dominates: it comes first in SQL.
        (&["builtin", "-uid"], Some("(u.uid) DESC, (u.builtin)")),
        (&["nulls_last:uid"], Some("(u.uid)")),
        // Nullable columns and paths that are not columns stay in memory.
        (&["email"], None),
        (&["uid", "group.bsdgrp_gid"], None),
    ];
    for (keys, expected) in cases {
        assert_eq!(order(keys).as_deref(), expected, "{keys:?}");
    }
}

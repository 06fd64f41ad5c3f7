//! The query-filter engine on user-shaped entries: parsing, matching, the whole pipeline and SQL planning.
//! `cargo bench -p accountd-query`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark stops loudly on a broken assumption"
)]

use std::hint::black_box;

use accountd_query::{Column, ColumnKind, apply, matches, parse_filters, parse_options, plan_order, plan_sql};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};

fn entries(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "id": i + 5, "uid": 3000 + i, "username": format!("user{i:06}"), "full_name": format!("User {i}"),
                "builtin": false, "locked": i % 17 == 0, "email": if i % 3 == 0 { Value::Null } else { json!(format!("u{i}@example.com")) },
                "group": {"id": i + 10, "bsdgrp_gid": 3000 + i, "bsdgrp_group": format!("user{i:06}")},
                "groups": [3], "roles": [], "last_password_change": {"$date": 1_700_000_000_000_i64 + i as i64},
            })
        })
        .collect()
}

const COLUMNS: &[Column] = &[
    Column {
        field: "uid",
        sql: "uid",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "username",
        sql: "username",
        kind: ColumnKind::Text,
        nullable: false,
    },
    Column {
        field: "email",
        sql: "email",
        kind: ColumnKind::Text,
        nullable: true,
    },
];

fn bench(c: &mut Criterion) {
    let filter_sets = [
        ("eq", json!([["username", "=", "user004242"]])),
        ("prefix_ci", json!([["username", "C^", "USER0042"]])),
        ("regex", json!([["full_name", "~", "^User 4[0-9]+2$"]])),
        (
            "or_nested",
            json!([
                ["OR", [["uid", "<", 3010], ["group.bsdgrp_gid", ">", 12990]]],
                ["locked", "=", false]
            ]),
        ),
        ("in_list", json!([["uid", "in", (3000..3100).collect::<Vec<_>>()]])),
    ];
    let data = entries(10_000);

    let mut g = c.benchmark_group("parse");
    for (name, raw) in &filter_sets {
        g.bench_function(*name, |b| b.iter(|| parse_filters(black_box(raw))));
    }
    g.bench_function("options", |b| {
        let raw =
            json!({"select": ["username", "uid", ["group.bsdgrp_gid", "gid"]], "order_by": ["-uid"], "limit": 50});
        b.iter(|| parse_options(black_box(&raw)))
    });
    g.finish();

    let mut g = c.benchmark_group("match_10k_entries");
    for (name, raw) in &filter_sets {
        let filters = parse_filters(raw).unwrap();
        g.bench_function(*name, |b| {
            b.iter(|| data.iter().filter(|e| matches(&filters, e).unwrap_or(false)).count())
        });
    }
    g.finish();

    let mut g = c.benchmark_group("pipeline_10k_entries");
    let cases = [
        (
            "filter_select",
            json!([["locked", "=", false]]),
            json!({"select": ["username", "uid"]}),
        ),
        (
            "order_by_desc_page",
            json!([]),
            json!({"order_by": ["-uid"], "offset": 100, "limit": 50}),
        ),
        (
            "order_by_nullable",
            json!([]),
            json!({"order_by": ["nulls_last:email"], "limit": 50}),
        ),
        ("count", json!([["username", "^", "user00"]]), json!({"count": true})),
    ];
    for (name, filters, options) in cases {
        let filters = parse_filters(&filters).unwrap();
        let options = parse_options(&options).unwrap();
        g.bench_function(name, |b| {
            b.iter_batched(|| data.clone(), |d| apply(d, &filters, &options), BatchSize::LargeInput)
        });
    }
    g.finish();

    let mut g = c.benchmark_group("plan_sql");
    for (name, raw) in &filter_sets {
        let filters = parse_filters(raw).unwrap();
        g.bench_function(*name, |b| b.iter(|| plan_sql(black_box(&filters), COLUMNS)));
    }
    let order = parse_options(&json!({"order_by": ["username", "-uid"]}))
        .unwrap()
        .order_by;
    g.bench_function("order_by", |b| b.iter(|| plan_order(black_box(&order), COLUMNS)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

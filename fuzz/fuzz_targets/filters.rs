//! query-filters and query-options parsing and evaluation never panic, whatever JSON arrives.
#![no_main]

use libfuzzer_sys::fuzz_target;
use serde_json::{Value, json};

fuzz_target!(|data: &[u8]| {
    let Ok(input) = serde_json::from_slice::<Value>(data) else { return };
    let (filters, options) = match &input {
        Value::Array(parts) if parts.len() == 2 => (parts[0].clone(), parts[1].clone()),
        other => (other.clone(), json!({})),
    };
    let entries = vec![
        json!({"id": 1, "username": "root", "uid": 0, "group": {"bsdgrp_gid": 0}, "groups": [2], "email": null,
               "last_password_change": {"$date": 1767225600000i64}}),
        json!({"id": 2, "username": "alice", "uid": 3000, "group": {"bsdgrp_gid": 3000}, "groups": [], "email": "a@b"}),
    ];
    let Ok(filters) = accountd_query::parse_filters(&filters) else { return };
    let Ok(options) = accountd_query::parse_options(&options) else { return };
    let _ = accountd_query::apply(entries, &filters, &options);
    let columns = [accountd_query::Column {
        field: "uid",
        sql: "uid",
        kind: accountd_query::ColumnKind::Integer,
        nullable: false,
    }];
    let _ = accountd_query::plan_sql(&filters, &columns);
});

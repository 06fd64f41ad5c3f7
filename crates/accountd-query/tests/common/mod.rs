//! A fixed dataset of six user-like entries and table helpers shared by the test files.

#![allow(dead_code)]

use accountd_query::{QueryError, QueryOutput, apply, parse_filters, parse_options};
use serde_json::{Value, json};

/// Six entries with nested objects, lists, nulls, a missing key and datetimes.
pub fn dataset() -> Vec<Value> {
    vec![
        json!({"id": 1, "uid": 0, "username": "root", "full_name": "root", "builtin": true, "locked": false,
               "smb": false, "email": null, "home": "/root",
               "group": {"id": 1, "bsdgrp_gid": 0, "bsdgrp_group": "wheel"},
               "groups": [40], "local_groups": [{"name": "wheel", "gid": 0}],
               "roles": ["FULL_ADMIN"], "last_password_change": {"$date": 1_700_000_000_000_i64},
               "score": 1.5, "a.b": "dotted", "a": {"b": "nested"}}),
        json!({"id": 2, "uid": 3000, "username": "alice", "full_name": "Alice Liddell", "builtin": false,
               "locked": false, "smb": true, "email": "alice@example.com", "home": "/mnt/tank/alice",
               "group": {"id": 40, "bsdgrp_gid": 3000, "bsdgrp_group": "alice"},
               "groups": [40, 41], "local_groups": [{"name": "alice", "gid": 3000}, {"name": "Staff", "gid": 41}],
               "roles": [], "last_password_change": {"$date": 1_710_000_000_000_i64},
               "score": 3, "a": {"b": "other"}}),
        json!({"id": 3, "uid": 3001, "username": "Bob", "full_name": "Bob Straße", "builtin": false,
               "locked": true, "smb": true, "email": null, "home": "/mnt/tank/bob",
               "group": {"id": 41, "bsdgrp_gid": 3001, "bsdgrp_group": "bob"},
               "groups": [], "local_groups": [], "roles": [], "last_password_change": null, "score": 2.5}),
        json!({"id": 4, "uid": 3002, "username": "carol", "full_name": "", "builtin": false, "locked": false,
               "smb": false, "email": "carol@EXAMPLE.com", "home": "/var/empty", "group": null,
               "groups": [41], "local_groups": [{"name": "staff", "gid": 41}], "roles": ["READONLY_ADMIN"],
               "last_password_change": {"$date": 1_720_000_000_000_i64}, "score": 3.0}),
        json!({"id": 5, "uid": 65534, "username": "nobody", "full_name": "Nobody", "builtin": true,
               "locked": true, "smb": false, "email": null, "home": "/var/empty",
               "group": {"id": 5, "bsdgrp_gid": 65534, "bsdgrp_group": "nogroup"},
               "groups": [], "local_groups": [{"name": "nogroup", "gid": 65534}], "roles": []}),
        json!({"id": 6, "uid": 3003, "username": "dave.smith", "full_name": null, "builtin": false,
               "locked": false, "smb": true, "email": "dave@example.com", "home": "/mnt/tank/dave",
               "group": {"id": 42, "bsdgrp_gid": 3003, "bsdgrp_group": "dave"},
               "groups": [41, 42], "local_groups": [{"name": "Staff", "gid": 41}, {"name": "dave", "gid": 3003}],
               "roles": [], "last_password_change": {"$date": 1_710_000_000_000_i64}, "score": null}),
    ]
}

/// Runs `filters` / `options` over the dataset.
pub fn query(filters: &Value, options: &Value) -> Result<Value, QueryError> {
    let filters = parse_filters(filters)?;
    let options = parse_options(options)?;
    apply(dataset(), &filters, &options).map(QueryOutput::into_value)
}

/// The `id`s of the entries in a list result.
pub fn ids_of(result: &Value) -> Vec<i64> {
    result
        .as_array()
        .map(|items| items.iter().filter_map(|e| e["id"].as_i64()).collect())
        .unwrap_or_default()
}

/// Asserts that `filters` select exactly `expected` (ids, in dataset order).
#[track_caller]
pub fn check(filters: Value, expected: &[i64]) {
    let got = query(&filters, &json!({})).map(|r| ids_of(&r));
    assert_eq!(got, Ok(expected.to_vec()), "filters: {filters}");
}

/// Asserts that `filters` fail with `expected`.
#[track_caller]
pub fn check_err(filters: Value, expected: QueryError) {
    let got = query(&filters, &json!({}));
    assert_eq!(got, Err(expected), "filters: {filters}");
}

/// A `filters` validation error as TrueNAS reports it.
pub fn invalid_filters(msg: &str) -> QueryError {
    QueryError::Invalid {
        attribute: "filters".to_owned(),
        message: format!("Value error, {msg}"),
    }
}

/// A runtime failure.
pub fn failed(msg: &str) -> QueryError {
    QueryError::Failed(msg.to_owned())
}

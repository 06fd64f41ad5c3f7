//! `apply_unprojected`: the pipeline over entries of the caller's own type gives the entries `apply` gives.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

mod common;

use accountd_query::{QueryError, QueryOutput, apply, apply_unprojected, parse_filters, parse_options};
use common::dataset;
use serde_json::{Value, json};

/// An entry of a caller's own type: its position in the dataset and its JSON view.
struct Numbered {
    position: usize,
    json: Value,
}

/// Runs `filters` / `options` over the dataset both ways; the typed answer mapped back to JSON.
fn both(filters: Value, options: Value) -> (Result<Value, QueryError>, Result<Value, QueryError>) {
    let filters = parse_filters(&filters).unwrap();
    let options = parse_options(&options).unwrap();
    let plain = apply(dataset(), &filters, &options).map(QueryOutput::into_value);
    let entries = dataset()
        .into_iter()
        .enumerate()
        .map(|(position, json)| Numbered { position, json });
    let data = dataset();
    let typed = apply_unprojected(entries, |e| &e.json, &filters, &options).map(|out| match out {
        QueryOutput::List(items) => Value::Array(items.iter().map(|e| data[e.position].clone()).collect()),
        QueryOutput::Count(n) => Value::from(n),
        QueryOutput::One(e) => data[e.position].clone(),
    });
    (plain, typed)
}

#[test]
fn typed_entries_answer_as_json_entries_do() {
    let cases = [
        (json!([]), json!({})),
        (json!([["smb", "=", true]]), json!({})),
        (json!([["smb", "=", true]]), json!({"order_by": ["-uid"]})),
        (json!([]), json!({"order_by": ["nulls_last:email", "username"]})),
        (json!([]), json!({"order_by": ["nulls_first:-score"]})),
        (json!([["builtin", "=", false]]), json!({"offset": 1, "limit": 2})),
        (json!([["builtin", "=", false]]), json!({"count": true})),
        (json!([["builtin", "=", false]]), json!({"get": true})),
        (json!([]), json!({"get": true, "order_by": ["-id"]})),
        (
            json!([["username", "=", "nobody"], ["locked", "=", false]]),
            json!({"get": true}),
        ),
        // The failures are the same too: a sort over nulls, a comparison of unlike types.
        (json!([]), json!({"order_by": ["email"]})),
        (json!([["score", ">", "x"]]), json!({})),
    ];
    for (filters, options) in cases {
        let (plain, typed) = both(filters.clone(), options.clone());
        assert_eq!(typed, plain, "filters {filters} options {options}");
    }
}

#[test]
fn entries_keep_their_order_and_identity() {
    let (_, typed) = both(json!([["uid", ">=", 3000]]), json!({"order_by": ["-uid"]}));
    let ids: Vec<i64> = typed
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [5, 6, 4, 3, 2]);
}

//! query-options validation, select, order_by, count/get/offset/limit over the fixed dataset.

mod common;

use accountd_query::{NullsOrder, OrderBy, QueryError, parse_options};
use common::{failed, ids_of, query};
use serde_json::{Value, json};

fn invalid(attribute: &str, message: &str) -> QueryError {
    QueryError::Invalid {
        attribute: attribute.to_owned(),
        message: message.to_owned(),
    }
}

const GET_SINGLE: &str = "Value error, Invalid options combination. `get` implies a single result.";

#[test]
fn validation() {
    let table: Vec<(Value, Option<QueryError>)> = vec![
        (json!({}), None),
        (json!({"limit": 10000}), None),
        (json!({"get": true, "limit": 1}), None),
        (json!({"extra": {"additional_information": ["SMB", "DS"]}}), None),
        (json!({"force_sql_filters": true, "count": false, "offset": 3}), None),
        (
            json!({"limit": 10001}),
            Some(invalid(
                "options",
                "Value error, Options limit must be between 1 and 10000",
            )),
        ),
        (json!({"get": true, "limit": 2}), Some(invalid("options", GET_SINGLE))),
        (json!({"get": true, "offset": 1}), Some(invalid("options", GET_SINGLE))),
        (
            json!({"limit": "5"}),
            Some(invalid("options.limit", "Input should be a valid integer")),
        ),
        (
            json!({"limit": 5.0}),
            Some(invalid("options.limit", "Input should be a valid integer")),
        ),
        (
            json!({"offset": true}),
            Some(invalid("options.offset", "Input should be a valid integer")),
        ),
        (
            json!({"limit": -1}),
            Some(invalid("options.limit", "Input should be greater than or equal to 0")),
        ),
        (
            json!({"offset": -5}),
            Some(invalid("options.offset", "Input should be greater than or equal to 0")),
        ),
        (
            json!({"count": 1}),
            Some(invalid("options.count", "Input should be a valid boolean")),
        ),
        (
            json!({"get": "true"}),
            Some(invalid("options.get", "Input should be a valid boolean")),
        ),
        (
            json!({"force_sql_filters": null}),
            Some(invalid("options.force_sql_filters", "Input should be a valid boolean")),
        ),
        (
            json!({"extra": []}),
            Some(invalid("options.extra", "Input should be a valid dictionary")),
        ),
        (
            json!({"order_by": "uid"}),
            Some(invalid("options.order_by", "Input should be a valid list")),
        ),
        (
            json!({"order_by": ["uid", 1]}),
            Some(invalid("options.order_by.1", "Input should be a valid string")),
        ),
        (
            json!({"select": "username"}),
            Some(invalid("options.select", "Input should be a valid list")),
        ),
        (
            json!({"select": ["uid", 5]}),
            Some(invalid("options.select.1.str", "Input should be a valid string")),
        ),
        (
            json!({"select": [["a"]]}),
            Some(invalid(
                "options",
                "Value error, ['a']: A select as list may only contain two parameters: the name of the parameter \
                 being selected, and the name to which to assign it in resulting data.",
            )),
        ),
        (
            json!({"select": [[1, "x"]]}),
            Some(invalid(
                "options",
                "Value error, [1, 'x']: first item must be a string.",
            )),
        ),
        (
            json!({"select": [["a", null]]}),
            Some(invalid(
                "options",
                "Value error, ['a', None]: second item must be a string.",
            )),
        ),
        (
            json!({"relationships": true}),
            Some(invalid("options.relationships", "Extra inputs are not permitted")),
        ),
        (
            json!({"additional_information": []}),
            Some(invalid(
                "options.additional_information",
                "Extra inputs are not permitted",
            )),
        ),
        // field errors come before unknown keys, in the model's field order
        (
            json!({"bogus": 1, "limit": "x", "count": 2}),
            Some(invalid("options.count", "Input should be a valid boolean")),
        ),
        (
            json!(null),
            Some(invalid(
                "options",
                "Input should be a valid dictionary or instance of QueryOptions",
            )),
        ),
        (
            json!([]),
            Some(invalid(
                "options",
                "Input should be a valid dictionary or instance of QueryOptions",
            )),
        ),
    ];
    for (raw, expected) in table {
        let got = parse_options(&raw).err();
        assert_eq!(got, expected, "options: {raw}");
    }
}

#[test]
fn parsed_fields() {
    let Ok(o) = parse_options(&json!({
        "select": [["username", "name"], "group.bsdgrp_gid"],
        "order_by": ["nulls_first:-email", "nulls_last:uid", "-uid", "uid"],
        "offset": 2, "limit": 7, "count": true, "extra": {"search_dns": true}
    })) else {
        panic!("valid options rejected");
    };
    assert_eq!(o.select[0].path.as_str(), "username");
    assert_eq!(o.select[0].rename.as_deref(), Some("name"));
    assert_eq!(o.select[1].rename, None);
    let shape = |b: &OrderBy| (b.path.as_str().to_owned(), b.descending, b.nulls);
    let got: Vec<_> = o.order_by.iter().map(shape).collect();
    assert_eq!(
        got,
        vec![
            ("email".to_owned(), true, NullsOrder::First),
            ("uid".to_owned(), false, NullsOrder::Last),
            ("uid".to_owned(), true, NullsOrder::Unspecified),
            ("uid".to_owned(), false, NullsOrder::Unspecified),
        ]
    );
    assert_eq!((o.offset, o.limit, o.count, o.get), (2, 7, true, false));
    assert_eq!(o.extra.get("search_dns"), Some(&json!(true)));
}

#[test]
fn select() {
    let table: Vec<(Value, Value, Value)> = vec![
        (
            json!([["uid", "<", 3001]]),
            json!({"select": ["username", "uid"]}),
            json!([{"username": "root", "uid": 0}, {"username": "alice", "uid": 3000}]),
        ),
        (
            json!([["uid", "in", [0, 3002]]]),
            json!({"select": [["username", "name"], "group.bsdgrp_gid", "group.id"]}),
            json!([{"name": "root", "group": {"bsdgrp_gid": 0, "id": 1}},
                   // a null met on the way is selected as it is
                   {"name": "carol", "group": null}]),
        ),
        (
            json!([["uid", "in", [0, 65534]]]),
            json!({"select": ["last_password_change", "missing", "a.b", [r"a\.b", "plain"]]}),
            json!([{"last_password_change": {"$date": 1_700_000_000_000_i64}, "a": {"b": "nested"}, "plain": "dotted"},
                   {}]),
        ),
        (
            json!([["uid", "=", 0]]),
            json!({"select": ["group", "group.bsdgrp_gid"], "get": true}),
            json!({"group": {"id": 1, "bsdgrp_gid": 0, "bsdgrp_group": "wheel"}}),
        ),
        (
            json!([["uid", "=", 0]]),
            json!({"select": ["last_password_change.$date"], "get": true}),
            json!({"last_password_change": {"$date": 1_700_000_000_000_i64}}),
        ),
        // order_by sees the selected (renamed) entries
        (
            json!([["builtin", "=", true]]),
            json!({"select": [["uid", "u"]], "order_by": ["-u"]}),
            json!([{"u": 65534}, {"u": 0}]),
        ),
    ];
    for (filters, options, expected) in table {
        assert_eq!(query(&filters, &options), Ok(expected), "{filters} {options}");
    }
    let errors = [
        (
            json!({"select": ["local_groups.0.name"]}),
            failed("Selecting by list index is not supported"),
        ),
        (
            json!({"select": [["username", "group"], "group.id"]}),
            failed("'str' object does not support item assignment"),
        ),
        (
            json!({"select": [["groups", "group"], "group.id"]}),
            failed("list indices must be integers or slices, not str"),
        ),
        (json!({"select": [""]}), failed("pop from empty list")),
    ];
    for (options, expected) in errors {
        assert_eq!(query(&json!([]), &options), Err(expected), "{options}");
    }
}

#[test]
fn order_by() {
    let table: Vec<(Value, Vec<i64>)> = vec![
        (json!(["uid"]), vec![1, 2, 3, 4, 6, 5]),
        (json!(["-uid"]), vec![5, 6, 4, 3, 2, 1]),
        (json!(["username"]), vec![3, 2, 4, 6, 5, 1]),
        (json!(["builtin", "uid"]), vec![1, 2, 3, 4, 6, 5]),
        // one stable sort per key, in list order: the last key dominates
        (json!(["uid", "builtin"]), vec![2, 3, 4, 6, 1, 5]),
        (json!(["-uid", "-builtin"]), vec![5, 1, 6, 4, 3, 2]),
        (json!(["home"]), vec![2, 3, 6, 1, 4, 5]),
        (json!(["-home"]), vec![4, 5, 1, 6, 3, 2]),
        (json!(["groups"]), vec![3, 5, 1, 2, 4, 6]),
        (json!(["nulls_first:email"]), vec![1, 3, 5, 2, 4, 6]),
        (json!(["nulls_last:-email"]), vec![6, 4, 2, 1, 3, 5]),
        (json!(["nulls_first:last_password_change"]), vec![3, 5, 1, 2, 6, 4]),
        (json!(["nulls_last:-last_password_change"]), vec![4, 2, 6, 1, 3, 5]),
        // TrueNAS tests nulls with a top-level lookup of the dotted name: nothing is sorted
        (json!(["nulls_last:group.bsdgrp_gid"]), vec![1, 2, 3, 4, 5, 6]),
        // ints and floats compare; missing and null first
        (json!(["nulls_first:score"]), vec![5, 6, 1, 3, 2, 4]),
    ];
    for (order_by, expected) in table {
        let got = query(&json!([]), &json!({"order_by": order_by})).map(|r| ids_of(&r));
        assert_eq!(got, Ok(expected), "order_by: {order_by}");
    }
    let errors = [
        // CPython's first comparison is `keys[1] < keys[0]`: here 'alice…' < None, a plain TypeError …
        (
            json!(["email"]),
            "'<' not supported between instances of 'str' and 'NoneType'",
        ),
        // … and on the reversed list None < 'dave…', which TrueNAS rewords.
        (
            json!(["-email"]),
            "Cannot sort by '-email' because the field contains null values. Please use \"nulls_first:-email\" \
             or \"nulls_last:-email\" to specify null placement.",
        ),
        (
            json!(["group.id"]),
            "Cannot sort by 'group.id' because the field contains null values. Please use \"nulls_first:group.id\" \
             or \"nulls_last:group.id\" to specify null placement.",
        ),
        (
            json!(["group"]),
            "'<' not supported between instances of 'dict' and 'dict'",
        ),
        (
            json!(["local_groups.name"]),
            "name: must be array index or wildcard character",
        ),
    ];
    for (order_by, msg) in errors {
        let got = query(&json!([]), &json!({"order_by": order_by}));
        assert_eq!(got, Err(failed(msg)), "order_by: {order_by}");
    }
}

#[test]
fn count_get_offset_limit() {
    let f = json!([["builtin", "=", false]]);
    let table: Vec<(Value, Value, Result<Value, QueryError>)> = vec![
        (f.clone(), json!({"count": true}), Ok(json!(4))),
        (json!([]), json!({"count": true}), Ok(json!(6))),
        // count is taken before ordering, so an order_by that would fail does not matter
        (json!([]), json!({"count": true, "order_by": ["email"]}), Ok(json!(6))),
        (
            json!([["uid", "=", 3000]]),
            json!({"get": true, "select": ["username"]}),
            Ok(json!({"username": "alice"})),
        ),
        (
            json!([["uid", "=", 1]]),
            json!({"get": true}),
            Err(QueryError::MatchNotFound),
        ),
        (
            json!([]),
            json!({"get": true, "order_by": ["-uid"], "select": ["id", "uid"]}),
            Ok(json!({"id": 5, "uid": 65534})),
        ),
        // select runs before order_by: the sort key is gone, every key is null
        (
            json!([]),
            json!({"get": true, "order_by": ["-uid"], "select": ["id"]}),
            Err(failed(
                "Cannot sort by '-uid' because the field contains null values. Please use \"nulls_first:-uid\" or \
                 \"nulls_last:-uid\" to specify null placement.",
            )),
        ),
        (
            json!([["uid", ">", 99999]]),
            json!({"get": true, "order_by": ["-uid"]}),
            Err(QueryError::MatchNotFound),
        ),
        // get with filters and no order_by returns the first match at once, before count
        (
            f.clone(),
            json!({"get": true, "count": true, "select": ["id"]}),
            Ok(json!({"id": 2})),
        ),
        (json!([]), json!({"get": true, "count": true}), Ok(json!(6))),
        // ... and never evaluates later entries
        (
            json!([["OR", [["uid", "=", 0], ["username", ">", 1]]]]),
            json!({"get": true, "select": ["id"]}),
            Ok(json!({"id": 1})),
        ),
        (
            json!([["OR", [["uid", "=", 0], ["username", ">", 1]]]]),
            json!({}),
            Err(failed("'>' not supported between instances of 'str' and 'int'")),
        ),
        (
            json!([]),
            json!({"order_by": ["uid"], "offset": 2, "limit": 2, "select": ["id", "uid"]}),
            Ok(json!([{"id": 3, "uid": 3001}, {"id": 4, "uid": 3002}])),
        ),
        (
            json!([]),
            json!({"offset": 5, "select": ["id"]}),
            Ok(json!([{"id": 6}])),
        ),
        (json!([]), json!({"offset": 50}), Ok(json!([]))),
        (json!([]), json!({"limit": 1, "select": ["id"]}), Ok(json!([{"id": 1}]))),
        (
            f.clone(),
            json!({"limit": 0, "select": ["id"]}),
            Ok(json!([{"id": 2}, {"id": 3}, {"id": 4}, {"id": 6}])),
        ),
    ];
    for (filters, options, expected) in table {
        assert_eq!(query(&filters, &options), expected, "{filters} {options}");
    }
}

#[test]
fn spec_examples() {
    let got = query(
        &json!([["username", "C^", "ADM"]]),
        &json!({"select": [["username", "locked_user"], "uid"], "order_by": ["-uid"], "limit": 5}),
    );
    assert_eq!(got, Ok(json!([])));
    let got = query(
        &json!([]),
        &json!({"select": [["username", "locked_user"], "uid"], "order_by": ["-uid"], "limit": 2}),
    );
    assert_eq!(
        got,
        Ok(json!([{"locked_user": "nobody", "uid": 65534}, {"locked_user": "dave.smith", "uid": 3003}]))
    );
}

#[test]
fn select_into_scalar_deep() {
    let entry = json!({"name": "x", "a": {"b": {"c": 1}}});
    let Ok(o) = parse_options(&json!({"select": [["name", "a"], "a.b.c"]})) else {
        panic!("valid options rejected");
    };
    assert_eq!(
        accountd_query::do_select(&entry, &o.select),
        Err(failed("'str' object has no attribute 'setdefault'"))
    );
    let Ok(o) = parse_options(&json!({"select": ["a.b.c", "a.b", "name"]})) else {
        panic!("valid options rejected");
    };
    assert_eq!(
        accountd_query::do_select(&entry, &o.select),
        Ok(json!({"a": {"b": {"c": 1}}, "name": "x"}))
    );
}

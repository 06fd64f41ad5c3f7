//! `plan_sql` against a real SQLite: for random filters over random rows, the SQL pre-filter returns every row
//! that `matches` (and exactly those when the plan says it is exact).

use std::collections::BTreeSet;

use accountd_query::{Column, ColumnKind, SqlValue, matches, parse_filters, plan_sql};
use proptest::prelude::*;
use rusqlite::Connection;
use rusqlite::types::Value as Sql;
use serde_json::{Value, json};

const COLUMNS: &[Column] = &[
    Column {
        field: "id",
        sql: "t.id",
        kind: ColumnKind::Integer,
        nullable: false,
    },
    Column {
        field: "uid",
        sql: "t.uid",
        kind: ColumnKind::Integer,
        nullable: true,
    },
    Column {
        field: "name",
        sql: "t.name",
        kind: ColumnKind::Text,
        nullable: true,
    },
    Column {
        field: "flag",
        sql: "t.flag",
        kind: ColumnKind::Bool,
        nullable: false,
    },
    // declared COLLATE NOCASE below: the plan must still compare case-sensitively
    Column {
        field: "nick",
        sql: "t.nick",
        kind: ColumnKind::Text,
        nullable: false,
    },
];

const WORDS: &[&str] = &[
    "",
    "a",
    "A",
    "ab",
    "aB",
    "Ab",
    "b",
    "ß",
    "SS",
    "ss",
    "a.b",
    "ba",
    "%",
    "_a",
    "\u{212a}b",
    "kB",
    "a\\b",
    "\u{17f}s",
];

#[derive(Debug, Clone)]
struct Row {
    uid: Option<i64>,
    name: Option<String>,
    flag: bool,
    nick: String,
    tags: Vec<i64>,
}

fn word() -> impl Strategy<Value = String> {
    proptest::sample::select(WORDS).prop_map(str::to_owned)
}

fn row() -> impl Strategy<Value = Row> {
    (
        proptest::option::of(-3i64..4),
        proptest::option::of(word()),
        any::<bool>(),
        word(),
        proptest::collection::vec(-2i64..3, 0..3),
    )
        .prop_map(|(uid, name, flag, nick, tags)| Row {
            uid,
            name,
            flag,
            nick,
            tags,
        })
}

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-4i64..5).prop_map(Value::from),
        (-8i64..9).prop_map(|h| json!(h as f64 / 2.0)),
        word().prop_map(Value::from),
    ]
}

/// Values mostly of the field's own type (so that conditions can be pushed and match), sometimes anything.
fn typed(field: &'static str) -> BoxedStrategy<Value> {
    let own: BoxedStrategy<Value> = match field {
        "id" | "uid" | "tags" | "tags.*" => prop_oneof![
            4 => (-3i64..5).prop_map(Value::from),
            1 => (-6i64..9).prop_map(|h| json!(h as f64 / 2.0)),
        ]
        .boxed(),
        "flag" => any::<bool>().prop_map(Value::from).boxed(),
        _ => word().prop_map(Value::from).boxed(),
    };
    let list = proptest::collection::vec(prop_oneof![4 => own.clone(), 1 => scalar()], 0..4).prop_map(Value::from);
    prop_oneof![6 => own, 1 => Just(Value::Null), 2 => list, 1 => scalar()].boxed()
}

fn condition() -> impl Strategy<Value = Value> {
    let fields = prop_oneof![
        8 => proptest::sample::select(vec!["id", "uid", "name", "flag", "nick"]),
        1 => proptest::sample::select(vec!["tags", "missing", "tags.*", "uid.x"]),
    ];
    let ops = proptest::sample::select(vec![
        "=", "!=", ">", ">=", "<", "<=", "~", "in", "nin", "rin", "rnin", "^", "!^", "$", "!$",
    ]);
    let ci = proptest::bool::weighted(0.1);
    (fields, ops, ci).prop_flat_map(|(field, op, ci)| {
        let op = if ci && op != "~" {
            format!("C{op}")
        } else {
            op.to_owned()
        };
        typed(field).prop_map(move |value| json!([field, op.clone(), value]))
    })
}

fn filters() -> impl Strategy<Value = Value> {
    let branch = proptest::collection::vec(condition(), 1..3).prop_map(Value::from);
    let or = proptest::collection::vec(branch, 1..3).prop_map(|branches| json!(["OR", branches]));
    let item = prop_oneof![3 => condition(), 1 => or];
    let nested_branch = proptest::collection::vec(item.clone(), 1..3).prop_map(Value::from);
    let nested_or = proptest::collection::vec(nested_branch, 1..3).prop_map(|b| json!(["OR", b]));
    proptest::collection::vec(prop_oneof![4 => item, 1 => nested_or], 1..3).prop_map(Value::from)
}

fn entry(id: i64, r: &Row) -> Value {
    json!({"id": id, "uid": r.uid, "name": r.name, "flag": r.flag, "nick": r.nick, "tags": r.tags})
}

fn database(rows: &[Row]) -> rusqlite::Result<Connection> {
    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, uid INTEGER, name TEXT, flag BOOLEAN NOT NULL,
                         nick TEXT NOT NULL COLLATE NOCASE);
         CREATE INDEX t_nick ON t(nick);",
    )?;
    for (i, r) in rows.iter().enumerate() {
        db.execute(
            "INSERT INTO t (id, uid, name, flag, nick) VALUES (?1, ?2, ?3, ?4, ?5)",
            rusqlite::params![i as i64 + 1, r.uid, r.name, r.flag, r.nick],
        )?;
    }
    Ok(db)
}

fn sql_ids(db: &Connection, where_sql: &str, params: &[SqlValue]) -> rusqlite::Result<BTreeSet<i64>> {
    let params = params.iter().map(|p| match p {
        SqlValue::Null => Sql::Null,
        SqlValue::Integer(i) => Sql::Integer(*i),
        SqlValue::Real(f) => Sql::Real(*f),
        SqlValue::Text(s) => Sql::Text(s.clone()),
    });
    let mut stmt = db.prepare(&format!("SELECT t.id FROM t WHERE {where_sql}"))?;
    let ids = stmt.query_map(rusqlite::params_from_iter(params), |r| r.get::<_, i64>(0))?;
    ids.collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 768, ..ProptestConfig::default() })]

    #[test]
    fn pushdown_selects_a_superset(raw in filters(), rows in proptest::collection::vec(row(), 0..24)) {
        let parsed = parse_filters(&raw);
        prop_assume!(parsed.is_ok());
        let Ok(parsed) = parsed else { unreachable!() };
        let plan = plan_sql(&parsed, COLUMNS);
        let db = database(&rows).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let selected = sql_ids(&db, &plan.where_sql, &plan.params)
            .map_err(|e| TestCaseError::fail(format!("{e}: {}", plan.where_sql)))?;
        for (i, r) in rows.iter().enumerate() {
            let id = i as i64 + 1;
            let verdict = matches(&parsed, &entry(id, r));
            if verdict == Ok(true) {
                prop_assert!(selected.contains(&id), "row {id} {r:?} matches {raw} but {} excludes it", plan.where_sql);
            }
            if plan.exact {
                prop_assert!(verdict.is_ok(), "exact plan {} but row {id} raises {verdict:?}", plan.where_sql);
                prop_assert_eq!(selected.contains(&id), verdict == Ok(true),
                    "exact plan {} disagrees on row {} {:?} for {}", plan.where_sql, id, r, raw);
            }
        }
    }
}

/// Filters far wider than SQLite's expression depth (1000) or bound-parameter limit (32766) still plan to SQL
/// that runs and selects exactly the matching rows.
#[test]
fn wide_filters_run_in_sqlite() {
    let rows: Vec<Row> = (0..40)
        .map(|i| Row {
            uid: (i % 7 != 0).then_some(i * 100),
            name: Some(WORDS[i as usize % WORDS.len()].to_owned()),
            flag: i % 2 == 0,
            nick: WORDS[(i as usize + 3) % WORDS.len()].to_owned(),
            tags: Vec::new(),
        })
        .collect();
    let db = database(&rows).expect("database");
    let equalities: Vec<Value> = (0..3000).map(|i| json!([["uid", "=", i * 10]])).collect();
    let mixed: Vec<Value> = (0..3000)
        .map(|i| match i % 3 {
            0 => json!([["uid", "=", i]]),
            1 => json!([["name", "^", WORDS[i % WORDS.len()]], ["flag", "=", i % 2 == 0]]),
            _ => json!([["nick", "=", WORDS[i % WORDS.len()]]]),
        })
        .collect();
    let inequalities: Vec<Value> = (0..3000).map(|i| json!(["id", "!=", i + 1000])).collect();
    let long_list: Vec<i64> = (0..40_000).collect();
    let cases = [
        json!([["OR", equalities]]),
        json!([["OR", mixed]]),
        Value::Array(inequalities),
        json!([["uid", "in", long_list]]),
        json!([["uid", "nin", long_list]]),
    ];
    for raw in cases {
        let parsed = parse_filters(&raw).expect("parses");
        let plan = plan_sql(&parsed, COLUMNS);
        assert!(plan.exact, "{}", plan.where_sql.chars().take(200).collect::<String>());
        assert!(plan.params.len() < 32_766, "{} parameters", plan.params.len());
        let selected = sql_ids(&db, &plan.where_sql, &plan.params).expect("the plan runs");
        let matching: BTreeSet<i64> = rows
            .iter()
            .enumerate()
            .map(|(i, r)| (i as i64 + 1, r))
            .filter(|(id, r)| matches(&parsed, &entry(*id, r)) == Ok(true))
            .map(|(id, _)| id)
            .collect();
        assert_eq!(
            selected,
            matching,
            "{}",
            raw.to_string().chars().take(100).collect::<String>()
        );
    }
}

/// `C^` over every pair of words: the SQL pre-filter keeps every row whose field folds to a string starting
/// with the folded prefix (`ß` against `ss`, the Kelvin sign against `k`, wildcards and backslashes literal).
#[test]
fn casefold_prefix_pushdown_keeps_every_match() {
    let rows: Vec<Row> = WORDS
        .iter()
        .map(|w| Row {
            uid: None,
            name: Some((*w).to_owned()),
            flag: false,
            nick: format!("{w}x"),
            tags: Vec::new(),
        })
        .collect();
    let db = database(&rows).unwrap();
    for prefix in WORDS {
        for field in ["name", "nick"] {
            let raw = json!([[field, "C^", prefix]]);
            let parsed = parse_filters(&raw).unwrap();
            let plan = plan_sql(&parsed, COLUMNS);
            let selected = sql_ids(&db, &plan.where_sql, &plan.params).unwrap();
            for (i, r) in rows.iter().enumerate() {
                let id = i as i64 + 1;
                if matches(&parsed, &entry(id, r)) == Ok(true) {
                    assert!(
                        selected.contains(&id),
                        "{raw}: {r:?} matches but {} drops it",
                        plan.where_sql
                    );
                }
            }
            if prefix.is_ascii() && !prefix.is_empty() {
                assert!(plan.where_sql.contains("LIKE"), "{raw} is pushed: {}", plan.where_sql);
            }
        }
    }
}

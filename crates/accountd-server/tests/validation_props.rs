//! Property: whatever the params validator lets through deserializes into the method's argument type, so a
//! handler only ever sees well-typed input; and whatever it rejects is reported as TrueNAS validation items
//! naming an argument. Inputs are random JSON built from each method's own field names, so they get deep.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

use std::collections::BTreeMap;

use accountd_api::{Method, MethodSpec, for_each_method};
use accountd_server::validation::ParamsValidator;
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng, TestRunner};
use serde_json::{Map, Value};

type Deserialize = fn(Value) -> Result<(), String>;

fn deserializers() -> BTreeMap<&'static str, Deserialize> {
    fn de<M: Method>(v: Value) -> Result<(), String> {
        serde_json::from_value::<M::Args>(v)
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
    macro_rules! table {
        ($($m:path),*) => { BTreeMap::from([$((<$m as Method>::NAME, de::<$m> as Deserialize)),*]) };
    }
    for_each_method!(table)
}

/// Every property name mentioned anywhere in a schema.
fn field_names(schema: &Value, out: &mut Vec<String>) {
    match schema {
        Value::Object(obj) => {
            if let Some(Value::Object(props)) = obj.get("properties") {
                out.extend(props.keys().cloned());
            }
            obj.values().for_each(|v| field_names(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| field_names(v, out)),
        _ => {}
    }
}

fn json_value(names: Vec<String>) -> impl Strategy<Value = Value> {
    let key = prop_oneof![4 => proptest::sample::select(names), 1 => "[a-z_]{1,8}"];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-5i64..5000).prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "[ -~]{0,12}".prop_map(Value::String),
        prop_oneof![
            Just("PASSWORD_PLAIN"),
            Just("root"),
            Just("truenas_admin"),
            Just("DIRECT"),
            Just("=")
        ]
        .prop_map(|s| Value::String(s.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

fn check_method(spec: &MethodSpec, validator: &ParamsValidator, de: Deserialize, params: Vec<Value>) {
    match validator.validate(&params) {
        Ok(object) => {
            if let Err(e) = de(Value::Object(object)) {
                panic!(
                    "{}: validator accepted {params:?} but the handler's type rejects it: {e}",
                    spec.name
                );
            }
        }
        Err(items) => {
            assert!(!items.is_empty(), "{}: rejection without items", spec.name);
            for item in items {
                let attr = item.attribute.unwrap_or_default();
                let names_arg = attr.is_empty()
                    || spec
                        .args
                        .iter()
                        .any(|a| attr == a.name || attr.starts_with(&format!("{}.", a.name)));
                assert!(names_arg, "{}: attribute {attr:?} names no argument", spec.name);
                assert_eq!(item.errno, 22);
            }
        }
    }
}

fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    for (i, chunk) in out.chunks_mut(8).enumerate() {
        chunk.copy_from_slice(&(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15).wrapping_add(i as u64)).to_le_bytes());
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn accepted_params_always_deserialize(seed in any::<u64>()) {
        let deserializers = deserializers();
        for spec in accountd_api::methods::all() {
            let validator = ParamsValidator::compile(&spec).expect("compiles");
            let mut names = vec!["x".to_string()];
            for arg in &spec.args {
                field_names(&arg.schema, &mut names);
            }
            let strategy = proptest::collection::vec(json_value(names), 0..=spec.args.len() + 1);
            let mut runner = TestRunner::new_with_rng(
                ProptestConfig { cases: 8, ..ProptestConfig::default() },
                TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)),
            );
            let de = deserializers[spec.name];
            runner
                .run(&strategy, |params| {
                    check_method(&spec, &validator, de, params);
                    Ok(())
                })
                .expect("property holds");
        }
    }
}

#[test]
fn the_example_params_of_every_method_are_accepted() {
    let deserializers = deserializers();
    for spec in accountd_api::methods::all() {
        let validator = ParamsValidator::compile(&spec).expect("compiles");
        for example in spec.examples {
            let params: Vec<Value> = serde_json::from_str(example.params).expect("json");
            let object = validator
                .validate(&params)
                .unwrap_or_else(|e| panic!("{}: {e:?}", spec.name));
            deserializers[spec.name](Value::Object(object)).expect("deserializes");
        }
    }
}

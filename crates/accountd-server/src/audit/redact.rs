//! The params of an audited call as the audit log keeps them (TrueNAS `dump_args`): fields the method's
//! schema marks `writeOnly` (passwords) and fields named like secrets show as `********`; fields the schema does
//! not know are left out (they may be misspelled secrets).

use accountd_api::MethodSpec;
use accountd_api::types::common::REDACTED;
use serde_json::{Map, Value};

/// Field names that are secrets whatever the schema says.
const SECRET_NAMES: &[&str] = &[
    "password",
    "old_password",
    "new_password",
    "api_key",
    "key",
    "token",
    "otp_token",
    "secret",
];

/// The params with secrets replaced and unknown fields left out; positional params beyond the method's
/// arguments are left out too.
pub(crate) fn redact_params(spec: &MethodSpec, raw: &[Value]) -> Vec<Value> {
    raw.iter()
        .zip(&spec.args)
        .map(|(value, arg)| {
            let defs = arg.schema.get("$defs").and_then(Value::as_object);
            redact(value, &[&arg.schema], defs, 0)
        })
        .collect()
}

/// Nesting followed at most; anything deeper is dropped.
const MAX_DEPTH: usize = 16;

fn redact(value: &Value, schemas: &[&Value], defs: Option<&Map<String, Value>>, depth: usize) -> Value {
    if depth > MAX_DEPTH {
        return Value::Null;
    }
    let schemas = expand(schemas, defs, 0);
    if !value.is_null() && schemas.iter().any(|s| s.get("writeOnly") == Some(&Value::Bool(true))) {
        return Value::from(REDACTED);
    }
    match value {
        Value::Object(fields) => {
            let mut out = Map::new();
            for (name, v) in fields {
                if SECRET_NAMES.contains(&name.as_str()) {
                    out.insert(name.clone(), Value::from(REDACTED));
                    continue;
                }
                let known: Vec<&Value> = schemas
                    .iter()
                    .filter_map(|s| s.get("properties").and_then(|p| p.get(name)))
                    .collect();
                let open: Vec<&Value> = schemas
                    .iter()
                    .filter_map(|s| s.get("additionalProperties"))
                    .filter(|a| **a != Value::Bool(false))
                    .collect();
                if !known.is_empty() {
                    out.insert(name.clone(), redact(v, &known, defs, depth + 1));
                } else if !open.is_empty() {
                    out.insert(name.clone(), redact(v, &open, defs, depth + 1));
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let item_schemas: Vec<&Value> = schemas
                        .iter()
                        .filter_map(|s| {
                            s.get("prefixItems")
                                .and_then(|p| p.get(i))
                                .or_else(|| s.get("items").filter(|i| i.is_object()))
                        })
                        .collect();
                    redact(v, &item_schemas, defs, depth + 1)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The schemas `schemas` stand for: `$ref`s resolved and `allOf`/`anyOf`/`oneOf` branches included.
fn expand<'a>(schemas: &[&'a Value], defs: Option<&'a Map<String, Value>>, depth: usize) -> Vec<&'a Value> {
    let mut out = Vec::new();
    if depth > MAX_DEPTH {
        return out;
    }
    for s in schemas {
        out.push(*s);
        if let Some(target) = s
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/$defs/"))
            .and_then(|name| defs.and_then(|d| d.get(name)))
        {
            out.extend(expand(&[target], defs, depth + 1));
        }
        for key in ["allOf", "anyOf", "oneOf"] {
            if let Some(branches) = s.get(key).and_then(Value::as_array) {
                let branches: Vec<&Value> = branches.iter().collect();
                out.extend(expand(&branches, defs, depth + 1));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use accountd_api::methods::user::{UserCreate, UserSetPassword, UserSetupLocalAdministrator, UserUpdate};
    use serde_json::json;

    fn check<M: accountd_api::Method>(raw: Value, expected: Value) {
        let spec = MethodSpec::of::<M>();
        let raw = raw.as_array().cloned().unwrap();
        assert_eq!(Value::Array(redact_params(&spec, &raw)), expected);
    }

    #[test]
    fn secrets_are_replaced_and_unknown_fields_dropped() {
        check::<UserCreate>(
            json!([{"username": "sergey", "password": "pw", "full_name": "S", "groups": [1, 2]}]),
            json!([{"username": "sergey", "password": "********", "full_name": "S", "groups": [1, 2]}]),
        );
        check::<UserCreate>(
            json!([{"username": "sergey", "passwrod": "pw"}]),
            json!([{"username": "sergey"}]),
        );
        check::<UserCreate>(
            json!([{"username": "x", "password": null}]),
            json!([{"username": "x", "password": "********"}]),
        );
        check::<UserUpdate>(
            json!([4, {"password": "pw", "email": "a@b"}, "extra"]),
            json!([4, {"password": "********", "email": "a@b"}]),
        );
        check::<UserSetPassword>(
            json!([{"username": "alice", "old_password": "a", "new_password": "b"}]),
            json!([{"username": "alice", "old_password": "********", "new_password": "********"}]),
        );
        check::<UserSetupLocalAdministrator>(
            json!(["truenas_admin", "secret-pw"]),
            json!(["truenas_admin", "********"]),
        );
    }
}

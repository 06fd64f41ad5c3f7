//! The OpenRPC 1.3 document of the API, generated from the method table.

use serde_json::{Map, Value, json};

use crate::method::{Access, MethodSpec};

/// OpenRPC version of the document.
pub const OPENRPC_VERSION: &str = "1.3.2";

/// Moves `$defs` of a schema into the shared components, rewriting `#/$defs/X` refs to
/// `#/components/schemas/X`.
fn hoist(schema: &Value, components: &mut Map<String, Value>) -> Value {
    let mut schema = schema.clone();
    if let Some(obj) = schema.as_object_mut() {
        obj.remove("$schema");
        if let Some(Value::Object(defs)) = obj.remove("$defs") {
            for (name, def) in defs {
                let def = rewrite_refs(def);
                components.entry(name).or_insert(def);
            }
        }
    }
    rewrite_refs(schema)
}

fn rewrite_refs(value: Value) -> Value {
    match value {
        Value::Object(obj) => Value::Object(
            obj.into_iter()
                .map(|(k, v)| {
                    let v = match (&*k, v) {
                        ("$ref", Value::String(r)) => Value::String(r.replacen("#/$defs/", "#/components/schemas/", 1)),
                        (_, v) => rewrite_refs(v),
                    };
                    (k, v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(rewrite_refs).collect()),
        other => other,
    }
}

/// Builds the document for these methods.
///
/// Examples carry their params only: the responses are in the reference pages (and `rpc.discover`'s own
/// response would otherwise have to contain itself).
pub fn document(specs: &[MethodSpec], version: &str) -> Value {
    let mut components = Map::new();
    let methods: Vec<Value> = specs
        .iter()
        .map(|spec| {
            let params: Vec<Value> = spec
                .args
                .iter()
                .map(|arg| {
                    let mut p = json!({"name": arg.name, "required": arg.required, "schema": hoist(&arg.schema, &mut components)});
                    if let Some(d) = arg.schema.get("description") {
                        p["description"] = d.clone();
                    }
                    p
                })
                .collect();
            let roles = match spec.access {
                Access::NoAuth => json!("none"),
                Access::AnyUser => json!("any logged-in user"),
                Access::Roles(r) => json!(r.iter().map(|r| r.as_str()).collect::<Vec<_>>()),
            };
            let summary: String = spec.doc.lines().next().unwrap_or_default().chars().take(120).collect();
            json!({
                "name": spec.name,
                "summary": summary,
                "description": spec.doc,
                "paramStructure": "by-position",
                "params": params,
                "result": {"name": format!("{}_result", spec.name.replace('.', "_")), "schema": hoist(&spec.result, &mut components)},
                "x-roles": roles,
                "examples": spec.examples.iter().enumerate().map(|(i, e)| {
                    let values: Vec<Value> = serde_json::from_str(e.params).unwrap_or_default();
                    let params: Vec<Value> = spec.args.iter().zip(values).map(|(a, v)| json!({"name": a.name, "value": v})).collect();
                    json!({"name": format!("{} example {}", spec.name, i + 1), "description": e.fixture.describe(), "params": params})
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "openrpc": OPENRPC_VERSION,
        "info": {
            "title": "accountd",
            "version": version,
            "description": "TrueNAS-compatible user accounts over WebSocket JSON-RPC 2.0 (ws://HOST:PORT/api/current).",
        },
        "servers": [{"name": "accountd (default address)", "url": "ws://127.0.0.1:6780/api/current"}],
        "methods": methods,
        "components": {"schemas": components},
    })
}

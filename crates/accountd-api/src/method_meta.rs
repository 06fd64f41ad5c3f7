//! TrueNAS's `core.get_methods` metadata of a method, derived from the method table.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::method::{Access, MethodSpec};
use crate::roles::{CATALOGUE, Includes, closure};
use crate::types::core::MethodMetadata;

/// Nesting depth at which a recursive `$ref` stays a reference instead of being inlined again.
const MAX_REF_DEPTH: usize = 16;

/// The service of a method name: everything before the last dot (`auth.twofactor.config` -> `auth.twofactor`).
pub fn service_of(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(service, _)| service)
}

/// The metadata of `spec`; `all` is the whole table (a CRUD service is one that has a `create`).
pub fn metadata(spec: &MethodSpec, all: &[MethodSpec]) -> MethodMetadata {
    let service = service_of(spec.name);
    let attr = spec.name.rsplit('.').next().unwrap_or_default();
    let crud = all.iter().any(|m| m.name == format!("{service}.create"));
    let arg_names: Vec<&str> = spec.args.iter().map(|a| a.name.as_str()).collect();
    let accepts = spec
        .args
        .iter()
        .map(|arg| {
            let mut schema = arg.schema.clone();
            let defs = match schema.as_object_mut() {
                Some(obj) => {
                    obj.remove("$schema");
                    obj.remove("$defs")
                }
                None => None,
            };
            let mut schema = add_attrs(resolve_refs(schema, defs.as_ref(), 0));
            if let Some(obj) = schema.as_object_mut() {
                obj.insert("title".into(), Value::String(arg.name.clone()));
                obj.insert("_name_".into(), Value::String(arg.name.clone()));
                obj.insert("_required_".into(), Value::Bool(arg.required));
            }
            schema
        })
        .collect();
    let mut result = spec.result.clone();
    let defs = result.as_object_mut().and_then(|obj| {
        obj.remove("$schema");
        obj.remove("$defs")
    });
    let returns = vec![add_attrs(resolve_refs(result, defs.as_ref(), 0))];
    let mut examples = BTreeMap::new();
    if !spec.examples.is_empty() {
        examples.insert(
            "websocket".to_string(),
            spec.examples.iter().map(|e| e.params.to_string()).collect(),
        );
    }
    MethodMetadata {
        description: Some(spec.doc.clone()),
        cli_description: cli_description(&spec.doc),
        examples,
        item_method: crud && matches!(attr, "update" | "delete"),
        no_auth_required: spec.access == Access::NoAuth,
        filterable: arg_names == ["filters", "options"],
        filterable_schema: None,
        pass_application: true,
        require_websocket: true,
        job: false,
        downloadable: false,
        uploadable: false,
        check_pipes: false,
        roles: roles_for(spec.access),
        accepts,
        returns,
    }
}

/// TrueNAS `cli_description`: the first paragraph's first sentence, on one line.
fn cli_description(doc: &str) -> String {
    let paragraph = doc.split("\n\n").next().unwrap_or_default();
    paragraph.split('.').next().unwrap_or_default().replace('\n', " ")
}

/// TrueNAS `roles_for_method`: the roles given for the method and every catalogue role that includes one of
/// them, sorted; FULL_ADMIN (which includes nothing by name) is not among them.
fn roles_for(access: Access) -> Vec<String> {
    let Access::Roles(atomic) = access else {
        return Vec::new();
    };
    let mut roles: Vec<String> = CATALOGUE
        .iter()
        .filter(|r| !matches!(r.includes, Includes::Everything))
        .filter(|r| atomic.iter().any(|a| closure(r.name).contains(&a.as_str())))
        .map(|r| r.name.to_string())
        .collect();
    for role in atomic {
        let name = role.as_str().to_string();
        if !roles.contains(&name) {
            roles.push(name);
        }
    }
    roles.sort();
    roles
}

/// Replaces every `$ref` into `defs` with the definition (merged with the referring object's other keys).
fn resolve_refs(value: Value, defs: Option<&Value>, depth: usize) -> Value {
    match value {
        Value::Object(mut obj) => {
            if depth < MAX_REF_DEPTH
                && let Some(Value::String(reference)) = obj.get("$ref")
                && let Some(def) = reference
                    .strip_prefix("#/$defs/")
                    .and_then(|name| defs.and_then(|d| d.get(name)))
            {
                let def = def.clone();
                obj.remove("$ref");
                let mut merged = match resolve_refs(def, defs, depth + 1) {
                    Value::Object(m) => m,
                    other => {
                        let mut m = Map::new();
                        m.insert("allOf".into(), Value::Array(vec![other]));
                        m
                    }
                };
                for (k, v) in obj {
                    merged.insert(k, resolve_refs(v, defs, depth + 1));
                }
                return Value::Object(merged);
            }
            Value::Object(
                obj.into_iter()
                    .map(|(k, v)| (k, resolve_refs(v, defs, depth)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| resolve_refs(v, defs, depth)).collect()),
        other => other,
    }
}

/// TrueNAS `add_attrs`: each object schema lists its properties in `_attrs_order_`, and each property gets
/// `title`, `_name_` and `_required_`.
fn add_attrs(value: Value) -> Value {
    match value {
        Value::Object(obj) => {
            let mut obj: Map<String, Value> = obj.into_iter().map(|(k, v)| (k, add_attrs(v))).collect();
            let is_object = obj.get("type").and_then(Value::as_str) == Some("object");
            let required: Vec<String> = obj
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default();
            if is_object && let Some(Value::Object(props)) = obj.get_mut("properties") {
                let order: Vec<Value> = props.keys().map(|k| Value::String(k.clone())).collect();
                for (name, prop) in props.iter_mut() {
                    if let Some(p) = prop.as_object_mut() {
                        p.insert("title".into(), Value::String(name.clone()));
                        p.insert("_name_".into(), Value::String(name.clone()));
                        p.insert("_required_".into(), Value::Bool(required.contains(name)));
                    }
                }
                obj.insert("_attrs_order_".into(), Value::Array(order));
            }
            Value::Object(obj)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(add_attrs).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods;

    fn meta(name: &str) -> MethodMetadata {
        let all = methods::all();
        let spec = all.iter().find(|m| m.name == name).expect("method");
        metadata(spec, &all)
    }

    #[test]
    fn crud_flags_and_roles() {
        let update = meta("user.update");
        assert!(update.item_method && !update.filterable && !update.no_auth_required);
        assert_eq!(
            update.roles,
            ["ACCOUNT_WRITE"].map(String::from).to_vec(),
            "nothing but ACCOUNT_WRITE includes it"
        );
        let query = meta("user.query");
        assert!(query.filterable && !query.item_method);
        for role in ["ACCOUNT_READ", "ACCOUNT_WRITE", "READONLY_ADMIN", "SHARING_ADMIN"] {
            assert!(query.roles.iter().any(|r| r == role), "{role}: {:?}", query.roles);
        }
        assert!(!query.roles.iter().any(|r| r == "FULL_ADMIN"));
        let ping = meta("core.ping");
        assert!(ping.no_auth_required && ping.roles.is_empty());
        assert_eq!(
            ping.cli_description,
            "Answers `\"pong\"`: a liveness check that needs no login"
        );
    }

    #[test]
    fn accepts_are_self_contained_and_annotated() {
        let update = meta("user.update");
        assert_eq!(update.accepts.len(), 2);
        assert_eq!(update.accepts[0]["_name_"], "id");
        assert_eq!(update.accepts[1]["_required_"], true);
        let text = serde_json::to_string(&update.accepts).expect("json");
        assert!(!text.contains("$ref") && !text.contains("$defs"), "{text}");
        assert!(
            update.accepts[1]["_attrs_order_"]
                .as_array()
                .is_some_and(|o| !o.is_empty())
        );
        assert_eq!(update.accepts[1]["properties"]["username"]["_name_"], "username");
    }

    #[test]
    fn services_of_names() {
        assert_eq!(service_of("auth.twofactor.config"), "auth.twofactor");
        assert_eq!(service_of("user.query"), "user");
    }
}

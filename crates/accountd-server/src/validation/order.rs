//! Schema navigation, and the order issues are reported in: like pydantic, declared fields in declaration
//! order, then undeclared keys in input order; array items by index.

use serde_json::Value;

/// Deep enough for real `$ref` chains and nested unions; a cycle stops here.
const MAX_DEPTH: usize = 16;

/// Sort key of an instance path: one `(undeclared, position)` pair per segment.
pub(super) type OrderKey = Vec<(u8, usize)>;

/// Follows local `$ref`s (`#/...`) starting at `node`.
pub(super) fn resolve<'s>(root: &'s Value, mut node: &'s Value) -> &'s Value {
    for _ in 0..MAX_DEPTH {
        let target = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .and_then(|pointer| root.pointer(pointer));
        match target {
            Some(t) => node = t,
            None => break,
        }
    }
    node
}

/// The key of `path` (instance segments below the argument) for sorting issues.
pub(super) fn order_key(root: &Value, instance: &Value, path: &[String]) -> OrderKey {
    let mut key = Vec::with_capacity(path.len());
    let mut schema = Some(root);
    let mut value = Some(instance);
    for segment in path {
        if let Some(Value::Array(items)) = value {
            let index = segment.parse().unwrap_or(usize::MAX);
            key.push((0, index));
            schema = schema.and_then(|s| item(root, s, index, 0));
            value = items.get(index);
            continue;
        }
        let object = value.and_then(Value::as_object);
        match schema.and_then(|s| declared(root, s, segment, 0)) {
            Some((position, child)) => {
                key.push((0, position));
                schema = Some(child);
            }
            None => {
                let position = object
                    .and_then(|o| o.keys().position(|k| k == segment))
                    .unwrap_or(usize::MAX);
                key.push((1, position));
                schema = None;
            }
        }
        value = object.and_then(|o| o.get(segment));
    }
    key
}

/// The branches of `allOf`/`anyOf`/`oneOf` under `node`, resolved.
fn branches<'s>(root: &'s Value, node: &'s Value) -> impl Iterator<Item = &'s Value> {
    ["allOf", "anyOf", "oneOf"]
        .into_iter()
        .filter_map(move |k| node.get(k).and_then(Value::as_array))
        .flatten()
        .map(move |b| resolve(root, b))
}

/// Declaration index and schema of property `name` in `node` (or the first of its branches declaring it).
fn declared<'s>(root: &'s Value, node: &'s Value, name: &str, depth: usize) -> Option<(usize, &'s Value)> {
    let node = resolve(root, node);
    let found = node
        .get("properties")
        .and_then(Value::as_object)
        .and_then(|props| props.iter().enumerate().find(|(_, (k, _))| *k == name))
        .map(|(i, (_, schema))| (i, schema));
    if found.is_some() || depth >= MAX_DEPTH {
        return found;
    }
    branches(root, node).find_map(|b| declared(root, b, name, depth + 1))
}

/// Schema of array item `index` in `node` (or the first of its branches describing arrays).
fn item<'s>(root: &'s Value, node: &'s Value, index: usize, depth: usize) -> Option<&'s Value> {
    let node = resolve(root, node);
    let found = node
        .get("prefixItems")
        .and_then(Value::as_array)
        .and_then(|p| p.get(index))
        .or_else(|| node.get("items").filter(|s| s.is_object()));
    if found.is_some() || depth >= MAX_DEPTH {
        return found;
    }
    branches(root, node).find_map(|b| item(root, b, index, depth + 1))
}

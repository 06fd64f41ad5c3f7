//! `anyOf` / `oneOf`. A `oneOf` whose branches are objects pinning one common property to a constant is a
//! discriminated union and reports like pydantic's tagged unions (as rewritten by TrueNAS's `accept_params`);
//! any other union reports its most relevant branch.

use jsonschema::ValidationError;
use serde_json::Value;

use super::issue::{Collector, Issue, Kind};
use super::messages::{self, DICT_TYPE, FIELD_REQUIRED};
use super::order::resolve;

/// Issues of a failed untagged union at `path`.
pub(super) fn any_of(c: &Collector<'_>, path: Vec<String>, context: &[Vec<ValidationError<'_>>], out: &mut Vec<Issue>) {
    let branches: Vec<Vec<Issue>> = context.iter().map(|b| c.branch(b)).collect();
    let depth = path.len();
    if let Some(values) = merged_literals(&branches, depth) {
        let mismatch = branches.iter().flatten().all(|i| i.mismatch);
        out.push(c.issue(path, messages::literal(&values), Kind::Literal(values), mismatch));
        return;
    }
    // The null branch of a nullable type last, then branches the value's JSON type fits, then fewest issues.
    let best = branches
        .into_iter()
        .enumerate()
        .min_by_key(|(i, b)| (only_null(b), root_mismatch(b, depth), b.len(), *i))
        .map(|(_, b)| b);
    out.extend(best.unwrap_or_default());
}

/// Issues of a failed `oneOf` at `path` whose schema object is `node`.
pub(super) fn one_of(
    c: &Collector<'_>,
    mut path: Vec<String>,
    node: &Value,
    instance: &Value,
    context: &[Vec<ValidationError<'_>>],
    out: &mut Vec<Issue>,
) {
    let schemas = node
        .get("oneOf")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let Some((key, tags)) = discriminator(c.root(), schemas) else {
        return any_of(c, path, context, out);
    };
    let Some(object) = instance.as_object() else {
        out.push(c.issue(path, DICT_TYPE.to_string(), Kind::Type { null: false }, true));
        return;
    };
    let Some(tag) = object.get(key) else {
        // pydantic says "Unable to extract tag using discriminator 'k'"; TrueNAS reports `<path>.k` instead.
        path.push(key.to_string());
        out.push(c.issue(path, FIELD_REQUIRED.to_string(), Kind::Constraint(0), false));
        return;
    };
    let Some(branch) = tags.iter().position(|t| *t == tag).and_then(|i| context.get(i)) else {
        let message = messages::tag_invalid(tag, key, &tags);
        out.push(c.issue(path, message, Kind::Constraint(0), false));
        return;
    };
    let depth = path.len();
    let tag = messages::py_str(tag);
    for mut issue in c.branch(branch) {
        issue.path.insert(depth, tag.clone());
        out.push(issue);
    }
}

/// The discriminating property of `branches` and each branch's tag, when every branch is an object schema
/// pinning that property with `const` (or a one-value `enum`).
fn discriminator<'s>(root: &'s Value, branches: &'s [Value]) -> Option<(&'s str, Vec<&'s Value>)> {
    let resolved: Vec<&Value> = branches.iter().map(|b| resolve(root, b)).collect();
    let first = resolved.first()?.get("properties")?.as_object()?;
    first.keys().find_map(|key| {
        let tags: Option<Vec<&Value>> = resolved
            .iter()
            .map(|b| {
                b.get("properties")
                    .and_then(|p| p.get(key))
                    .map(|p| resolve(root, p))
                    .and_then(tag_of)
            })
            .collect();
        tags.map(|t| (key.as_str(), t))
    })
}

fn tag_of(property: &Value) -> Option<&Value> {
    property
        .get("const")
        .or_else(|| match property.get("enum").and_then(Value::as_array)?.as_slice() {
            [only] => Some(only),
            _ => None,
        })
}

/// All branches failed only on a literal at the union itself (an enum written as `oneOf` of `const`s):
/// their values together.
fn merged_literals(branches: &[Vec<Issue>], depth: usize) -> Option<Vec<Value>> {
    let mut values: Vec<Value> = Vec::new();
    for branch in branches {
        let [
            Issue {
                kind: Kind::Literal(vs),
                path,
                ..
            },
        ] = branch.as_slice()
        else {
            return None;
        };
        if path.len() != depth {
            return None;
        }
        for v in vs {
            if !values.contains(v) {
                values.push(v.clone());
            }
        }
    }
    (!values.is_empty()).then_some(values)
}

fn only_null(branch: &[Issue]) -> bool {
    !branch.is_empty() && branch.iter().all(|i| matches!(i.kind, Kind::Type { null: true }))
}

fn root_mismatch(branch: &[Issue], depth: usize) -> bool {
    branch.iter().any(|i| i.mismatch && i.path.len() == depth)
}

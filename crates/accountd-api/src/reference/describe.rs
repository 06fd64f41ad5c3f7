//! Human descriptions of JSON Schemas: type names, constraints, nested fields.

use serde_json::{Map, Value};

/// One row of a field table.
#[derive(Debug, Clone, PartialEq)]
pub struct TypeLine {
    /// Field name (dotted for nested fields).
    pub name: String,
    /// Type in words, e.g. `integer or null`.
    pub ty: String,
    /// Whether the field must be given.
    pub required: bool,
    /// Default value as JSON text, if any.
    pub default: Option<String>,
    /// Constraints in words.
    pub constraints: Vec<String>,
    /// Description.
    pub description: String,
}

fn resolve<'a>(schema: &'a Value, defs: &'a Map<String, Value>) -> &'a Value {
    match schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        Some(name) => defs.get(name).unwrap_or(schema),
        None => schema,
    }
}

/// The type of a schema in words.
pub fn type_name(schema: &Value, defs: &Map<String, Value>) -> String {
    if let Some(name) = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/$defs/"))
    {
        let target = defs.get(name);
        if let Some(t) = target
            && (t.get("properties").is_some() || t.get("oneOf").is_some())
        {
            return name.to_string();
        }
        return target.map(|t| type_name(t, defs)).unwrap_or_else(|| name.to_string());
    }
    if let Some(c) = schema.get("const") {
        return format!("`{c}`");
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        return e.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(" | ");
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array) {
            return branches
                .iter()
                .map(|b| type_name(b, defs))
                .collect::<Vec<_>>()
                .join(" or ");
        }
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array)
        && let Some(first) = all.first()
    {
        return type_name(first, defs);
    }
    let types: Vec<String> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => return "any".to_string(),
    };
    types
        .iter()
        .map(|t| match t.as_str() {
            "array" => match schema.get("items") {
                Some(items) if items.is_object() => format!("array of {}", type_name(items, defs)),
                _ => "array".to_string(),
            },
            "object" if schema.get("properties").is_none() => match schema.get("additionalProperties") {
                Some(v) if v.is_object() => format!("object of {}", type_name(v, defs)),
                _ => "object".to_string(),
            },
            other => other.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" or ")
}

/// Constraints of a schema in words.
pub fn constraints(schema: &Value, defs: &Map<String, Value>) -> Vec<String> {
    let s = resolve(schema, defs);
    let mut out = Vec::new();
    let num = |k: &str| s.get(k).and_then(Value::as_i64);
    if let Some(n) = num("minLength") {
        out.push(format!("at least {n} character{}", if n == 1 { "" } else { "s" }));
    }
    if let Some(n) = num("maxLength") {
        out.push(format!("at most {n} characters"));
    }
    if let Some(n) = s.get("minimum") {
        out.push(format!(">= {n}"));
    }
    if let Some(n) = s.get("maximum") {
        out.push(format!("<= {n}"));
    }
    if let Some(n) = num("minItems") {
        out.push(format!("at least {n} items"));
    }
    if let Some(n) = num("maxItems") {
        out.push(format!("at most {n} items"));
    }
    if let Some(p) = s.get("pattern").and_then(Value::as_str) {
        out.push(format!("matches `{p}`"));
    }
    if s.get("additionalProperties") == Some(&Value::Bool(false)) {
        out.push("no additional properties".to_string());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = s.get(key).and_then(Value::as_array) {
            for b in branches {
                out.extend(constraints(b, defs));
            }
        }
    }
    out.dedup();
    out
}

/// The fields of an object schema (following `$ref`s and tagged unions), nested objects flattened with dotted
/// names, at most `depth` levels deep.
pub fn describe_fields(schema: &Value, defs: &Map<String, Value>, prefix: &str, depth: usize) -> Vec<TypeLine> {
    let s = resolve(schema, defs);
    let mut out = Vec::new();
    if depth == 0 {
        return out;
    }
    if let Some(branches) = s.get("oneOf").or_else(|| s.get("anyOf")).and_then(Value::as_array) {
        for b in branches {
            out.extend(describe_fields(b, defs, prefix, depth));
        }
        return out;
    }
    let Some(props) = s.get("properties").and_then(Value::as_object) else {
        return out;
    };
    let required: Vec<&str> = s
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    for (name, prop) in props {
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        out.push(TypeLine {
            name: full.clone(),
            ty: type_name(prop, defs),
            required: required.contains(&name.as_str()),
            default: prop.get("default").map(Value::to_string),
            constraints: constraints(prop, defs),
            description: prop
                .get("description")
                .or_else(|| resolve(prop, defs).get("description"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string(),
        });
        let target = resolve(prop, defs);
        if target.get("properties").is_some() && prop.get("$ref").is_some() {
            out.extend(describe_fields(prop, defs, &full, depth - 1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names() {
        let defs = json!({"Obj": {"type": "object", "properties": {"a": {"type": "integer"}}}})
            .as_object()
            .cloned()
            .unwrap();
        let cases = [
            (json!({"type": "integer"}), "integer"),
            (json!({"type": ["string", "null"]}), "string or null"),
            (
                json!({"type": "array", "items": {"type": "integer"}}),
                "array of integer",
            ),
            (json!({"$ref": "#/$defs/Obj"}), "Obj"),
            (
                json!({"enum": ["root", "truenas_admin"]}),
                "`\"root\"` | `\"truenas_admin\"`",
            ),
            (
                json!({"anyOf": [{"type": "integer"}, {"type": "null"}]}),
                "integer or null",
            ),
        ];
        for (schema, expected) in cases {
            assert_eq!(type_name(&schema, &defs), expected, "{schema}");
        }
    }

    #[test]
    fn constraints_in_words() {
        let s = json!({"type": "string", "minLength": 1, "maxLength": 1024});
        assert_eq!(
            constraints(&s, &Map::new()),
            ["at least 1 character", "at most 1024 characters"]
        );
    }
}

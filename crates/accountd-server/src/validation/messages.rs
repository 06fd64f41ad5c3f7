//! pydantic v2's message texts (pydantic-core `ErrorType` templates, Python mode, as TrueNAS shows them).

use serde_json::Value;

/// `missing`.
pub(super) const FIELD_REQUIRED: &str = "Field required";
/// `extra_forbidden`.
pub(super) const EXTRA_FORBIDDEN: &str = "Extra inputs are not permitted";
/// `dict_type`.
pub(super) const DICT_TYPE: &str = "Input should be a valid dictionary";

/// TrueNAS `accept_params`: more positional params than declared arguments.
pub(super) fn too_many_arguments(expected: usize, found: usize) -> String {
    format!("Too many arguments (expected {expected}, found {found})")
}

/// The strict-mode type error for a JSON Schema type name; `model` names the struct for `model_type`.
pub(super) fn type_error(expected: &str, model: Option<&str>) -> String {
    let what = match expected {
        "integer" => "a valid integer",
        "number" => "a valid number",
        "string" => "a valid string",
        "boolean" => "a valid boolean",
        "array" => "a valid list",
        "null" => return "Input should be None".to_string(),
        "object" => match model {
            Some(name) => return format!("Input should be a valid dictionary or instance of {name}"),
            None => return DICT_TYPE.to_string(),
        },
        _ => "valid",
    };
    format!("Input should be {what}")
}

/// `literal_error` / `enum`: `'A'`, `'A' or 'B'`, `'A', 'B' or 'C'`.
pub(super) fn literal(values: &[Value]) -> String {
    let reprs: Vec<String> = values.iter().map(py_repr).collect();
    let expected = match reprs.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    };
    format!("Input should be {expected}")
}

/// `union_tag_invalid`.
pub(super) fn tag_invalid(tag: &Value, key: &str, tags: &[&Value]) -> String {
    let expected: Vec<String> = tags.iter().map(|t| py_repr(t)).collect();
    format!(
        "Input tag '{}' found using {} does not match any of the expected tags: {}",
        py_str(tag),
        py_repr(&Value::String(key.to_string())),
        expected.join(", ")
    )
}

/// `string_too_short`.
pub(super) fn string_too_short(min: u64) -> String {
    format!("String should have at least {min} character{}", plural(min))
}

/// `string_too_long`.
pub(super) fn string_too_long(max: u64) -> String {
    format!("String should have at most {max} character{}", plural(max))
}

/// `string_pattern_mismatch`.
pub(super) fn pattern(pattern: &str) -> String {
    format!("String should match pattern '{pattern}'")
}

/// `too_short` for lists.
pub(super) fn list_too_short(min: u64, actual: usize) -> String {
    format!(
        "List should have at least {min} item{} after validation, not {actual}",
        plural(min)
    )
}

/// `too_long` for lists.
pub(super) fn list_too_long(max: u64, actual: usize) -> String {
    format!(
        "List should have at most {max} item{} after validation, not {actual}",
        plural(max)
    )
}

/// `greater_than_equal`, `greater_than`, `less_than_equal`, `less_than`, `multiple_of`.
pub(super) fn bound(relation: &str, limit: &Value) -> String {
    format!("Input should be {relation} {}", number(limit))
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A limit as pydantic-core prints its `Number` (integers as integers, floats without a trailing `.0`).
fn number(v: &Value) -> String {
    match v.as_f64() {
        Some(f) if !v.is_i64() && !v.is_u64() => f.to_string(),
        _ => v.to_string(),
    }
}

pub(super) use accountd_api::pytext::{repr as py_repr, str_of as py_str};

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn literal_lists_read_like_pydantic() {
        assert_eq!(literal(&[json!("A")]), "Input should be 'A'");
        assert_eq!(literal(&[json!("A"), json!("B")]), "Input should be 'A' or 'B'");
        assert_eq!(
            literal(&[json!("A"), json!("B"), json!("C")]),
            "Input should be 'A', 'B' or 'C'"
        );
        assert_eq!(literal(&[json!(30), json!(60)]), "Input should be 30 or 60");
        assert_eq!(literal(&[json!(true), json!(null)]), "Input should be True or None");
    }

    #[test]
    fn python_string_repr() {
        assert_eq!(py_repr(&json!("it's")), "\"it's\"");
        assert_eq!(py_repr(&json!("a'\"b")), "'a\\'\"b'");
        assert_eq!(py_repr(&json!("a\\b\n")), "'a\\\\b\\n'");
    }

    #[test]
    fn plurals_and_numbers() {
        assert_eq!(string_too_short(1), "String should have at least 1 character");
        assert_eq!(string_too_short(2), "String should have at least 2 characters");
        assert_eq!(string_too_long(1024), "String should have at most 1024 characters");
        assert_eq!(
            list_too_short(1, 0),
            "List should have at least 1 item after validation, not 0"
        );
        assert_eq!(
            list_too_long(2, 3),
            "List should have at most 2 items after validation, not 3"
        );
        assert_eq!(bound("greater than", &json!(1.5)), "Input should be greater than 1.5");
        assert_eq!(
            bound("less than or equal to", &json!(2.0)),
            "Input should be less than or equal to 2"
        );
        assert_eq!(
            bound("greater than or equal to", &json!(0)),
            "Input should be greater than or equal to 0"
        );
    }

    #[test]
    fn tag_invalid_quotes_key_and_tags() {
        let (a, b) = (json!("A"), json!("B"));
        assert_eq!(
            tag_invalid(&json!("X"), "mechanism", &[&a, &b]),
            "Input tag 'X' found using 'mechanism' does not match any of the expected tags: 'A', 'B'"
        );
    }
}

//! JSON-encoded columns.

use serde_json::Value;

pub(crate) fn from_json_list(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn to_json_list(list: &[String]) -> String {
    serde_json::to_string(list).unwrap_or_else(|_| "[]".to_string())
}

pub(crate) fn from_json_opt(text: Option<String>) -> Option<Value> {
    text.and_then(|t| serde_json::from_str(&t).ok())
}

pub(crate) fn to_json_opt(value: &Option<Value>) -> Option<String> {
    value.as_ref().map(Value::to_string)
}

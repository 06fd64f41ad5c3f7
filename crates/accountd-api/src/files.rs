//! The committed schema files under `schemas/`, generated from the method table.

use serde_json::Value;

use crate::methods;

/// `(file name, content)` of every generated schema file: `<method>.params.json` and
/// `<method>.result.json` per method, plus `index.json` listing the methods.
pub fn schema_files() -> Vec<(String, String)> {
    let mut files = Vec::new();
    let mut index = Vec::new();
    for spec in methods::all() {
        files.push((format!("{}.params.json", spec.name), pretty(&spec.params_schema())));
        files.push((format!("{}.result.json", spec.name), pretty(&spec.result_schema())));
        index.push(serde_json::json!({
            "method": spec.name,
            "roles": spec.access.describe(),
            "params": format!("{}.params.json", spec.name),
            "result": format!("{}.result.json", spec.name),
        }));
    }
    files.push(("index.json".to_string(), pretty(&Value::Array(index))));
    files
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

//! JSON Schema generation settings shared by validation, the schema files and the reference.

use schemars::{JsonSchema, Schema, generate::SchemaSettings, transform::Transform};
use serde_json::Value;

/// The JSON Schema dialect of every generated schema.
pub const DRAFT: &str = "https://json-schema.org/draft/2020-12/schema";

/// TrueNAS's default maximum string length for fields that are not `LongString`.
pub const DEFAULT_MAX_STRING: u64 = 1024;

/// Schema extension marking a string field as TrueNAS `LongString` (no default length cap).
pub const LONG_STRING: &str = "x-long-string";

/// Generates the draft 2020-12 schema of `T` with accountd's transforms applied.
pub fn schema_for<T: JsonSchema>() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with_transform(DefaultStringLimit)
        .into_generator();
    let schema = generator.root_schema_for::<T>();
    schema.to_value()
}

/// Adds `maxLength: 1024` to every string schema that sets no limit and is not marked long.
#[derive(Debug, Clone)]
struct DefaultStringLimit;

impl Transform for DefaultStringLimit {
    fn transform(&mut self, schema: &mut Schema) {
        if let Some(obj) = schema.as_object_mut() {
            let is_string = match obj.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(ts)) => ts.iter().any(|t| t == "string"),
                _ => false,
            };
            let long = obj.remove(LONG_STRING).is_some();
            if is_string && !long && !obj.contains_key("maxLength") && !obj.contains_key("enum") {
                obj.insert("maxLength".into(), Value::from(DEFAULT_MAX_STRING));
            }
        }
        schemars::transform::transform_subschemas(self, schema);
    }
}

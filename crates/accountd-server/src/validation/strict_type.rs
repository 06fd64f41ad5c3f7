//! A strict `type` keyword. JSON Schema counts `3000.0` as an integer; pydantic's strict mode does not, so
//! `integer` here accepts only numbers written without a fraction or exponent. The error carries no text:
//! the message is chosen later from the schema (see `issue.rs`).

use jsonschema::paths::Location;
use jsonschema::{Keyword, ValidationError};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy)]
enum Kind {
    Null,
    Boolean,
    Integer,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    fn parse(name: &str) -> Option<Kind> {
        Some(match name {
            "null" => Kind::Null,
            "boolean" => Kind::Boolean,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            "string" => Kind::String,
            "array" => Kind::Array,
            "object" => Kind::Object,
            _ => return None,
        })
    }

    fn accepts(self, v: &Value) -> bool {
        match (self, v) {
            (Kind::Null, Value::Null)
            | (Kind::Boolean, Value::Bool(_))
            | (Kind::Number, Value::Number(_))
            | (Kind::String, Value::String(_))
            | (Kind::Array, Value::Array(_))
            | (Kind::Object, Value::Object(_)) => true,
            (Kind::Integer, Value::Number(n)) => n.is_i64() || n.is_u64(),
            _ => false,
        }
    }
}

struct StrictType(Vec<Kind>);

impl<'i> Keyword<'i> for StrictType {
    fn validate(&self, instance: &'i Value) -> Result<(), ValidationError<'i>> {
        if self.is_valid(instance) {
            Ok(())
        } else {
            Err(ValidationError::custom("type"))
        }
    }

    fn is_valid(&self, instance: &'i Value) -> bool {
        self.0.iter().any(|k| k.accepts(instance))
    }
}

/// Builds the keyword from a `type` value: one type name or a list of them.
pub(super) fn factory<'a>(
    _parent: &'a Map<String, Value>,
    value: &'a Value,
    _path: Location,
) -> Result<Box<dyn for<'i> Keyword<'i>>, ValidationError<'a>> {
    let names: Vec<&str> = match value {
        Value::String(s) => vec![s.as_str()],
        Value::Array(items) => items
            .iter()
            .map(Value::as_str)
            .collect::<Option<_>>()
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let kinds: Option<Vec<Kind>> = names.iter().map(|n| Kind::parse(n)).collect();
    match kinds {
        Some(kinds) if !kinds.is_empty() => Ok(Box::new(StrictType(kinds))),
        _ => Err(ValidationError::schema(format!("unsupported type {value}"))),
    }
}

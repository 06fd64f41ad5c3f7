//! Params validation: each positional argument is checked against its compiled JSON Schema and every
//! failure becomes a TrueNAS validation item worded like pydantic v2 (the TrueNAS middleware's
//! `accept_params`), with `<arg_name>.<field path>` attributes.

mod issue;
mod messages;
mod order;
mod strict_type;
mod unions;

#[cfg(test)]
mod tests;

use accountd_api::MethodSpec;
use accountd_core::error::{ValidationItem, errno};
use jsonschema::{Draft, Validator};
use serde_json::{Map, Value};

use issue::Collector;

/// Compiled validators for one method's positional params (compile once per method at startup).
pub struct ParamsValidator {
    args: Vec<CompiledArg>,
}

struct CompiledArg {
    name: String,
    required: bool,
    schema: Value,
    validator: Validator,
}

impl ParamsValidator {
    /// Compiles every argument schema of `spec` (draft 2020-12, `format` not asserted, no remote refs).
    pub fn compile(spec: &MethodSpec) -> Result<Self, String> {
        let args = spec
            .args
            .iter()
            .map(|arg| {
                let validator = jsonschema::options()
                    .with_draft(Draft::Draft202012)
                    .should_validate_formats(false)
                    .with_keyword("type", strict_type::factory)
                    .build(&arg.schema)
                    .map_err(|e| format!("{}: {e}", arg.name))?;
                Ok(CompiledArg {
                    name: arg.name.clone(),
                    required: arg.required,
                    schema: arg.schema.clone(),
                    validator,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        Ok(ParamsValidator { args })
    }

    /// Validates a positional params array and returns it as a JSON object `{arg_name: value, ...}` (only
    /// the args given), ready for deserialization into the method's `Args` struct, or the validation items.
    pub fn validate(&self, params: &[Value]) -> Result<Map<String, Value>, Vec<ValidationItem>> {
        if params.len() > self.args.len() {
            return Err(vec![item(
                String::new(),
                messages::too_many_arguments(self.args.len(), params.len()),
            )]);
        }
        let mut items = Vec::new();
        let mut object = Map::new();
        for (i, arg) in self.args.iter().enumerate() {
            match params.get(i) {
                Some(value) if arg.validator.is_valid(value) => {
                    object.insert(arg.name.clone(), value.clone());
                }
                Some(value) => {
                    let collector = Collector::new(&arg.schema, value);
                    let issues = collector.issues(arg.validator.iter_errors(value));
                    items.extend(issues.into_iter().map(|issue| {
                        let attribute = std::iter::once(arg.name.as_str())
                            .chain(issue.path.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(".");
                        item(attribute, issue.message)
                    }));
                }
                None if arg.required => items.push(item(arg.name.clone(), messages::FIELD_REQUIRED.to_string())),
                None => {}
            }
        }
        if items.is_empty() { Ok(object) } else { Err(items) }
    }
}

fn item(attribute: String, message: String) -> ValidationItem {
    ValidationItem {
        attribute: Some(attribute),
        message,
        errno: errno::EINVAL,
    }
}

/// TrueNAS's `data.reason` for validation items: one `"[ERRNAME] attribute: message\n"` line per item, as
/// `str(ValidationErrors)` renders it (a null attribute prints as `None`, an empty one as nothing).
pub fn reason_lines(items: &[ValidationItem]) -> String {
    items
        .iter()
        .map(|i| {
            format!(
                "[{}] {}: {}\n",
                errno::name(i.errno),
                i.attribute.as_deref().unwrap_or("None"),
                i.message
            )
        })
        .collect()
}

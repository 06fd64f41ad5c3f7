//! Turns jsonschema errors into pydantic-worded issues at instance paths below one argument.

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind as K;
use serde_json::Value;

use super::messages::{self, EXTRA_FORBIDDEN, FIELD_REQUIRED};
use super::order::{OrderKey, order_key};
use super::unions;

/// Which kind of failure an issue is; decides which one is kept when several hit one location.
#[derive(Debug, Clone)]
pub(super) enum Kind {
    /// A literal (`enum`/`const`) mismatch, with the allowed values. pydantic reports these instead of a
    /// type error.
    Literal(Vec<Value>),
    /// A type mismatch; `null` when the expected type is null.
    Type { null: bool },
    /// Any other check, ranked in pydantic's check order (lower first).
    Constraint(u8),
}

impl Kind {
    fn rank(&self) -> u8 {
        match self {
            Kind::Literal(_) => 0,
            Kind::Type { .. } => 1,
            Kind::Constraint(n) => n.saturating_add(2),
        }
    }
}

/// One failure at an instance path below the argument.
#[derive(Debug, Clone)]
pub(super) struct Issue {
    /// Instance path segments (object keys, array indexes, inserted union tags).
    pub path: Vec<String>,
    /// Sort key, computed from the instance path before any tag was inserted.
    pub order: OrderKey,
    /// pydantic's text.
    pub message: String,
    /// What failed.
    pub kind: Kind,
    /// The value's JSON type does not fit at all (a type error, or a literal of another type).
    pub mismatch: bool,
}

/// Collects the issues of one argument value against its schema.
pub(super) struct Collector<'a> {
    root: &'a Value,
    instance: &'a Value,
}

impl<'a> Collector<'a> {
    /// A collector for `instance` validated against the argument schema `root`.
    pub fn new(root: &'a Value, instance: &'a Value) -> Self {
        Collector { root, instance }
    }

    /// The argument schema.
    pub fn root(&self) -> &'a Value {
        self.root
    }

    /// All issues of `errors`, sorted and with one issue per location.
    pub fn issues<'e>(&self, errors: impl Iterator<Item = ValidationError<'e>>) -> Vec<Issue> {
        let mut out = Vec::new();
        for e in errors {
            self.collect(&e, &mut out);
        }
        finish(out)
    }

    /// Like [`Self::issues`] for the errors of one union branch.
    pub fn branch(&self, errors: &[ValidationError<'_>]) -> Vec<Issue> {
        let mut out = Vec::new();
        for e in errors {
            self.collect(e, &mut out);
        }
        finish(out)
    }

    /// An issue at `path`.
    pub fn issue(&self, path: Vec<String>, message: String, kind: Kind, mismatch: bool) -> Issue {
        let order = order_key(self.root, self.instance, &path);
        Issue {
            path,
            order,
            message,
            kind,
            mismatch,
        }
    }

    fn collect(&self, e: &ValidationError<'_>, out: &mut Vec<Issue>) {
        let path: Vec<String> = e.instance_path().segments().map(|s| s.to_string()).collect();
        let node_pointer = e
            .schema_path()
            .as_str()
            .rsplit_once('/')
            .map_or("", |(parent, _)| parent);
        let node = self.root.pointer(node_pointer).unwrap_or(&Value::Null);
        let instance: &Value = e.instance();
        let constraint = |n: u8, message: String| self.issue(path.clone(), message, Kind::Constraint(n), false);
        let issue = match e.kind() {
            K::Custom { keyword, .. } if keyword == "type" => self.type_issue(path, node, node_pointer),
            K::Type { .. } => self.type_issue(path, node, node_pointer),
            K::Required { property } => {
                let mut path = path;
                path.push(messages::py_str(property));
                self.issue(path, FIELD_REQUIRED.to_string(), Kind::Constraint(0), false)
            }
            K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
                for key in unexpected {
                    let mut path = path.clone();
                    path.push(key.clone());
                    out.push(self.issue(path, EXTRA_FORBIDDEN.to_string(), Kind::Constraint(0), false));
                }
                return;
            }
            K::Enum { options } => self.literal(path, options.as_array().cloned().unwrap_or_default(), instance),
            K::Constant { expected_value } => self.literal(path, vec![(**expected_value).clone()], instance),
            K::MinLength { limit } => constraint(2, messages::string_too_short(*limit)),
            K::MaxLength { limit } => constraint(3, messages::string_too_long(*limit)),
            K::Pattern { pattern } => constraint(4, messages::pattern(pattern)),
            K::MultipleOf { .. } => {
                let limit = node.get("multipleOf").cloned().unwrap_or(Value::Null);
                constraint(2, messages::bound("a multiple of", &limit))
            }
            K::Maximum { limit } => constraint(3, messages::bound("less than or equal to", limit)),
            K::ExclusiveMaximum { limit } => constraint(4, messages::bound("less than", limit)),
            K::Minimum { limit } => constraint(5, messages::bound("greater than or equal to", limit)),
            K::ExclusiveMinimum { limit } => constraint(6, messages::bound("greater than", limit)),
            K::MinItems { limit } => constraint(2, messages::list_too_short(*limit, array_len(instance))),
            K::MaxItems { limit } => constraint(2, messages::list_too_long(*limit, array_len(instance))),
            K::AnyOf { context } => return unions::any_of(self, path, context, out),
            K::OneOfNotValid { context } => return unions::one_of(self, path, node, instance, context, out),
            // Shapes the method table does not produce; jsonschema's text without the value (it may be secret).
            _ => constraint(9, e.masked().to_string()),
        };
        out.push(issue);
    }

    fn type_issue(&self, path: Vec<String>, node: &Value, node_pointer: &str) -> Issue {
        let names: Vec<&str> = match node.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let expected = names
            .iter()
            .copied()
            .find(|n| *n != "null")
            .or(names.first().copied())
            .unwrap_or("");
        let model = node_pointer
            .strip_prefix("/$defs/")
            .filter(|name| !name.contains('/') && node.get("properties").is_some())
            .map(|name| name.replace("~1", "/").replace("~0", "~"));
        let message = messages::type_error(expected, model.as_deref());
        self.issue(
            path,
            message,
            Kind::Type {
                null: expected == "null",
            },
            true,
        )
    }

    fn literal(&self, path: Vec<String>, values: Vec<Value>, instance: &Value) -> Issue {
        let mismatch = !values.iter().any(|v| same_kind(v, instance));
        self.issue(path, messages::literal(&values), Kind::Literal(values), mismatch)
    }
}

/// Sorts issues by location (pydantic order) and keeps the first-checked one per location.
fn finish(mut issues: Vec<Issue>) -> Vec<Issue> {
    issues.sort_by(|a, b| a.order.cmp(&b.order).then(a.kind.rank().cmp(&b.kind.rank())));
    issues.dedup_by(|later, earlier| later.path == earlier.path);
    issues
}

fn array_len(v: &Value) -> usize {
    v.as_array().map_or(0, Vec::len)
}

fn same_kind(a: &Value, b: &Value) -> bool {
    std::mem::discriminant(a) == std::mem::discriminant(b)
}

//! The human reference: static HTML pages generated from the method table (one page per namespace and an
//! index), readable offline without JavaScript.

mod describe;
mod html;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::method::MethodSpec;

pub use describe::{TypeLine, describe_fields, type_name};

/// The captured response of each example, by method name, in example order: `{"result": ...}` or
/// `{"error": ...}` exactly as the server answered.
pub type ExampleResponses = BTreeMap<String, Vec<Value>>;

/// `(file name, HTML)` of every reference page: `index.html` and `<namespace>.html`.
pub fn render(specs: &[MethodSpec], responses: &ExampleResponses) -> Vec<(String, String)> {
    let mut namespaces: BTreeMap<&str, Vec<&MethodSpec>> = BTreeMap::new();
    for spec in specs {
        let ns = spec.name.split('.').next().unwrap_or(spec.name);
        namespaces.entry(ns).or_default().push(spec);
    }
    let mut pages = vec![("index.html".to_string(), html::index(&namespaces))];
    for (ns, methods) in &namespaces {
        pages.push((format!("{ns}.html"), html::namespace(ns, methods, responses)));
    }
    pages
}

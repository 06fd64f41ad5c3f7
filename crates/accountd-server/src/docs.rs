//! The served documentation: the reference pages and the OpenRPC document, rendered once at start-up from
//! the method table and the example responses captured by `accountd schemas`.

use std::collections::HashMap;

use accountd_api::MethodSpec;
use accountd_api::reference::ExampleResponses;
use serde_json::Value;

/// Example responses captured by `accountd schemas` (committed under `schemas/`).
const EXAMPLE_RESPONSES: &str = include_str!("../../../schemas/examples.json");

/// Rendered documentation.
pub struct Docs {
    /// The OpenRPC document.
    pub openrpc: Value,
    /// Reference pages by file name (`index.html`, `user.html`, ...).
    pub pages: HashMap<String, String>,
}

impl Docs {
    /// Renders the documentation of these methods.
    pub fn render(specs: &[MethodSpec]) -> Docs {
        let responses: ExampleResponses = serde_json::from_str(EXAMPLE_RESPONSES).unwrap_or_default();
        Docs {
            openrpc: accountd_api::openrpc::document(specs, env!("CARGO_PKG_VERSION")),
            pages: accountd_api::reference::render(specs, &responses).into_iter().collect(),
        }
    }
}

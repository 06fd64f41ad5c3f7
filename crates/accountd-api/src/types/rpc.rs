//! `rpc.discover` wire types.

use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

/// An OpenRPC 1.3 document describing every method.
#[derive(Debug, Clone, Serialize, JsonSchema)]
#[serde(transparent)]
pub struct OpenRpcDocument(#[schemars(schema_with = "openrpc_schema")] pub Value);

fn openrpc_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": "object",
        "required": ["openrpc", "info", "methods"],
        "properties": {
            "openrpc": {"type": "string"},
            "info": {"type": "object"},
            "methods": {"type": "array"},
            "components": {"type": "object"}
        }
    })
}

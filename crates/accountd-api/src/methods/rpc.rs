//! `rpc.*` methods.

use crate::Access;
use crate::declare_method;
use crate::types::common::NoArgs;
use crate::types::rpc::OpenRpcDocument;

declare_method! {
    /// The OpenRPC 1.3 document of this API (the same as `GET /api/openrpc.json`). No login needed.
    RpcDiscover = "rpc.discover", Access::NoAuth, NoArgs => OpenRpcDocument,
    examples: [
        Fresh r#"[]"#,
    ]
}

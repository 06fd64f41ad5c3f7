//! `rpc.discover`.

use accountd_api::methods::rpc::RpcDiscover;
use accountd_api::types::common::NoArgs;
use accountd_api::types::rpc::OpenRpcDocument;
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for RpcDiscover {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<OpenRpcDocument, Error> {
        Ok(OpenRpcDocument(ctx.state.docs.openrpc.clone()))
    }
}

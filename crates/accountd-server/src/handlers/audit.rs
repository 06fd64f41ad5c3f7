//! `audit.*`: the audit log's query, export and settings.

use accountd_api::methods::audit::*;
use accountd_api::types::audit::{AuditConfig, AuditEntry, AuditExportArgs, AuditQueryArgs, AuditUpdateArgs};
use accountd_api::types::common::NoArgs;
use accountd_api::types::query::QueryAnswer;
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for AuditQuery {
    async fn handle(ctx: CallContext, args: AuditQueryArgs) -> Result<QueryAnswer<AuditEntry>, Error> {
        ctx.state.audit.query(&args.data).await
    }
}

impl Handler for AuditConfigGet {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<AuditConfig, Error> {
        ctx.state.audit.config().await
    }
}

impl Handler for AuditUpdate {
    async fn handle(ctx: CallContext, args: AuditUpdateArgs) -> Result<AuditConfig, Error> {
        ctx.state.audit.update(&args.data).await
    }
}

impl Handler for AuditExport {
    async fn handle(ctx: CallContext, args: AuditExportArgs) -> Result<String, Error> {
        let username = ctx.caller()?.username.clone();
        ctx.state.audit.export(&username, &args.data).await
    }
}

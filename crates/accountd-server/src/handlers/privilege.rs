//! `privilege.*`.

use accountd_api::methods::privilege::*;
use accountd_api::types::common::Presented;
use accountd_api::types::privilege::{PrivilegeCreateArgs, PrivilegeDeleteArgs, PrivilegeEntry, PrivilegeUpdateArgs};
use accountd_api::types::query::{GetInstanceArgs, QueryArgs, QueryResponse};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for PrivilegeQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryResponse<PrivilegeEntry>, Error> {
        Ok(QueryResponse::new(
            ctx.state.accounts.privilege_query(&args.filters, &args.options).await?,
        ))
    }
}

impl Handler for PrivilegeGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Presented<PrivilegeEntry>, Error> {
        Ok(Presented::new(
            ctx.state
                .accounts
                .privilege_get_instance(args.id, &args.options)
                .await?,
        ))
    }
}

impl Handler for PrivilegeCreate {
    async fn handle(ctx: CallContext, args: PrivilegeCreateArgs) -> Result<PrivilegeEntry, Error> {
        ctx.state.accounts.privilege_create(args.privilege_create).await
    }
}

impl Handler for PrivilegeUpdate {
    async fn handle(ctx: CallContext, args: PrivilegeUpdateArgs) -> Result<PrivilegeEntry, Error> {
        ctx.state
            .accounts
            .privilege_update(args.id, args.privilege_update)
            .await
    }
}

impl Handler for PrivilegeDelete {
    async fn handle(ctx: CallContext, args: PrivilegeDeleteArgs) -> Result<bool, Error> {
        ctx.state.accounts.privilege_delete(args.id).await
    }
}

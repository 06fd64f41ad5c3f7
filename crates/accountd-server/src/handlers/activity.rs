//! `user.activity.*`.

use accountd_api::methods::activity::*;
use accountd_api::types::activity::UserActivityEntry;
use accountd_api::types::common::Presented;
use accountd_api::types::query::{GetInstanceArgs, QueryArgs, QueryResponse};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for UserActivityQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryResponse<UserActivityEntry>, Error> {
        Ok(QueryResponse::new(
            ctx.state
                .accounts
                .user_activity_query(&args.filters, &args.options)
                .await?,
        ))
    }
}

impl Handler for UserActivityGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Presented<UserActivityEntry>, Error> {
        Ok(Presented::new(
            ctx.state
                .accounts
                .user_activity_get_instance(args.id, &args.options)
                .await?,
        ))
    }
}

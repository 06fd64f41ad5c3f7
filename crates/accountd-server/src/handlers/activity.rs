//! `user.activity.*`.

use accountd_api::methods::activity::*;
use accountd_api::types::activity::UserActivityEntry;
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for UserActivityQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<UserActivityEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .user_activity_query(caller, &args.filters, &args.options)
            .await
    }
}

impl Handler for UserActivityGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<UserActivityEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .user_activity_get_instance(caller, args.id, &args.options)
            .await
    }
}

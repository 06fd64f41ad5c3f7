//! `auth_source.*`.

use accountd_api::methods::auth_source::*;
use accountd_api::types::auth_source::{
    AuthSourceCreateArgs, AuthSourceEntry, AuthSourceIdArgs, AuthSourceTestResult, AuthSourceUpdateArgs,
};
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for AuthSourceQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<AuthSourceEntry>, Error> {
        ctx.state.accounts.auth_source_query(&args.filters, &args.options).await
    }
}

impl Handler for AuthSourceGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<AuthSourceEntry>, Error> {
        ctx.state
            .accounts
            .auth_source_get_instance(args.id, &args.options)
            .await
    }
}

impl Handler for AuthSourceCreate {
    async fn handle(ctx: CallContext, args: AuthSourceCreateArgs) -> Result<AuthSourceEntry, Error> {
        ctx.state.accounts.auth_source_create(args.auth_source_create).await
    }
}

impl Handler for AuthSourceUpdate {
    async fn handle(ctx: CallContext, args: AuthSourceUpdateArgs) -> Result<AuthSourceEntry, Error> {
        ctx.state
            .accounts
            .auth_source_update(args.id, args.auth_source_update)
            .await
    }
}

impl Handler for AuthSourceDelete {
    async fn handle(ctx: CallContext, args: AuthSourceIdArgs) -> Result<bool, Error> {
        ctx.state.accounts.auth_source_delete(args.id).await
    }
}

impl Handler for AuthSourceTest {
    async fn handle(ctx: CallContext, args: AuthSourceIdArgs) -> Result<AuthSourceTestResult, Error> {
        ctx.state.accounts.auth_source_test(args.id).await
    }
}

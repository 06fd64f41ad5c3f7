//! `account_profile.*`.

use accountd_api::methods::account_profile::*;
use accountd_api::types::account_profile::{
    AccountProfileCreateArgs, AccountProfileDeleteArgs, AccountProfileEntry, AccountProfileUpdateArgs,
};
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for AccountProfileQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<AccountProfileEntry>, Error> {
        ctx.state
            .accounts
            .account_profile_query(&args.filters, &args.options)
            .await
    }
}

impl Handler for AccountProfileGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<AccountProfileEntry>, Error> {
        ctx.state
            .accounts
            .account_profile_get_instance(args.id, &args.options)
            .await
    }
}

impl Handler for AccountProfileCreate {
    async fn handle(ctx: CallContext, args: AccountProfileCreateArgs) -> Result<AccountProfileEntry, Error> {
        ctx.state
            .accounts
            .account_profile_create(args.account_profile_create)
            .await
    }
}

impl Handler for AccountProfileUpdate {
    async fn handle(ctx: CallContext, args: AccountProfileUpdateArgs) -> Result<AccountProfileEntry, Error> {
        ctx.state
            .accounts
            .account_profile_update(args.id, args.account_profile_update)
            .await
    }
}

impl Handler for AccountProfileDelete {
    async fn handle(ctx: CallContext, args: AccountProfileDeleteArgs) -> Result<bool, Error> {
        ctx.state.accounts.account_profile_delete(args.id).await
    }
}

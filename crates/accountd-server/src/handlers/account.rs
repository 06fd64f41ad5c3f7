//! `user.account.*`.

use accountd_api::methods::account::*;
use accountd_api::types::account::{AccountConfig, AccountUpdateArgs};
use accountd_api::types::common::NoArgs;
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for UserAccountConfig {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<AccountConfig, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.account_config(caller).await
    }
}

impl Handler for UserAccountUpdate {
    async fn handle(ctx: CallContext, args: AccountUpdateArgs) -> Result<AccountConfig, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .account_update(caller, ctx.session.origin.ip(), args.user_account_update)
            .await
    }
}

//! `auth.password_reset.*`.

use accountd_api::methods::password_reset::*;
use accountd_api::types::common::NoArgs;
use accountd_api::types::password_reset::{
    PasswordResetCompleteArgs, PasswordResetEntry, PasswordResetRequestArgs, PasswordResetUpdateArgs,
};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for AuthPasswordResetRequest {
    async fn handle(ctx: CallContext, args: PasswordResetRequestArgs) -> Result<(), Error> {
        ctx.state
            .accounts
            .password_reset_request(args.password_reset_request.email)
            .await
    }
}

impl Handler for AuthPasswordResetComplete {
    async fn handle(ctx: CallContext, args: PasswordResetCompleteArgs) -> Result<(), Error> {
        ctx.state
            .accounts
            .password_reset_complete(args.password_reset_complete)
            .await
    }
}

impl Handler for AuthPasswordResetConfig {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<PasswordResetEntry, Error> {
        ctx.state.accounts.password_reset_config().await
    }
}

impl Handler for AuthPasswordResetUpdate {
    async fn handle(ctx: CallContext, args: PasswordResetUpdateArgs) -> Result<PasswordResetEntry, Error> {
        ctx.state
            .accounts
            .password_reset_update(args.password_reset_update)
            .await
    }
}

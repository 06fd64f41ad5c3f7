//! `system.security.*`.

use accountd_api::methods::system::*;
use accountd_api::types::account_profile::{SystemSecurityEntry, SystemSecurityUpdateArgs};
use accountd_api::types::common::NoArgs;
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for SystemSecurityConfig {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<SystemSecurityEntry, Error> {
        ctx.state.accounts.system_security_config().await
    }
}

impl Handler for SystemSecurityUpdate {
    async fn handle(ctx: CallContext, args: SystemSecurityUpdateArgs) -> Result<SystemSecurityEntry, Error> {
        ctx.state
            .accounts
            .system_security_update(args.system_security_update)
            .await
    }
}

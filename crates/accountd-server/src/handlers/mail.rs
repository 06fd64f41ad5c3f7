//! `mail.*`.

use accountd_api::methods::mail::*;
use accountd_api::types::common::NoArgs;
use accountd_api::types::mail::{MailEntry, MailSendArgs, MailUpdateArgs};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for MailConfig {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<MailEntry, Error> {
        ctx.state.accounts.mail_config().await
    }
}

impl Handler for MailUpdate {
    async fn handle(ctx: CallContext, args: MailUpdateArgs) -> Result<MailEntry, Error> {
        ctx.state.accounts.mail_update(args.mail_update).await
    }
}

impl Handler for MailSend {
    async fn handle(ctx: CallContext, args: MailSendArgs) -> Result<bool, Error> {
        ctx.state.accounts.mail_send(args.message, args.config).await
    }
}

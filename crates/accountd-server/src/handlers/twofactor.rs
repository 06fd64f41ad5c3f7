//! Two-factor methods: `user.renew_2fa_secret`, `user.renew_2fa_recovery_codes`, `user.unset_2fa_secret`,
//! `user.provisioning_uri`, `user.twofactor_config`, `user.verify_twofactor_token`, `auth.twofactor.config` and
//! `auth.twofactor.update`.

use accountd_api::methods::auth::{AuthTwofactorConfig, AuthTwofactorUpdate};
use accountd_api::methods::user::{
    UserProvisioningUri, UserRenew2faRecoveryCodes, UserRenew2faSecret, UserTwofactorConfigGet, UserUnset2faSecret,
    UserVerifyTwofactorToken,
};
use accountd_api::types::common::NoArgs;
use accountd_api::types::twofactor::{
    Renew2faSecretArgs, RenewRecoveryCodesArgs, TwoFactorAuthEntry, TwoFactorAuthUpdateArgs, TwofactorUsernameArgs,
    UserTwofactorConfig, UserWithTwofactor, VerifyTwofactorTokenArgs,
};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for UserRenew2faSecret {
    async fn handle(ctx: CallContext, args: Renew2faSecretArgs) -> Result<UserWithTwofactor, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .renew_2fa_secret(caller, args.username, args.twofactor_options)
            .await
    }
}

impl Handler for UserVerifyTwofactorToken {
    async fn handle(ctx: CallContext, args: VerifyTwofactorTokenArgs) -> Result<bool, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .verify_twofactor_token(caller, args.username, args.token, ctx.session.origin.ip())
            .await
    }
}

impl Handler for UserRenew2faRecoveryCodes {
    async fn handle(ctx: CallContext, args: RenewRecoveryCodesArgs) -> Result<Vec<String>, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.renew_2fa_recovery_codes(caller, args.username).await
    }
}

impl Handler for UserUnset2faSecret {
    async fn handle(ctx: CallContext, args: TwofactorUsernameArgs) -> Result<(), Error> {
        ctx.state.accounts.unset_2fa_secret(args.username).await
    }
}

impl Handler for UserProvisioningUri {
    async fn handle(ctx: CallContext, args: TwofactorUsernameArgs) -> Result<String, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_provisioning_uri(caller, args.username).await
    }
}

impl Handler for UserTwofactorConfigGet {
    async fn handle(ctx: CallContext, args: TwofactorUsernameArgs) -> Result<UserTwofactorConfig, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_twofactor_config(caller, args.username).await
    }
}

impl Handler for AuthTwofactorConfig {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<TwoFactorAuthEntry, Error> {
        ctx.state.accounts.twofactor_config().await
    }
}

impl Handler for AuthTwofactorUpdate {
    async fn handle(ctx: CallContext, args: TwoFactorAuthUpdateArgs) -> Result<TwoFactorAuthEntry, Error> {
        ctx.state.accounts.twofactor_update(args.auth_twofactor_update).await
    }
}

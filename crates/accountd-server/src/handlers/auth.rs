//! `auth.*`.

use accountd_api::methods::auth::*;
use accountd_api::types::auth::{
    AuthMe as AuthMeEntry, Authenticator, LoginArgs, LoginData, LoginExArgs, LoginResult, SetAttributeArgs,
};
use accountd_api::types::common::NoArgs;
use accountd_core::Error;
use accountd_core::auth::LoginOutcome;

use crate::dispatch::{CallContext, Handler};
use crate::session::Login;

/// Checks a password and, on success, logs the connection in.
async fn login_with_password(ctx: &CallContext, username: &str, password: &str) -> Result<LoginOutcome, Error> {
    let generation = ctx.state.accounts.roles_generation();
    let outcome = ctx.state.accounts.login_password(username, password).await?;
    if let LoginOutcome::Success(caller) = &outcome {
        ctx.session.set_login(Some(Login {
            caller: caller.clone(),
            roles_generation: generation,
        }));
    }
    Ok(outcome)
}

impl Handler for AuthLoginEx {
    async fn handle(ctx: CallContext, args: LoginExArgs) -> Result<LoginResult, Error> {
        match args.login_data {
            LoginData::PasswordPlain {
                username,
                password,
                login_options,
            } => match login_with_password(&ctx, &username, &password).await? {
                LoginOutcome::Success(caller) => {
                    let user_info = if login_options.user_info {
                        Some(Box::new(ctx.state.accounts.auth_me(&caller).await?))
                    } else {
                        None
                    };
                    Ok(LoginResult::Success {
                        user_info,
                        authenticator: Authenticator::Level1,
                        reconnect_token: None,
                    })
                }
                LoginOutcome::AuthErr => Ok(LoginResult::AuthErr),
                LoginOutcome::Denied => Ok(LoginResult::Denied),
            },
        }
    }
}

impl Handler for AuthLogin {
    async fn handle(ctx: CallContext, args: LoginArgs) -> Result<bool, Error> {
        let outcome = login_with_password(&ctx, &args.username, &args.password).await?;
        Ok(matches!(outcome, LoginOutcome::Success(_)))
    }
}

impl Handler for AuthLogout {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<bool, Error> {
        ctx.session.set_login(None);
        Ok(true)
    }
}

impl Handler for AuthMe {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<AuthMeEntry, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.auth_me(caller).await
    }
}

impl Handler for AuthMechanismChoices {
    async fn handle(_ctx: CallContext, _args: NoArgs) -> Result<Vec<String>, Error> {
        Ok(vec!["PASSWORD_PLAIN".to_string()])
    }
}

impl Handler for AuthSetAttribute {
    async fn handle(ctx: CallContext, args: SetAttributeArgs) -> Result<(), Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.set_attribute(caller, args.key, args.value).await
    }
}

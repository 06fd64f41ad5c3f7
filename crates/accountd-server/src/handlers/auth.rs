//! `auth.*` logins: passwords, the one-time-password second step, tokens; logout and `auth.me`.

use accountd_api::methods::auth::*;
use accountd_api::types::auth::{
    AuthMe as AuthMeEntry, Authenticator, LoginArgs, LoginContinueData, LoginData, LoginExArgs, LoginExContinueArgs,
    LoginOptions, LoginResult, SetAttributeArgs,
};
use accountd_api::types::common::NoArgs;
use accountd_api::types::sessions::LoginWithTokenArgs;
use accountd_core::auth::LoginOutcome;
use accountd_core::error::errno;
use accountd_core::sessions::TokenRefusal;
use accountd_core::{Caller, Error};

use crate::dispatch::{CallContext, Handler};
use crate::session::{Credential, CredentialCheck, Login, PendingOtp};

/// The mechanisms `auth.login_ex` accepts as a first step, in TrueNAS's order (`OTP_TOKEN` only follows
/// `OTP_REQUIRED`).
const MECHANISMS: [&str; 3] = ["API_KEY_PLAIN", "TOKEN_PLAIN", "PASSWORD_PLAIN"];

/// Logs the connection in as `caller` (roles read at `roles_generation`) with `credential`.
pub(crate) fn complete_login(ctx: &CallContext, caller: Caller, roles_generation: u64, credential: Credential) {
    let login = Login {
        caller: Caller {
            session_id: Some(ctx.session.session_id.as_str().into()),
            ..caller
        },
        roles_generation,
        credential,
        login_at_ms: ctx.state.accounts.now_ms(),
    };
    ctx.state.sessions.set_login(&ctx.session, Some(login.clone()));
    crate::audit::login_succeeded(ctx, &login);
}

/// Refuses a password or one-time-password check while another runs on the same connection (each check
/// holds its connection's slot through its failure delay, so one connection tries one password at a time).
fn one_check_at_a_time(ctx: &CallContext) -> Result<CredentialCheck<'_>, Error> {
    ctx.session.begin_credential_check().ok_or_else(|| {
        Error::call(
            errno::EBUSY,
            "Another authentication attempt is in progress on this connection",
        )
    })
}

/// `auth.me` of `caller` on this connection.
async fn auth_me(ctx: &CallContext, caller: &Caller) -> Result<AuthMeEntry, Error> {
    let mut me = ctx.state.accounts.auth_me(caller).await?;
    super::api_key::mark_api_key_session(ctx, &mut me);
    Ok(me)
}

/// The `SUCCESS` answer, with `auth.me` unless the options say otherwise.
async fn success(
    ctx: &CallContext,
    caller: &Caller,
    options: &LoginOptions,
    authenticator: Authenticator,
) -> Result<LoginResult, Error> {
    let user_info = if options.user_info {
        Some(Box::new(auth_me(ctx, caller).await?))
    } else {
        None
    };
    Ok(LoginResult::Success {
        user_info,
        authenticator,
        reconnect_token: None,
    })
}

/// Waits the configured delay of a failed login.
pub(crate) async fn failure_delay(ctx: &CallContext) {
    tokio::time::sleep(ctx.state.accounts.config().login_failure_delay).await;
}

/// Checks a password. On success the connection is logged in; when a one-time password must follow, the
/// attempt is parked on the connection instead (replacing any earlier one) until the login timeout.
async fn password_step(ctx: &CallContext, username: &str, password: &str) -> Result<LoginOutcome, Error> {
    crate::audit::abandon_pending_otp(ctx);
    let generation = ctx.state.accounts.roles_generation();
    let origin = ctx.session.origin.ip();
    let outcome = ctx.state.accounts.login_password(username, password, origin).await?;
    crate::audit::login_outcome(ctx, "LOGIN_PASSWORD", Some(username), &outcome);
    match &outcome {
        LoginOutcome::Success(caller) => complete_login(ctx, caller.clone(), generation, Credential::LoginPassword),
        LoginOutcome::OtpRequired(caller) => {
            let timeout = ctx.state.limits.login_timeout.as_millis() as i64;
            ctx.session.set_pending_otp(Some(PendingOtp {
                caller: caller.clone(),
                roles_generation: generation,
                expires_at_ms: ctx.state.accounts.now_ms().saturating_add(timeout),
            }))
        }
        _ => {}
    }
    Ok(outcome)
}

/// Completes the pending password login with a one-time password: the logged-in caller, or `None` when the
/// code is wrong, the attempt timed out or the account is locked out (the attempt is over either way).
async fn otp_step(ctx: &CallContext, otp_token: String) -> Result<Option<Caller>, Error> {
    let Some(pending) = ctx.session.take_pending_otp() else {
        return Err(Error::call(errno::EINVAL, "OTP_TOKEN: no authentication in progress"));
    };
    let accounts = &ctx.state.accounts;
    let user_id = pending.caller.user_id;
    let in_time = accounts.now_ms() < pending.expires_at_ms;
    if !in_time {
        tracing::info!(user_id, "one-time password refused: the login attempt timed out");
    }
    if !in_time
        || !accounts
            .login_second_factor(user_id, otp_token, ctx.session.origin.ip())
            .await?
    {
        let error = "One-time token validation failed: Authentication failure";
        crate::audit::login_failed(ctx, "LOGIN_TWOFACTOR", Some(&pending.caller.username), error);
        failure_delay(ctx).await;
        return Ok(None);
    }
    let caller = pending.caller;
    complete_login(
        ctx,
        caller.clone(),
        pending.roles_generation,
        Credential::LoginTwofactor,
    );
    Ok(Some(caller))
}

/// Logs in with a token from `auth.generate_token`.
async fn token_step(ctx: &CallContext, token: &str) -> Result<LoginOutcome, Error> {
    crate::audit::abandon_pending_otp(ctx);
    let now = ctx.state.accounts.now_ms();
    let redeemed = match ctx.state.sessions.redeem_token(token, ctx.session.origin.ip(), now) {
        Ok(redeemed) => redeemed,
        Err(refusal) => {
            match refusal {
                TokenRefusal::BadToken => tracing::info!("token login failed: bad token (it has attributes)"),
                TokenRefusal::Invalid => tracing::info!("token login failed"),
            }
            crate::audit::login_failed(ctx, "TOKEN", None, "Invalid token");
            failure_delay(ctx).await;
            return Ok(LoginOutcome::AuthErr);
        }
    };
    let generation = ctx.state.accounts.roles_generation();
    let outcome = ctx.state.accounts.login_user(redeemed.user_id).await?;
    crate::audit::login_outcome(ctx, "TOKEN", None, &outcome);
    match &outcome {
        LoginOutcome::Success(caller) => {
            tracing::info!(user_id = caller.user_id, "token login succeeded");
            let credential = Credential::Token {
                hash: redeemed.hash,
                parent: Box::new(redeemed.parent),
            };
            complete_login(ctx, caller.clone(), generation, credential);
        }
        _ => {
            tracing::info!(
                user_id = redeemed.user_id,
                "token login refused: the user may not log in"
            );
            failure_delay(ctx).await;
        }
    }
    Ok(outcome)
}

/// `auth.login_ex` answer for a first-step outcome.
async fn answer(ctx: &CallContext, outcome: LoginOutcome, options: &LoginOptions) -> Result<LoginResult, Error> {
    Ok(match outcome {
        LoginOutcome::Success(caller) => success(ctx, &caller, options, Authenticator::Level1).await?,
        LoginOutcome::OtpRequired(caller) => LoginResult::OtpRequired {
            username: caller.username,
        },
        LoginOutcome::AuthErr => LoginResult::AuthErr,
        LoginOutcome::Denied => LoginResult::Denied,
        LoginOutcome::Expired => LoginResult::Expired,
    })
}

/// `auth.login_ex` / `auth.login_ex_continue` with `OTP_TOKEN`.
async fn otp_answer(ctx: &CallContext, otp_token: String, options: &LoginOptions) -> Result<LoginResult, Error> {
    match otp_step(ctx, otp_token).await? {
        Some(caller) => success(ctx, &caller, options, Authenticator::Level2).await,
        None => Ok(LoginResult::AuthErr),
    }
}

impl Handler for AuthLoginEx {
    async fn handle(ctx: CallContext, args: LoginExArgs) -> Result<LoginResult, Error> {
        match args.login_data {
            LoginData::PasswordPlain {
                username,
                password,
                login_options,
            } => {
                let _check = one_check_at_a_time(&ctx)?;
                let outcome = password_step(&ctx, &username, &password).await?;
                answer(&ctx, outcome, &login_options).await
            }
            LoginData::ApiKeyPlain {
                username,
                api_key,
                login_options,
            } => {
                crate::audit::abandon_pending_otp(&ctx);
                let outcome = super::api_key::login_api_key(&ctx, &username, &api_key).await?;
                answer(&ctx, outcome, &login_options).await
            }
            LoginData::TokenPlain { token, login_options } => {
                let outcome = token_step(&ctx, &token).await?;
                answer(&ctx, outcome, &login_options).await
            }
            LoginData::OtpToken {
                otp_token,
                login_options,
            } => {
                let _check = one_check_at_a_time(&ctx)?;
                otp_answer(&ctx, otp_token, &login_options).await
            }
        }
    }
}

impl Handler for AuthLoginExContinue {
    async fn handle(ctx: CallContext, args: LoginExContinueArgs) -> Result<LoginResult, Error> {
        match args.login_data {
            LoginContinueData::OtpToken {
                otp_token,
                login_options,
            } => {
                let _check = one_check_at_a_time(&ctx)?;
                otp_answer(&ctx, otp_token, &login_options).await
            }
        }
    }
}

impl Handler for AuthLogin {
    async fn handle(ctx: CallContext, args: LoginArgs) -> Result<bool, Error> {
        let _check = one_check_at_a_time(&ctx)?;
        match password_step(&ctx, &args.username, &args.password).await? {
            LoginOutcome::Success(_) => Ok(true),
            LoginOutcome::OtpRequired(_) => match args.otp_token {
                Some(code) => Ok(otp_step(&ctx, code).await?.is_some()),
                None => {
                    ctx.session.set_pending_otp(None);
                    Ok(false)
                }
            },
            _ => Ok(false),
        }
    }
}

impl Handler for AuthLoginWithToken {
    async fn handle(ctx: CallContext, args: LoginWithTokenArgs) -> Result<bool, Error> {
        let outcome = token_step(&ctx, &args.token).await?;
        Ok(matches!(outcome, LoginOutcome::Success(_)))
    }
}

impl Handler for AuthLogout {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<bool, Error> {
        if let Some(login) = ctx.session.login() {
            ctx.audit.push(crate::audit::logout(&ctx.state, &ctx.session, &login));
        }
        ctx.state.sessions.logout(&ctx.session);
        Ok(true)
    }
}

impl Handler for AuthMe {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<AuthMeEntry, Error> {
        let caller = ctx.caller()?;
        auth_me(&ctx, caller).await
    }
}

impl Handler for AuthMechanismChoices {
    async fn handle(_ctx: CallContext, _args: NoArgs) -> Result<Vec<String>, Error> {
        Ok(MECHANISMS.iter().map(|m| m.to_string()).collect())
    }
}

impl Handler for AuthSetAttribute {
    async fn handle(ctx: CallContext, args: SetAttributeArgs) -> Result<(), Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.set_attribute(caller, args.key, args.value).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `mechanism` value of a schema (the `const`s of the discriminator).
    fn mechanisms_of(schema: &serde_json::Value, out: &mut Vec<String>) {
        match schema {
            serde_json::Value::Object(o) => {
                if let Some(c) = o
                    .get("properties")
                    .and_then(|p| p.get("mechanism"))
                    .and_then(|m| m.get("const"))
                {
                    out.push(c.as_str().unwrap_or_default().to_string());
                }
                o.values().for_each(|v| mechanisms_of(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| mechanisms_of(v, out)),
            _ => {}
        }
    }

    #[test]
    fn mechanism_choices_list_every_first_step_of_login_data() {
        let mut found = Vec::new();
        mechanisms_of(&accountd_api::schema::schema_for::<LoginData>(), &mut found);
        found.sort();
        let mut expected: Vec<String> = MECHANISMS.iter().map(|m| m.to_string()).collect();
        expected.push("OTP_TOKEN".to_string());
        expected.sort();
        assert_eq!(found, expected);
    }
}

//! `auth.*` logins: passwords, the one-time-password second step, tokens; logout and `auth.me`.

use accountd_api::methods::auth::*;
use accountd_api::types::auth::{
    AuthMe as AuthMeEntry, Authenticator, GenerateOnetimePasswordArgs, LoginArgs, LoginContinueData, LoginData,
    LoginExArgs, LoginExContinueArgs, LoginOptions, LoginResult, SetAssuranceLevelArgs, SetAttributeArgs,
};
use accountd_api::types::common::NoArgs;
use accountd_api::types::sessions::{DEFAULT_TOKEN_TTL_SECS, LoginWithTokenArgs};
use accountd_core::assurance::AssuranceLevel;
use accountd_core::auth::LoginOutcome;
use accountd_core::authz;
use accountd_core::error::errno;
use accountd_core::sessions::TokenRefusal;
use accountd_core::twofactor::SecondFactor;
use accountd_core::{Caller, Error};

use crate::dispatch::{CallContext, Handler};
use crate::registry::SessionCapReached;
use crate::session::{Credential, CredentialCheck, Login, PendingOtp, SessionBounds};

/// The smallest `preferences.lifetime` a reconnect token takes from the user's attributes (TrueNAS's
/// `MIN_RECONNECT_TOKEN_TTL`).
const MIN_RECONNECT_TOKEN_TTL_SECS: i64 = 60;

/// Refuses a login mechanism the assurance level in effect does not permit (TrueNAS's EOPNOTSUPP), abandoning
/// a pending two-factor login as any other first step does.
pub(crate) async fn permit_mechanism(ctx: &CallContext, mechanism: &str) -> Result<(), Error> {
    let level = ctx.state.accounts.assurance_level().await?;
    if level.permits(mechanism) {
        return Ok(());
    }
    if mechanism != "OTP_TOKEN" {
        crate::audit::abandon_pending_otp(ctx);
    }
    tracing::info!(mechanism, level = level.name(), "login refused by the assurance level");
    Err(AssuranceLevel::refusal(mechanism))
}

/// The bounds of a login under `level`: token logins live as long as their token, every other login the
/// level's session age and idle timeout.
fn bounds_of(level: AssuranceLevel, credential: &Credential, now_ms: i64) -> SessionBounds {
    if matches!(credential, Credential::Token { .. }) {
        return SessionBounds::default();
    }
    SessionBounds {
        expires_at_ms: Some(now_ms.saturating_add(level.max_session_age_secs().saturating_mul(1000))),
        max_idle_ms: level.max_inactivity_secs().map(|s| s.saturating_mul(1000)),
    }
}

/// Logs the connection in as `caller` (roles read at `roles_generation`) with `credential`, bounded by the
/// assurance level in effect and by the session cap of the user's account profile: a login past the cap is
/// CallError EBUSY unless `terminate_others` ends the user's other sessions first (the credentials were
/// verified before, so the refusal tells nothing to someone who does not have them).
pub(crate) async fn complete_login(
    ctx: &CallContext,
    caller: Caller,
    roles_generation: u64,
    credential: Credential,
    terminate_others: bool,
) -> Result<(), Error> {
    complete_login_with(ctx, caller, roles_generation, credential, terminate_others, None).await
}

/// [`complete_login`] of a two-factor login, whose audit entry names the second factor when it was a
/// recovery code.
async fn complete_login_with(
    ctx: &CallContext,
    caller: Caller,
    roles_generation: u64,
    credential: Credential,
    terminate_others: bool,
    factor: Option<SecondFactor>,
) -> Result<(), Error> {
    let accounts = &ctx.state.accounts;
    let level = accounts.assurance_level().await?;
    let cap = accounts.max_sessions_of(caller.user_id).await?;
    let now = accounts.now_ms();
    let tenant = accounts.starting_tenant(caller.user_id).await?;
    let login = Login {
        caller: Caller {
            session_id: Some(ctx.session.session_id.as_str().into()),
            tenant,
            ..caller
        },
        roles_generation,
        bounds: bounds_of(level, &credential, now),
        credential,
        login_at_ms: now,
    };
    let user_id = login.caller.user_id;
    if let Err(SessionCapReached(n)) =
        ctx.state
            .sessions
            .log_in_capped(&ctx.session, login.clone(), cap, terminate_others)
    {
        let error = format!("Maximum number of sessions ({n}) reached for this user");
        let kind = login.credentials().credentials;
        crate::audit::login_failed(ctx, &kind, Some(&login.caller.username), &error);
        tracing::info!(user_id, cap = n, "login refused: the user's session cap is reached");
        return Err(Error::call(errno::EBUSY, error));
    }
    accounts.note_login(user_id, ctx.session.origin.ip()).await?;
    crate::audit::login_succeeded(ctx, &login, factor);
    Ok(())
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

/// The `SUCCESS` answer: `auth.me` unless the options say otherwise, the server's assurance level (as
/// TrueNAS reports it), and a reconnect token when asked for.
async fn success(ctx: &CallContext, caller: &Caller, options: &LoginOptions) -> Result<LoginResult, Error> {
    let logged_in = ctx.session.login().map(|l| l.caller);
    let mut caller = logged_in.as_ref().unwrap_or(caller).clone();
    if let Some(choice) = options.tenant {
        match ctx
            .state
            .accounts
            .tenant_to_enter(&caller, choice, "login_options.tenant")
            .await
        {
            Ok(tenant) => {
                super::tenant::switch_session(ctx, tenant);
                caller.tenant = tenant;
            }
            Err(refusal) => {
                // No session in a tenant the user did not ask for.
                if let Some(login) = ctx.session.login() {
                    ctx.audit.push(crate::audit::logout(&ctx.state, &ctx.session, &login));
                }
                ctx.state.sessions.logout(&ctx.session);
                return Err(refusal);
            }
        }
    }
    let caller = &caller;
    let me = if options.user_info || options.reconnect_token {
        Some(auth_me(ctx, caller).await?)
    } else {
        None
    };
    let level = ctx.state.accounts.assurance_level().await?;
    // A session restricted to changing its expired password gets no token to come back unrestricted with, and
    // one that logged in with a one-time password none at all.
    let reconnect_token = match (&me, options.reconnect_token) {
        (Some(me), true) if authz::may_get_reconnect_token(caller) => reconnect_token(ctx, caller, me, level)?,
        _ => None,
    };
    let authenticator = match level {
        AssuranceLevel::Level1 => Authenticator::Level1,
        AssuranceLevel::Level2 => Authenticator::Level2,
    };
    Ok(LoginResult::Success {
        user_info: me.filter(|_| options.user_info).map(Box::new),
        authenticator,
        reconnect_token,
    })
}

/// A reconnect token for the session just logged in (TrueNAS's `login_options.reconnect_token`): single-use,
/// bound to the client's address, without attributes, living 600 seconds or the user's UI `lifetime`
/// preference (at least 60), at most the level's session age. It is an ordinary token: stored as a digest, it
/// ends with the credentials it came from (a new password, a lock, a revoked key, a logout or termination of
/// the session that made it).
fn reconnect_token(
    ctx: &CallContext,
    caller: &Caller,
    me: &AuthMeEntry,
    level: AssuranceLevel,
) -> Result<Option<String>, Error> {
    let Some(login) = ctx.session.login() else {
        return Ok(None);
    };
    let preferred = me
        .attributes
        .get("preferences")
        .and_then(|p| p.get("lifetime"))
        .and_then(serde_json::Value::as_i64)
        .filter(|ttl| *ttl >= MIN_RECONNECT_TOKEN_TTL_SECS);
    let ttl = preferred
        .unwrap_or(DEFAULT_TOKEN_TTL_SECS)
        .min(level.max_session_age_secs());
    let mut spec = super::sessions::token_spec(ctx, caller, &login, ttl, Default::default(), true, true);
    // Not tied to the token this session logged in with: that one dies when this connection drops, and a
    // client chaining reconnect tokens must still get back in. It ends with the root credentials instead.
    spec.parent_token = None;
    let token = ctx
        .state
        .sessions
        .create_token(spec, ctx.state.accounts.now_ms())
        .ok_or_else(|| Error::internal("token store unavailable"))?;
    tracing::info!(user_id = caller.user_id, ttl, "reconnect token generated");
    Ok(Some(token))
}

/// Waits the delay of a failed login (longer at a higher assurance level).
pub(crate) async fn failure_delay(ctx: &CallContext) {
    accountd_core::auth::wait_failure_delay(ctx.state.accounts.login_failure_delay().await).await;
}

/// Checks a password. On success the connection is logged in; when a one-time password must follow, the
/// attempt is parked on the connection instead (replacing any earlier one) until the login timeout.
async fn password_step(
    ctx: &CallContext,
    username: &str,
    password: &str,
    terminate_others: bool,
) -> Result<LoginOutcome, Error> {
    login_step(ctx, username, password, terminate_others, false).await
}

/// [`password_step`], or with `onetime_only` a login that takes a one-time password only (mechanism
/// `ONETIME_PASSWORD`).
async fn login_step(
    ctx: &CallContext,
    username: &str,
    password: &str,
    terminate_others: bool,
    onetime_only: bool,
) -> Result<LoginOutcome, Error> {
    crate::audit::abandon_pending_otp(ctx);
    let generation = ctx.state.accounts.roles_generation();
    let origin = ctx.session.origin.ip();
    let accounts = &ctx.state.accounts;
    let (outcome, credentials) = if onetime_only {
        let outcome = accounts.login_onetime_password(username, password, origin).await?;
        (outcome, "ONETIME_PASSWORD")
    } else {
        (
            accounts.login_password(username, password, origin).await?,
            "LOGIN_PASSWORD",
        )
    };
    crate::audit::login_outcome(ctx, credentials, Some(username), &outcome);
    match &outcome {
        LoginOutcome::OnetimePassword(caller) => {
            complete_login(
                ctx,
                caller.clone(),
                generation,
                Credential::OnetimePassword,
                terminate_others,
            )
            .await?
        }
        LoginOutcome::Success(caller) => {
            complete_login(
                ctx,
                caller.clone(),
                generation,
                Credential::LoginPassword,
                terminate_others,
            )
            .await?
        }
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
async fn otp_step(ctx: &CallContext, otp_token: String, terminate_others: bool) -> Result<Option<Caller>, Error> {
    let Some(pending) = ctx.session.take_pending_otp() else {
        return Err(Error::call(errno::EINVAL, "OTP_TOKEN: no authentication in progress"));
    };
    let accounts = &ctx.state.accounts;
    let user_id = pending.caller.user_id;
    let in_time = accounts.now_ms() < pending.expires_at_ms;
    if !in_time {
        tracing::info!(user_id, "one-time password refused: the login attempt timed out");
    }
    let factor = if in_time {
        accounts
            .login_second_factor(user_id, otp_token, ctx.session.origin.ip())
            .await?
    } else {
        None
    };
    let Some(factor) = factor else {
        let error = "One-time token validation failed: Authentication failure";
        crate::audit::login_failed(ctx, "LOGIN_TWOFACTOR", Some(&pending.caller.username), error);
        failure_delay(ctx).await;
        return Ok(None);
    };
    let caller = pending.caller;
    complete_login_with(
        ctx,
        caller.clone(),
        pending.roles_generation,
        Credential::LoginTwofactor,
        terminate_others,
        Some(factor),
    )
    .await?;
    Ok(Some(caller))
}

/// Logs in with a token from `auth.generate_token`.
async fn token_step(ctx: &CallContext, token: &str, terminate_others: bool) -> Result<LoginOutcome, Error> {
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
            complete_login(ctx, caller.clone(), generation, credential, terminate_others).await?;
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
        LoginOutcome::Success(caller) | LoginOutcome::OnetimePassword(caller) => success(ctx, &caller, options).await?,
        LoginOutcome::OtpRequired(caller) => LoginResult::OtpRequired {
            username: caller.username,
        },
        LoginOutcome::AuthErr | LoginOutcome::SecondFactorMissing => LoginResult::AuthErr,
        LoginOutcome::Denied => LoginResult::Denied,
        LoginOutcome::Expired => LoginResult::Expired,
    })
}

/// `auth.login_ex` / `auth.login_ex_continue` with `OTP_TOKEN`.
async fn otp_answer(ctx: &CallContext, otp_token: String, options: &LoginOptions) -> Result<LoginResult, Error> {
    match otp_step(ctx, otp_token, options.terminate_other_sessions).await? {
        Some(caller) => success(ctx, &caller, options).await,
        None => Ok(LoginResult::AuthErr),
    }
}

impl Handler for AuthLoginEx {
    async fn handle(ctx: CallContext, args: LoginExArgs) -> Result<LoginResult, Error> {
        let (metrics, mechanism) = (ctx.state.metrics.clone(), args.login_data.mechanism());
        let answer = login_ex(ctx, args).await;
        metrics.login_answer(mechanism, &answer);
        answer
    }
}

/// `auth.login_ex`: the first step of a login with any mechanism.
async fn login_ex(ctx: CallContext, args: LoginExArgs) -> Result<LoginResult, Error> {
    permit_mechanism(&ctx, args.login_data.mechanism()).await?;
    match args.login_data {
        LoginData::PasswordPlain {
            username,
            password,
            login_options,
        } => {
            let _check = one_check_at_a_time(&ctx)?;
            let outcome = password_step(&ctx, &username, &password, login_options.terminate_other_sessions).await?;
            answer(&ctx, outcome, &login_options).await
        }
        LoginData::ApiKeyPlain {
            username,
            api_key,
            login_options,
        } => {
            crate::audit::abandon_pending_otp(&ctx);
            let outcome =
                super::api_key::login_api_key(&ctx, &username, &api_key, login_options.terminate_other_sessions)
                    .await?;
            answer(&ctx, outcome, &login_options).await
        }
        LoginData::TokenPlain { token, login_options } => {
            let outcome = token_step(&ctx, &token, login_options.terminate_other_sessions).await?;
            answer(&ctx, outcome, &login_options).await
        }
        LoginData::OtpToken {
            otp_token,
            login_options,
        } => {
            let _check = one_check_at_a_time(&ctx)?;
            otp_answer(&ctx, otp_token, &login_options).await
        }
        LoginData::OnetimePassword {
            username,
            password,
            login_options,
        } => {
            let _check = one_check_at_a_time(&ctx)?;
            let terminate_others = login_options.terminate_other_sessions;
            let outcome = login_step(&ctx, &username, &password, terminate_others, true).await?;
            answer(&ctx, outcome, &login_options).await
        }
    }
}

impl Handler for AuthLoginExContinue {
    async fn handle(ctx: CallContext, args: LoginExContinueArgs) -> Result<LoginResult, Error> {
        let metrics = ctx.state.metrics.clone();
        let answer = match args.login_data {
            LoginContinueData::OtpToken {
                otp_token,
                login_options,
            } => match one_check_at_a_time(&ctx) {
                Ok(_check) => otp_answer(&ctx, otp_token, &login_options).await,
                Err(e) => Err(e),
            },
        };
        metrics.login_answer("OTP_TOKEN", &answer);
        answer
    }
}

impl Handler for AuthLogin {
    async fn handle(ctx: CallContext, args: LoginArgs) -> Result<bool, Error> {
        let metrics = ctx.state.metrics.clone();
        let answer = password_login(&ctx, args).await;
        metrics.login_bool("PASSWORD_PLAIN", &answer);
        answer
    }
}

/// `auth.login`: a password, and the one-time password when the user has two-factor authentication.
async fn password_login(ctx: &CallContext, args: LoginArgs) -> Result<bool, Error> {
    let _check = one_check_at_a_time(ctx)?;
    match password_step(ctx, &args.username, &args.password, false).await? {
        LoginOutcome::Success(_) | LoginOutcome::OnetimePassword(_) => Ok(true),
        LoginOutcome::OtpRequired(_) => match args.otp_token {
            Some(code) => Ok(otp_step(ctx, code, false).await?.is_some()),
            None => {
                ctx.session.set_pending_otp(None);
                Ok(false)
            }
        },
        _ => Ok(false),
    }
}

impl Handler for AuthLoginWithToken {
    async fn handle(ctx: CallContext, args: LoginWithTokenArgs) -> Result<bool, Error> {
        let answer = async {
            permit_mechanism(&ctx, "TOKEN_PLAIN").await?;
            let outcome = token_step(&ctx, &args.token, false).await?;
            Ok(matches!(outcome, LoginOutcome::Success(_)))
        }
        .await;
        ctx.state.metrics.login_bool("TOKEN_PLAIN", &answer);
        answer
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
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<Vec<String>, Error> {
        let level = ctx.state.accounts.assurance_level().await?;
        // A session that may not create tokens is not offered the token login (TrueNAS's hint to its UI).
        let no_tokens = ctx
            .session
            .login()
            .is_some_and(|l| !authz::may_create_tokens(&l.caller));
        Ok(level
            .mechanisms()
            .iter()
            .filter(|m| !(no_tokens && **m == "TOKEN_PLAIN"))
            .map(|m| m.to_string())
            .collect())
    }
}

impl Handler for AuthGenerateOnetimePassword {
    async fn handle(ctx: CallContext, args: GenerateOnetimePasswordArgs) -> Result<String, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .generate_onetime_password(caller, &args.generate_single_use_password.username)
            .await
    }
}

impl Handler for AuthSetAuthenticatorAssuranceLevel {
    async fn handle(ctx: CallContext, args: SetAssuranceLevelArgs) -> Result<(), Error> {
        ctx.state.accounts.set_assurance_level(&args.level).await
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
        let mut expected: Vec<String> = AssuranceLevel::Level1
            .mechanisms()
            .iter()
            .map(|m| m.to_string())
            .collect();
        expected.push("OTP_TOKEN".to_string());
        expected.sort();
        assert_eq!(found, expected);
    }
}

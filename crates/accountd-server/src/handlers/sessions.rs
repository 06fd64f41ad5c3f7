//! Tokens and sessions: `auth.generate_token`, `auth.sessions`, `auth.terminate_session`,
//! `auth.terminate_other_sessions`.

use accountd_api::methods::auth::{AuthGenerateToken, AuthSessions, AuthTerminateOtherSessions, AuthTerminateSession};
use accountd_api::types::common::{NoArgs, Timestamp};
use accountd_api::types::query::{QueryAnswer, QueryArgs};
use accountd_api::types::sessions::{DEFAULT_TOKEN_TTL_SECS, GenerateTokenArgs, SessionEntry, TerminateSessionArgs};
use accountd_core::authz;
use accountd_core::error::errno;
use accountd_core::sessions::NewToken;
use accountd_core::{Caller, Error};

use crate::dispatch::{CallContext, Handler};
use crate::session::{Credential, Login, Session};

/// The session's login (methods that need a login run only on logged-in sessions).
fn current_login(ctx: &CallContext) -> Result<Login, Error> {
    ctx.session
        .login()
        .ok_or_else(|| Error::call(errno::ENOTAUTHENTICATED, "Not authenticated"))
}

/// A token made by the session of `ctx`, logged in as `caller` with `login`.
pub(crate) fn token_spec(
    ctx: &CallContext,
    caller: &Caller,
    login: &Login,
    ttl_secs: i64,
    attributes: serde_json::Map<String, serde_json::Value>,
    match_origin: bool,
    single_use: bool,
) -> NewToken {
    NewToken {
        user_id: caller.user_id,
        parent: login.root_credentials(),
        ttl_secs,
        attributes,
        match_origin: match_origin.then(|| ctx.session.origin.ip()),
        single_use,
        created_by: ctx.session.session_id.clone(),
        parent_token: login.token(),
        expires_at_ms: token_expiry(login),
    }
}

impl Handler for AuthGenerateToken {
    async fn handle(ctx: CallContext, args: GenerateTokenArgs) -> Result<String, Error> {
        let caller = ctx.caller()?;
        let login = current_login(&ctx)?;
        if !authz::may_create_tokens(caller) {
            return Err(Error::call(
                errno::EOPNOTSUPP,
                "LoginOnetimePasswordSessionManagerCredentials: the current session type does not support \
                 creation of authentication tokens.",
            ));
        }
        if !args.single_use && !ctx.state.accounts.assurance_level().await?.allows_multi_use_tokens() {
            return Err(Error::call(
                errno::EOPNOTSUPP,
                "Multi-use authentication tokens are not supported at current authenticator level.",
            ));
        }
        let ttl = args.ttl.unwrap_or(DEFAULT_TOKEN_TTL_SECS);
        let spec = token_spec(
            &ctx,
            caller,
            &login,
            ttl,
            args.attrs,
            args.match_origin,
            args.single_use,
        );
        let token = ctx
            .state
            .sessions
            .create_token(spec, ctx.state.accounts.now_ms())
            .ok_or_else(|| Error::internal("token store unavailable"))?;
        tracing::info!(user_id = caller.user_id, "token generated");
        Ok(token)
    }
}

/// The hard expiry of a token made by a session: the expiry of the API key it logged in with (a token made by
/// a token session dies with that session's token, which carries the key's expiry).
fn token_expiry(login: &Login) -> Option<i64> {
    match &login.credential {
        Credential::ApiKey { expires_at_ms, .. } => *expires_at_ms,
        _ => None,
    }
}

fn entry(session: &Session, login: &Login, current: &Session) -> SessionEntry {
    SessionEntry {
        id: session.session_id.clone(),
        current: session.session_id == current.session_id,
        internal: false,
        origin: session.origin.to_string(),
        credentials: login.credentials(),
        created_at: Timestamp { ms: login.login_at_ms },
    }
}

impl Handler for AuthSessions {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<SessionEntry>, Error> {
        let caller = ctx.caller()?;
        let entries = ctx
            .state
            .sessions
            .logged_in()
            .iter()
            .filter(|(_, login)| authz::may_list_sessions_of(caller, login.caller.user_id))
            .map(|(session, login)| entry(session, login, &ctx.session))
            .collect();
        accountd_core::query_list(entries, &args.filters, &args.options)
    }
}

impl Handler for AuthTerminateSession {
    async fn handle(ctx: CallContext, args: TerminateSessionArgs) -> Result<bool, Error> {
        let caller = ctx.caller()?;
        let Some(session) = ctx.state.sessions.find(&args.id) else {
            return Ok(false);
        };
        let Some(login) = session.login() else {
            return Ok(false);
        };
        if !authz::may_end_session(caller, login.caller.user_id) {
            return Err(Error::call(errno::EACCES, "Not authorized"));
        }
        ctx.state.sessions.terminate(&session);
        Ok(true)
    }
}

impl Handler for AuthTerminateOtherSessions {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<bool, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .sessions
            .terminate_other_sessions(&ctx.session, |owner| authz::may_end_session(caller, owner));
        Ok(true)
    }
}

//! `api_key.*`, and the API-key logins (`auth.login_ex` with `API_KEY_PLAIN`, `auth.login_with_api_key`).

use accountd_api::methods::api_key::*;
use accountd_api::methods::auth::AuthLoginWithApiKey;
use accountd_api::types::api_key::{
    ApiKeyCreateArgs, ApiKeyDeleteArgs, ApiKeyEntry, ApiKeyUpdateArgs, ApiKeyUpdated, ApiKeyWithKey,
};
use accountd_api::types::auth::{AuthMe as AuthMeEntry, LoginWithApiKeyArgs};
use accountd_api::types::common::NoArgs;
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_core::Error;
use accountd_core::api_keys::key_id;
use accountd_core::auth::LoginOutcome;

use crate::dispatch::{CallContext, Handler};
use crate::session::Credential;

/// Checks an API key and, on success, logs the connection in. The transport counts as secure over TLS (to
/// accountd, or to a trusted proxy that says so) or from a loopback client (see [`crate::origin`]).
pub(crate) async fn login_api_key(
    ctx: &CallContext,
    username: &str,
    key: &str,
    terminate_others: bool,
) -> Result<LoginOutcome, Error> {
    super::auth::permit_mechanism(ctx, "API_KEY_PLAIN").await?;
    let generation = ctx.state.accounts.roles_generation();
    let secure = ctx.session.secure_transport;
    let accounts = &ctx.state.accounts;
    let outcome = accounts.login_api_key(username, key, secure).await?;
    crate::audit::login_outcome(ctx, "API_KEY", Some(username), &outcome);
    if let LoginOutcome::Success(caller) = &outcome {
        let id = key_id(key).unwrap_or_default();
        let entry = accounts.api_key_entry(id).await?;
        let credential = Credential::ApiKey {
            id,
            expires_at_ms: entry.as_ref().and_then(|e| e.expires_at.map(|t| t.ms)),
            name: entry.map(|e| e.name).unwrap_or_default(),
        };
        super::auth::complete_login(ctx, caller.clone(), generation, credential, terminate_others).await?;
    }
    Ok(outcome)
}

/// Adds TrueNAS's `API_KEY` account attribute to `auth.me` of a session logged in with an API key.
pub(crate) fn mark_api_key_session(ctx: &CallContext, me: &mut AuthMeEntry) {
    let with_key = ctx
        .session
        .login()
        .is_some_and(|l| matches!(l.credential, Credential::ApiKey { .. }));
    if with_key && !me.account_attributes.iter().any(|a| a == "API_KEY") {
        me.account_attributes.push("API_KEY".to_string());
    }
}

impl Handler for AuthLoginWithApiKey {
    async fn handle(ctx: CallContext, args: LoginWithApiKeyArgs) -> Result<bool, Error> {
        let answer = login_with_api_key(&ctx, args).await;
        ctx.state.metrics.login_bool("API_KEY_PLAIN", &answer);
        answer
    }
}

/// `auth.login_with_api_key`: TrueNAS finds the owner through the key's id, then logs in as with
/// API_KEY_PLAIN.
async fn login_with_api_key(ctx: &CallContext, args: LoginWithApiKeyArgs) -> Result<bool, Error> {
    let Some(owner) = ctx.state.accounts.api_key_owner(&args.api_key).await? else {
        crate::audit::login_failed(ctx, "API_KEY", None, "Invalid API key");
        super::auth::failure_delay(ctx).await;
        return Ok(false);
    };
    let outcome = login_api_key(ctx, &owner, &args.api_key, false).await?;
    Ok(matches!(outcome, LoginOutcome::Success(_)))
}

impl Handler for ApiKeyQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<ApiKeyEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .api_key_query(caller, &args.filters, &args.options)
            .await
    }
}

impl Handler for ApiKeyGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<ApiKeyEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .api_key_get_instance(caller, args.id, &args.options)
            .await
    }
}

impl Handler for ApiKeyCreate {
    async fn handle(ctx: CallContext, args: ApiKeyCreateArgs) -> Result<ApiKeyWithKey, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.api_key_create(caller, args.api_key_create).await
    }
}

impl Handler for ApiKeyUpdate {
    async fn handle(ctx: CallContext, args: ApiKeyUpdateArgs) -> Result<ApiKeyUpdated, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .api_key_update(caller, args.id, args.api_key_update)
            .await
    }
}

impl Handler for ApiKeyDelete {
    async fn handle(ctx: CallContext, args: ApiKeyDeleteArgs) -> Result<bool, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.api_key_delete(caller, args.id).await
    }
}

impl Handler for ApiKeyMyKeys {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<Vec<ApiKeyEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.api_key_my_keys(caller).await
    }
}

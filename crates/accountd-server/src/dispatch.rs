//! Dispatch: every method of the table is registered in a jsonrpsee [`RpcModule`] with the same wrapper:
//! auth gate, params validation, typed handler, result serialization (secrets the caller may not see hidden,
//! as authz decides).

use std::future::Future;
use std::sync::Arc;

use accountd_api::{Access, Method, for_each_method};
use accountd_core::authz;
use accountd_core::error::errno;
use accountd_core::redact::{Redact, redaction_of};
use accountd_core::{Caller, Error};
use jsonrpsee::types::{ErrorObjectOwned, Params};
use jsonrpsee::{Extensions, RpcModule};
use serde_json::Value;
use serde_json::value::RawValue;
use tracing::Instrument;

use crate::errors::{call_error, to_rpc_error, validation_error};
use crate::session::{Login, Session};
use crate::state::AppState;
use crate::validation::ParamsValidator;

/// What a handler gets besides its arguments.
pub struct CallContext {
    /// Shared state (services, specs).
    pub state: Arc<AppState>,
    /// The calling connection.
    pub session: Arc<Session>,
    /// The logged-in caller (`None` only for no-auth methods called before login).
    pub caller: Option<Caller>,
    /// Audit entries this call recorded (committed before its reply).
    pub audit: crate::audit::CallRecords,
}

impl CallContext {
    /// The caller of a method that requires login.
    pub fn caller(&self) -> Result<&Caller, Error> {
        self.caller
            .as_ref()
            .ok_or_else(|| Error::call(errno::ENOTAUTHENTICATED, "Not authenticated"))
    }
}

/// The implementation of one method of the table: it returns the method's declared result type, which says
/// what of it is secret ([`Redact`]).
pub trait Handler: Method<Output: Redact> {
    /// Runs the method.
    fn handle(ctx: CallContext, args: Self::Args) -> impl Future<Output = Result<Self::Output, Error>> + Send;
}

/// Builds the module with every method of the table. A method without a [`Handler`] does not compile.
pub fn build_module(state: Arc<AppState>) -> Result<RpcModule<AppState>, String> {
    let mut module = RpcModule::from_arc(state.clone());
    macro_rules! register_all {
        ($($m:path),*) => {
            $( register::<$m>(&mut module, &state)?; )*
        };
    }
    for_each_method!(register_all);
    Ok(module)
}

/// Registers method `M` with its params validator, compiled here once from the method's spec.
fn register<M: Handler>(module: &mut RpcModule<AppState>, state: &AppState) -> Result<(), String> {
    let spec = state
        .specs
        .get(M::NAME)
        .ok_or_else(|| format!("{}: no spec", M::NAME))?;
    let validator = Arc::new(ParamsValidator::compile(spec).map_err(|e| format!("{}: {e}", M::NAME))?);
    module
        .register_async_method(M::NAME, move |params, state, extensions| {
            let validator = validator.clone();
            async move { call::<M>(params, state, extensions, &validator).await }
        })
        .map_err(|e| e.to_string())?;
    Ok(())
}

async fn call<M: Handler>(
    params: Params<'static>,
    state: Arc<AppState>,
    ext: Extensions,
    validator: &ParamsValidator,
) -> Result<Box<RawValue>, ErrorObjectOwned> {
    let Some(session) = ext.get::<Arc<Session>>().cloned() else {
        return Err(call_error(errno::EFAULT, "no session"));
    };
    let user = session.login().map(|l| l.caller.username);
    let span = tracing::info_span!(
        "call",
        method = M::NAME,
        conn = session.id,
        origin = %session.origin,
        user = user.as_deref().unwrap_or("-")
    );
    // The params are parsed once: for the audit record, and (when they are an array) for validation.
    let dispatched = std::time::Instant::now();
    let parsed: Option<Result<Vec<Value>, serde_json::Error>> = params.as_str().map(serde_json::from_str);
    let audited_params = match &parsed {
        Some(Ok(raw)) => raw.as_slice(),
        _ => &[],
    };
    let mut audit = crate::audit::MethodCall::start::<M>(&state, &session, audited_params);
    let (audit_state, audit_session) = (state.clone(), session.clone());
    let records = crate::audit::CallRecords::default();
    let (call_audit, call_records) = (&mut audit, records.clone());
    let result = async move {
        crate::rate_limit::check::<M>(&state, &session)
            .await
            .map_err(to_rpc_error)?;
        let caller = authorize(&state, &session, M::NAME, M::ACCESS)
            .await
            .map_err(to_rpc_error)?;
        if let Some(audit) = call_audit.as_mut() {
            audit.authorized(&state, caller.is_some()).await;
        }
        let raw: Vec<Value> = match parsed {
            None => Vec::new(),
            Some(parsed) => parsed.map_err(|_| call_error(errno::EINVAL, "params must be an array"))?,
        };
        let object = validator.validate(&raw).map_err(|items| validation_error(&items))?;
        let args: M::Args = serde_json::from_value(Value::Object(object)).map_err(|e| {
            tracing::warn!(error = %e, "params passed the schema but not deserialization");
            to_rpc_error(Error::invalid(M::NAME, e.to_string()))
        })?;
        let redaction = redaction_of::<M::Output>(caller.as_ref());
        let ctx = CallContext {
            state: state.clone(),
            session,
            caller,
            audit: call_records,
        };
        let started = std::time::Instant::now();
        let result = M::handle(ctx, args).await;
        match &result {
            Ok(_) => tracing::debug!(elapsed_us = started.elapsed().as_micros() as u64, "ok"),
            Err(e) => {
                tracing::info!(elapsed_us = started.elapsed().as_micros() as u64, error = %ErrorKind(e), "failed")
            }
        }
        let mut output = result.map_err(to_rpc_error)?;
        output.redact(redaction);
        // Serialized once, straight to text: no intermediate JSON tree (a listing of 10,000 users is 8 MB).
        serde_json::value::to_raw_value(&output).map_err(|e| to_rpc_error(Error::internal(e)))
    }
    .instrument(span)
    .await;
    if let Some(audit) = audit {
        records.push(audit.finish(&audit_state, &audit_session, result.is_ok()));
    }
    records.committed().await;
    audit_state.metrics.call(M::NAME, dispatched.elapsed(), &result);
    result
}

/// Error summary for logs: the kind and errno only, never values that could carry secrets.
struct ErrorKind<'a>(&'a Error);

impl std::fmt::Display for ErrorKind<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Error::Validation(v) => write!(f, "validation ({} items)", v.0.len()),
            Error::Call { code, .. } => write!(f, "call error {}", errno::name(*code)),
            Error::Exception(_) => write!(f, "exception"),
            Error::Internal(m) => write!(f, "internal: {m}"),
        }
    }
}

/// The auth gate: login required unless `NoAuth`; roles re-read when they may have changed; a session whose
/// password must be changed reaches only the methods that change it.
async fn authorize(state: &AppState, session: &Session, method: &str, access: Access) -> Result<Option<Caller>, Error> {
    if access == Access::NoAuth {
        return Ok(session.login().map(|l| l.caller));
    }
    let Some(login) = current_login(state, session).await? else {
        return Err(Error::call(errno::ENOTAUTHENTICATED, "Not authenticated"));
    };
    if let Some(refusal) = authz::call_refusal(&login.caller, method, access) {
        return Err(refusal);
    }
    Ok(Some(login.caller))
}

/// The session's login with its roles as they are now: re-read when anything that grants roles changed since
/// they were read; a deleted or locked user is logged out.
pub(crate) async fn current_login(state: &AppState, session: &Session) -> Result<Option<Login>, Error> {
    let Some(login) = session.login() else { return Ok(None) };
    let generation = state.accounts.roles_generation();
    if login.roles_generation == generation {
        return Ok(Some(login));
    }
    match state.accounts.grants_of_user(login.caller.user_id).await? {
        Some((grants, true)) => {
            let mut caller = Caller { grants, ..login.caller };
            // Access to the session's tenant may be gone: the session moves to where a new one would start.
            caller.tenant = state.accounts.tenant_after_change(&caller).await?;
            let login = Login {
                caller,
                roles_generation: generation,
                ..login
            };
            session.set_login(Some(login.clone()));
            Ok(Some(login))
        }
        _ => {
            session.set_login(None);
            Ok(None)
        }
    }
}

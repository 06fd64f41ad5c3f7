//! What the audit log records about the API, in TrueNAS's entry shape: every authentication, every logout and
//! every call of a method the method table marks as audited (with its description and its params, secrets
//! replaced). Entries of a call are committed before its reply is sent.

mod redact;

use std::sync::{Arc, Mutex};

use accountd_api::Method;
use accountd_api::method::{Audit, AuditRecord, AuditTarget};
use accountd_api::types::query::{Instance, QueryOptions};
use accountd_core::audit::{AuditLog, ExpectedEntry, NewEntry, Pending};
use accountd_core::twofactor::SecondFactor;
use serde_json::{Map, Value, json};

use crate::dispatch::CallContext;
use crate::session::{Login, Session};
use crate::state::AppState;

/// The user of entries recorded before login (TrueNAS's special name; no local user can have it).
pub const UNAUTHENTICATED: &str = ".UNAUTHENTICATED";

/// The entries one call recorded; its reply waits until they are committed.
#[derive(Clone, Default)]
pub struct CallRecords(Arc<Mutex<Vec<Pending>>>);

impl CallRecords {
    /// Adds an entry of this call.
    pub fn push(&self, pending: Pending) {
        if let Ok(mut p) = self.0.lock() {
            p.push(pending);
        }
    }

    /// Waits until every entry of the call is committed.
    pub async fn committed(&self) {
        let pending = self.0.lock().map(|mut p| std::mem::take(&mut *p)).unwrap_or_default();
        for p in pending {
            p.committed().await;
        }
    }
}

/// `{"credentials": <type>, "credentials_data": {...}}` of a login, as `auth.sessions` shows it.
fn credentials_of(login: &Login) -> Value {
    serde_json::to_value(login.credentials()).unwrap_or(Value::Null)
}

/// The common part of every entry: the session's address, user and connection.
fn entry(session: &Session, event: &'static str, event_data: Map<String, Value>, success: bool) -> NewEntry {
    let login = session.login();
    let mut service_data = Map::new();
    service_data.insert("vers".into(), json!({"major": 0, "minor": 1}));
    service_data.insert("origin".into(), Value::from(session.origin.to_string()));
    service_data.insert("protocol".into(), Value::from("WEBSOCKET"));
    service_data.insert(
        "credentials".into(),
        login.as_ref().map(credentials_of).unwrap_or(Value::Null),
    );
    NewEntry {
        address: session.origin.ip().to_string(),
        username: login
            .map(|l| l.caller.username)
            .unwrap_or_else(|| UNAUTHENTICATED.to_string()),
        session: session.session_id.clone(),
        service_data,
        event,
        event_data,
        success,
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Records a successful login of the call's session (after the session is logged in). A two-factor login
/// completed with a recovery code says so (`"second_factor": "RECOVERY_CODE"`), never which code.
pub(crate) fn login_succeeded(ctx: &CallContext, login: &Login, factor: Option<SecondFactor>) {
    let mut data = object(json!({"credentials": credentials_of(login), "error": null}));
    if factor == Some(SecondFactor::RecoveryCode) {
        data.insert("second_factor".into(), Value::from("RECOVERY_CODE"));
    }
    ctx.audit.push(
        ctx.state
            .audit
            .record(entry(&ctx.session, "AUTHENTICATION", data, true)),
    );
}

/// Records a refused login: the credential type tried (`LOGIN_PASSWORD`, `LOGIN_TWOFACTOR`, `API_KEY`,
/// `TOKEN`), the username given (never a password, key or token) and why, as TrueNAS words it.
pub(crate) fn login_failed(ctx: &CallContext, credentials: &str, username: Option<&str>, error: &str) {
    let data = match username {
        Some(u) => json!({"username": u}),
        None => json!({}),
    };
    let event_data = object(json!({
        "credentials": {"credentials": credentials, "credentials_data": data},
        "error": error,
    }));
    ctx.audit.push(
        ctx.state
            .audit
            .record(entry(&ctx.session, "AUTHENTICATION", event_data, false)),
    );
}

/// Drops a password login waiting for its one-time password because another login starts on the connection;
/// records it as TrueNAS does.
pub(crate) fn abandon_pending_otp(ctx: &CallContext) {
    if let Some(pending) = ctx.session.take_pending_otp() {
        let error = "Abandoning login attempt after being presented with requirement for second factor for \
                     authentication.";
        login_failed(ctx, "LOGIN_TWOFACTOR", Some(&pending.caller.username), error);
    }
}

/// Records the end of `login` on `session` (`auth.logout`, or the connection closing while logged in).
pub(crate) fn logout(state: &AppState, session: &Session, login: &Login) -> Pending {
    logout_entry(&state.audit, session, login)
}

/// Records the end of `login` on `session` in `audit`: also when the session is ended from elsewhere
/// (terminated, its credentials changed, its assurance bounds or its token ran out), as TrueNAS's session
/// manager logs a session out.
pub(crate) fn logout_entry(audit: &AuditLog, session: &Session, login: &Login) -> Pending {
    let data = object(json!({"credentials": credentials_of(login)}));
    let mut e = entry(session, "LOGOUT", data, true);
    e.username = login.caller.username.clone();
    e.service_data.insert("credentials".into(), credentials_of(login));
    audit.record(e)
}

/// The audit record of one call of an audited method, filled in as the call goes through the gates.
pub(crate) struct MethodCall {
    audit: Audit,
    name: &'static str,
    raw: Vec<Value>,
    authenticated: bool,
    authorized: bool,
    target: Option<String>,
    /// Held until the entry is recorded: the audit writer waits briefly for it when committing others.
    expected: Option<ExpectedEntry>,
}

impl MethodCall {
    /// Starts the record of a call of `M` with its params (`raw`, as parsed; empty when they are not an
    /// array); `None` when `M` is not audited.
    pub(crate) fn start<M: Method>(state: &AppState, session: &Session, raw: &[Value]) -> Option<MethodCall> {
        let audit = M::AUDIT?;
        let raw = raw.to_vec();
        let target = match audit.target {
            AuditTarget::Param { arg, field } => {
                let v = raw.get(arg);
                let v = if field.is_empty() {
                    v
                } else {
                    v.and_then(|v| v.get(field))
                };
                v.and_then(Value::as_str).map(str::to_string)
            }
            AuditTarget::None | AuditTarget::Record { .. } => None,
        };
        Some(MethodCall {
            audit,
            name: M::NAME,
            raw,
            authenticated: session.is_authenticated(),
            authorized: false,
            target,
            expected: state.audit.expect_entry(),
        })
    }

    /// The call passed the login and role gates (`logged_in`: as a logged-in session): a record named by id
    /// is looked up now (before the call changes or deletes it).
    pub(crate) async fn authorized(&mut self, state: &AppState, logged_in: bool) {
        self.authenticated = logged_in;
        self.authorized = true;
        if let AuditTarget::Record { arg, kind } = self.audit.target
            && let Some(id) = self.raw.get(arg).and_then(Value::as_i64)
        {
            self.target = record_name(state, kind, id).await;
        }
    }

    /// Records the call's outcome.
    pub(crate) fn finish(mut self, state: &AppState, session: &Session, success: bool) -> Pending {
        // This call's entry is no longer to be waited for: it is appended right below.
        drop(self.expected.take());
        let description = match &self.target {
            Some(t) => format!("{} {t}", self.audit.description),
            None => self.audit.description.to_string(),
        };
        let params = match state.specs.get(self.name) {
            Some(spec) => redact::redact_params(spec, &self.raw),
            None => Vec::new(),
        };
        let data = object(json!({
            "method": self.name,
            "params": params,
            "description": description,
            "authenticated": self.authenticated,
            "authorized": self.authorized,
        }));
        state.audit.record(entry(session, "METHOD_CALL", data, success))
    }
}

/// The name of the record an audited call names by id (none when it does not exist).
async fn record_name(state: &AppState, kind: AuditRecord, id: i64) -> Option<String> {
    let accounts = &state.accounts;
    let options = QueryOptions::default();
    match kind {
        AuditRecord::User => accounts.user_entry(id).await.ok().flatten().map(|u| u.username),
        AuditRecord::Group => found_entry(accounts.group_get_instance(id, &options).await).map(|g| g.name),
        AuditRecord::Privilege => found_entry(accounts.privilege_get_instance(id, &options).await).map(|p| p.name),
        AuditRecord::ApiKey => accounts.api_key_entry(id).await.ok().flatten().map(|k| k.name),
        AuditRecord::AuthSource => found_entry(accounts.auth_source_get_instance(id, &options).await).map(|s| s.name),
        AuditRecord::AccountProfile => {
            found_entry(accounts.account_profile_get_instance(id, &options).await).map(|p| p.name)
        }
        AuditRecord::Tenant => accounts.tenant_name(id).await,
    }
}

/// The entry of a `*.get_instance` answer, if it found one.
fn found_entry<T>(found: Result<Instance<T>, accountd_core::Error>) -> Option<T> {
    found.ok()?.into_entry()
}

/// Records a login step that did not log the session in (a success is recorded when the session is logged
/// in; `OTP_REQUIRED` is not an outcome yet). The reasons are TrueNAS's; the caller still only hears AUTH_ERR.
pub(crate) fn login_outcome(
    ctx: &CallContext,
    credentials: &str,
    username: Option<&str>,
    outcome: &accountd_core::auth::LoginOutcome,
) {
    use accountd_core::auth::LoginOutcome;
    let error = match outcome {
        LoginOutcome::Success(_) | LoginOutcome::OtpRequired(_) | LoginOutcome::OnetimePassword(_) => return,
        LoginOutcome::AuthErr => "Authentication failure",
        LoginOutcome::SecondFactorMissing => "User does not have two factor authentication enabled.",
        LoginOutcome::Denied => "User lacks API access.",
        LoginOutcome::Expired if credentials == "API_KEY" => "Api key is expired",
        LoginOutcome::Expired => "Password expired",
    };
    login_failed(ctx, credentials, username, error);
}

//! Change events for subscribed connections: who may subscribe to what, and the `collection_update`
//! notifications (redacted for each subscriber), exactly as TrueNAS sends them.

use accountd_api::methods::event_collection;
use accountd_core::Caller;
use accountd_core::authz::{self, Redaction};
use accountd_core::events::ChangeEvent;
use accountd_core::users::present::redact;
use serde_json::{Value, json};

use crate::state::AppState;

/// Subscribes to every collection the session may read.
pub const ALL: &str = "*";

/// True when `caller` may receive events of `collection`: a query method declared with `events:` in the method
/// table, whose roles the caller holds.
pub fn may_read(state: &AppState, caller: &Caller, collection: &str) -> bool {
    event_collection(collection).is_some()
        && state
            .specs
            .get(collection)
            .is_some_and(|spec| authz::allows_everywhere(spec.access, caller))
}

/// True when `caller` may subscribe to `name` (a collection or `*`).
pub fn may_subscribe(state: &AppState, caller: &Caller, name: &str) -> bool {
    name == ALL || may_read(state, caller, name)
}

/// True when one of the subscriptions covers `collection`.
pub fn subscribed(subscriptions: &[(String, String)], collection: &str) -> bool {
    subscriptions.iter().any(|(_, name)| name == ALL || name == collection)
}

/// The `collection_update` notification of an event for this caller, or `None` when it may not see it.
pub fn notification(state: &AppState, caller: &Caller, event: &ChangeEvent) -> Option<String> {
    if !may_read(state, caller, event.collection) {
        return None;
    }
    let mut params = json!({"msg": event.kind.as_str(), "collection": event.collection, "id": event.id});
    if let Some(fields) = &event.fields {
        let mut fields = fields.clone();
        if authz::redaction_for(Some(caller), event.collection) == Redaction::UserSecrets {
            redact(&mut fields);
        }
        params["fields"] = fields;
    }
    Some(json!({"jsonrpc": "2.0", "method": "collection_update", "params": params}).to_string())
}

/// `notify_unsubscribed`: the subscription ended because the connection fell too far behind.
pub fn unsubscribed_notice(collection: &str, dropped: u64) -> String {
    let reason = format!("[ENOBUFS] Subscriber fell {dropped} events behind; subscription ended");
    let error =
        json!({"error": 105, "errname": "ENOBUFS", "reason": reason, "trace": Value::Null, "extra": Value::Null});
    json!({"jsonrpc": "2.0", "method": "notify_unsubscribed", "params": {"collection": collection, "error": error}})
        .to_string()
}

//! `core.*` methods.

use crate::Access;
use crate::declare_method;
use crate::method::Events;
use crate::types::common::NoArgs;
use crate::types::core::{
    EffectiveOptions, GetMethodsArgs, MethodMetadata, SetOptionsArgs, SubscribeArgs, UnsubscribeArgs,
};
use crate::types::query::{QueryAnswer, QueryArgs};

declare_method! {
    /// Answers `"pong"`: a liveness check that needs no login.
    CorePing = "core.ping", Access::NoAuth, NoArgs => String,
    examples: [
        Fresh r#"[]"#,
    ]
}

declare_method! {
    /// Sets connection options (`legacy_jobs`, `private_methods`, `py_exceptions`) and returns the effective
    /// values. Clients call it first on every connection; no login needed.
    CoreSetOptions = "core.set_options", Access::NoAuth, SetOptionsArgs => EffectiveOptions,
    rate_limit: false,
    examples: [
        Fresh r#"[{"legacy_jobs": false, "private_methods": false, "py_exceptions": false}]"#,
    ]
}

declare_method! {
    /// Subscribes the connection to change events and returns the subscription id. `event_name` is a collection
    /// (`user.query`, `group.query`, `core.get_jobs`), which needs the roles of the query method of the same
    /// name, or `*` for every collection the session may read. After each committed change, subscribers get a
    /// `collection_update` notification: `{"msg": "added"|"changed"|"removed", "collection", "id", "fields"}`
    /// (`fields` is the entry after the change, redacted for the subscriber; none for removals), in commit
    /// order. A connection that does not read its events is closed; logging out ends its subscriptions.
    CoreSubscribe = "core.subscribe", Access::AnyUser, SubscribeArgs => String,
    examples: [
        Admin r#"["core.get_jobs"]"#,
    ]
}

declare_method! {
    /// Ends a subscription made with `core.subscribe`.
    CoreUnsubscribe = "core.unsubscribe", Access::AnyUser, UnsubscribeArgs => (),
    examples: [
        Admin r#"["0b7c6e2e-4f0d-4d3a-9a51-2f1f3f8a9c10"]"#,
    ]
}

declare_method! {
    /// Lists background jobs. No method of this service runs as a job, so the list is always empty; it exists
    /// because TrueNAS clients subscribe to and query it.
    CoreGetJobs = "core.get_jobs", Access::AnyUser, QueryArgs => QueryAnswer<serde_json::Value>,
    events: Events::Public,
    examples: [
        Admin r#"[[["state", "=", "RUNNING"]], {}]"#,
    ]
}

declare_method! {
    /// Describes every method this session may call (as TrueNAS's `core.get_methods`, which the official
    /// client and `midclt` read): a map from method name to its `description`, `roles`, `accepts` and
    /// `returns` JSON Schemas, `no_auth_required`, `filterable`, `item_method`, `require_websocket` and the job
    /// flags. Methods needing a role the session lacks are left out. `service` keeps only one service's
    /// methods (`user`, `auth.twofactor`, ...); `target` (`WS`, `CLI`, `REST`) is accepted and changes nothing,
    /// since this service is WebSocket only.
    CoreGetMethods = "core.get_methods", Access::AnyUser, GetMethodsArgs => std::collections::BTreeMap<String, MethodMetadata>,
    examples: [
        Admin r#"["auth.twofactor"]"#,
    ]
}

//! `core.*`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use accountd_api::method_meta::{metadata, service_of};
use accountd_api::methods::core::{
    CoreGetJobs, CoreGetMethods, CorePing, CoreSetOptions, CoreSubscribe, CoreUnsubscribe,
};
use accountd_api::types::common::NoArgs;
use accountd_api::types::core::{
    EffectiveOptions, GetMethodsArgs, MethodMetadata, SetOptionsArgs, SubscribeArgs, UnsubscribeArgs,
};
use accountd_api::types::query::{QueryAnswer, QueryArgs};
use accountd_api::{Access, methods};
use accountd_core::error::errno;
use accountd_core::{Error, authz};
use serde_json::Value;

use crate::dispatch::{CallContext, Handler};
use crate::events;

impl Handler for CorePing {
    async fn handle(_ctx: CallContext, _args: NoArgs) -> Result<String, Error> {
        Ok("pong".to_string())
    }
}

impl Handler for CoreSetOptions {
    async fn handle(ctx: CallContext, args: SetOptionsArgs) -> Result<EffectiveOptions, Error> {
        let wanted = args.options;
        Ok(ctx.session.update_options(|options| {
            if let Some(v) = wanted.legacy_jobs {
                options.legacy_jobs = v;
            }
            if let Some(v) = wanted.private_methods {
                options.private_methods = v;
            }
            if let Some(v) = wanted.py_exceptions {
                options.py_exceptions = v;
            }
        }))
    }
}

impl Handler for CoreSubscribe {
    async fn handle(ctx: CallContext, args: SubscribeArgs) -> Result<String, Error> {
        let caller = ctx.caller()?;
        if !events::may_subscribe(&ctx.state, caller, &args.event_name) {
            return Err(Error::call(errno::EACCES, "Not authorized"));
        }
        let id = uuid::Uuid::new_v4().to_string();
        ctx.session
            .park_event_receiver(|| ctx.state.accounts.events().subscribe());
        ctx.session.subscribe(id.clone(), args.event_name);
        Ok(id)
    }
}

impl Handler for CoreUnsubscribe {
    async fn handle(ctx: CallContext, args: UnsubscribeArgs) -> Result<(), Error> {
        ctx.session.unsubscribe(&args.id);
        Ok(())
    }
}

impl Handler for CoreGetJobs {
    async fn handle(_ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<Value>, Error> {
        accountd_core::query_list(Vec::new(), &args.filters, &args.options)
    }
}

/// Every method's `core.get_methods` metadata with who may call it, derived from the method table once.
static METHODS: LazyLock<Vec<(&'static str, Access, MethodMetadata)>> = LazyLock::new(|| {
    let all = methods::all();
    all.iter()
        .map(|spec| (spec.name, spec.access, metadata(spec, &all)))
        .collect()
});

impl Handler for CoreGetMethods {
    async fn handle(ctx: CallContext, args: GetMethodsArgs) -> Result<BTreeMap<String, MethodMetadata>, Error> {
        let caller = ctx.caller()?;
        Ok(METHODS
            .iter()
            .filter(|(name, _, _)| args.service.as_deref().is_none_or(|s| service_of(name) == s))
            .filter(|(name, access, _)| authz::allows(name, *access, caller))
            .map(|(name, _, meta)| (name.to_string(), meta.clone()))
            .collect())
    }
}

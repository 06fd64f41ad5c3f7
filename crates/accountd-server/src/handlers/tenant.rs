//! `tenant.*`.

use accountd_api::methods::tenant::*;
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_api::types::tenant::{
    SessionTenantEntry, TenantCreateArgs, TenantDeleteArgs, TenantEntry, TenantSwitchArgs, TenantUpdateArgs,
};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for TenantQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<TenantEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .tenant_query(caller, &args.filters, &args.options)
            .await
    }
}

impl Handler for TenantGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<TenantEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .tenant_get_instance(caller, args.id, &args.options)
            .await
    }
}

impl Handler for TenantCreate {
    async fn handle(ctx: CallContext, args: TenantCreateArgs) -> Result<TenantEntry, Error> {
        ctx.state.accounts.tenant_create(args.tenant_create).await
    }
}

impl Handler for TenantUpdate {
    async fn handle(ctx: CallContext, args: TenantUpdateArgs) -> Result<TenantEntry, Error> {
        ctx.state.accounts.tenant_update(args.id, args.tenant_update).await
    }
}

impl Handler for TenantDelete {
    async fn handle(ctx: CallContext, args: TenantDeleteArgs) -> Result<bool, Error> {
        ctx.state.accounts.tenant_delete(args.id, args.options.force).await
    }
}

impl Handler for TenantSwitch {
    async fn handle(ctx: CallContext, args: TenantSwitchArgs) -> Result<SessionTenantEntry, Error> {
        let caller = ctx.caller()?;
        let tenant = ctx
            .state
            .accounts
            .tenant_to_enter(caller, args.tenant, "tenant.switch.tenant")
            .await?;
        switch_session(&ctx, tenant);
        ctx.state.accounts.session_tenant_entry(tenant).await
    }
}

/// Makes the connection's login work in `tenant` from its next call.
pub(crate) fn switch_session(ctx: &CallContext, tenant: accountd_core::authz::SessionTenant) {
    if let Some(mut login) = ctx.session.login() {
        login.caller.tenant = tenant;
        ctx.session.set_login(Some(login));
    }
}

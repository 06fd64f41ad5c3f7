//! `privilege.*`.

use accountd_api::methods::privilege::*;
use accountd_api::roles::CATALOGUE;
use accountd_api::types::privilege::{
    PrivilegeCreateArgs, PrivilegeDeleteArgs, PrivilegeEntry, PrivilegeRolesEntry, PrivilegeUpdateArgs,
};
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for PrivilegeQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<PrivilegeEntry>, Error> {
        ctx.state.accounts.privilege_query(&args.filters, &args.options).await
    }
}

impl Handler for PrivilegeGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<PrivilegeEntry>, Error> {
        ctx.state.accounts.privilege_get_instance(args.id, &args.options).await
    }
}

impl Handler for PrivilegeCreate {
    async fn handle(ctx: CallContext, args: PrivilegeCreateArgs) -> Result<PrivilegeEntry, Error> {
        ctx.state.accounts.privilege_create(args.privilege_create).await
    }
}

impl Handler for PrivilegeUpdate {
    async fn handle(ctx: CallContext, args: PrivilegeUpdateArgs) -> Result<PrivilegeEntry, Error> {
        ctx.state
            .accounts
            .privilege_update(args.id, args.privilege_update)
            .await
    }
}

impl Handler for PrivilegeDelete {
    async fn handle(ctx: CallContext, args: PrivilegeDeleteArgs) -> Result<bool, Error> {
        ctx.state.accounts.privilege_delete(args.id).await
    }
}

impl Handler for PrivilegeRoles {
    async fn handle(_ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<PrivilegeRolesEntry>, Error> {
        let entries = CATALOGUE
            .iter()
            .map(|role| PrivilegeRolesEntry {
                name: role.name.to_string(),
                title: role.name.to_string(),
                includes: role.included_names().into_iter().map(str::to_string).collect(),
                builtin: role.builtin,
                stig: role.stig,
            })
            .collect();
        accountd_core::query_list(entries, &args.filters, &args.options)
    }
}

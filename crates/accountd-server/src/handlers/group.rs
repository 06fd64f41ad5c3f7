//! `group.*`.

use accountd_api::methods::group::*;
use accountd_api::types::common::NoArgs;
use accountd_api::types::group::{
    GetGroupObjArgs, GetPasswordEnabledUsersArgs, GroupCreateArgs, GroupDeleteArgs, GroupEntry, GroupObj,
    GroupUpdateArgs, HasPasswordEnabledUserArgs,
};
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_api::types::user::UserEntry;
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for GroupQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<GroupEntry>, Error> {
        ctx.state.accounts.group_query(&args.filters, &args.options).await
    }
}

impl Handler for GroupGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<GroupEntry>, Error> {
        ctx.state.accounts.group_get_instance(args.id, &args.options).await
    }
}

impl Handler for GroupCreate {
    async fn handle(ctx: CallContext, args: GroupCreateArgs) -> Result<i64, Error> {
        ctx.state.accounts.group_create(args.group_create).await
    }
}

impl Handler for GroupUpdate {
    async fn handle(ctx: CallContext, args: GroupUpdateArgs) -> Result<i64, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .group_update(caller, args.id, args.group_update)
            .await
    }
}

impl Handler for GroupDelete {
    async fn handle(ctx: CallContext, args: GroupDeleteArgs) -> Result<i64, Error> {
        ctx.state.accounts.group_delete(args.id, args.options).await
    }
}

impl Handler for GroupGetNextGid {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<i64, Error> {
        ctx.state.accounts.group_get_next_gid().await
    }
}

impl Handler for GroupGetGroupObj {
    async fn handle(ctx: CallContext, args: GetGroupObjArgs) -> Result<GroupObj, Error> {
        ctx.state.accounts.group_get_group_obj(args.get_group_obj).await
    }
}

impl Handler for GroupHasPasswordEnabledUser {
    async fn handle(ctx: CallContext, args: HasPasswordEnabledUserArgs) -> Result<bool, Error> {
        ctx.state
            .accounts
            .group_has_password_enabled_user(args.gids, args.exclude_user_ids)
            .await
    }
}

impl Handler for GroupGetPasswordEnabledUsers {
    async fn handle(ctx: CallContext, args: GetPasswordEnabledUsersArgs) -> Result<Vec<UserEntry>, Error> {
        let known = args.groups.map(|gs| gs.iter().map(|g| (g.id, g.gid)).collect());
        ctx.state
            .accounts
            .group_get_password_enabled_users(args.gids, args.exclude_user_ids, known)
            .await
    }
}

impl Handler for GroupRefreshExternal {
    async fn handle(
        ctx: CallContext,
        args: accountd_api::types::auth_source::GroupRefreshExternalArgs,
    ) -> Result<bool, Error> {
        ctx.state.accounts.group_refresh_external(args.id).await
    }
}

//! `user.*`.

use std::collections::BTreeMap;

use accountd_api::methods::user::*;
use accountd_api::types::common::NoArgs;
use accountd_api::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use accountd_api::types::user::{
    GetUserObjArgs, ResetLockoutArgs, SetPasswordArgs, SetupLocalAdministratorArgs, ShellChoicesArgs, UserCreateArgs,
    UserDeleteArgs, UserEntry, UserObj, UserUpdateArgs, UserWithPassword,
};
use accountd_core::Error;

use crate::dispatch::{CallContext, Handler};

impl Handler for UserQuery {
    async fn handle(ctx: CallContext, args: QueryArgs) -> Result<QueryAnswer<UserEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .user_query(caller, &args.filters, &args.options)
            .await
    }
}

impl Handler for UserGetInstance {
    async fn handle(ctx: CallContext, args: GetInstanceArgs) -> Result<Instance<UserEntry>, Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .user_get_instance(caller, args.id, &args.options)
            .await
    }
}

impl Handler for UserCreate {
    async fn handle(ctx: CallContext, args: UserCreateArgs) -> Result<UserWithPassword, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_create(caller, args.user_create).await
    }
}

impl Handler for UserUpdate {
    async fn handle(ctx: CallContext, args: UserUpdateArgs) -> Result<UserWithPassword, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_update(caller, args.id, args.user_update).await
    }
}

impl Handler for UserDelete {
    async fn handle(ctx: CallContext, args: UserDeleteArgs) -> Result<i64, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_delete(caller, args.id, args.options).await
    }
}

impl Handler for UserGetNextUid {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<i64, Error> {
        let caller = ctx.caller()?;
        ctx.state.accounts.user_get_next_uid(caller).await
    }
}

impl Handler for UserShellChoices {
    async fn handle(ctx: CallContext, args: ShellChoicesArgs) -> Result<BTreeMap<String, String>, Error> {
        ctx.state.accounts.user_shell_choices(args.group_ids).await
    }
}

impl Handler for UserTimezoneChoices {
    async fn handle(_ctx: CallContext, _args: NoArgs) -> Result<BTreeMap<String, String>, Error> {
        Ok(accountd_core::users::profile::timezone_choices())
    }
}

impl Handler for UserLocaleChoices {
    async fn handle(_ctx: CallContext, _args: NoArgs) -> Result<BTreeMap<String, String>, Error> {
        Ok(accountd_core::users::profile::locale_choices())
    }
}

impl Handler for UserGetUserObj {
    async fn handle(ctx: CallContext, args: GetUserObjArgs) -> Result<UserObj, Error> {
        ctx.state.accounts.user_get_user_obj(args.get_user_obj).await
    }
}

impl Handler for UserHasLocalAdministratorSetUp {
    async fn handle(ctx: CallContext, _args: NoArgs) -> Result<bool, Error> {
        ctx.state.accounts.has_local_administrator_set_up().await
    }
}

impl Handler for UserSetupLocalAdministrator {
    async fn handle(ctx: CallContext, args: SetupLocalAdministratorArgs) -> Result<(), Error> {
        ctx.state
            .accounts
            .setup_local_administrator(args.username, args.password)
            .await
    }
}

impl Handler for UserSetPassword {
    async fn handle(ctx: CallContext, args: SetPasswordArgs) -> Result<(), Error> {
        let caller = ctx.caller()?;
        ctx.state
            .accounts
            .user_set_password(caller, args.set_password_data)
            .await
    }
}

impl Handler for UserResetLockout {
    async fn handle(ctx: CallContext, args: ResetLockoutArgs) -> Result<(), Error> {
        ctx.state.accounts.user_reset_lockout(&args.username).await
    }
}

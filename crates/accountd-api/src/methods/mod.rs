//! The method table: every method of the API, declared once.

pub mod account;
pub mod account_profile;
pub mod activity;
pub mod api_key;
pub mod audit;
pub mod auth;
pub mod auth_source;
pub mod core;
pub mod group;
pub mod mail;
pub mod password_reset;
pub mod privilege;
pub mod rpc;
pub mod system;
pub mod tenant;
pub mod user;

use crate::method::{Method, MethodSpec};

/// Calls `$callback!(path::To::Method, ...)` with every method of the API: the single list that dispatch,
/// schema files and the reference are built from. A method missing here does not exist.
#[macro_export]
macro_rules! for_each_method {
    ($callback:ident) => {
        $callback!(
            $crate::methods::core::CorePing,
            $crate::methods::core::CoreSetOptions,
            $crate::methods::core::CoreSubscribe,
            $crate::methods::core::CoreUnsubscribe,
            $crate::methods::core::CoreGetJobs,
            $crate::methods::core::CoreGetMethods,
            $crate::methods::auth::AuthLoginEx,
            $crate::methods::auth::AuthLogin,
            $crate::methods::auth::AuthLogout,
            $crate::methods::auth::AuthMe,
            $crate::methods::auth::AuthMechanismChoices,
            $crate::methods::auth::AuthSetAttribute,
            $crate::methods::auth::AuthLoginExContinue,
            $crate::methods::auth::AuthLoginWithToken,
            $crate::methods::auth::AuthGenerateToken,
            $crate::methods::auth::AuthGenerateOnetimePassword,
            $crate::methods::auth::AuthSessions,
            $crate::methods::auth::AuthTerminateSession,
            $crate::methods::auth::AuthTerminateOtherSessions,
            $crate::methods::auth::AuthTwofactorConfig,
            $crate::methods::auth::AuthTwofactorUpdate,
            $crate::methods::auth::AuthSetAuthenticatorAssuranceLevel,
            $crate::methods::password_reset::AuthPasswordResetRequest,
            $crate::methods::password_reset::AuthPasswordResetComplete,
            $crate::methods::password_reset::AuthPasswordResetConfig,
            $crate::methods::password_reset::AuthPasswordResetUpdate,
            $crate::methods::user::UserQuery,
            $crate::methods::user::UserGetInstance,
            $crate::methods::user::UserCreate,
            $crate::methods::user::UserUpdate,
            $crate::methods::user::UserDelete,
            $crate::methods::user::UserGetNextUid,
            $crate::methods::user::UserShellChoices,
            $crate::methods::user::UserTimezoneChoices,
            $crate::methods::user::UserLocaleChoices,
            $crate::methods::activity::UserActivityQuery,
            $crate::methods::activity::UserActivityGetInstance,
            $crate::methods::account::UserAccountConfig,
            $crate::methods::account::UserAccountUpdate,
            $crate::methods::user::UserGetUserObj,
            $crate::methods::user::UserHasLocalAdministratorSetUp,
            $crate::methods::user::UserSetupLocalAdministrator,
            $crate::methods::user::UserSetPassword,
            $crate::methods::user::UserResetLockout,
            $crate::methods::user::UserRenew2faSecret,
            $crate::methods::user::UserRenew2faRecoveryCodes,
            $crate::methods::user::UserUnset2faSecret,
            $crate::methods::user::UserProvisioningUri,
            $crate::methods::user::UserTwofactorConfigGet,
            $crate::methods::group::GroupQuery,
            $crate::methods::group::GroupGetInstance,
            $crate::methods::group::GroupCreate,
            $crate::methods::group::GroupUpdate,
            $crate::methods::group::GroupDelete,
            $crate::methods::group::GroupGetNextGid,
            $crate::methods::group::GroupGetGroupObj,
            $crate::methods::group::GroupHasPasswordEnabledUser,
            $crate::methods::group::GroupGetPasswordEnabledUsers,
            $crate::methods::group::GroupRefreshExternal,
            $crate::methods::auth::AuthLoginWithApiKey,
            $crate::methods::api_key::ApiKeyQuery,
            $crate::methods::api_key::ApiKeyGetInstance,
            $crate::methods::api_key::ApiKeyCreate,
            $crate::methods::api_key::ApiKeyUpdate,
            $crate::methods::api_key::ApiKeyDelete,
            $crate::methods::api_key::ApiKeyMyKeys,
            $crate::methods::privilege::PrivilegeQuery,
            $crate::methods::privilege::PrivilegeGetInstance,
            $crate::methods::privilege::PrivilegeCreate,
            $crate::methods::privilege::PrivilegeUpdate,
            $crate::methods::privilege::PrivilegeDelete,
            $crate::methods::privilege::PrivilegeRoles,
            $crate::methods::tenant::TenantQuery,
            $crate::methods::tenant::TenantGetInstance,
            $crate::methods::tenant::TenantCreate,
            $crate::methods::tenant::TenantUpdate,
            $crate::methods::tenant::TenantDelete,
            $crate::methods::tenant::TenantSwitch,
            $crate::methods::auth_source::AuthSourceQuery,
            $crate::methods::auth_source::AuthSourceGetInstance,
            $crate::methods::auth_source::AuthSourceCreate,
            $crate::methods::auth_source::AuthSourceUpdate,
            $crate::methods::auth_source::AuthSourceDelete,
            $crate::methods::auth_source::AuthSourceTest,
            $crate::methods::account_profile::AccountProfileQuery,
            $crate::methods::account_profile::AccountProfileGetInstance,
            $crate::methods::account_profile::AccountProfileCreate,
            $crate::methods::account_profile::AccountProfileUpdate,
            $crate::methods::account_profile::AccountProfileDelete,
            $crate::methods::system::SystemSecurityConfig,
            $crate::methods::system::SystemSecurityUpdate,
            $crate::methods::audit::AuditQuery,
            $crate::methods::audit::AuditConfigGet,
            $crate::methods::audit::AuditUpdate,
            $crate::methods::audit::AuditExport,
            $crate::methods::mail::MailConfig,
            $crate::methods::mail::MailUpdate,
            $crate::methods::mail::MailSend,
            $crate::methods::rpc::RpcDiscover
        )
    };
}

/// The specs of every method, in table order.
pub fn all() -> Vec<MethodSpec> {
    macro_rules! specs {
        ($($m:path),*) => { vec![$(MethodSpec::of::<$m>()),*] };
    }
    for_each_method!(specs)
}

/// The names of every method, in table order.
pub fn names() -> Vec<&'static str> {
    macro_rules! names {
        ($($m:path),*) => { vec![$(<$m as Method>::NAME),*] };
    }
    for_each_method!(names)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_namespaced() {
        let names = names();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "duplicate method name");
        for n in names {
            assert!(n.contains('.'), "{n} has no namespace");
        }
    }

    #[test]
    fn every_spec_has_docs_and_object_args() {
        for spec in all() {
            assert!(!spec.doc.is_empty(), "{} lacks a doc", spec.name);
            for arg in &spec.args {
                assert!(arg.schema.is_object(), "{}.{}", spec.name, arg.name);
            }
        }
    }

    #[test]
    fn positional_args_follow_field_order() {
        let spec = MethodSpec::of::<user::UserUpdate>();
        let names: Vec<_> = spec.args.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["id", "user_update"]);
        assert!(spec.args.iter().all(|a| a.required));
        let spec = MethodSpec::of::<user::UserQuery>();
        let names: Vec<_> = spec.args.iter().map(|a| (a.name.as_str(), a.required)).collect();
        assert_eq!(names, [("filters", false), ("options", false)]);
    }

    #[test]
    fn strings_get_the_default_length_cap() {
        let spec = MethodSpec::of::<user::UserCreate>();
        let s = spec.args[0].schema.to_string();
        assert!(s.contains("\"maxLength\":1024"), "{s}");
    }
}

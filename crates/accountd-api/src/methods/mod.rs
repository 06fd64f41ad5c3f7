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

use std::sync::LazyLock;

use crate::method::{Events, Method, MethodSpec};

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
            $crate::methods::user::UserVerifyTwofactorToken,
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

/// The event collections (`core.subscribe` names): the query methods declared with `events:`, with what their
/// entries hide, in table order.
pub fn event_collections() -> &'static [(&'static str, Events)] {
    static COLLECTIONS: LazyLock<Vec<(&'static str, Events)>> = LazyLock::new(|| {
        macro_rules! collections {
            ($($m:path),*) => {
                [$((<$m as Method>::NAME, <$m as Method>::EVENTS)),*]
                    .into_iter()
                    .filter_map(|(name, events)| Some((name, events?)))
                    .collect()
            };
        }
        for_each_method!(collections)
    });
    &COLLECTIONS
}

/// True when method `name` is declared `tenant_scoped`: roles granted in the session's tenant count for it.
pub fn is_tenant_scoped(name: &str) -> bool {
    static SCOPED: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
        macro_rules! scoped {
            ($($m:path),*) => {
                [$((<$m as Method>::NAME, <$m as Method>::TENANT_SCOPED)),*]
                    .into_iter()
                    .filter_map(|(name, scoped)| scoped.then_some(name))
                    .collect()
            };
        }
        for_each_method!(scoped)
    });
    SCOPED.contains(&name)
}

/// What the entries of event collection `name` hide, or `None` when `name` is not an event collection.
pub fn event_collection(name: &str) -> Option<Events> {
    event_collections()
        .iter()
        .find(|(collection, _)| *collection == name)
        .map(|(_, events)| *events)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `declare_method!` in this folder's files, by wire name, is in the table: a method declared but not
    /// listed in `for_each_method!` (and so neither registered nor documented) fails here.
    #[test]
    fn every_declared_method_is_in_the_table() {
        let sources = [
            include_str!("account.rs"),
            include_str!("account_profile.rs"),
            include_str!("activity.rs"),
            include_str!("api_key.rs"),
            include_str!("audit.rs"),
            include_str!("auth.rs"),
            include_str!("auth_source.rs"),
            include_str!("core.rs"),
            include_str!("group.rs"),
            include_str!("mail.rs"),
            include_str!("password_reset.rs"),
            include_str!("privilege.rs"),
            include_str!("rpc.rs"),
            include_str!("system.rs"),
            include_str!("tenant.rs"),
            include_str!("user.rs"),
        ];
        let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/methods");
        let files = std::fs::read_dir(&folder)
            .expect("methods folder")
            .filter(|e| e.as_ref().is_ok_and(|e| e.file_name() != "mod.rs"))
            .count();
        assert_eq!(
            files,
            sources.len(),
            "a file in src/methods is missing from this test's list"
        );
        let names = names();
        let mut declared = 0;
        for source in sources {
            for block in source.split("declare_method! {").skip(1) {
                let name = block
                    .split(" = \"")
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .expect("a declaration names its method");
                assert!(names.contains(&name), "{name} is declared but not in for_each_method!");
                declared += 1;
            }
        }
        assert_eq!(
            declared,
            names.len(),
            "the table lists a method twice or one declared elsewhere"
        );
    }

    /// The argument names the code uses (`Method::ARGS`) are the ones the schemas and validation errors use.
    #[test]
    fn argument_names_are_the_schemas() {
        macro_rules! check {
            ($($m:path),*) => {$(
                let spec = MethodSpec::of::<$m>();
                let names: Vec<&str> = spec.args.iter().map(|a| a.name.as_str()).collect();
                assert_eq!(names, <$m as Method>::ARGS, "{}", spec.name);
            )*};
        }
        for_each_method!(check);
    }

    #[test]
    fn event_collections_are_query_methods_with_the_user_secrets_on_users() {
        let collections = event_collections();
        assert!(collections.len() >= 8, "{collections:?}");
        for (name, _) in collections {
            assert!(name.ends_with(".query") || *name == "core.get_jobs", "{name}");
        }
        assert_eq!(event_collection("user.query"), Some(Events::UserSecrets));
        assert_eq!(event_collection("group.query"), Some(Events::Public));
        assert_eq!(event_collection("user.create"), None);
        assert_eq!(event_collection("audit.query"), None);
    }

    #[test]
    fn tenant_scoped_methods_are_the_declared_ones() {
        assert!(is_tenant_scoped("user.query") && is_tenant_scoped("api_key.get_instance"));
        assert!(!is_tenant_scoped("group.query") && !is_tenant_scoped("tenant.create"));
        assert!(!is_tenant_scoped("no.such_method"));
    }

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

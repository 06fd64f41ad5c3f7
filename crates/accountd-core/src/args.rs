//! The argument names that start the services' validation attributes (`user_update.username`), taken from the
//! method table's declarations so that no service spells them.

use accountd_api::Method;
use accountd_api::methods;

/// `UserCreate`'s argument 0.
pub(crate) const USER_CREATE: &str = methods::user::UserCreate::ARGS[0];
/// `UserUpdate`'s argument 1.
pub(crate) const USER_UPDATE: &str = methods::user::UserUpdate::ARGS[1];
/// `UserAccountUpdate`'s argument 0.
pub(crate) const USER_ACCOUNT_UPDATE: &str = methods::account::UserAccountUpdate::ARGS[0];
/// `MailUpdate`'s argument 0.
pub(crate) const MAIL_UPDATE: &str = methods::mail::MailUpdate::ARGS[0];
/// `SystemSecurityUpdate`'s argument 0.
pub(crate) const SYSTEM_SECURITY_UPDATE: &str = methods::system::SystemSecurityUpdate::ARGS[0];
/// `AuthSourceCreate`'s argument 0.
pub(crate) const AUTH_SOURCE_CREATE: &str = methods::auth_source::AuthSourceCreate::ARGS[0];
/// `AuthSourceUpdate`'s argument 1.
pub(crate) const AUTH_SOURCE_UPDATE: &str = methods::auth_source::AuthSourceUpdate::ARGS[1];
/// `PrivilegeCreate`'s argument 0.
pub(crate) const PRIVILEGE_CREATE: &str = methods::privilege::PrivilegeCreate::ARGS[0];
/// `PrivilegeUpdate`'s argument 1.
pub(crate) const PRIVILEGE_UPDATE: &str = methods::privilege::PrivilegeUpdate::ARGS[1];
/// `GroupCreate`'s argument 0.
pub(crate) const GROUP_CREATE: &str = methods::group::GroupCreate::ARGS[0];
/// `GroupUpdate`'s argument 1.
pub(crate) const GROUP_UPDATE: &str = methods::group::GroupUpdate::ARGS[1];
/// `AccountProfileCreate`'s argument 0.
pub(crate) const ACCOUNT_PROFILE_CREATE: &str = methods::account_profile::AccountProfileCreate::ARGS[0];
/// `AccountProfileUpdate`'s argument 1.
pub(crate) const ACCOUNT_PROFILE_UPDATE: &str = methods::account_profile::AccountProfileUpdate::ARGS[1];
/// `ApiKeyCreate`'s argument 0.
pub(crate) const API_KEY_CREATE: &str = methods::api_key::ApiKeyCreate::ARGS[0];
/// `ApiKeyUpdate`'s argument 1.
pub(crate) const API_KEY_UPDATE: &str = methods::api_key::ApiKeyUpdate::ARGS[1];
/// `AuthPasswordResetComplete`'s argument 0.
pub(crate) const PASSWORD_RESET_COMPLETE: &str = methods::password_reset::AuthPasswordResetComplete::ARGS[0];
/// `AuthPasswordResetUpdate`'s argument 0.
pub(crate) const PASSWORD_RESET_UPDATE: &str = methods::password_reset::AuthPasswordResetUpdate::ARGS[0];
/// `TenantCreate`'s argument 0.
pub(crate) const TENANT_CREATE: &str = methods::tenant::TenantCreate::ARGS[0];
/// `TenantUpdate`'s argument 1.
pub(crate) const TENANT_UPDATE: &str = methods::tenant::TenantUpdate::ARGS[1];

//! `user.*` methods.

use std::collections::BTreeMap;

use crate::declare_method;
use crate::method::Events;
use crate::method::{Audit, AuditRecord};
use crate::types::common::NoArgs;
use crate::types::query::{GetInstanceArgs, Instance, QueryAnswer, QueryArgs};
use crate::types::twofactor::{
    Renew2faSecretArgs, RenewRecoveryCodesArgs, TwofactorUsernameArgs, UserTwofactorConfig, UserWithTwofactor,
    VerifyTwofactorTokenArgs,
};
use crate::types::user::{
    GetUserObjArgs, ResetLockoutArgs, SetPasswordArgs, SetupLocalAdministratorArgs, ShellChoicesArgs, UserCreateArgs,
    UserDeleteArgs, UserEntry, UserObj, UserUpdateArgs, UserWithPassword,
};
use crate::{Access, Role};

const READ: Access = Access::Roles(&[Role::AccountRead]);
const WRITE: Access = Access::Roles(&[Role::AccountWrite]);

declare_method! {
    /// Queries users with query-filters and query-options. Secret fields (`unixhash`, `smbhash`,
    /// `password_history`) show as `********` to callers without FULL_ADMIN or ACCOUNT_WRITE.
    UserQuery = "user.query", READ, QueryArgs => QueryAnswer<UserEntry>,
    events: Events::UserSecrets,
    tenant_scoped: true,
    examples: [
        Admin r#"[[["username", "=", "alice"]], {"select": ["id", "uid", "username", "groups", "roles"]}]"#,
        Admin r#"[[["builtin", "=", false]], {"count": true}]"#,
        Admin r#"[[["OR", [["uid", "<", 1000], ["username", "C^", "AL"]]]], {"select": [["username", "name"], "uid"], "order_by": ["-uid"]}]"#,
    ]
}

declare_method! {
    /// Returns the user with database id `id`; an unknown id is an ENOENT validation error.
    UserGetInstance = "user.get_instance", READ, GetInstanceArgs => Instance<UserEntry>,
    tenant_scoped: true,
    examples: [
        Admin r#"[56]"#,
    ]
}

declare_method! {
    /// Creates a user. Exactly one of `group` and `group_create` is required; a password is required unless
    /// `password_disabled` or `random_password`. Returns the entry with the password set (if any).
    UserCreate = "user.create", WRITE, UserCreateArgs => UserWithPassword,
    audit: Audit::param("Create user", "username"),
    tenant_scoped: true,
    examples: [
        Admin r#"[{"username": "bob", "full_name": "Bob", "group_create": true, "password": "bob-password", "email": "bob@example.com", "groups": [94]}]"#,
    ]
}

declare_method! {
    /// Changes the given fields of a user. Builtin users cannot change their name, group, home or SMB flag.
    UserUpdate = "user.update", WRITE, UserUpdateArgs => UserWithPassword,
    audit: Audit::record("Update user", AuditRecord::User),
    tenant_scoped: true,
    examples: [
        Admin r#"[56, {"full_name": "Alice Liddell", "email": "alice@example.com", "locked": true}]"#,
    ]
}

declare_method! {
    /// Deletes a user (and its primary group when unused and `delete_group`). Returns the id.
    UserDelete = "user.delete", WRITE, UserDeleteArgs => i64,
    audit: Audit::record("Delete user", AuditRecord::User),
    tenant_scoped: true,
    examples: [
        Admin r#"[56, {"delete_group": true}]"#,
    ]
}

declare_method! {
    /// The smallest unused uid >= 3000; it stays reserved for an hour or until a create uses it.
    /// A session holds at most three reservations: a fourth call gives up the session's oldest.
    UserGetNextUid = "user.get_next_uid", READ, NoArgs => i64,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Available login shells, `{path: label}`. Privileged groups among `group_ids` add the TrueNAS CLI shells.
    UserShellChoices = "user.shell_choices", Access::Roles(&[Role::ReadonlyAdmin, Role::AccountRead]),
        ShellChoicesArgs => BTreeMap<String, String>,
    examples: [
        Admin r#"[[2]]"#,
    ]
}

declare_method! {
    /// Time zones a user's `timezone` may hold, `{name: name}`: every zone of the IANA database. Foreman's Rails
    /// names (e.g. `Pacific Time (US & Canada)`) are accepted too and stored as their IANA zone.
    UserTimezoneChoices = "user.timezone_choices", Access::AnyUser, NoArgs => BTreeMap<String, String>,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// Locales a user's `locale` may hold, `{code: language name}` (Foreman's 18).
    UserLocaleChoices = "user.locale_choices", Access::AnyUser, NoArgs => BTreeMap<String, String>,
    examples: [
        Admin r#"[]"#,
    ]
}

declare_method! {
    /// A passwd-style object for the user with the given `username` or `uid` (exactly one).
    UserGetUserObj = "user.get_user_obj", READ, GetUserObjArgs => UserObj,
    examples: [
        Admin r#"[{"username": "alice", "get_groups": true}]"#,
    ]
}

declare_method! {
    /// True when a password-enabled local administrator exists. No login needed.
    UserHasLocalAdministratorSetUp = "user.has_local_administrator_set_up", Access::NoAuth, NoArgs => bool,
    examples: [
        Fresh r#"[]"#,
    ]
}

declare_method! {
    /// First-boot setup: sets root's password, or creates `truenas_admin` (uid 950) and disables root's
    /// password. Fails with EEXIST once an administrator is set up. No login needed.
    UserSetupLocalAdministrator = "user.setup_local_administrator", Access::NoAuth,
        SetupLocalAdministratorArgs => (),
    audit: Audit::plain("Set up local administrator"),
    examples: [
        Fresh r#"["truenas_admin", "choose-a-password"]"#,
    ]
}

declare_method! {
    /// Changes a password. Users may change only their own (giving `old_password`) unless they have FULL_ADMIN.
    UserSetPassword = "user.set_password", Access::AnyUser, SetPasswordArgs => (),
    audit: Audit::param("Set account password", "username"),
    examples: [
        Admin r#"[{"username": "alice", "new_password": "new-alice-password"}]"#,
    ]
}

declare_method! {
    /// Ends a login lockout of `username` at once and clears the user's failed-login counters.
    /// 10 failed password or one-time-password checks within 15 minutes lock an account for 15 minutes, for its
    /// known origins or for every other address; without this call the lock ends by itself. ENOENT for an
    /// unknown user.
    UserResetLockout = "user.reset_lockout", WRITE, ResetLockoutArgs => (),
    examples: [
        Admin r#"["alice"]"#,
    ]
}

declare_method! {
    /// Gives `username` a new random two-factor secret (32 base32 characters); `otp_digits` (6..8) and
    /// `interval` (>= 5 s) change when given, else keep their stored values (6 and 30 by default). Returns the
    /// user entry with `twofactor_config`, whose provisioning URI holds the new secret. Users may renew only
    /// their own secret unless they have FULL_ADMIN (else EPERM).
    ///
    /// The `interval` rule is TrueNAS 25.10's (API v25.10: any whole number of seconds >= 5). Newer TrueNAS
    /// (API v27.0) accepts only 30 or 60; this service keeps the wider rule, so a client written for the newer
    /// API works unchanged, and an interval other than 30 or 60 set here cannot be set through the newer API.
    UserRenew2faSecret = "user.renew_2fa_secret", Access::AnyUser, Renew2faSecretArgs => UserWithTwofactor,
    audit: Audit::param("Renew two-factor authentication secret:", ""),
    examples: [
        Admin r#"["alice", {"otp_digits": 8, "interval": 60}]"#,
    ]
}

declare_method! {
    /// Returns true when `token` is `username`'s current one-time password (TrueNAS's method of that name), so
    /// that a new secret can be confirmed before logins ask for its codes. A wrong code counts towards the
    /// account's lockout and waits the failure delay, as at a login, and during a lockout the answer is false; a
    /// right code is not used up (the next login may use it). Unlike TrueNAS it answers whether or not two-factor
    /// login is on. Users may check only their own codes unless they have FULL_ADMIN (else EPERM); EFAULT when the user
    /// has no two-factor secret.
    UserVerifyTwofactorToken = "user.verify_twofactor_token", Access::AnyUser, VerifyTwofactorTokenArgs => bool,
    examples: [
        Admin r#"["truenas_admin", "123456"]"# => error,
    ]
}

declare_method! {
    /// Issues 10 new two-factor recovery codes for `username` (the caller's own account when omitted) and
    /// returns them, this once: each is 12 letters and digits in groups of four (`xxxx-xxxx-xxxx`, 60 random
    /// bits; upper case, spaces and no dashes are accepted when typed). Only their SHA-256 digests are stored.
    /// Each code works once in place of a one-time password (`OTP_TOKEN` of `auth.login_ex` /
    /// `auth.login_ex_continue`, `otp_token` of `auth.login`); a wrong one counts as a wrong one-time password.
    /// The codes issued before are void, as they are when the secret is renewed or removed.
    /// `user.twofactor_config` shows how many remain. Users may renew only their own codes unless they have
    /// FULL_ADMIN (else EPERM); EFAULT when the user has no two-factor secret.
    UserRenew2faRecoveryCodes = "user.renew_2fa_recovery_codes", Access::AnyUser, RenewRecoveryCodesArgs => Vec<String>,
    audit: Audit::param("Renew two-factor recovery codes", ""),
    examples: [
        Admin r#"[]"# => error,
    ]
}

declare_method! {
    /// Removes `username`'s two-factor secret (and its recovery codes): the user logs in with a password alone
    /// again.
    UserUnset2faSecret = "user.unset_2fa_secret", WRITE, TwofactorUsernameArgs => (),
    audit: Audit::param("Unset two-factor authentication secret:", ""),
    examples: [
        Admin r#"["alice"]"#,
    ]
}

declare_method! {
    /// The `otpauth://` provisioning URI of `username`'s two-factor secret (for an authenticator app's QR
    /// code). It contains the secret: callable for one's own account, or with FULL_ADMIN or ACCOUNT_WRITE (else
    /// EPERM). EFAULT when the user has no secret.
    UserProvisioningUri = "user.provisioning_uri", Access::AnyUser, TwofactorUsernameArgs => String,
    examples: [
        Admin r#"["alice"]"# => error,
    ]
}

declare_method! {
    /// `username`'s two-factor settings: `{provisioning_uri, secret_configured, interval, otp_digits,
    /// recovery_codes_remaining}`.
    /// Callable for one's own account or with ACCOUNT_READ (else EPERM); the provisioning URI contains the
    /// secret and shows as `********` to other users' callers without FULL_ADMIN or ACCOUNT_WRITE.
    UserTwofactorConfigGet = "user.twofactor_config", Access::AnyUser, TwofactorUsernameArgs => UserTwofactorConfig,
    examples: [
        Admin r#"["alice"]"#,
    ]
}

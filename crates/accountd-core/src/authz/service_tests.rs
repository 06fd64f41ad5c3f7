//! The rules as the services apply them, on a real store ([`Fixture`]): who changes whose password, who sees
//! secrets, whose two-factor settings and API keys a caller reaches.

use accountd_api::methods::{self, user::UserUpdate as UserUpdateMethod};
use accountd_api::types::api_key::ApiKeyCreate;
use accountd_api::types::common::REDACTED;
use accountd_api::types::query::QueryOptions;
use accountd_api::types::twofactor::TwofactorOptions;
use accountd_api::types::user::SetPasswordData;
use accountd_api::{Method, Role};
use serde_json::{Value, json};

use crate::authz::call_refusal;
use crate::caller::Caller;
use crate::fixture::{Fixture, PASSWORD};

const NEW_PASSWORD: &str = "Another-passw0rd-2";

fn set_password(username: &str, old: Option<&str>) -> SetPasswordData {
    serde_json::from_value(json!({"username": username, "old_password": old, "new_password": NEW_PASSWORD}))
        .expect("set_password arguments")
}

/// True when `password` is `username`'s (the login is not `AUTH_ERR`; a user without a privilege is `DENIED`).
async fn password_is(f: &Fixture, username: &str, password: &str) -> bool {
    !matches!(
        f.accounts
            .login_password(username, password, crate::fixture::ORIGIN)
            .await,
        Ok(crate::auth::LoginOutcome::AuthErr)
    )
}

fn error_text(result: Result<impl std::fmt::Debug, crate::Error>) -> String {
    match result {
        Ok(v) => panic!("expected a refusal, got {v:?}"),
        Err(e) => e.to_string(),
    }
}

#[tokio::test]
async fn only_full_admins_set_another_users_password() {
    let f = Fixture::new().await;
    f.user("carol").await;
    // (caller's roles, allowed)
    let rows: &[(&str, &[Role], bool)] = &[
        ("bob", &[], false),
        ("dave", &[Role::AccountWrite], false),
        ("erin", &[Role::ReadonlyAdmin], false),
        ("frank", &[Role::FullAdmin], true),
    ];
    for (name, roles, allowed) in rows {
        let caller = f.caller(name, roles).await;
        let result = f.accounts.user_set_password(&caller, set_password("carol", None)).await;
        if *allowed {
            result.expect("FULL_ADMIN sets the password without the old one");
            assert!(password_is(&f, "carol", NEW_PASSWORD).await);
        } else {
            assert_eq!(
                error_text(result),
                "[EPERM] carol: currently authenticated credential may not reset password for this user.",
                "{roles:?}"
            );
        }
    }
}

#[tokio::test]
async fn users_set_their_own_password_with_the_old_one() {
    let f = Fixture::new().await;
    let bob = f.caller("bob", &[]).await;
    let refused = f.accounts.user_set_password(&bob, set_password("bob", None)).await;
    assert!(error_text(refused).contains("FULL_ADMIN role is required"));
    f.accounts
        .user_set_password(&bob, set_password("bob", Some(PASSWORD)))
        .await
        .expect("own password with the old one");
    assert!(password_is(&f, "bob", NEW_PASSWORD).await);
    assert!(!password_is(&f, "bob", PASSWORD).await);
}

#[tokio::test]
async fn account_writers_change_others_passwords_through_user_update() {
    let f = Fixture::new().await;
    let carol = f.user("carol").await;
    let access = methods::all()
        .into_iter()
        .find(|m| m.name == UserUpdateMethod::NAME)
        .expect("user.update is declared")
        .access;
    let reader = f.caller("bob", &[Role::AccountRead]).await;
    let refusal = call_refusal(&reader, UserUpdateMethod::NAME, access).map(|e| e.to_string());
    assert_eq!(refusal.as_deref(), Some("[EACCES] Not authorized"));

    let writer = f.caller("dave", &[Role::AccountWrite]).await;
    assert!(call_refusal(&writer, UserUpdateMethod::NAME, access).is_none());
    let updated = f
        .accounts
        .user_update(&writer, carol, Fixture::update(json!({"password": NEW_PASSWORD})))
        .await
        .expect("ACCOUNT_WRITE updates the password");
    let served = Fixture::served(updated, &writer);
    assert_ne!(served["unixhash"], json!(REDACTED), "ACCOUNT_WRITE sees the new hash");
    assert!(password_is(&f, "carol", NEW_PASSWORD).await);
}

/// `user.get_instance` of `id` as `caller`, as the server sends it.
async fn get_user(f: &Fixture, caller: &Caller, id: i64) -> Value {
    let instance = f
        .accounts
        .user_get_instance(caller, id, &QueryOptions::default())
        .await
        .expect("user.get_instance");
    Fixture::served(instance, caller)
}

#[tokio::test]
async fn password_hashes_are_shown_to_account_writers_only() {
    let f = Fixture::new().await;
    let carol = f.user("carol").await;
    let rows: &[(&str, &[Role], bool)] = &[
        ("bob", &[Role::AccountRead], false),
        ("erin", &[Role::ReadonlyAdmin], false),
        ("dave", &[Role::AccountWrite], true),
        ("frank", &[Role::FullAdmin], true),
    ];
    for (name, roles, sees) in rows {
        let entry = get_user(&f, &f.caller(name, roles).await, carol).await;
        let hash = entry["unixhash"].as_str().expect("a hash or the marker");
        assert_eq!(hash != REDACTED, *sees, "{roles:?}");
        assert_eq!(entry["smbhash"] != json!(REDACTED), *sees, "{roles:?}");
    }
}

#[tokio::test]
async fn two_factor_secrets_of_others_are_for_account_writers() {
    let f = Fixture::new().await;
    f.user("carol").await;
    let admin = f.admin().await;
    f.accounts
        .renew_2fa_secret(&admin, "carol".into(), TwofactorOptions::default())
        .await
        .expect("a secret for carol");
    // (caller's roles, may read the configuration, sees the provisioning URI)
    let rows: &[(&str, &[Role], bool, bool)] = &[
        ("bob", &[], false, false),
        ("dave", &[Role::AccountRead], true, false),
        ("erin", &[Role::AccountWrite], true, true),
    ];
    for (name, roles, reads, sees) in rows {
        let caller = f.caller(name, roles).await;
        let config = f.accounts.user_twofactor_config(&caller, "carol".into()).await;
        assert_eq!(config.is_ok(), *reads, "{roles:?}");
        if let Ok(config) = config {
            let uri = config.provisioning_uri.expect("carol has a secret");
            assert_eq!(uri != REDACTED, *sees, "{roles:?}");
        }
        let uri = f.accounts.user_provisioning_uri(&caller, "carol".into()).await;
        assert_eq!(uri.is_ok(), *sees, "{roles:?}");
    }
    // Renewing someone else's secret takes FULL_ADMIN, even with ACCOUNT_WRITE.
    let writer = f.caller("grace", &[Role::AccountWrite]).await;
    let renewed = f
        .accounts
        .renew_2fa_secret(&writer, "carol".into(), TwofactorOptions::default())
        .await;
    assert!(error_text(renewed).starts_with("[EPERM] carol: currently authenticated credential may not renew"));
}

#[tokio::test]
async fn api_keys_of_others_take_api_key_write() {
    let f = Fixture::new().await;
    let key = |name: &str| ApiKeyCreate {
        name: name.into(),
        username: "truenas_admin".into(),
        expires_at: None,
    };
    let reader = f.caller("bob", &[Role::ApiKeyRead]).await;
    let refused = f.accounts.api_key_create(&reader, key("bob's")).await;
    assert_eq!(
        error_text(refused),
        "[EACCES] bob: authenticated user lacks privileges to create or modify API keys of other users."
    );
    let writer = f.caller("dave", &[Role::ApiKeyWrite]).await;
    let created = f
        .accounts
        .api_key_create(&writer, key("dave's"))
        .await
        .expect("API_KEY_WRITE makes keys for others");
    assert_eq!(created.entry.username.as_deref(), Some("truenas_admin"));
}

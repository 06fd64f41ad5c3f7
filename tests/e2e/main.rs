//! End-to-end tests over real WebSocket connections; one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails loudly on a broken assumption"
)]

mod activity;
mod api_keys;
mod assurance;
mod audit;
mod auth;
mod concurrency;
mod conformance;
mod events;
mod expiry;
mod groups;
mod home_symlinks;
mod hostile;
mod input_bounds;
mod ldap;
mod ldap_groups;
mod ldap_tls;
mod limits;
mod lockout;
mod mail;
mod metrics;
mod onetime_password;
mod outbound_bytes;
mod password_reset;
mod password_rules;
mod privileges;
mod profiles;
mod query;
mod rate_limit;
mod read_cache;
mod reconnect;
mod recovery_codes;
mod self_service;
mod session_cap;
mod smoke;
mod tenants;
mod tls_proxy;
mod tokens_sessions;
mod transport;
mod twofactor;
mod users_create;
mod users_delete;
mod users_misc;
mod users_roles;
mod users_update;
mod web_page;
mod webshare;

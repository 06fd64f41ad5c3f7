//! Method implementations: thin adapters from typed arguments to the account services.

mod account;
mod account_profile;
mod activity;
mod api_key;
mod audit;
mod auth;
mod auth_source;
mod core;
mod group;
mod mail;
mod password_reset;
mod privilege;
mod rpc;
mod sessions;
mod system;
mod tenant;
mod twofactor;
mod user;

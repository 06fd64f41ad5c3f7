//! Wire types, one file per namespace.

pub mod account;
pub mod account_profile;
pub mod activity;
pub mod api_key;
pub mod audit;
pub mod auth;
pub mod auth_source;
pub mod common;
pub mod core;
pub mod group;
pub mod mail;
pub mod password_reset;
pub mod privilege;
pub mod query;
pub mod rpc;
pub mod sessions;
pub mod tenant;
pub mod twofactor;
pub mod user;

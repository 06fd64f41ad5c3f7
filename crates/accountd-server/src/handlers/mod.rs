//! Method implementations: thin adapters from typed arguments to the account services.

mod account;
mod api_key;
mod audit;
mod auth;
mod core;
mod group;
mod privilege;
mod rpc;
mod sessions;
mod twofactor;
mod user;

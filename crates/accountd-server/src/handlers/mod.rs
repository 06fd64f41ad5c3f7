//! Method implementations: thin adapters from typed arguments to the account services.

mod auth;
mod core;
mod group;
mod rpc;
mod user;

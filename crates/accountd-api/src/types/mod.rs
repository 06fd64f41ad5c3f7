//! Wire types, one file per namespace.

pub mod auth;
pub mod common;
pub mod core;
pub mod group;
pub mod query;
pub mod rpc;
pub mod user;

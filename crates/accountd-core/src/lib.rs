//! accountd's account services: users, groups and logins as pure logic over a [`Caller`], the store and a
//! clock. No JSON-RPC and no sockets here; the server crate maps [`Error`] to the wire.

pub mod account_profiles;
mod accounts;
pub mod activity;
pub mod api_keys;
mod args;
pub mod assurance;
pub mod attributes;
pub mod audit;
pub mod auth;
pub mod authz;
pub mod caller;
pub mod clock;
pub mod config;
pub mod entry;
pub mod error;
pub mod events;
#[cfg(test)]
mod fixture;
pub mod groups;
pub mod home;
pub mod ldap;
pub mod lockout;
pub mod mail;
mod metrics;
pub mod onetime;
pub mod password;
pub mod password_reset;
pub mod privileges;
mod querying;
mod read_cache;
pub mod redact;
mod rehash;
pub mod sessions;
pub mod shells;
pub mod sudo;
pub mod tenants;
pub mod twofactor;
pub mod users;

pub use accounts::Accounts;
pub use caller::Caller;
pub use clock::{Clock, ManualClock, SystemClock};
pub use config::Config;
pub use error::{Error, Result, ValidationErrors, ValidationItem};
pub use querying::query_list;

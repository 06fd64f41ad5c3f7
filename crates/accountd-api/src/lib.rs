//! Wire types of the accountd JSON-RPC API and the method table: every method is declared once here,
//! and dispatch, validation, authorization, schemas and documentation are derived from it.

// The derive of `ArgNames` names the trait by this crate's path, here too.
extern crate self as accountd_api;

pub mod files;
pub mod method;
pub mod method_meta;
pub mod methods;
pub mod openrpc;
pub mod pytext;
pub mod reference;
pub mod roles;
pub mod schema;
pub mod types;

pub use accountd_api_derive::ArgNames;
pub use method::{Access, ArgNames, ArgSpec, Events, Method, MethodSpec};
pub use roles::Role;

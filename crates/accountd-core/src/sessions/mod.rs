//! Session credentials that live in memory only: authentication tokens.

pub mod tokens;

pub use tokens::{NewToken, Redeemed, TokenHash, TokenStore};

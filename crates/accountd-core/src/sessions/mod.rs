//! Session credentials that live in memory only (authentication tokens), and the effects of writes on live
//! credentials.

pub mod effects;
pub mod tokens;

pub use effects::{CredentialEffect, CredentialEffects, RecordedEffect};
pub use tokens::{NewToken, Redeemed, TokenHash, TokenRefusal, TokenStore};

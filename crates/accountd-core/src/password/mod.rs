//! Password hashing (argon2id, off the async runtime), SMB NT hashes and random passwords.
//!
//! Cleartext passwords never reach a log line or a `Debug` output: hold them in [`Secret`].

pub mod cost;
mod hasher;
mod queue;
pub mod rules;
mod sched;
mod secret;
mod smb;

pub use hasher::{Argon2Params, PasswordHasher};
pub use queue::with_origin;
pub use secret::Secret;
pub use smb::{RANDOM_PASSWORD_LEN, nt_hash, random_alphanumeric, random_password};

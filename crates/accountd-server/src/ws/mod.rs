//! The WebSocket side: TrueNAS envelope rules and the per-connection loop.

mod connection;
pub mod envelope;
mod outbox;

pub use connection::run_connection;

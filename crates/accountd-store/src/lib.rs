//! accountd-store

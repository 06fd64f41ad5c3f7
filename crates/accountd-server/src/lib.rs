//! accountd-server

//! accountd-core

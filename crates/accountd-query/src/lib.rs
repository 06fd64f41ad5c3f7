//! accountd-query

//! accountd-api

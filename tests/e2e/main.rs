//! End-to-end tests over real WebSocket connections; one module per area.

mod api_keys;
mod auth;
mod concurrency;
mod conformance;
mod events;
mod groups;
mod home_symlinks;
mod hostile;
mod input_bounds;
mod limits;
mod lockout;
mod outbound_bytes;
mod privileges;
mod query;
mod rate_limit;
mod read_cache;
mod smoke;
mod tls_proxy;
mod tokens_sessions;
mod transport;
mod twofactor;
mod users_create;
mod users_delete;
mod users_misc;
mod users_roles;
mod users_update;

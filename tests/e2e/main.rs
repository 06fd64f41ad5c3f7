//! End-to-end tests over real WebSocket connections; one module per area.

mod smoke;
mod transport;
mod users_create;
mod users_update;
mod auth;
mod users_delete;
mod groups;
mod query;
mod users_misc;
mod users_roles;

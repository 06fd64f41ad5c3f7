//! End-to-end tests over real WebSocket connections; one module per area.

mod auth;
mod events;
mod groups;
mod query;
mod smoke;
mod transport;
mod users_create;
mod users_delete;
mod users_misc;
mod users_roles;
mod users_update;

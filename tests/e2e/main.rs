//! End-to-end tests over real WebSocket connections; one module per area.

mod smoke;

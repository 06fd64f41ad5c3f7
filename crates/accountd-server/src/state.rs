//! Shared server state: the services, the method table's compiled validators and limits.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use accountd_api::MethodSpec;
use accountd_core::Accounts;

use crate::docs::Docs;
use crate::validation::ParamsValidator;

/// Transport limits (TrueNAS defaults).
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest message before login (bytes); larger closes the connection with 1007.
    pub max_message_unauthenticated: usize,
    /// Largest message after login (bytes); larger closes the connection with 1009.
    pub max_message_authenticated: usize,
    /// Calls in flight per connection.
    pub max_concurrent_calls: usize,
    /// Outbound messages queued per connection before the connection is closed as too slow.
    pub outbound_queue: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_unauthenticated: 8192,
            max_message_authenticated: 65536,
            max_concurrent_calls: 20,
            outbound_queue: 1024,
        }
    }
}

/// Everything a connection needs; shared by all connections.
pub struct AppState {
    /// The account services.
    pub accounts: Accounts,
    /// Method specs by name.
    pub specs: HashMap<&'static str, MethodSpec>,
    /// Compiled params validators by method name.
    pub validators: HashMap<&'static str, ParamsValidator>,
    /// Limits.
    pub limits: Limits,
    /// Connection counter.
    pub next_connection: AtomicU64,
    /// Reference pages and the OpenRPC document.
    pub docs: Docs,
}

impl AppState {
    /// Builds the state, compiling every method's params schemas once.
    pub fn new(accounts: Accounts, limits: Limits) -> Result<Arc<AppState>, String> {
        let mut specs = HashMap::new();
        let mut validators = HashMap::new();
        let all = accountd_api::methods::all();
        let docs = Docs::render(&all);
        for spec in all {
            validators.insert(
                spec.name,
                ParamsValidator::compile(&spec).map_err(|e| format!("{}: {e}", spec.name))?,
            );
            specs.insert(spec.name, spec);
        }
        Ok(Arc::new(AppState {
            accounts,
            specs,
            validators,
            limits,
            next_connection: AtomicU64::new(1),
            docs,
        }))
    }
}

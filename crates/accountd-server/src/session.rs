//! Per-connection session state: who is logged in and the connection's options.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use accountd_core::events::ChangeEvent;
use tokio::sync::broadcast;

use accountd_api::types::core::EffectiveOptions;
use accountd_core::Caller;

/// The login on one connection.
#[derive(Debug, Clone)]
pub struct Login {
    /// The authenticated user and roles.
    pub caller: Caller,
    /// The roles generation `caller.roles` was read at.
    pub roles_generation: u64,
}

/// State of one WebSocket connection.
#[derive(Debug)]
pub struct Session {
    /// Connection number, for logs.
    pub id: u64,
    /// Peer address.
    pub origin: SocketAddr,
    login: Mutex<Option<Login>>,
    options: Mutex<EffectiveOptions>,
    subscriptions: Mutex<Vec<(String, String)>>,
    events: Mutex<Option<broadcast::Receiver<Arc<ChangeEvent>>>>,
}

impl Session {
    /// A fresh, logged-out session.
    pub fn new(id: u64, origin: SocketAddr) -> Self {
        Session {
            id,
            origin,
            login: Mutex::new(None),
            options: Mutex::new(EffectiveOptions::default()),
            subscriptions: Mutex::new(Vec::new()),
            events: Mutex::new(None),
        }
    }

    /// The current login, if any.
    pub fn login(&self) -> Option<Login> {
        self.login.lock().ok().and_then(|l| l.clone())
    }

    /// True when logged in.
    pub fn is_authenticated(&self) -> bool {
        self.login.lock().map(|l| l.is_some()).unwrap_or(false)
    }

    /// Sets or clears the login; logging out drops subscriptions.
    pub fn set_login(&self, login: Option<Login>) {
        let logged_out = login.is_none();
        if let Ok(mut l) = self.login.lock() {
            *l = login;
        }
        if logged_out && let Ok(mut s) = self.subscriptions.lock() {
            s.clear();
        }
    }

    /// Changes connection options under the lock (so that concurrent `core.set_options` calls on one
    /// connection cannot lose each other's changes) and returns the effective values.
    pub fn update_options(&self, change: impl FnOnce(&mut EffectiveOptions)) -> EffectiveOptions {
        match self.options.lock() {
            Ok(mut o) => {
                change(&mut o);
                *o
            }
            Err(_) => EffectiveOptions::default(),
        }
    }

    /// Adds a subscription `(id, event_name)`.
    pub fn subscribe(&self, id: String, event: String) {
        if let Ok(mut s) = self.subscriptions.lock() {
            s.push((id, event));
        }
    }

    /// Removes a subscription by id.
    pub fn unsubscribe(&self, id: &str) {
        if let Ok(mut s) = self.subscriptions.lock() {
            s.retain(|(sid, _)| sid != id);
        }
    }

    /// Subscriptions as `(id, event name)`.
    pub fn subscriptions(&self) -> Vec<(String, String)> {
        self.subscriptions.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// True when the connection has any subscription.
    pub fn has_subscriptions(&self) -> bool {
        self.subscriptions.lock().map(|s| !s.is_empty()).unwrap_or(false)
    }

    /// Drops every subscription and returns them.
    pub fn clear_subscriptions(&self) -> Vec<(String, String)> {
        self.subscriptions
            .lock()
            .map(|mut s| std::mem::take(&mut *s))
            .unwrap_or_default()
    }

    /// Parks a receiver of change events for the connection loop, unless one is parked already. Called by
    /// `core.subscribe` before it answers, so no event committed after the answer is missed.
    pub fn park_event_receiver(&self, make: impl FnOnce() -> broadcast::Receiver<Arc<ChangeEvent>>) {
        if let Ok(mut e) = self.events.lock()
            && e.is_none()
        {
            *e = Some(make());
        }
    }

    /// Takes the parked receiver, if any.
    pub fn take_event_receiver(&self) -> Option<broadcast::Receiver<Arc<ChangeEvent>>> {
        self.events.lock().ok().and_then(|mut e| e.take())
    }
}

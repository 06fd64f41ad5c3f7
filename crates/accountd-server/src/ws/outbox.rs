//! A connection's outbound queue, bounded both in messages and in bytes. A reply that does not fit waits for
//! room (and while one waits the connection loop stops reading requests); an event that does not fit tells
//! the caller to close the connection as too slow. Everything queued is freed when the queue is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, TryAcquireError, mpsc};

/// One message for the writer. A text holds its share of the byte budget until the writer drops it.
pub(super) enum Outbound {
    Text(String, Budget),
    Close(u16, String),
}

/// A queued text's share of the byte budget; while it lives its bytes count in the gauge of bytes queued on
/// all connections.
pub(super) struct Budget {
    _permit: OwnedSemaphorePermit,
    bytes: i64,
    queued: Gauge,
}

impl Budget {
    fn new(permit: OwnedSemaphorePermit, len: usize, queued: &Gauge) -> Budget {
        let bytes = i64::try_from(len).unwrap_or(i64::MAX);
        queued.inc_by(bytes);
        Budget {
            _permit: permit,
            bytes,
            queued: queued.clone(),
        }
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        self.queued.dec_by(self.bytes);
    }
}

/// The queue is gone (the writer stopped).
#[derive(Debug)]
pub(super) struct Closed;

/// Why a message could not be queued at once.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum NotQueued {
    /// No room (in messages or bytes).
    Full,
    /// The writer stopped.
    Closed,
}

struct Shared {
    /// Free bytes of the budget.
    budget: Arc<Semaphore>,
    /// The budget, in bytes (a message larger than it takes all of it).
    max_bytes: u32,
    /// Replies waiting for room.
    waiting: AtomicUsize,
    /// Told when the last waiting reply got room.
    unblocked: Notify,
    /// Bytes queued on every connection (for `/metrics`).
    queued: Gauge,
}

/// The sending side, shared by the connection loop and its calls.
#[derive(Clone)]
pub(super) struct Outbox {
    tx: mpsc::Sender<Outbound>,
    shared: Arc<Shared>,
}

/// Counts one waiting reply while alive (so a cancelled wait is uncounted too).
struct Waiting<'a>(&'a Shared);

impl<'a> Waiting<'a> {
    fn new(shared: &'a Shared) -> Self {
        shared.waiting.fetch_add(1, Ordering::SeqCst);
        Waiting(shared)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if self.0.waiting.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.unblocked.notify_waiters();
        }
    }
}

impl Outbox {
    /// A queue of at most `max_messages` messages and `max_bytes` bytes of text (each at least 1), whose
    /// texts count in `queued` while they wait; the receiver is the writer's.
    pub(super) fn new(max_messages: usize, max_bytes: usize, queued: Gauge) -> (Outbox, mpsc::Receiver<Outbound>) {
        let (tx, rx) = mpsc::channel(max_messages.max(1));
        let max_bytes = u32::try_from(max_bytes).unwrap_or(u32::MAX).max(1);
        let shared = Arc::new(Shared {
            budget: Arc::new(Semaphore::new(max_bytes as usize)),
            max_bytes,
            waiting: AtomicUsize::new(0),
            unblocked: Notify::new(),
            queued,
        });
        (Outbox { tx, shared }, rx)
    }

    /// The budget a text of `len` bytes takes.
    fn cost(&self, len: usize) -> u32 {
        u32::try_from(len).unwrap_or(u32::MAX).min(self.shared.max_bytes)
    }

    /// Queues a reply, waiting for room.
    pub(super) async fn send_text(&self, text: String) -> Result<(), Closed> {
        let text = match self.try_send_text(text) {
            Ok(()) => return Ok(()),
            Err((NotQueued::Closed, _)) => return Err(Closed),
            Err((NotQueued::Full, text)) => text,
        };
        let _waiting = Waiting::new(&self.shared);
        let cost = self.cost(text.len());
        let permit = self
            .shared
            .budget
            .clone()
            .acquire_many_owned(cost)
            .await
            .map_err(|_| Closed)?;
        let budget = Budget::new(permit, text.len(), &self.shared.queued);
        self.tx.send(Outbound::Text(text, budget)).await.map_err(|_| Closed)
    }

    /// Queues a message if there is room now; gives the text back when not.
    pub(super) fn try_send_text(&self, text: String) -> Result<(), (NotQueued, String)> {
        let permit = match self.shared.budget.clone().try_acquire_many_owned(self.cost(text.len())) {
            Ok(p) => p,
            Err(TryAcquireError::NoPermits) => return Err((NotQueued::Full, text)),
            Err(TryAcquireError::Closed) => return Err((NotQueued::Closed, text)),
        };
        let budget = Budget::new(permit, text.len(), &self.shared.queued);
        self.tx.try_send(Outbound::Text(text, budget)).map_err(|e| match e {
            mpsc::error::TrySendError::Full(Outbound::Text(t, _)) => (NotQueued::Full, t),
            mpsc::error::TrySendError::Closed(Outbound::Text(t, _)) => (NotQueued::Closed, t),
            _ => (NotQueued::Closed, String::new()),
        })
    }

    /// Queues a close frame (not counted in bytes), waiting for room in messages.
    pub(super) async fn send_close(&self, code: u16, reason: String) -> Result<(), Closed> {
        self.tx.send(Outbound::Close(code, reason)).await.map_err(|_| Closed)
    }

    /// True while a reply waits for room: the peer is not reading, so its requests must not be read either.
    pub(super) fn is_blocked(&self) -> bool {
        self.shared.waiting.load(Ordering::SeqCst) > 0
    }

    /// Completes once no reply waits for room.
    pub(super) async fn unblocked(&self) {
        loop {
            let notified = self.shared.unblocked.notified();
            if !self.is_blocked() {
                return;
            }
            notified.await;
        }
    }

    /// Fails every reply waiting for room, now and later (the writer is gone).
    pub(super) fn shut(&self) {
        self.shared.budget.close();
    }

    /// A handle that can [`shut`](Self::shut) the queue without keeping it open (for the writer).
    pub(super) fn shutter(&self) -> Shutter {
        Shutter(self.shared.budget.clone())
    }
}

/// Shuts an [`Outbox`] (see [`Outbox::shutter`]).
pub(super) struct Shutter(Arc<Semaphore>);

impl Shutter {
    /// Fails every reply waiting for room, now and later.
    pub(super) fn shut(&self) {
        self.0.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(n: usize) -> String {
        "x".repeat(n)
    }

    #[tokio::test]
    async fn the_byte_budget_holds_replies_back_until_the_writer_takes_messages() {
        let (out, mut rx) = Outbox::new(100, 10, Gauge::default());
        out.try_send_text(text(6)).unwrap();
        // 6 of 10 bytes are queued: 5 more do not fit.
        assert_eq!(out.try_send_text(text(5)).unwrap_err().0, NotQueued::Full);
        let waiter = {
            let out = out.clone();
            tokio::spawn(async move { out.send_text(text(5)).await })
        };
        while !out.is_blocked() {
            tokio::task::yield_now().await;
        }
        // The writer sends (and drops) the first message: the waiting reply gets its room.
        drop(rx.recv().await);
        waiter.await.unwrap().unwrap();
        out.unblocked().await;
        assert!(matches!(rx.recv().await, Some(Outbound::Text(t, _)) if t.len() == 5));
        // A message larger than the whole budget takes all of it.
        out.try_send_text(text(50)).unwrap();
        assert_eq!(out.try_send_text(text(1)).unwrap_err().0, NotQueued::Full);
        drop(rx.recv().await);
        out.try_send_text(text(1)).unwrap();
    }

    #[tokio::test]
    async fn queued_texts_count_in_the_gauge_until_the_writer_drops_them() {
        let queued = Gauge::default();
        let (out, mut rx) = Outbox::new(100, 10, queued.clone());
        out.try_send_text(text(6)).unwrap();
        // Refused for want of room: not counted.
        assert_eq!(out.try_send_text(text(5)).unwrap_err().0, NotQueued::Full);
        assert_eq!(queued.get(), 6);
        // A message larger than the budget counts its real size.
        drop(rx.recv().await);
        out.try_send_text(text(50)).unwrap();
        assert_eq!(queued.get(), 50);
        drop(rx.recv().await);
        assert_eq!(queued.get(), 0);
    }

    #[tokio::test]
    async fn the_message_bound_still_holds() {
        let (out, _rx) = Outbox::new(2, 1000, Gauge::default());
        out.try_send_text(text(1)).unwrap();
        out.try_send_text(text(1)).unwrap();
        assert_eq!(out.try_send_text(text(1)).unwrap_err().0, NotQueued::Full);
    }

    #[tokio::test]
    async fn shutting_fails_the_waiting_replies() {
        let (out, rx) = Outbox::new(100, 4, Gauge::default());
        out.try_send_text(text(4)).unwrap();
        let waiter = {
            let out = out.clone();
            tokio::spawn(async move { out.send_text(text(4)).await })
        };
        while !out.is_blocked() {
            tokio::task::yield_now().await;
        }
        out.shut();
        assert!(waiter.await.unwrap().is_err());
        assert!(!out.is_blocked());
        drop(rx);
        assert_eq!(out.try_send_text(text(1)).unwrap_err().0, NotQueued::Closed);
    }
}

//! What the accounts database and the audit database share: one writer thread fed by a queue, and a pool of
//! read-only connections used on blocking threads, so that neither ever blocks the async runtime.

use std::sync::{Arc, Mutex};
use std::thread;

use rusqlite::Connection;
use tokio::sync::{Semaphore, mpsc};

use crate::error::StoreError;

/// A named thread that runs the jobs sent to it until the queue is closed.
pub(crate) struct WriterThread<J> {
    sender: Mutex<Option<mpsc::UnboundedSender<J>>>,
    thread: Mutex<Option<thread::JoinHandle<()>>>,
}

impl<J: Send + 'static> WriterThread<J> {
    /// Starts the thread `name` running `body` over the job queue; `body` returns when the queue is closed.
    pub(crate) fn spawn<B>(name: &str, body: B) -> Result<Self, StoreError>
    where
        B: FnOnce(mpsc::UnboundedReceiver<J>) + Send + 'static,
    {
        let (tx, rx) = mpsc::unbounded_channel::<J>();
        let handle = thread::Builder::new()
            .name(name.into())
            .spawn(move || body(rx))
            .map_err(|e| StoreError::Sqlite(format!("spawning {name} thread: {e}")))?;
        Ok(WriterThread {
            sender: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(handle)),
        })
    }

    /// The queue's sender; `None` once [`WriterThread::close`] ran.
    pub(crate) fn sender(&self) -> Option<mpsc::UnboundedSender<J>> {
        self.sender.lock().ok().and_then(|s| s.clone())
    }

    /// Sends `job`; `Closed` when the thread no longer takes jobs.
    pub(crate) fn send(&self, job: J) -> Result<(), StoreError> {
        self.sender()
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)
    }

    /// Closes the queue, lets the queued jobs finish and waits for the thread to end.
    pub(crate) fn close(&self) {
        if let Ok(mut sender) = self.sender.lock() {
            sender.take();
        }
        let handle = self.thread.lock().ok().and_then(|mut h| h.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

/// Read-only connections, each used by one blocking task at a time; cheap to clone.
#[derive(Clone)]
pub(crate) struct ReaderPool {
    inner: Arc<PoolInner>,
}

struct PoolInner {
    connections: Mutex<Vec<Connection>>,
    permits: Semaphore,
    /// Names the pool in the error of a reader task that failed.
    label: &'static str,
}

impl ReaderPool {
    /// A pool of `connections`, named `label` in errors.
    pub(crate) fn new(connections: Vec<Connection>, label: &'static str) -> Self {
        ReaderPool {
            inner: Arc::new(PoolInner {
                permits: Semaphore::new(connections.len()),
                connections: Mutex::new(connections),
                label,
            }),
        }
    }

    /// Runs `f` with a free connection on a blocking thread (waiting for one when all are busy).
    pub(crate) async fn run<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    {
        let _permit = self.inner.permits.acquire().await.map_err(|_| StoreError::Closed)?;
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .connections
                .lock()
                .map_err(|_| StoreError::Closed)?
                .pop()
                .ok_or(StoreError::Closed)?;
            let result = f(&conn);
            if let Ok(mut pool) = inner.connections.lock() {
                pool.push(conn);
            }
            result
        })
        .await
        .map_err(|e| StoreError::Sqlite(format!("{} task failed: {e}", self.inner.label)))?
    }
}

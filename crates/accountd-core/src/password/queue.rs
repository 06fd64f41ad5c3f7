//! The hashing threads' work queue, fair between client addresses: each origin has its own FIFO and the
//! threads take one job from each origin in turn, so an address that queues a flood of logins delays
//! another address's login by at most one hash per thread, not by the whole flood.
//!
//! The origin of a job is the client address the server put in scope for the call ([`with_origin`]); jobs
//! started outside any scope (start-up, tests) share one origin.

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::{Condvar, Mutex};

use prometheus_client::metrics::gauge::Gauge;

tokio::task_local! {
    static ORIGIN: IpAddr;
}

/// Runs `f` with `origin` as the origin of the hashing work it queues.
pub async fn with_origin<F: Future>(origin: IpAddr, f: F) -> F::Output {
    ORIGIN.scope(origin, f).await
}

/// The origin in scope for the calling task, if any.
pub(super) fn current_origin() -> Option<IpAddr> {
    ORIGIN.try_with(|o| *o).ok()
}

/// FIFOs per key, served round-robin.
#[derive(Debug)]
pub(super) struct FairQueue<K, J> {
    queues: HashMap<K, VecDeque<J>>,
    /// Keys with queued jobs, in serving order.
    turns: VecDeque<K>,
    len: usize,
}

impl<K: Hash + Eq + Clone, J> Default for FairQueue<K, J> {
    fn default() -> Self {
        FairQueue {
            queues: HashMap::new(),
            turns: VecDeque::new(),
            len: 0,
        }
    }
}

impl<K: Hash + Eq + Clone, J> FairQueue<K, J> {
    /// Queues `job` behind the other jobs of `key`.
    pub(super) fn push(&mut self, key: K, job: J) {
        let queue = self.queues.entry(key.clone()).or_default();
        if queue.is_empty() {
            self.turns.push_back(key);
        }
        queue.push_back(job);
        self.len += 1;
    }

    /// The oldest job of the key whose turn it is; that key goes to the back of the line.
    pub(super) fn pop(&mut self) -> Option<J> {
        let key = self.turns.pop_front()?;
        let queue = self.queues.get_mut(&key)?;
        let job = queue.pop_front();
        if queue.is_empty() {
            self.queues.remove(&key);
        } else {
            self.turns.push_back(key);
        }
        if job.is_some() {
            self.len -= 1;
        }
        job
    }

    /// Jobs queued.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.len
    }
}

/// A queue length as the gauge's value.
fn depth_of(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The shared queue of the hashing threads.
pub(super) struct JobQueue<J> {
    state: Mutex<QueueState<J>>,
    ready: Condvar,
    /// Jobs waiting for a thread, as `/metrics` shows it (set under the lock at every push and pop).
    depth: Gauge,
}

struct QueueState<J> {
    jobs: FairQueue<Option<IpAddr>, J>,
    closed: bool,
}

impl<J> JobQueue<J> {
    pub(super) fn new() -> Self {
        JobQueue {
            state: Mutex::new(QueueState {
                jobs: FairQueue::default(),
                closed: false,
            }),
            ready: Condvar::new(),
            depth: Gauge::default(),
        }
    }

    /// The gauge of jobs waiting for a thread (shares its value with the queue).
    pub(super) fn depth(&self) -> Gauge {
        self.depth.clone()
    }

    /// Queues a job of `origin`; false once closed.
    pub(super) fn push(&self, origin: Option<IpAddr>, job: J) -> bool {
        let Ok(mut state) = self.state.lock() else {
            return false;
        };
        if state.closed {
            return false;
        }
        state.jobs.push(origin, job);
        self.depth.set(depth_of(state.jobs.len));
        drop(state);
        self.ready.notify_one();
        true
    }

    /// Waits for the next job; None once the queue is closed and empty (the thread ends).
    pub(super) fn next(&self) -> Option<J> {
        let mut state = self.state.lock().ok()?;
        loop {
            if let Some(job) = state.jobs.pop() {
                self.depth.set(depth_of(state.jobs.len));
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = self.ready.wait(state).ok()?;
        }
    }

    /// Jobs waiting for a thread.
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.state.lock().map(|s| s.jobs.len()).unwrap_or(0)
    }

    /// Lets the threads finish the queued jobs and end.
    pub(super) fn close(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.closed = true;
        }
        self.ready.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_take_turns_and_each_keeps_its_order() {
        let mut q = FairQueue::default();
        for i in 1..=4 {
            q.push("a", format!("a{i}"));
        }
        q.push("b", "b1".to_string());
        q.push("c", "c1".to_string());
        q.push("b", "b2".to_string());
        assert_eq!(q.len(), 7);
        let order: Vec<String> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, ["a1", "b1", "c1", "a2", "b2", "a3", "a4"]);
        assert_eq!(q.len(), 0);
        // A key that comes back after emptying joins the end of the line.
        q.push("a", "a5".to_string());
        q.push("b", "b3".to_string());
        q.push("a", "a6".to_string());
        let order: Vec<String> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(order, ["a5", "b3", "a6"]);
    }

    #[tokio::test]
    async fn the_origin_in_scope_is_the_one_given() {
        assert_eq!(current_origin(), None);
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        assert_eq!(with_origin(ip, async { current_origin() }).await, Some(ip));
    }
}

//! Connection-level abuse limits the connection loop applies: the login deadline of unauthenticated
//! connections. (The connection cap, the handshake deadline and the write stall timeout live in
//! [`crate::listener`]; the message sizes, calls in flight and the outbound queue in the loop itself.)

use std::time::Duration;

use tokio::time::{Instant, sleep_until};

use crate::session::Session;

/// The login deadline of one connection: a connection that is not logged in for `timeout` (from the moment it
/// opened, or from when it logged out) is closed. A logged-in connection is looked at once per `timeout`, so
/// after a logout it is closed within two `timeout`s.
#[derive(Debug)]
pub struct LoginDeadline {
    timeout: Duration,
    check_at: Instant,
    unauthenticated_since: Option<Instant>,
}

impl LoginDeadline {
    /// Starts the clock for a connection that opened now.
    pub fn new(timeout: Duration) -> Self {
        LoginDeadline::opened_at(timeout, Instant::now())
    }

    fn opened_at(timeout: Duration, now: Instant) -> Self {
        LoginDeadline {
            timeout,
            check_at: now + timeout,
            unauthenticated_since: Some(now),
        }
    }

    /// Completes when the connection has been unauthenticated for the timeout. Cancel-safe: the state only
    /// changes between awaits, so it can be polled again from a new `select!` iteration.
    pub async fn expired(&mut self, session: &Session) {
        loop {
            sleep_until(self.check_at).await;
            if let Some(next) = self.next_check(session.is_authenticated(), Instant::now()) {
                self.check_at = next;
            } else {
                return;
            }
        }
    }

    /// The next time to look, or `None` when the deadline has passed.
    fn next_check(&mut self, authenticated: bool, now: Instant) -> Option<Instant> {
        if authenticated {
            self.unauthenticated_since = None;
            return Some(now + self.timeout);
        }
        match self.unauthenticated_since {
            Some(since) if now >= since + self.timeout => None,
            Some(since) => Some(since + self.timeout),
            None => {
                self.unauthenticated_since = Some(now);
                Some(now + self.timeout)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_follows_the_login_state() {
        let t = Duration::from_secs(60);
        let start = Instant::now();
        let mut d = LoginDeadline::opened_at(t, start);
        // Never logged in: expires one timeout after opening.
        assert_eq!(d.next_check(false, start + t), None);

        let mut d = LoginDeadline::opened_at(t, start);
        // Logged in at the first look: looked at again a timeout later, and so on.
        assert_eq!(d.next_check(true, start + t), Some(start + 2 * t));
        assert_eq!(d.next_check(true, start + 2 * t), Some(start + 3 * t));
        // Logged out since: the clock starts at this look.
        assert_eq!(d.next_check(false, start + 3 * t), Some(start + 4 * t));
        assert_eq!(d.next_check(false, start + 4 * t), None);

        let mut d = LoginDeadline::opened_at(t, start);
        // An early wake-up does not move the deadline.
        assert_eq!(d.next_check(false, start + t / 2), Some(start + t));
    }
}

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
    /// The session's login count at the last look.
    logins_seen: u64,
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
            logins_seen: 0,
        }
    }

    /// Completes when the connection has been unauthenticated for the timeout. Cancel-safe: the state only
    /// changes between awaits, so it can be polled again from a new `select!` iteration.
    pub async fn expired(&mut self, session: &Session) {
        loop {
            sleep_until(self.check_at).await;
            let state = Looked {
                authenticated: session.is_authenticated(),
                logins: session.logins(),
            };
            if let Some(next) = self.next_check(state, Instant::now()) {
                self.check_at = next;
            } else {
                return;
            }
        }
    }

    /// The next time to look, or `None` when the deadline has passed. A connection that logged in since the
    /// last look and is out again logged out after that look: its clock starts now.
    fn next_check(&mut self, looked: Looked, now: Instant) -> Option<Instant> {
        let logged_in_since = looked.logins != self.logins_seen;
        self.logins_seen = looked.logins;
        if logged_in_since && !looked.authenticated {
            self.unauthenticated_since = None;
        }
        if looked.authenticated {
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

/// What a look at the session saw.
#[derive(Debug, Clone, Copy)]
struct Looked {
    authenticated: bool,
    /// The session's login count.
    logins: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_follows_the_login_state() {
        let out = |logins| Looked {
            authenticated: false,
            logins,
        };
        let inside = |logins| Looked {
            authenticated: true,
            logins,
        };
        let t = Duration::from_secs(60);
        let start = Instant::now();
        let mut d = LoginDeadline::opened_at(t, start);
        // Never logged in: expires one timeout after opening.
        assert_eq!(d.next_check(out(0), start + t), None);

        let mut d = LoginDeadline::opened_at(t, start);
        // Logged in at the first look: looked at again a timeout later, and so on.
        assert_eq!(d.next_check(inside(1), start + t), Some(start + 2 * t));
        assert_eq!(d.next_check(inside(1), start + 2 * t), Some(start + 3 * t));
        // Logged out since: the clock starts at this look.
        assert_eq!(d.next_check(out(1), start + 3 * t), Some(start + 4 * t));
        assert_eq!(d.next_check(out(1), start + 4 * t), None);

        let mut d = LoginDeadline::opened_at(t, start);
        // An early wake-up does not move the deadline.
        assert_eq!(d.next_check(out(0), start + t / 2), Some(start + t));
    }

    #[test]
    fn a_login_and_logout_between_two_looks_restarts_the_clock() {
        let t = Duration::from_secs(60);
        let start = Instant::now();
        let mut d = LoginDeadline::opened_at(t, start);
        // Logged in after opening and out again just before the first look: not closed at that look.
        let looked = Looked {
            authenticated: false,
            logins: 1,
        };
        assert_eq!(d.next_check(looked, start + t), Some(start + 2 * t));
        assert_eq!(d.next_check(looked, start + 2 * t), None);
    }
}

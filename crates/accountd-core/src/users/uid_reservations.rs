//! The uids `user.get_next_uid` hands out, each held for the session that asked until it expires or a user
//! takes it. A session holds at most [`PER_SESSION`]: asking again gives up its oldest reservation, so one
//! reader cannot hold a range of uids.

use std::sync::Arc;

/// Reservations one session holds at most.
pub const PER_SESSION: usize = 3;

#[derive(Debug)]
struct Reservation {
    uid: i64,
    until_ms: i64,
    session: Option<Arc<str>>,
}

/// Reserved uids.
#[derive(Debug, Default)]
pub(crate) struct UidReservations {
    held: Vec<Reservation>,
}

impl UidReservations {
    /// The uids reserved and unexpired at `now_ms`.
    pub(crate) fn live(&self, now_ms: i64) -> Vec<i64> {
        self.held
            .iter()
            .filter(|r| r.until_ms > now_ms)
            .map(|r| r.uid)
            .collect()
    }

    /// Reserves `uid` for `session` until `until_ms`, dropping expired reservations and, when the session
    /// already holds [`PER_SESSION`], its oldest one.
    pub(crate) fn reserve(&mut self, uid: i64, until_ms: i64, session: Option<Arc<str>>, now_ms: i64) {
        self.held.retain(|r| r.until_ms > now_ms);
        let mine = self.held.iter().filter(|r| r.session == session).count();
        if mine >= PER_SESSION
            && let Some(oldest) = self.held.iter().position(|r| r.session == session)
        {
            self.held.remove(oldest);
        }
        self.held.push(Reservation { uid, until_ms, session });
    }

    /// Gives up the reservation of `uid` (a user took it).
    pub(crate) fn release(&mut self, uid: i64) {
        self.held.retain(|r| r.uid != uid);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_holds_at_most_a_few_uids() {
        let a: Option<Arc<str>> = Some("a".into());
        let b: Option<Arc<str>> = Some("b".into());
        let mut r = UidReservations::default();
        for uid in 3000..3010 {
            r.reserve(uid, 1_000, a.clone(), 0);
        }
        r.reserve(4000, 1_000, b.clone(), 0);
        assert_eq!(r.live(0), [3007, 3008, 3009, 4000]);
        r.release(3008);
        assert_eq!(r.live(0), [3007, 3009, 4000]);
        assert!(r.live(1_000).is_empty(), "reservations expire");
    }
}

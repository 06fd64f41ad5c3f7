use std::net::{IpAddr, Ipv4Addr};

use super::*;

const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));
const STRANGER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 66));
const MIN: i64 = 60_000;

fn policy() -> LockoutPolicy {
    LockoutPolicy::default()
}

/// Fails `n` times on the counter of `origin`, one minute apart from `start`; returns the time after.
fn fail_n(s: &mut LockoutState, origin: IpAddr, n: usize, start: i64) -> i64 {
    let mut t = start;
    for _ in 0..n {
        let key = s.key(&policy(), 1, origin, t);
        if s.begin(&policy(), key, t) {
            s.end(key);
            s.fail(&policy(), key, t);
        }
        t += MIN;
    }
    t
}

#[test]
fn checks_running_in_parallel_count_towards_the_limit() {
    let mut s = LockoutState::default();
    let key = s.key(&policy(), 1, STRANGER, 0);
    let t = fail_n(&mut s, STRANGER, 6, 0);
    let started = (0..10).filter(|_| s.begin(&policy(), key, t)).count();
    assert_eq!(started, 4, "6 failures and 4 running checks reach the limit");
    for _ in 0..4 {
        s.end(key);
        s.fail(&policy(), key, t);
    }
    assert!(s.locked(key, t));
    // Without failures, any number of checks run at once (clients logging in together).
    let fresh = s.key(&policy(), 3, HOME, t);
    assert_eq!((0..50).filter(|_| s.begin(&policy(), fresh, t)).count(), 50);
    // A check that ends without a verdict (its call was cut off) gives its place back.
    let other = s.key(&policy(), 2, STRANGER, 0);
    assert!(s.begin(&policy(), other, 0));
    s.end(other);
    assert!(!s.counters.contains_key(&other));
}

#[test]
fn ten_failures_within_the_window_lock_for_the_period() {
    let mut s = LockoutState::default();
    let t = fail_n(&mut s, STRANGER, 9, 0);
    let key = s.key(&policy(), 1, STRANGER, t);
    assert!(!s.locked(key, t), "9 failures do not lock");
    assert!(s.fail(&policy(), key, t), "the 10th locks");
    // (time since the lock, locked)
    for (after, locked) in [(0, true), (MIN, true), (15 * MIN - 1, true), (15 * MIN, false)] {
        assert_eq!(s.locked(key, t + after), locked, "{after} ms after the lock");
    }
}

#[test]
fn failures_older_than_the_window_do_not_count_and_locked_attempts_are_not_counted() {
    let mut s = LockoutState::default();
    // Nine failures, then a pause of 15 minutes: the window forgets them.
    let t = fail_n(&mut s, STRANGER, 9, 0) + 15 * MIN;
    let t = fail_n(&mut s, STRANGER, 9, t);
    let key = s.key(&policy(), 1, STRANGER, t);
    assert!(!s.locked(key, t));
    assert!(s.fail(&policy(), key, t));
    let until = s.counters[&key].locked_until;
    assert!(!s.fail(&policy(), key, t + MIN), "not counted while locked");
    assert_eq!(s.counters[&key].locked_until, until, "and the lock is not extended");
}

#[test]
fn strangers_lock_only_strangers_and_a_success_clears_its_counter() {
    let mut s = LockoutState::default();
    let home = s.key(&policy(), 1, HOME, 0);
    s.succeed(&policy(), home, HOME, 0);
    let t = fail_n(&mut s, STRANGER, 10, MIN);
    let stranger = s.key(&policy(), 1, STRANGER, t);
    let home = s.key(&policy(), 1, HOME, t);
    assert!(home.known && !stranger.known);
    assert!(s.locked(stranger, t));
    assert!(!s.locked(home, t), "the known origin still logs in");
    // The known origin's own failures count on its own counter.
    let t2 = fail_n(&mut s, HOME, 9, t);
    s.succeed(&policy(), home, HOME, t2);
    assert!(!s.counters.contains_key(&home), "a success clears the failures");
    assert!(s.locked(stranger, t2), "but not the strangers' lock");
}

#[test]
fn an_origin_is_known_for_thirty_days_after_its_last_success() {
    let mut s = LockoutState::default();
    let key = s.key(&policy(), 1, HOME, 0);
    s.succeed(&policy(), key, HOME, 0);
    let day = 86_400_000;
    for (at, known) in [(0, true), (29 * day, true), (30 * day, false)] {
        assert_eq!(s.key(&policy(), 1, HOME, at).known, known, "day {}", at / day);
    }
    assert!(!s.key(&policy(), 2, HOME, 0).known, "origins are per account");
}

#[test]
fn forgetting_an_account_drops_its_state() {
    let mut s = LockoutState::default();
    fail_n(&mut s, STRANGER, 3, 0);
    s.forget(1);
    assert!(s.counters.is_empty() && s.origins.is_empty() && s.dirty.is_empty());
}

#[test]
fn a_reset_ends_the_lock_and_clears_both_counters() {
    let mut s = LockoutState::default();
    let home = s.key(&policy(), 1, HOME, 0);
    s.succeed(&policy(), home, HOME, 0);
    let t = fail_n(&mut s, STRANGER, 10, 0);
    let t = fail_n(&mut s, HOME, 3, t);
    s.reset(1);
    assert!(!s.locked(s.key(&policy(), 1, STRANGER, t), t));
    assert!(s.counters.is_empty());
    assert!(s.key(&policy(), 1, HOME, t).known, "known origins stay");
}

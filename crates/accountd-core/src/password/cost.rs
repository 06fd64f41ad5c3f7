//! The argon2 cost a stored hash was made with: logins rehash outdated hashes, and unknown users are verified
//! against a dummy hash of the typical stored cost.

use std::collections::HashMap;

use argon2::password_hash::PasswordHash;
use argon2::{Algorithm, Params};

use super::Argon2Params;

/// The argon2id parameters of a PHC string; `None` for another algorithm or an unparsable hash.
pub fn argon2id_params(phc: &str) -> Option<Argon2Params> {
    let hash = PasswordHash::new(phc).ok()?;
    if Algorithm::try_from(hash.algorithm).ok()? != Algorithm::Argon2id {
        return None;
    }
    let params = Params::try_from(&hash).ok()?;
    Some(Argon2Params {
        m_kib: params.m_cost(),
        t: params.t_cost(),
        p: params.p_cost(),
    })
}

/// True when a stored hash should be replaced by one made with `current`: it is argon2 but not argon2id, or
/// argon2id with other parameters. Disabled (`*`) and foreign hashes are left alone.
pub fn needs_rehash(phc: &str, current: Argon2Params) -> bool {
    match argon2id_params(phc) {
        Some(params) => params != current,
        None => PasswordHash::new(phc)
            .ok()
            .is_some_and(|h| Algorithm::try_from(h.algorithm).is_ok()),
    }
}

/// The most common argon2id parameters among `hashes` (ties: the costlier), `None` when none is argon2id.
pub fn typical_params<'a>(hashes: impl IntoIterator<Item = &'a str>) -> Option<Argon2Params> {
    let mut counts: HashMap<Argon2Params, usize> = HashMap::new();
    for params in hashes.into_iter().filter_map(argon2id_params) {
        *counts.entry(params).or_default() += 1;
    }
    counts
        .into_iter()
        .max_by_key(|(p, n)| (*n, p.m_kib as u64 * p.t as u64, p.p))
        .map(|(p, _)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOW: &str = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    const HIGH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";
    const ARGON2I: &str = "$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA";

    #[test]
    fn outdated_hashes_are_recognised() {
        let low = Argon2Params { m_kib: 64, t: 1, p: 1 };
        // (stored hash, current parameters, rehash?)
        let cases = [
            (LOW, low, false),
            (HIGH, low, true),
            (LOW, Argon2Params::default(), true),
            (ARGON2I, low, true),
            ("*", low, false),
            ("$6$salt$abc", low, false),
            ("", low, false),
        ];
        for (phc, current, expected) in cases {
            assert_eq!(needs_rehash(phc, current), expected, "{phc} at {current:?}");
        }
    }

    #[test]
    fn the_typical_cost_is_the_most_common() {
        assert_eq!(typical_params([LOW, HIGH, HIGH, "*"]), argon2id_params(HIGH));
        assert_eq!(typical_params([LOW, LOW, HIGH]), argon2id_params(LOW));
        assert_eq!(typical_params(["*", ARGON2I]), None);
    }
}

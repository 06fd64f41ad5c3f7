//! The share of the connection slots one client address may hold with connections that are not logged in:
//! a TCP connection counts from its accept (or, behind a trusted proxy, from its WebSocket handshake, when the
//! real client address is known) until it logs in, and again after a logout.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Unauthenticated connections per client address.
#[derive(Debug)]
pub struct AddressShares {
    max_per_address: usize,
    counts: Mutex<HashMap<IpAddr, usize>>,
}

impl AddressShares {
    /// Shares allowing at most `max_per_address` (at least 1) unauthenticated connections per address.
    pub fn new(max_per_address: usize) -> Arc<Self> {
        Arc::new(AddressShares {
            max_per_address: max_per_address.max(1),
            counts: Mutex::new(HashMap::new()),
        })
    }

    /// Counts one more unauthenticated connection from `ip`, unless `ip` holds its whole share already.
    pub fn try_claim(self: &Arc<Self>, ip: IpAddr) -> Option<AddressClaim> {
        let mut counts = self.counts.lock().ok()?;
        let n = counts.entry(ip).or_insert(0);
        if *n >= self.max_per_address {
            return None;
        }
        *n += 1;
        Some(AddressClaim {
            shares: self.clone(),
            ip,
        })
    }

    /// Counts one more unauthenticated connection from `ip` even over the share (a connection that logged
    /// out: it already held its slot, and the login deadline closes it).
    pub fn claim(self: &Arc<Self>, ip: IpAddr) -> AddressClaim {
        if let Ok(mut counts) = self.counts.lock() {
            *counts.entry(ip).or_insert(0) += 1;
        }
        AddressClaim {
            shares: self.clone(),
            ip,
        }
    }

    /// Unauthenticated connections from `ip` now.
    #[cfg(test)]
    pub fn held_by(&self, ip: IpAddr) -> usize {
        self.counts
            .lock()
            .map(|c| c.get(&ip).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// One unauthenticated connection's place in its address's share; dropping it frees the place.
#[derive(Debug)]
pub struct AddressClaim {
    shares: Arc<AddressShares>,
    ip: IpAddr,
}

impl Drop for AddressClaim {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.shares.counts.lock()
            && let Some(n) = counts.get_mut(&self.ip)
        {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 1));
    const B: IpAddr = IpAddr::V4(std::net::Ipv4Addr::new(10, 0, 0, 2));

    #[test]
    fn an_address_holds_at_most_its_share_and_dropping_frees_a_place() {
        let shares = AddressShares::new(2);
        let a1 = shares.try_claim(A).unwrap();
        let _a2 = shares.try_claim(A).unwrap();
        assert!(shares.try_claim(A).is_none());
        let _b = shares.try_claim(B).unwrap();
        drop(a1);
        let _a3 = shares.try_claim(A).unwrap();
        let forced = shares.claim(A);
        assert_eq!(shares.held_by(A), 3);
        drop(forced);
        assert_eq!(shares.held_by(A), 2);
    }

    #[test]
    fn the_share_is_at_least_one() {
        let shares = AddressShares::new(0);
        let _a = shares.try_claim(A).unwrap();
        assert!(shares.try_claim(A).is_none());
    }
}

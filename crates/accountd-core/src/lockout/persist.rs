//! Keeping the lockout state in the store: loaded once before the first login check, written in batches by a
//! background task after changes (never on the request path), and flushed at shutdown.

use std::net::IpAddr;

use accountd_store::StoreError;
use accountd_store::lockout::{self, ActivityRow, FailureRow, OriginRow};

use super::{Counter, CounterKey, Dirty, Lockout, LoginActivity};
use crate::accounts::Accounts;
use crate::error::Error;

/// Load and write coordination of the lockout state.
#[derive(Debug, Default)]
pub(crate) struct LockoutStore {
    loaded: tokio::sync::OnceCell<()>,
    /// Held while a batch is written, so batches reach the store in order.
    writing: tokio::sync::Mutex<()>,
}

/// One row to write: the state of a key now (`None`: delete it).
enum Write {
    Counter(CounterKey, Option<Counter>),
    Origin(i64, IpAddr, Option<i64>),
    Activity(i64, LoginActivity),
}

impl Accounts {
    /// The lockout, with its state loaded from the store (once).
    pub(crate) async fn lockout(&self) -> Result<&Lockout, Error> {
        let lockout = &self.inner.lockout;
        lockout
            .store
            .loaded
            .get_or_try_init(|| async {
                let (failures, origins, activity) = self
                    .store()
                    .read(|conn| {
                        Ok::<_, StoreError>((
                            lockout::failures(conn)?,
                            lockout::origins(conn)?,
                            lockout::activity(conn)?,
                        ))
                    })
                    .await?;
                let mut state = lockout.state.lock().map_err(Error::internal)?;
                for row in failures {
                    let key = CounterKey {
                        user_id: row.user_id,
                        known: row.known,
                    };
                    let counter = Counter {
                        failures: row.failures,
                        locked_until: row.locked_until,
                        in_flight: 0,
                    };
                    state.counters.entry(key).or_insert(counter);
                }
                for row in origins {
                    if let Ok(ip) = row.address.parse::<IpAddr>() {
                        state
                            .origins
                            .entry(row.user_id)
                            .or_default()
                            .entry(ip)
                            .or_insert(row.last_success);
                    }
                }
                for row in activity {
                    let last_login = row
                        .last_login
                        .zip(row.last_login_ip.and_then(|ip| ip.parse::<IpAddr>().ok()));
                    state.activity.entry(row.user_id).or_insert(LoginActivity {
                        last_login,
                        last_failed_login: row.last_failed_login,
                    });
                }
                Ok::<_, Error>(())
            })
            .await?;
        Ok(lockout)
    }

    /// Starts a background write of the changed lockout state, unless one is pending.
    pub(crate) fn save_lockout_later(&self) {
        let start = self
            .inner
            .lockout
            .state
            .lock()
            .is_ok_and(|mut s| !s.dirty.is_empty() && !std::mem::replace(&mut s.flush_scheduled, true));
        if start {
            let this = self.clone();
            tokio::spawn(async move { this.flush_login_state().await });
        }
    }

    /// Writes every change of the lockout state not yet in the store (the shutdown calls it, so nothing is lost).
    pub async fn flush_login_state(&self) {
        let lockout = &self.inner.lockout;
        let _writing = lockout.store.writing.lock().await;
        loop {
            let batch: Vec<Write> = {
                let Ok(mut s) = lockout.state.lock() else { return };
                if s.dirty.is_empty() {
                    s.flush_scheduled = false;
                    return;
                }
                let dirty = std::mem::take(&mut s.dirty);
                dirty
                    .into_iter()
                    .map(|d| match d {
                        Dirty::Counter(k) => {
                            Write::Counter(k, s.counters.get(&k).filter(|c| c.worth_storing()).cloned())
                        }
                        Dirty::Origin(u, ip) => {
                            Write::Origin(u, ip, s.origins.get(&u).and_then(|o| o.get(&ip)).copied())
                        }
                        Dirty::Activity(u) => Write::Activity(u, s.activity.get(&u).cloned().unwrap_or_default()),
                    })
                    .collect()
            };
            let written = self
                .write_outside_entries(move |tx| {
                    for w in &batch {
                        write_one(tx, w)?;
                    }
                    Ok(())
                })
                .await;
            if let Err(e) = written {
                // The state in memory still decides; it is written again with its next change.
                tracing::warn!(error = %e, "writing the login lockout state failed");
            }
        }
    }
}

fn write_one(tx: &accountd_store::Transaction<'_>, w: &Write) -> Result<(), StoreError> {
    match w {
        Write::Counter(k, Some(c)) => lockout::save_failures(
            tx,
            &FailureRow {
                user_id: k.user_id,
                known: k.known,
                failures: c.failures.clone(),
                locked_until: c.locked_until,
            },
        ),
        Write::Counter(k, None) => lockout::delete_failures(tx, k.user_id, k.known),
        Write::Origin(user_id, ip, Some(last)) => lockout::save_origin(
            tx,
            &OriginRow {
                user_id: *user_id,
                address: ip.to_string(),
                last_success: *last,
            },
        ),
        Write::Origin(user_id, ip, None) => lockout::delete_origin(tx, *user_id, &ip.to_string()),
        Write::Activity(user_id, a) => lockout::save_activity(
            tx,
            &ActivityRow {
                user_id: *user_id,
                last_login: a.last_login.map(|(at, _)| at),
                last_login_ip: a.last_login.map(|(_, ip)| ip.to_string()),
                last_failed_login: a.last_failed_login,
            },
        ),
    }
}

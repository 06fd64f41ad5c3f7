//! argon2id hashing behind a semaphore, on blocking threads.

use std::fmt;
use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use rand::rngs::OsRng;
use tokio::sync::Semaphore;

use crate::error::Error;

/// argon2id cost parameters for new hashes; stored hashes carry their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Argon2Params {
    /// Memory in KiB.
    pub m_kib: u32,
    /// Iterations.
    pub t: u32,
    /// Lanes.
    pub p: u32,
}

impl Default for Argon2Params {
    /// OWASP recommendation: m=19456 KiB, t=2, p=1.
    fn default() -> Self {
        Argon2Params {
            m_kib: 19456,
            t: 2,
            p: 1,
        }
    }
}

/// Hashes and verifies passwords; cheap to clone (one `Arc` inside).
#[derive(Clone)]
pub struct PasswordHasher {
    inner: Arc<Inner>,
}

struct Inner {
    params: Argon2Params,
    argon2: Argon2<'static>,
    permits: Arc<Semaphore>,
    max_parallel: usize,
    /// A hash of a random throwaway password, verified when the real hash is missing.
    dummy: String,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.inner.params)
            .field("max_parallel", &self.inner.max_parallel)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher producing argon2id hashes with `params`, running at most `max_parallel`
    /// (at least 1; pass the core count) hashes at once. Computes the dummy hash, so it blocks
    /// for one hash: build it at startup.
    pub fn new(params: Argon2Params, max_parallel: usize) -> Result<Self, Error> {
        let argon_params = Params::new(params.m_kib, params.t, params.p, None)
            .map_err(|e| Error::internal(format!("invalid argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let dummy = hash_with(&argon2, &super::random_password())?;
        let max_parallel = max_parallel.max(1);
        Ok(PasswordHasher {
            inner: Arc::new(Inner {
                params,
                argon2,
                permits: Arc::new(Semaphore::new(max_parallel)),
                max_parallel,
                dummy,
            }),
        })
    }

    /// The parameters used for new hashes.
    pub fn params(&self) -> Argon2Params {
        self.inner.params
    }

    /// An argon2id PHC string with a random salt, computed on a blocking thread under a permit.
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            this.hash_blocking(&password)
        })
        .await
        .map_err(Error::internal)?
    }

    /// True when `password` matches `phc`. A missing (`None`), disabled (`*`) or unparsable hash
    /// costs the same as a real one (the dummy hash is verified) and returns false.
    pub async fn verify(&self, password: String, phc: Option<String>) -> bool {
        let Ok(permit) = self.inner.permits.clone().acquire_owned().await else {
            return false;
        };
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            this.verify_blocking(&password, phc.as_deref())
        })
        .await
        .unwrap_or(false)
    }

    /// [`hash`](Self::hash) for callers already on a blocking thread; does not take a permit.
    pub fn hash_blocking(&self, password: &str) -> Result<String, Error> {
        hash_with(&self.inner.argon2, password)
    }

    /// [`verify`](Self::verify) for callers already on a blocking thread; does not take a permit.
    pub fn verify_blocking(&self, password: &str, phc: Option<&str>) -> bool {
        match phc.and_then(parse_argon2) {
            Some(hash) => self.inner.argon2.verify_password(password.as_bytes(), &hash).is_ok(),
            None => {
                if let Some(dummy) = parse_argon2(&self.inner.dummy) {
                    let _ = self.inner.argon2.verify_password(password.as_bytes(), &dummy);
                }
                false
            }
        }
    }
}

/// Parses a PHC string that names an argon2 variant with usable parameters.
fn parse_argon2(phc: &str) -> Option<PasswordHash<'_>> {
    let hash = PasswordHash::new(phc).ok()?;
    Algorithm::try_from(hash.algorithm).ok()?;
    Params::try_from(&hash).ok()?;
    hash.hash?;
    Some(hash)
}

fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, Error> {
    use argon2::password_hash::PasswordHasher as _;
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    let hash = argon2
        .hash_password(password.as_bytes(), &salt)
        .map_err(Error::internal)?;
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOW: Argon2Params = Argon2Params { m_kib: 64, t: 1, p: 1 };

    fn low() -> PasswordHasher {
        PasswordHasher::new(LOW, 2).unwrap()
    }

    #[test]
    fn default_params_are_owasp() {
        assert_eq!(
            Argon2Params::default(),
            Argon2Params {
                m_kib: 19456,
                t: 2,
                p: 1
            }
        );
    }

    #[tokio::test]
    async fn roundtrip_and_wrong_password() {
        let h = low();
        let phc = h.hash("s3cret pass".to_string()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        assert!(h.verify("s3cret pass".to_string(), Some(phc.clone())).await);
        assert!(!h.verify("s3cret pasS".to_string(), Some(phc.clone())).await);
        assert!(!h.verify(String::new(), Some(phc)).await);
    }

    #[tokio::test]
    async fn salts_differ() {
        let h = low();
        let a = h.hash("x".to_string()).await.unwrap();
        let b = h.hash("x".to_string()).await.unwrap();
        assert_ne!(a, b);
    }

    #[tokio::test]
    async fn missing_or_bad_hashes_are_false() {
        let h = low();
        for phc in [
            None,
            Some("*"),
            Some(""),
            Some("x"),
            Some("$6$salt$abc"),
            Some("$argon2id$v=19$garbage"),
        ] {
            assert!(
                !h.verify("anything".to_string(), phc.map(str::to_string)).await,
                "{phc:?}"
            );
        }
        // The dummy's own password is random and unknown, so even a hash-shaped guess fails.
        assert!(!h.verify_blocking("", None));
    }

    #[test]
    fn params_are_read_back_from_the_hash() {
        let phc = low().hash_blocking("pw").unwrap();
        let default_params = PasswordHasher::new(Argon2Params::default(), 1).unwrap();
        assert!(default_params.verify_blocking("pw", Some(&phc)));
        assert!(!default_params.verify_blocking("pW", Some(&phc)));
        let other = PasswordHasher::new(Argon2Params { m_kib: 128, t: 2, p: 2 }, 1).unwrap();
        assert!(other.verify_blocking("pw", Some(&phc)));
    }

    #[test]
    fn invalid_params_rejected() {
        assert!(PasswordHasher::new(Argon2Params { m_kib: 1, t: 0, p: 0 }, 1).is_err());
    }

    #[test]
    fn debug_shows_no_hash() {
        let h = low();
        let shown = format!("{h:?}");
        assert!(!shown.contains("argon2id"), "{shown}");
    }

    #[tokio::test]
    async fn parallel_hashes_complete_with_one_permit() {
        let h = PasswordHasher::new(LOW, 1).unwrap();
        let tasks: Vec<_> = (0..4)
            .map(|i| {
                let h = h.clone();
                tokio::spawn(async move { h.hash(format!("pw{i}")).await })
            })
            .collect();
        for (i, t) in tasks.into_iter().enumerate() {
            let phc = t.await.unwrap().unwrap();
            assert!(h.verify_blocking(&format!("pw{i}"), Some(&phc)));
        }
    }
}

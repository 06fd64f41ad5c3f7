//! argon2id hashing on a small pool of dedicated threads (one per core), off the async runtime, taking work
//! fairly from each client address ([`super::queue`]).

use std::fmt;
use std::sync::{Arc, RwLock};

use std::cell::RefCell;

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore;
use rand::rngs::OsRng;
use tokio::sync::oneshot;

use super::queue::{JobQueue, current_origin};
use crate::error::Error;

/// argon2id cost parameters for new hashes; stored hashes carry their own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
    /// Work for the hashing threads; closed (ending them) when the last clone is dropped.
    jobs: Arc<JobQueue<Job>>,
    max_parallel: usize,
    /// A hash of a random throwaway password, verified when the real hash is missing (made with the typical
    /// cost of the stored hashes: see [`PasswordHasher::set_dummy_cost`]).
    dummy: RwLock<String>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Drop for Inner {
    fn drop(&mut self) {
        self.jobs.close();
    }
}

/// Starts `n` threads running jobs from one queue. A fixed set of threads (rather than the runtime's blocking
/// pool, which grows to hundreds of threads) bounds the memory argon2 keeps: each hash needs `m` KiB (19 MiB by
/// default), and the allocator keeps that per thread that ever hashed.
fn start_threads(n: usize) -> Result<Arc<JobQueue<Job>>, Error> {
    let queue = Arc::new(JobQueue::<Job>::new());
    for i in 0..n {
        let jobs = queue.clone();
        std::thread::Builder::new()
            .name(format!("accountd-argon2-{i}"))
            .spawn(move || {
                REUSE_MEMORY.with(|r| *r.borrow_mut() = true);
                // Hashing yields the CPU to the async runtime: a login storm keeps every core busy, and calls
                // must still be answered at once.
                super::sched::deprioritize_this_thread();
                while let Some(job) = jobs.next() {
                    job();
                }
            })
            .map_err(|e| {
                queue.close();
                Error::internal(format!("starting the hashing threads: {e}"))
            })?;
    }
    Ok(queue)
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
                jobs: start_threads(max_parallel)?,
                max_parallel,
                dummy: RwLock::new(dummy),
            }),
        })
    }

    /// Runs `f` on a hashing thread and waits for its result without blocking the runtime. The job queues
    /// behind the other jobs of the client address in scope ([`super::with_origin`]) and takes turns with
    /// other addresses.
    async fn on_pool<T: Send + 'static>(
        &self,
        f: impl FnOnce(&PasswordHasher) -> T + Send + 'static,
    ) -> Result<T, Error> {
        let (tx, rx) = oneshot::channel();
        let this = self.clone();
        let job: Job = Box::new(move || {
            let _ = tx.send(f(&this));
        });
        if !self.inner.jobs.push(current_origin(), job) {
            return Err(Error::internal("the hashing threads stopped"));
        }
        rx.await.map_err(|_| Error::internal("a hashing thread failed"))
    }

    /// The number of hashes and verifications waiting for a hashing thread (a gauge for `/metrics`).
    pub fn queue_depth(&self) -> prometheus_client::metrics::gauge::Gauge {
        self.inner.jobs.depth()
    }

    /// The parameters used for new hashes.
    pub fn params(&self) -> Argon2Params {
        self.inner.params
    }

    /// An argon2id PHC string with a random salt, computed on a hashing thread (at most one hash per core at
    /// a time; others queue).
    pub async fn hash(&self, password: String) -> Result<String, Error> {
        self.on_pool(move |this| this.hash_blocking(&password)).await?
    }

    /// True when `password` matches `phc`. A missing (`None`), disabled (`*`) or unparsable hash
    /// costs the same as a real one (the dummy hash is verified) and returns false.
    pub async fn verify(&self, password: String, phc: Option<String>) -> bool {
        self.on_pool(move |this| this.verify_blocking(&password, phc.as_deref()))
            .await
            .unwrap_or(false)
    }

    /// Makes the dummy hash (verified for unknown users) with `params`, on a hashing thread, so that an unknown
    /// user costs what a typical stored hash costs.
    pub async fn set_dummy_cost(&self, params: Argon2Params) -> Result<(), Error> {
        let argon_params = Params::new(params.m_kib, params.t, params.p, None)
            .map_err(|e| Error::internal(format!("invalid argon2 parameters: {e}")))?;
        let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, argon_params);
        let dummy = self
            .on_pool(move |_| hash_with(&argon2, &super::random_password()))
            .await??;
        *self.inner.dummy.write().map_err(Error::internal)? = dummy;
        Ok(())
    }

    /// The parameters of the dummy hash.
    pub fn dummy_params(&self) -> Option<Argon2Params> {
        let dummy = self.inner.dummy.read().ok()?;
        super::cost::argon2id_params(&dummy)
    }

    /// [`hash`](Self::hash) for callers already on a blocking thread (runs on the calling thread).
    pub fn hash_blocking(&self, password: &str) -> Result<String, Error> {
        hash_with(&self.inner.argon2, password)
    }

    /// The position of the first hash of `phcs` that `password` matches, checked in order on one hashing
    /// thread (password history: newest first, so a reused recent password stops early).
    pub async fn verify_first(&self, password: String, phcs: Vec<String>) -> Result<Option<usize>, Error> {
        self.on_pool(move |this| {
            phcs.iter()
                .position(|phc| parse_argon2(phc).is_some() && this.verify_blocking(&password, Some(phc)))
        })
        .await
    }

    /// [`verify`](Self::verify) for callers already on a blocking thread (runs on the calling thread).
    pub fn verify_blocking(&self, password: &str, phc: Option<&str>) -> bool {
        match phc.and_then(parse_argon2) {
            Some(hash) => verify_with(password.as_bytes(), &hash),
            None => {
                if let Ok(dummy) = self.inner.dummy.read()
                    && let Some(dummy) = parse_argon2(&dummy)
                {
                    let _ = verify_with(password.as_bytes(), &dummy);
                }
                false
            }
        }
    }
}

thread_local! {
    /// Whether this thread keeps its argon2 memory between hashes (the hashing threads do).
    static REUSE_MEMORY: RefCell<bool> = const { RefCell::new(false) };
    /// The kept memory: as many blocks as the largest `m` hashed so far on this thread.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs argon2 with `blocks` blocks of memory: the hashing threads reuse theirs (no 19 MiB allocation, page
/// faults and zeroing per hash, and the allocator cannot pile up freed buffers); other threads allocate.
fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    if !REUSE_MEMORY.with(|r| *r.borrow()) {
        return f(&mut vec![Block::new(); blocks]);
    }
    MEMORY.with(|m| {
        let mut m = m.borrow_mut();
        if m.len() < blocks {
            m.resize(blocks, Block::new());
        }
        f(&mut m[..blocks])
    })
}

/// argon2's `verify_password` (same parameters read back from the hash, constant-time comparison), with
/// [`with_memory`].
fn verify_with(password: &[u8], hash: &PasswordHash<'_>) -> bool {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(hash.algorithm) else {
        return false;
    };
    let version = match hash.version.map(Version::try_from).transpose() {
        Ok(v) => v.unwrap_or_default(),
        Err(_) => return false,
    };
    let Ok(params) = Params::try_from(hash) else {
        return false;
    };
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = Output::init_with(output_len, |out| {
        with_memory(blocks, |memory| {
            argon2.hash_password_into_with_memory(password, salt, out, memory)
        })
        .map_err(Into::into)
    });
    // `Output`'s equality is constant-time.
    computed.is_ok_and(|c| &c == expected)
}

/// Parses a PHC string that names an argon2 variant with usable parameters.
fn parse_argon2(phc: &str) -> Option<PasswordHash<'_>> {
    let hash = PasswordHash::new(phc).ok()?;
    Algorithm::try_from(hash.algorithm).ok()?;
    Params::try_from(&hash).ok()?;
    hash.hash?;
    Some(hash)
}

/// argon2's `hash_password` (random 16-byte salt, PHC string), with [`with_memory`].
fn hash_with(argon2: &Argon2<'_>, password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let salt_string = SaltString::encode_b64(&salt).map_err(Error::internal)?;
    let params = argon2.params();
    let output_len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(output_len, |out| {
        with_memory(params.block_count(), |memory| {
            argon2.hash_password_into_with_memory(password.as_bytes(), &salt, out, memory)
        })
        .map_err(Into::into)
    })
    .map_err(Error::internal)?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(Error::internal)?,
        salt: Some(salt_string.as_salt()),
        hash: Some(output),
    };
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
    async fn a_job_of_another_origin_runs_before_the_flooding_origins_next_jobs() {
        use std::sync::Mutex;
        use std::time::Duration;

        let h = PasswordHasher::new(LOW, 1).unwrap();
        // Hold the only thread until every job is queued.
        let (started_tx, started_rx) = tokio::sync::oneshot::channel::<()>();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let gate = tokio::spawn({
            let h = h.clone();
            async move {
                h.on_pool(move |_| {
                    let _ = started_tx.send(());
                    let _ = release_rx.recv();
                })
                .await
            }
        });
        started_rx.await.unwrap();
        let order = Arc::new(Mutex::new(Vec::new()));
        let flooder: std::net::IpAddr = "192.0.2.1".parse().unwrap();
        let other: std::net::IpAddr = "192.0.2.2".parse().unwrap();
        let mut tasks = Vec::new();
        let submit = |origin, name: String| {
            let (h, order) = (h.clone(), order.clone());
            tokio::spawn(super::super::with_origin(origin, async move {
                h.on_pool(move |this| {
                    let _ = this.hash_blocking("pw");
                    order.lock().unwrap().push(name);
                })
                .await
            }))
        };
        // The flooder queues 5 jobs, then the other address one.
        for (i, (origin, name)) in (1..=5)
            .map(|i| (flooder, format!("a{i}")))
            .chain([(other, "b1".to_string())])
            .enumerate()
        {
            tasks.push(submit(origin, name));
            while h.inner.jobs.len() < i + 1 {
                #[allow(
                    clippy::disallowed_methods,
                    reason = "waits for the hashing threads to queue the job, real threads the clock does not drive"
                )]
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        // `/metrics` sees the six waiting jobs, and none once they ran.
        assert_eq!(h.queue_depth().get(), 6);
        release_tx.send(()).unwrap();
        gate.await.unwrap().unwrap();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(h.queue_depth().get(), 0);
        // The other address's job ran second, not after the whole flood.
        assert_eq!(*order.lock().unwrap(), ["a1", "b1", "a2", "a3", "a4", "a5"]);
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

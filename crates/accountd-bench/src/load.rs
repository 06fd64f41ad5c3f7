//! Closed-loop load: N connections, each with one call in flight, for a fixed time or number of calls.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::client::Conn;
use crate::stats::Summary;

/// Builds the params (a JSON array as text) of call `n` on connection `c`.
pub type ParamsFn = Arc<dyn Fn(usize, u64) -> String + Send + Sync>;

/// Extracts a number from a reply (e.g. the uid of a created user), to check the replies afterwards.
pub type CollectFn = fn(&str) -> Option<i64>;

/// One load to drive.
#[derive(Clone)]
pub struct Load {
    /// Connections, each logged in first.
    pub connections: usize,
    /// How long to drive.
    pub duration: Duration,
    /// Stop each connection after this many calls (if sooner than `duration`).
    pub max_calls_per_connection: Option<u64>,
    /// `(username, password)` to log in with, or none.
    pub login: Option<(&'static str, &'static str)>,
    /// The method.
    pub method: &'static str,
    /// Its params.
    pub params: ParamsFn,
    /// Keep a number from every successful reply.
    pub collect: Option<CollectFn>,
}

/// What a load produced.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Latencies and counts.
    pub summary: Summary,
    /// What `collect` took from the replies.
    pub collected: Vec<i64>,
    /// The first error seen, if any.
    pub first_error: Option<String>,
}

/// Opens `n` connections, logging each in.
pub async fn connect_all(url: &str, n: usize, login: Option<(&str, &str)>) -> anyhow::Result<Vec<Conn>> {
    let mut conns = Vec::with_capacity(n);
    for _ in 0..n {
        let mut c = Conn::connect(url).await?;
        if let Some((user, password)) = login {
            c.login(user, password).await?;
        }
        conns.push(c);
    }
    Ok(conns)
}

/// Drives `load` against `url`. Connections are opened and logged in before the clock starts.
pub async fn run(url: &str, load: &Load) -> anyhow::Result<Outcome> {
    let conns = connect_all(url, load.connections, load.login).await?;
    let start = Instant::now() + Duration::from_millis(50);
    let deadline = start + load.duration;
    let mut tasks = Vec::new();
    for (c, mut conn) in conns.into_iter().enumerate() {
        let load = load.clone();
        tasks.push(tokio::spawn(async move {
            let mut samples = Vec::new();
            let mut collected = Vec::new();
            let (mut errors, mut first_error) = (0u64, None);
            tokio::time::sleep_until(start).await;
            let mut n = 0u64;
            while Instant::now() < deadline && load.max_calls_per_connection.is_none_or(|max| n < max) {
                let params = (load.params)(c, n);
                n += 1;
                let t = Instant::now();
                match conn.call_raw(load.method, &params).await {
                    Ok(reply) => {
                        samples.push(t.elapsed().as_nanos() as u64);
                        if let Some(f) = load.collect {
                            collected.extend(f(&reply));
                        }
                    }
                    Err(e) => {
                        errors += 1;
                        first_error.get_or_insert_with(|| e.to_string());
                        if e.to_string().contains("closed") {
                            break;
                        }
                    }
                }
            }
            let finished = Instant::now();
            conn.close().await;
            (samples, collected, errors, first_error, finished)
        }));
    }
    let mut out = Outcome::default();
    let (mut all, mut errors, mut last) = (Vec::new(), 0, start);
    for t in tasks {
        let (samples, collected, e, first_error, finished) = t.await?;
        all.extend(samples);
        out.collected.extend(collected);
        errors += e;
        if out.first_error.is_none() {
            out.first_error = first_error;
        }
        last = last.max(finished);
    }
    out.summary = Summary::from_samples(all, errors, last.duration_since(start));
    Ok(out)
}

/// Calls `method` on one connection every `interval` for `duration`: latency under whatever else is
/// running, without adding load of its own.
pub async fn probe(
    url: &str,
    login: Option<(&str, &str)>,
    method: &str,
    params: &str,
    interval: Duration,
    duration: Duration,
) -> anyhow::Result<Summary> {
    let mut conn = connect_all(url, 1, login)
        .await?
        .pop()
        .ok_or_else(|| anyhow::anyhow!("no connection"))?;
    let started = Instant::now();
    let mut samples = Vec::new();
    let mut errors = 0;
    while started.elapsed() < duration {
        let t = Instant::now();
        match conn.call_raw(method, params).await {
            Ok(_) => samples.push(t.elapsed().as_nanos() as u64),
            Err(_) => errors += 1,
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "a benchmark on real time: the pacing of a client's calls"
        )]
        tokio::time::sleep(interval).await;
    }
    conn.close().await;
    Ok(Summary::from_samples(samples, errors, started.elapsed()))
}

//! What the in-process servers log about mail and password resets, captured for tests that check what is (and is
//! not) written to the log. One global subscriber for the whole test binary, installed on first use, records the
//! events of `accountd_core::mail` and `accountd_core::password_reset` (INFO and above) as plain text.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tracing_subscriber::EnvFilter;

/// The captured text.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

struct Sink(Arc<Mutex<Vec<u8>>>);

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut text) = self.0.lock() {
            text.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static LOGS: OnceLock<Logs> = OnceLock::new();

/// The log of every server of this test process, captured from the first call on.
pub fn capture() -> Logs {
    LOGS.get_or_init(|| {
        let logs = Logs::default();
        let buffer = logs.0.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(EnvFilter::new(
                "accountd_core::mail=info,accountd_core::password_reset=info",
            ))
            .with_ansi(false)
            .with_writer(move || Sink(buffer.clone()))
            .finish();
        let _ = tracing::subscriber::set_global_default(subscriber);
        logs
    })
    .clone()
}

impl Logs {
    /// Everything captured so far.
    pub fn text(&self) -> String {
        self.0
            .lock()
            .map(|t| String::from_utf8_lossy(&t).into_owned())
            .unwrap_or_default()
    }

    /// Waits (up to 20 s) for a line containing every one of `needles`; returns it.
    pub async fn wait_for_line(&self, needles: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(line) = self.text().lines().find(|l| needles.iter().all(|n| l.contains(n))) {
                return line.to_string();
            }
            assert!(Instant::now() < deadline, "no log line with {needles:?}");
            #[allow(
                clippy::disallowed_methods,
                reason = "polls a log another task writes, under a deadline"
            )]
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

//! Latency samples and their summary.

use std::time::Duration;

/// The outcome of one measured run.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Calls that succeeded.
    pub calls: u64,
    /// Calls that failed.
    pub errors: u64,
    /// Wall time of the run.
    pub elapsed: Duration,
    /// Latency percentiles (p50, p90, p99) and the maximum.
    pub p50: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest call.
    pub max: Duration,
}

impl Summary {
    /// Summarises latencies in nanoseconds.
    pub fn from_samples(mut samples: Vec<u64>, errors: u64, elapsed: Duration) -> Summary {
        samples.sort_unstable();
        let pct = |p: f64| -> Duration {
            if samples.is_empty() {
                return Duration::ZERO;
            }
            let rank = ((p * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
            Duration::from_nanos(samples[rank - 1])
        };
        Summary {
            calls: samples.len() as u64,
            errors,
            elapsed,
            p50: pct(0.50),
            p90: pct(0.90),
            p99: pct(0.99),
            max: samples.last().map(|n| Duration::from_nanos(*n)).unwrap_or_default(),
        }
    }

    /// Successful calls per second.
    pub fn throughput(&self) -> f64 {
        per_second(self.calls, self.elapsed)
    }
}

/// `count` per second over `elapsed`.
pub fn per_second(count: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// A duration as microseconds or milliseconds, whichever reads better.
pub fn fmt_duration(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 10_000.0 {
        format!("{us:.0} µs")
    } else {
        format!("{:.1} ms", us / 1000.0)
    }
}

/// The median of some durations.
pub fn median(mut values: Vec<Duration>) -> Duration {
    values.sort_unstable();
    values.get(values.len() / 2).copied().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_nearest_rank() {
        let s = Summary::from_samples((1..=100).collect(), 2, Duration::from_secs(2));
        assert_eq!(
            (s.calls, s.errors, s.p50, s.p90, s.p99, s.max),
            (
                100,
                2,
                Duration::from_nanos(50),
                Duration::from_nanos(90),
                Duration::from_nanos(99),
                Duration::from_nanos(100)
            )
        );
        assert_eq!(s.throughput(), 50.0);
        let empty = Summary::from_samples(Vec::new(), 0, Duration::ZERO);
        assert_eq!((empty.p50, empty.throughput()), (Duration::ZERO, 0.0));
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(fmt_duration(Duration::from_micros(85)), "85 µs");
        assert_eq!(fmt_duration(Duration::from_micros(12_345)), "12.3 ms");
        assert_eq!(
            median(vec![
                Duration::from_secs(3),
                Duration::from_secs(1),
                Duration::from_secs(2)
            ]),
            Duration::from_secs(2)
        );
    }
}

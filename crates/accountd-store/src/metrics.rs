//! What a database's writer thread measures about its commits: how long each `COMMIT` (with its sync to disk)
//! takes and how many writes it covers. Observed on the writer thread, where the commit happens; read by the
//! service's `/metrics` when the metrics are on, through [`CommitCollector`].

use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Unit;

/// The commit measurements of one database; cheap to clone (the clones share the counts).
#[derive(Debug, Clone)]
pub struct CommitMetrics {
    seconds: Histogram,
    batch: Histogram,
}

impl Default for CommitMetrics {
    fn default() -> Self {
        CommitMetrics {
            // 50 µs .. ~3 s: an fsync on a fast SSD up to a stalled disk.
            seconds: Histogram::new(exponential_buckets(0.000_05, 2.0, 16)),
            // 1 .. 512 writes per commit.
            batch: Histogram::new(exponential_buckets(1.0, 2.0, 10)),
        }
    }
}

impl CommitMetrics {
    /// One commit that took `elapsed` and covered `writes` writes.
    pub(crate) fn observe(&self, elapsed: Duration, writes: usize) {
        self.seconds.observe(elapsed.as_secs_f64());
        self.batch.observe(writes as f64);
    }
}

/// The commit histograms of several databases as two metrics, `sqlite_commit_seconds` and
/// `sqlite_commit_batch_size`, each with one series per database (label `database`): two registrations of the
/// same name would be refused by Prometheus's parser.
#[derive(Debug)]
pub struct CommitCollector {
    databases: Vec<(&'static str, CommitMetrics)>,
}

impl CommitCollector {
    /// The metrics of `databases`, each named by its `database` label (e.g. `accounts`, `audit`).
    pub fn new(databases: Vec<(&'static str, CommitMetrics)>) -> Self {
        CommitCollector { databases }
    }

    fn encode_each(
        &self,
        encoder: &mut DescriptorEncoder<'_>,
        (name, help, unit): (&str, &str, Option<&Unit>),
        histogram: fn(&CommitMetrics) -> &Histogram,
    ) -> Result<(), std::fmt::Error> {
        let mut metric = encoder.encode_descriptor(name, help, unit, MetricType::Histogram)?;
        for (database, metrics) in &self.databases {
            let labels = [("database", *database)];
            histogram(metrics).encode(metric.encode_family(&labels)?)?;
        }
        Ok(())
    }
}

impl Collector for CommitCollector {
    fn encode(&self, mut encoder: DescriptorEncoder<'_>) -> Result<(), std::fmt::Error> {
        let seconds = (
            "sqlite_commit",
            "Time of one SQLite COMMIT, its sync to disk included",
            Some(&Unit::Seconds),
        );
        self.encode_each(&mut encoder, seconds, |m| &m.seconds)?;
        let batch = ("sqlite_commit_batch_size", "Writes covered by one SQLite commit", None);
        self.encode_each(&mut encoder, batch, |m| &m.batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prometheus_client::registry::Registry;

    #[test]
    fn each_database_is_one_series_of_one_metric() {
        let (accounts, audit) = (CommitMetrics::default(), CommitMetrics::default());
        accounts.observe(Duration::from_micros(300), 1);
        audit.observe(Duration::from_micros(200), 3);
        audit.observe(Duration::from_micros(100), 2);
        let mut registry = Registry::with_prefix("accountd");
        registry.register_collector(Box::new(CommitCollector::new(vec![
            ("accounts", accounts),
            ("audit", audit),
        ])));
        let mut text = String::new();
        prometheus_client::encoding::prometheus_text::encode(&mut text, &registry).unwrap();
        assert_eq!(
            text.matches("# TYPE accountd_sqlite_commit_seconds histogram").count(),
            1
        );
        for line in [
            "accountd_sqlite_commit_seconds_count{database=\"accounts\"} 1",
            "accountd_sqlite_commit_seconds_count{database=\"audit\"} 2",
            "accountd_sqlite_commit_batch_size_sum{database=\"audit\"} 5.0",
            "accountd_sqlite_commit_batch_size_bucket{database=\"accounts\",le=\"1\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} missing from\n{text}");
        }
    }
}

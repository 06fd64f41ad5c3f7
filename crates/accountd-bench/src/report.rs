//! The printed report: one row per measured load, then every target with its ratio and PASS/MISS.

use std::fmt::Write as _;
use std::time::Duration;

use crate::stats::{Summary, fmt_duration};

/// One measured load.
#[derive(Debug, Clone)]
pub struct Row {
    /// What ran.
    pub name: String,
    /// Connections driving it.
    pub connections: usize,
    /// Latencies and counts.
    pub summary: Summary,
    /// Server CPU (percent of one core) while it ran.
    pub cpu: f64,
    /// Server RSS at its end, in bytes.
    pub rss: u64,
}

/// Which way a target bounds its ratio.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// The ratio must not exceed the limit.
    AtMost,
    /// The ratio must reach the limit.
    AtLeast,
}

/// One target of the issue, checked.
#[derive(Debug, Clone)]
pub struct Check {
    /// The target in words.
    pub target: String,
    /// The measured figure and its baseline, in words.
    pub measured: String,
    /// measured / baseline (or the absolute figure for absolute targets).
    pub ratio: f64,
    /// The limit on `ratio`.
    pub limit: f64,
    /// Its direction.
    pub bound: Bound,
}

impl Check {
    /// A latency target: `measured` at most `limit` times `baseline`.
    pub fn latency(target: impl Into<String>, measured: Duration, baseline: Duration, limit: f64) -> Check {
        Check {
            target: target.into(),
            measured: format!("{} vs {}", fmt_duration(measured), fmt_duration(baseline)),
            ratio: ratio(measured, baseline),
            limit,
            bound: Bound::AtMost,
        }
    }

    /// True when the target is met.
    pub fn pass(&self) -> bool {
        match self.bound {
            Bound::AtMost => self.ratio <= self.limit,
            Bound::AtLeast => self.ratio >= self.limit,
        }
    }
}

/// Everything one run measured.
#[derive(Debug, Default)]
pub struct Report {
    /// Facts about the run (machine, sizes, baselines).
    pub facts: Vec<(String, String)>,
    /// Loads.
    pub rows: Vec<Row>,
    /// Targets.
    pub checks: Vec<Check>,
}

impl Report {
    /// Records a fact.
    pub fn fact(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        println!("  {name}: {value}");
        self.facts.push((name, value));
    }

    /// Records a load and prints it at once.
    pub fn row(&mut self, row: Row) {
        let s = &row.summary;
        println!(
            "  {:<34} {:>5} conns {:>9.0}/s  p50 {:>9}  p99 {:>9}  max {:>9}  errors {}  cpu {:>4.0}%  rss {:>6.1} MB",
            row.name,
            row.connections,
            s.throughput(),
            fmt_duration(s.p50),
            fmt_duration(s.p99),
            fmt_duration(s.max),
            s.errors,
            row.cpu,
            mb(row.rss)
        );
        self.rows.push(row);
    }

    /// Records a target check and prints it at once.
    pub fn check(&mut self, check: Check) {
        println!(
            "  [{}] {} — {} (ratio {:.2}, limit {} {})",
            if check.pass() { "PASS" } else { "MISS" },
            check.target,
            check.measured,
            check.ratio,
            match check.bound {
                Bound::AtMost => "<=",
                Bound::AtLeast => ">=",
            },
            check.limit
        );
        self.checks.push(check);
    }

    /// The whole report as Markdown tables.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for (name, value) in &self.facts {
            let _ = writeln!(out, "- {name}: {value}");
        }
        out.push_str(
            "\n| load | conns | calls | calls/s | p50 | p90 | p99 | max | errors | server CPU | server RSS |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        );
        for r in &self.rows {
            let s = &r.summary;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.0} | {} | {} | {} | {} | {} | {:.0}% | {:.1} MB |",
                r.name,
                r.connections,
                s.calls,
                s.throughput(),
                fmt_duration(s.p50),
                fmt_duration(s.p90),
                fmt_duration(s.p99),
                fmt_duration(s.max),
                s.errors,
                r.cpu,
                mb(r.rss)
            );
        }
        out.push_str("\n| target | measured | ratio | limit | result |\n|---|---|---:|---:|---|\n");
        for c in &self.checks {
            let _ = writeln!(
                out,
                "| {} | {} | {:.2} | {} {} | {} |",
                c.target,
                c.measured,
                c.ratio,
                match c.bound {
                    Bound::AtMost => "≤",
                    Bound::AtLeast => "≥",
                },
                c.limit,
                if c.pass() { "PASS" } else { "**MISS**" }
            );
        }
        out
    }
}

/// Bytes as megabytes (10^6).
pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

/// A ratio of two durations.
pub fn ratio(a: Duration, b: Duration) -> f64 {
    let b = b.as_secs_f64();
    if b > 0.0 { a.as_secs_f64() / b } else { f64::INFINITY }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_pass_by_their_bound() {
        let check = |ratio, limit, bound| Check {
            target: String::new(),
            measured: String::new(),
            ratio,
            limit,
            bound,
        };
        assert!(check(1.5, 1.5, Bound::AtMost).pass());
        assert!(!check(1.51, 1.5, Bound::AtMost).pass());
        assert!(check(0.5, 0.5, Bound::AtLeast).pass());
        assert!(!check(0.49, 0.5, Bound::AtLeast).pass());
        assert_eq!(ratio(Duration::from_millis(3), Duration::from_millis(2)), 1.5);
    }
}

//! Login fairness between client addresses: a login from a second address while a first address floods the
//! server with logins, against the same login on an idle server (the hashing threads take turns between
//! addresses, so the flood should cost the second address about one hash of waiting, not the whole queue).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::time::Instant;

use crate::client::{Conn, login_params};
use crate::load::{self, Load};
use crate::report::{Check, Report, Row};
use crate::seed;
use crate::server::Server;
use crate::stats::{Summary, fmt_duration as ms};

/// The second client address (loopback on Linux).
const SECOND_ADDRESS: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// Time between two logins of the measuring client.
const PAUSE: Duration = Duration::from_millis(50);

/// Logs in as the administrator from `SECOND_ADDRESS` on one connection, again and again, for `duration`.
async fn logins_from_second_address(url: &str, duration: Duration) -> anyhow::Result<Summary> {
    let mut conn = Conn::connect_from(url, SECOND_ADDRESS).await?;
    let params = login_params(seed::ADMIN, seed::ADMIN_PASSWORD).to_string();
    let started = Instant::now();
    let (mut samples, mut errors) = (Vec::new(), 0);
    while started.elapsed() < duration {
        let t = Instant::now();
        match conn.call_raw("auth.login_ex", &params).await {
            Ok(reply) if reply.contains(r#""response_type":"SUCCESS""#) => samples.push(t.elapsed().as_nanos() as u64),
            _ => errors += 1,
        }
        #[allow(
            clippy::disallowed_methods,
            reason = "a benchmark on real time: the pause between the probe's logins"
        )]
        tokio::time::sleep(PAUSE).await;
    }
    conn.close().await;
    Ok(Summary::from_samples(samples, errors, started.elapsed()))
}

/// Measures and reports the scenario: `flood_connections` connections from 127.0.0.1 log in back to back.
pub async fn run(
    server: &Server,
    flood_connections: usize,
    duration: Duration,
    report: &mut Report,
) -> anyhow::Result<()> {
    let url = server.url.as_str();
    let idle = logins_from_second_address(url, duration).await?;
    report.fact(
        "auth.login_ex from 127.0.0.2 on an idle server",
        format!("p50 {} p99 {} ({} logins)", ms(idle.p50), ms(idle.p99), idle.calls),
    );
    let params = login_params(seed::ADMIN, seed::ADMIN_PASSWORD).to_string();
    let flood = Load {
        connections: flood_connections,
        duration,
        max_calls_per_connection: None,
        login: None,
        method: "auth.login_ex",
        params: std::sync::Arc::new(move |_, _| params.clone()),
        collect: None,
    };
    let probe_url = url.to_string();
    let probe = tokio::spawn(async move {
        // Once the flood has filled the hashing queue.
        #[allow(
            clippy::disallowed_methods,
            reason = "a benchmark on real time: the probe starts once the flood filled the queue"
        )]
        tokio::time::sleep(Duration::from_millis(300)).await;
        logins_from_second_address(&probe_url, duration.saturating_sub(Duration::from_millis(600))).await
    });
    let before = server.sample()?;
    let flooded = load::run(url, &flood).await?;
    let busy = probe.await??;
    let after = server.sample()?;
    let (cpu, rss) = (after.cpu_percent_since(&before), after.rss);
    report.row(Row {
        name: format!("login flood from 127.0.0.1 ({flood_connections} conns)"),
        connections: flood_connections,
        summary: flooded.summary,
        cpu,
        rss,
    });
    report.row(Row {
        name: "auth.login_ex from 127.0.0.2 during the flood".into(),
        connections: 1,
        summary: busy.clone(),
        cpu,
        rss,
    });
    report.check(Check::latency(
        "login p50 from a second address during a login flood ≤ 2× idle login p50",
        busy.p50,
        idle.p50,
        2.0,
    ));
    Ok(())
}

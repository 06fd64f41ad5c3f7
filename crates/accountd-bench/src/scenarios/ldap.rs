//! LDAP logins against a real OpenLDAP slapd (the LDAP tests' own fixture): a storm of directory logins from
//! many connections must never hold the runtime, measured by a `core.ping` probe against the idle figure.

use std::sync::Arc;
use std::time::Duration;

use accountd_e2e::slapd::{JDOE, Slapd};
use serde_json::json;

use super::Bench;
use crate::client::Conn;
use crate::load;
use crate::report::{Check, Row};
use crate::seed;
use crate::stats::fmt_duration as ms;

/// `truenas_readonly_administrators`: the privilege that lets the directory user log in.
const READONLY_ADMINISTRATORS: i64 = 4;

impl Bench {
    /// 32 (`--login-connections`) concurrent logins of a directory user, each bound against slapd by accountd,
    /// while a probe pings every 5 ms; the ping p99 must stay within 5x its idle p99.
    pub(super) async fn ldap(&mut self) -> anyhow::Result<()> {
        anyhow::ensure!(
            std::process::Command::new("slapd").arg("-VV").output().is_ok(),
            "slapd not found: install Debian's slapd and ldap-utils"
        );
        let slapd = tokio::task::spawn_blocking(Slapd::start).await?;
        let url = self.url()?;
        let mut admin = Conn::connect(&url).await?;
        admin.login(seed::ADMIN, seed::ADMIN_PASSWORD).await?;
        let mut fields = slapd.source("bench-directory");
        fields["timeout"] = json!(10);
        let source = admin.call("auth_source.create", &json!([fields])).await?;
        let source = source["id"]
            .as_i64()
            .ok_or_else(|| anyhow::anyhow!("auth_source.create gave no id: {source}"))?;
        admin
            .call(
                "user.create",
                &json!([{"username": JDOE.0, "full_name": "John Doe", "group_create": true,
                         "auth_source": source, "groups": [READONLY_ADMINISTRATORS]}]),
            )
            .await?;
        admin.close().await;
        anyhow::ensure!(
            directory_login_succeeds(&url).await?,
            "the directory user cannot log in"
        );

        let interval = Duration::from_millis(5);
        let idle = load::probe(&url, None, "core.ping", "[]", interval, self.settings.duration).await?;
        self.report.fact(
            "core.ping probe (every 5 ms) before the LDAP storm",
            format!("p50 {} p99 {} max {}", ms(idle.p50), ms(idle.p99), ms(idle.max)),
        );
        let params = crate::client::login_params(JDOE.0, JDOE.1).to_string();
        let mut storm = self.load(
            self.settings.login_connections,
            "auth.login_ex",
            Arc::new(move |_, _| params.clone()),
        );
        storm.login = None;
        let probe_url = url.clone();
        let duration = self.settings.duration;
        let probe = tokio::spawn(async move {
            #[allow(
                clippy::disallowed_methods,
                reason = "a benchmark on real time: the probe starts once the storm filled the queue"
            )]
            tokio::time::sleep(Duration::from_millis(300)).await;
            load::probe(
                &probe_url,
                None,
                "core.ping",
                "[]",
                interval,
                duration.saturating_sub(Duration::from_millis(600)),
            )
            .await
        });
        let storm = self.measure("auth.login_ex (LDAP bind to slapd)", &storm).await?;
        let busy = probe.await??;
        let mut check = Conn::connect(&url).await?;
        check.login(seed::ADMIN, seed::ADMIN_PASSWORD).await?;
        let entry = check.call("auth_source.get_instance", &json!([source])).await?;
        check.close().await;
        anyhow::ensure!(
            entry["status"] == "HEALTHY" && storm.first_error.is_none() && directory_login_succeeds(&url).await?,
            "the LDAP storm failed: {:?}; source status {}",
            storm.first_error,
            entry["status"]
        );
        self.report.fact(
            "LDAP logins (accountd binds to slapd; slapd checks an {SSHA} password)",
            format!(
                "{:.0}/s at {} connections",
                storm.summary.throughput(),
                self.settings.login_connections
            ),
        );
        self.report.row(Row {
            name: "core.ping probe during the LDAP storm".into(),
            connections: 1,
            summary: busy.clone(),
            cpu: 0.0,
            rss: 0,
        });
        self.report.check(Check::latency(
            "core.ping p99 during 32 concurrent LDAP logins ≤ 5× idle p99",
            busy.p99,
            idle.p99,
            5.0,
        ));
        drop(slapd);
        Ok(())
    }
}

/// Whether the directory user logs in on a new connection (`SUCCESS`).
async fn directory_login_succeeds(url: &str) -> anyhow::Result<bool> {
    let mut c = Conn::connect(url).await?;
    let reply = c
        .call("auth.login_ex", &crate::client::login_params(JDOE.0, JDOE.1))
        .await?;
    c.close().await;
    Ok(reply["response_type"] == "SUCCESS")
}

//! From the settings given to the effective ones: each given value checked and put in place of its default.

use std::time::Duration;

use anyhow::Context;

use super::{ServeSettings, Settings, TlsFiles, default_data_dir};

impl ServeSettings {
    /// The effective settings: the defaults with every given value checked and put in their place.
    pub fn resolve(mut self) -> anyhow::Result<Settings> {
        let data = default_data_dir();
        let db = self.db.take().unwrap_or_else(|| data.join("accountd.db"));
        let home_root = self.home_root.take().unwrap_or_else(|| data.join("homes"));
        let mut settings = Settings::defaults(db, home_root);
        settings.limits = self.limits(settings.limits)?;
        settings.tls = match (self.tls_cert, self.tls_key) {
            (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
            (None, None) => None,
            _ => anyhow::bail!("tls_cert and tls_key must be given together"),
        };
        if let Some(listen) = self.listen {
            settings.listen = listen;
        }
        let argon2 = &mut settings.argon2;
        argon2.m_kib = self.argon2_m_kib.unwrap_or(argon2.m_kib);
        argon2.t = self.argon2_t.unwrap_or(argon2.t);
        argon2.p = self.argon2_p.unwrap_or(argon2.p);
        if let Some(ms) = self.login_failure_delay_ms {
            settings.login_failure_delay = Duration::from_millis(ms);
        }
        if let Some(entries) = self.read_cache_entries {
            settings.read_cache_entries = entries;
        }
        if let Some(audit) = self.audit {
            settings.audit = audit;
        }
        if let Some(ms) = self.audit_prune_interval_ms {
            anyhow::ensure!(ms > 0, "audit_prune_interval_ms must be at least 1");
            settings.audit_prune_interval = Duration::from_millis(ms);
        }
        if let Some(ms) = self.mail_timeout_ms {
            anyhow::ensure!(ms > 0, "mail_timeout_ms must be at least 1");
            settings.mail_timeout = Duration::from_millis(ms);
        }
        settings.mail_ca_file = self.mail_ca_file;
        if let Some(metrics) = self.metrics {
            settings.metrics = metrics;
        }
        settings.metrics_listen = self.metrics_listen;
        if let Some(v) = self.audit_sync.as_deref() {
            settings.audit_sync = accountd_store::audit::AuditSync::parse(v)
                .with_context(|| format!("audit_sync must be \"normal\" or \"full\", not {v:?}"))?;
        }
        Ok(settings)
    }

    /// The transport limits: `limits` with the connection settings given.
    fn limits(&self, mut limits: accountd_server::Limits) -> anyhow::Result<accountd_server::Limits> {
        if let Some(n) = self.max_connections {
            anyhow::ensure!(n > 0, "max_connections must be at least 1");
            limits.max_connections = n;
        }
        if let Some(p) = self.unauthenticated_share_percent {
            anyhow::ensure!(
                (1..=100).contains(&p),
                "unauthenticated_share_percent must be between 1 and 100"
            );
            limits.unauthenticated_share_percent = p;
        }
        if let Some(proxies) = &self.trusted_proxy {
            limits.trusted_proxies = accountd_server::TrustedProxies::new(proxies.iter().copied());
        }
        if let Some(ms) = self.login_timeout_ms {
            anyhow::ensure!(ms > 0, "login_timeout_ms must be at least 1");
            limits.login_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.write_timeout_ms {
            anyhow::ensure!(ms > 0, "write_timeout_ms must be at least 1");
            limits.write_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = self.outbound_queue_bytes {
            anyhow::ensure!(n > 0, "outbound_queue_bytes must be at least 1");
            limits.outbound_queue_bytes = n;
        }
        if let Some(origins) = &self.ui_frame_ancestors {
            for origin in origins {
                anyhow::ensure!(
                    accountd_server::is_frame_ancestor(origin),
                    "ui_frame_ancestors: {origin:?} is not an origin like https://nas.example or https://10.0.0.2:8443"
                );
            }
            limits.ui_frame_ancestors = origins.clone();
        }
        let rate = &mut limits.rate_limit;
        if let Some(n) = self.rate_limit_max_calls {
            rate.max_calls = n;
        }
        if let Some(ms) = self.rate_limit_window_ms {
            anyhow::ensure!(ms > 0, "rate_limit_window_ms must be at least 1");
            rate.window = Duration::from_millis(ms);
        }
        if let Some(ms) = self.rate_limit_sleep_min_ms {
            rate.sleep_min = Duration::from_millis(ms);
        }
        if let Some(ms) = self.rate_limit_sleep_max_ms {
            rate.sleep_max = Duration::from_millis(ms);
        }
        anyhow::ensure!(
            rate.sleep_min <= rate.sleep_max,
            "rate_limit_sleep_min_ms must not exceed rate_limit_sleep_max_ms"
        );
        Ok(limits)
    }
}

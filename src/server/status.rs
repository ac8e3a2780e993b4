//! Planning statuses from real checks: disabled, beyond quota or seats, no base, or else whether the planning
//! server answers over TLS on its port. Changes are recorded with their time (and a history line).

use super::Shared;
use crate::api::PlanningStatus;
use crate::client::{ControllerClient, Trust};
use crate::error::{Error, Result};
use crate::ids::HostingNumber;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinSet;

const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// Checks every account's plannings, then again every `interval`, until the server stops.
pub async fn check_every(shared: Arc<Shared>, interval: Duration) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(e) = shared.controller.prune() {
            tracing::warn!("history retention: {}", e.message);
        }
        let accounts = match shared.controller.hosting_numbers() {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("status checks: {}", e.message);
                continue;
            }
        };
        for hosting in accounts {
            if let Err(e) = refresh(&shared, &hosting).await {
                tracing::warn!("status check of {hosting}: {}", e.message);
            }
        }
    }
}

pub async fn refresh(shared: &Shared, hosting: &HostingNumber) -> Result<()> {
    let ca = shared.controller.ca_pem().to_owned();
    let mut results = Vec::new();
    let mut probes = JoinSet::new();
    for (planning, decided) in shared.controller.planned_statuses(hosting)? {
        match (decided, planning.coordinates) {
            (Some(status), _) => results.push((planning.id, status)),
            (None, None) => results.push((planning.id, PlanningStatus::NoBase)),
            (None, Some(coords)) => {
                let addr = shared.listeners.probe_addr(coords.port).to_string();
                let ca = ca.clone();
                probes.spawn(async move {
                    let answers = match ControllerClient::new(&addr, &Trust::Pinned(ca), None) {
                        Ok(client) => tokio::time::timeout(PROBE_TIMEOUT, client.probe("/status"))
                            .await
                            .unwrap_or(false),
                        Err(_) => false,
                    };
                    (
                        planning.id,
                        if answers {
                            PlanningStatus::Online
                        } else {
                            PlanningStatus::Offline
                        },
                    )
                });
            }
        }
    }
    while let Some(done) = probes.join_next().await {
        results.push(done.map_err(Error::internal)?);
    }
    shared.controller.record_statuses(hosting, &results)
}
